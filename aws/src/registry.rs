//! The vendored models: `models/index.tsv` names every service, `models/models.bin` holds each
//! one's model as a zlib stream. A service's model is decompressed and parsed the first time it
//! is asked for, then kept for the life of the process.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, OnceLock};

use crate::model::ServiceModel;

static INDEX: &str = include_str!("../models/index.tsv");
static MODELS: &[u8] = include_bytes!("../models/models.bin");

/// One service, as a Task names it.
#[derive(Debug)]
pub struct Service {
    /// The name in `arn:aws:states:::aws-sdk:NAME:action` (`dynamodb`, `cloudwatchlogs`).
    pub name: String,
    /// The prefix of the errors it raises (`DynamoDb`, `CloudWatchLogs`).
    pub error_prefix: String,
    /// botocore's directory name (`dynamodb`, `logs`): what `AWS_ENDPOINT_URL_<NAME>` and
    /// configuration files call it, upper-cased with `-` as `_`.
    pub botocore_name: String,
    /// The host and signing region of a service that has one global endpoint (IAM, Route 53).
    pub global_endpoint: Option<(String, String)>,
    /// The model.
    pub model: ServiceModel,
}

struct Entry {
    name: &'static str,
    botocore_name: &'static str,
    error_prefix: &'static str,
    range: std::ops::Range<usize>,
    global: Option<(&'static str, &'static str)>,
    loaded: OnceLock<Result<Arc<Service>, String>>,
}

fn entries() -> &'static HashMap<&'static str, Entry> {
    static ENTRIES: OnceLock<HashMap<&'static str, Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        INDEX
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .filter_map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                let offset: usize = f.get(3)?.parse().ok()?;
                let length: usize = f.get(4)?.parse().ok()?;
                let global = match (f.get(5), f.get(6)) {
                    (Some(host), Some(region)) if !host.is_empty() => Some((*host, *region)),
                    _ => None,
                };
                Some((
                    f[0],
                    Entry {
                        name: f[0],
                        botocore_name: f[1],
                        error_prefix: f[2],
                        range: offset..offset + length,
                        global,
                        loaded: OnceLock::new(),
                    },
                ))
            })
            .collect()
    })
}

/// The service Step Functions calls `name`, its model loaded; `None` if there is no such
/// service. A model that does not load (a broken vendored file) is an `Err` naming why.
pub fn service(name: &str) -> Option<Result<Arc<Service>, String>> {
    let entry = entries().get(name)?;
    Some(
        entry
            .loaded
            .get_or_init(|| load(entry).map(Arc::new))
            .clone(),
    )
}

/// Decompresses and parses the model of `name` afresh, bypassing the cache: what the first use
/// of a service costs (the models benchmark measures it).
pub fn parse(name: &str) -> Option<Result<Service, String>> {
    let entry = entries().get(name)?;
    Some(load(entry))
}

/// Every service name, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = entries().values().map(|e| e.name).collect();
    names.sort_unstable();
    names
}

/// The service name closest to `name` (for "did you mean"): one that contains it or is
/// contained in it, else the nearest by edit distance, if near enough.
pub fn closest_name(name: &str) -> Option<String> {
    let wanted = name.to_lowercase().replace(['-', '_', ' '], "");
    if entries().contains_key(wanted.as_str()) {
        return Some(wanted);
    }
    names()
        .into_iter()
        .map(|n| (crate::naming::distance(n, &wanted), n))
        .min()
        .filter(|(d, _)| *d <= wanted.len().max(3) / 2)
        .map(|(_, n)| n.to_owned())
}

fn load(entry: &Entry) -> Result<Service, String> {
    let bytes = MODELS
        .get(entry.range.clone())
        .ok_or_else(|| format!("the model of {} is outside models.bin", entry.name))?;
    let mut text = Vec::new();
    flate2::read::ZlibDecoder::new(bytes)
        .read_to_end(&mut text)
        .map_err(|e| format!("the model of {} does not decompress: {e}", entry.name))?;
    let model: ServiceModel = serde_json::from_slice(&text)
        .map_err(|e| format!("the model of {} does not parse: {e}", entry.name))?;
    Ok(Service {
        name: entry.name.to_owned(),
        error_prefix: entry.error_prefix.to_owned(),
        botocore_name: entry.botocore_name.to_owned(),
        global_endpoint: entry
            .global
            .map(|(host, region)| (host.to_owned(), region.to_owned())),
        model,
    })
}

#[cfg(test)]
mod tests;

//! What a Distributed Map's ResultWriter writes to S3, as AWS writes it: under
//! `PREFIX/MAP_RUN_ID/`, result files of each outcome (`SUCCEEDED_0.json`, `SUCCEEDED_1.json`,
//! `FAILED_0.json`, `PENDING_0.json`, each a JSON array, or `.jsonl` with one entry per line),
//! and `manifest.json` naming them with their sizes. An entry is the child execution as
//! DescribeExecution tells it (Transformation NONE), or its output alone (COMPACT), arrays
//! spliced in (FLATTEN); a failed child is always written whole.
//!
//! Owns: the files' names, contents and the manifest. Must not: call S3 (that is [`super`]).

use serde_json::{Map, Value, json};

use crate::interp::Failure;
use crate::interp::errors::names;

/// How the entries are shaped and laid out (`WriterConfig`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// One JSON array per file (else JSON Lines).
    pub json_array: bool,
    /// NONE, COMPACT or FLATTEN.
    pub transformation: Transformation,
}

/// `WriterConfig.Transformation`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transformation {
    /// The child executions' descriptions.
    None,
    /// Their outputs.
    Compact,
    /// Their outputs, each array's elements in its place.
    Flatten,
}

impl Layout {
    /// The layout a `WriterConfig` asks for.
    pub fn of(config: &Value) -> Result<Layout, Failure> {
        let json_array = match config["OutputType"].as_str() {
            None | Some("JSON") => true,
            Some("JSONL") => false,
            Some(other) => return Err(failed(format!("Unknown OutputType '{other}'"))),
        };
        let transformation = match config["Transformation"].as_str() {
            None | Some("NONE") => Transformation::None,
            Some("COMPACT") => Transformation::Compact,
            Some("FLATTEN") => Transformation::Flatten,
            Some(other) => return Err(failed(format!("Unknown Transformation '{other}'"))),
        };
        Ok(Layout {
            json_array,
            transformation,
        })
    }

    fn extension(&self) -> &'static str {
        if self.json_array { "json" } else { "jsonl" }
    }
}

/// A States.ResultWriterFailed failure.
pub fn failed(cause: impl Into<String>) -> Failure {
    Failure::new(names::RESULT_WRITER_FAILED, cause.into())
}

/// One object to write.
#[derive(Debug, PartialEq)]
pub struct Object {
    /// Its key.
    pub key: String,
    /// Its body.
    pub body: String,
}

/// What to write: the result files, then the manifest, and what the Map outputs.
#[derive(Debug, PartialEq)]
pub struct Written {
    /// The objects, the manifest last.
    pub objects: Vec<Object>,
    /// `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`.
    pub answer: Value,
}

/// Where a Map Run's files go: `PREFIX/MAP_RUN_ID/`.
pub fn base(prefix: &str, map_run_arn: &str) -> String {
    let id = map_run_arn.rsplit(':').next().unwrap_or(map_run_arn);
    match prefix {
        "" => format!("{id}/"),
        p if p.ends_with('/') => format!("{p}{id}/"),
        p => format!("{p}/{id}/"),
    }
}

/// Result file `index` of outcome `status` (SUCCEEDED, FAILED or PENDING) under `base`,
/// holding `children`; None if they give no entry (a FLATTEN of empty arrays).
pub fn result_file(
    base: &str,
    status: &str,
    index: u64,
    layout: Layout,
    children: &[Value],
) -> Option<Object> {
    let entries: Vec<Value> = if status == "SUCCEEDED" {
        children
            .iter()
            .flat_map(|c| entries(c, layout.transformation))
            .collect()
    } else {
        children.iter().map(described).collect()
    };
    if entries.is_empty() {
        return None;
    }
    let key = format!("{base}{status}_{index}.{}", layout.extension());
    let body = if layout.json_array {
        Value::Array(entries).to_string()
    } else {
        let mut lines = String::new();
        for entry in entries {
            lines.push_str(&entry.to_string());
            lines.push('\n');
        }
        lines
    };
    Some(Object { key, body })
}

/// The outcome a child's file is of.
pub fn outcome(child: &Value) -> &'static str {
    match child["Status"].as_str() {
        Some("SUCCEEDED") => "SUCCEEDED",
        Some("RUNNING" | "PENDING") | None => "PENDING",
        _ => "FAILED",
    }
}

/// The manifest of a Map Run whose files are `files` (`{"Status", "Key", "Size"}`), and what
/// the Map outputs: `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`.
pub fn manifest(bucket: &str, map_run_arn: &str, base: &str, files: &[Value]) -> (Object, Value) {
    let mut listed = Map::new();
    for kind in ["FAILED", "PENDING", "SUCCEEDED"] {
        let of_kind: Vec<Value> = files
            .iter()
            .filter(|f| f["Status"] == kind)
            .map(|f| json!({"Key": f["Key"], "Size": f["Size"]}))
            .collect();
        listed.insert(kind.to_owned(), Value::Array(of_kind));
    }
    let key = format!("{base}manifest.json");
    let manifest = json!({
        "DestinationBucket": bucket,
        "MapRunArn": map_run_arn,
        "ResultFiles": listed,
    });
    let answer = json!({
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": key},
    });
    (
        Object {
            key,
            body: manifest.to_string(),
        },
        answer,
    )
}

/// Every object of a Map Run's results at once, in `bucket` under `prefix`: one file per
/// outcome, then the manifest.
pub fn files(
    bucket: &str,
    prefix: &str,
    map_run_arn: &str,
    layout: Layout,
    children: &[Value],
) -> Written {
    let base = base(prefix, map_run_arn);
    let mut objects = Vec::new();
    let mut listed = Vec::new();
    for kind in ["FAILED", "PENDING", "SUCCEEDED"] {
        let of_kind: Vec<Value> = children
            .iter()
            .filter(|c| outcome(c) == kind)
            .cloned()
            .collect();
        if let Some(object) = result_file(&base, kind, 0, layout, &of_kind) {
            listed.push(json!({"Status": kind, "Key": object.key, "Size": object.body.len()}));
            objects.push(object);
        }
    }
    let (manifest, answer) = manifest(bucket, map_run_arn, &base, &listed);
    objects.push(manifest);
    Written { objects, answer }
}

/// A succeeded child's entries.
fn entries(child: &Value, transformation: Transformation) -> Vec<Value> {
    let output = || {
        child["Output"]
            .as_str()
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or(Value::Null)
    };
    match transformation {
        Transformation::None => vec![described(child)],
        Transformation::Compact => vec![output()],
        Transformation::Flatten => match output() {
            Value::Array(items) => items,
            other => vec![other],
        },
    }
}

/// A child as the NONE transformation writes it: DescribeExecution's fields, dates in
/// ISO 8601, input and output as JSON text.
fn described(child: &Value) -> Value {
    let mut out = Map::new();
    // An input the Map Run did not run: only it.
    if child["Status"] == "PENDING" {
        out.insert("Input".into(), child["Input"].clone());
        out.insert("InputDetails".into(), json!({"Included": true}));
        out.insert("Status".into(), "PENDING".into());
        return Value::Object(out);
    }
    for name in ["ExecutionArn", "Name", "StateMachineArn", "Status"] {
        if let Some(v) = child.get(name).filter(|v| !v.is_null()) {
            out.insert(name.to_owned(), v.clone());
        }
    }
    for name in ["StartDate", "StopDate"] {
        if let Some(ms) = child[name].as_i64() {
            out.insert(name.to_owned(), iso(ms).into());
        }
    }
    if let Some(input) = child.get("Input").filter(|v| !v.is_null()) {
        out.insert("Input".into(), input.clone());
        out.insert("InputDetails".into(), json!({"Included": true}));
    }
    if let Some(output) = child.get("Output").filter(|v| !v.is_null()) {
        out.insert("Output".into(), output.clone());
        out.insert("OutputDetails".into(), json!({"Included": true}));
    }
    for name in ["Error", "Cause"] {
        if let Some(v) = child.get(name).filter(|v| !v.is_null()) {
            out.insert(name.to_owned(), v.clone());
        }
    }
    out.insert(
        "RedriveCount".into(),
        child["RedriveCount"].as_u64().unwrap_or(0).into(),
    );
    let status = child["Status"].as_str().unwrap_or("PENDING");
    let (redrive, reason) = match status {
        "FAILED" | "ABORTED" | "TIMED_OUT" => ("REDRIVABLE", None),
        other => (
            "NOT_REDRIVABLE",
            Some(format!("Execution is {other} and cannot be redriven")),
        ),
    };
    out.insert("RedriveStatus".into(), redrive.into());
    if let Some(reason) = reason {
        out.insert("RedriveStatusReason".into(), reason.into());
    }
    Value::Object(out)
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;

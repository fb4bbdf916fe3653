//! The items a Distributed Map's ItemReader reads, from the bytes S3 answered: a JSON array,
//! JSON Lines, CSV (with its header row or given headers, any of AWS's delimiters), an S3
//! Inventory manifest's CSV files, and the objects of a listing.
//!
//! Owns: each format's rules (what an item is, how MaxItems stops the reading) and AWS's
//! wording of what is wrong with an object. Must not: call S3 (that is [`super`]).

use serde_json::{Map, Value, json};

use crate::interp::Failure;
use crate::interp::errors::names;

/// How an object's bytes become items (`ReaderConfig`).
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    /// A JSON array: each element is an item.
    Json,
    /// One JSON value per line.
    JsonLines,
    /// Rows of delimited text: each row is an object of the headers' names, values as text.
    Csv {
        /// The column names; None: the first row holds them.
        headers: Option<Vec<String>>,
        /// The delimiter.
        delimiter: u8,
    },
    /// An S3 Inventory `manifest.json`: its CSV files, read from the inventory's bucket.
    Manifest,
}

impl Format {
    /// The format a `ReaderConfig` asks for.
    pub fn of(config: &Value) -> Result<Format, Failure> {
        let text = |name: &str| config.get(name).and_then(Value::as_str);
        match text("InputType") {
            Some("JSON") => Ok(Format::Json),
            Some("JSONL") => Ok(Format::JsonLines),
            Some("CSV") => {
                let headers = match text("CSVHeaderLocation") {
                    None | Some("FIRST_ROW") => None,
                    Some("GIVEN") => Some(
                        config
                            .get("CSVHeaders")
                            .and_then(Value::as_array)
                            .map(|h| h.iter().filter_map(|v| v.as_str().map(str::to_owned)))
                            .into_iter()
                            .flatten()
                            .collect(),
                    ),
                    Some(other) => {
                        return Err(failed(format!("Unknown CSVHeaderLocation '{other}'")));
                    }
                };
                let delimiter = match text("CSVDelimiter") {
                    None | Some("COMMA") => b',',
                    Some("PIPE") => b'|',
                    Some("SEMICOLON") => b';',
                    Some("SPACE") => b' ',
                    Some("TAB") => b'\t',
                    Some(other) => return Err(failed(format!("Unknown CSVDelimiter '{other}'"))),
                };
                Ok(Format::Csv { headers, delimiter })
            }
            Some("MANIFEST") => Ok(Format::Manifest),
            Some("PARQUET") => Err(failed(
                "This host does not read Parquet objects; store the items as CSV, JSON or JSON Lines",
            )),
            Some(other) => Err(failed(format!("Unknown InputType '{other}'"))),
            None => Err(failed(
                "An ItemReader that reads an object needs ReaderConfig.InputType",
            )),
        }
    }
}

/// A States.ItemReaderFailed failure.
pub fn failed(cause: impl Into<String>) -> Failure {
    Failure::new(names::ITEM_READER_FAILED, cause.into())
}

/// Where items go as they are read: stops the reading once `max` are there.
pub struct Sink {
    items: Vec<Value>,
    max: Option<usize>,
}

impl Sink {
    /// Takes at most `max` items (None: all of them).
    pub fn new(max: Option<usize>) -> Sink {
        Sink {
            items: Vec::new(),
            max,
        }
    }

    /// Whether no more items are wanted.
    pub fn full(&self) -> bool {
        self.max.is_some_and(|m| self.items.len() >= m)
    }

    /// Adds an item, unless enough are there.
    pub fn push(&mut self, item: Value) {
        if !self.full() {
            self.items.push(item);
        }
    }

    /// The items read.
    pub fn into_items(self) -> Vec<Value> {
        self.items
    }
}

/// Reads the items of one object's text into `sink`.
pub fn read(format: &Format, text: &str, sink: &mut Sink) -> Result<(), Failure> {
    match format {
        Format::Json => {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| failed(format!("The object is not valid JSON: {e}")))?;
            let Value::Array(items) = value else {
                return Err(failed(format!(
                    "A JSON ItemReader reads an array of items; the object holds {}",
                    kind(&value)
                )));
            };
            for item in items {
                if sink.full() {
                    break;
                }
                sink.push(item);
            }
            Ok(())
        }
        Format::JsonLines => {
            for (n, line) in text.lines().enumerate() {
                if sink.full() {
                    break;
                }
                if line.trim().is_empty() {
                    continue;
                }
                let item = serde_json::from_str(line).map_err(|e| {
                    failed(format!(
                        "Line {} of the object is not valid JSON: {e}",
                        n + 1
                    ))
                })?;
                sink.push(item);
            }
            Ok(())
        }
        Format::Csv { headers, delimiter } => read_csv(text, headers.as_deref(), *delimiter, sink),
        Format::Manifest => Err(failed(
            "A manifest's items are in the files it lists (read with manifest_files)",
        )),
    }
}

fn read_csv(
    text: &str,
    given: Option<&[String]>,
    delimiter: u8,
    sink: &mut Sink,
) -> Result<(), Failure> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match given {
        Some(h) => h.to_vec(),
        None => match records.next() {
            Some(row) => row.map_err(csv_error)?.iter().map(str::to_owned).collect(),
            None => return Ok(()),
        },
    };
    let mut seen = std::collections::HashSet::new();
    if !headers.iter().all(|h| seen.insert(h.as_str())) {
        return Err(failed("CSV headers cannot contain duplicates."));
    }
    for row in records {
        if sink.full() {
            break;
        }
        let row = row.map_err(csv_error)?;
        let mut item = Map::new();
        for (i, header) in headers.iter().enumerate() {
            let value = row.get(i).unwrap_or_default();
            item.insert(header.clone(), Value::String(value.to_owned()));
        }
        sink.push(Value::Object(item));
    }
    Ok(())
}

fn csv_error(e: csv::Error) -> Failure {
    failed(format!("The object is not valid CSV: {e}"))
}

/// What an S3 Inventory manifest lists: its data files and the columns their rows hold.
#[derive(Debug, PartialEq)]
pub struct Inventory {
    /// (bucket, key) of each data file.
    pub files: Vec<(String, String)>,
    /// The column names (`fileSchema`).
    pub columns: Vec<String>,
}

/// The data files of an S3 Inventory manifest. Only CSV inventories can be read.
pub fn manifest_files(text: &str) -> Result<Inventory, Failure> {
    let manifest: Value = serde_json::from_str(text)
        .map_err(|e| failed(format!("The manifest is not valid JSON: {e}")))?;
    let format = manifest["fileFormat"].as_str().unwrap_or_default();
    if !format.eq_ignore_ascii_case("CSV") {
        return Err(failed(format!(
            "Only CSV inventories can be read; this manifest's fileFormat is '{format}'"
        )));
    }
    let columns: Vec<String> = manifest["fileSchema"]
        .as_str()
        .ok_or_else(|| failed("The manifest has no fileSchema"))?
        .split(',')
        .map(|c| c.trim().to_owned())
        .collect();
    // `destinationBucket` is an ARN (`arn:aws:s3:::bucket`).
    let bucket = manifest["destinationBucket"]
        .as_str()
        .map(|b| b.rsplit(':').next().unwrap_or(b).to_owned())
        .ok_or_else(|| failed("The manifest has no destinationBucket"))?;
    let files = manifest["files"]
        .as_array()
        .ok_or_else(|| failed("The manifest lists no files"))?
        .iter()
        .filter_map(|f| f["key"].as_str())
        .map(|key| (bucket.clone(), key.to_owned()))
        .collect();
    Ok(Inventory { files, columns })
}

/// One S3 Inventory data file (CSV, gzip-compressed when its key ends in `.gz`).
pub fn read_inventory_file(
    key: &str,
    bytes: &[u8],
    columns: &[String],
    sink: &mut Sink,
) -> Result<(), Failure> {
    let text = if key.ends_with(".gz") {
        use std::io::Read;
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .map_err(|e| failed(format!("The inventory file {key} is not gzip'd text: {e}")))?;
        text
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    read_csv(&text, Some(columns), b',', sink)
}

/// The item a listed object becomes, as AWS shapes it: its key, size, ETag, last change (in
/// seconds since the epoch) and storage class.
pub fn listed_object(object: &Value) -> Value {
    let last_modified = object["LastModified"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| Value::from(t.timestamp()))
        .unwrap_or_else(|| object["LastModified"].clone());
    json!({
        "Etag": object["ETag"],
        "Key": object["Key"],
        "LastModified": last_modified,
        "Size": object["Size"],
        "StorageClass": object["StorageClass"],
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;

//! The items a Distributed Map's ItemReader reads, from the bytes S3 answered: a JSON array,
//! JSON Lines, CSV (with its header row or given headers, any of AWS's delimiters), an S3
//! Inventory manifest's CSV files, and the objects of a listing.
//!
//! Owns: each format's rules (what an item is, how MaxItems stops the reading) and AWS's
//! wording of what is wrong with an object. Must not: call S3 (that is [`super`]).

use serde::{Deserialize, Serialize};
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

/// Where items go as they are read: skips the first `skip`, and stops the reading once `max`
/// are there.
pub struct Sink {
    items: Vec<Value>,
    max: Option<usize>,
    skip: u64,
}

impl Sink {
    /// Takes at most `max` items (None: all of them).
    pub fn new(max: Option<usize>) -> Sink {
        Sink {
            items: Vec::new(),
            max,
            skip: 0,
        }
    }

    /// The same, the first `skip` items read dropped (a page that starts inside a file whose
    /// reading cannot resume in the middle, as gzip's cannot).
    pub fn skipping(mut self, skip: u64) -> Sink {
        self.skip = skip;
        self
    }

    /// Whether no more items are wanted.
    pub fn full(&self) -> bool {
        self.max.is_some_and(|m| self.items.len() >= m)
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds an item, unless it is to be skipped or enough are there.
    pub fn push(&mut self, item: Value) {
        if self.skip > 0 {
            self.skip -= 1;
        } else if !self.full() {
            self.items.push(item);
        }
    }

    /// The items read.
    pub fn into_items(self) -> Vec<Value> {
        self.items
    }
}

/// Where the reading of an object stands between two reads: what was read of it, and what
/// its later records need from its earlier ones. It is a page's cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Position {
    /// Bytes read: the records before this offset are items already.
    #[serde(default)]
    pub offset: u64,
    /// The lines (JSON Lines) or rows (CSV) read, which error messages count from; the
    /// elements of a JSON array read.
    #[serde(default)]
    pub line: u64,
    /// A JSON array's opening bracket was read.
    #[serde(default)]
    pub in_array: bool,
    /// The header row of a CSV object, once read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<String>>,
    /// The object's ETag when its reading began: a later read of a changed object fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// Reads the whole records at the start of `bytes` (the object's, from `pos.offset`; `last`:
/// the object ends with them) into `sink`, until it is full, and moves `pos` past them. The
/// bytes after the last whole record are read again with what follows them; Ok(true) when the
/// object holds no more items.
pub fn read_records(
    format: &Format,
    bytes: &[u8],
    last: bool,
    pos: &mut Position,
    sink: &mut Sink,
) -> Result<bool, Failure> {
    let (consumed, ended) = match format {
        Format::Json => read_json(bytes, last, pos, sink)?,
        Format::JsonLines => read_lines(bytes, last, pos, sink)?,
        Format::Csv { headers, delimiter } => {
            read_csv(bytes, last, headers.as_deref(), *delimiter, pos, sink)?
        }
        Format::Manifest => {
            return Err(failed(
                "A manifest's items are in the files it lists (read with manifest_files)",
            ));
        }
    };
    pos.offset += consumed as u64;
    Ok(ended)
}

/// Reads the items of one whole object's text into `sink`.
pub fn read(format: &Format, text: &str, sink: &mut Sink) -> Result<(), Failure> {
    read_records(
        format,
        text.as_bytes(),
        true,
        &mut Position::default(),
        sink,
    )
    .map(|_| ())
}

/// JSON Lines: (bytes consumed, whether the object ended).
fn read_lines(
    bytes: &[u8],
    last: bool,
    pos: &mut Position,
    sink: &mut Sink,
) -> Result<(usize, bool), Failure> {
    let mut start = 0;
    while !sink.full() && start < bytes.len() {
        let rest = &bytes[start..];
        let (line, next) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], start + i + 1),
            // The object's last line needs no newline; any other may go on in the next bytes.
            None if last => (rest, bytes.len()),
            None => break,
        };
        pos.line += 1;
        start = next;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let item = serde_json::from_slice(line).map_err(|e| {
            failed(format!(
                "Line {} of the object is not valid JSON: {e}",
                pos.line
            ))
        })?;
        sink.push(item);
    }
    Ok((start, last && start == bytes.len()))
}

/// A JSON array, an element at a time: an element counts once the comma or bracket after it
/// is there (a number at the end of the bytes may go on in the next ones).
fn read_json(
    bytes: &[u8],
    last: bool,
    pos: &mut Position,
    sink: &mut Sink,
) -> Result<(usize, bool), Failure> {
    let skip_space = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count()
    };
    let unfinished = || failed("The object is not valid JSON: the array does not end");
    let mut consumed = 0;
    if !pos.in_array {
        let i = skip_space(0);
        match bytes.get(i) {
            None if last => return Err(failed("The object is not valid JSON: it is empty")),
            None => return Ok((0, false)),
            Some(b'[') => {}
            Some(other) => {
                return Err(failed(format!(
                    "A JSON ItemReader reads an array of items; the object holds {}",
                    kind_at(*other)
                )));
            }
        }
        pos.in_array = true;
        consumed = i + 1;
        // An empty array.
        let j = skip_space(consumed);
        if bytes.get(j) == Some(&b']') {
            return Ok((j + 1, true));
        }
    }
    while !sink.full() {
        let i = skip_space(consumed);
        if i == bytes.len() {
            // The space is read too: an object of endless space ends in an error, not in an
            // ever longer read.
            return if last {
                Err(unfinished())
            } else {
                Ok((i, false))
            };
        }
        // `[ ]`, its bracket read with the previous bytes (`line` counts the elements).
        if bytes[i] == b']' && pos.line == 0 {
            return Ok((i + 1, true));
        }
        let end = match value_end(bytes, i) {
            Some(end) => end,
            None if last => bytes.len(),
            None => return Ok((consumed, false)),
        };
        let item: Value = serde_json::from_slice(&bytes[i..end])
            .map_err(|e| failed(format!("The object is not valid JSON: {e}")))?;
        let after = skip_space(end);
        match bytes.get(after) {
            None if last => return Err(unfinished()),
            None => return Ok((consumed, false)),
            Some(b',') => {
                sink.push(item);
                pos.line += 1;
                consumed = after + 1;
            }
            Some(b']') => {
                sink.push(item);
                return Ok((after + 1, true));
            }
            Some(_) => {
                return Err(failed(
                    "The object is not valid JSON: expected ',' or ']' after an element",
                ));
            }
        }
    }
    Ok((consumed, false))
}

/// Where the JSON value that starts at `from` ends, if it ends within `bytes`: brackets are
/// counted outside strings, and a number, `true`, `false` or `null` ends at the first
/// delimiter after it (so one cut short by the end of the bytes is not taken for a shorter
/// one). Whether the value is valid is serde_json's to say.
fn value_end(bytes: &[u8], from: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => return Some(i),
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b',' if depth == 0 => return Some(i),
            b if depth == 0 && b.is_ascii_whitespace() => return Some(i),
            _ => {}
        }
    }
    None
}

/// CSV rows: a row counts once another begins after it (or the object ends), since one cut
/// short by the end of the bytes reads as a shorter row.
fn read_csv(
    bytes: &[u8],
    last: bool,
    given: Option<&[String]>,
    delimiter: u8,
    pos: &mut Position,
    sink: &mut Sink,
) -> Result<(usize, bool), Failure> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let mut consumed = 0;
    let mut held: Option<(csv::StringRecord, usize)> = None;
    let mut record = csv::StringRecord::new();
    loop {
        if sink.full() {
            return Ok((consumed, false));
        }
        let more = reader.read_record(&mut record).map_err(csv_error)?;
        if let Some((row, end)) = held.take().filter(|_| more || last) {
            take_row(&row, given, pos, sink)?;
            consumed = end;
        }
        if !more {
            return Ok((consumed, last && held.is_none()));
        }
        let end = reader.position().byte() as usize;
        held = Some((std::mem::take(&mut record), end));
    }
}

/// One CSV row: the header row (when the first row holds them), or an item.
fn take_row(
    row: &csv::StringRecord,
    given: Option<&[String]>,
    pos: &mut Position,
    sink: &mut Sink,
) -> Result<(), Failure> {
    pos.line += 1;
    let headers = match (given, &pos.headers) {
        (Some(given), _) => given,
        (None, Some(headers)) => headers.as_slice(),
        (None, None) => {
            let headers: Vec<String> = row.iter().map(str::to_owned).collect();
            let mut seen = std::collections::HashSet::new();
            if !headers.iter().all(|h| seen.insert(h.as_str())) {
                return Err(failed("CSV headers cannot contain duplicates."));
            }
            pos.headers = Some(headers);
            return Ok(());
        }
    };
    let mut item = Map::new();
    for (i, header) in headers.iter().enumerate() {
        let value = row.get(i).unwrap_or_default();
        item.insert(header.clone(), Value::String(value.to_owned()));
    }
    sink.push(Value::Object(item));
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

/// How an S3 Inventory data file's rows are read: CSV with the manifest's columns.
pub fn inventory_format(columns: &[String]) -> Format {
    Format::Csv {
        headers: Some(columns.to_vec()),
        delimiter: b',',
    }
}

/// Whether an S3 Inventory data file is gzip-compressed (its key ends in `.gz`).
pub fn is_gzip(key: &str) -> bool {
    key.ends_with(".gz")
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

/// What a JSON value that begins with `first` is.
fn kind_at(first: u8) -> &'static str {
    match first {
        b'{' => "an object",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => "no JSON value",
    }
}

#[cfg(test)]
mod tests;

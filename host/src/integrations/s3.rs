//! Amazon S3 as a Distributed Map reads and writes it: `arn:aws:states:::s3:getObject` and
//! `arn:aws:states:::s3:listObjectsV2` in an ItemReader, `arn:aws:states:::s3:putObject` in a
//! ResultWriter. The calls go through the AWS client, where every AWS SDK call goes (real S3
//! or any S3-compatible endpoint); what the objects hold becomes items in [`items`], and what
//! a Map Run wrote is laid out in [`results`].
//!
//! The interpreter hands the reader's call over a page at a time (see
//! `interp::states::feed`): `{"Parameters": {...}, "ReaderConfig": {...}, "Cursor": ...}`,
//! MaxItems lowered to what is left, and the answer is `{"Items": [...], "Next": cursor}`. A
//! page of an object is the whole records of a ranged GET of [`CHUNK_BYTES`] (more if one
//! record is longer), pinned to the ETag its first page saw; of a listing, one page of
//! ListObjectsV2; of an S3 Inventory, up to [`INVENTORY_PAGE_ROWS`] rows of one data file.
//! So the reader holds a chunk, never the whole object. The writer's call is `{"Parameters",
//! "WriterConfig", "MapRunArn", "Results"}`, and the answer is where the manifest is. A Task
//! state calls S3 itself with `arn:aws:states:::aws-sdk:s3:...`, which is why these actions
//! refuse anything else.

pub mod items;
pub mod results;

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use stepwise_aws::{Operation, Service as Model};

use self::items::{Format, Position, Sink, failed};
use super::aws::{self, AwsClient};
use super::{CallContext, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;

/// Bytes of an object one ranged GET asks for: a page holds the whole records in them.
pub const CHUNK_BYTES: u64 = 256 * 1024;
/// A record longer than this (the transport's cap on one answer) is refused.
const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// Rows of an S3 Inventory data file one page reads. A gzip'd file cannot be read from the
/// middle, so each page decompresses its file from the start up to its rows: the larger the
/// page, the less is decompressed again.
pub const INVENTORY_PAGE_ROWS: u64 = 20_000;

/// The ItemReader's S3 actions.
pub struct S3Items {
    client: Arc<AwsClient>,
}

impl S3Items {
    /// Reads through `client`.
    pub fn new(client: Arc<AwsClient>) -> S3Items {
        S3Items { client }
    }
}

impl Service for S3Items {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        matches!(action, "getObject" | "listObjectsV2" | "putObject")
            .then_some(&[Pattern::RequestResponse][..])
    }

    fn call(&self, action: &str, request: Value, cx: CallContext) -> ServiceFuture {
        let client = self.client.clone();
        let action = action.to_owned();
        Box::pin(async move {
            if action == "putObject" {
                return write(client, &request, cx.deadline).await;
            }
            let (Some(parameters), Some(config)) =
                (request.get("Parameters"), request.get("ReaderConfig"))
            else {
                return Err(Failure::new(
                    names::RUNTIME,
                    format!(
                        "arn:aws:states:::s3:{action} reads a Distributed Map's items (in an \
                         ItemReader); a Task calls S3 with arn:aws:states:::aws-sdk:s3:{action}"
                    ),
                ));
            };
            let max = config
                .get("MaxItems")
                .and_then(Value::as_u64)
                .map(|m| m as usize);
            let reader = Reader {
                client,
                model: s3_model()?,
                deadline: cx.deadline,
            };
            let cursor = request.get("Cursor").filter(|c| !c.is_null());
            let (items, next) = match action.as_str() {
                "getObject" => reader.object_page(parameters, config, cursor, max).await?,
                _ => reader.listing_page(parameters, cursor, max).await?,
            };
            Ok(json!({"Items": items, "Next": next.unwrap_or(Value::Null)}))
        })
    }
}

/// Writes result files of a Map Run (`{"Files": [{"Status", "Index", "Results"}]}`), and,
/// when the call has `Written` (the files written before), the manifest naming them all:
/// `{"Files": [{"Status", "Key", "Size"}]}`, or where the manifest is.
async fn write(
    client: Arc<AwsClient>,
    request: &Value,
    deadline: Option<Instant>,
) -> Result<Value, Failure> {
    let (Some(parameters), Some(config), Some(map_run), Some(files)) = (
        request.get("Parameters"),
        request.get("WriterConfig"),
        request["MapRunArn"].as_str(),
        request["Files"].as_array(),
    ) else {
        return Err(Failure::new(
            names::RUNTIME,
            "arn:aws:states:::s3:putObject writes a Distributed Map's results (in a \
             ResultWriter); a Task calls S3 with arn:aws:states:::aws-sdk:s3:putObject",
        ));
    };
    let Some(bucket) = parameters["Bucket"].as_str() else {
        return Err(results::failed(
            "The ResultWriter's Parameters need Bucket, a string",
        ));
    };
    let prefix = parameters["Prefix"].as_str().unwrap_or_default();
    let layout = results::Layout::of(config)?;
    let base = results::base(prefix, map_run);
    let model = s3_model().map_err(|f| results::failed(f.cause.unwrap_or_default()))?;
    let Some(operation) = model.operation("putObject") else {
        return Err(results::failed("S3 has no action 'putObject'"));
    };
    // S3's failure is given as it is: the Map names it States.ResultWriterFailed.
    let put = |object: results::Object| {
        let (client, model) = (&client, &model);
        async move {
            let call = json!({"Bucket": bucket, "Key": object.key, "Body": object.body});
            client
                .call(model, operation, &call, None, deadline)
                .await
                .map_err(|e| aws::failure(model, operation, e))
        }
    };
    let mut written = Vec::new();
    for file in files {
        let status = file["Status"].as_str().unwrap_or("SUCCEEDED");
        let index = file["Index"].as_u64().unwrap_or(0);
        let children = file["Results"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        if let Some(object) = results::result_file(&base, status, index, layout, children) {
            written.push(json!({"Status": status, "Key": object.key, "Size": object.body.len()}));
            put(object).await?;
        }
    }
    let Some(before) = request["Written"].as_array() else {
        return Ok(json!({ "Files": written }));
    };
    let mut all = before.clone();
    all.extend(written.iter().cloned());
    let (manifest, mut answer) = results::manifest(bucket, map_run, &base, &all);
    put(manifest).await?;
    // The files this call wrote, which the Map keeps for a redrive's manifest.
    answer["Files"] = Value::Array(written);
    Ok(answer)
}

fn s3_model() -> Result<Arc<Model>, Failure> {
    match stepwise_aws::service("s3") {
        Some(Ok(model)) => Ok(model),
        Some(Err(e)) => Err(failed(e)),
        None => Err(failed("The S3 model is missing from this build")),
    }
}

struct Reader {
    client: Arc<AwsClient>,
    model: Arc<Model>,
    deadline: Option<Instant>,
}

impl Reader {
    fn operation(&self, action: &str) -> Result<&Operation, Failure> {
        self.model
            .operation(action)
            .ok_or_else(|| failed(format!("S3 has no action '{action}'")))
    }

    /// A failed S3 call's failure, as the AWS SDK integration names it: the Map gives it as
    /// States.ItemReaderFailed, S3's error and message in the cause.
    fn call_failed(&self, operation: &Operation, e: aws::CallError) -> Failure {
        aws::failure(&self.model, operation, e)
    }

    /// The bytes of an object (GetObject with the reader's parameters: Bucket, Key,
    /// VersionId...) from `offset`, [`CHUNK_BYTES`] of them (or `len`), as long as its ETag
    /// is still `etag`: (the bytes, whether the object ends with them, its ETag).
    async fn range(
        &self,
        parameters: &Value,
        offset: u64,
        len: u64,
        etag: Option<&str>,
    ) -> Result<(bytes::Bytes, bool, Option<String>), Failure> {
        let operation = self.operation("getObject")?;
        let mut ranged = parameters.clone();
        ranged["Range"] = Value::from(format!("bytes={offset}-{}", offset + len - 1));
        if let Some(etag) = etag {
            ranged["IfMatch"] = Value::from(etag);
        }
        let response = match self
            .client
            .fetch(&self.model, operation, &ranged, None, self.deadline)
            .await
        {
            Ok(response) => response,
            // Nothing from `offset` on: the object ends there (or is empty).
            Err(aws::CallError::Service(e)) if e.status == 416 => {
                return Ok((bytes::Bytes::new(), true, etag.map(str::to_owned)));
            }
            Err(aws::CallError::Service(e)) if e.status == 412 => {
                return Err(failed(
                    "The object changed while its items were read (its ETag is not the one its \
                     first items were read from)",
                ));
            }
            Err(e) => return Err(self.call_failed(operation, e)),
        };
        let header = |name: &str| {
            response
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let etag = header("etag").map(str::to_owned);
        // `bytes FIRST-LAST/SIZE`; without it the whole object came (a server that ignores
        // Range), of which the bytes from `offset` are wanted.
        match header("content-range").and_then(content_range) {
            Some((_, last, size)) => Ok((response.body, last + 1 >= size, etag)),
            None => {
                let body = response.body;
                let from = (offset as usize).min(body.len());
                Ok((body.slice(from..), true, etag))
            }
        }
    }

    /// One page of an object's items from `cursor` (a [`items::Position`]; None: the start).
    async fn object_page(
        &self,
        parameters: &Value,
        config: &Value,
        cursor: Option<&Value>,
        max: Option<usize>,
    ) -> Result<(Vec<Value>, Option<Value>), Failure> {
        let format = Format::of(config)?;
        if format == Format::Manifest {
            return self.inventory_page(parameters, cursor, max).await;
        }
        let mut pos: Position = match cursor {
            Some(c) => serde_json::from_value(c.clone())
                .map_err(|e| failed(format!("The reader's cursor is not one it gave: {e}")))?,
            None => Position::default(),
        };
        let mut sink = Sink::new(max);
        let mut bytes = Vec::new();
        loop {
            let at = pos.offset + bytes.len() as u64;
            let (chunk, last, etag) = self
                .range(parameters, at, CHUNK_BYTES, pos.etag.as_deref())
                .await?;
            if pos.etag.is_none() {
                pos.etag = etag;
            }
            bytes.extend_from_slice(&chunk);
            let before = pos.offset;
            let ended = items::read_records(&format, &bytes, last, &mut pos, &mut sink)?;
            if ended || sink.full() {
                return Ok((sink.into_items(), None));
            }
            bytes.drain(..(pos.offset - before) as usize);
            // A page ends with the whole records of its bytes; a record longer than them
            // reads on into the next bytes.
            if !sink.is_empty() || (pos.offset > before && bytes.is_empty()) {
                return Ok((sink.into_items(), Some(cursor_of(&pos))));
            }
            if bytes.len() > MAX_RECORD_BYTES {
                return Err(failed(format!(
                    "An item of the object is longer than {MAX_RECORD_BYTES} bytes"
                )));
            }
        }
    }

    /// One page of an S3 Inventory: rows of one of its data files, from `cursor`
    /// (`{"File": n, "Row": n}`; None: the first file's first row).
    async fn inventory_page(
        &self,
        parameters: &Value,
        cursor: Option<&Value>,
        max: Option<usize>,
    ) -> Result<(Vec<Value>, Option<Value>), Failure> {
        let manifest = self.whole(parameters).await?;
        let text = std::str::from_utf8(&manifest)
            .map_err(|e| failed(format!("The manifest is not UTF-8 text: {e}")))?;
        let inventory = items::manifest_files(text)?;
        let file = cursor.and_then(|c| c["File"].as_u64()).unwrap_or(0) as usize;
        let row = cursor.and_then(|c| c["Row"].as_u64()).unwrap_or(0);
        let Some((bucket, key)) = inventory.files.get(file) else {
            return Ok((Vec::new(), None));
        };
        let want = max.map_or(INVENTORY_PAGE_ROWS as usize, |m| {
            m.min(INVENTORY_PAGE_ROWS as usize)
        });
        let mut sink = Sink::new(Some(want)).skipping(row);
        let format = items::inventory_format(&inventory.columns);
        let location = json!({"Bucket": bucket, "Key": key});
        let mut gunzip = items::is_gzip(key).then(|| flate2::write::GzDecoder::new(Vec::new()));
        let (mut raw_offset, mut etag) = (0u64, None::<String>);
        let mut pos = Position::default();
        let mut text = Vec::new();
        let ended = loop {
            let (chunk, last, tag) = self
                .range(&location, raw_offset, CHUNK_BYTES, etag.as_deref())
                .await?;
            etag = etag.or(tag);
            raw_offset += chunk.len() as u64;
            match gunzip.as_mut() {
                Some(decoder) => {
                    use std::io::Write;
                    let inflated = decoder
                        .write_all(&chunk)
                        .and_then(|()| if last { decoder.try_finish() } else { Ok(()) });
                    inflated.map_err(|e| {
                        failed(format!("The inventory file {key} is not gzip'd text: {e}"))
                    })?;
                    text.append(decoder.get_mut());
                }
                None => text.extend_from_slice(&chunk),
            }
            let before = pos.offset;
            let ended = items::read_records(&format, &text, last, &mut pos, &mut sink)?;
            text.drain(..(pos.offset - before) as usize);
            if ended || sink.full() {
                break ended;
            }
            if text.len() > MAX_RECORD_BYTES {
                return Err(failed(format!(
                    "A row of the inventory file {key} is longer than {MAX_RECORD_BYTES} bytes"
                )));
            }
        };
        let taken = sink.len() as u64;
        let items = sink.into_items();
        let last_file = file + 1 == inventory.files.len();
        let next = match (ended, last_file) {
            (true, true) => None,
            (true, false) => Some(json!({"File": file + 1, "Row": 0})),
            (false, _) => Some(json!({"File": file, "Row": row + taken})),
        };
        // MaxItems reached ends the reading, wherever it is.
        let next = next.filter(|_| max.is_none_or(|m| items.len() < m));
        Ok((items, next))
    }

    /// A small object's whole bytes (an inventory's manifest).
    async fn whole(&self, parameters: &Value) -> Result<bytes::Bytes, Failure> {
        let operation = self.operation("getObject")?;
        self.client
            .fetch(&self.model, operation, parameters, None, self.deadline)
            .await
            .map(|response| response.body)
            .map_err(|e| self.call_failed(operation, e))
    }

    /// One page of the listing (ListObjectsV2 with the reader's parameters: Bucket,
    /// Prefix...) from `cursor` (its continuation token; None: the first page).
    async fn listing_page(
        &self,
        parameters: &Value,
        cursor: Option<&Value>,
        max: Option<usize>,
    ) -> Result<(Vec<Value>, Option<Value>), Failure> {
        let operation = self.operation("listObjectsV2")?;
        let mut parameters = parameters.clone();
        if let Some(token) = cursor.and_then(Value::as_str) {
            parameters["ContinuationToken"] = Value::from(token);
        }
        let page = self
            .client
            .call(&self.model, operation, &parameters, None, self.deadline)
            .await
            .map_err(|e| self.call_failed(operation, e))?;
        let mut sink = Sink::new(max);
        for object in page["Contents"].as_array().into_iter().flatten() {
            sink.push(items::listed_object(object));
        }
        let next = match (
            page["IsTruncated"].as_bool(),
            page["NextContinuationToken"].as_str(),
        ) {
            // A listing that gives back the token it was given would never end.
            (Some(true), Some(token)) if Some(token) != cursor.and_then(Value::as_str) => {
                Some(Value::from(token))
            }
            (Some(true), _) => {
                return Err(failed(
                    "The listing says it goes on but gives no new continuation token",
                ));
            }
            _ => None,
        };
        let next = next.filter(|_| !sink.full());
        Ok((sink.into_items(), next))
    }
}

/// The cursor of the next page from `pos`.
fn cursor_of(pos: &Position) -> Value {
    serde_json::to_value(pos).unwrap_or(Value::Null)
}

/// `bytes FIRST-LAST/SIZE` as (first, last, size).
fn content_range(value: &str) -> Option<(u64, u64, u64)> {
    let (range, size) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    Some((first.parse().ok()?, last.parse().ok()?, size.parse().ok()?))
}

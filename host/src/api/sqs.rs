//! SQS's JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`, AWS JSON 1.0), as current AWS SDKs
//! and the AWS CLI speak it, over the built-in [`Queues`](crate::integrations::sqs::Queues).
//!
//! Errors carry `__type` `com.amazonaws.sqs#<Name>` and, for SDKs that still match the older
//! Query protocol's codes, the `x-amzn-query-error: <Code>;Sender` header.

use std::collections::{BTreeMap, HashSet};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::json_response;
use crate::integrations::sqs::{
    MessageAttribute, NewMessage, Queues, Received, SqsError, md5_of_attributes,
};

/// Largest request: a batch of ten 256 KiB messages, JSON-escaped, with room to spare.
const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;
/// SQS's limit on entries in a batch.
const MAX_BATCH: usize = 10;

impl IntoResponse for SqsError {
    fn into_response(self) -> Response {
        let (status, fault) = if self.is_internal() {
            (StatusCode::INTERNAL_SERVER_ERROR, "Receiver")
        } else {
            (StatusCode::BAD_REQUEST, "Sender")
        };
        let body = json!({
            "__type": format!("com.amazonaws.sqs#{}", self.name()),
            "message": self.to_string(),
        });
        let mut response = json_response(status, &body);
        if let Ok(v) = HeaderValue::from_str(&format!("{};{fault}", self.query_code())) {
            response.headers_mut().insert("x-amzn-query-error", v);
        }
        response
    }
}

/// Answers one SQS request (`action` is what follows `AmazonSQS.`).
pub async fn handle(queues: &Queues, headers: &HeaderMap, action: &str, body: Body) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let result = match super::read_body(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
            Ok(input) => run(queues, host, action, input).await,
            Err(e) => Err(SqsError::InvalidParameterValue(format!(
                "The request body is not JSON: {e}"
            ))),
        },
        Err(limit) => Err(SqsError::InvalidParameterValue(format!(
            "The request body is larger than {limit} bytes"
        ))),
    };
    match result {
        Ok(output) => json_response(StatusCode::OK, &output),
        Err(e) => e.into_response(),
    }
}

fn parse<T: DeserializeOwned>(input: Value) -> Result<T, SqsError> {
    serde_json::from_value(input).map_err(|e| SqsError::InvalidParameterValue(e.to_string()))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QueueRef {
    queue_url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Create {
    queue_name: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct List {
    #[serde(default)]
    queue_name_prefix: String,
    max_results: Option<usize>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SetAttributes {
    queue_url: String,
    attributes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetAttributes {
    queue_url: String,
    #[serde(default)]
    attribute_names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Send {
    #[serde(default)]
    id: String,
    #[serde(default)]
    message_body: String,
    delay_seconds: Option<i64>,
    #[serde(default)]
    message_attributes: BTreeMap<String, MessageAttribute>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendBatch {
    queue_url: String,
    #[serde(default)]
    entries: Vec<Send>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Receive {
    queue_url: String,
    max_number_of_messages: Option<i64>,
    wait_time_seconds: Option<i64>,
    visibility_timeout: Option<i64>,
    #[serde(default)]
    attribute_names: Vec<String>,
    #[serde(default)]
    message_system_attribute_names: Vec<String>,
    #[serde(default)]
    message_attribute_names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Receipt {
    #[serde(default)]
    id: String,
    receipt_handle: String,
    visibility_timeout: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiptBatch {
    queue_url: String,
    #[serde(default)]
    entries: Vec<Receipt>,
}

async fn run(queues: &Queues, host: &str, action: &str, input: Value) -> Result<Value, SqsError> {
    // Single-message actions name the queue and the receipt at the top level.
    let url = input["QueueUrl"].as_str().map(str::to_owned);
    match action {
        "CreateQueue" => {
            let r: Create = parse(input)?;
            let q = queues.create(&r.queue_name, &r.attributes).await?;
            Ok(json!({"QueueUrl": queues.url(host, &q.name)}))
        }
        "GetQueueUrl" => {
            let name = input["QueueName"].as_str().unwrap_or_default();
            let q = queues.get(name)?;
            Ok(json!({"QueueUrl": queues.url(host, &q.name)}))
        }
        "ListQueues" => {
            let r: List = parse(input)?;
            let mut names = queues.list(&r.queue_name_prefix);
            if let Some(after) = &r.next_token {
                names.retain(|n| n > after);
            }
            let mut out = json!({});
            if let Some(max) = r.max_results.filter(|&m| m < names.len()) {
                names.truncate(max);
                out["NextToken"] = names.last().cloned().into();
            }
            if !names.is_empty() {
                out["QueueUrls"] = names.iter().map(|n| queues.url(host, n)).collect();
            }
            Ok(out)
        }
        "DeleteQueue" => {
            let r: QueueRef = parse(input)?;
            queues.delete(&*queues.resolve(&r.queue_url)?).await?;
            Ok(json!({}))
        }
        "GetQueueAttributes" => {
            let r: GetAttributes = parse(input)?;
            let q = queues.resolve(&r.queue_url)?;
            let attributes = queues.attributes(&q, &r.attribute_names)?;
            Ok(json!({"Attributes": attributes}))
        }
        "SetQueueAttributes" => {
            let r: SetAttributes = parse(input)?;
            let q = queues.resolve(&r.queue_url)?;
            queues.set_attributes(&q, &r.attributes).await?;
            Ok(json!({}))
        }
        "SendMessage" => {
            let q = queues.resolve(url.as_deref().unwrap_or_default())?;
            let r: Send = parse(input)?;
            let sent = queues
                .send(
                    &q,
                    NewMessage {
                        body: r.message_body,
                        delay: r.delay_seconds,
                        attributes: r.message_attributes,
                    },
                )
                .await?;
            let mut out = json!({"MessageId": sent.id, "MD5OfMessageBody": sent.md5_body});
            if let Some(md5) = sent.md5_attributes {
                out["MD5OfMessageAttributes"] = md5.into();
            }
            Ok(out)
        }
        "SendMessageBatch" => {
            let r: SendBatch = parse(input)?;
            let q = queues.resolve(&r.queue_url)?;
            check_batch(r.entries.iter().map(|e| e.id.as_str()))?;
            let (mut ok, mut failed) = (Vec::new(), Vec::new());
            for e in r.entries {
                let message = NewMessage {
                    body: e.message_body,
                    delay: e.delay_seconds,
                    attributes: e.message_attributes,
                };
                match queues.send(&q, message).await {
                    Ok(sent) => {
                        let mut entry = json!({"Id": e.id, "MessageId": sent.id, "MD5OfMessageBody": sent.md5_body});
                        if let Some(md5) = sent.md5_attributes {
                            entry["MD5OfMessageAttributes"] = md5.into();
                        }
                        ok.push(entry);
                    }
                    Err(err) => failed.push(batch_failure(&e.id, &err)),
                }
            }
            Ok(json!({"Successful": ok, "Failed": failed}))
        }
        "ReceiveMessage" => {
            let r: Receive = parse(input)?;
            let q = queues.resolve(&r.queue_url)?;
            let got = queues
                .receive(
                    &q,
                    r.max_number_of_messages,
                    r.wait_time_seconds,
                    r.visibility_timeout,
                )
                .await?;
            let mut system = r.attribute_names;
            system.extend(r.message_system_attribute_names);
            let account = queues.account().to_owned();
            let messages = got
                .iter()
                .map(|m| message_json(m, &system, &r.message_attribute_names, &account))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if messages.is_empty() {
                json!({})
            } else {
                json!({ "Messages": messages })
            })
        }
        "DeleteMessage" => {
            let q = queues.resolve(url.as_deref().unwrap_or_default())?;
            let r: Receipt = parse(input)?;
            queues.delete_message(&q, &r.receipt_handle).await?;
            Ok(json!({}))
        }
        "DeleteMessageBatch" => {
            let r: ReceiptBatch = parse(input)?;
            let q = queues.resolve(&r.queue_url)?;
            check_batch(r.entries.iter().map(|e| e.id.as_str()))?;
            let (mut ok, mut failed) = (Vec::new(), Vec::new());
            for e in r.entries {
                match queues.delete_message(&q, &e.receipt_handle).await {
                    Ok(()) => ok.push(json!({"Id": e.id})),
                    Err(err) => failed.push(batch_failure(&e.id, &err)),
                }
            }
            Ok(json!({"Successful": ok, "Failed": failed}))
        }
        "ChangeMessageVisibility" => {
            let q = queues.resolve(url.as_deref().unwrap_or_default())?;
            let r: Receipt = parse(input)?;
            let timeout = r.visibility_timeout.ok_or_else(|| {
                SqsError::MissingParameter(
                    "The request must contain the parameter VisibilityTimeout.".into(),
                )
            })?;
            queues.change_visibility(&q, &r.receipt_handle, timeout)?;
            Ok(json!({}))
        }
        "PurgeQueue" => {
            let r: QueueRef = parse(input)?;
            queues.purge(&*queues.resolve(&r.queue_url)?).await?;
            Ok(json!({}))
        }
        other => Err(SqsError::UnsupportedOperation(format!(
            "'{other}' is not an SQS action this host implements"
        ))),
    }
}

/// Checks a batch's entry ids: 1 to 10 entries, distinct, each 1 to 80 of `[A-Za-z0-9_-]`.
fn check_batch<'a>(ids: impl Iterator<Item = &'a str>) -> Result<(), SqsError> {
    let ids: Vec<&str> = ids.collect();
    if ids.is_empty() {
        return Err(SqsError::EmptyBatchRequest(
            "There should be at least one entry in the request.".into(),
        ));
    }
    if ids.len() > MAX_BATCH {
        return Err(SqsError::TooManyEntriesInBatchRequest(format!(
            "Maximum number of entries per request are {MAX_BATCH}. You have sent {}.",
            ids.len()
        )));
    }
    if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
        return Err(SqsError::BatchEntryIdsNotDistinct(
            "Two or more batch entries in the request have the same Id.".into(),
        ));
    }
    let valid = |id: &&str| {
        (1..=80).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if let Some(bad) = ids.iter().find(|id| !valid(id)) {
        return Err(SqsError::InvalidParameterValue(format!(
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long: '{bad}'"
        )));
    }
    Ok(())
}

fn batch_failure(id: &str, e: &SqsError) -> Value {
    json!({"Id": id, "SenderFault": !e.is_internal(), "Code": e.query_code(), "Message": e.to_string()})
}

/// A received message as ReceiveMessage answers it, with the system attributes in `system`
/// and the message attributes matching `wanted` (`All`, `.*`, names, or `prefix.*`).
fn message_json(
    m: &Received,
    system: &[String],
    wanted: &[String],
    account: &str,
) -> Result<Value, SqsError> {
    let stored = &m.message.stored;
    let mut out = json!({
        "MessageId": stored.id,
        "ReceiptHandle": m.receipt,
        "MD5OfBody": stored.md5_body,
        "Body": stored.body,
    });
    let all = system.iter().any(|n| n == "All");
    let want = |n: &str| all || system.iter().any(|s| s == n);
    let mut attrs = Map::new();
    if want("SentTimestamp") {
        attrs.insert("SentTimestamp".into(), stored.sent_ms.to_string().into());
    }
    if want("ApproximateReceiveCount") {
        let count = m.message.receive_count.to_string();
        attrs.insert("ApproximateReceiveCount".into(), count.into());
    }
    if want("ApproximateFirstReceiveTimestamp")
        && let Some(t) = m.message.first_receive_ms
    {
        attrs.insert(
            "ApproximateFirstReceiveTimestamp".into(),
            t.to_string().into(),
        );
    }
    if want("SenderId") {
        attrs.insert("SenderId".into(), account.into());
    }
    if !attrs.is_empty() {
        out["Attributes"] = attrs.into();
    }
    let selected: BTreeMap<String, MessageAttribute> = stored
        .attributes
        .iter()
        .filter(|(name, _)| {
            wanted.iter().any(|w| {
                w == "All"
                    || w == ".*"
                    || w == *name
                    || w.strip_suffix(".*")
                        .is_some_and(|prefix| name.starts_with(&format!("{prefix}.")))
            })
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !selected.is_empty() {
        out["MD5OfMessageAttributes"] = md5_of_attributes(&selected)?.into();
        out["MessageAttributes"] = serde_json::to_value(&selected).unwrap_or_default();
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

//! Amazon S3 as a Distributed Map reads and writes it: `arn:aws:states:::s3:getObject` and
//! `arn:aws:states:::s3:listObjectsV2` in an ItemReader, `arn:aws:states:::s3:putObject` in a
//! ResultWriter. The calls go through the AWS client, where every AWS SDK call goes (real S3
//! or any S3-compatible endpoint); what the objects hold becomes items in [`items`], and what
//! a Map Run wrote is laid out in [`results`].
//!
//! The interpreter hands the reader's call over as `{"Parameters": {...}, "ReaderConfig":
//! {...}}` (MaxItems resolved to a number), and the answer is the array of items; the
//! writer's as `{"Parameters", "WriterConfig", "MapRunArn", "Results"}`, and the answer is
//! where the manifest is. A Task state calls S3 itself with
//! `arn:aws:states:::aws-sdk:s3:...`, which is why these actions refuse anything else.

pub mod items;
pub mod results;

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use stepwise_aws::{Operation, Service as Model};

use self::items::{Format, Sink, failed};
use super::aws::{self, AwsClient};
use super::{CallContext, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;

/// Listing pages AWS reads for one Map are not bounded; this bounds a listing that never says
/// it is complete (a broken endpoint answering IsTruncated with the same token forever).
const MAX_LIST_PAGES: usize = 1_000_000;

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
            let mut sink = Sink::new(max);
            match action.as_str() {
                "getObject" => reader.object(parameters, config, &mut sink).await?,
                _ => reader.listing(parameters, &mut sink).await?,
            }
            Ok(Value::Array(sink.into_items()))
        })
    }
}

/// Writes a Map Run's results and its manifest; where the manifest is.
async fn write(
    client: Arc<AwsClient>,
    request: &Value,
    deadline: Option<Instant>,
) -> Result<Value, Failure> {
    let (Some(parameters), Some(config), Some(map_run), Some(children)) = (
        request.get("Parameters"),
        request.get("WriterConfig"),
        request["MapRunArn"].as_str(),
        request["Results"].as_array(),
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
    let written = results::files(bucket, prefix, map_run, layout, children);
    let model = s3_model().map_err(|f| results::failed(f.cause.unwrap_or_default()))?;
    let Some(operation) = model.operation("putObject") else {
        return Err(results::failed("S3 has no action 'putObject'"));
    };
    // S3's failure is given as it is: the Map names it States.ResultWriterFailed.
    for object in written.objects {
        let put = json!({"Bucket": bucket, "Key": object.key, "Body": object.body});
        client
            .call(&model, operation, &put, None, deadline)
            .await
            .map_err(|e| aws::failure(&model, operation, e))?;
    }
    Ok(written.answer)
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

    /// An object's bytes (GetObject with the reader's parameters: Bucket, Key, VersionId...).
    async fn get(&self, parameters: &Value) -> Result<bytes::Bytes, Failure> {
        let operation = self.operation("getObject")?;
        self.client
            .fetch(&self.model, operation, parameters, None, self.deadline)
            .await
            .map(|response| response.body)
            .map_err(|e| self.call_failed(operation, e))
    }

    async fn object(
        &self,
        parameters: &Value,
        config: &Value,
        sink: &mut Sink,
    ) -> Result<(), Failure> {
        let format = Format::of(config)?;
        let body = self.get(parameters).await?;
        let text = std::str::from_utf8(&body)
            .map_err(|e| failed(format!("The object is not UTF-8 text: {e}")))?;
        if format != Format::Manifest {
            return items::read(&format, text, sink);
        }
        let inventory = items::manifest_files(text)?;
        let columns = inventory.columns;
        for (bucket, key) in inventory.files {
            if sink.full() {
                break;
            }
            let file = self.get(&json!({"Bucket": bucket, "Key": key})).await?;
            items::read_inventory_file(&key, &file, &columns, sink)?;
        }
        Ok(())
    }

    /// Every page of the listing (ListObjectsV2 with the reader's parameters: Bucket,
    /// Prefix...), until MaxItems.
    async fn listing(&self, parameters: &Value, sink: &mut Sink) -> Result<(), Failure> {
        let operation = self.operation("listObjectsV2")?;
        let mut parameters = parameters.clone();
        for _ in 0..MAX_LIST_PAGES {
            let page = self
                .client
                .call(&self.model, operation, &parameters, None, self.deadline)
                .await
                .map_err(|e| self.call_failed(operation, e))?;
            for object in page["Contents"].as_array().into_iter().flatten() {
                if sink.full() {
                    return Ok(());
                }
                sink.push(items::listed_object(object));
            }
            match (
                page["IsTruncated"].as_bool(),
                page["NextContinuationToken"].as_str(),
            ) {
                (Some(true), Some(token)) => {
                    parameters["ContinuationToken"] = Value::from(token);
                }
                _ => return Ok(()),
            }
        }
        Err(failed(format!(
            "The listing did not end after {MAX_LIST_PAGES} pages"
        )))
    }
}

//! The `sqs:sendMessage` Step Functions integration (request-response and `.waitForTaskToken`;
//! the executor does the waiting for the token, this module only sends).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{NewMessage, Queues, Result, SqsError};
use crate::integrations::{CallContext, Pattern, Service, ServiceFuture, sdk_metadata};
use crate::interp::Failure;

impl Queues {
    /// SendMessage with a Task's Parameters; answers as Step Functions does.
    pub(super) async fn send_task(self, parameters: Value) -> Result<Value> {
        let url = parameters["QueueUrl"].as_str().ok_or_else(|| {
            SqsError::MissingParameter("The request must contain the parameter QueueUrl.".into())
        })?;
        let body = match &parameters["MessageBody"] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            // A JSON value is sent as its text, as Step Functions does.
            other => other.to_string(),
        };
        let delay = match &parameters["DelaySeconds"] {
            Value::Null => None,
            v => Some(
                v.as_i64()
                    .ok_or_else(|| SqsError::invalid("DelaySeconds must be an integer"))?,
            ),
        };
        let attributes = match &parameters["MessageAttributes"] {
            Value::Null => BTreeMap::new(),
            v => serde_json::from_value(v.clone()).map_err(|e| {
                SqsError::InvalidParameterValue(format!("MessageAttributes is invalid: {e}"))
            })?,
        };
        let queue = self.resolve(url)?;
        let sent = self
            .send(
                &queue,
                NewMessage {
                    body,
                    delay,
                    attributes,
                },
            )
            .await?;
        let mut response = json!({
            "MD5OfMessageBody": sent.md5_body,
            "MessageId": sent.id,
        });
        if let Some(md5) = sent.md5_attributes {
            response["MD5OfMessageAttributes"] = md5.into();
        }
        let metadata = sdk_metadata(200, vec![("Content-Type", AMZ_JSON_TYPE.to_owned())]);
        response["SdkHttpMetadata"] = metadata.0;
        response["SdkResponseMetadata"] = metadata.1;
        Ok(response)
    }
}

const AMZ_JSON_TYPE: &str = "application/x-amz-json-1.0";

impl Service for Queues {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "sendMessage").then_some(Pattern::RESPONSE_AND_TOKEN)
    }

    fn call(&self, action: &str, parameters: Value, _cx: CallContext) -> ServiceFuture {
        let this = self.clone();
        let action = action.to_owned();
        Box::pin(async move {
            match action.as_str() {
                "sendMessage" => this.send_task(parameters).await.map_err(|e| e.failure()),
                other => Err(Failure::new(
                    crate::interp::errors::names::RUNTIME,
                    format!("the sqs integration has no action {other}"),
                )),
            }
        })
    }
}

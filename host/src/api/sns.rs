//! SNS's wire protocol, the AWS Query protocol: a form-encoded `Action=...&Version=2010-03-31`
//! on `POST /`, answered in XML, over the built-in [`Topics`]. This is what `aws sns` and
//! `aws-sdk-sns` speak.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::integrations::sns::{Publication, SnsError, Subscription, Topics};
use crate::integrations::sqs::MessageAttribute;

/// The namespace of SNS's XML responses.
const XMLNS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";
/// Largest request: a 256 KiB message, form-encoded (up to three bytes per byte), and its
/// attributes.
const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// Whether a request without X-Amz-Target is a Query-protocol call (form-encoded).
pub fn is_query(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
}

/// Escapes text for XML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Carriage returns would be normalised away by XML parsers.
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn xml(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl IntoResponse for SnsError {
    fn into_response(self) -> Response {
        let (status, fault) = match self {
            SnsError::NotFound(_) => (StatusCode::NOT_FOUND, "Sender"),
            SnsError::InvalidParameter(_) | SnsError::InvalidAction(_) => {
                (StatusCode::BAD_REQUEST, "Sender")
            }
            SnsError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Receiver"),
        };
        let body = format!(
            "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{fault}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            self.code(),
            escape(&self.to_string()),
            request_id()
        );
        xml(status, body)
    }
}

/// A successful answer: `result` is the content of `<{action}Result>`, `None` for actions
/// that answer with no result element.
fn answer(action: &str, result: Option<String>) -> Response {
    let result = result
        .map(|r| format!("<{action}Result>{r}</{action}Result>"))
        .unwrap_or_default();
    xml(
        StatusCode::OK,
        format!(
            "<{action}Response xmlns=\"{XMLNS}\">{result}<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
            request_id()
        ),
    )
}

/// The form's fields.
struct Form(BTreeMap<String, String>);

impl Form {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn required(&self, key: &str) -> Result<&str, SnsError> {
        self.get(key).ok_or_else(|| {
            SnsError::InvalidParameter(format!(
                "Invalid parameter: {key} Reason: no value for required parameter"
            ))
        })
    }

    /// The entries of a map parameter: `<name>.entry.<n>.<key field>` and `<value field>`.
    fn entries(&self, name: &str, key: &str, value: &str) -> Vec<(String, String)> {
        let prefix = format!("{name}.entry.");
        let mut out = Vec::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let Some(n) = rest.strip_suffix(&format!(".{key}")) else {
                continue;
            };
            if let Some(val) = self.get(&format!("{prefix}{n}.{value}")) {
                out.push((v.clone(), val.to_owned()));
            }
        }
        out
    }

    fn attributes(&self) -> BTreeMap<String, String> {
        self.entries("Attributes", "key", "value")
            .into_iter()
            .collect()
    }

    fn message_attributes(&self) -> Result<BTreeMap<String, MessageAttribute>, SnsError> {
        let prefix = "MessageAttributes.entry.";
        let mut out = BTreeMap::new();
        for (k, name) in &self.0 {
            let Some(n) = k.strip_prefix(prefix).and_then(|r| r.strip_suffix(".Name")) else {
                continue;
            };
            let field = |f: &str| {
                self.get(&format!("{prefix}{n}.Value.{f}"))
                    .map(str::to_owned)
            };
            let data_type = field("DataType").ok_or_else(|| {
                SnsError::InvalidParameter(format!(
                    "Invalid parameter: The message attribute '{name}' must contain a DataType"
                ))
            })?;
            let attribute = MessageAttribute {
                data_type,
                string_value: field("StringValue"),
                binary_value: field("BinaryValue"),
            };
            out.insert(name.clone(), attribute);
        }
        Ok(out)
    }
}

/// Answers one Query-protocol request.
pub async fn handle(topics: &Topics, body: Body) -> Response {
    let bytes = match super::read_body(body, MAX_REQUEST_BYTES).await {
        Ok(b) => b,
        Err(limit) => {
            return SnsError::InvalidParameter(format!(
                "Invalid parameter: the request is larger than {limit} bytes"
            ))
            .into_response();
        }
    };
    let form = Form(form_urlencoded::parse(&bytes).into_owned().collect());
    let action = form.get("Action").unwrap_or_default().to_owned();
    match run(topics, &action, &form).await {
        Ok(result) => answer(&action, result),
        Err(e) => e.into_response(),
    }
}

fn member(fields: &[(&str, &str)]) -> String {
    let inner: String = fields
        .iter()
        .map(|(k, v)| format!("<{k}>{}</{k}>", escape(v)))
        .collect();
    format!("<member>{inner}</member>")
}

fn subscriptions_xml(subs: &[Subscription], owner: &str) -> String {
    let members: String = subs
        .iter()
        .map(|s| {
            member(&[
                ("TopicArn", &s.topic_arn),
                ("Protocol", &s.protocol),
                ("SubscriptionArn", &s.arn),
                ("Owner", owner),
                ("Endpoint", &s.endpoint),
            ])
        })
        .collect();
    format!("<Subscriptions>{members}</Subscriptions>")
}

async fn run(topics: &Topics, action: &str, form: &Form) -> Result<Option<String>, SnsError> {
    let tag = |name: &str, value: &str| format!("<{name}>{}</{name}>", escape(value));
    match action {
        "CreateTopic" => {
            let arn = topics
                .create(form.required("Name")?, form.attributes())
                .await?;
            Ok(Some(tag("TopicArn", &arn)))
        }
        "DeleteTopic" => {
            topics.delete(form.required("TopicArn")?).await?;
            Ok(None)
        }
        "ListTopics" => {
            let members: String = topics
                .list()
                .iter()
                .map(|arn| member(&[("TopicArn", arn)]))
                .collect();
            Ok(Some(format!("<Topics>{members}</Topics>")))
        }
        "GetTopicAttributes" => {
            let topic = topics.topic(form.required("TopicArn")?)?;
            let subs = topics.subscriptions(Some(&topic.arn))?.len().to_string();
            let mut attrs = topic.attributes.clone();
            attrs.insert("TopicArn".into(), topic.arn.clone());
            attrs.insert("Owner".into(), topics.account().to_owned());
            attrs.insert("SubscriptionsConfirmed".into(), subs);
            attrs.insert("SubscriptionsPending".into(), "0".into());
            attrs.insert("SubscriptionsDeleted".into(), "0".into());
            let entries: String = attrs
                .iter()
                .map(|(k, v)| format!("<entry>{}{}</entry>", tag("key", k), tag("value", v)))
                .collect();
            Ok(Some(format!("<Attributes>{entries}</Attributes>")))
        }
        "Subscribe" => {
            let arn = topics
                .subscribe(
                    form.required("TopicArn")?,
                    form.required("Protocol")?,
                    form.required("Endpoint")?,
                    &form.attributes(),
                )
                .await?;
            Ok(Some(tag("SubscriptionArn", &arn)))
        }
        "GetSubscriptionAttributes" => {
            let sub = topics.subscription(form.required("SubscriptionArn")?)?;
            let attrs = [
                ("SubscriptionArn", sub.arn.as_str()),
                ("TopicArn", &sub.topic_arn),
                ("Protocol", &sub.protocol),
                ("Endpoint", &sub.endpoint),
                ("Owner", topics.account()),
                ("RawMessageDelivery", if sub.raw { "true" } else { "false" }),
                ("PendingConfirmation", "false"),
                ("ConfirmationWasAuthenticated", "true"),
            ];
            let entries: String = attrs
                .iter()
                .map(|(k, v)| format!("<entry>{}{}</entry>", tag("key", k), tag("value", v)))
                .collect();
            Ok(Some(format!("<Attributes>{entries}</Attributes>")))
        }
        "SetSubscriptionAttributes" => {
            topics
                .set_subscription_attribute(
                    form.required("SubscriptionArn")?,
                    form.required("AttributeName")?,
                    form.get("AttributeValue").unwrap_or_default(),
                )
                .await?;
            Ok(None)
        }
        "Unsubscribe" => {
            topics
                .unsubscribe(form.required("SubscriptionArn")?)
                .await?;
            Ok(None)
        }
        "ListSubscriptions" => Ok(Some(subscriptions_xml(
            &topics.subscriptions(None)?,
            topics.account(),
        ))),
        "ListSubscriptionsByTopic" => Ok(Some(subscriptions_xml(
            &topics.subscriptions(Some(form.required("TopicArn")?))?,
            topics.account(),
        ))),
        "Publish" => {
            let topic_arn = form
                .get("TopicArn")
                .or(form.get("TargetArn"))
                .ok_or_else(|| {
                    SnsError::InvalidParameter(
                        "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter".into(),
                    )
                })?;
            let id = topics
                .publish(Publication {
                    topic_arn: topic_arn.to_owned(),
                    message: form.required("Message")?.to_owned(),
                    subject: form.get("Subject").map(str::to_owned),
                    attributes: form.message_attributes()?,
                })
                .await?;
            Ok(Some(tag("MessageId", &id)))
        }
        other => Err(SnsError::InvalidAction(format!(
            "The action {other} is not valid for this endpoint."
        ))),
    }
}

#[cfg(test)]
mod tests;

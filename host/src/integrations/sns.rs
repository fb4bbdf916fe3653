//! Built-in SNS topics: topics and their subscriptions ([`Topics`]), durable in the store's
//! objects table, delivery to `sqs` and `http` subscribers (`https` is refused: the host's client
//! has no TLS), and the `sns:publish` Step Functions integration.
//!
//! Publish delivers to queue subscribers before it answers (a queue send is a local commit),
//! and to HTTP subscribers in the background with a few retries, so that a slow or dead
//! endpoint never holds a publisher up. Subscriptions are confirmed at once: this host has no
//! confirmation handshake. The Query wire protocol lives in `api/sns.rs`.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::sdk_metadata;
use super::sqs::{MessageAttribute, NewMessage, Queues};
use super::{CallContext, Pattern, Service, ServiceFuture};
use crate::arn::Identity;
use crate::interp::Failure;
use crate::store::{Store, Write};

/// The store kind of a topic (key: its ARN).
pub const TOPIC_KIND: &str = "sns.topic";
/// The store kind of a subscription (key: its ARN).
pub const SUBSCRIPTION_KIND: &str = "sns.subscription";

/// SNS's limit on a message, 256 KiB.
pub const MAX_MESSAGE_BYTES: usize = 262_144;
/// Attempts at an HTTP delivery: SNS's default policy retries for longer; a local host gives
/// up sooner so that a dead endpoint costs little.
const HTTP_ATTEMPTS: u32 = 4;
/// The first retry's delay, doubled for each further one.
const HTTP_BACKOFF: Duration = Duration::from_millis(500);
/// How long one HTTP delivery may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Why an SNS action failed. Each variant is the SNS error of that code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[allow(missing_docs)]
pub enum SnsError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidParameter(String),
    /// The request names no action SNS (or this host) has.
    #[error("{0}")]
    InvalidAction(String),
    /// The host's own fault (the store failed).
    #[error("{0}")]
    Internal(String),
}

impl SnsError {
    /// The error's code.
    pub fn code(&self) -> &'static str {
        match self {
            SnsError::NotFound(_) => "NotFound",
            SnsError::InvalidParameter(_) => "InvalidParameter",
            SnsError::InvalidAction(_) => "InvalidAction",
            SnsError::Internal(_) => "InternalError",
        }
    }

    /// The failure a Task state sees (`SNS.<Code>Exception`).
    pub fn failure(&self) -> Failure {
        Failure::new(format!("SNS.{}Exception", self.code()), self.to_string())
    }

    fn invalid(reason: impl std::fmt::Display) -> SnsError {
        SnsError::InvalidParameter(format!("Invalid parameter: {reason}"))
    }
}

impl From<crate::store::StoreError> for SnsError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "the store failed an SNS request");
        SnsError::Internal("The host could not store the change".into())
    }
}

/// `type Result` for this module.
pub type Result<T, E = SnsError> = std::result::Result<T, E>;

/// A topic, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Attributes given at creation, kept and returned.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// A subscription, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// Its ARN: the topic's and a unique suffix.
    pub arn: String,
    /// The topic's ARN.
    pub topic_arn: String,
    /// `sqs` or `http`.
    pub protocol: String,
    /// A queue ARN or a URL.
    pub endpoint: String,
    /// RawMessageDelivery: the message alone rather than the JSON envelope.
    #[serde(default)]
    pub raw: bool,
}

/// What Publish takes.
#[derive(Debug, Clone, Default)]
pub struct Publication {
    /// TopicArn or TargetArn.
    pub topic_arn: String,
    /// The message text.
    pub message: String,
    /// The subject, if any.
    pub subject: Option<String>,
    /// Its attributes.
    pub attributes: BTreeMap<String, MessageAttribute>,
}

/// Every topic of the host. Cheap to clone.
#[derive(Clone)]
pub struct Topics {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    identity: Identity,
    queues: Queues,
    topics: RwLock<BTreeMap<String, Topic>>,
    subscriptions: RwLock<BTreeMap<String, Subscription>>,
    http: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for Topics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topics").finish_non_exhaustive()
    }
}

fn load<T: serde::de::DeserializeOwned>(
    objects: &BTreeMap<String, BTreeMap<String, String>>,
    kind: &str,
) -> BTreeMap<String, T> {
    let mut out = BTreeMap::new();
    for (key, value) in objects.get(kind).into_iter().flatten() {
        match serde_json::from_str(value) {
            Ok(v) => {
                out.insert(key.clone(), v);
            }
            Err(e) => tracing::error!(%kind, %key, error = %e, "cannot load a stored object"),
        }
    }
    out
}

/// SNS's JSON envelope of a notification, as queue subscribers (without raw delivery) and
/// HTTP subscribers receive it.
pub fn envelope(
    message_id: &str,
    publication: &Publication,
    subscription_arn: &str,
    timestamp: chrono::DateTime<chrono::Utc>,
) -> Value {
    let mut e = json!({
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": publication.topic_arn,
        "Message": publication.message,
        "Timestamp": timestamp.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "SignatureVersion": "1",
        // Nothing signs here; the field is there for parsers that expect it.
        "Signature": "",
        "SigningCertURL": "",
        "UnsubscribeURL": format!("http://localhost/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"),
    });
    if let Some(subject) = &publication.subject {
        e["Subject"] = subject.clone().into();
    }
    if !publication.attributes.is_empty() {
        let attrs: serde_json::Map<String, Value> = publication
            .attributes
            .iter()
            .map(|(k, a)| {
                let value = a.string_value.clone().or(a.binary_value.clone());
                (k.clone(), json!({"Type": a.data_type, "Value": value}))
            })
            .collect();
        e["MessageAttributes"] = attrs.into();
    }
    e
}

/// Checks a subscription attribute; `Some(raw)` for RawMessageDelivery.
fn subscription_attribute(name: &str, value: &str) -> Result<Option<bool>> {
    match name {
        "RawMessageDelivery" => match value.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(SnsError::invalid(
                "Attributes Reason: RawMessageDelivery: Invalid value. Must be true or false.",
            )),
        },
        // Retry and dead-letter settings do not change what is delivered; accepted, not acted on.
        "RedrivePolicy" | "DeliveryPolicy" => Ok(None),
        // Accepting a filter and not applying it would deliver what the subscriber excluded.
        "FilterPolicy" | "FilterPolicyScope" => Err(SnsError::invalid(format!(
            "Attributes Reason: {name} is not supported by this host"
        ))),
        other => Err(SnsError::invalid(format!(
            "Attributes Reason: Unknown attribute {other}"
        ))),
    }
}

impl Topics {
    /// The topics and subscriptions stored in `objects`, delivering to `queues`.
    pub fn new(
        store: Arc<dyn Store>,
        identity: &Identity,
        queues: Queues,
        objects: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Topics {
        Topics {
            inner: Arc::new(Inner {
                store,
                identity: identity.clone(),
                queues,
                topics: RwLock::new(load(objects, TOPIC_KIND)),
                subscriptions: RwLock::new(load(objects, SUBSCRIPTION_KIND)),
                http: Client::builder(TokioExecutor::new()).build_http(),
            }),
        }
    }

    /// The account topics belong to.
    pub fn account(&self) -> &str {
        &self.inner.identity.account
    }

    fn topics(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Topic>> {
        self.inner.topics.read().unwrap_or_else(|e| e.into_inner())
    }

    fn topics_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Topic>> {
        self.inner.topics.write().unwrap_or_else(|e| e.into_inner())
    }

    fn subs(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Subscription>> {
        self.inner
            .subscriptions
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn subs_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Subscription>> {
        self.inner
            .subscriptions
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn not_found() -> SnsError {
        SnsError::NotFound("Topic does not exist".into())
    }

    /// CreateTopic: the topic's ARN; creating an existing topic returns it again.
    pub async fn create(&self, name: &str, attributes: BTreeMap<String, String>) -> Result<String> {
        if name.ends_with(".fifo") || attributes.get("FifoTopic").is_some_and(|v| v == "true") {
            return Err(SnsError::invalid(
                "this host has standard topics only, not FIFO topics",
            ));
        }
        let valid = (1..=256).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(SnsError::invalid(
                "Topic Name must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
            ));
        }
        let id = &self.inner.identity;
        let arn = format!("arn:aws:sns:{}:{}:{name}", id.region, id.account);
        if self.topics().contains_key(&arn) {
            return Ok(arn);
        }
        let topic = Topic {
            arn: arn.clone(),
            name: name.to_owned(),
            attributes,
        };
        let write = Write::PutObject {
            kind: TOPIC_KIND.into(),
            key: arn.clone(),
            value: serde_json::to_string(&topic).unwrap_or_default(),
        };
        self.inner.store.commit(vec![write]).await?;
        self.topics_mut().insert(arn.clone(), topic);
        Ok(arn)
    }

    /// DeleteTopic, with its subscriptions; deleting a missing topic is no error, as in SNS.
    pub async fn delete(&self, arn: &str) -> Result<()> {
        let doomed: Vec<String> = self
            .subs()
            .values()
            .filter(|s| s.topic_arn == arn)
            .map(|s| s.arn.clone())
            .collect();
        let mut writes: Vec<Write> = doomed
            .iter()
            .map(|s| Write::DeleteObject {
                kind: SUBSCRIPTION_KIND.into(),
                key: s.clone(),
            })
            .collect();
        writes.push(Write::DeleteObject {
            kind: TOPIC_KIND.into(),
            key: arn.to_owned(),
        });
        self.inner.store.commit(writes).await?;
        self.topics_mut().remove(arn);
        let mut subs = self.subs_mut();
        for s in doomed {
            subs.remove(&s);
        }
        Ok(())
    }

    /// Every topic's ARN, in order.
    pub fn list(&self) -> Vec<String> {
        self.topics().keys().cloned().collect()
    }

    /// A topic by ARN.
    pub fn topic(&self, arn: &str) -> Result<Topic> {
        self.topics().get(arn).cloned().ok_or_else(Self::not_found)
    }

    /// Subscribe: confirmed at once. Subscribing the same endpoint again returns the same
    /// subscription.
    pub async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<String> {
        self.topic(topic_arn)?;
        match protocol {
            "sqs" => {
                let arn = crate::arn::Arn::parse(endpoint);
                if arn.is_none_or(|a| a.service != "sqs") {
                    return Err(SnsError::invalid("SQS endpoint ARN"));
                }
            }
            // The host's HTTP client has no TLS: an https subscriber would never get a
            // delivery, so it is refused up front rather than failing quietly later.
            "https" => {
                return Err(SnsError::invalid(
                    "this host delivers over plain HTTP only; subscribe with protocol http",
                ));
            }
            "http" => {
                if !endpoint.starts_with("http://") || endpoint.parse::<hyper::Uri>().is_err() {
                    return Err(SnsError::invalid(
                        "Endpoint must match the specified protocol",
                    ));
                }
            }
            other => {
                return Err(SnsError::invalid(format!(
                    "Amazon SNS on this host does not support the protocol {other}; use sqs or http"
                )));
            }
        }
        let mut raw = false;
        for (name, value) in attributes {
            if let Some(r) = subscription_attribute(name, value)? {
                raw = r;
            }
        }
        if let Some(existing) = self
            .subs()
            .values()
            .find(|s| s.topic_arn == topic_arn && s.protocol == protocol && s.endpoint == endpoint)
        {
            return Ok(existing.arn.clone());
        }
        let sub = Subscription {
            arn: format!("{topic_arn}:{}", uuid::Uuid::new_v4()),
            topic_arn: topic_arn.to_owned(),
            protocol: protocol.to_owned(),
            endpoint: endpoint.to_owned(),
            raw,
        };
        let write = Write::PutObject {
            kind: SUBSCRIPTION_KIND.into(),
            key: sub.arn.clone(),
            value: serde_json::to_string(&sub).unwrap_or_default(),
        };
        self.inner.store.commit(vec![write]).await?;
        self.subs_mut().insert(sub.arn.clone(), sub.clone());
        Ok(sub.arn)
    }

    /// A subscription by ARN.
    pub fn subscription(&self, arn: &str) -> Result<Subscription> {
        self.subs()
            .get(arn)
            .cloned()
            .ok_or_else(|| SnsError::NotFound("Subscription does not exist".into()))
    }

    /// SetSubscriptionAttributes.
    pub async fn set_subscription_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> Result<()> {
        let mut sub = self.subscription(arn)?;
        if let Some(raw) = subscription_attribute(name, value)? {
            sub.raw = raw;
        }
        let write = Write::PutObject {
            kind: SUBSCRIPTION_KIND.into(),
            key: sub.arn.clone(),
            value: serde_json::to_string(&sub).unwrap_or_default(),
        };
        self.inner.store.commit(vec![write]).await?;
        self.subs_mut().insert(sub.arn.clone(), sub);
        Ok(())
    }

    /// Unsubscribe.
    pub async fn unsubscribe(&self, arn: &str) -> Result<()> {
        if !self.subs().contains_key(arn) {
            return Err(SnsError::NotFound("Subscription does not exist".into()));
        }
        let write = Write::DeleteObject {
            kind: SUBSCRIPTION_KIND.into(),
            key: arn.to_owned(),
        };
        self.inner.store.commit(vec![write]).await?;
        self.subs_mut().remove(arn);
        Ok(())
    }

    /// The subscriptions, of one topic if `topic` is given.
    pub fn subscriptions(&self, topic: Option<&str>) -> Result<Vec<Subscription>> {
        if let Some(t) = topic {
            self.topic(t)?;
        }
        Ok(self
            .subs()
            .values()
            .filter(|s| topic.is_none_or(|t| s.topic_arn == t))
            .cloned()
            .collect())
    }

    /// Publish: delivers to the topic's subscribers and returns the MessageId.
    pub async fn publish(&self, publication: Publication) -> Result<String> {
        self.topic(&publication.topic_arn)?;
        if publication.message.is_empty() {
            return Err(SnsError::invalid("Empty message"));
        }
        let size = publication.message.len()
            + publication
                .attributes
                .iter()
                .map(|(k, a)| {
                    k.len()
                        + a.data_type.len()
                        + a.string_value
                            .as_ref()
                            .or(a.binary_value.as_ref())
                            .map_or(0, String::len)
                })
                .sum::<usize>();
        if size > MAX_MESSAGE_BYTES {
            return Err(SnsError::invalid("Message too long"));
        }
        if publication
            .subject
            .as_ref()
            .is_some_and(|s| s.is_empty() || s.len() > 100)
        {
            return Err(SnsError::invalid("Subject"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = chrono::Utc::now();
        let subs = self.subscriptions(Some(&publication.topic_arn))?;
        for sub in subs {
            let envelope = envelope(&id, &publication, &sub.arn, now);
            match sub.protocol.as_str() {
                "sqs" => self.deliver_to_queue(&sub, &publication, &envelope).await,
                _ => {
                    let this = self.clone();
                    let (id, body) = (id.clone(), envelope.to_string());
                    tokio::spawn(async move { this.deliver_http(sub, id, body).await });
                }
            }
        }
        Ok(id)
    }

    async fn deliver_to_queue(
        &self,
        sub: &Subscription,
        publication: &Publication,
        envelope: &Value,
    ) {
        let message = if sub.raw {
            NewMessage {
                body: publication.message.clone(),
                delay: None,
                attributes: publication.attributes.clone(),
            }
        } else {
            NewMessage {
                body: envelope.to_string(),
                ..NewMessage::default()
            }
        };
        let queues = &self.inner.queues;
        // As in SNS, a delivery that fails (the queue is gone) is dropped, not the publish.
        let result = match queues.resolve(&sub.endpoint) {
            Ok(q) => queues.send(&q, message).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(subscription = %sub.arn, error = %e, "cannot deliver to a queue subscriber");
        }
    }

    async fn deliver_http(self, sub: Subscription, message_id: String, body: String) {
        let mut backoff = HTTP_BACKOFF;
        for attempt in 1..=HTTP_ATTEMPTS {
            match self.post(&sub, &message_id, &body).await {
                Ok(()) => return,
                Err(e) if attempt == HTTP_ATTEMPTS => {
                    tracing::warn!(subscription = %sub.arn, error = %e, "giving up on an HTTP delivery");
                }
                Err(e) => {
                    tracing::debug!(subscription = %sub.arn, error = %e, attempt, "an HTTP delivery failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
            }
        }
    }

    async fn post(&self, sub: &Subscription, message_id: &str, body: &str) -> Result<(), String> {
        let request = hyper::Request::post(&sub.endpoint)
            .header("content-type", "text/plain; charset=UTF-8")
            .header("x-amz-sns-message-type", "Notification")
            .header("x-amz-sns-message-id", message_id)
            .header("x-amz-sns-topic-arn", &sub.topic_arn)
            .header("x-amz-sns-subscription-arn", &sub.arn)
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(HTTP_TIMEOUT, self.inner.http.request(request))
            .await
            .map_err(|_| "timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        // SNS counts any 2xx as delivered.
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the endpoint answered {}", response.status()))
        }
    }

    async fn publish_task(self, parameters: Value) -> Result<Value> {
        let topic_arn = parameters["TopicArn"]
            .as_str()
            .or(parameters["TargetArn"].as_str())
            .ok_or_else(|| {
                SnsError::invalid("TopicArn or TargetArn Reason: no value for required parameter")
            })?;
        let message = match &parameters["Message"] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            // A JSON value is published as its text, as Step Functions does.
            other => other.to_string(),
        };
        let subject = match &parameters["Subject"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err(SnsError::invalid("Subject must be a string")),
        };
        let attributes = match &parameters["MessageAttributes"] {
            Value::Null => BTreeMap::new(),
            v => serde_json::from_value(v.clone())
                .map_err(|e| SnsError::invalid(format!("MessageAttributes: {e}")))?,
        };
        let id = self
            .publish(Publication {
                topic_arn: topic_arn.to_owned(),
                message,
                subject,
                attributes,
            })
            .await?;
        let (http, response) = sdk_metadata(200, vec![("Content-Type", "text/xml".to_owned())]);
        Ok(json!({"MessageId": id, "SdkHttpMetadata": http, "SdkResponseMetadata": response}))
    }
}

impl Service for Topics {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "publish").then_some(Pattern::RESPONSE_AND_TOKEN)
    }

    fn call(&self, action: &str, parameters: Value, _cx: CallContext) -> ServiceFuture {
        let this = self.clone();
        let action = action.to_owned();
        Box::pin(async move {
            match action.as_str() {
                "publish" => this.publish_task(parameters).await.map_err(|e| e.failure()),
                other => Err(Failure::new(
                    crate::interp::errors::names::RUNTIME,
                    format!("the sns integration has no action {other}"),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests;

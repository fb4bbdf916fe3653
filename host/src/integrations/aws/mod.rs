//! AWS services this host does not provide itself, called where an AWS SDK would call them:
//! `arn:aws:states:::aws-sdk:SERVICE:ACTION` for every service in AWS's models (request and
//! response shapes from the `stepwise-aws` crate), signed with SigV4, sent to real AWS or any
//! AWS-compatible endpoint ([`endpoint`]).
//!
//! Errors are named as Step Functions names them: `<Service>.<Name>Exception` for what the
//! service answered (`S3.NoSuchKeyException`, `DynamoDb.DynamoDbException` for an error its
//! model does not declare), with the service's message and Java's `(Service: ..., Status Code:
//! ..., Request ID: ...)` as the cause; `<Service>.SdkClientException` when no answer came (no
//! credentials, an unreachable endpoint, a timeout). Retry and Catch see those names. Like an
//! AWS SDK, a call is tried up to three times when the service throttles, answers 5xx or
//! cannot be reached.

pub mod apigateway;
pub mod endpoint;
pub mod jobs;
pub mod optimized;
pub mod signing;
pub mod transport;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use serde_json::Value;
use stepwise_aws::{BuildError, HttpResponse, Operation, Service as Model, ServiceError};

use self::endpoint::Endpoints;
use self::transport::{Transport, TransportError, error_chain};
use super::{CallContext, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;

/// How calls to AWS are made.
#[derive(Clone, Default)]
pub struct AwsConfig {
    /// The region calls go to (`AWS_REGION`, `AWS_DEFAULT_REGION`); None: the host's region.
    pub region: Option<String>,
    /// Endpoints configured by the operator.
    pub endpoints: Endpoints,
    /// Where credentials come from; None: the standard chain (environment, shared config and
    /// credentials files with profiles, web identity, container and instance metadata), built
    /// the first time a call needs it.
    pub credentials: Option<SharedCredentialsProvider>,
    /// How long one attempt may take (None: 60 s); a Task's own deadline is shorter if it is.
    pub attempt_timeout: Option<Duration>,
    /// Built-in integrations sent out like the rest (`serve --forward sqs`): `sqs`, `sns`,
    /// `lambda`, `states`, `batch`.
    pub forward: Vec<String>,
}

impl std::fmt::Debug for AwsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsConfig")
            .field("region", &self.region)
            .field("endpoints", &self.endpoints)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "configured"),
            )
            .field("forward", &self.forward)
            .finish()
    }
}

/// An attempt that takes longer than this is given up (AWS's HTTP Task waits as long).
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts per call, as the AWS SDKs' standard retry mode makes.
const MAX_ATTEMPTS: u32 = 3;
/// Credentials are renewed this long before they expire.
const CREDENTIALS_MARGIN: Duration = Duration::from_secs(300);

/// The client every AWS SDK integration calls through.
pub struct AwsClient {
    region: String,
    endpoints: Endpoints,
    configured: Option<SharedCredentialsProvider>,
    chain: tokio::sync::OnceCell<SharedCredentialsProvider>,
    cached: Mutex<Option<Credentials>>,
    transport: OnceLock<Transport>,
    attempt_timeout: Duration,
}

/// A call's result, with the answer's status and headers.
#[derive(Debug)]
pub struct Reply {
    /// The operation's output, as a Task sees it.
    pub result: Value,
    /// The HTTP status.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
}

/// Why a call gave no result.
#[derive(Debug)]
pub enum CallError {
    /// The parameters do not fit the operation.
    Build(BuildError),
    /// No credentials could be found.
    Credentials(String),
    /// No answer came.
    Transport(TransportError),
    /// The service answered with an error.
    Service(ServiceError),
}

impl AwsClient {
    /// A client for `config`, in `default_region` unless the config names one.
    pub fn new(config: AwsConfig, default_region: &str) -> AwsClient {
        AwsClient {
            region: config.region.unwrap_or_else(|| default_region.to_owned()),
            endpoints: config.endpoints,
            configured: config.credentials,
            chain: tokio::sync::OnceCell::new(),
            cached: Mutex::new(None),
            transport: OnceLock::new(),
            attempt_timeout: config.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
        }
    }

    /// Calls `operation` of `service` with a Task's parameters and returns its result, in
    /// `region` (None: the client's).
    pub async fn call(
        &self,
        service: &Model,
        operation: &Operation,
        parameters: &Value,
        region: Option<&str>,
        deadline: Option<Instant>,
    ) -> Result<Value, CallError> {
        self.exchange(service, operation, parameters, region, deadline)
            .await
            .map(|reply| reply.result)
    }

    /// The same, with the HTTP status and headers of the answer (for the optimized
    /// integrations, which show them as `SdkHttpMetadata`).
    pub async fn exchange(
        &self,
        service: &Model,
        operation: &Operation,
        parameters: &Value,
        region: Option<&str>,
        deadline: Option<Instant>,
    ) -> Result<Reply, CallError> {
        self.attempts(
            service,
            operation,
            parameters,
            region,
            deadline,
            |response| {
                parse(service, operation, &response).map(|result| Reply {
                    result,
                    status: response.status,
                    headers: response.headers,
                })
            },
        )
        .await
    }

    /// The same call, answered with the raw response when it succeeds: the bytes of a body
    /// that is the whole output (S3's GetObject), which a JSON result would hold only as text.
    pub async fn fetch(
        &self,
        service: &Model,
        operation: &Operation,
        parameters: &Value,
        region: Option<&str>,
        deadline: Option<Instant>,
    ) -> Result<transport::Response, CallError> {
        self.attempts(
            service,
            operation,
            parameters,
            region,
            deadline,
            |response| {
                if (200..300).contains(&response.status) {
                    return Ok(response);
                }
                match parse(service, operation, &response) {
                    Err(e) => Err(e),
                    // An error status the protocol reads as a result: still the call's failure.
                    Ok(_) => Err(ServiceError {
                        status: response.status,
                        code: format!("Http{}", response.status),
                        message: String::from_utf8_lossy(&response.body).into_owned(),
                        request_id: None,
                        extended_request_id: None,
                    }),
                }
            },
        )
        .await
    }

    /// Builds, signs and sends the call, tried again as an AWS SDK would; `answer` reads a
    /// response that came.
    async fn attempts<T>(
        &self,
        service: &Model,
        operation: &Operation,
        parameters: &Value,
        region: Option<&str>,
        deadline: Option<Instant>,
        answer: impl Fn(transport::Response) -> Result<T, ServiceError>,
    ) -> Result<T, CallError> {
        let request = stepwise_aws::protocol::build_request(service, operation, parameters)
            .map_err(CallError::Build)?;
        let target = self
            .endpoints
            .resolve(service, region.unwrap_or(&self.region));
        let mut base = target.base.clone();
        if target.aws_owned
            && let Some(prefix) = &request.host_prefix
            && let Some(rest) = base.strip_prefix("https://")
        {
            base = format!("https://{prefix}{rest}");
        }
        let url = format!("{base}{}", request.path_and_query);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let headers = self
                .signed(
                    &request.method,
                    &url,
                    request.headers.clone(),
                    &request.body,
                    (service.model.signing_name(), &target.signing_region),
                )
                .await?;
            let sent = self
                .transport()
                .send(
                    &request.method,
                    &url,
                    &headers,
                    request.body.clone(),
                    self.timeout(deadline),
                )
                .await;
            let outcome = match sent {
                Ok(response) => answer(response).map_err(CallError::Service),
                Err(e) => Err(CallError::Transport(e)),
            };
            match outcome {
                Err(e) if attempt < MAX_ATTEMPTS && retryable(&e) => {
                    let delay = backoff(attempt);
                    if deadline.is_some_and(|d| Instant::now() + delay >= d) {
                        return Err(e);
                    }
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    /// Sends a request that no model describes (API Gateway's `invoke`), signed for
    /// `signing` (service, region) when given, within the deadline.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        mut headers: Vec<(String, String)>,
        body: Vec<u8>,
        signing: Option<(&str, &str)>,
        deadline: Option<Instant>,
    ) -> Result<transport::Response, CallError> {
        if let Some(scope) = signing {
            headers = self.signed(method, url, headers, &body, scope).await?;
        }
        self.transport()
            .send(method, url, &headers, body, self.timeout(deadline))
            .await
            .map_err(CallError::Transport)
    }

    /// `headers` with `Host` and the SigV4 signature for (service, region) added.
    async fn signed(
        &self,
        method: &str,
        url: &str,
        mut headers: Vec<(String, String)>,
        body: &[u8],
        (service, region): (&str, &str),
    ) -> Result<Vec<(String, String)>, CallError> {
        let credentials = self.credentials().await.map_err(CallError::Credentials)?;
        headers.push(("host".to_owned(), host_of(url)));
        let signature = signing::signature_headers(
            &signing::Unsigned {
                method,
                url,
                headers: &headers,
                body,
            },
            &signing::Scope {
                service,
                region,
                time: SystemTime::now(),
            },
            &credentials,
        )
        .map_err(CallError::Credentials)?;
        headers.extend(signature);
        Ok(headers)
    }

    /// How long the next attempt may take: the attempt timeout, or less if the deadline is
    /// nearer.
    fn timeout(&self, deadline: Option<Instant>) -> Duration {
        match deadline {
            Some(d) => d
                .saturating_duration_since(Instant::now())
                .min(self.attempt_timeout),
            None => self.attempt_timeout,
        }
    }

    /// The region calls go to.
    pub fn region(&self) -> &str {
        &self.region
    }

    fn transport(&self) -> &Transport {
        self.transport.get_or_init(Transport::default)
    }

    /// Credentials, from the cache while they are fresh.
    async fn credentials(&self) -> Result<Credentials, String> {
        if let Some(c) = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && c.expiry()
                .is_none_or(|at| at > SystemTime::now() + CREDENTIALS_MARGIN)
        {
            return Ok(c.clone());
        }
        let provider = match &self.configured {
            Some(p) => p.clone(),
            None => self
                .chain
                .get_or_init(|| async {
                    let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
                        .region(aws_config::Region::new(self.region.clone()))
                        .build()
                        .await;
                    SharedCredentialsProvider::new(chain)
                })
                .await
                .clone(),
        };
        let credentials = provider.provide_credentials().await.map_err(|e| {
            format!(
                "Unable to load credentials from any of the providers in the chain: {}",
                error_chain(&e)
            )
        })?;
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(credentials.clone());
        Ok(credentials)
    }
}

/// Throttling, a 5xx, or no answer: worth another attempt, as the AWS SDKs judge it.
pub(super) fn retryable(error: &CallError) -> bool {
    match error {
        CallError::Transport(TransportError::Connect(_) | TransportError::Timeout(_)) => true,
        CallError::Service(e) => {
            let code = e.code.rsplit('#').next().unwrap_or(&e.code);
            e.status >= 500
                || e.status == 429
                || matches!(
                    code,
                    "Throttling"
                        | "ThrottlingException"
                        | "ThrottledException"
                        | "RequestThrottledException"
                        | "TooManyRequestsException"
                        | "ProvisionedThroughputExceededException"
                        | "TransactionInProgressException"
                        | "RequestLimitExceeded"
                        | "BandwidthLimitExceeded"
                        | "RequestThrottled"
                        | "SlowDown"
                        | "PriorRequestNotComplete"
                        | "EC2ThrottledException"
                )
        }
        _ => false,
    }
}

/// Exponential backoff with full jitter, as the SDKs' standard mode: up to 100 ms, 200 ms...
fn backoff(attempt: u32) -> Duration {
    let cap = 100u64 << attempt.min(6);
    Duration::from_millis(rand_below(cap).max(1))
}

fn rand_below(n: u64) -> u64 {
    // The low bits of a fresh UUID are random enough for jitter.
    (uuid::Uuid::new_v4().as_u128() as u64) % n.max(1)
}

/// The operation's result, or the error the service answered, from `response`.
fn parse(
    service: &Model,
    operation: &Operation,
    response: &transport::Response,
) -> Result<Value, ServiceError> {
    stepwise_aws::protocol::parse_response(
        service,
        operation,
        HttpResponse {
            status: response.status,
            headers: &response.headers,
            body: &response.body,
        },
    )
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

/// The failure a Task sees for a call that gave no result, named as Step Functions names it.
pub fn failure(service: &Model, operation: &Operation, error: CallError) -> Failure {
    let prefix = &service.error_prefix;
    match error {
        CallError::Build(e) => Failure::new(names::RUNTIME, e.to_string()),
        CallError::Credentials(cause) => {
            Failure::new(format!("{prefix}.SdkClientException"), cause)
        }
        CallError::Transport(e) => {
            Failure::new(format!("{prefix}.SdkClientException"), e.to_string())
        }
        CallError::Service(e) => {
            let mut cause = format!(
                "{} (Service: {prefix}, Status Code: {}, Request ID: {}",
                e.message,
                e.status,
                e.request_id.as_deref().unwrap_or("null")
            );
            if let Some(extended) = &e.extended_request_id {
                cause.push_str(&format!(", Extended Request ID: {extended}"));
            }
            cause.push(')');
            Failure::new(service.error_name(Some(operation), &e.code), cause)
        }
    }
}

/// `arn:aws:states:::aws-sdk:SERVICE:ACTION` for one service.
pub struct SdkIntegration {
    service: Arc<Model>,
    client: Arc<AwsClient>,
    /// The region of a Resource that names one (`arn:aws:states:eu-west-1::aws-sdk:...`).
    region: Option<String>,
}

impl SdkIntegration {
    /// The integration of `service`, calling through `client`.
    pub fn new(service: Arc<Model>, client: Arc<AwsClient>) -> SdkIntegration {
        SdkIntegration {
            service,
            client,
            region: None,
        }
    }
}

impl Service for SdkIntegration {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        // AWS SDK integrations do not run jobs (`.sync`).
        self.service
            .operation(action)
            .map(|_| &[Pattern::RequestResponse, Pattern::WaitForTaskToken][..])
    }

    fn in_region(&self, region: &str) -> Option<Arc<dyn Service>> {
        Some(Arc::new(SdkIntegration {
            service: self.service.clone(),
            client: self.client.clone(),
            region: Some(region.to_owned()),
        }))
    }

    fn call(&self, action: &str, parameters: Value, cx: CallContext) -> ServiceFuture {
        let service = self.service.clone();
        let client = self.client.clone();
        let region = self.region.clone();
        let action = action.to_owned();
        Box::pin(async move {
            let Some(operation) = service.operation(&action) else {
                return Err(Failure::new(
                    names::RUNTIME,
                    format!("{} has no action '{action}'", service.name),
                ));
            };
            client
                .call(
                    &service,
                    operation,
                    &parameters,
                    region.as_deref(),
                    cx.deadline,
                )
                .await
                .map_err(|e| failure(&service, operation, e))
        })
    }
}

#[cfg(test)]
mod tests;

//! Where a Task state's work goes: [`TaskResources`] reads the Resource ARN and runs the
//! function, activity or service integration it names.
//!
//! A service integration is a [`Service`]: one module per service, registered by its name in
//! `arn:aws:states:::<name>:<action>`. The three AWS patterns are carried out here, the same for
//! every service: request-response is one [`Service::call`]; `.sync` is a call that starts a job,
//! recorded as submitted, then [`Service::wait`] for its end (and [`Service::cancel`] when the
//! task is aborted); `.waitForTaskToken` is a call recorded as submitted, after which the task
//! waits for SendTaskSuccess/SendTaskFailure with no future of its own.
//!
//! The same registry answers guests' `call`s (request-response only), so a function reaches
//! exactly what a Task state could.

pub mod activity;
pub mod aws;
pub mod batch;
pub mod http;
pub mod lambda;
pub mod map_run;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod states;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub use crate::arn::{Pattern, Resource};

use crate::executor::{Heartbeat, TaskFuture, TaskOutcome, TaskRunner};
use crate::interp::errors::names;
use crate::interp::{Failure, TaskRequest};
use crate::runtime::{CallFuture, GuestCall, GuestCalls, HeartbeatFn, Runtime, TaskError};

/// What a service call returns: the API's response, or the failure the state sees.
pub type ServiceFuture = Pin<Box<dyn Future<Output = Result<Value, Failure>> + Send>>;

/// A best-effort action that reports nothing.
pub type CancelFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Who is calling a service, and until when.
#[derive(Default)]
pub struct CallContext {
    /// The context object of the calling Task (`Null` for a guest's call).
    pub context: Value,
    /// The Task state's deadline, if it has one.
    pub deadline: Option<Instant>,
    /// Where the heartbeats of work done for the call go (a function's `heartbeat`).
    pub heartbeat: Option<HeartbeatFn>,
    /// Where calls made by work done for this call go (a function's `call`), and how deep in
    /// a chain of guest calls this one is.
    pub calls: Option<(Arc<dyn GuestCalls>, u32)>,
}

impl CallContext {
    /// The ARN of the execution whose Task calls, if a Task calls.
    pub fn execution(&self) -> Option<&str> {
        self.context["Execution"]["Id"].as_str()
    }

    /// The task token, for `.waitForTaskToken` calls.
    pub fn token(&self) -> Option<&str> {
        self.context["Task"]["Token"].as_str()
    }
}

/// A built-in service integration.
pub trait Service: Send + Sync + 'static {
    /// The patterns `action` supports; `None` for an action the service does not have.
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]>;

    /// Calls `action` with the state's parameters and returns the API's response: the whole
    /// task for request-response, the submission for `.sync` and `.waitForTaskToken`.
    fn call(&self, action: &str, parameters: Value, cx: CallContext) -> ServiceFuture;

    /// `.sync` (`pattern` says which version): waits for the job that `call` started to end
    /// and gives the state's result. `parameters` are the ones `call` was given, `submitted`
    /// is what it returned.
    fn wait(
        &self,
        action: &str,
        parameters: &Value,
        submitted: Value,
        pattern: Pattern,
    ) -> ServiceFuture {
        let _ = (parameters, submitted, pattern);
        let cause = format!("{action} has no job to wait for");
        Box::pin(std::future::ready(Err(Failure::new(names::RUNTIME, cause))))
    }

    /// The same service calling `region`, for a Resource that names one
    /// (`arn:aws:states:eu-west-1::aws-sdk:...`); None for a service that has no regions (this
    /// host's own).
    fn in_region(&self, region: &str) -> Option<Arc<dyn Service>> {
        let _ = region;
        None
    }

    /// Best-effort cancellation of the job `call` started, when its task is aborted.
    fn cancel(&self, action: &str, parameters: &Value, submitted: Value) -> CancelFuture {
        let _ = (action, parameters, submitted);
        Box::pin(std::future::ready(()))
    }
}

/// The `SdkHttpMetadata` and `SdkResponseMetadata` that Step Functions adds to an AWS
/// service's response (it calls through the AWS SDK for Java): the HTTP status and `headers`,
/// with `Date` and `x-amzn-RequestId` added, each header also as a one-element list.
pub fn sdk_metadata(status: u16, mut headers: Vec<(&str, String)>) -> (Value, Value) {
    let request_id = uuid::Uuid::new_v4().to_string();
    let date = chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    headers.push(("Date", date));
    headers.push(("x-amzn-RequestId", request_id.clone()));
    headers.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    let mut all = serde_json::Map::new();
    let mut single = serde_json::Map::new();
    for (name, value) in headers {
        all.insert(name.into(), serde_json::json!([value]));
        single.insert(name.into(), Value::String(value));
    }
    (
        serde_json::json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": status}),
        serde_json::json!({"RequestId": request_id}),
    )
}

/// Why a Task's Resource names nothing this host can run; the message names the resource.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unrunnable {
    /// Not an ARN of anything a Task runs.
    #[error("'{0}' is not a resource a Task can run")]
    NotAResource(String),
    /// A service this host does not integrate.
    #[error(
        "The resource '{arn}' names the service '{service}', which this host does not integrate"
    )]
    NoService {
        /// The Resource.
        arn: String,
        /// Its service.
        service: String,
    },
    /// An action the integration does not have.
    #[error(
        "The resource '{arn}' names the action '{action}', which the {service} integration does not have"
    )]
    NoAction {
        /// The Resource.
        arn: String,
        /// Its service.
        service: String,
        /// Its action.
        action: String,
    },
    /// An `aws-sdk:` service that AWS's models do not have.
    #[error(
        "The resource '{arn}' is not recognized: AWS has no service '{service}' that Step Functions can call{suggestion}"
    )]
    NoSdkService {
        /// The Resource.
        arn: String,
        /// Its service.
        service: String,
        /// ` (did you mean 'x'?)`, or nothing.
        suggestion: String,
    },
    /// An `aws-sdk:` action the service's model does not have.
    #[error(
        "The resource '{arn}' is not recognized: {service} has no action '{action}'{suggestion}"
    )]
    NoSdkAction {
        /// The Resource.
        arn: String,
        /// Its service.
        service: String,
        /// Its action.
        action: String,
        /// ` (did you mean 'x'?)`, or nothing.
        suggestion: String,
    },
    /// A service that speaks only a protocol this host does not.
    #[error(
        "The resource '{arn}' names a service that speaks only {protocol}, which this host does not"
    )]
    SdkProtocol {
        /// The Resource.
        arn: String,
        /// The protocol.
        protocol: String,
    },
    /// A vendored model that does not load.
    #[error("{0}")]
    SdkModel(String),
    /// A pattern the action does not support.
    #[error(
        "The resource '{arn}' asks for the {pattern} pattern, which {service}:{action} does not support"
    )]
    NoPattern {
        /// The Resource.
        arn: String,
        /// Its service.
        service: String,
        /// Its action.
        action: String,
        /// The pattern, as the ARN spells it.
        pattern: &'static str,
    },
}

fn suggestion(closest: Option<String>) -> String {
    closest.map_or_else(String::new, |name| format!(" (did you mean '{name}'?)"))
}

/// Runs Task states' resources: Lambda functions (WebAssembly components) and service
/// integrations. Cheap to clone.
#[derive(Clone)]
pub struct TaskResources {
    runtime: Arc<Runtime>,
    services: Arc<HashMap<&'static str, Arc<dyn Service>>>,
    /// Where `aws-sdk:` services are called (none: they are not available).
    aws: Option<Arc<aws::AwsClient>>,
    /// Where activity tasks wait for workers.
    pub activities: Arc<activity::ActivityQueues>,
}

impl std::fmt::Debug for TaskResources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.services.keys().copied().collect();
        names.sort_unstable();
        f.debug_struct("TaskResources")
            .field("services", &names)
            .finish_non_exhaustive()
    }
}

impl TaskResources {
    /// Resources backed by this WebAssembly runtime's functions, with `lambda:invoke`.
    pub fn new(runtime: Arc<Runtime>) -> Self {
        let lambda: Arc<dyn Service> = Arc::new(lambda::Lambda::new(runtime.clone()));
        TaskResources {
            runtime,
            services: Arc::new(HashMap::from([("lambda", lambda)])),
            aws: None,
            activities: Arc::default(),
        }
    }

    /// The same, with `aws-sdk:` services called through `client`.
    pub fn with_aws(mut self, client: Arc<aws::AwsClient>) -> Self {
        self.aws = Some(client);
        self
    }

    /// The same, with activity tasks waiting in `activities`.
    pub fn with_activities(mut self, activities: Arc<activity::ActivityQueues>) -> Self {
        self.activities = activities;
        self
    }

    /// Adds (or replaces) the service named `name` in resource ARNs.
    pub fn with_service(mut self, name: &'static str, service: Arc<dyn Service>) -> Self {
        Arc::make_mut(&mut self.services).insert(name, service);
        self
    }

    /// The service named `name` in a Resource: a built-in one, or `aws-sdk:NAME` for any
    /// service in AWS's models.
    pub fn service(&self, name: &str) -> Option<Arc<dyn Service>> {
        if let Some(s) = self.services.get(name) {
            return Some(s.clone());
        }
        let model = stepwise_aws::service(name.strip_prefix("aws-sdk:")?)?.ok()?;
        let client = self.aws.clone()?;
        Some(Arc::new(aws::SdkIntegration::new(model, client)))
    }

    /// Checks that a Task's Resource names something this host can run in the pattern it
    /// asks for.
    pub fn check(&self, arn: &str) -> Result<(), Unrunnable> {
        match Resource::parse(arn) {
            None => Err(Unrunnable::NotAResource(arn.to_owned())),
            Some(Resource::LambdaFunction { .. } | Resource::Activity { .. }) => Ok(()),
            Some(Resource::Service {
                service,
                action,
                pattern,
            }) => {
                let named = || (arn.to_owned(), service.to_owned(), action.to_owned());
                if let Some(sdk) = service.strip_prefix("aws-sdk:") {
                    self.check_sdk(arn, sdk, action)?;
                }
                let Some(s) = self.service(service) else {
                    let (arn, service, _) = named();
                    return Err(Unrunnable::NoService { arn, service });
                };
                match s.patterns(action) {
                    None => {
                        let (arn, service, action) = named();
                        Err(Unrunnable::NoAction {
                            arn,
                            service,
                            action,
                        })
                    }
                    Some(patterns) if !patterns.contains(&pattern) => {
                        let (arn, service, action) = named();
                        Err(Unrunnable::NoPattern {
                            arn,
                            service,
                            action,
                            pattern: pattern.describe(),
                        })
                    }
                    Some(_) => Ok(()),
                }
            }
        }
    }

    /// The service a Task's Resource names, in the region the Resource names if it names one.
    fn service_for(
        &self,
        resource: &crate::arn::TaskResource,
        name: &str,
    ) -> Option<Arc<dyn Service>> {
        let service = self.service(name)?;
        Some(match resource.region() {
            Some(region) => service.in_region(region).unwrap_or(service),
            None => service,
        })
    }

    /// An `aws-sdk:` Resource names a service in AWS's models, an action it has, and a
    /// protocol this host speaks; what is wrong is said with the closest names.
    fn check_sdk(&self, arn: &str, service: &str, action: &str) -> Result<(), Unrunnable> {
        let model = match stepwise_aws::service(service) {
            None => {
                return Err(Unrunnable::NoSdkService {
                    arn: arn.to_owned(),
                    service: service.to_owned(),
                    suggestion: suggestion(stepwise_aws::registry::closest_name(service)),
                });
            }
            Some(Err(e)) => return Err(Unrunnable::SdkModel(e)),
            Some(Ok(model)) => model,
        };
        if model.model.protocol().is_none() {
            return Err(Unrunnable::SdkProtocol {
                arn: arn.to_owned(),
                protocol: model.model.metadata.protocol.clone(),
            });
        }
        if model.operation(action).is_none() {
            return Err(Unrunnable::NoSdkAction {
                arn: arn.to_owned(),
                service: service.to_owned(),
                action: action.to_owned(),
                suggestion: suggestion(model.closest_action(action)),
            });
        }
        if self.aws.is_none() {
            return Err(Unrunnable::NoService {
                arn: arn.to_owned(),
                service: format!("aws-sdk:{service}"),
            });
        }
        Ok(())
    }

    async fn run_task(self, request: TaskRequest, heartbeat: Heartbeat) -> TaskOutcome {
        // A TimeoutSeconds too large for the clock is no deadline at all.
        let state_deadline = request
            .timeout_seconds
            .and_then(|s| Instant::now().checked_add(Duration::from_secs(s)));
        let result = match request.resource.target() {
            Some(Resource::LambdaFunction { name, qualifier }) => {
                let call = lambda::Call {
                    context: request.context.to_string(),
                    state_deadline,
                    heartbeat: Some(Box::new(move || heartbeat.beat())),
                    calls: Arc::new(self.clone()),
                    depth: 0,
                };
                let function = lambda::FunctionRef { name, qualifier };
                lambda::invoke(&self.runtime, function, &request.input, call).await
            }
            Some(Resource::Service {
                service,
                action,
                pattern,
            }) => {
                let Some(s) = self.service_for(&request.resource, service) else {
                    return TaskOutcome::Failed(unavailable(request.resource.as_str()));
                };
                let beat = heartbeat.clone();
                let cx = CallContext {
                    context: request.context,
                    deadline: state_deadline,
                    heartbeat: Some(Box::new(move || beat.beat())),
                    calls: Some((Arc::new(self.clone()), 0)),
                };
                // A job's parameters are needed again to wait for it (Glue's JobName).
                let parameters = match pattern {
                    Pattern::RunJob | Pattern::RunJob2 => request.input.clone(),
                    _ => Value::Null,
                };
                let response = match s.call(action, request.input, cx).await {
                    Ok(response) => response,
                    Err(failure) => return TaskOutcome::Failed(failure),
                };
                match pattern {
                    Pattern::RequestResponse => Ok(response),
                    // The task now waits for its token, with nothing left to run.
                    Pattern::WaitForTaskToken => return TaskOutcome::Submitted(response),
                    Pattern::RunJob | Pattern::RunJob2 => {
                        heartbeat.submitted(response.clone());
                        s.wait(action, &parameters, response, pattern).await
                    }
                }
            }
            Some(Resource::Activity { name }) => {
                let task = activity::ActivityTask {
                    token: request.token.unwrap_or_default(),
                    input: request.input.to_string(),
                };
                return match self.activities.schedule(name, task) {
                    Ok(()) => TaskOutcome::Queued,
                    Err(failure) => TaskOutcome::Failed(failure),
                };
            }
            _ => Err(unavailable(request.resource.as_str())),
        };
        result.into()
    }

    async fn guest_call(self, call: GuestCall) -> Result<String, TaskError> {
        let parameters: Value = serde_json::from_str(&call.parameters).map_err(|e| {
            TaskError::new(
                names::RUNTIME,
                format!(
                    "the parameters of a call to {} are not JSON: {e}",
                    call.resource
                ),
            )
        })?;
        let to_task_error =
            |f: Failure| TaskError::new(f.error.unwrap_or_default(), f.cause.unwrap_or_default());
        let result = match Resource::parse(&call.resource) {
            Some(Resource::Service {
                service,
                action,
                pattern: Pattern::RequestResponse,
            }) => match self.service(service) {
                Some(s) if s.patterns(action).is_some() => {
                    let cx = CallContext {
                        deadline: Some(call.deadline),
                        calls: Some((Arc::new(self.clone()), call.depth)),
                        ..CallContext::default()
                    };
                    s.call(action, parameters, cx).await
                }
                _ => Err(unavailable(&call.resource)),
            },
            Some(Resource::Service { .. }) => Err(Failure::new(
                names::RUNTIME,
                format!(
                    "a function can call only in the request-response pattern, and {} waits",
                    call.resource
                ),
            )),
            _ => Err(unavailable(&call.resource)),
        };
        result.map(|v| v.to_string()).map_err(to_task_error)
    }
}

impl TaskRunner for TaskResources {
    fn run(&self, request: TaskRequest, heartbeat: Heartbeat) -> TaskFuture {
        Box::pin(self.clone().run_task(request, heartbeat))
    }

    fn resume(&self, request: TaskRequest, submitted: Value, heartbeat: Heartbeat) -> TaskFuture {
        match request.resource.target() {
            Some(Resource::Service {
                service,
                action,
                pattern: pattern @ (Pattern::RunJob | Pattern::RunJob2),
            }) if let Some(s) = self.service_for(&request.resource, service) => {
                let wait = s.wait(action, &request.input, submitted, pattern);
                Box::pin(async move { wait.await.into() })
            }
            _ => self.run(request, heartbeat),
        }
    }

    fn cancel(&self, request: &TaskRequest, submitted: Value) -> CancelFuture {
        match request.resource.target() {
            Some(Resource::Service {
                service, action, ..
            }) if let Some(s) = self.service_for(&request.resource, service) => {
                s.cancel(action, &request.input, submitted)
            }
            _ => Box::pin(std::future::ready(())),
        }
    }

    fn withdraw(&self, request: &TaskRequest) {
        if let Some(Resource::Activity { name }) = request.resource.target()
            && let Some(token) = &request.token
        {
            self.activities.withdraw(name, token);
        }
    }
}

impl GuestCalls for TaskResources {
    fn call(&self, call: GuestCall) -> CallFuture {
        Box::pin(self.clone().guest_call(call))
    }
}

/// The failure for a resource this host cannot run.
fn unavailable(arn: &str) -> Failure {
    let what = match Resource::parse(arn) {
        None => format!("'{arn}' is not a resource a Task can run"),
        Some(Resource::Activity { name }) => {
            format!("activity '{name}' cannot be scheduled here")
        }
        Some(Resource::Service {
            service,
            action,
            pattern,
        }) => format!(
            "the service integration {service}:{action} ({}) is not available on this host",
            pattern.describe()
        ),
        Some(Resource::LambdaFunction { name, .. }) => {
            format!("function '{name}' is not available")
        }
    };
    Failure::new(names::RUNTIME, what)
}

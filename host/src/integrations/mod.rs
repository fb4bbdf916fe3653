//! Where a Task state's work goes: [`TaskResources`] reads the Resource ARN and runs the
//! function or service integration it names. One module per service.
//!
//! The same dispatcher serves guests' `call`s (request-response only), so a function reaches
//! exactly what a Task state could.

pub mod lambda;
pub mod resource;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub use resource::{Pattern, Resource};

use crate::executor::{Heartbeat, TaskFuture, TaskOutcome, TaskRunner};
use crate::interp::errors::names;
use crate::interp::{Failure, TaskRequest};
use crate::runtime::{CallFuture, GuestCall, GuestCalls, Runtime, TaskError};

/// Runs Task states' resources: Lambda functions (WebAssembly components) and service
/// integrations. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TaskResources {
    runtime: Arc<Runtime>,
}

impl TaskResources {
    /// Resources backed by this WebAssembly runtime's functions.
    pub fn new(runtime: Arc<Runtime>) -> Self {
        TaskResources { runtime }
    }

    async fn run_task(self, request: TaskRequest, heartbeat: Heartbeat) -> TaskOutcome {
        // A TimeoutSeconds too large for the clock is no deadline at all.
        let state_deadline = request
            .timeout_seconds
            .and_then(|s| Instant::now().checked_add(Duration::from_secs(s)));
        let call = lambda::Call {
            context: request.context.to_string(),
            state_deadline,
            heartbeat: Some(Box::new(move || heartbeat.beat())),
            calls: Arc::new(self.clone()),
            depth: 0,
        };
        let result = match Resource::parse(&request.resource) {
            Some(Resource::LambdaFunction { name, qualifier }) => {
                let function = lambda::FunctionRef { name, qualifier };
                lambda::invoke(&self.runtime, function, &request.input, call).await
            }
            Some(Resource::Service {
                service: "lambda",
                action: "invoke",
                pattern: Pattern::RequestResponse,
            }) => lambda::invoke_integration(self.runtime.clone(), &request.input, call).await,
            other => Err(unavailable(&request.resource, other.as_ref())),
        };
        match result {
            Ok(output) => TaskOutcome::Succeeded(output),
            Err(failure) => TaskOutcome::Failed(failure),
        }
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
                service: "lambda",
                action: "invoke",
                pattern: Pattern::RequestResponse,
            }) => {
                let nested = lambda::Call {
                    context: "{}".to_owned(),
                    state_deadline: Some(call.deadline),
                    heartbeat: None,
                    calls: Arc::new(self.clone()),
                    depth: call.depth,
                };
                lambda::invoke_integration(self.runtime.clone(), &parameters, nested).await
            }
            Some(Resource::Service {
                pattern: Pattern::RunJob | Pattern::WaitForTaskToken,
                ..
            }) => Err(Failure::new(
                names::RUNTIME,
                format!(
                    "a function can call only in the request-response pattern, and {} waits",
                    call.resource
                ),
            )),
            other => Err(unavailable(&call.resource, other.as_ref())),
        };
        result.map(|v| v.to_string()).map_err(to_task_error)
    }
}

impl TaskRunner for TaskResources {
    fn run(&self, request: TaskRequest, heartbeat: Heartbeat) -> TaskFuture {
        Box::pin(self.clone().run_task(request, heartbeat))
    }
}

impl GuestCalls for TaskResources {
    fn call(&self, call: GuestCall) -> CallFuture {
        Box::pin(self.clone().guest_call(call))
    }
}

/// The failure for a resource this host cannot run.
fn unavailable(arn: &str, resource: Option<&Resource<'_>>) -> Failure {
    let what = match resource {
        None => format!("'{arn}' is not a resource a Task can run"),
        Some(Resource::Activity { name }) => {
            format!("activity '{name}' cannot be scheduled: this host has no activity workers yet")
        }
        Some(Resource::Service {
            service,
            action,
            pattern,
        }) => {
            let pattern = match pattern {
                Pattern::RequestResponse => "",
                Pattern::RunJob => " (.sync)",
                Pattern::WaitForTaskToken => " (.waitForTaskToken)",
            };
            format!(
                "the service integration {service}:{action}{pattern} is not available on this host"
            )
        }
        Some(Resource::LambdaFunction { name, .. }) => {
            format!("function '{name}' is not available")
        }
    };
    Failure::new(names::RUNTIME, what)
}

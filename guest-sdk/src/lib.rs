//! Write Stepwise task functions in Rust.
//!
//! A task is one function and one macro line. The function takes the state's input as any
//! serde type and a [`Context`], and returns a serde result or a [`TaskError`]:
//!
//! ```no_run
//! use serde::{Deserialize, Serialize};
//! use stepwise_guest::{Context, TaskError};
//!
//! #[derive(Deserialize)]
//! struct Order {
//!     id: String,
//!     amount: f64,
//! }
//!
//! #[derive(Serialize)]
//! struct Receipt {
//!     id: String,
//!     approved: bool,
//! }
//!
//! fn handler(order: Order, ctx: &Context) -> Result<Receipt, TaskError> {
//!     if order.amount < 0.0 {
//!         return Err(TaskError::new("InvalidAmount", "an order cannot have a negative amount"));
//!     }
//!     ctx.log_info(&format!("order {} in execution {}", order.id, ctx.execution_name()));
//!     Ok(Receipt { id: order.id, approved: order.amount < 1000.0 })
//! }
//!
//! stepwise_guest::export_task!(handler);
//! ```
//!
//! # Building
//!
//! A task crate is a `cdylib` built for the `wasm32-wasip2` target, which makes a WebAssembly
//! component directly:
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! stepwise-guest = "0.1"
//! serde = { version = "1", features = ["derive"] }
//! ```
//!
//! ```sh
//! rustup target add wasm32-wasip2
//! cargo build --release --target wasm32-wasip2
//! # the component: target/wasm32-wasip2/release/<crate_name>.wasm
//! stepwise run machine.asl.json --function my-task=target/wasm32-wasip2/release/my_task.wasm
//! ```
//!
//! # What a task can do
//!
//! Each invocation runs in a fresh sandbox: no files, no sockets, no environment but the
//! variables in the function's configuration, a memory cap and a deadline. Through the
//! [`Context`] a task can send heartbeats, write to the host's log, ask how long it has left,
//! and call the service integrations its configuration allows.
//!
//! # Errors
//!
//! - An `Err(TaskError)` fails the state with that error name and cause; `Retry` and `Catch`
//!   match on the name.
//! - An input that does not deserialise into the handler's type fails with
//!   [`UNMARSHAL_ERROR`]; a result that cannot be serialised with [`MARSHAL_ERROR`].
//! - A panic ends the invocation; the host reports it as `Lambda.Unknown` with the panic
//!   message in the cause.
#![deny(missing_docs)]

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The bindings generated from the `stepwise:task` WIT package. Task authors do not need them;
/// they are public for [`export_task!`] and for authors who want the raw interface.
#[doc(hidden)]
#[allow(unsafe_code, missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "task",
        pub_export_macro: true,
        export_macro_name: "__export_task_world",
        default_bindings_module: "::stepwise_guest::bindings",
    });
}

use bindings::stepwise::task::host;

/// The error name when the input does not match the handler's input type.
pub const UNMARSHAL_ERROR: &str = "Runtime.UnmarshalError";
/// The error name when the handler's result cannot be turned into JSON.
pub const MARSHAL_ERROR: &str = "Runtime.MarshalError";

/// A failure the task reports on purpose: it becomes the Task state's error and cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The error name, matched by `ErrorEquals` in Retry and Catch.
    pub error: String,
    /// What went wrong, in words.
    pub cause: String,
}

impl TaskError {
    /// A task error with this name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskError {
            error: error.into(),
            cause: cause.into(),
        }
    }
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}

impl std::error::Error for TaskError {}

impl From<bindings::stepwise::task::types::TaskError> for TaskError {
    fn from(e: bindings::stepwise::task::types::TaskError) -> Self {
        TaskError {
            error: e.error,
            cause: e.cause,
        }
    }
}

/// How much a log line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Very detailed tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal progress.
    Info,
    /// Something unexpected that the task survived.
    Warn,
    /// Something failed.
    Error,
}

/// What the task knows about the state that runs it, and what it can ask of the host.
///
/// The context object is read only when a method asks for one of its fields: most tasks never
/// do, and every fresh instance would otherwise pay for parsing it.
#[derive(Debug, Clone, Default)]
pub struct Context {
    text: String,
    fields: std::cell::OnceCell<Fields>,
}

#[derive(Debug, Clone, Default)]
struct Fields {
    execution_id: String,
    execution_name: String,
    execution_start_time: String,
    state_machine_name: String,
    state_name: String,
    entered_time: String,
    retry_count: u32,
    task_token: Option<String>,
    raw: Value,
}

impl Context {
    /// Takes the context object the host passes (the state's `$$` as JSON text). Missing
    /// fields read as empty rather than failing: the context is informative, never the task's
    /// input.
    pub fn from_json(text: &str) -> Context {
        Context {
            text: text.to_owned(),
            fields: std::cell::OnceCell::new(),
        }
    }

    fn fields(&self) -> &Fields {
        self.fields.get_or_init(|| {
            let raw: Value = serde_json::from_str(&self.text).unwrap_or(Value::Null);
            let field = |object: &str, name: &str| raw.get(object).and_then(|o| o.get(name));
            let text = |object: &str, name: &str| {
                field(object, name)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Fields {
                execution_id: text("Execution", "Id"),
                execution_name: text("Execution", "Name"),
                execution_start_time: text("Execution", "StartTime"),
                state_machine_name: text("StateMachine", "Name"),
                state_name: text("State", "Name"),
                entered_time: text("State", "EnteredTime"),
                retry_count: field("State", "RetryCount")
                    .and_then(Value::as_u64)
                    .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
                task_token: field("Task", "Token")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                raw,
            }
        })
    }

    /// The execution's ARN.
    pub fn execution_id(&self) -> &str {
        &self.fields().execution_id
    }

    /// The execution's name.
    pub fn execution_name(&self) -> &str {
        &self.fields().execution_name
    }

    /// When the execution started (ISO 8601).
    pub fn execution_start_time(&self) -> &str {
        &self.fields().execution_start_time
    }

    /// The state machine's name.
    pub fn state_machine_name(&self) -> &str {
        &self.fields().state_machine_name
    }

    /// The name of the Task state running this task.
    pub fn state_name(&self) -> &str {
        &self.fields().state_name
    }

    /// When the state was entered (ISO 8601).
    pub fn entered_time(&self) -> &str {
        &self.fields().entered_time
    }

    /// How many times the state has been retried before this attempt (0 on the first).
    pub fn retry_count(&self) -> u32 {
        self.fields().retry_count
    }

    /// The task token, when the state waits for one (`.waitForTaskToken`).
    pub fn task_token(&self) -> Option<&str> {
        self.fields().task_token.as_deref()
    }

    /// The whole context object, for fields this type does not name.
    pub fn raw(&self) -> &Value {
        &self.fields().raw
    }

    /// Time left before the host stops this invocation.
    pub fn remaining(&self) -> Duration {
        Duration::from_millis(host::remaining_millis())
    }

    /// Tells the host the task is alive (restarts the state's HeartbeatSeconds clock).
    pub fn heartbeat(&self) {
        host::heartbeat();
    }

    /// Writes a line to the host's log.
    pub fn log(&self, level: Level, message: &str) {
        let level = match level {
            Level::Trace => host::Level::Trace,
            Level::Debug => host::Level::Debug,
            Level::Info => host::Level::Info,
            Level::Warn => host::Level::Warn,
            Level::Error => host::Level::Error,
        };
        host::log(level, message);
    }

    /// Writes an informational line to the host's log.
    pub fn log_info(&self, message: &str) {
        self.log(Level::Info, message);
    }

    /// Calls a service integration (request-response), as a Task state with this `resource`
    /// and these parameters would, and returns its result. The function's configuration must
    /// allow the resource.
    pub fn call<P: Serialize, R: DeserializeOwned>(
        &self,
        resource: &str,
        parameters: &P,
    ) -> Result<R, TaskError> {
        let parameters = serde_json::to_string(parameters)
            .map_err(|e| TaskError::new(MARSHAL_ERROR, format!("the parameters: {e}")))?;
        let result = host::call(resource, &parameters).map_err(TaskError::from)?;
        serde_json::from_str(&result).map_err(|e| {
            TaskError::new(
                UNMARSHAL_ERROR,
                format!("the result of calling {resource}: {e}"),
            )
        })
    }
}

/// Runs a handler on the raw strings the host passes; what [`export_task!`] expands to.
#[doc(hidden)]
pub fn run_handler<In, Out>(
    input: &str,
    context: &str,
    handler: impl FnOnce(In, &Context) -> Result<Out, TaskError>,
) -> Result<String, bindings::stepwise::task::types::TaskError>
where
    In: DeserializeOwned,
    Out: Serialize,
{
    let wire = |e: TaskError| bindings::stepwise::task::types::TaskError {
        error: e.error,
        cause: e.cause,
    };
    let input: In = serde_json::from_str(input).map_err(|e| {
        wire(TaskError::new(
            UNMARSHAL_ERROR,
            format!("the input does not match the handler's input type: {e}"),
        ))
    })?;
    let ctx = Context::from_json(context);
    let output = handler(input, &ctx).map_err(wire)?;
    serde_json::to_string(&output).map_err(|e| {
        wire(TaskError::new(
            MARSHAL_ERROR,
            format!("the handler's result cannot be written as JSON: {e}"),
        ))
    })
}

/// Exports a handler function as this component's task.
///
/// The function must have the shape
/// `fn(input: In, ctx: &Context) -> Result<Out, TaskError>` where `In: Deserialize` and
/// `Out: Serialize`. Use it once per crate.
#[macro_export]
macro_rules! export_task {
    ($handler:path) => {
        #[doc(hidden)]
        struct __StepwiseTask;

        impl $crate::bindings::exports::stepwise::task::handler::Guest for __StepwiseTask {
            fn handle(
                input: ::std::string::String,
                context: ::std::string::String,
            ) -> ::std::result::Result<
                ::std::string::String,
                $crate::bindings::stepwise::task::types::TaskError,
            > {
                $crate::run_handler(&input, &context, $handler)
            }
        }

        $crate::bindings::__export_task_world!(__StepwiseTask with_types_in $crate::bindings);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_reads_the_fields_it_names() {
        let ctx = Context::from_json(
            r#"{"Execution": {"Id": "arn:x", "Name": "run-1", "StartTime": "2026-01-01T00:00:00Z"},
                "StateMachine": {"Name": "m"},
                "State": {"Name": "Charge", "EnteredTime": "2026-01-01T00:00:01Z", "RetryCount": 2},
                "Task": {"Token": "tok"}}"#,
        );
        assert_eq!(ctx.execution_id(), "arn:x");
        assert_eq!(ctx.execution_name(), "run-1");
        assert_eq!(ctx.state_machine_name(), "m");
        assert_eq!(ctx.state_name(), "Charge");
        assert_eq!(ctx.entered_time(), "2026-01-01T00:00:01Z");
        assert_eq!(ctx.retry_count(), 2);
        assert_eq!(ctx.task_token(), Some("tok"));
    }

    #[test]
    fn a_context_that_is_not_json_reads_as_empty() {
        let ctx = Context::from_json("nope");
        assert_eq!(ctx.state_name(), "");
        assert_eq!(ctx.task_token(), None);
    }

    #[derive(serde::Deserialize)]
    struct In {
        n: u32,
    }

    fn double(input: In, _: &Context) -> Result<u32, TaskError> {
        Ok(input.n * 2)
    }

    #[test]
    fn run_handler_round_trips_json() {
        assert_eq!(run_handler("{\"n\": 21}", "{}", double).unwrap(), "42");
    }

    #[test]
    fn an_input_of_the_wrong_shape_is_a_task_error() {
        let e = run_handler("{\"m\": 1}", "{}", double).unwrap_err();
        assert_eq!(e.error, UNMARSHAL_ERROR);
        assert!(e.cause.contains("missing field `n`"), "{}", e.cause);
    }

    #[test]
    fn a_handler_error_passes_through() {
        let e = run_handler("{\"n\": 1}", "{}", |_: In, _: &Context| -> Result<u32, _> {
            Err(TaskError::new("Nope", "said no"))
        })
        .unwrap_err();
        assert_eq!((e.error.as_str(), e.cause.as_str()), ("Nope", "said no"));
    }
}

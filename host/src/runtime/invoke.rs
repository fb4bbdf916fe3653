//! One invocation: a fresh store from the pool, its limits and deadline, the call, and what
//! became of it in Lambda's terms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{PoolConcurrencyLimitError, Store, Trap, UpdateDeadline};

use super::sandbox::{Sandbox, truncate};
use super::{Function, GuestCalls, HeartbeatFn, Runtime, TaskError};

/// A result over this size is refused, as Step Functions refuses any payload over 256 KiB.
pub const MAX_RESULT_BYTES: usize = 256 * 1024;

/// AWS caps an error's cause at 32,768 characters.
const MAX_CAUSE_BYTES: usize = 32 * 1024;

/// What to run a function with.
pub struct Invocation<'a> {
    input: &'a str,
    context: &'a str,
    state_deadline: Option<Instant>,
    heartbeat: Option<HeartbeatFn>,
    calls: Option<Arc<dyn GuestCalls>>,
    depth: u32,
}

impl<'a> Invocation<'a> {
    /// An invocation with this input and context object, both JSON text.
    pub fn new(input: &'a str, context: &'a str) -> Self {
        Invocation {
            input,
            context,
            state_deadline: None,
            heartbeat: None,
            calls: None,
            depth: 0,
        }
    }

    /// The Task state's own deadline (TimeoutSeconds), which the guest sees in
    /// `remaining-millis`.
    pub fn state_deadline(mut self, deadline: Option<Instant>) -> Self {
        self.state_deadline = deadline;
        self
    }

    /// What to do when the guest heartbeats.
    pub fn on_heartbeat(mut self, heartbeat: HeartbeatFn) -> Self {
        self.heartbeat = Some(heartbeat);
        self
    }

    /// Where the guest's `call`s go, and how deep in a chain of calls this invocation is.
    pub fn calls(mut self, calls: Arc<dyn GuestCalls>, depth: u32) -> Self {
        self.calls = Some(calls);
        self.depth = depth;
        self
    }
}

/// How an invocation failed, named as Lambda names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The guest returned an error.
    #[error("{}: {}", .0.error, .0.cause)]
    Failed(TaskError),
    /// It ran past the function's timeout.
    #[error("Task timed out after {seconds}.00 seconds")]
    TimedOut {
        /// The function's timeout.
        seconds: u32,
        /// What it wrote before it was stopped.
        output: String,
    },
    /// It needed more memory than the function may use.
    #[error("the function ran out of memory: it needed more than its {memory_mb} MB")]
    OutOfMemory {
        /// The function's memory setting.
        memory_mb: u32,
        /// What it wrote (Rust guests say which allocation failed).
        output: String,
    },
    /// It trapped: a panic, a stack overflow, an invalid operation.
    #[error("{message}")]
    Trapped {
        /// The trap.
        message: String,
        /// What it wrote (a panic's message is on stderr).
        output: String,
    },
    /// Its result was over [`MAX_RESULT_BYTES`].
    #[error(
        "the function returned {bytes} bytes, more than the {MAX_RESULT_BYTES} bytes a result may have"
    )]
    ResultTooLarge {
        /// The result's size.
        bytes: usize,
    },
    /// Every sandbox slot is busy.
    #[error("too many invocations are running at once: {0}")]
    Throttled(String),
}

impl InvokeError {
    /// The error name a Task state sees: Retry and Catch match on it.
    pub fn error_name(&self) -> &str {
        match self {
            InvokeError::Failed(e) => &e.error,
            InvokeError::TimedOut { .. } => "Sandbox.Timedout",
            InvokeError::OutOfMemory { .. } => "Runtime.OutOfMemory",
            InvokeError::Trapped { .. } => "Lambda.Unknown",
            InvokeError::ResultTooLarge { .. } => "States.DataLimitExceeded",
            InvokeError::Throttled(_) => "Lambda.TooManyRequestsException",
        }
    }

    /// The cause a Task state sees: the guest's own for an error it returned; otherwise what
    /// happened, followed by what the guest wrote to stdout and stderr.
    pub fn cause(&self) -> String {
        let mut cause = match self {
            InvokeError::Failed(e) => e.cause.clone(),
            InvokeError::TimedOut { output, .. }
            | InvokeError::OutOfMemory { output, .. }
            | InvokeError::Trapped { output, .. } => format!("{self}{output}"),
            InvokeError::ResultTooLarge { .. } | InvokeError::Throttled(_) => self.to_string(),
        };
        cause.truncate(truncate(&cause, MAX_CAUSE_BYTES).len());
        cause
    }
}

/// Which step failed.
enum Stage {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

impl Runtime {
    /// Runs `function` once in a fresh sandbox.
    pub async fn invoke(
        &self,
        function: &Function,
        invocation: Invocation<'_>,
    ) -> Result<String, InvokeError> {
        let timeout = Duration::from_secs(u64::from(function.config.timeout_seconds));
        let mut sandbox = Sandbox::new(
            function.name.clone(),
            function.config.clone(),
            Instant::now() + timeout,
            invocation.state_deadline,
        );
        sandbox.heartbeat = invocation.heartbeat;
        sandbox.calls = invocation.calls;
        sandbox.depth = invocation.depth;

        let mut store = Store::new(&self.engine, sandbox);
        store.limiter(|s| &mut s.limiter);
        // Checked at every epoch tick: past the deadline the guest traps; before it, it yields
        // so the executor can run other work, or drop this invocation (a state timeout, a
        // Stop), which stops the guest at once.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut ctx| {
            let sandbox = ctx.data_mut();
            if Instant::now() >= sandbox.deadline {
                sandbox.timed_out = true;
                return Ok(UpdateDeadline::Interrupt);
            }
            Ok(UpdateDeadline::Yield(1))
        });

        let (input, context) = (invocation.input, invocation.context);
        // Boxed: wasmtime's futures are large, and an unboxed one is copied at every move.
        let run = Box::pin(async {
            let began = Instant::now();
            let task = function
                .pre
                .instantiate_async(&mut store)
                .await
                .map_err(Stage::Instantiate)?;
            crate::metrics::instantiated(began.elapsed());
            task.stepwise_task_handler()
                .call_handle(&mut store, input, context)
                .await
                .map_err(Stage::Call)
        });
        // The epoch check stops a guest that computes; this stops one that waits in a host
        // call (sleeping, say), where no epoch check runs.
        let outcome = tokio::time::timeout(timeout, run).await;

        let sandbox = store.data();
        log_output(sandbox);
        let output = || written(sandbox);
        let seconds = function.config.timeout_seconds;
        match outcome {
            Err(_elapsed) => Err(InvokeError::TimedOut {
                seconds,
                output: output(),
            }),
            Ok(Err(stage)) => {
                let (e, message) = match stage {
                    Stage::Instantiate(e) => {
                        let message = format!("the component could not start: {e}");
                        (e, message)
                    }
                    Stage::Call(e) => {
                        let message = trap_message(&e);
                        (e, message)
                    }
                };
                Err(if e.is::<PoolConcurrencyLimitError>() {
                    InvokeError::Throttled(e.to_string())
                } else if sandbox.timed_out {
                    InvokeError::TimedOut {
                        seconds,
                        output: output(),
                    }
                } else if sandbox.limiter.memory_refused {
                    InvokeError::OutOfMemory {
                        memory_mb: function.config.memory_mb,
                        output: output(),
                    }
                } else {
                    InvokeError::Trapped {
                        message,
                        output: output(),
                    }
                })
            }
            // An interpreter told it has no more memory raises an error of its own (Python's
            // MemoryError, JavaScript's "out of memory"); the function ran out of memory all
            // the same, and Lambda reports that as Runtime.OutOfMemory in every language.
            Ok(Ok(Err(e))) if sandbox.limiter.memory_refused => Err(InvokeError::OutOfMemory {
                memory_mb: function.config.memory_mb,
                output: format!(
                    "\nthe task then failed with {}: {}{}",
                    e.error,
                    e.cause,
                    output()
                ),
            }),
            Ok(Ok(Err(e))) => Err(InvokeError::Failed(TaskError::new(e.error, e.cause))),
            Ok(Ok(Ok(result))) if result.len() > MAX_RESULT_BYTES => {
                Err(InvokeError::ResultTooLarge {
                    bytes: result.len(),
                })
            }
            Ok(Ok(Ok(result))) => Ok(result),
        }
    }
}

fn trap_message(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("the function failed: {e}"),
    }
}

/// What the guest wrote, for a cause: empty when it wrote nothing.
fn written(sandbox: &Sandbox) -> String {
    let mut text = String::new();
    for (name, stream) in [("stdout", &sandbox.stdout), ("stderr", &sandbox.stderr)] {
        let captured = stream.text();
        if !captured.is_empty() {
            text.push_str(&format!("\n{name}:\n{}", captured.trim_end()));
        }
    }
    text
}

/// Lambda sends a function's output to its logs; here that is the host's log.
fn log_output(sandbox: &Sandbox) {
    for (stream, captured) in [("stdout", &sandbox.stdout), ("stderr", &sandbox.stderr)] {
        let text = captured.text();
        if !text.is_empty() {
            tracing::info!(target: "stepwise::guest", function = &*sandbox.function, stream, "{}", text.trim_end());
        }
    }
}

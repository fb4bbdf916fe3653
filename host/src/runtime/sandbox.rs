//! What one invocation's store holds — its WASI context (no files, sockets or inherited
//! environment), its memory limiter, its captured stdout and stderr, its deadlines — and the
//! host functions of the `stepwise:task/host` interface.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::stepwise::task::{host, types};
use super::function::FunctionConfig;
use super::{GuestCall, GuestCalls, HeartbeatFn, TaskError};

/// stdout and stderr each keep this much of what the guest writes (the start, where the first
/// error usually is); the rest is counted and dropped, never an error to the guest.
pub const CAPTURE_BYTES: usize = 16 * 1024;

/// A log line from the guest is cut to this length.
const MAX_LOG_LINE: usize = 8 * 1024;

/// How deep guests may call functions that call functions. Lambda stops recursive loops
/// (RecursiveInvocationException) the same way.
pub const MAX_CALL_DEPTH: u32 = 16;

/// The store's data for one invocation.
pub struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) limiter: Limiter,
    pub(super) stdout: CapturedOutput,
    pub(super) stderr: CapturedOutput,
    pub(super) function: Arc<str>,
    pub(super) config: Arc<FunctionConfig>,
    /// When the function's own timeout expires.
    pub(super) deadline: Instant,
    /// When the Task state's TimeoutSeconds expires, if sooner: only reported to the guest;
    /// the executor enforces it by dropping the invocation.
    pub(super) state_deadline: Option<Instant>,
    pub(super) heartbeat: Option<HeartbeatFn>,
    pub(super) calls: Option<Arc<dyn GuestCalls>>,
    pub(super) depth: u32,
    /// Set when the epoch callback stopped the guest at its deadline.
    pub(super) timed_out: bool,
}

impl Sandbox {
    /// A sandbox for one invocation of `function`.
    pub(super) fn new(
        function: Arc<str>,
        config: Arc<FunctionConfig>,
        deadline: Instant,
        state_deadline: Option<Instant>,
    ) -> Sandbox {
        let stdout = CapturedOutput::default();
        let stderr = CapturedOutput::default();
        let mut wasi = WasiCtxBuilder::new();
        // No preopened directories, no inherited environment or arguments: only what the
        // function's configuration gives, and Lambda's own variables.
        wasi.stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .env("AWS_LAMBDA_FUNCTION_NAME", &*function)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                config.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        for (name, value) in &config.environment {
            wasi.env(name, value);
        }
        Sandbox {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: Limiter::new(config.memory_bytes()),
            stdout,
            stderr,
            function,
            config,
            deadline,
            state_deadline,
            heartbeat: None,
            calls: None,
            depth: 0,
            timed_out: false,
        }
    }

    /// The sooner of the two deadlines.
    pub(super) fn effective_deadline(&self) -> Instant {
        self.state_deadline
            .map_or(self.deadline, |s| s.min(self.deadline))
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for Sandbox {}

impl host::Host for Sandbox {
    fn heartbeat(&mut self) {
        if let Some(beat) = &self.heartbeat {
            beat();
        }
    }

    fn log(&mut self, level: host::Level, message: String) {
        let message = truncate(&message, MAX_LOG_LINE);
        let function = &*self.function;
        match level {
            host::Level::Trace => tracing::trace!(target: "stepwise::guest", function, "{message}"),
            host::Level::Debug => tracing::debug!(target: "stepwise::guest", function, "{message}"),
            host::Level::Info => tracing::info!(target: "stepwise::guest", function, "{message}"),
            host::Level::Warn => tracing::warn!(target: "stepwise::guest", function, "{message}"),
            host::Level::Error => tracing::error!(target: "stepwise::guest", function, "{message}"),
        }
    }

    fn remaining_millis(&mut self) -> u64 {
        let left = self
            .effective_deadline()
            .saturating_duration_since(Instant::now());
        u64::try_from(left.as_millis()).unwrap_or(u64::MAX)
    }

    async fn call(
        &mut self,
        resource: String,
        parameters: String,
    ) -> Result<String, types::TaskError> {
        let wire = |e: TaskError| types::TaskError {
            error: e.error,
            cause: e.cause,
        };
        if !self.config.allows_call(&resource) {
            return Err(wire(TaskError::new(
                "AccessDeniedException",
                format!(
                    "function '{}' is not allowed to call {resource}: add it to the function's allowed calls",
                    self.function
                ),
            )));
        }
        if self.depth >= MAX_CALL_DEPTH {
            return Err(wire(TaskError::new(
                "RecursiveInvocationException",
                format!(
                    "function '{}' is {} calls deep; calls stop at {MAX_CALL_DEPTH} to end loops of functions calling each other",
                    self.function, self.depth
                ),
            )));
        }
        let Some(calls) = self.calls.clone() else {
            return Err(wire(TaskError::new(
                "States.Runtime",
                format!("no service integrations are available to reach {resource}"),
            )));
        };
        let call = GuestCall {
            caller: self.function.to_string(),
            resource,
            parameters,
            depth: self.depth + 1,
            deadline: self.effective_deadline(),
        };
        calls.call(call).await.map_err(wire)
    }
}

/// The longest prefix of `s` no longer than `max` bytes that ends on a character boundary.
pub(super) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// [`StoreLimits`] that also remembers whether it refused to grow a memory, which is how an
/// out-of-memory trap is told apart from any other.
pub struct Limiter {
    limits: StoreLimits,
    pub(super) memory_refused: bool,
}

impl Limiter {
    fn new(memory_bytes: usize) -> Limiter {
        Limiter {
            limits: StoreLimitsBuilder::new().memory_size(memory_bytes).build(),
            memory_refused: false,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.memory_refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

/// A guest's stdout or stderr: keeps the first [`CAPTURE_BYTES`] and counts the rest.
#[derive(Clone, Default)]
pub struct CapturedOutput(Arc<Mutex<Captured>>);

#[derive(Default)]
struct Captured {
    bytes: Vec<u8>,
    dropped: usize,
}

impl CapturedOutput {
    fn push(&self, data: &[u8]) {
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let room = CAPTURE_BYTES.saturating_sub(c.bytes.len());
        let kept = data.len().min(room);
        c.bytes.extend_from_slice(&data[..kept]);
        c.dropped += data.len() - kept;
    }

    /// What was captured, as text, with a note of how much was dropped.
    pub fn text(&self) -> String {
        let c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = String::from_utf8_lossy(&c.bytes).into_owned();
        if c.dropped > 0 {
            text.push_str(&format!("\n[{} more bytes not kept]", c.dropped));
        }
        text
    }
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

impl OutputStream for CapturedOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        // Always ready: what does not fit is dropped, so the guest never blocks on its logs.
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CapturedOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for CapturedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests;

//! Traces over OTLP (`serve --otlp-endpoint URL`; off by default): one trace per execution,
//! with a span for each stretch of time a host drives it, one for each state it went through and
//! one for each task it ran.
//!
//! Owns: the process's tracer (set once at start, like the metrics registry) and the mapping
//! from an execution's history to spans. It must not change what an execution does: with no
//! endpoint every function here is one atomic load.
//!
//! A Standard execution can wait for days and move between drivers (parked, resumed after a
//! restart), so no span can stay open across its life. Its trace id is derived from its ARN,
//! so every driver that runs it adds to the same trace (each stretch's parent is the execution
//! as a remote span, also derived from the ARN, which no host exports); a state's span is made when its
//! `...StateExited` event is recorded, from the times of that event and its `...StateEntered`,
//! so it is right even when the state waited while nobody drove the execution.

use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status as SpanStatus, TraceContextExt, TraceFlags,
    TraceId, TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider, Span,
};

use crate::history::{EventDetails, HistoryEvent};
use crate::interp::{Execution, TaskRequest};
use crate::store::ExecutionStatus;

static TRACER: OnceLock<SdkTracer> = OnceLock::new();

/// How often finished spans are sent: soon enough to watch a run, seldom enough to batch.
const EXPORT_DELAY: Duration = Duration::from_millis(500);

/// Why tracing could not start.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// The endpoint is not an http:// or https:// URL.
    #[error("'{0}' is not an OTLP/HTTP endpoint: give its base URL, e.g. http://127.0.0.1:4318")]
    BadEndpoint(String),
    /// The exporter could not be built.
    #[error("cannot set up the OTLP exporter: {0}")]
    Exporter(String),
    /// Tracing was already started in this process.
    #[error("tracing is already started")]
    AlreadyStarted,
}

/// The running exporter; [`Exporter::shutdown`] sends what is left.
pub struct Exporter {
    provider: SdkTracerProvider,
}

impl Exporter {
    /// Sends the spans not sent yet and stops exporting.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!(error = %e, "the last spans could not be exported");
        }
    }
}

/// The traces URL of a collector: `endpoint` is its base (as `OTEL_EXPORTER_OTLP_ENDPOINT`),
/// or already the full `/v1/traces` URL.
pub fn traces_url(endpoint: &str) -> Result<String, OtlpError> {
    let base = endpoint.trim_end_matches('/');
    let uri: http::Uri = base
        .parse()
        .map_err(|_| OtlpError::BadEndpoint(endpoint.to_owned()))?;
    let web = matches!(uri.scheme_str(), Some("http" | "https"));
    if !web || uri.authority().is_none() {
        return Err(OtlpError::BadEndpoint(endpoint.to_owned()));
    }
    Ok(if base.ends_with("/v1/traces") {
        base.to_owned()
    } else {
        format!("{base}/v1/traces")
    })
}

/// Starts exporting to the collector at `endpoint` (OTLP over HTTP, protobuf). Call within the
/// tokio runtime that should carry the exports.
pub fn start(endpoint: &str) -> Result<Exporter, OtlpError> {
    let url = traces_url(endpoint)?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(client::Client::new(tokio::runtime::Handle::current()))
        .with_endpoint(url)
        .with_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| OtlpError::Exporter(e.to_string()))?;
    // The SDK's defaults give way to OpenTelemetry's `OTEL_BSP_*` variables; the export delay
    // is ours unless `OTEL_BSP_SCHEDULE_DELAY` says otherwise.
    let mut batch = BatchConfigBuilder::default();
    if std::env::var_os("OTEL_BSP_SCHEDULE_DELAY").is_none() {
        batch = batch.with_scheduled_delay(EXPORT_DELAY);
    }
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(batch.build())
        .build();
    let resource = opentelemetry_sdk::Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", "stepwise"),
            KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
        ])
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build();
    TRACER
        .set(provider.tracer("stepwise"))
        .map_err(|_| OtlpError::AlreadyStarted)?;
    Ok(Exporter { provider })
}

fn tracer() -> Option<&'static SdkTracer> {
    TRACER.get()
}

fn time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

/// An execution's trace id, and the span id standing for the execution itself (the parent of
/// its stretches): the same on every host and after every restart, both from one digest of
/// its ARN.
fn execution_ids(arn: &str) -> (TraceId, SpanId) {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(arn.as_bytes());
    let mut trace = [0u8; 16];
    trace.copy_from_slice(&digest[..16]);
    let mut span = [0u8; 8];
    span.copy_from_slice(&digest[16..24]);
    (TraceId::from_bytes(trace), SpanId::from_bytes(span))
}

/// The spans of one driver's stretch of an execution.
pub struct ExecutionTrace {
    cx: Context,
    /// States entered and not exited yet, by name: their Entered times, oldest first.
    open: HashMap<std::sync::Arc<str>, VecDeque<(i64, &'static str)>>,
}

impl ExecutionTrace {
    /// Begins the stretch of `exec` (new, or rebuilt from its steps); `None` when tracing is
    /// off.
    pub fn begin(exec: &Execution, resumed: bool) -> Option<ExecutionTrace> {
        let tracer = tracer()?;
        let arn = exec.info.id.as_str();
        let machine = exec.info.state_machine_id.as_str();
        // Each stretch hangs under the execution as a remote parent (ids derived from its
        // ARN): that is what puts them in one trace.
        let (trace_id, root_span_id) = execution_ids(arn);
        let parent = Context::new().with_remote_span_context(SpanContext::new(
            trace_id,
            root_span_id,
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        ));
        let span = tracer
            .span_builder("execution")
            .with_kind(SpanKind::Internal)
            .with_attributes([
                KeyValue::new("stepwise.execution_arn", arn.to_owned()),
                KeyValue::new("stepwise.state_machine_arn", machine.to_owned()),
                KeyValue::new("stepwise.resumed", resumed),
            ])
            .start_with_context(tracer, &parent);
        // States entered in an earlier stretch end in this one.
        let mut open: HashMap<_, VecDeque<_>> = HashMap::new();
        for (name, kind, entered) in exec.states_in_progress() {
            open.entry(name).or_default().push_back((entered, kind));
        }
        Some(ExecutionTrace {
            cx: Context::current_with_span(span),
            open,
        })
    }

    /// Makes the spans of the states these events end.
    pub fn observe(&mut self, events: &[HistoryEvent]) {
        let Some(tracer) = tracer() else {
            return;
        };
        for event in events {
            match &event.details {
                EventDetails::StateEntered {
                    name, state_type, ..
                } => self
                    .open
                    .entry(name.clone())
                    .or_default()
                    .push_back((event.timestamp_ms, *state_type)),
                EventDetails::StateExited { name, .. } => {
                    if let Some((entered, kind)) =
                        self.open.get_mut(&**name).and_then(VecDeque::pop_front)
                    {
                        self.state_span(tracer, name, kind, entered, event.timestamp_ms, None);
                    }
                }
                _ => {}
            }
        }
    }

    fn state_span(
        &self,
        tracer: &SdkTracer,
        name: &str,
        kind: &str,
        entered_ms: i64,
        exited_ms: i64,
        error: Option<String>,
    ) {
        let mut span = tracer
            .span_builder(format!("state {name}"))
            .with_kind(SpanKind::Internal)
            .with_start_time(time(entered_ms))
            .with_attributes([
                KeyValue::new("stepwise.state", name.to_owned()),
                KeyValue::new("stepwise.state_type", kind.to_owned()),
            ])
            .start_with_context(tracer, &self.cx);
        if let Some(error) = error {
            span.set_status(SpanStatus::error(error));
        }
        span.end_with_timestamp(time(exited_ms));
    }

    /// A span for a task, ended when the returned value is (or dropped, if it is cancelled).
    pub fn task(&self, request: &TaskRequest) -> Option<TaskSpan> {
        let tracer = tracer()?;
        let state = request
            .context
            .pointer("/State/Name")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let span = tracer
            .span_builder(format!("task {state}"))
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("stepwise.state", state),
                KeyValue::new("stepwise.resource", request.resource.to_string()),
            ])
            .start_with_context(tracer, &self.cx);
        Some(TaskSpan(span))
    }

    /// Ends the stretch: `how` says why the driver let go (`finished`, `parked`, ...), `status`
    /// is the execution's as its record has it, `error` the error it ended with. States still
    /// open when the execution ended are closed at `now_ms` with its error.
    pub fn end(
        mut self,
        how: &'static str,
        status: ExecutionStatus,
        error: Option<&str>,
        now_ms: i64,
    ) {
        let span = self.cx.span();
        span.set_attribute(KeyValue::new("stepwise.driver_ended", how));
        if status == ExecutionStatus::Running {
            span.end();
            return;
        }
        span.set_attribute(KeyValue::new("stepwise.status", status.as_str()));
        if status != ExecutionStatus::Succeeded {
            let error = error.unwrap_or(status.as_str()).to_owned();
            span.set_status(SpanStatus::error(error.clone()));
            if let Some(tracer) = tracer() {
                for (name, open) in std::mem::take(&mut self.open) {
                    for (entered, kind) in open {
                        self.state_span(tracer, &name, kind, entered, now_ms, Some(error.clone()));
                    }
                }
            }
        }
        span.end();
    }
}

/// A running task's span.
pub struct TaskSpan(Span);

impl TaskSpan {
    /// The task ended, its work ending as `outcome` says (`succeeded`, `failed`, ...).
    pub fn end(mut self, outcome: &'static str) {
        self.0
            .set_attribute(KeyValue::new("stepwise.outcome", outcome));
        if outcome == "failed" {
            self.0.set_status(SpanStatus::error("the task failed"));
        }
        self.0.end();
    }
}

/// The HTTP client the exporter sends with: the host's hyper client, on the host's runtime.
mod client {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full, Limited};
    use hyper_util::client::legacy::Client as Hyper;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use opentelemetry_http::{HttpClient, HttpError, Request, Response};

    /// A collector answers an export with a small message; more is not read.
    const MAX_RESPONSE_BYTES: usize = 1 << 20;

    #[derive(Debug, Clone)]
    pub struct Client {
        runtime: tokio::runtime::Handle,
        hyper: Hyper<HttpConnector, Full<Bytes>>,
    }

    impl Client {
        pub fn new(runtime: tokio::runtime::Handle) -> Self {
            Client {
                runtime,
                hyper: Hyper::builder(TokioExecutor::new()).build_http(),
            }
        }
    }

    // The SDK's batch processor exports from a thread of its own, outside any tokio runtime:
    // the request is run on the host's runtime and awaited from there.
    #[async_trait::async_trait]
    impl HttpClient for Client {
        async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
            let hyper = self.hyper.clone();
            let request = request.map(Full::new);
            self.runtime
                .spawn(async move {
                    let response = hyper.request(request).await?;
                    let (parts, body) = response.into_parts();
                    let body = Limited::new(body, MAX_RESPONSE_BYTES)
                        .collect()
                        .await?
                        .to_bytes();
                    Ok::<_, HttpError>(Response::from_parts(parts, body))
                })
                .await?
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_url_is_the_base_with_the_signal_path() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318").unwrap(),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url("https://collector:4318/").unwrap(),
            "https://collector:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://c:4318/v1/traces").unwrap(),
            "http://c:4318/v1/traces"
        );
        assert_eq!(traces_url("http://c").unwrap(), "http://c/v1/traces");
        for bad in ["collector:4317", "http://", "ftp://c:4318", "http://c d"] {
            assert!(
                matches!(traces_url(bad), Err(OtlpError::BadEndpoint(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_executions_trace_id_is_the_same_wherever_it_is_driven() {
        let a = execution_ids("arn:aws:states:us-east-1:123456789012:execution:m:e1");
        assert_eq!(
            a,
            execution_ids("arn:aws:states:us-east-1:123456789012:execution:m:e1")
        );
        let b = execution_ids("arn:aws:states:us-east-1:123456789012:execution:m:e2");
        assert_ne!(a.0, b.0);
        assert_ne!(a.1, b.1);
    }
}

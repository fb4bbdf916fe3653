//! The host's metrics, served in Prometheus's text format at `GET /metrics`: executions
//! started and ended, state transitions, task invocations and their latency, WebAssembly
//! instantiation time, the store's commit latency and batch sizes, and (read when scraped)
//! parked executions and the depths of activity and SQS queues.
//!
//! One registry for the process, like the log: the components note what happens through the
//! functions here, each a few atomic operations, and nothing else of theirs changes.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MachineLabels {
    machine: String,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndLabels {
    machine: String,
    kind: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    /// The resource's type: `lambda`, `activity`, `sqs`, `aws-sdk:dynamodb`, ...
    resource: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    name: String,
}

struct Metrics {
    registry: Registry,
    started: Family<MachineLabels, Counter>,
    ended: Family<EndLabels, Counter>,
    transitions: Counter,
    tasks: Family<TaskLabels, Histogram>,
    instantiation: Histogram,
    commit_seconds: Histogram,
    commit_batches: Histogram,
    parked: Gauge,
    activity_depth: Family<QueueLabels, Gauge>,
    sqs_depth: Family<QueueLabels, Gauge>,
}

/// Seconds from 50 µs to about 100 s.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 4.0, 11))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("stepwise");
    let started = Family::<MachineLabels, Counter>::default();
    registry.register(
        "executions_started",
        "Executions started, by machine and type",
        started.clone(),
    );
    let ended = Family::<EndLabels, Counter>::default();
    registry.register(
        "executions_ended",
        "Executions ended, by machine, type and status",
        ended.clone(),
    );
    let transitions = Counter::default();
    registry.register(
        "state_transitions",
        "States entered, in every execution",
        transitions.clone(),
    );
    let tasks = Family::<TaskLabels, Histogram>::new_with_constructor(latency as fn() -> _);
    registry.register(
        "task_seconds",
        "Task invocations and how long each took, by resource type and outcome",
        tasks.clone(),
    );
    let instantiation = latency();
    registry.register(
        "wasm_instantiation_seconds",
        "Time to instantiate a function's component for one invocation",
        instantiation.clone(),
    );
    let commit_seconds = latency();
    registry.register(
        "store_commit_seconds",
        "Time of one commit of the store (one transaction, synced)",
        commit_seconds.clone(),
    );
    let commit_batches = Histogram::new(exponential_buckets(1.0, 2.0, 10));
    registry.register(
        "store_commit_batches",
        "Batches of writes folded into one commit",
        commit_batches.clone(),
    );
    let parked = Gauge::default();
    registry.register(
        "parked_executions",
        "Standard executions parked: in the store only, waiting for a token, a timer or a stop",
        parked.clone(),
    );
    let activity_depth = Family::<QueueLabels, Gauge>::default();
    registry.register(
        "activity_tasks_waiting",
        "Activity tasks waiting for a worker, by activity",
        activity_depth.clone(),
    );
    let sqs_depth = Family::<QueueLabels, Gauge>::default();
    registry.register(
        "sqs_messages_visible",
        "Messages visible in each built-in SQS queue",
        sqs_depth.clone(),
    );
    Metrics {
        registry,
        started,
        ended,
        transitions,
        tasks,
        instantiation,
        commit_seconds,
        commit_batches,
        parked,
        activity_depth,
        sqs_depth,
    }
});

/// An execution of `machine` (`STANDARD` or `EXPRESS`) started.
pub fn execution_started(machine: &str, kind: &'static str) {
    METRICS
        .started
        .get_or_create(&MachineLabels {
            machine: machine.to_owned(),
            kind,
        })
        .inc();
}

/// An execution ended with `status` (`SUCCEEDED`, `FAILED`, ...).
pub fn execution_ended(machine: &str, kind: &'static str, status: &'static str) {
    METRICS
        .ended
        .get_or_create(&EndLabels {
            machine: machine.to_owned(),
            kind,
            status,
        })
        .inc();
}

/// `n` states were entered.
pub fn states_entered(n: u64) {
    if n > 0 {
        METRICS.transitions.inc_by(n);
    }
}

/// A task of `resource` type ended (`succeeded`, `failed`, ...) after `took`.
pub fn task_ended(resource: &str, outcome: &'static str, took: Duration) {
    METRICS
        .tasks
        .get_or_create(&TaskLabels {
            resource: resource.to_owned(),
            outcome,
        })
        .observe(took.as_secs_f64());
}

/// A component was instantiated in `took`.
pub fn instantiated(took: Duration) {
    METRICS.instantiation.observe(took.as_secs_f64());
}

/// The store committed `batches` batches in one transaction in `took`.
pub fn committed(batches: usize, took: Duration) {
    METRICS.commit_seconds.observe(took.as_secs_f64());
    METRICS.commit_batches.observe(batches as f64);
}

/// What is read when scraped rather than counted as it happens.
pub struct Snapshot {
    /// Parked Standard executions.
    pub parked: usize,
    /// Activity tasks waiting, by activity.
    pub activities: Vec<(String, usize)>,
    /// Visible SQS messages, by queue.
    pub queues: Vec<(String, usize)>,
}

/// Everything, in Prometheus's text exposition format.
pub fn render(now: Snapshot) -> String {
    let m = &*METRICS;
    m.parked.set(now.parked as i64);
    // Gauges of queues that went away are dropped, not left at their last value.
    m.activity_depth.clear();
    for (name, depth) in now.activities {
        m.activity_depth
            .get_or_create(&QueueLabels { name })
            .set(depth as i64);
    }
    m.sqs_depth.clear();
    for (name, depth) in now.queues {
        m.sqs_depth
            .get_or_create(&QueueLabels { name })
            .set(depth as i64);
    }
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &m.registry);
    out
}

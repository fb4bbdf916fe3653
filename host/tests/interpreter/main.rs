//! Tests of the Task machinery and of concurrency, through the real validator and interpreter,
//! driven step by step from scripted task histories, with no runtime.
//!
//! [`driver::drive`] carries out the interpreter's actions itself, in virtual time, and plays
//! every Task resource from a script ([`ScriptedTasks`]): per resource ARN (and per call, if a
//! test wants) a list of steps — take some virtual time, heartbeat, succeed with JSON, fail with
//! an error and cause. It records each request, the virtual time the call started and how it
//! ended (finished, or cancelled by the execution). An hour of retries takes microseconds and
//! every time asserted below is exact. The machinery exercised here (Retry, Catch, timeouts,
//! heartbeats, Parallel, Map, Stop) is what the executors and WebAssembly tasks rely on.

mod driver;

use std::sync::Arc;

use serde_json::{Value, json};

use stepwise::asl::validate;
use stepwise::history::{EventDetails, HistoryEvent};
use stepwise::interp::{
    Action, Event, Execution, ExecutionInfo, Failure, MAX_HISTORY_EVENTS, Program, Status,
    TaskRequest,
};

use driver::{Call, End, ScriptedTasks, Step};

/// Virtual wall-clock time at which every execution starts (any fixed instant will do).
const T0: i64 = 1_700_000_000_000;

/// The whole parent history of a machine that is one Distributed Map which succeeds: its
/// iterations are child executions, so only the Map Run shows here.
const DISTRIBUTED_MAP_SUCCEEDED: [&str; 8] = [
    "ExecutionStarted",
    "MapStateEntered",
    "MapStateStarted",
    "MapRunStarted",
    "MapRunSucceeded",
    "MapStateSucceeded",
    "MapStateExited",
    "ExecutionSucceeded",
];

/// The Resource ARN the scripted task `name` answers to: shaped like a service integration
/// (`resourceType` lambda, `resource` the name), so its history has Task* events. A Lambda
/// function ARN would record LambdaFunction* events instead (see `lambda_function_arns_*`).
fn lambda(name: &str) -> String {
    format!("arn:aws:states:::lambda:{name}")
}

// ---------------------------------------------------------------------------------------------
// The test double's scripts
// ---------------------------------------------------------------------------------------------

fn sleep_s(secs: u64) -> Step {
    Step::Sleep(secs * 1000)
}

fn succeed(v: Value) -> Step {
    Step::Succeed(v)
}

fn fail(error: &str, cause: &str) -> Step {
    Step::Fail(error.into(), cause.into())
}

/// Scripts for the tasks named as [`lambda`] names them.
impl ScriptedTasks {
    /// Every call of `name` follows `steps`.
    fn on(self, name: &str, steps: Vec<Step>) -> Self {
        self.on_fn(name, move |_, _| steps.clone())
    }

    /// Call n of `name` follows `scripts[n]`; the last script repeats.
    fn on_calls(self, name: &str, scripts: Vec<Vec<Step>>) -> Self {
        self.on_fn(name, move |_, n| scripts[n.min(scripts.len() - 1)].clone())
    }

    /// Each call of `name` follows what `f` makes of the request and the call number.
    fn on_fn(self, name: &str, f: impl Fn(&TaskRequest, usize) -> Vec<Step> + 'static) -> Self {
        self.on_resource(&lambda(name), f)
    }

    fn calls_of(&self, name: &str) -> Vec<Call> {
        let arn = lambda(name);
        self.calls()
            .into_iter()
            .filter(|c| c.request.resource.as_str() == arn)
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Running executions and reading their history
// ---------------------------------------------------------------------------------------------

fn new_execution(definition: &Value, input: Value, seed: u64) -> Execution {
    let bytes = serde_json::to_vec(definition).unwrap();
    let machine = validate::parse_definition(&bytes)
        .unwrap_or_else(|d| panic!("definition rejected: {d:#?}"));
    let program = Arc::new(Program::compile(&machine).expect("the definition compiles"));
    Execution::new(
        program,
        ExecutionInfo::local("machine", "exec-1", input, T0),
        seed,
    )
}

/// Runs `definition` on `input` to its end against `tasks`, in virtual time from [`T0`].
fn run_seeded(definition: &Value, input: Value, tasks: &ScriptedTasks, seed: u64) -> Execution {
    let mut exec = new_execution(definition, input, seed);
    driver::drive(&mut exec, tasks, T0);
    exec
}

fn run(definition: &Value, input: Value, tasks: &ScriptedTasks) -> Execution {
    run_seeded(definition, input, tasks, 7)
}

/// `(event type, state name)` of every event.
fn events(exec: &Execution) -> Vec<(String, Option<String>)> {
    exec.history
        .iter()
        .map(|e| {
            (
                e.details.event_type(),
                e.details.state_name().map(str::to_owned),
            )
        })
        .collect()
}

fn types(exec: &Execution) -> Vec<String> {
    exec.history
        .iter()
        .map(|e| e.details.event_type())
        .collect()
}

fn count(exec: &Execution, event_type: &str) -> usize {
    types(exec).iter().filter(|t| *t == event_type).count()
}

/// Virtual times (milliseconds after [`T0`]) of the events of one type.
fn times(exec: &Execution, event_type: &str) -> Vec<i64> {
    exec.history
        .iter()
        .filter(|e| e.details.event_type() == event_type)
        .map(|e| e.timestamp_ms - T0)
        .collect()
}

fn last(exec: &Execution) -> &HistoryEvent {
    exec.history.last().expect("history is not empty")
}

fn output(exec: &Execution) -> &Value {
    match &exec.status {
        Status::Succeeded(v) => v,
        other => panic!(
            "expected success, got {other:?}\nhistory: {:?}",
            events(exec)
        ),
    }
}

fn failure(exec: &Execution) -> (String, Option<String>) {
    match &exec.status {
        Status::Failed(f) => (f.error.clone().unwrap_or_default(), f.cause.clone()),
        other => panic!(
            "expected failure, got {other:?}\nhistory: {:?}",
            events(exec)
        ),
    }
}

fn starts(calls: &[Call]) -> Vec<i64> {
    calls.iter().map(|c| c.started_ms).collect()
}

fn ev(t: &str, name: Option<&str>) -> (String, Option<String>) {
    (t.to_owned(), name.map(str::to_owned))
}

/// A one-state machine around a Task state with extra fields.
fn single_task(name: &str, extra: Value) -> Value {
    let mut task = json!({"Type": "Task", "Resource": lambda(name), "End": true});
    for (k, v) in extra.as_object().unwrap() {
        task[k] = v.clone();
    }
    json!({"StartAt": "Work", "States": {"Work": task}})
}

// ---------------------------------------------------------------------------------------------
// Task success and dataflow
// ---------------------------------------------------------------------------------------------

#[test]
fn task_success_applies_every_dataflow_step_in_order() {
    let definition = json!({
        "StartAt": "Work",
        "States": {"Work": {
            "Type": "Task",
            "Resource": lambda("work"),
            "InputPath": "$.payload",
            "Parameters": {
                "value.$": "$.value",
                "execution.$": "$$.Execution.Name",
                "state.$": "$$.State.Name",
                "retries.$": "$$.State.RetryCount",
                "fixed": "x"
            },
            "ResultSelector": {"doubled.$": "$.doubled"},
            "ResultPath": "$.meta.result",
            "OutputPath": "$.meta",
            "End": true
        }}
    });
    let tasks = ScriptedTasks::new().on_fn("work", |req, _| {
        let v = req.input["value"].as_i64().unwrap();
        vec![
            sleep_s(2),
            succeed(json!({"doubled": v * 2, "noise": "dropped by ResultSelector"})),
        ]
    });
    let input = json!({"payload": {"value": 21}, "meta": {"keep": true}});
    let exec = run(&definition, input, &tasks);

    // ResultPath writes into the raw input (not the effective one); OutputPath picks from that.
    assert_eq!(
        output(&exec),
        &json!({"keep": true, "result": {"doubled": 42}})
    );

    // The task got the effective input: InputPath, then Parameters with the context object.
    let calls = tasks.calls();
    assert_eq!(calls.len(), 1);
    let effective =
        json!({"value": 21, "execution": "exec-1", "state": "Work", "retries": 0, "fixed": "x"});
    assert_eq!(calls[0].request.input, effective);
    assert_eq!(calls[0].request.context["State"]["Name"], "Work");
    assert_eq!(calls[0].request.context["Execution"]["Name"], "exec-1");
    assert_eq!(calls[0].end, Some(End::Finished(2000)));

    assert_eq!(
        events(&exec),
        vec![
            ev("ExecutionStarted", None),
            ev("TaskStateEntered", Some("Work")),
            ev("TaskScheduled", None),
            ev("TaskStarted", None),
            ev("TaskSucceeded", None),
            ev("TaskStateExited", Some("Work")),
            ev("ExecutionSucceeded", None),
        ]
    );
    // TaskScheduled carries the effective input as its parameters, TaskSucceeded the raw result.
    assert_eq!(
        serde_json::to_value(&exec.history[2]).unwrap()["taskScheduledEventDetails"]["resource"],
        "work"
    );
    match &exec.history[2].details {
        EventDetails::TaskScheduled {
            resource_type,
            parameters,
            ..
        } => {
            assert_eq!(resource_type, "lambda");
            assert_eq!(parameters, &effective);
        }
        other => panic!("expected TaskScheduled, got {other:?}"),
    }
    match &exec.history[4].details {
        EventDetails::TaskSucceeded { output, .. } => {
            assert_eq!(output["noise"], "dropped by ResultSelector")
        }
        other => panic!("expected TaskSucceeded, got {other:?}"),
    }
    assert_eq!(times(&exec, "TaskScheduled"), vec![0]);
    assert_eq!(times(&exec, "TaskSucceeded"), vec![2000]);
    assert_eq!(times(&exec, "ExecutionSucceeded"), vec![2000]);
}

#[test]
fn a_script_without_an_ending_echoes_and_states_chain() {
    // Two tasks in sequence: the second starts when the first ends, with its output as input.
    let definition = json!({
        "StartAt": "First",
        "States": {
            "First": {"Type": "Task", "Resource": lambda("first"), "Next": "Second"},
            "Second": {"Type": "Task", "Resource": lambda("second"), "End": true}
        }
    });
    let tasks = ScriptedTasks::new()
        .on("first", vec![sleep_s(3), succeed(json!({"n": 1}))])
        .on("second", vec![sleep_s(4)]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec), &json!({"n": 1}));
    assert_eq!(starts(&tasks.calls()), vec![0, 3000]);
    assert_eq!(times(&exec, "ExecutionSucceeded"), vec![7000]);
}

// ---------------------------------------------------------------------------------------------
// Retry
// ---------------------------------------------------------------------------------------------

#[test]
fn retry_delays_follow_interval_backoff_and_max_delay() {
    let definition = single_task(
        "flaky",
        json!({"Retry": [{
            "ErrorEquals": ["Boom"],
            "IntervalSeconds": 2,
            "BackoffRate": 2.0,
            "MaxAttempts": 3,
            "MaxDelaySeconds": 5
        }]}),
    );
    // Each attempt takes 1 s to fail: the delay counts from the failure.
    let tasks = ScriptedTasks::new().on("flaky", vec![sleep_s(1), fail("Boom", "again")]);
    let exec = run(&definition, json!({}), &tasks);

    assert_eq!(failure(&exec), ("Boom".into(), Some("again".into())));
    let calls = tasks.calls();
    // Delays 2 s, 4 s, then 8 s capped at 5 s.
    assert_eq!(
        starts(&calls),
        vec![0, 1000 + 2000, 4000 + 4000, 9000 + 5000]
    );
    let retry_counts: Vec<Value> = calls
        .iter()
        .map(|c| c.request.context["State"]["RetryCount"].clone())
        .collect();
    assert_eq!(retry_counts, vec![json!(0), json!(1), json!(2), json!(3)]);
    // A retry runs the state again without entering it again.
    assert_eq!(count(&exec, "TaskStateEntered"), 1);
    assert_eq!(count(&exec, "TaskScheduled"), 4);
    assert_eq!(count(&exec, "TaskFailed"), 4);
    assert_eq!(count(&exec, "TaskStateExited"), 0);
    assert_eq!(times(&exec, "ExecutionFailed"), vec![15000]);
}

#[test]
fn retry_context_shows_the_attempt_in_parameters() {
    let definition = single_task(
        "flaky",
        json!({
            "Parameters": {"attempt.$": "$$.State.RetryCount"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}]
        }),
    );
    let tasks = ScriptedTasks::new().on_calls(
        "flaky",
        vec![vec![fail("E", "")], vec![fail("E", "")], vec![]],
    );
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec), &json!({"attempt": 2}));
    let inputs: Vec<Value> = tasks
        .calls()
        .iter()
        .map(|c| c.request.input.clone())
        .collect();
    assert_eq!(
        inputs,
        vec![
            json!({"attempt": 0}),
            json!({"attempt": 1}),
            json!({"attempt": 2})
        ]
    );
}

#[test]
fn retriers_count_attempts_separately_and_the_first_match_decides() {
    let definition = single_task(
        "flaky",
        json!({"Retry": [
            {"ErrorEquals": ["A"], "IntervalSeconds": 1, "BackoffRate": 1.0, "MaxAttempts": 1},
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 1.0, "MaxAttempts": 2}
        ]}),
    );
    let tasks = ScriptedTasks::new().on_calls(
        "flaky",
        vec![
            vec![fail("B", "1")],
            vec![fail("A", "2")],
            vec![fail("B", "3")],
            vec![fail("A", "4")],
        ],
    );
    let exec = run(&definition, json!({}), &tasks);
    // B → retrier 2 (10 s); A → retrier 1 (1 s); B → retrier 2 again (10 s); A → retrier 1 is
    // spent and, being the first to match, decides: no fall-through to States.ALL.
    assert_eq!(starts(&tasks.calls()), vec![0, 10_000, 11_000, 21_000]);
    assert_eq!(failure(&exec), ("A".into(), Some("4".into())));
}

fn jitter_definition() -> Value {
    single_task(
        "flaky",
        json!({"Retry": [{
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 4,
            "BackoffRate": 2.0,
            "MaxAttempts": 3,
            "JitterStrategy": "FULL"
        }]}),
    )
}

fn jitter_delays(seed: u64) -> Vec<i64> {
    let tasks = ScriptedTasks::new().on("flaky", vec![fail("E", "")]);
    let exec = run_seeded(&jitter_definition(), json!({}), &tasks, seed);
    assert_eq!(failure(&exec).0, "E");
    let s = starts(&tasks.calls());
    assert_eq!(s.len(), 4, "three retries");
    s.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn full_jitter_stays_within_the_computed_delay_and_repeats_for_a_seed() {
    let delays = jitter_delays(7);
    for (delay, bound) in delays.iter().zip([4000, 8000, 16000]) {
        assert!(
            (0..=bound).contains(delay),
            "delay {delay} ms outside [0, {bound}]"
        );
    }
    // Jitter really applies: not every delay is the full computed one.
    assert_ne!(delays, vec![4000, 8000, 16000]);
    // The same seed draws the same delays.
    assert_eq!(jitter_delays(7), delays);
    // Another seed draws others (true of these two seeds; the generator is fixed).
    assert_ne!(jitter_delays(8), delays);
}

#[test]
fn max_attempts_zero_never_retries() {
    let definition = single_task(
        "flaky",
        json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]}),
    );
    let tasks = ScriptedTasks::new().on("flaky", vec![fail("E", "once")]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(tasks.calls().len(), 1);
    assert_eq!(failure(&exec), ("E".into(), Some("once".into())));
}

#[test]
fn states_all_and_task_failed_match_a_custom_error() {
    for pattern in ["States.ALL", "States.TaskFailed"] {
        let definition = single_task(
            "flaky",
            json!({"Retry": [{"ErrorEquals": [pattern], "IntervalSeconds": 1, "MaxAttempts": 2}]}),
        );
        let tasks = ScriptedTasks::new().on("flaky", vec![fail("Custom.Error", "c")]);
        let exec = run(&definition, json!({}), &tasks);
        assert_eq!(tasks.calls().len(), 3, "{pattern} retries a custom error");
        assert_eq!(failure(&exec).0, "Custom.Error");
    }
}

#[test]
fn task_failed_does_not_match_a_timeout_but_states_all_does() {
    let definition = |pattern: &str| {
        single_task(
            "slow",
            json!({
                "TimeoutSeconds": 1,
                "Retry": [{"ErrorEquals": [pattern], "IntervalSeconds": 1, "MaxAttempts": 1}]
            }),
        )
    };
    let tasks = ScriptedTasks::new().on("slow", vec![sleep_s(10)]);
    let exec = run(&definition("States.TaskFailed"), json!({}), &tasks);
    assert_eq!(
        tasks.calls().len(),
        1,
        "States.TaskFailed must not retry a timeout"
    );
    assert_eq!(failure(&exec).0, "States.Timeout");

    let tasks = ScriptedTasks::new().on("slow", vec![sleep_s(10)]);
    let exec = run(&definition("States.ALL"), json!({}), &tasks);
    // 0 → times out at 1 s → retry at 2 s → times out at 3 s.
    assert_eq!(starts(&tasks.calls()), vec![0, 2000]);
    assert_eq!(failure(&exec).0, "States.Timeout");
    assert_eq!(times(&exec, "ExecutionFailed"), vec![3000]);
}

#[test]
fn a_runtime_error_is_neither_retried_nor_caught() {
    let handlers = json!({
        "Retry": [{"ErrorEquals": ["States.Runtime"], "MaxAttempts": 3},
                  {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}],
        "Catch": [{"ErrorEquals": ["States.Runtime"], "Next": "Handled"},
                  {"ErrorEquals": ["States.ALL"], "Next": "Handled"}]
    });
    let machine = |extra: &Value| {
        let mut task = json!({"Type": "Task", "Resource": lambda("work"), "End": true});
        for (k, v) in handlers
            .as_object()
            .unwrap()
            .iter()
            .chain(extra.as_object().unwrap())
        {
            task[k] = v.clone();
        }
        json!({"StartAt": "Work", "States": {
            "Work": task,
            "Handled": {"Type": "Pass", "End": true}
        }})
    };

    // Raised by the interpreter: Parameters names a path the input lacks.
    let tasks = ScriptedTasks::new().on("work", vec![]);
    let exec = run(
        &machine(&json!({"Parameters": {"x.$": "$.missing"}})),
        json!({}),
        &tasks,
    );
    assert_eq!(failure(&exec).0, "States.Runtime");
    assert!(tasks.calls().is_empty());
    assert_eq!(count(&exec, "PassStateEntered"), 0);

    // Reported by the task.
    let tasks = ScriptedTasks::new().on("work", vec![fail("States.Runtime", "broken")]);
    let exec = run(&machine(&json!({})), json!({}), &tasks);
    assert_eq!(
        failure(&exec),
        ("States.Runtime".into(), Some("broken".into()))
    );
    assert_eq!(tasks.calls().len(), 1);
    assert_eq!(count(&exec, "PassStateEntered"), 0);
}

// ---------------------------------------------------------------------------------------------
// Catch
// ---------------------------------------------------------------------------------------------

fn catching_machine(catch: Value, extra: Value) -> Value {
    let mut task =
        json!({"Type": "Task", "Resource": lambda("work"), "Next": "Done", "Catch": catch});
    for (k, v) in extra.as_object().unwrap() {
        task[k] = v.clone();
    }
    let mut machine = json!({"StartAt": "Work", "States": {
        "Work": task,
        "Handled": {"Type": "Pass", "Result": "handled", "ResultPath": "$.by", "End": true},
        "Done": {"Type": "Succeed"}
    }});
    // Validation rejects unreachable states: add the trap only when a catcher leads there.
    if machine["States"]["Work"]["Catch"]
        .to_string()
        .contains("Wrong")
    {
        machine["States"]["Wrong"] = json!({"Type": "Fail", "Error": "WrongCatcher"});
    }
    machine
}

#[test]
fn the_first_catcher_that_matches_in_order_is_taken() {
    let definition = catching_machine(
        json!([
            {"ErrorEquals": ["Other"], "Next": "Wrong"},
            {"ErrorEquals": ["Boom"], "Next": "Handled"},
            {"ErrorEquals": ["States.ALL"], "Next": "Wrong"}
        ]),
        json!({}),
    );
    let tasks = ScriptedTasks::new().on("work", vec![sleep_s(1), fail("Boom", "bad")]);
    let exec = run(&definition, json!({"a": 1}), &tasks);
    // Without ResultPath the error object replaces the input.
    assert_eq!(
        output(&exec),
        &json!({"Error": "Boom", "Cause": "bad", "by": "handled"})
    );
    assert_eq!(
        events(&exec),
        vec![
            ev("ExecutionStarted", None),
            ev("TaskStateEntered", Some("Work")),
            ev("TaskScheduled", None),
            ev("TaskStarted", None),
            ev("TaskFailed", None),
            ev("TaskStateExited", Some("Work")),
            ev("PassStateEntered", Some("Handled")),
            ev("PassStateExited", Some("Handled")),
            ev("ExecutionSucceeded", None),
        ]
    );
    assert_eq!(times(&exec, "PassStateEntered"), vec![1000]);
}

#[test]
fn catcher_result_path_merges_into_or_keeps_the_raw_input() {
    let run_with = |result_path: Option<Value>| {
        let mut catcher = json!({"ErrorEquals": ["States.ALL"], "Next": "Handled"});
        if let Some(path) = result_path {
            catcher["ResultPath"] = path;
        }
        // InputPath narrows what the task sees; the catcher works on the raw input regardless.
        let definition = catching_machine(json!([catcher]), json!({"InputPath": "$.inner"}));
        let tasks = ScriptedTasks::new().on("work", vec![fail("Boom", "bad")]);
        let exec = run(&definition, json!({"inner": {"x": 1}, "other": 2}), &tasks);
        output(&exec).clone()
    };
    assert_eq!(
        run_with(Some(json!("$.err"))),
        json!({"inner": {"x": 1}, "other": 2, "err": {"Error": "Boom", "Cause": "bad"}, "by": "handled"})
    );
    assert_eq!(
        run_with(Some(Value::Null)),
        json!({"inner": {"x": 1}, "other": 2, "by": "handled"})
    );
    assert_eq!(
        run_with(None),
        json!({"Error": "Boom", "Cause": "bad", "by": "handled"})
    );
}

#[test]
fn catch_applies_once_retries_are_exhausted() {
    let definition = catching_machine(
        json!([{"ErrorEquals": ["Boom"], "Next": "Handled", "ResultPath": "$.err"}]),
        json!({"Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "BackoffRate": 1.0, "MaxAttempts": 2}]}),
    );
    let tasks = ScriptedTasks::new().on("work", vec![fail("Boom", "bad")]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(starts(&tasks.calls()), vec![0, 1000, 2000]);
    assert_eq!(
        output(&exec)["err"],
        json!({"Error": "Boom", "Cause": "bad"})
    );
    assert_eq!(times(&exec, "PassStateEntered"), vec![2000]);
    assert_eq!(count(&exec, "TaskFailed"), 3);
}

// ---------------------------------------------------------------------------------------------
// TimeoutSeconds and HeartbeatSeconds
// ---------------------------------------------------------------------------------------------

#[test]
fn a_task_past_its_timeout_fails_with_states_timeout_and_is_cancelled() {
    let definition = single_task("slow", json!({"TimeoutSeconds": 5}));
    let tasks = ScriptedTasks::new().on("slow", vec![sleep_s(60), succeed(json!(1))]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(failure(&exec).0, "States.Timeout");
    assert_eq!(tasks.calls()[0].end, Some(End::Cancelled(5000)));
    assert_eq!(tasks.calls()[0].request.timeout_seconds, Some(5));
    assert_eq!(
        types(&exec),
        vec![
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskTimedOut",
            "ExecutionFailed"
        ]
    );
    assert_eq!(times(&exec, "TaskTimedOut"), vec![5000]);
}

#[test]
fn a_timed_out_task_is_cancelled_while_the_execution_goes_on() {
    // Caught, the execution carries on; the task must be cancelled at the timeout, not left
    // running until the execution ends.
    let definition = json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 5,
                 "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Later"}], "End": true},
        "Later": {"Type": "Wait", "Seconds": 10, "End": true}
    }});
    let tasks = ScriptedTasks::new().on("slow", vec![sleep_s(60)]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec)["Error"], "States.Timeout");
    assert_eq!(tasks.calls()[0].end, Some(End::Cancelled(5000)));
    assert_eq!(times(&exec, "ExecutionSucceeded"), vec![15000]);
}

#[test]
fn timeout_seconds_path_reads_the_timeout_from_the_input() {
    let definition = single_task("slow", json!({"TimeoutSecondsPath": "$.limit"}));
    let tasks = ScriptedTasks::new().on("slow", vec![sleep_s(10)]);
    let exec = run(&definition, json!({"limit": 3}), &tasks);
    assert_eq!(failure(&exec).0, "States.Timeout");
    assert_eq!(times(&exec, "TaskTimedOut"), vec![3000]);
    assert_eq!(tasks.calls()[0].request.timeout_seconds, Some(3));
    match &exec.history[2].details {
        EventDetails::TaskScheduled {
            timeout_in_seconds, ..
        } => assert_eq!(*timeout_in_seconds, Some(3)),
        other => panic!("expected TaskScheduled, got {other:?}"),
    }
}

#[test]
fn heartbeats_keep_a_task_alive_past_heartbeat_seconds() {
    let definition = single_task(
        "beating",
        json!({"TimeoutSeconds": 60, "HeartbeatSeconds": 3}),
    );
    let tasks = ScriptedTasks::new().on(
        "beating",
        vec![
            sleep_s(2),
            Step::Heartbeat,
            sleep_s(2),
            Step::Heartbeat,
            sleep_s(2),
            Step::Heartbeat,
            sleep_s(1),
            succeed(json!("alive")),
        ],
    );
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec), &json!("alive"));
    assert_eq!(tasks.calls()[0].end, Some(End::Finished(7000)));
    assert_eq!(tasks.calls()[0].request.heartbeat_seconds, Some(3));
}

#[test]
fn a_task_that_stops_heartbeating_times_out() {
    let definition = single_task("beating", json!({"HeartbeatSeconds": 3}));
    let tasks = ScriptedTasks::new().on("beating", vec![sleep_s(2), Step::Heartbeat, sleep_s(100)]);
    let exec = run(&definition, json!({}), &tasks);
    // As AWS records it: TaskTimedOut with States.Timeout, and the execution fails with it.
    assert_eq!(failure(&exec), ("States.Timeout".to_owned(), None));
    let history = serde_json::to_value(&exec.history).unwrap();
    let timed_out = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "TaskTimedOut")
        .unwrap();
    assert_eq!(
        timed_out["taskTimedOutEventDetails"]["error"],
        "States.Timeout"
    );
    assert!(timed_out["taskTimedOutEventDetails"].get("cause").is_none());
    // The last heartbeat at 2 s gave it until 5 s.
    assert_eq!(times(&exec, "TaskTimedOut"), vec![5000]);
    assert_eq!(tasks.calls()[0].end, Some(End::Cancelled(5000)));
}

#[test]
fn a_catch_on_states_timeout_catches_a_heartbeat_timeout() {
    let definition = catching_machine(
        json!([
            {"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
            {"ErrorEquals": ["States.Timeout"], "Next": "Handled"}
        ]),
        json!({"HeartbeatSeconds": 3}),
    );
    let tasks = ScriptedTasks::new().on("work", vec![sleep_s(100)]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec)["Error"], "States.Timeout");
    assert_eq!(times(&exec, "PassStateEntered"), vec![3000]);
}

#[test]
fn heartbeat_timeout_names_a_heartbeat_expiry_and_nothing_else() {
    let catchers = json!([
        {"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Handled"},
        {"ErrorEquals": ["States.Timeout"], "Next": "Wrong"}
    ]);
    // A heartbeat expiry: the first catcher takes it.
    let definition = catching_machine(catchers.clone(), json!({"HeartbeatSeconds": 3}));
    let tasks = ScriptedTasks::new().on("work", vec![sleep_s(100)]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec)["Error"], "States.Timeout");
    assert_eq!(times(&exec, "PassStateEntered"), vec![3000]);
    assert_eq!(count(&exec, "PassStateEntered"), 1);
    assert!(events(&exec).contains(&ev("PassStateEntered", Some("Handled"))));
    // TimeoutSeconds running out: a timeout, but not a heartbeat one.
    let definition = catching_machine(catchers, json!({"TimeoutSeconds": 3}));
    let tasks = ScriptedTasks::new().on("work", vec![sleep_s(100)]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(failure(&exec).0, "WrongCatcher");
    assert!(events(&exec).contains(&ev("FailStateEntered", Some("Wrong"))));
}

#[test]
fn execution_timeout_ends_a_running_task() {
    let definition = json!({"TimeoutSeconds": 10, "StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": lambda("slow"), "End": true}
    }});
    let tasks = ScriptedTasks::new().on("slow", vec![sleep_s(100)]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(last(&exec).details.event_type(), "ExecutionTimedOut");
    assert_eq!(last(&exec).timestamp_ms - T0, 10_000);
    assert_eq!(tasks.calls()[0].end, Some(End::Cancelled(10_000)));
}

// ---------------------------------------------------------------------------------------------
// Parallel
// ---------------------------------------------------------------------------------------------

fn branch(state: &str, resource: &str) -> Value {
    json!({"StartAt": state, "States": {state: {"Type": "Task", "Resource": lambda(resource), "End": true}}})
}

#[test]
fn parallel_outputs_are_in_branch_order_not_finish_order() {
    let definition = json!({"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": true,
        "Branches": [branch("A", "a"), branch("B", "b"), branch("C", "c")]
    }}});
    let tasks = ScriptedTasks::new()
        .on("a", vec![sleep_s(3), succeed(json!("a"))])
        .on("b", vec![sleep_s(1), succeed(json!("b"))])
        .on("c", vec![sleep_s(2), succeed(json!("c"))]);
    let exec = run(&definition, json!({"in": 1}), &tasks);
    assert_eq!(output(&exec), &json!(["a", "b", "c"]));
    // The branches run at once, each on the state's input.
    assert_eq!(starts(&tasks.calls()), vec![0, 0, 0]);
    assert!(
        tasks
            .calls()
            .iter()
            .all(|c| c.request.input == json!({"in": 1}))
    );
    assert_eq!(tasks.max_in_flight(), 3);
    // AWS records no ParallelStateSucceeded; the state exits when its slowest branch ends.
    assert_eq!(times(&exec, "ParallelStateExited"), vec![3000]);
}

#[test]
fn a_failing_branch_fails_the_parallel_and_cancels_the_others() {
    let definition = json!({"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": true,
        "Branches": [branch("A", "a"), branch("B", "b")]
    }}});
    let tasks = ScriptedTasks::new()
        .on("a", vec![sleep_s(1), fail("BranchBoom", "a broke")])
        .on("b", vec![sleep_s(100)]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(
        failure(&exec),
        ("BranchBoom".into(), Some("a broke".into()))
    );
    assert_eq!(tasks.calls_of("b")[0].end, Some(End::Cancelled(1000)));
    assert_eq!(count(&exec, "TaskStateAborted"), 1);
    assert_eq!(times(&exec, "ParallelStateFailed"), vec![1000]);
    assert_eq!(last(&exec).details.event_type(), "ExecutionFailed");
}

#[test]
fn retry_on_a_parallel_reruns_every_branch() {
    let definition = json!({"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": true,
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 1}],
        "Branches": [branch("A", "a"), branch("B", "b")]
    }}});
    let tasks = ScriptedTasks::new()
        .on_calls(
            "a",
            vec![
                vec![sleep_s(1), fail("Flaky", "first time")],
                vec![sleep_s(1), succeed(json!("a"))],
            ],
        )
        .on("b", vec![Step::Sleep(500), succeed(json!("b"))]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec), &json!(["a", "b"]));
    // a fails at 1 s; after 2 s both branches start over, b included though it had succeeded.
    assert_eq!(starts(&tasks.calls_of("a")), vec![0, 3000]);
    assert_eq!(starts(&tasks.calls_of("b")), vec![0, 3000]);
    assert_eq!(count(&exec, "ParallelStateEntered"), 1);
    assert_eq!(count(&exec, "ParallelStateStarted"), 2);
    assert_eq!(times(&exec, "ExecutionSucceeded"), vec![4000]);
}

#[test]
fn catch_on_a_parallel_handles_a_branch_failure() {
    let definition = json!({"StartAt": "P", "States": {
        "P": {
            "Type": "Parallel", "Next": "Unreached",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}],
            "Branches": [branch("A", "a"), branch("B", "b")]
        },
        "Unreached": {"Type": "Fail", "Error": "Unreached"},
        "Handled": {"Type": "Pass", "End": true}
    }});
    let tasks = ScriptedTasks::new()
        .on("a", vec![sleep_s(2)])
        .on("b", vec![sleep_s(1), fail("X", "b broke")]);
    let exec = run(&definition, json!({"keep": 1}), &tasks);
    assert_eq!(
        output(&exec),
        &json!({"keep": 1, "error": {"Error": "X", "Cause": "b broke"}})
    );
    assert_eq!(tasks.calls_of("a")[0].end, Some(End::Cancelled(1000)));
    assert_eq!(times(&exec, "PassStateEntered"), vec![1000]);
}

// ---------------------------------------------------------------------------------------------
// Map, inline
// ---------------------------------------------------------------------------------------------

fn map_machine(extra: Value) -> Value {
    let mut map = json!({
        "Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "Item", "States": {
            "Item": {"Type": "Task", "Resource": lambda("item"), "End": true}
        }}
    });
    for (k, v) in extra.as_object().unwrap() {
        map[k] = v.clone();
    }
    json!({"StartAt": "M", "States": {"M": map}})
}

#[test]
fn map_max_concurrency_limits_tasks_in_flight() {
    let definition = map_machine(json!({"MaxConcurrency": 2}));
    let tasks = ScriptedTasks::new().on("item", vec![sleep_s(1)]);
    let exec = run(&definition, json!([1, 2, 3, 4, 5]), &tasks);
    assert_eq!(output(&exec), &json!([1, 2, 3, 4, 5]));
    assert_eq!(tasks.max_in_flight(), 2);
    assert_eq!(starts(&tasks.calls()), vec![0, 0, 1000, 1000, 2000]);
    assert_eq!(times(&exec, "ExecutionSucceeded"), vec![3000]);
}

#[test]
fn map_max_concurrency_zero_runs_every_item_at_once() {
    let definition = map_machine(json!({"MaxConcurrency": 0}));
    let tasks = ScriptedTasks::new().on("item", vec![sleep_s(1)]);
    let exec = run(&definition, json!([1, 2, 3, 4, 5]), &tasks);
    assert_eq!(output(&exec), &json!([1, 2, 3, 4, 5]));
    assert_eq!(tasks.max_in_flight(), 5);
    assert_eq!(times(&exec, "ExecutionSucceeded"), vec![1000]);
}

#[test]
fn map_output_follows_item_order_and_item_selector_sees_the_item() {
    let definition = map_machine(json!({
        "ItemsPath": "$.items",
        "ItemSelector": {
            "index.$": "$$.Map.Item.Index",
            "value.$": "$$.Map.Item.Value",
            "shared.$": "$.shared"
        }
    }));
    // Item i sleeps the seconds it names: they finish in the order 1, 2, 0.
    let tasks = ScriptedTasks::new().on_fn("item", |req, _| {
        vec![sleep_s(req.input["value"].as_u64().unwrap())]
    });
    let exec = run(
        &definition,
        json!({"items": [3, 1, 2], "shared": "s"}),
        &tasks,
    );
    assert_eq!(
        output(&exec),
        &json!([
            {"index": 0, "value": 3, "shared": "s"},
            {"index": 1, "value": 1, "shared": "s"},
            {"index": 2, "value": 2, "shared": "s"}
        ])
    );
    let ends: Vec<_> = tasks.calls().iter().map(|c| c.end).collect();
    assert_eq!(
        ends,
        vec![
            Some(End::Finished(3000)),
            Some(End::Finished(1000)),
            Some(End::Finished(2000))
        ]
    );
    assert_eq!(count(&exec, "MapIterationSucceeded"), 3);
}

#[test]
fn a_failing_item_fails_the_map_and_aborts_running_items() {
    let definition = map_machine(json!({}));
    let tasks = ScriptedTasks::new().on_fn("item", |req, _| {
        if req.input == json!(2) {
            vec![sleep_s(1), fail("ItemError", "item 2")]
        } else {
            vec![sleep_s(10)]
        }
    });
    let exec = run(&definition, json!([1, 2, 3]), &tasks);
    assert_eq!(failure(&exec), ("ItemError".into(), Some("item 2".into())));
    let ends: Vec<_> = tasks.calls().iter().map(|c| c.end).collect();
    assert_eq!(
        ends,
        vec![
            Some(End::Cancelled(1000)),
            Some(End::Finished(1000)),
            Some(End::Cancelled(1000))
        ]
    );
    let t = types(&exec);
    let failed = t.iter().position(|e| e == "MapIterationFailed").unwrap();
    let state_failed = t.iter().position(|e| e == "MapStateFailed").unwrap();
    assert_eq!(count(&exec, "MapIterationAborted"), 2);
    assert!(
        t.iter()
            .enumerate()
            .filter(|(_, e)| *e == "MapIterationAborted")
            .all(|(i, _)| failed < i && i < state_failed),
        "iterations are aborted after the failure and before the state fails: {t:?}"
    );
    let aborted: Vec<usize> = exec
        .history
        .iter()
        .filter_map(|e| match &e.details {
            EventDetails::MapIterationAborted(d) => Some(d.index),
            _ => None,
        })
        .collect();
    let mut aborted_sorted = aborted.clone();
    aborted_sorted.sort();
    assert_eq!(aborted_sorted, vec![0, 2]);
    assert_eq!(last(&exec).details.event_type(), "ExecutionFailed");
}

// ---------------------------------------------------------------------------------------------
// Map, distributed
// ---------------------------------------------------------------------------------------------

fn distributed_map(tolerance: Value) -> Value {
    let mut map = json!({
        "Type": "Map", "End": true,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Item",
            "States": {"Item": {"Type": "Task", "Resource": lambda("item"), "End": true}}
        }
    });
    for (k, v) in tolerance.as_object().unwrap() {
        map[k] = v.clone();
    }
    json!({"StartAt": "M", "States": {"M": map}})
}

/// Items whose value is odd fail; the others return ten times their value.
fn odd_items_fail() -> ScriptedTasks {
    ScriptedTasks::new().on_fn("item", |req, _| {
        let v = req.input.as_i64().unwrap();
        if v % 2 == 1 {
            vec![sleep_s(1), fail("ItemError", &format!("item {v}"))]
        } else {
            vec![sleep_s(1), succeed(json!(v * 10))]
        }
    })
}

#[test]
fn distributed_map_under_its_tolerance_succeeds_with_failures_as_error_objects() {
    let tasks = odd_items_fail();
    let exec = run(
        &distributed_map(json!({"ToleratedFailureCount": 1})),
        json!([0, 1, 2, 4]),
        &tasks,
    );
    assert_eq!(
        output(&exec),
        &json!([0, {"Error": "ItemError", "Cause": "item 1"}, 20, 40])
    );
    assert_eq!(tasks.calls().len(), 4);
    // Iterations are child executions: this history shows only the Map Run.
    assert_eq!(types(&exec), DISTRIBUTED_MAP_SUCCEEDED);
}

#[test]
fn distributed_map_over_its_tolerance_fails_with_exceed_tolerated_failure_threshold() {
    // Two of four items fail: 50 % is over 25 %.
    let tasks = odd_items_fail();
    let exec = run(
        &distributed_map(json!({"ToleratedFailurePercentage": 25})),
        json!([0, 1, 2, 3]),
        &tasks,
    );
    assert_eq!(failure(&exec).0, "States.ExceedToleratedFailureThreshold");
    let t = types(&exec);
    assert!(t.contains(&"MapRunFailed".to_owned()), "{t:?}");
    assert!(t.contains(&"MapStateFailed".to_owned()), "{t:?}");
    assert!(
        !t.iter()
            .any(|e| e.starts_with("MapIteration") || e.starts_with("Task")),
        "no iteration or task events in the parent history: {t:?}"
    );

    // Exactly at the count tolerated: succeeds.
    let tasks = odd_items_fail();
    let exec = run(
        &distributed_map(json!({"ToleratedFailureCount": 2})),
        json!([0, 1, 2, 3]),
        &tasks,
    );
    assert_eq!(output(&exec)[3]["Error"], "ItemError");
}

#[test]
fn states_nested_in_a_distributed_iteration_stay_out_of_the_parent_history() {
    // A Parallel and an inline Map inside each child execution: their events belong to the
    // child's history, not to this one.
    let definition = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Parallel", "Next": "Inner", "Branches": [branch("A", "item")]},
                       "Inner": {"Type": "Map", "End": true, "ItemProcessor": {
                           "StartAt": "I", "States": {"I": {"Type": "Task", "Resource": lambda("item"), "End": true}}}}}
        }
    }}});
    let tasks = ScriptedTasks::new().on("item", vec![sleep_s(1)]);
    let exec = run(&definition, json!([[1], [2]]), &tasks);
    assert_eq!(output(&exec), &json!([[[1]], [[2]]]));
    assert_eq!(tasks.calls().len(), 4);
    assert_eq!(types(&exec), DISTRIBUTED_MAP_SUCCEEDED);
}

#[test]
fn a_runtime_error_in_a_distributed_iteration_fails_only_that_child() {
    // Each iteration is a child execution: States.Runtime ends the child, and the Map Run counts
    // it as one failed item like any other error.
    let definition = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "ToleratedFailureCount": 1,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Item",
            "States": {"Item": {"Type": "Task", "Resource": lambda("item"), "End": true,
                                "Parameters": {"v.$": "$.v"}}}
        }
    }}});
    let tasks = ScriptedTasks::new().on("item", vec![sleep_s(1)]);
    let exec = run(&definition, json!([{"v": 1}, {"w": 2}, {"v": 3}]), &tasks);
    let out = output(&exec);
    assert_eq!(out[0], json!({"v": 1}));
    assert_eq!(out[1]["Error"], "States.Runtime");
    assert_eq!(out[2], json!({"v": 3}));
    assert_eq!(tasks.calls().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Stop, driving the interpreter directly
// ---------------------------------------------------------------------------------------------

fn invoked(actions: &[Action]) -> Vec<TaskRequest> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::InvokeTask(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn stop_cancels_the_pending_task_and_ignores_its_late_result() {
    let definition = single_task("work", json!({"TimeoutSeconds": 30}));
    let mut exec = new_execution(&definition, json!({}), 7);
    let actions = exec.step(T0, Event::Start);
    let requests = invoked(&actions);
    assert_eq!(requests.len(), 1);
    let task = requests[0].task;
    let timeout_timer = actions
        .iter()
        .find_map(|a| match a {
            Action::ArmTimer { timer, at_ms } if *at_ms == T0 + 30_000 => Some(*timer),
            _ => None,
        })
        .expect("the task's timeout is armed");
    exec.step(T0, Event::TaskStarted(task));

    let actions = exec.step(
        T0 + 2000,
        Event::Stop {
            error: Some("Why".into()),
            cause: Some("Because".into()),
        },
    );
    assert!(actions.contains(&Action::CancelTask(task)), "{actions:?}");
    assert!(
        actions.contains(&Action::CancelTimer(timeout_timer)),
        "{actions:?}"
    );
    assert_eq!(actions.last(), Some(&Action::Finished));
    assert_eq!(exec.status, Status::Aborted(Failure::new("Why", "Because")));
    assert_eq!(last(&exec).details.event_type(), "ExecutionAborted");
    assert_eq!(last(&exec).timestamp_ms, T0 + 2000);

    // The task's result arrives late, and the timer fires anyway: nothing changes.
    let before = exec.history.clone();
    let late = exec.step(
        T0 + 3000,
        Event::TaskSucceeded {
            task,
            output: json!("late"),
        },
    );
    assert!(late.is_empty());
    assert!(
        exec.step(T0 + 30_000, Event::TimerFired(timeout_timer))
            .is_empty()
    );
    assert_eq!(exec.history, before);
    assert_eq!(exec.status, Status::Aborted(Failure::new("Why", "Because")));
}

#[test]
fn a_failed_task_sleeps_on_its_backoff_timer_and_runs_again_when_it_fires() {
    // The pure form of the retry path: the failure arms a timer, and that timer (not anything
    // else) brings the task back.
    let definition = single_task(
        "flaky",
        json!({"Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "MaxAttempts": 1}]}),
    );
    let mut exec = new_execution(&definition, json!({"n": 1}), 7);
    let first = invoked(&exec.step(T0, Event::Start)).remove(0);
    exec.step(T0, Event::TaskStarted(first.task));
    let actions = exec.step(
        T0 + 1000,
        Event::TaskFailed {
            task: first.task,
            failure: Failure::new("Boom", "bad"),
        },
    );
    let timer = actions
        .iter()
        .find_map(|a| match a {
            Action::ArmTimer { timer, at_ms } if *at_ms == T0 + 3000 => Some(*timer),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a backoff timer at +3 s: {actions:?}"));
    assert!(invoked(&actions).is_empty(), "no retry before the backoff");
    let second = invoked(&exec.step(T0 + 3000, Event::TimerFired(timer))).remove(0);
    assert_ne!(second.task, first.task, "each attempt is a new task id");
    assert_eq!(second.input, json!({"n": 1}));
    assert_eq!(second.context["State"]["RetryCount"], 1);
    // A late result of the first attempt does not count for the second.
    exec.step(
        T0 + 3001,
        Event::TaskSucceeded {
            task: first.task,
            output: json!("stale"),
        },
    );
    assert_eq!(exec.status, Status::Running);
    let actions = exec.step(
        T0 + 4000,
        Event::TaskSucceeded {
            task: second.task,
            output: json!("fresh"),
        },
    );
    assert_eq!(actions.last(), Some(&Action::Finished));
    assert_eq!(exec.status, Status::Succeeded(json!("fresh")));
}

#[test]
fn stop_cancels_every_task_of_a_parallel() {
    let definition = json!({"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": true,
        "Branches": [branch("A", "a"), branch("B", "b")]
    }}});
    let mut exec = new_execution(&definition, json!({}), 7);
    let requests = invoked(&exec.step(T0, Event::Start));
    assert_eq!(requests.len(), 2);
    let actions = exec.step(
        T0 + 1,
        Event::Stop {
            error: None,
            cause: None,
        },
    );
    for r in &requests {
        assert!(actions.contains(&Action::CancelTask(r.task)), "{actions:?}");
    }
    assert!(matches!(exec.status, Status::Aborted(_)));
    assert_eq!(last(&exec).details.event_type(), "ExecutionAborted");
}

// ---------------------------------------------------------------------------------------------
// Wait
// ---------------------------------------------------------------------------------------------

#[test]
fn a_wait_until_a_past_timestamp_proceeds_at_once() {
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Timestamp": "2000-01-01T00:00:00Z", "Next": "Work"},
        "Work": {"Type": "Task", "Resource": lambda("work"), "End": true}
    }});
    let tasks = ScriptedTasks::new().on("work", vec![]);
    let exec = run(&definition, json!({"x": 1}), &tasks);
    assert_eq!(output(&exec), &json!({"x": 1}));
    assert_eq!(starts(&tasks.calls()), vec![0]);
    assert_eq!(times(&exec, "WaitStateExited"), vec![0]);
}

#[test]
fn a_wait_with_seconds_path_waits_that_long() {
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Work"},
        "Work": {"Type": "Task", "Resource": lambda("work"), "End": true}
    }});
    let tasks = ScriptedTasks::new().on("work", vec![]);
    let exec = run(&definition, json!({"delay": 7}), &tasks);
    assert_eq!(output(&exec), &json!({"delay": 7}));
    assert_eq!(starts(&tasks.calls()), vec![7000]);
}

// ---------------------------------------------------------------------------------------------
// The payload limit
// ---------------------------------------------------------------------------------------------

#[test]
fn a_result_over_256_kib_fails_with_data_limit_exceeded_past_any_handler() {
    let definition = catching_machine(
        json!([{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]),
        json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}]}),
    );
    let big = "x".repeat(256 * 1024 + 1);
    let tasks = ScriptedTasks::new().on("work", vec![succeed(json!(big))]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(failure(&exec).0, "States.DataLimitExceeded");
    assert_eq!(tasks.calls().len(), 1, "not retried");
    assert_eq!(count(&exec, "PassStateEntered"), 0, "not caught");

    // Just under the limit (with its quotes) is fine.
    let fits = "x".repeat(256 * 1024 - 2);
    let tasks = ScriptedTasks::new().on("work", vec![succeed(json!(fits))]);
    let exec = run(&definition, json!({}), &tasks);
    assert_eq!(output(&exec).as_str().map(str::len), Some(256 * 1024 - 2));
}

// ---------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------

/// A machine with a bit of everything nondeterminism could hide in: Parallel branches, Map
/// iterations, retries with FULL jitter, timeouts, and States.UUID.
fn busy_definition() -> Value {
    json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "M", "States": {"M": {
                "Type": "Map", "MaxConcurrency": 2, "End": true,
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": {
                    "Type": "Task", "Resource": lambda("item"), "End": true,
                    "Parameters": {"v.$": "$", "id.$": "States.UUID()"},
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3,
                               "MaxAttempts": 3, "JitterStrategy": "FULL"}]
                }}}
            }}},
            {"StartAt": "Slow", "States": {"Slow": {
                "Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 4, "End": true,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "After"}]
            }, "After": {"Type": "Wait", "Seconds": 1, "End": true}}}
        ]}
    }})
}

/// How the scripted world answers a task: after how many milliseconds, with what outcome.
fn busy_world(req: &TaskRequest) -> (i64, Result<Value, Failure>) {
    let retry = req.context["State"]["RetryCount"].as_u64().unwrap();
    if req.resource.as_str() == lambda("slow") {
        return (60_000, Ok(json!("never")));
    }
    let v = req.input["v"].as_i64().unwrap();
    if v % 2 == 0 && retry < 2 {
        (500 + 100 * v, Err(Failure::new("Flaky", format!("{v}"))))
    } else {
        (700, Ok(req.input.clone()))
    }
}

/// The busy machine's tasks: every call answers as [`busy_world`] says.
fn busy_tasks() -> ScriptedTasks {
    let script = |req: &TaskRequest, _| {
        let (delay, outcome) = busy_world(req);
        vec![
            Step::Sleep(delay as u64),
            match outcome {
                Ok(v) => succeed(v),
                Err(f) => fail(&f.error.unwrap(), &f.cause.unwrap()),
            },
        ]
    };
    ScriptedTasks::new()
        .on_fn("item", script)
        .on_fn("slow", script)
}

/// Same inputs, same events, same order, so any difference in history is the interpreter's.
/// (This file used to run the same check through the async executor as well; the driver here
/// replaced it. That the executors rebuild the same history from what they recorded is the
/// conformance run's durable replay.)
#[test]
fn the_same_definition_input_seed_and_events_give_the_same_history() {
    let input = json!([1, 2, 3, 4]);
    let run_busy = |seed| run_seeded(&busy_definition(), input.clone(), &busy_tasks(), seed);
    let first = run_busy(42);
    assert_eq!(
        first.status,
        Status::Succeeded(output(&first).clone()),
        "the scenario succeeds"
    );
    for _ in 0..2 {
        let again = run_busy(42);
        assert_eq!(first.history, again.history);
        assert_eq!(first.status, again.status);
    }
    // The comparison is not vacuous: the seed reaches the history (UUIDs, jitter delays).
    let other = run_busy(43);
    assert_ne!(first.history, other.history);
}

/// A machine that loops without ever waiting would otherwise never return from one step.
#[test]
fn a_loop_without_an_exit_fails_at_the_history_limit() {
    let looping = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Choice",
              "Choices": [{"Variable": "$.x", "IsPresent": false, "Next": "A"}],
              "Default": "C"},
        "C": {"Type": "Succeed"}}});
    let mut exec = new_execution(&looping, json!({}), 1);
    exec.step(0, Event::Start);
    let (error, cause) = failure(&exec);
    assert_eq!(error, "States.Runtime");
    assert!(cause.unwrap().contains("25000"));
    // The limit counts every event, ExecutionFailed included.
    assert_eq!(exec.history.len(), MAX_HISTORY_EVENTS + 1);
}

/// In a Distributed Map the loop is in a child execution: only that item fails, and the
/// Map's tolerance decides.
#[test]
fn a_looping_distributed_item_fails_only_itself() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map",
        "ToleratedFailureCount": 1,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Loop?",
            "States": {
                "Loop?": {"Type": "Choice",
                          "Choices": [{"Variable": "$.loop", "BooleanEquals": true, "Next": "Again"}],
                          "Default": "Done"},
                "Again": {"Type": "Pass", "Next": "Loop?"},
                "Done": {"Type": "Succeed"}}},
        "End": true}}});
    let mut exec = new_execution(&def, json!([{"loop": true}, {"loop": false}]), 1);
    exec.step(0, Event::Start);
    assert!(
        matches!(exec.status, Status::Succeeded(_)),
        "{:?}",
        exec.status
    );
    let out = output(&exec);
    assert_eq!(out[0]["Error"], "States.Runtime");
    assert_eq!(out[1], json!({"loop": false}));
    assert!(
        exec.history.len() < 20,
        "child events stay out of the parent history"
    );
}

// ---------------------------------------------------------------------------------------------
// Lambda function ARNs
// ---------------------------------------------------------------------------------------------

#[test]
fn lambda_function_arns_record_lambda_function_events() {
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:greet";
    let script =
        |steps: Vec<Step>| ScriptedTasks::new().on_resource(arn, move |_, _| steps.clone());
    let definition = json!({"StartAt": "Greet", "States": {"Greet": {
        "Type": "Task", "Resource": arn, "TimeoutSeconds": 5, "End": true}}});

    let exec = run(
        &definition,
        json!({"name": "Ada"}),
        &script(vec![succeed(json!("hi"))]),
    );
    assert_eq!(
        types(&exec),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let wire = serde_json::to_value(&exec.history).unwrap();
    assert_eq!(
        wire[2]["lambdaFunctionScheduledEventDetails"],
        json!({"resource": arn, "input": "{\"name\":\"Ada\"}",
               "inputDetails": {"truncated": false}, "timeoutInSeconds": 5})
    );
    assert_eq!(wire[3].get("lambdaFunctionStartedEventDetails"), None);
    assert_eq!(
        wire[4]["lambdaFunctionSucceededEventDetails"],
        json!({"output": "\"hi\"", "outputDetails": {"truncated": false}})
    );

    let exec = run(
        &definition,
        json!({}),
        &script(vec![fail("Nope", "said no")]),
    );
    let wire = serde_json::to_value(&exec.history).unwrap();
    assert_eq!(
        wire[4]["lambdaFunctionFailedEventDetails"],
        json!({"error": "Nope", "cause": "said no"})
    );

    let exec = run(&definition, json!({}), &script(vec![sleep_s(60)]));
    let wire = serde_json::to_value(&exec.history).unwrap();
    assert_eq!(wire[4]["type"], "LambdaFunctionTimedOut");
    assert_eq!(
        wire[4]["lambdaFunctionTimedOutEventDetails"],
        json!({"error": "States.Timeout"})
    );
}

/// A Map with an ItemReader has the executor read its items (a task of the reader's Resource
/// that records no Task events, MapStateStarted with no length yet, as AWS records it), then
/// runs one child per item; the reader's Parameters and ReaderConfig (MaxItemsPath read from a
/// variable) are what the call gets. A reader that fails fails the Map Run with
/// States.ItemReaderFailed, which Catch sees.
#[test]
fn a_map_with_an_item_reader_runs_over_the_items_the_executor_read() {
    let reader = "arn:aws:states:::s3:getObject";
    let definition = json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"max": "2"}, "Next": "M"},
        "M": {"Type": "Map", "End": true,
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
              "ItemSelector": {"item.$": "$$.Map.Item.Value", "bucket.$": "$.Bucket"},
              "ItemReader": {"Resource": reader,
                             "ReaderConfig": {"InputType": "JSONL", "MaxItemsPath": "$max"},
                             "Parameters": {"Bucket.$": "$.Bucket", "Key": "items.jsonl"}}}}});
    let tasks = ScriptedTasks::default().on_resource(reader, |_, _| {
        vec![succeed(
            json!({"Items": [{"n": 1}, {"n": 2}], "Next": null}),
        )]
    });
    let exec = run(&definition, json!({"Bucket": "b"}), &tasks);
    assert_eq!(
        exec.status,
        Status::Succeeded(
            json!([{"item": {"n": 1}, "bucket": "b"}, {"item": {"n": 2}, "bucket": "b"}])
        )
    );
    let calls = tasks.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].request.input,
        json!({"Parameters": {"Bucket": "b", "Key": "items.jsonl"},
               "ReaderConfig": {"InputType": "JSONL", "MaxItems": 2}, "Cursor": null})
    );
    let types = types(&exec);
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    let started = exec
        .history
        .iter()
        .find_map(|e| match &e.details {
            EventDetails::MapStateStarted { length } => Some(*length),
            _ => None,
        })
        .unwrap();
    assert_eq!(started, 0, "the length is not known when the Map starts");

    let caught = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "Next": "Done",
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
              "ItemReader": {"Resource": reader, "ReaderConfig": {"InputType": "JSON"},
                             "Parameters": {"Bucket": "b", "Key": "k"}},
              "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Done"}]},
        "Done": {"Type": "Pass", "End": true}}});
    let tasks = ScriptedTasks::default().on_resource(reader, |_, _| {
        vec![fail(
            "States.ItemReaderFailed",
            "S3.NoSuchKeyException: The specified key does not exist.",
        )]
    });
    let exec = run(&caught, json!({}), &tasks);
    let Status::Succeeded(output) = &exec.status else {
        panic!("{:?}", exec.status)
    };
    assert_eq!(output["Error"], "States.ItemReaderFailed");
    assert_eq!(count(&exec, "MapRunFailed"), 1);
    // Any other failure of the read is the reader's failure too.
    let tasks = ScriptedTasks::default()
        .on_resource(reader, |_, _| vec![fail("States.Runtime", "no endpoint")]);
    let exec = run(&caught, json!({}), &tasks);
    let Status::Succeeded(output) = &exec.status else {
        panic!("{:?}", exec.status)
    };
    assert_eq!(output["Error"], "States.ItemReaderFailed");
    assert_eq!(output["Cause"], "States.Runtime: no endpoint");
}

/// A ResultWriter writes a file of results once it holds 5 MiB of them, while the children
/// run, and the last files with the manifest at the end, naming every file written before:
/// a Map Run of any size holds at most a file's worth per outcome.
#[test]
fn a_result_writer_writes_files_as_they_fill_and_the_manifest_at_the_end() {
    let put = "arn:aws:states:::s3:putObject";
    let definition = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "MaxConcurrency": 4,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "ResultWriter": {"Resource": put, "Parameters": {"Bucket": "b"}}}}});
    // 60 results of 200 kB: a file holds 5 MiB of them, so two fill up before the end.
    let item = "x".repeat(200_000);
    let input = Value::Array((0..60).map(|_| json!(item)).collect());
    let tasks = ScriptedTasks::default().on_resource(put, |request, n| {
        let files: Vec<Value> = request.input["Files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| json!({"Status": f["Status"], "Key": format!("call-{n}"), "Size": 1}))
            .collect();
        match request.input.get("Written") {
            None => vec![succeed(json!({ "Files": files }))],
            Some(_) => vec![succeed(
                json!({"MapRunArn": "run", "ResultWriterDetails": {}}),
            )],
        }
    });
    let exec = run(&definition, input, &tasks);
    assert!(
        matches!(exec.status, Status::Succeeded(_)),
        "{:?}",
        exec.status
    );
    // Pass children all end at once: the second file fills while the first is written,
    // and goes with the last.
    let calls = tasks.calls();
    let files: Vec<Vec<(u64, usize)>> = calls
        .iter()
        .map(|c| {
            let files = c.request.input["Files"].as_array().unwrap();
            files
                .iter()
                .map(|f| {
                    (
                        f["Index"].as_u64().unwrap(),
                        f["Results"].as_array().unwrap().len(),
                    )
                })
                .collect()
        })
        .collect();
    let per_file = 5 * 1024 * 1024 / 200_038 + 1;
    assert_eq!(
        files,
        [
            vec![(0, per_file)],
            vec![(1, per_file), (2, 60 - 2 * per_file)]
        ]
    );
    assert!(calls[0].request.input.get("Written").is_none());
    assert_eq!(
        calls[1].request.input["Written"],
        json!([{"Status": "SUCCEEDED", "Key": "call-0", "Size": 1}])
    );
}

/// A Map Run that fails still has its ResultWriter write what it came to: the results so
/// far, and a PENDING file of the inputs it did not run, before the state fails as it would
/// have (here into its Catch). A failed write says how the Map Run had failed too.
#[test]
fn a_failed_map_run_writes_its_results_and_pending_inputs_then_fails() {
    let put = "arn:aws:states:::s3:putObject";
    let definition = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "Next": "Done", "MaxConcurrency": 1, "ToleratedFailureCount": 0,
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                "StartAt": "Check", "States": {
                  "Check": {"Type": "Choice", "Default": "Ok",
                            "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "Bad"}]},
                  "Ok": {"Type": "Pass", "End": true},
                  "Bad": {"Type": "Fail", "Error": "Bad", "Cause": "bad item"}}},
              "ResultWriter": {"Resource": put, "Parameters": {"Bucket": "b"}},
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]},
        "Done": {"Type": "Pass", "End": true}}});
    let input = json!(["good", "bad", "later", "last"]);
    let tasks = ScriptedTasks::default().on_resource(put, |_, _| {
        vec![succeed(
            json!({"MapRunArn": "run", "ResultWriterDetails": {}, "Files": []}),
        )]
    });
    let exec = run(&definition, input.clone(), &tasks);
    let Status::Succeeded(output) = &exec.status else {
        panic!("{:?}", exec.status)
    };
    assert_eq!(output["Error"], "States.ExceedToleratedFailureThreshold");
    let calls = tasks.calls();
    assert_eq!(calls.len(), 1);
    let files = &calls[0].request.input["Files"];
    assert_eq!(
        files,
        &json!([
            {"Status": "SUCCEEDED", "Index": 0, "Results": [{"Status": "SUCCEEDED", "Output": "\"good\""}]},
            {"Status": "FAILED", "Index": 0, "Results": [{"Status": "FAILED", "Error": "Bad", "Cause": "bad item"}]},
            {"Status": "PENDING", "Index": 0, "Results": [
                {"Status": "PENDING", "Input": "\"later\""}, {"Status": "PENDING", "Input": "\"last\""}]}
        ])
    );
    assert_eq!(count(&exec, "MapRunFailed"), 1);

    let tasks = ScriptedTasks::default().on_resource(put, |_, _| {
        vec![fail("S3.NoSuchBucketException", "no bucket")]
    });
    let exec = run(&definition, input, &tasks);
    let Status::Succeeded(output) = &exec.status else {
        panic!("{:?}", exec.status)
    };
    assert_eq!(output["Error"], "States.ResultWriterFailed");
    assert_eq!(
        output["Cause"],
        "S3.NoSuchBucketException: no bucket (the Map Run had failed: \
         States.ExceedToleratedFailureThreshold)"
    );
}

/// The reader's items come a page at a time while the children run: each page's call has
/// the cursor the last one gave and MaxItems lowered to what is left; items are selected with
/// their index across pages, batched across pages (the last batch waits for the last page),
/// and the results are in item order. A page that fails fails the Map Run with
/// States.ItemReaderFailed, stopping the children that run.
#[test]
fn a_map_reads_its_items_page_by_page_while_its_children_run() {
    let reader = "arn:aws:states:::s3:listObjectsV2";
    let definition = |batcher: Value| {
        let mut map = json!({"Type": "Map", "End": true, "MaxConcurrency": 2,
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
              "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
              "ItemReader": {"Resource": reader, "ReaderConfig": {"MaxItems": 5},
                             "Parameters": {"Bucket": "b"}}});
        if !batcher.is_null() {
            map["ItemBatcher"] = batcher;
        }
        json!({"StartAt": "M", "States": {"M": map}})
    };
    // Pages of 2 items; the cursor is the page number.
    let pages = |request: &stepwise::interp::TaskRequest, _| {
        let page = request.input["Cursor"].as_u64().unwrap_or(0);
        let items: Vec<Value> = (page * 2..page * 2 + 2).map(|n| json!(n * 10)).collect();
        vec![succeed(json!({"Items": items, "Next": page + 1}))]
    };
    let tasks = ScriptedTasks::default().on_resource(reader, pages);
    let exec = run(&definition(Value::Null), json!({}), &tasks);
    let expected: Vec<Value> = (0..5).map(|i| json!({"i": i, "v": i * 10})).collect();
    assert_eq!(exec.status, Status::Succeeded(Value::Array(expected)));
    let calls = tasks.calls();
    let asked: Vec<(Value, Value)> = calls
        .iter()
        .map(|c| {
            (
                c.request.input["Cursor"].clone(),
                c.request.input["ReaderConfig"]["MaxItems"].clone(),
            )
        })
        .collect();
    assert_eq!(
        asked,
        [
            (Value::Null, json!(5)),
            (json!(1), json!(3)),
            (json!(2), json!(1))
        ],
        "each page from the last one's cursor, MaxItems lowered"
    );

    let tasks = ScriptedTasks::default().on_resource(reader, pages);
    let exec = run(
        &definition(json!({"MaxItemsPerBatch": 3})),
        json!({}),
        &tasks,
    );
    let batch = |r: std::ops::Range<i64>| json!({"Items": r.map(|i| json!({"i": i, "v": i * 10})).collect::<Vec<_>>()});
    assert_eq!(
        exec.status,
        Status::Succeeded(json!([batch(0..3), batch(3..5)])),
        "a batch spans pages"
    );

    // The second page fails: the Map Run fails, and Catch sees States.ItemReaderFailed.
    let mut caught = definition(Value::Null);
    caught["States"]["M"]["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": "Done"}]);
    caught["States"]["M"].as_object_mut().unwrap().remove("End");
    caught["States"]["M"]["Next"] = json!("Done");
    caught["States"]["Done"] = json!({"Type": "Pass", "End": true});
    let tasks = ScriptedTasks::default().on_resource(reader, |request, _| {
        match request.input["Cursor"].as_u64() {
            None => vec![succeed(json!({"Items": [1, 2], "Next": 1}))],
            Some(_) => vec![fail("S3.AccessDenied", "no")],
        }
    });
    let exec = run(&caught, json!({}), &tasks);
    let Status::Succeeded(output) = &exec.status else {
        panic!("{:?}", exec.status)
    };
    assert_eq!(output["Error"], "States.ItemReaderFailed");
    assert_eq!(output["Cause"], "S3.AccessDenied: no");
    assert_eq!(count(&exec, "MapRunFailed"), 1);
}

/// A ResultWriter's WriterConfig shapes what the Map outputs (FLATTEN splices the arrays its
/// children give); one that writes to S3 has the executor write the children's results (a
/// task of its Resource, with its Parameters, WriterConfig and each child's outcome), and what
/// it answers is the Map's result. A writer that fails fails the Map Run with
/// States.ResultWriterFailed, which Catch sees.
#[test]
fn a_result_writer_shapes_the_results_or_has_the_executor_write_them() {
    let processor = json!({"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                           "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let shaped = |config: Value| {
        json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemProcessor": processor.clone(), "End": true,
            "ResultWriter": {"WriterConfig": config}}}})
    };
    let input = json!([[1, 2], 3, [], [[4]]]);
    let exec = run(
        &shaped(json!({"Transformation": "FLATTEN", "OutputType": "JSON"})),
        input.clone(),
        &ScriptedTasks::default(),
    );
    assert_eq!(exec.status, Status::Succeeded(json!([1, 2, 3, [4]])));
    let exec = run(
        &shaped(json!({"Transformation": "COMPACT"})),
        input.clone(),
        &ScriptedTasks::default(),
    );
    assert_eq!(exec.status, Status::Succeeded(input));

    let put = "arn:aws:states:::s3:putObject";
    let writer = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemProcessor": processor, "Next": "Done", "Label": "L",
              "ResultWriter": {"Resource": put,
                               "Parameters": {"Bucket.$": "$$.Execution.Input[0].bucket", "Prefix": "p"},
                               "WriterConfig": {"OutputType": "JSONL"}},
              "Catch": [{"ErrorEquals": ["States.ResultWriterFailed"], "Next": "Done"}]},
        "Done": {"Type": "Pass", "End": true}}});
    let answer = json!({"MapRunArn": "run", "ResultWriterDetails": {"Bucket": "b", "Key": "p/run/manifest.json"}});
    let answered = answer.clone();
    let tasks =
        ScriptedTasks::default().on_resource(put, move |_, _| vec![succeed(answered.clone())]);
    let exec = run(&writer, json!([{"bucket": "b"}, 2]), &tasks);
    assert_eq!(exec.status, Status::Succeeded(answer));
    let request = &tasks.calls()[0].request.input;
    assert_eq!(request["Parameters"], json!({"Bucket": "b", "Prefix": "p"}));
    assert_eq!(
        request["WriterConfig"],
        json!({"OutputType": "JSONL", "Transformation": "NONE"})
    );
    assert!(
        request["MapRunArn"]
            .as_str()
            .unwrap()
            .contains(":mapRun:machine/L:exec-1-")
    );
    assert_eq!(
        request["Files"],
        json!([{"Status": "SUCCEEDED", "Index": 0, "Results": [
            {"Status": "SUCCEEDED", "Output": "{\"bucket\":\"b\"}"},
            {"Status": "SUCCEEDED", "Output": "2"}]}])
    );
    assert_eq!(request["Written"], json!([]), "no file was full before");
    assert_eq!(count(&exec, "MapRunSucceeded"), 1);

    let tasks = ScriptedTasks::default().on_resource(put, |_, _| {
        vec![fail("S3.NoSuchBucketException", "no bucket")]
    });
    let exec = run(&writer, json!([{"bucket": "b"}]), &tasks);
    let Status::Succeeded(output) = &exec.status else {
        panic!("{:?}", exec.status)
    };
    assert_eq!(output["Error"], "States.ResultWriterFailed");
    assert_eq!(output["Cause"], "S3.NoSuchBucketException: no bucket");
    assert_eq!(count(&exec, "MapRunFailed"), 1);
}

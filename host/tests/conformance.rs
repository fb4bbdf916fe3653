//! Runs every ASL conformance case in `tests/conformance/cases/` (results recorded against AWS)
//! through the real validator, interpreter and executor, one named test per case.
//!
//! Status, output, error and cause must match exactly (numbers compare by type), and so must the
//! sequence of history event types and state names where AWS recorded one. Parallel branches
//! are the exception: AWS records events of branches that happen in the same instant in an
//! order no sequential schedule produces (a branch's second state entered before its first one
//! exited), so for machines with a Parallel state the events are compared as a multiset. Cases
//! listed in
//! `tests/conformance/expected-failures.txt` must still fail — a listed case that passes fails
//! the run, so that the list only ever shrinks.
//!
//! Every case that runs also runs under the durable executor, on a store in memory, and its
//! stored steps are replayed into a fresh execution, which must rebuild the stored history event
//! for event and end as stored. A case that fails this fails whether or not it is listed: the
//! list excuses differences from AWS, not an execution that would not survive a restart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use tokio::sync::mpsc;

use stepwise::asl::validate;
use stepwise::executor::durable::{self, ReplayError};
use stepwise::executor::{self, Clock, Ended, Journal, NoResources, Run};
use stepwise::interp::{Event, Execution, ExecutionInfo, Program, Status};
use stepwise::store::memory::MemoryStore;
use stepwise::store::{ExecutionRecord, ExecutionStatus, StepRecord, Store, Write};

/// Virtual wall-clock time at which every case starts.
const START_MS: i64 = 1_700_000_000_000;
/// The seed of every case's execution.
const SEED: u64 = 7;

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance")
}

fn main() {
    let args = Arguments::from_args();
    let dir = conformance_dir();
    let expected_failures = read_expected_failures(&dir.join("expected-failures.txt"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("cases"))
        .expect("tests/conformance/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut trials = Vec::with_capacity(paths.len());
    for path in paths {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let reason = expected_failures.get(&name).cloned();
        trials.push(Trial::test(name, move || {
            let outcome = run_case(&path);
            match (outcome, reason) {
                (Ok(()), None) => Ok(()),
                (Err(Mismatch::Replay(e)), _) => Err(e),
                (Err(Mismatch::Aws(e)), None) => Err(e),
                (Err(Mismatch::Aws(_)), Some(_)) => Ok(()),
                (Ok(()), Some(reason)) => Err(format!(
                    "this case now passes: remove it from expected-failures.txt (listed because: {reason})"
                )
                .into()),
            }
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// `name  reason...` per line; `#` starts a comment.
fn read_expected_failures(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((name, reason)) => (name.to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

/// Why a case failed.
enum Mismatch {
    /// It differs from what AWS recorded (or does not run at all).
    Aws(Failed),
    /// Its durable run does not replay to what it stored.
    Replay(Failed),
}

impl From<Failed> for Mismatch {
    fn from(e: Failed) -> Self {
        Mismatch::Aws(e)
    }
}

impl From<String> for Mismatch {
    fn from(e: String) -> Self {
        Mismatch::Aws(e.into())
    }
}

fn run_case(path: &Path) -> Result<(), Mismatch> {
    let case: Value = serde_json::from_slice(&std::fs::read(path).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let definition = serde_json::to_vec(&case["definition"]).map_err(|e| e.to_string())?;
    let machine = validate::parse_definition(&definition)
        .map_err(|d| format!("definition rejected: {d:#?}"))?;
    let program = Arc::new(Program::compile(&machine).map_err(|e| e.to_string())?);
    let info = ExecutionInfo::local("conformance", "case", case["input"].clone(), 0);
    let fresh = || Execution::new(program.clone(), info.clone(), SEED);
    let mut exec = fresh();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(async {
            executor::run(
                &mut exec,
                Arc::new(NoResources),
                Clock::starting_at(START_MS),
            )
            .await
        })
        .map_err(|e| e.to_string())?;
    let stored = runtime
        .block_on(run_durably(fresh()))
        .map_err(|e| Mismatch::Replay(e.into()))?;
    check_replay(&stored, fresh, &exec).map_err(Mismatch::Replay)?;

    let expected = &case["expected"];
    let got = status_json(&exec.status);
    check_eq("status", &expected["status"], &got["status"])?;
    match expected["status"].as_str() {
        Some("SUCCEEDED") => check_eq("output", &expected["output"], &got["output"])?,
        Some("FAILED") => {
            check_eq("error", &expected["error"], &got["error"])?;
            if expected["cause_is_json"] == Value::Bool(true) {
                let parse = |v: &Value| {
                    v.as_str()
                        .and_then(|s| serde_json::from_str::<Value>(s).ok())
                        .unwrap_or(Value::Null)
                };
                check_eq(
                    "cause (as JSON)",
                    &parse(&expected["cause"]),
                    &parse(&got["cause"]),
                )?;
            } else {
                check_eq("cause", &expected["cause"], &got["cause"])?;
            }
        }
        _ => {}
    }
    if let Some(recorded) = case["history"].as_array() {
        let ours: Vec<Value> = exec
            .history
            .iter()
            .map(|e| serde_json::json!([e.details.event_type(), e.details.state_name()]))
            .collect();
        let mut expected = recorded.clone();
        let mut ours = ours;
        if case["definition"]
            .to_string()
            .contains(r#""Type":"Parallel""#)
        {
            let key = |v: &Value| v.to_string();
            expected.sort_by_key(key);
            ours.sort_by_key(key);
        }
        check_eq("history", &Value::Array(expected), &Value::Array(ours))?;
    }
    Ok(())
}

/// What the durable executor stored of a case's run.
struct Stored {
    /// The final record.
    record: ExecutionRecord,
    steps: Vec<StepRecord>,
    /// The history the steps hold, as the API reads it.
    history: Vec<Value>,
}

/// Runs `exec` to its end under the durable executor, on a store in memory: the one place this
/// test uses the durable API (so that it follows the executor in one place if that changes).
async fn run_durably(mut exec: Execution) -> Result<Stored, String> {
    let store = Arc::new(MemoryStore::new());
    let record = ExecutionRecord {
        seq: 1,
        arn: exec.info.id.clone(),
        name: exec.info.name.clone(),
        machine_arn: exec.info.state_machine_id.clone(),
        definition_id: "conformance".into(),
        role_arn: exec.info.role_arn.clone(),
        seed: SEED,
        status: ExecutionStatus::Running,
        input: exec.info.input.to_string(),
        output: None,
        error: None,
        cause: None,
        start_ms: START_MS,
        stop_ms: None,
        test_case: None,
        version_arn: None,
        alias_arn: None,
        redrive_count: 0,
        redrive_ms: None,
        map_run: None,
    };
    let run = Run {
        runner: Arc::new(NoResources),
        clock: Clock::starting_at(START_MS),
        journal: Some(Journal {
            store: store.clone(),
            record: record.clone(),
            first_writes: vec![Write::PutExecution(record)],
        }),
        resume: None,
        park_after: None,
        wait_time_scale: 1.0,
    };
    // Kept open: nothing is sent, and a closed channel would end nothing either.
    let (_commands, rx) = mpsc::unbounded_channel();
    // AWS ends an execution after a year; the clock is virtual, so this costs nothing.
    let year = Duration::from_secs(366 * 24 * 3600);
    let ended = tokio::time::timeout(year, executor::drive(&mut exec, run, Some(rx), None))
        .await
        .map_err(|_| "the durable run did not end within a year".to_owned())?;
    let record = match ended {
        Ended::Finished {
            record: Some(record),
            ..
        } => *record,
        other => return Err(format!("the durable run did not finish: {other:?}")),
    };
    let steps = store.steps(record.seq).map_err(|e| e.to_string())?;
    let history = store.history(record.seq).map_err(|e| e.to_string())?;
    Ok(Stored {
        record,
        steps,
        history,
    })
}

/// The stored steps replay into a fresh execution (`fresh()`) that rebuilds the stored history
/// event for event and ends as the stored record says; and they are the history the in-memory
/// run `ran` recorded.
fn check_replay(
    stored: &Stored,
    fresh: impl Fn() -> Execution,
    ran: &Execution,
) -> Result<(), Failed> {
    // Each step must record what it recorded then; steps that end the execution replay to
    // `Ended`, having fed every one of them.
    let mut replayed = fresh();
    match durable::replay(&mut replayed, &stored.steps) {
        Err(ReplayError::Ended) => {}
        Ok(_) => return Err("replay: the steps do not end the execution".into()),
        Err(e) => return Err(format!("replay: {e}").into()),
    }
    // `replay` forgets each step's history once checked; feed the same events again to see the
    // whole of it.
    let mut rebuilt = fresh();
    for step in &stored.steps {
        let event: Event = serde_json::from_str(&step.event)
            .map_err(|e| format!("step {} does not decode: {e}", step.seq))?;
        rebuilt.step(step.now_ms, event);
    }
    let rebuilt_history = serde_json::to_value(&rebuilt.history).map_err(|e| e.to_string())?;
    check_eq(
        "history rebuilt from the stored steps",
        &Value::Array(stored.history.clone()),
        &rebuilt_history,
    )?;
    check_eq(
        "status of the replayed execution",
        &status_json(&replayed.status),
        &status_json(&rebuilt.status),
    )?;
    check_eq(
        "status and output of the rebuilt execution",
        &record_json(&stored.record),
        &status_json(&rebuilt.status),
    )?;
    // The two executors agree: the durable one stored what the in-memory one recorded.
    let ran_history = serde_json::to_value(&ran.history).map_err(|e| e.to_string())?;
    check_eq(
        "stored history against the in-memory run",
        &ran_history,
        &Value::Array(stored.history.clone()),
    )
}

/// How the stored record says the execution ended, in the shape of [`status_json`].
fn record_json(r: &ExecutionRecord) -> Value {
    let status = r.status.as_str();
    match r.status {
        ExecutionStatus::Succeeded => {
            let output = r.output.as_deref().map(serde_json::from_str::<Value>);
            serde_json::json!({"status": status, "output": output.and_then(Result::ok)})
        }
        ExecutionStatus::Failed | ExecutionStatus::Aborted => {
            serde_json::json!({"status": status, "error": r.error, "cause": r.cause})
        }
        ExecutionStatus::TimedOut | ExecutionStatus::Running => {
            serde_json::json!({"status": status})
        }
    }
}

fn status_json(status: &Status) -> Value {
    match status {
        Status::Succeeded(output) => {
            serde_json::json!({"status": "SUCCEEDED", "output": output})
        }
        Status::Failed(f) => {
            serde_json::json!({"status": "FAILED", "error": f.error, "cause": f.cause})
        }
        Status::TimedOut => serde_json::json!({"status": "TIMED_OUT"}),
        Status::Aborted(f) => {
            serde_json::json!({"status": "ABORTED", "error": f.error, "cause": f.cause})
        }
        Status::Running => serde_json::json!({"status": "RUNNING"}),
    }
}

fn check_eq(what: &str, expected: &Value, got: &Value) -> Result<(), Failed> {
    if expected == got {
        Ok(())
    } else {
        Err(format!(
            "{what} differs\n  expected: {}\n  got:      {}",
            compact(expected),
            compact(got)
        )
        .into())
    }
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 2000 {
        format!("{}… ({} bytes)", &s[..s.floor_char_boundary(2000)], s.len())
    } else {
        s
    }
}

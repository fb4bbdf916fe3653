//! A Distributed Map's ResultWriter: how each child ended is written to S3 as the children
//! end, in files of about [`RESULT_FILE_BYTES`] (`SUCCEEDED_0.json`, `SUCCEEDED_1.json`, ...,
//! `FAILED_0.json`, ...), and the manifest that names them all once the Map Run is over, so
//! that a Map Run of any size holds at most a file's worth of results per outcome.
//!
//! Each write is a task of the writer's Resource (which records no Task events): a file while
//! the children run is handed over beside them, the last files and the manifest when they
//! are done, with the thread waiting for it. A Map Run that fails writes too: what its
//! children gave so far, and a PENDING file of the inputs it had not run (those read and not
//! started, and the children it stopped), before the state fails. The call is `{"Parameters", "WriterConfig",
//! "MapRunArn", "Files": [{"Status", "Index", "Results"}]}`, answered `{"Files": [{"Status",
//! "Key", "Size"}]}`; the last one also has `"Written"` (the files so far), and its answer,
//! `{"MapRunArn", "ResultWriterDetails"}`, is the Map's result.

use serde_json::{Value, json};

use super::join::{self, Join};
use super::{StateScope, task};
use crate::asl::model::{Map, State};
use crate::interp::TaskId;
use crate::interp::dataflow;
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, Phase, ThreadId};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::Node;

/// Results of one outcome are written once they are this many bytes (as JSON).
pub const RESULT_FILE_BYTES: usize = 5 * 1024 * 1024;

/// The outcomes results are held by, in the order files are written.
const OUTCOMES: [&str; 2] = ["SUCCEEDED", "FAILED"];

/// What a Map Run's ResultWriter holds: results not yet written, and the files written.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    /// Results not yet written, with their bytes, by outcome ([`OUTCOMES`]).
    held: [std::collections::VecDeque<(Value, usize)>; 2],
    /// Their bytes.
    bytes: [usize; 2],
    /// Files written so far, by outcome.
    files: [usize; 2],
    /// The files written: `{"Status", "Key", "Size"}`.
    written: Vec<Value>,
    /// The file being written.
    writing: Option<TaskId>,
    /// The files of the write in flight, sent again by the next write if it fails (a
    /// redrive's).
    sent: Vec<Value>,
    /// The Map Run failed so: the last write is its, and then the state fails.
    failure: Option<Failure>,
    /// The inputs a failed Map Run had not run, for its PENDING file.
    pending: Vec<Value>,
    /// Its files hold succeeded children's outputs only (Transformation COMPACT or FLATTEN):
    /// only those are held of them, and a file's bytes are theirs.
    outputs_only: bool,
}

impl Writer {
    /// A writer for `s`'s ResultWriter.
    pub fn for_map(s: &Map) -> Writer {
        let transformation = s
            .result_writer
            .as_ref()
            .and_then(|w| w.writer_config.as_ref())
            .and_then(|c| c.transformation.as_deref());
        Writer {
            outputs_only: matches!(transformation, Some("COMPACT" | "FLATTEN")),
            ..Writer::default()
        }
    }

    /// An outcome whose results fill a file, if one does.
    fn full(&self) -> Option<usize> {
        (0..OUTCOMES.len()).find(|o| self.bytes[*o] >= RESULT_FILE_BYTES)
    }

    /// The next file of `outcome`: its oldest held results, a file's worth at most.
    fn take_file(&mut self, outcome: usize) -> Value {
        let mut results = Vec::new();
        let mut bytes = 0;
        while let Some((result, size)) = self.held[outcome].pop_front() {
            results.push(result);
            bytes += size;
            if bytes >= RESULT_FILE_BYTES {
                break;
            }
        }
        self.bytes[outcome] -= bytes;
        let index = self.files[outcome];
        self.files[outcome] += 1;
        let file = json!({"Status": OUTCOMES[outcome], "Index": index, "Results": results});
        self.sent.push(file.clone());
        file
    }

    /// The files a failed (or withdrawn) write sent, to send again with the next.
    fn resend(&self) -> Vec<Value> {
        self.sent.clone()
    }
}

/// The Map Run of thread `t` failed with `failure`, `pending` (the inputs it had not run)
/// left: whether its ResultWriter writes what it came to first, and so the state fails
/// once that is written ([`last_written`]).
pub fn fails_after_writing(
    exec: &mut Execution,
    t: ThreadId,
    failure: &Failure,
    pending: Vec<Value>,
) -> bool {
    let Some(writer) = writer_mut(exec, t) else {
        return false;
    };
    writer.failure = Some(failure.clone());
    writer.pending = pending
        .iter()
        .map(|input| json!({"Status": "PENDING", "Input": input.to_string()}))
        .collect();
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    let State::Map(s) = &node.state else {
        return false;
    };
    write_last(exec, t, node, s);
    true
}

/// A child of thread `t`'s Map Run ended as `described` (DescribeExecution's fields, or
/// `{"Status", "Output"}` / `{"Status", "Error", "Cause"}` for one run in this execution):
/// the writer holds it, and writes a file once one is full.
pub fn hold(exec: &mut Execution, t: ThreadId, described: Value) {
    let Some(writer) = writer_mut(exec, t) else {
        return;
    };
    let outcome = usize::from(described["Status"].as_str() != Some("SUCCEEDED"));
    let described = match described {
        Value::Object(mut fields) if writer.outputs_only && outcome == 0 => {
            let output = fields.remove("Output").unwrap_or(Value::Null);
            json!({"Status": "SUCCEEDED", "Output": output})
        }
        other => other,
    };
    let size = described.to_string().len();
    writer.bytes[outcome] += size;
    writer.held[outcome].push_back((described, size));
    write_ahead(exec, t);
}

/// Writes a full file of thread `t`'s Map Run, if one is full and none is being written.
fn write_ahead(exec: &mut Execution, t: ThreadId) {
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    let State::Map(s) = &node.state else {
        return;
    };
    let Some(resource) = s.result_writer.as_ref().and_then(|w| w.resource.clone()) else {
        return;
    };
    let ready = th
        .join
        .as_ref()
        .and_then(|j| j.writer.as_ref())
        .is_some_and(|w| w.writing.is_none() && w.full().is_some());
    if !ready {
        return;
    }
    // Parameters that cannot be evaluated fail the last write, which says why.
    let Ok(mut request) = request(exec, t, node, s) else {
        return;
    };
    let Some(writer) = writer_mut(exec, t) else {
        return;
    };
    let Some(outcome) = writer.full() else {
        return;
    };
    let mut files = writer.resend();
    files.push(writer.take_file(outcome));
    request["Files"] = Value::Array(files);
    let context = StateScope::new(exec, t, node).context_for_task();
    let task = task::hand_over_beside(exec, t, resource, request, context);
    if let Some(writer) = writer_mut(exec, t) {
        writer.writing = Some(task);
    }
}

/// The writer of thread `t`'s Map Run, if it has one.
fn writer_mut(exec: &mut Execution, t: ThreadId) -> Option<&mut Writer> {
    exec.threads[t].join.as_mut()?.writer.as_deref_mut()
}

/// The thread whose Map Run is writing `task`'s file, if one is.
pub fn writer_of(exec: &Execution, task: TaskId) -> Option<ThreadId> {
    let t = *exec.tasks.get(&task)?;
    let writer = exec.threads[t].join.as_ref()?.writer.as_ref()?;
    (writer.writing == Some(task)).then_some(t)
}

/// Withdraws the file being written, if any (the Map stopped or failed).
pub fn cancel_writing(exec: &mut Execution, join: &mut Join) {
    if let Some(task) = join.writer.as_mut().and_then(|w| w.writing.take())
        && exec.tasks.remove(&task).is_some()
    {
        exec.actions.push(crate::interp::Action::CancelTask(task));
    }
}

/// A file was written: the next full one is written, or, the children being done, the last.
pub fn file_written(exec: &mut Execution, t: ThreadId, task: TaskId, answer: Value) {
    exec.tasks.remove(&task);
    let Some(writer) = writer_mut(exec, t) else {
        return;
    };
    writer.writing = None;
    writer.sent.clear();
    if let Some(Value::Array(files)) = answer.get("Files") {
        writer.written.extend(files.iter().cloned());
    }
    if exec.threads[t].phase == Phase::Joined {
        exec.runnable.push_back(t);
    } else {
        write_ahead(exec, t);
    }
}

/// A file could not be written: the Map Run fails with States.ResultWriterFailed.
pub fn file_failed(exec: &mut Execution, t: ThreadId, task: TaskId, failure: Failure) {
    exec.tasks.remove(&task);
    if let Some(writer) = writer_mut(exec, t) {
        writer.writing = None;
    }
    let failure = super::map::as_map_run_error(names::RESULT_WRITER_FAILED, failure);
    join::fail_join(exec, t, failure, true);
}

/// The children are done: the last files and the manifest are written (a task the thread
/// waits for; [`join::results_written`] or [`super::map::write_failed`] follows). False
/// while a file is still being written, whose end runs the thread again.
pub fn write_last(exec: &mut Execution, t: ThreadId, node: &Node, s: &Map) -> bool {
    let Some(writer) = exec.threads[t]
        .join
        .as_ref()
        .and_then(|j| j.writer.as_ref())
    else {
        return false;
    };
    if writer.writing.is_some() {
        return false;
    }
    let mut request = match request(exec, t, node, s) {
        Ok(r) => r,
        Err(f) => {
            let flow = super::map::write_failed(exec, t, f);
            exec.threads[t].phase = Phase::Run;
            if super::follow(exec, t, node, flow) {
                exec.runnable.push_back(t);
            }
            return false;
        }
    };
    let Some(writer) = writer_mut(exec, t) else {
        return false;
    };
    let mut files = writer.resend();
    for outcome in 0..OUTCOMES.len() {
        while !writer.held[outcome].is_empty() {
            files.push(writer.take_file(outcome));
        }
    }
    if !writer.pending.is_empty() {
        let pending = std::mem::take(&mut writer.pending);
        files.push(json!({"Status": "PENDING", "Index": 0, "Results": pending}));
    }
    request["Files"] = Value::Array(files);
    request["Written"] = Value::Array(writer.written.clone());
    let Some(resource) = s.result_writer.as_ref().and_then(|w| w.resource.clone()) else {
        return false;
    };
    let context = StateScope::new(exec, t, node).context_for_task();
    task::hand_over(exec, t, resource, request, context);
    false
}

/// What every write of the Map Run says: the writer's Parameters (or Arguments) evaluated
/// over the state's input, its WriterConfig and the Map Run.
fn request(exec: &Execution, t: ThreadId, node: &Node, s: &Map) -> Result<Value, Failure> {
    let Some(writer) = &s.result_writer else {
        return Err(Failure::new(names::RESULT_WRITER_FAILED, "no ResultWriter"));
    };
    let effective = super::map::effective_input(exec, t, node, s)?;
    let scope = &StateScope::new(exec, t, node);
    let parameters = if node.query.is_jsonata() {
        match &node.query.writer_arguments {
            Some(a) => Evaluator::new(scope, States::input(&effective)).field(a, "Arguments")?,
            None => json!({}),
        }
    } else {
        match &writer.parameters {
            Some(p) => dataflow::template(p, &effective, scope)?,
            None => json!({}),
        }
    };
    let config = writer.writer_config.clone().unwrap_or_default();
    Ok(json!({
        "Parameters": parameters,
        "WriterConfig": {
            "OutputType": config.output_type.as_deref().unwrap_or("JSON"),
            "Transformation": config.transformation.as_deref().unwrap_or("NONE"),
        },
        "MapRunArn": super::map::map_run_arn(exec, t, node, s),
    }))
}

/// The last write is done (`answer`: the Map's result, with the files it wrote): the Map
/// goes on with it, or, if its Map Run had failed, fails as it did. Whether the thread can
/// run on.
pub fn last_written(exec: &mut Execution, t: ThreadId, mut answer: Value) -> bool {
    let files = match answer.as_object_mut().and_then(|a| a.remove("Files")) {
        Some(Value::Array(files)) => files,
        _ => Vec::new(),
    };
    let failure = writer_mut(exec, t).and_then(|w| {
        w.sent.clear();
        // A redrive's last write names the results written so far that stand.
        w.written
            .extend(files.into_iter().filter(|f| f["Status"] == "SUCCEEDED"));
        w.failure.take()
    });
    let Some(failure) = failure else {
        return join::results_written(exec, t, answer);
    };
    join::failed_after_writing(exec, t, failure);
    false
}

/// The last write failed: the Map Run fails with States.ResultWriterFailed (saying how it had
/// failed before, if it had). Its results stay held for a redrive to write.
pub fn last_failed(exec: &mut Execution, t: ThreadId, failure: Failure) -> super::Flow {
    let before = writer_mut(exec, t).and_then(|w| w.failure.take());
    let mut failure = super::map::as_map_run_error(names::RESULT_WRITER_FAILED, failure);
    if let Some(before) = before {
        let cause = failure.cause.take().unwrap_or_default();
        failure.cause = Some(format!(
            "{cause} (the Map Run had failed: {})",
            before.error.unwrap_or_default()
        ));
        if let Some(join) = exec.threads[t].join.take() {
            exec.threads[t].unfinished = Some(join);
        }
        return super::Flow::Error(failure);
    }
    if let Some(join) = exec.threads[t].join.take() {
        exec.threads[t].unfinished = Some(join);
    }
    super::map::write_failed(exec, t, failure)
}

//! A Distributed Map's items as its ItemReader reads them: page by page, while the Map's
//! children run, so that the items of a large object are never all in memory at once. Each
//! page is a task of the reader's Resource (which records no Task events): its call is the
//! reader's `{"Parameters", "ReaderConfig"}` with `MaxItems` lowered to what is left and the
//! `Cursor` the last page gave; its answer is `{"Items": [...], "Next": cursor}`, a null
//! `Next` saying the reader is done. The cursor is the reader's own (where in the object or
//! listing the next page starts); the interpreter only hands it back.
//!
//! Items become iteration inputs as they come: ItemSelector with their index, then
//! ItemBatcher, whose last batch waits for the last page. A page is asked for while fewer
//! inputs wait than [`READ_AHEAD`] (or MaxConcurrency, if more), one at a time, so that
//! children never wait for a read that could have been made, and what waits stays bounded.

use std::sync::Arc;

use serde_json::{Value, json};

use super::join::{self, Join};
use super::{StateScope, task};
use crate::asl::model::State;
use crate::interp::TaskId;
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, ThreadId};

/// Pages are asked for while fewer inputs than this (or MaxConcurrency, if more) wait.
pub const READ_AHEAD: usize = 1000;

/// What a Map's ItemReader has still to read.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The reader's call: `{"Parameters", "ReaderConfig"}`, MaxItems resolved.
    request: Value,
    /// Where the next page starts, as the last page said; None before the first.
    cursor: Option<Value>,
    /// Every item is read.
    done: bool,
    /// The page being read.
    reading: Option<TaskId>,
    /// Items read so far.
    read: usize,
    /// At most this many items are read (None: all).
    max_items: Option<usize>,
    /// The Map's effective input, which ItemSelector reads.
    effective: Arc<Value>,
    /// The ItemBatcher's batch being filled.
    batcher: Option<Batcher>,
}

impl Feed {
    /// Items for the reader's call `request` (`ReaderConfig.MaxItems` bounds them), selected
    /// over `effective` and batched by `batcher`.
    pub fn new(request: Value, effective: Value, batcher: Option<Batcher>) -> Feed {
        let max_items = request["ReaderConfig"]["MaxItems"]
            .as_u64()
            .map(|m| m as usize);
        Feed {
            request,
            cursor: None,
            done: false,
            reading: None,
            read: 0,
            max_items,
            effective: Arc::new(effective),
            batcher,
        }
    }

    /// Whether every item is read.
    pub fn done(&self) -> bool {
        self.done
    }

    /// Whether a page should be asked for, `waiting` inputs waiting to start.
    fn wants_page(&self, waiting: usize, max_concurrency: usize) -> bool {
        !self.done && self.reading.is_none() && waiting < READ_AHEAD.max(max_concurrency)
    }

    /// The next page's call.
    fn page_request(&self) -> Value {
        let mut request = self.request.clone();
        if let Some(max) = self.max_items {
            request["ReaderConfig"]["MaxItems"] = Value::from(max.saturating_sub(self.read));
        }
        request["Cursor"] = self.cursor.clone().unwrap_or(Value::Null);
        request
    }
}

/// ItemBatcher: groups iteration inputs into `{"Items": [...], "BatchInput": ...}` objects
/// of at most so many items and bytes.
#[derive(Debug, Clone)]
pub struct Batcher {
    max_items: usize,
    max_bytes: usize,
    batch_input: Option<Value>,
    current: Vec<Value>,
    bytes: usize,
}

impl Batcher {
    /// Batches of at most `max_items` items (None or 0: any number) and `max_bytes` bytes of
    /// items as JSON (AWS caps a batch at 256 KiB whatever MaxInputBytesPerBatch says), each
    /// with `batch_input`.
    pub fn new(max_items: Option<u64>, max_bytes: Option<u64>, batch_input: Option<Value>) -> Self {
        let max_bytes = max_bytes
            .map(|m| m as usize)
            .unwrap_or(crate::interp::MAX_PAYLOAD_BYTES)
            .min(crate::interp::MAX_PAYLOAD_BYTES);
        Batcher {
            max_items: max_items.filter(|m| *m > 0).unwrap_or(u64::MAX) as usize,
            max_bytes,
            batch_input,
            current: Vec::new(),
            bytes: 0,
        }
    }

    /// Adds an input; the batch it did not fit in comes back.
    pub fn push(&mut self, input: Value) -> Option<Value> {
        let size = input.to_string().len();
        let full = !self.current.is_empty()
            && (self.current.len() >= self.max_items || self.bytes + size > self.max_bytes);
        let batch = full.then(|| self.take());
        self.bytes += size;
        self.current.push(input);
        batch
    }

    /// The last batch, if any input is in it.
    pub fn finish(&mut self) -> Option<Value> {
        (!self.current.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> Value {
        let items = std::mem::take(&mut self.current);
        self.bytes = 0;
        match &self.batch_input {
            Some(bi) => json!({"BatchInput": bi, "Items": items}),
            None => json!({ "Items": items }),
        }
    }
}

/// Asks for the next page of thread `t`'s Map, whose `join` is out of the thread, if it
/// wants one.
pub fn read_ahead(exec: &mut Execution, t: ThreadId, join: &mut Join) {
    let Some(feed) = join.feed.as_deref_mut() else {
        return;
    };
    if !feed.wants_page(join.inputs.len(), join.max_concurrency) {
        return;
    }
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    let State::Map(s) = &node.state else {
        return;
    };
    let Some(reader) = &s.item_reader else {
        return;
    };
    let context = StateScope::new(exec, t, node).context_for_task();
    let request = feed.page_request();
    feed.reading = Some(task::hand_over_beside(
        exec,
        t,
        reader.resource.clone(),
        request,
        context,
    ));
}

/// The thread whose Map is reading `task`'s page, if one is.
pub fn reader_of(exec: &Execution, task: TaskId) -> Option<ThreadId> {
    let t = *exec.tasks.get(&task)?;
    let feed = exec.threads[t].join.as_ref()?.feed.as_ref()?;
    (feed.reading == Some(task)).then_some(t)
}

/// Withdraws the page being read, if any (the Map stopped or failed).
pub fn cancel_reading(exec: &mut Execution, join: &mut Join) {
    if let Some(task) = join.feed.as_mut().and_then(|f| f.reading.take())
        && exec.tasks.remove(&task).is_some()
    {
        exec.actions.push(crate::interp::Action::CancelTask(task));
    }
}

/// A page was read: its items join the inputs waiting to start, and more children start.
pub fn page_read(exec: &mut Execution, t: ThreadId, task: TaskId, answer: Value) {
    exec.tasks.remove(&task);
    let Some(mut join) = exec.threads[t].join.take() else {
        return;
    };
    let taken = take_page(exec, t, &mut join, answer);
    let over =
        join.feed.as_ref().is_some_and(|f| f.done) && join.failed > 0 && join.over_tolerance();
    exec.threads[t].join = Some(join);
    match taken {
        Err(failure) => join::fail_join(exec, t, failure, true),
        // Now that the total is known, a percentage may be exceeded already.
        Ok(()) if over => join::fail_join(exec, t, join::threshold_exceeded(), true),
        Ok(()) => join::start_children(exec, t),
    }
}

/// The page could not be read: the Map Run fails with States.ItemReaderFailed.
pub fn page_failed(exec: &mut Execution, t: ThreadId, task: TaskId, failure: Failure) {
    exec.tasks.remove(&task);
    if let Some(feed) = exec.threads[t].join.as_mut().and_then(|j| j.feed.as_mut()) {
        feed.reading = None;
    }
    let failure = super::map::as_map_run_error(names::ITEM_READER_FAILED, failure);
    join::fail_join(exec, t, failure, true);
}

/// The page's items, selected and batched, become inputs of `join`.
fn take_page(exec: &Execution, t: ThreadId, join: &mut Join, answer: Value) -> Result<(), Failure> {
    let Some(mut feed) = join.feed.take() else {
        return Ok(());
    };
    let taken = feed_page(exec, t, join, &mut feed, answer);
    join.feed = Some(feed);
    taken
}

fn feed_page(
    exec: &Execution,
    t: ThreadId,
    join: &mut Join,
    feed: &mut Feed,
    answer: Value,
) -> Result<(), Failure> {
    feed.reading = None;
    let (items, next) = match answer {
        Value::Object(mut fields) => (fields.remove("Items"), fields.remove("Next")),
        _ => (None, None),
    };
    let Some(Value::Array(items)) = items else {
        return Err(Failure::new(
            names::ITEM_READER_FAILED,
            "The ItemReader answered no page of items ({\"Items\": [...], \"Next\": ...})",
        ));
    };
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    let State::Map(s) = &node.state else {
        return Ok(());
    };
    let room = feed
        .max_items
        .map_or(usize::MAX, |m| m.saturating_sub(feed.read));
    let taken = items.len().min(room);
    for item in items.into_iter().take(taken) {
        let input = super::map::select_item(s, &feed.effective, feed.read, &item, exec, t, node)?;
        feed.read += 1;
        let ready = match feed.batcher.as_mut() {
            Some(b) => b.push(input),
            None => Some(input),
        };
        if let Some(input) = ready {
            join.push_input(input);
        }
    }
    feed.cursor = next.filter(|n| !n.is_null());
    feed.done = feed.cursor.is_none() || feed.max_items.is_some_and(|m| feed.read >= m);
    if feed.done
        && let Some(last) = feed.batcher.as_mut().and_then(Batcher::finish)
    {
        join.push_input(last);
    }
    Ok(())
}

//! A synchronous, discrete-event driver for the interpreter, with a scripted test double in
//! place of task code: no runtime, no threads, no wall clock.
//!
//! Owns: the virtual clock (milliseconds since the epoch), the agenda of future events ordered by
//! (time, order of scheduling), and carrying out the [`Action`]s that [`Execution::step`]
//! returns, as the executor (`stepwise::executor::run`) does: an invoked task is recorded as a
//! call, reported started at once (unless it is an activity, which starts when a worker takes
//! it) and its script's heartbeats and outcome are scheduled at their virtual times; a cancelled
//! task loses its queued events; timers are scheduled and unscheduled; `Finished` ends the run,
//! cancelling whatever still runs.
//!
//! Must not: sleep, spawn, or read the system clock. Everything a test asserts about time is a
//! virtual time computed here, so it is exact.
//!
//! Events at one instant are delivered in the order they were scheduled, and the starts the
//! interpreter's own actions imply (TaskStarted) before anything else scheduled: the executor
//! does the same, feeding an action's consequences before it waits for the next outside event.
//! (Under tokio two events due at the same instant, a timer and a task's end say, came in an
//! order `select!` chose at random; no test depends on such a tie.)

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::Value;

use stepwise::interp::{Action, Event, Execution, Failure, TaskId, TaskRequest, TimerId};

/// One step of a scripted task.
#[derive(Debug, Clone)]
pub enum Step {
    /// Take this many virtual milliseconds.
    Sleep(u64),
    /// Report progress.
    Heartbeat,
    /// End with this result.
    Succeed(Value),
    /// End with this error and cause.
    Fail(String, String),
}

/// Chooses the steps of one call from its request and how many calls the same resource had
/// before it.
type Script = Box<dyn Fn(&TaskRequest, usize) -> Vec<Step>>;

/// How a call ended, at which virtual time (milliseconds after the run's start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum End {
    /// Its script ran to the end and its outcome was delivered.
    Finished(i64),
    /// The execution cancelled it first.
    Cancelled(i64),
}

/// One call of a task.
#[derive(Debug, Clone)]
pub struct Call {
    /// What the interpreter asked for.
    pub request: TaskRequest,
    /// Virtual milliseconds after the run's start.
    pub started_ms: i64,
    /// How it ended; `None` while it runs.
    pub end: Option<End>,
}

#[derive(Debug, Default)]
struct Record {
    calls: Vec<Call>,
    in_flight: usize,
    max_in_flight: usize,
}

/// Plays every Task resource from scripts, and records what it was asked to do.
#[derive(Default)]
pub struct ScriptedTasks {
    scripts: HashMap<String, Script>,
    record: RefCell<Record>,
}

impl ScriptedTasks {
    /// Tasks with no scripts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Each call of `resource` follows what `f` makes of the request and the call number.
    pub fn on_resource(
        mut self,
        resource: &str,
        f: impl Fn(&TaskRequest, usize) -> Vec<Step> + 'static,
    ) -> Self {
        self.scripts.insert(resource.to_owned(), Box::new(f));
        self
    }

    /// Every call, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.record.borrow().calls.clone()
    }

    /// The most calls that ran at once.
    pub fn max_in_flight(&self) -> usize {
        self.record.borrow().max_in_flight
    }

    /// Records a call of `request` at `now`; its steps.
    fn invoke(&self, request: &TaskRequest, now: i64) -> (usize, Vec<Step>) {
        let script = self
            .scripts
            .get(request.resource.as_str())
            .unwrap_or_else(|| panic!("no script for {}", request.resource));
        let mut record = self.record.borrow_mut();
        let nth = record
            .calls
            .iter()
            .filter(|c| c.request.resource == request.resource)
            .count();
        let steps = script(request, nth);
        record.calls.push(Call {
            request: request.clone(),
            started_ms: now,
            end: None,
        });
        record.in_flight += 1;
        record.max_in_flight = record.max_in_flight.max(record.in_flight);
        (record.calls.len() - 1, steps)
    }

    /// Marks call `index` ended, unless it already is.
    fn end(&self, index: usize, end: End) {
        let mut record = self.record.borrow_mut();
        if record.calls[index].end.is_none() {
            record.calls[index].end = Some(end);
            record.in_flight -= 1;
        }
    }
}

/// What the agenda holds.
enum Due {
    Timer(TimerId),
    /// An event of the task behind call `call`.
    Task {
        call: usize,
        event: Event,
    },
}

/// Runs `exec` from its start at `start_ms` to its end against `tasks`. Panics if it gets
/// stuck (nothing scheduled and not ended), as the executor reports it.
pub fn drive(exec: &mut Execution, tasks: &ScriptedTasks, start_ms: i64) {
    let mut now = start_ms;
    // (time, order of scheduling) → what is due.
    let mut agenda: BTreeMap<(i64, u64), Due> = BTreeMap::new();
    let mut order = 0u64;
    let mut timers: HashMap<TimerId, (i64, u64)> = HashMap::new();
    // Each running task's call and the agenda keys of its events.
    let mut running: HashMap<TaskId, (usize, Vec<(i64, u64)>)> = HashMap::new();
    let mut immediate = VecDeque::from([Event::Start]);
    loop {
        while let Some(event) = immediate.pop_front() {
            for action in exec.step(now, event) {
                match action {
                    Action::InvokeTask(request) => {
                        let (call, steps) = tasks.invoke(&request, now - start_ms);
                        let mut keys = Vec::new();
                        let mut at = now;
                        let mut ending = None;
                        for step in steps {
                            let event = match step {
                                Step::Sleep(ms) => {
                                    at += ms as i64;
                                    continue;
                                }
                                Step::Heartbeat => Event::TaskHeartbeat(request.task),
                                Step::Succeed(output) => Event::TaskSucceeded {
                                    task: request.task,
                                    output,
                                },
                                Step::Fail(error, cause) => Event::TaskFailed {
                                    task: request.task,
                                    failure: Failure::new(error, cause),
                                },
                            };
                            let ends = !matches!(event, Event::TaskHeartbeat(_));
                            if ends {
                                ending = Some(event);
                                break;
                            }
                            order += 1;
                            agenda.insert((at, order), Due::Task { call, event });
                            keys.push((at, order));
                        }
                        // A script without an ending echoes its input.
                        let event = ending.unwrap_or_else(|| Event::TaskSucceeded {
                            task: request.task,
                            output: request.input.clone(),
                        });
                        order += 1;
                        agenda.insert((at, order), Due::Task { call, event });
                        keys.push((at, order));
                        running.insert(request.task, (call, keys));
                        // The executor takes the task at once and feeds its start; what a start
                        // means (an activity's is a worker taking it) the interpreter decides.
                        immediate.push_back(Event::TaskStarted(request.task));
                    }
                    Action::CancelTask(task) => {
                        if let Some((call, keys)) = running.remove(&task) {
                            for key in keys {
                                agenda.remove(&key);
                            }
                            tasks.end(call, End::Cancelled(now - start_ms));
                        }
                    }
                    Action::ArmTimer { timer, at_ms } => {
                        // A deadline already past fires at once, after what is due now.
                        order += 1;
                        let key = (at_ms.max(now), order);
                        agenda.insert(key, Due::Timer(timer));
                        timers.insert(timer, key);
                    }
                    Action::CancelTimer(timer) => {
                        if let Some(key) = timers.remove(&timer) {
                            agenda.remove(&key);
                        }
                    }
                    Action::Finished => {
                        // The executor aborts what still runs as it returns.
                        for (call, _) in running.into_values() {
                            tasks.end(call, End::Cancelled(now - start_ms));
                        }
                        return;
                    }
                }
            }
        }
        let Some(((at, _), due)) = agenda.pop_first() else {
            panic!("the execution is stuck: no timer or task is pending");
        };
        now = at;
        match due {
            Due::Timer(timer) => {
                timers.remove(&timer);
                immediate.push_back(Event::TimerFired(timer));
            }
            Due::Task { call, event } => {
                if let Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } = &event {
                    running.remove(task);
                    tasks.end(call, End::Finished(now - start_ms));
                }
                immediate.push_back(event);
            }
        }
    }
}

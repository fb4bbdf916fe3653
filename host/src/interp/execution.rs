//! The execution as data and the scheduler that moves its threads.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use super::context::{self, ExecutionInfo, StateFacts};
use super::errors::{self, Failure};
use super::probe::Probe;
use super::program::{Program, ScopeId};
use super::states;
use super::variables::VariableScope;
use super::{Action, Event, TaskId, TimerId};
use crate::asl::random::SplitMix64;
use crate::history::{ErrorDetails, EventDetails, HistoryEvent};
use crate::tokens::TokenKey;

/// Where an execution stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Not started, or still going.
    Running,
    /// Ended with this output.
    Succeeded(Value),
    /// Ended with this error.
    Failed(Failure),
    /// Ran past its TimeoutSeconds.
    TimedOut,
    /// Stopped by StopExecution.
    Aborted(Failure),
}

/// AWS fails an execution whose history reaches this many events; it is also what stops a
/// machine that loops without ever waiting from running forever inside one step.
pub const MAX_HISTORY_EVENTS: usize = 25_000;

/// The most history events an execution reserves room for when it starts.
const MAX_RESERVED_EVENTS: usize = 256;

/// Index of a thread in [`Execution::threads`]. Never reused within an execution.
pub type ThreadId = usize;

/// Who started a thread and what its end means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Parent {
    /// The top-level machine.
    Root,
    /// Branch `index` of the Parallel state run by `thread`.
    Branch { thread: ThreadId, index: usize },
    /// Item `index` of the Map state run by `thread`.
    Iteration { thread: ThreadId, index: usize },
}

/// What a thread does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Record `<Type>StateEntered` for the current state.
    Enter,
    /// Do the current state's work.
    Run,
    /// Waiting for a timer (Wait state, or a retry's backoff).
    Sleeping(TimerId),
    /// Waiting for a task.
    Tasking(states::task::Pending),
    /// Waiting for child threads (Parallel branches, Map iterations).
    Joining,
    /// The children are done; finish the Parallel or Map state.
    Joined,
    /// Ended.
    Done,
}

/// One line of control: the top-level machine, a Parallel branch or a Map iteration.
#[derive(Debug, Clone)]
pub struct Thread {
    /// Which machine it walks.
    pub scope: ScopeId,
    /// The current state's index in that machine.
    pub state: usize,
    /// What happens next.
    pub phase: Phase,
    /// The current state's raw input, shared with its Entered event.
    pub input: Arc<Value>,
    /// Who started this thread.
    pub parent: Parent,
    /// Id of the current state's Entered event (AWS quotes it in runtime error causes).
    pub entered_event_id: u64,
    /// When the current state was entered.
    pub entered_ms: i64,
    /// The last event this thread recorded, for `previousEventId`.
    pub last_event_id: u64,
    /// Retries used by each retrier of the current state.
    pub retries: Vec<u32>,
    /// Work of a Parallel or Map state in progress.
    pub join: Option<Box<states::join::Join>>,
    /// Events of this thread go to a child execution's history, not this one's (Distributed
    /// Map iterations).
    pub silent: bool,
    /// Events a silent thread would have recorded, held against the history limit.
    pub silent_events: usize,
    /// A Distributed Map iteration the executor runs as a child execution, by the child's
    /// name: the thread only waits for it (its task), and stands for it in the Map's join.
    pub delegated: Option<String>,
    /// The workflow variables it sees; a branch or iteration starts with an empty scope of
    /// its own inside its parent's.
    pub variables: Arc<VariableScope>,
    /// A Parallel's or Map's work as it was when the state failed or was stopped: a redrive
    /// goes on with it. Cleared when the thread enters a state.
    pub unfinished: Option<Box<states::join::Join>>,
}

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimerPurpose {
    /// The execution's TimeoutSeconds.
    ExecutionTimeout,
    /// A Wait state or a retry backoff of this thread.
    Wake(ThreadId),
    /// The task's TimeoutSeconds.
    TaskTimeout(ThreadId),
    /// The task's HeartbeatSeconds.
    HeartbeatTimeout(ThreadId),
}

/// A running (or finished) execution.
#[derive(Debug, Clone)]
pub struct Execution {
    /// The compiled definition.
    pub program: Arc<Program>,
    /// Names, ARNs and input.
    pub info: ExecutionInfo,
    /// Where it stands.
    pub status: Status,
    /// Every event recorded so far.
    pub history: Vec<HistoryEvent>,
    pub(crate) threads: Vec<Thread>,
    /// Slots of `threads` nothing refers to any more, taken again by [`Execution::spawn`].
    pub(crate) vacant: Vec<ThreadId>,
    pub(crate) runnable: VecDeque<ThreadId>,
    pub(crate) timers: HashMap<TimerId, TimerPurpose>,
    pub(crate) tasks: HashMap<TaskId, ThreadId>,
    pub(crate) next_id: u64,
    pub(crate) next_effect: u64,
    pub(crate) now_ms: i64,
    pub(crate) rng: std::cell::Cell<SplitMix64>,
    pub(crate) actions: Vec<Action>,
    pub(crate) token_key: Arc<TokenKey>,
    /// Set for TestState only: where to start, what to watch, when to stop.
    pub(crate) probe: Option<Box<Probe>>,
    /// Distributed Map iterations run as child executions of their own, which the executor
    /// starts (a host); otherwise they run here, in threads whose events no history shows.
    pub(crate) child_executions: bool,
    /// The scope the execution runs, when it is a Map Run's child execution (the Map's item
    /// processor); otherwise the top-level machine.
    pub(crate) root: Option<ScopeId>,
}

/// The key tokens are signed with when the host gives none (`stepwise run`, tests): random
/// per process, since no token outlives it there.
static EPHEMERAL_TOKEN_KEY: std::sync::LazyLock<Arc<TokenKey>> =
    std::sync::LazyLock::new(|| Arc::new(TokenKey::generate()));

impl Execution {
    /// A new execution, not yet started. `seed` drives jitter, UUIDs and random numbers, so that
    /// replaying the same events gives the same execution.
    pub fn new(program: Arc<Program>, info: ExecutionInfo, seed: u64) -> Self {
        Execution {
            program,
            info,
            status: Status::Running,
            history: Vec::new(),
            threads: Vec::new(),
            vacant: Vec::new(),
            runnable: VecDeque::new(),
            timers: HashMap::new(),
            tasks: HashMap::new(),
            next_id: 1,
            next_effect: 0,
            now_ms: 0,
            rng: std::cell::Cell::new(SplitMix64::new(seed)),
            actions: Vec::new(),
            token_key: EPHEMERAL_TOKEN_KEY.clone(),
            probe: None,
            child_executions: false,
            root: None,
        }
    }

    /// The same, its Distributed Map iterations handed to the executor as child executions
    /// (the `mapRun:startExecution.sync` task each) instead of run here.
    pub fn with_child_executions(mut self) -> Self {
        self.child_executions = true;
        self
    }

    /// The same, running only the machine of `scope` (a Map's item processor): a Map Run's
    /// child execution. Its parent's TimeoutSeconds is not its own.
    pub fn rooted_at(mut self, scope: Option<ScopeId>) -> Self {
        self.root = scope.filter(|s| *s < self.program.scopes.len());
        self
    }

    /// Runs only one state, as TestState does, watched by `probe`.
    pub fn with_probe(mut self, probe: Probe) -> Self {
        self.probe = Some(Box::new(probe));
        self
    }

    /// The probe of a TestState run.
    pub fn probe(&self) -> Option<&Probe> {
        self.probe.as_deref()
    }

    /// Signs this execution's task tokens with `key` (the host's persisted secret, so that a
    /// replayed execution mints the same tokens and waiting ones stay valid).
    pub fn with_token_key(mut self, key: Arc<TokenKey>) -> Self {
        self.token_key = key;
        self
    }

    /// The states entered and not yet exited, as (name, type, when entered): where an
    /// execution rebuilt from its steps stands.
    pub fn states_in_progress(&self) -> impl Iterator<Item = (Arc<str>, &'static str, i64)> + '_ {
        self.threads
            .iter()
            .filter(|th| !matches!(th.phase, Phase::Enter | Phase::Done))
            .map(|th| {
                let node = self.program.node(th.scope, th.state);
                (node.name.clone(), node.state.type_name(), th.entered_ms)
            })
    }

    /// Whether `task` is invoked and not yet ended: a token for it would be taken.
    pub fn awaits_task(&self, task: TaskId) -> bool {
        self.tasks.contains_key(&task)
    }

    /// Forgets the history recorded so far, keeping the event ids going. The durable
    /// executor calls it once each step's events are in the store, so that an execution
    /// parked for days holds no copy of its history in memory.
    pub fn forget_history(&mut self) {
        self.history.clear();
    }

    /// Feeds one event at time `now_ms`; returns what the executor must do.
    pub fn step(&mut self, now_ms: i64, event: Event) -> Vec<Action> {
        self.now_ms = now_ms;
        if self.status != Status::Running {
            if event == Event::Redrive {
                self.redrive();
                self.run();
                return std::mem::take(&mut self.actions);
            }
            return Vec::new();
        }
        match event {
            Event::Start => self.start(),
            Event::TimerFired(timer) => match self.timers.remove(&timer) {
                Some(TimerPurpose::ExecutionTimeout) => self.time_out(),
                Some(TimerPurpose::Wake(t)) => states::wake(self, t, timer),
                Some(TimerPurpose::TaskTimeout(t)) => states::task::timed_out(self, t, false),
                Some(TimerPurpose::HeartbeatTimeout(t)) => states::task::timed_out(self, t, true),
                // A timer cancelled after it fired: nothing waits on it any more.
                None => {}
            },
            Event::TaskStarted(task) => states::task::started(self, task),
            Event::TaskHeartbeat(task) => states::task::heartbeat(self, task),
            Event::TaskSubmitted { task, output } => states::task::submitted(self, task, output),
            Event::ActivityStarted { task, worker } => {
                states::task::activity_started(self, task, worker)
            }
            Event::TaskSucceeded { task, output } => states::task::succeeded(self, task, output),
            Event::TaskFailed { task, failure } => states::task::failed(self, task, failure),
            Event::Stop { error, cause } => self.abort(Failure::of(error, cause)),
            // Only an execution that ended can be redriven.
            Event::Redrive => {}
            Event::MapRunUpdated {
                map_run_arn,
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            } => states::join::update_map_run(
                self,
                &map_run_arn,
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            ),
        }
        self.run();
        std::mem::take(&mut self.actions)
    }

    /// Goes on after a failure, a stop or a timeout: every state that did not finish is
    /// entered again with the input it had, and a Parallel or Map that did not finish runs
    /// again only its branches or iterations that failed or were stopped, keeping the results
    /// of those that succeeded (AWS's RedriveExecution).
    fn redrive(&mut self) {
        if self.threads.is_empty() || matches!(self.status, Status::Succeeded(_)) {
            return;
        }
        self.status = Status::Running;
        self.info.redrive_count += 1;
        let redrive_count = self.info.redrive_count;
        self.record_root(EventDetails::ExecutionRedriven { redrive_count });
        if let Some(secs) = self.program.timeout_seconds.filter(|_| self.root.is_none()) {
            let at = self.now_ms.saturating_add(secs.saturating_mul(1000) as i64);
            self.arm_timer(at, TimerPurpose::ExecutionTimeout);
        }
        self.revive(0);
    }

    /// Thread `t`, which ended without finishing its state, goes on with it.
    fn revive(&mut self, t: ThreadId) {
        match self.threads[t].unfinished.take() {
            Some(mut join) => {
                let failed = std::mem::take(&mut join.failed_children);
                join.failed -= failed.len();
                join.finished -= failed.len();
                let mut again: Vec<(usize, ThreadId)> = failed;
                again.append(&mut join.running);
                again.sort_unstable();
                for &(index, child) in &again {
                    if let Some(slot) = join.results.get_mut(index) {
                        *slot = None;
                    }
                    self.revive(child);
                }
                // A Map Run's children that failed or were stopped are redriven.
                if let Some(map_run) = join.map_run.clone()
                    && self.child_executions
                {
                    self.record(
                        t,
                        EventDetails::MapRunRedriven {
                            map_run_arn: map_run.arn.clone(),
                            redrive_count: self.info.redrive_count,
                        },
                    );
                    let total = join.known();
                    for &(_, child) in &again {
                        if self.threads[child].delegated.is_some() {
                            states::join::delegate_child(self, &map_run, child, total);
                        }
                    }
                }
                join.running = again;
                self.threads[t].join = Some(join);
                self.threads[t].phase = Phase::Joining;
                states::join::start_children(self, t);
            }
            None => {
                let th = &mut self.threads[t];
                th.phase = Phase::Enter;
                th.retries.clear();
                self.runnable.push_back(t);
            }
        }
    }

    fn start(&mut self) {
        if !self.threads.is_empty() {
            return;
        }
        self.info.start_time_ms = self.now_ms;
        // Two events per state of the top-level machine, plus start and end: a straight run
        // fits, so the history is not copied as it grows (memcpy led the interpreter's profile).
        // Capped so that a large machine that takes one branch reserves little.
        let expected = 2 * self.program.scopes[0].nodes.len() + 3;
        self.history.reserve(expected.min(MAX_RESERVED_EVENTS));
        let input = Arc::new(self.info.input.clone());
        self.record_root(EventDetails::ExecutionStarted {
            input: input.clone(),
            role_arn: self.info.role_arn.clone(),
        });
        if let Some(secs) = self.program.timeout_seconds.filter(|_| self.root.is_none()) {
            let at = self.now_ms.saturating_add(secs.saturating_mul(1000) as i64);
            self.arm_timer(at, TimerPurpose::ExecutionTimeout);
        }
        let probe = self.probe.as_deref();
        let root = self.root.unwrap_or(0);
        let (scope, start) = probe
            .and_then(|p| p.start_at)
            .unwrap_or((root, self.program.scopes[root].start));
        let variables = probe.and_then(|p| p.variables.clone());
        let t = self.spawn(scope, start, input, Parent::Root, false);
        if let Some(values) = variables {
            Arc::make_mut(&mut self.threads[t].variables).assign(values.into_iter().collect());
        }
    }

    /// Runs threads round-robin, one history event per turn, until none can move.
    fn run(&mut self) {
        while let Some(t) = self.runnable.pop_front() {
            if self.status != Status::Running {
                self.runnable.clear();
                break;
            }
            let requeue = match self.threads[t].phase {
                Phase::Enter => {
                    states::enter(self, t);
                    true
                }
                Phase::Run => states::run(self, t),
                Phase::Joined => states::join::finish(self, t),
                Phase::Sleeping(_) | Phase::Tasking(_) | Phase::Joining | Phase::Done => false,
            };
            if self.over_history_limit(t) {
                let failure = Failure::new(
                    errors::names::RUNTIME,
                    format!(
                        "The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS}); a loop without an exit is the usual cause"
                    ),
                );
                // A Distributed Map iteration's events are in its own history: only that
                // child execution fails, and the Map counts it as a failed item.
                self.thread_failed(t, failure);
                continue;
            }
            if requeue && self.threads[t].phase != Phase::Done {
                self.runnable.push_back(t);
            }
        }
    }

    /// Whether thread `t`'s history (this execution's, or its child execution's for a
    /// Distributed Map iteration) has reached the AWS limit.
    fn over_history_limit(&self, t: ThreadId) -> bool {
        let th = &self.threads[t];
        let events = if th.silent {
            th.silent_events
        } else {
            (self.next_id - 1) as usize
        };
        events >= MAX_HISTORY_EVENTS && th.phase != Phase::Done
    }

    /// Starts a thread at `state` of `scope`.
    pub(crate) fn spawn(
        &mut self,
        scope: ScopeId,
        state: usize,
        input: impl Into<Arc<Value>>,
        parent: Parent,
        silent: bool,
    ) -> ThreadId {
        let last_event_id = match parent {
            Parent::Root => self.next_id - 1,
            Parent::Branch { thread, .. } | Parent::Iteration { thread, .. } => {
                self.threads[thread].last_event_id
            }
        };
        let variables = match parent {
            Parent::Root => Arc::default(),
            Parent::Branch { thread, .. } | Parent::Iteration { thread, .. } => {
                Arc::new(VariableScope::inner(&self.threads[thread].variables))
            }
        };
        let thread = Thread {
            scope,
            state,
            phase: Phase::Enter,
            input: input.into(),
            parent,
            entered_event_id: 0,
            entered_ms: self.now_ms,
            last_event_id,
            retries: Vec::new(),
            join: None,
            silent,
            silent_events: 0,
            delegated: None,
            variables,
            unfinished: None,
        };
        let id = match self.vacant.pop() {
            Some(id) => {
                self.threads[id] = thread;
                id
            }
            None => {
                self.threads.push(thread);
                self.threads.len() - 1
            }
        };
        self.runnable.push_back(id);
        id
    }

    /// Thread `t` ended and nothing refers to it any more (a Map Run's child execution that
    /// succeeded): what it held is dropped, and its slot goes to the next thread spawned.
    /// Replaying the same events vacates and reuses the same slots.
    pub(crate) fn vacate(&mut self, t: ThreadId) {
        debug_assert!(!self.runnable.contains(&t) && !self.tasks.values().any(|x| *x == t));
        let th = &mut self.threads[t];
        th.phase = Phase::Done;
        th.input = states::join::NO_INPUT.clone();
        th.retries = Vec::new();
        th.join = None;
        th.unfinished = None;
        th.delegated = None;
        th.variables = Arc::default();
        self.vacant.push(t);
    }

    /// Records an event on behalf of thread `t`.
    pub(crate) fn record(&mut self, t: ThreadId, details: EventDetails) -> u64 {
        if self.threads[t].silent {
            self.threads[t].silent_events += 1;
            return 0;
        }
        let previous = self.threads[t].last_event_id;
        let id = self.push_event(previous, details);
        self.threads[t].last_event_id = id;
        id
    }

    fn record_root(&mut self, details: EventDetails) -> u64 {
        let previous = self.next_id - 1;
        self.push_event(previous, details)
    }

    fn push_event(&mut self, previous_event_id: u64, details: EventDetails) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.history.push(HistoryEvent {
            id,
            previous_event_id,
            timestamp_ms: self.now_ms,
            details,
        });
        id
    }

    /// Asks the executor for a timer.
    pub(crate) fn arm_timer(&mut self, at_ms: i64, purpose: TimerPurpose) -> TimerId {
        let timer = self.next_id_for_effect();
        self.timers.insert(timer, purpose);
        self.actions.push(Action::ArmTimer { timer, at_ms });
        timer
    }

    /// Withdraws a timer.
    pub(crate) fn cancel_timer(&mut self, timer: TimerId) {
        if self.timers.remove(&timer).is_some() {
            self.actions.push(Action::CancelTimer(timer));
        }
    }

    /// Timer and task ids share one counter, so an id names one thing only.
    pub(crate) fn next_id_for_effect(&mut self) -> u64 {
        self.next_effect += 1;
        self.next_effect
    }

    /// A uniform random draw, from the execution's own seeded generator (SplitMix64).
    pub(crate) fn random_u64(&self) -> u64 {
        let mut rng = self.rng.get();
        let draw = rng.next_u64();
        self.rng.set(rng);
        draw
    }

    /// The context object for thread `t`'s current state.
    pub(crate) fn context_for(
        &self,
        t: ThreadId,
        task_token: Option<&str>,
        map_item: Option<(usize, &Value)>,
        with_input: bool,
    ) -> Value {
        if let Some(context) = self.probe.as_deref().and_then(|p| p.context.as_ref()) {
            let mut context = context.clone();
            if let (Some(token), Value::Object(fields)) = (task_token, &mut context) {
                fields
                    .entry("Task")
                    .or_insert_with(|| serde_json::json!({ "Token": token }));
            }
            return context;
        }
        let th = &self.threads[t];
        let node = self.program.node(th.scope, th.state);
        context::build(
            &self.info,
            &StateFacts {
                name: &node.name,
                entered_time_ms: th.entered_ms,
                retry_count: th.retries.iter().sum(),
                task_token,
                map_item,
            },
            with_input,
        )
    }

    /// Thread `t` ended successfully with `output`.
    /// The output is shared with the history (the last state's exited event), so it is copied
    /// only where it must be owned.
    pub(crate) fn thread_succeeded(&mut self, t: ThreadId, output: Arc<Value>) {
        self.threads[t].phase = Phase::Done;
        match self.threads[t].parent {
            Parent::Root => {
                self.record(
                    t,
                    EventDetails::ExecutionSucceeded {
                        output: output.clone(),
                    },
                );
                self.finish(Status::Succeeded(Arc::unwrap_or_clone(output)));
            }
            Parent::Branch { thread, index } | Parent::Iteration { thread, index } => {
                states::join::child_succeeded(self, thread, index, t, Arc::unwrap_or_clone(output))
            }
        }
    }

    /// Thread `t` ended with an error nothing in it handled.
    pub(crate) fn thread_failed(&mut self, t: ThreadId, failure: Failure) {
        self.threads[t].phase = Phase::Done;
        if failure.is_fatal() {
            // States.Runtime ends the execution from wherever it happens; inside a Distributed
            // Map iteration, that execution is the child one, which fails as a whole.
            return match self.enclosing_child_execution(t) {
                Some((root, map, index)) => {
                    states::abort_thread(self, root, false);
                    states::join::child_failed(self, map, index, root, failure)
                }
                None => self.fail_execution(t, failure),
            };
        }
        match self.threads[t].parent {
            Parent::Root => self.fail_execution(t, failure),
            Parent::Branch { thread, index } | Parent::Iteration { thread, index } => {
                states::join::child_failed(self, thread, index, t, failure)
            }
        }
    }

    /// The innermost Distributed Map iteration thread `t` runs in, as (the iteration's root
    /// thread, the Map's thread, the item index); None when `t` belongs to this execution.
    fn enclosing_child_execution(&self, t: ThreadId) -> Option<(ThreadId, ThreadId, usize)> {
        let mut current = t;
        loop {
            match self.threads[current].parent {
                Parent::Root => return None,
                Parent::Branch { thread, .. } => current = thread,
                Parent::Iteration { thread, index } => {
                    let distributed = self.threads[thread].join.as_ref().is_some_and(|j| {
                        matches!(
                            j.kind,
                            states::join::JoinKind::Map {
                                distributed: true,
                                ..
                            }
                        )
                    });
                    if distributed {
                        return Some((current, thread, index));
                    }
                    current = thread;
                }
            }
        }
    }

    fn fail_execution(&mut self, t: ThreadId, failure: Failure) {
        self.abort_all();
        let details = ErrorDetails {
            error: failure.error.clone(),
            cause: failure.cause.clone(),
        };
        // A silent (child-execution) thread cannot record; the failure belongs to the parent.
        let previous = self.threads[t].last_event_id;
        self.push_event(previous, EventDetails::ExecutionFailed(details));
        self.finish(Status::Failed(failure));
    }

    fn time_out(&mut self) {
        self.abort_all();
        self.record_root(EventDetails::ExecutionTimedOut(ErrorDetails::default()));
        self.finish(Status::TimedOut);
    }

    fn abort(&mut self, failure: Failure) {
        if self.threads.is_empty() {
            // Stopped before it started: still record that it was aborted.
            self.record_root(EventDetails::ExecutionAborted(ErrorDetails {
                error: failure.error.clone(),
                cause: failure.cause.clone(),
            }));
            self.finish(Status::Aborted(failure));
            return;
        }
        self.abort_all();
        self.record_root(EventDetails::ExecutionAborted(ErrorDetails {
            error: failure.error.clone(),
            cause: failure.cause.clone(),
        }));
        self.finish(Status::Aborted(failure));
    }

    /// Stops every live thread: cancels its timers and tasks.
    fn abort_all(&mut self) {
        for t in 0..self.threads.len() {
            if self.threads[t].phase != Phase::Done {
                states::abort_thread(self, t, false);
            }
        }
        let timers: Vec<TimerId> = self.timers.keys().copied().collect();
        for timer in timers {
            self.cancel_timer(timer);
        }
    }

    fn finish(&mut self, status: Status) {
        self.status = status;
        self.runnable.clear();
        self.actions.push(Action::Finished);
    }
}

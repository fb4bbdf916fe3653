//! The in-memory store: the same contract as SQLite, nothing on disk. Tests use it, and a
//! server started with it loses everything when it stops.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::Value;

use super::{
    ActivityRecord, Changes, CommitFuture, ExecutionQuery, ExecutionRecord, ExecutionStatus,
    FunctionRecord, Loaded, MachineRecord, ParkRecord, StepRecord, Store, StoreError, Write,
    history_events,
};

#[derive(Default)]
struct Inner {
    machines: BTreeMap<String, MachineRecord>,
    activities: BTreeMap<String, ActivityRecord>,
    functions: BTreeMap<String, FunctionRecord>,
    definitions: HashMap<String, String>,
    /// By seq, so that lists come out in start order.
    executions: BTreeMap<u64, ExecutionRecord>,
    by_arn: HashMap<String, u64>,
    steps: HashMap<u64, Vec<StepRecord>>,
    parked: HashMap<u64, ParkRecord>,
    settings: BTreeMap<String, String>,
    objects: BTreeMap<String, BTreeMap<String, String>>,
}

/// A store in memory.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    changes: Changes,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain maps behind, still consistent per write.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn apply(&mut self, write: Write) {
        match write {
            Write::PutMachine(m) => {
                self.machines.insert(m.arn.clone(), m);
            }
            Write::DeleteMachine(arn) => {
                self.machines.remove(&arn);
            }
            Write::PutActivity(a) => {
                self.activities.insert(a.arn.clone(), a);
            }
            Write::DeleteActivity(arn) => {
                self.activities.remove(&arn);
            }
            Write::PutFunction(f) => {
                self.functions.insert(f.name.clone(), f);
            }
            Write::SetFunctionMeta { name, meta } => {
                if let Some(f) = self.functions.get_mut(&name) {
                    f.meta = meta;
                }
            }
            Write::DeleteFunction(name) => {
                self.functions.remove(&name);
            }
            Write::PutDefinition { id, text } => {
                self.definitions.entry(id).or_insert(text);
            }
            Write::InsertExecution(e) | Write::PutExecution(e) => {
                self.by_arn.insert(e.arn.clone(), e.seq);
                self.executions.insert(e.seq, e);
            }
            Write::AppendSteps { execution, steps } => {
                self.steps.entry(execution).or_default().extend(steps);
            }
            Write::Park(p) => {
                self.parked.insert(p.execution, p);
            }
            Write::Unpark(execution) => {
                self.parked.remove(&execution);
            }
            Write::PutSetting { key, value } => {
                self.settings.insert(key, value);
            }
            Write::PutObject { kind, key, value } => {
                self.objects.entry(kind).or_default().insert(key, value);
            }
            Write::DeleteObject { kind, key } => {
                if let Some(objects) = self.objects.get_mut(&kind) {
                    objects.remove(&key);
                }
            }
        }
    }
}

impl Store for MemoryStore {
    fn commit(&self, writes: Vec<Write>) -> CommitFuture {
        let mut inner = self.lock();
        // All or nothing, as in SQLite: check what can fail before applying anything.
        for w in &writes {
            if let Write::InsertExecution(e) = w
                && inner.by_arn.contains_key(&e.arn)
            {
                let conflict = StoreError::Conflict(e.arn.clone());
                return Box::pin(std::future::ready(Err(conflict)));
            }
        }
        // Told under the lock: a watcher reads only once these are applied.
        self.changes.committed(&writes);
        for w in writes {
            inner.apply(w);
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn load(&self) -> Result<Loaded, StoreError> {
        let inner = self.lock();
        let (mut running, mut parked) = (Vec::new(), Vec::new());
        for e in inner.executions.values() {
            if e.status != ExecutionStatus::Running {
                continue;
            }
            let steps = inner.steps.get(&e.seq).map_or(&[][..], Vec::as_slice);
            // A parked record holds while its execution has the steps it had then.
            match inner.parked.get(&e.seq) {
                Some(p) if p.steps == steps.len() as u64 => parked.push((e.clone(), p.clone())),
                _ => running.push((e.clone(), steps.to_vec())),
            }
        }
        Ok(Loaded {
            machines: inner.machines.values().cloned().collect(),
            activities: inner.activities.values().cloned().collect(),
            functions: inner.functions.values().cloned().collect(),
            running,
            parked,
            last_execution_seq: inner.executions.keys().next_back().copied().unwrap_or(0),
            settings: inner.settings.clone(),
            objects: inner.objects.clone(),
        })
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .by_arn
            .get(arn)
            .and_then(|seq| inner.executions.get(seq))
            .cloned())
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError> {
        let inner = self.lock();
        let below = query.before_seq.unwrap_or(u64::MAX);
        Ok(inner
            .executions
            .range(..below)
            .rev()
            .map(|(_, e)| e)
            .filter(|e| e.listed_under() == query.machine_arn)
            .filter(|e| query.status.is_none_or(|s| e.status == s))
            .take(query.limit)
            .cloned()
            .collect())
    }

    fn steps(&self, execution: u64) -> Result<Vec<StepRecord>, StoreError> {
        Ok(self
            .lock()
            .steps
            .get(&execution)
            .cloned()
            .unwrap_or_default())
    }

    fn history(&self, execution: u64) -> Result<Vec<Value>, StoreError> {
        let inner = self.lock();
        let mut events = Vec::new();
        for step in inner
            .steps
            .get(&execution)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            events.extend(history_events(&step.history)?);
        }
        Ok(events)
    }

    fn definition(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().definitions.get(id).cloned())
    }

    fn changes(&self) -> &Changes {
        &self.changes
    }
}

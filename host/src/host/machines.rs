//! State machines: the registry of every machine this host serves, each with its definition
//! compiled once, kept in the [`Store`] and in memory for serving.
//!
//! Must not: run or stop executions (deleting a machine stops its executions, which the API's
//! handler asks of the executions component), or parse a definition on any path but
//! [`Machine::compile`].

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::asl::diagnostic::InvalidDefinition;
use crate::asl::validate;
use crate::interp::Program;
use crate::interp::program::CompileError;
use crate::store::{ExecutionRecord, MachineRecord, Store, StoreError, Write, definition_id};

/// A state machine ready to run.
#[derive(Debug, Clone)]
pub struct Machine {
    /// As stored.
    pub record: MachineRecord,
    /// Its definition, compiled.
    pub program: Arc<Program>,
    /// Its definition's id in the store.
    pub definition_id: String,
}

/// Why a definition did not compile.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// The validator's findings.
    #[error(transparent)]
    Invalid(#[from] InvalidDefinition),
    /// It validated but the interpreter cannot run it.
    #[error(transparent)]
    Compile(#[from] CompileError),
}

impl Machine {
    /// Compiles a machine record. The definition was validated when it was accepted.
    pub fn compile(record: MachineRecord) -> Result<Machine, DefinitionError> {
        Ok(Machine {
            definition_id: definition_id(&record.definition),
            program: compile_definition(&record.definition)?,
            record,
        })
    }
}

/// Compiles a definition's text.
pub fn compile_definition(text: &str) -> Result<Arc<Program>, DefinitionError> {
    let parsed = validate::parse_definition(text.as_bytes())?;
    Ok(Arc::new(Program::compile(&parsed)?))
}

/// Why a program for an execution could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The definition the execution started with is not in the store.
    #[error("the definition {0} is missing from the store")]
    Missing(String),
    /// The stored definition no longer compiles.
    #[error(transparent)]
    Invalid(#[from] DefinitionError),
}

/// Every state machine, by ARN. Writes go to the store first, then to memory.
pub struct Machines {
    store: Arc<dyn Store>,
    by_arn: RwLock<BTreeMap<String, Arc<Machine>>>,
    /// Serialises writers, so that "create only if new" and the store's write agree.
    writing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Machines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machines").finish_non_exhaustive()
    }
}

impl Machines {
    /// The machines of `records` (as loaded from `store`); one that no longer compiles is
    /// logged and left out, so that the rest of the host still starts.
    pub fn load(store: Arc<dyn Store>, records: Vec<MachineRecord>) -> Machines {
        let mut by_arn = BTreeMap::new();
        for record in records {
            let arn = record.arn.clone();
            match Machine::compile(record) {
                Ok(m) => {
                    by_arn.insert(arn, Arc::new(m));
                }
                Err(e) => {
                    tracing::error!(machine = %arn, error = %e, "cannot load a stored state machine")
                }
            }
        }
        Machines {
            store,
            by_arn: RwLock::new(by_arn),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Machine>>> {
        self.by_arn.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<Machine>>> {
        self.by_arn.write().unwrap_or_else(|e| e.into_inner())
    }

    /// A machine by ARN.
    pub fn get(&self, arn: &str) -> Option<Arc<Machine>> {
        self.read().get(arn).cloned()
    }

    /// Every machine, by ARN.
    pub fn list(&self) -> Vec<Arc<Machine>> {
        self.read().values().cloned().collect()
    }

    /// Stores `machine` (new or updated) and serves it. With `only_if_new`, refuses (returns
    /// the existing one) when a machine of that ARN exists.
    pub async fn put(
        &self,
        machine: Machine,
        only_if_new: bool,
    ) -> Result<Option<Arc<Machine>>, StoreError> {
        let _writing = self.writing.lock().await;
        let arn = machine.record.arn.clone();
        if only_if_new && let Some(existing) = self.get(&arn) {
            return Ok(Some(existing));
        }
        self.store
            .commit(vec![
                Write::PutMachine(machine.record.clone()),
                // Executions name their definition by id, so that an update does not change
                // what a running one does (and a restart resumes it with the text it started
                // with).
                Write::PutDefinition {
                    id: machine.definition_id.clone(),
                    text: machine.record.definition.clone(),
                },
            ])
            .await?;
        self.write().insert(arn, Arc::new(machine));
        Ok(None)
    }

    /// Deletes a state machine; whether there was one.
    pub async fn delete(&self, arn: &str) -> Result<bool, StoreError> {
        let _writing = self.writing.lock().await;
        if self.get(arn).is_none() {
            return Ok(false);
        }
        self.store
            .commit(vec![Write::DeleteMachine(arn.to_owned())])
            .await?;
        self.write().remove(arn);
        Ok(true)
    }

    /// The program `execution` started with: its machine's, if that still has the same
    /// definition (compiled already), else its stored definition compiled anew.
    pub fn program_of(&self, execution: &ExecutionRecord) -> Result<Arc<Program>, ProgramError> {
        if let Some(m) = self.get(&execution.machine_arn)
            && m.definition_id == execution.definition_id
        {
            return Ok(m.program.clone());
        }
        let text = self
            .store
            .definition(&execution.definition_id)?
            .ok_or_else(|| ProgramError::Missing(execution.definition_id.clone()))?;
        Ok(compile_definition(&text)?)
    }
}

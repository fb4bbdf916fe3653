//! State machines: the registry of every machine this host serves, each with its definition
//! compiled once, kept in the [`Store`] and in memory for serving; with each machine its
//! published versions (records of their own, `...:stateMachine:NAME:N`, compiled like any
//! machine) and its aliases (which route starts to one or two versions by weight).
//!
//! Must not: run or stop executions (deleting a machine stops its executions, which the API's
//! handler asks of the executions component), or parse a definition on any path but
//! [`Machine::compile`].

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

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

/// The store's object kind aliases are kept under (key: the alias's ARN).
const ALIAS_KIND: &str = "states.alias";

/// An alias of a machine: `...:stateMachine:NAME:ALIAS`, routing each start to one of its
/// versions by weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// The machine it belongs to.
    pub machine_arn: String,
    /// Its description.
    pub description: Option<String>,
    /// The versions it routes to, with their weights (percent, summing to 100).
    pub routes: Vec<Route>,
    /// When it was created.
    pub created_ms: i64,
    /// When it was last updated.
    pub updated_ms: i64,
}

/// One version an alias routes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// The version's ARN.
    pub version_arn: String,
    /// Percent of starts, 0 to 100.
    pub weight: u32,
}

impl Alias {
    /// The version a start goes to, for `roll` drawn uniformly from 0 to 99.
    pub fn route(&self, roll: u32) -> &str {
        let mut below = 0;
        for r in &self.routes {
            below += r.weight;
            if roll < below {
                return &r.version_arn;
            }
        }
        // Weights sum to 100 (checked when the alias was made); the last route takes the rest.
        self.routes.last().map_or("", |r| &r.version_arn)
    }
}

/// Why a version could not be published or deleted, or an alias written.
#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such machine (or version, or alias).
    #[error("{0}")]
    Missing(String),
    /// The request disagrees with the machine's state (AWS's ConflictException).
    #[error("{0}")]
    Conflict(String),
}

/// Every state machine, by ARN. Writes go to the store first, then to memory.
pub struct Machines {
    store: Arc<dyn Store>,
    /// Machines and their versions, by ARN.
    by_arn: RwLock<BTreeMap<String, Arc<Machine>>>,
    /// Aliases, by ARN.
    aliases: RwLock<BTreeMap<String, Alias>>,
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
    pub fn load(
        store: Arc<dyn Store>,
        records: Vec<MachineRecord>,
        objects: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Machines {
        let mut aliases = BTreeMap::new();
        for (arn, text) in objects.get(ALIAS_KIND).into_iter().flatten() {
            match serde_json::from_str::<Alias>(text) {
                Ok(a) => {
                    aliases.insert(arn.clone(), a);
                }
                Err(e) => tracing::error!(alias = %arn, error = %e, "cannot load a stored alias"),
            }
        }
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
            aliases: RwLock::new(aliases),
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

    /// Every machine (not its versions), by ARN.
    pub fn list(&self) -> Vec<Arc<Machine>> {
        self.read()
            .values()
            .filter(|m| m.record.version_of.is_none())
            .cloned()
            .collect()
    }

    /// A machine's versions, newest first.
    pub fn versions_of(&self, machine_arn: &str) -> Vec<Arc<Machine>> {
        let mut versions: Vec<_> = self
            .read()
            .values()
            .filter(|m| m.record.version_of.as_deref() == Some(machine_arn))
            .cloned()
            .collect();
        versions.sort_by_key(|m| std::cmp::Reverse(m.record.version_number()));
        versions
    }

    /// Publishes the machine's current revision as a version; returns it. Publishing a
    /// revision that the latest version already is gives that version back (AWS). With
    /// `revision`, refuses unless it is the machine's current revision.
    pub async fn publish(
        &self,
        machine_arn: &str,
        revision: Option<&str>,
        description: Option<String>,
        now_ms: i64,
    ) -> Result<Arc<Machine>, VersionError> {
        let _writing = self.writing.lock().await;
        self.publish_locked(machine_arn, revision, description, now_ms)
            .await
    }

    async fn publish_locked(
        &self,
        machine_arn: &str,
        revision: Option<&str>,
        description: Option<String>,
        now_ms: i64,
    ) -> Result<Arc<Machine>, VersionError> {
        let machine = self
            .get(machine_arn)
            .filter(|m| m.record.version_of.is_none())
            .ok_or_else(|| {
                VersionError::Missing(format!("State Machine Does Not Exist: '{machine_arn}'"))
            })?;
        let current = machine.record.revision_id.clone();
        if let Some(asked) = revision
            && asked != current
        {
            return Err(VersionError::Conflict(format!(
                "Failed to publish the State Machine version for revision {asked}. The current State Machine revision is {current}."
            )));
        }
        if let Some(latest) = self.versions_of(machine_arn).into_iter().next()
            && latest.record.revision_id == current
        {
            return Ok(latest);
        }
        // Records stored before versions existed have no next number: theirs is 1.
        let number = machine.record.next_version.max(1);
        let mut version = machine.record.clone();
        version.arn = format!("{machine_arn}:{number}");
        version.version_of = Some(machine_arn.to_owned());
        version.next_version = 0;
        version.created_ms = now_ms;
        version.description = description;
        version.tags = BTreeMap::new();
        let mut updated = machine.record.clone();
        updated.next_version = number + 1;
        self.store
            .commit(vec![
                Write::PutMachine(version.clone()),
                Write::PutMachine(updated.clone()),
            ])
            .await?;
        let version = Arc::new(Machine {
            record: version,
            program: machine.program.clone(),
            definition_id: machine.definition_id.clone(),
        });
        let mut map = self.write();
        map.insert(version.record.arn.clone(), version.clone());
        map.insert(
            machine_arn.to_owned(),
            Arc::new(Machine {
                record: updated,
                program: machine.program.clone(),
                definition_id: machine.definition_id.clone(),
            }),
        );
        Ok(version)
    }

    /// Stores `machine` (new or updated) and publishes it as a version under the same lock,
    /// so that no other update comes between; returns the version.
    pub async fn put_and_publish(
        &self,
        machine: Machine,
        description: Option<String>,
        now_ms: i64,
    ) -> Result<Arc<Machine>, VersionError> {
        let _writing = self.writing.lock().await;
        let arn = machine.record.arn.clone();
        self.put_locked(machine).await?;
        self.publish_locked(&arn, None, description, now_ms).await
    }

    /// Deletes a version. Refused while an alias routes to it (AWS).
    pub async fn delete_version(&self, version_arn: &str) -> Result<bool, VersionError> {
        let _writing = self.writing.lock().await;
        let Some(version) = self
            .get(version_arn)
            .filter(|m| m.record.version_of.is_some())
        else {
            return Ok(false);
        };
        let routed: Vec<String> = self
            .aliases_of(version.record.version_of.as_deref().unwrap_or_default())
            .into_iter()
            .filter(|a| a.routes.iter().any(|r| r.version_arn == version_arn))
            .map(|a| a.name)
            .collect();
        if !routed.is_empty() {
            return Err(VersionError::Conflict(format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
                routed.join(", ")
            )));
        }
        self.store
            .commit(vec![Write::DeleteMachine(version_arn.to_owned())])
            .await?;
        self.write().remove(version_arn);
        Ok(true)
    }

    /// An alias by ARN.
    pub fn alias(&self, arn: &str) -> Option<Alias> {
        self.aliases
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(arn)
            .cloned()
    }

    /// A machine's aliases, by ARN.
    pub fn aliases_of(&self, machine_arn: &str) -> Vec<Alias> {
        self.aliases
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|a| a.machine_arn == machine_arn)
            .cloned()
            .collect()
    }

    /// Creates or replaces an alias. Its versions must exist.
    pub async fn put_alias(&self, alias: Alias) -> Result<(), VersionError> {
        let _writing = self.writing.lock().await;
        for r in &alias.routes {
            let exists = self
                .get(&r.version_arn)
                .is_some_and(|v| v.record.version_of.as_deref() == Some(&alias.machine_arn));
            if !exists {
                return Err(VersionError::Missing(format!(
                    "State Machine Does Not Exist: '{}'",
                    r.version_arn
                )));
            }
        }
        let text = serde_json::to_string(&alias).unwrap_or_default();
        self.store
            .commit(vec![Write::PutObject {
                kind: ALIAS_KIND.into(),
                key: alias.arn.clone(),
                value: text,
            }])
            .await?;
        self.aliases
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(alias.arn.clone(), alias);
        Ok(())
    }

    /// Deletes an alias; whether there was one.
    pub async fn delete_alias(&self, arn: &str) -> Result<bool, StoreError> {
        let _writing = self.writing.lock().await;
        if self.alias(arn).is_none() {
            return Ok(false);
        }
        self.store
            .commit(vec![Write::DeleteObject {
                kind: ALIAS_KIND.into(),
                key: arn.to_owned(),
            }])
            .await?;
        self.aliases
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(arn);
        Ok(true)
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
        self.put_locked(machine).await?;
        Ok(None)
    }

    async fn put_locked(&self, machine: Machine) -> Result<(), StoreError> {
        let arn = machine.record.arn.clone();
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
        Ok(())
    }

    /// Deletes a state machine with its versions and aliases; whether there was one.
    pub async fn delete(&self, arn: &str) -> Result<bool, StoreError> {
        let _writing = self.writing.lock().await;
        if self.get(arn).is_none_or(|m| m.record.version_of.is_some()) {
            return Ok(false);
        }
        let versions: Vec<String> = self
            .versions_of(arn)
            .iter()
            .map(|v| v.record.arn.clone())
            .collect();
        let aliases: Vec<String> = self.aliases_of(arn).into_iter().map(|a| a.arn).collect();
        let mut writes = vec![Write::DeleteMachine(arn.to_owned())];
        writes.extend(versions.iter().cloned().map(Write::DeleteMachine));
        writes.extend(aliases.iter().map(|a| Write::DeleteObject {
            kind: ALIAS_KIND.into(),
            key: a.clone(),
        }));
        self.store.commit(writes).await?;
        let mut map = self.write();
        map.remove(arn);
        for v in &versions {
            map.remove(v);
        }
        drop(map);
        let mut all = self.aliases.write().unwrap_or_else(|e| e.into_inner());
        for a in &aliases {
            all.remove(a);
        }
        Ok(true)
    }

    /// The program `execution` started with: its machine's, if that still has the same
    /// definition (compiled already), else its stored definition compiled anew.
    pub fn program_of(&self, execution: &ExecutionRecord) -> Result<Arc<Program>, ProgramError> {
        // A Map Run's child runs part of its top-level machine's definition (`NAME/LABEL`).
        let machine = execution
            .machine_arn
            .split_once('/')
            .map_or(execution.machine_arn.as_str(), |(machine, _)| machine);
        if let Some(m) = self.get(machine)
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

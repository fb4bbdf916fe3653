//! Workflow variables (`Assign`), scoped as AWS scopes them: a Parallel branch or a Map
//! iteration reads the variables of the state that started it but writes only its own, which
//! disappear when it ends. Also owns AWS's size limits on what a state assigns and on what an
//! execution holds.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::dataflow::json_len;
use crate::asl::path;

/// What one `Assign` sets: names and values, in the order written.
pub type Assigned = Vec<(String, Value)>;

/// AWS limits one variable's value to 256 KiB of JSON text.
pub const MAX_VARIABLE_BYTES: usize = 256 * 1024;

/// AWS limits everything one `Assign` sets, together, to 256 KiB.
pub const MAX_ASSIGN_BYTES: usize = 256 * 1024;

/// AWS limits the variables an execution holds at once to 10 MiB.
pub const MAX_TOTAL_BYTES: usize = 10 * 1024 * 1024;

/// The variables one thread sees: its own, then those of the scopes that started it.
#[derive(Debug, Clone, Default)]
pub struct VariableScope {
    outer: Option<Arc<VariableScope>>,
    values: HashMap<String, (Value, usize)>,
    /// JSON text bytes of `values` plus every outer scope's.
    bytes: usize,
}

/// An `Assign` that breaks one of AWS's limits; the state fails with States.Runtime.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitError {
    /// One value is over [`MAX_VARIABLE_BYTES`].
    #[error(
        "The variable '{name}' is {bytes} bytes of JSON, over the limit of {MAX_VARIABLE_BYTES} bytes for one variable"
    )]
    Variable {
        /// The variable.
        name: String,
        /// Its size.
        bytes: usize,
    },
    /// The whole Assign is over [`MAX_ASSIGN_BYTES`].
    #[error(
        "The variables assigned by this state are {bytes} bytes of JSON together, over the limit of {MAX_ASSIGN_BYTES} bytes for one Assign"
    )]
    Assign {
        /// Their size.
        bytes: usize,
    },
    /// The execution would hold more than [`MAX_TOTAL_BYTES`].
    #[error(
        "The execution's variables would take {bytes} bytes of JSON, over the limit of {MAX_TOTAL_BYTES} bytes per execution"
    )]
    Total {
        /// Their size.
        bytes: usize,
    },
}

impl VariableScope {
    /// The scope of a branch or iteration started by a thread seeing `outer`.
    pub fn inner(outer: &Arc<VariableScope>) -> VariableScope {
        VariableScope {
            outer: Some(outer.clone()),
            values: HashMap::new(),
            bytes: outer.bytes,
        }
    }

    /// The variable's value, from this scope or the nearest outer one that has it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let mut scope = self;
        loop {
            if let Some((value, _)) = scope.values.get(name) {
                return Some(value);
            }
            scope = scope.outer.as_deref()?;
        }
    }

    /// Whether no scope holds a variable.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0 && self.values.is_empty()
    }

    /// Checks an `Assign`'s values against AWS's limits, without changing anything.
    pub fn check(&self, assigned: &[(String, Value)]) -> Result<(), LimitError> {
        let mut total = 0usize;
        let mut grows = self.bytes;
        for (name, value) in assigned {
            let bytes = json_len(value);
            if bytes > MAX_VARIABLE_BYTES {
                return Err(LimitError::Variable {
                    name: name.clone(),
                    bytes,
                });
            }
            total += bytes;
            let replaced = self.values.get(name).map_or(0, |(_, b)| *b);
            grows = grows + bytes - replaced.min(grows);
        }
        if total > MAX_ASSIGN_BYTES {
            return Err(LimitError::Assign { bytes: total });
        }
        if grows > MAX_TOTAL_BYTES {
            return Err(LimitError::Total { bytes: grows });
        }
        Ok(())
    }

    /// This scope's own variables as one object (TestState shows them), in name order.
    pub fn own_values(&self) -> serde_json::Map<String, Value> {
        let mut names: Vec<&String> = self.values.keys().collect();
        names.sort();
        names
            .into_iter()
            .map(|n| (n.clone(), self.values[n].0.clone()))
            .collect()
    }

    /// Sets the variables in this scope (an inner scope never writes an outer one).
    pub fn assign(&mut self, assigned: Vec<(String, Value)>) {
        for (name, value) in assigned {
            let bytes = json_len(&value);
            if let Some((_, old)) = self.values.insert(name, (value, bytes)) {
                self.bytes -= old.min(self.bytes);
            }
            self.bytes += bytes;
        }
    }
}

impl path::Variables for VariableScope {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

#[cfg(test)]
mod tests;

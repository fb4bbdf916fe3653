//! Static validation of a state machine definition, in either query language (JSONPath or
//! JSONata).
//!
//! Owns: every check AWS `ValidateStateMachineDefinition` makes before a definition is accepted
//! (field sets and JSON types per state type, Next/End, transition targets and reachability per
//! scope, unique state names and Map labels across the whole machine, Retry/Catch rules, paths,
//! payload templates, JSONata expressions and variables, timestamps, limits), reported all at
//! once as [`Diagnostic`]s that carry AWS's code, a plain message and the JSON pointer of the
//! offending field. Also owns [`parse_definition`], the single way from definition text to the
//! typed model.
//!
//! Must not: parse paths, intrinsic calls, JSONata or Choice rules itself (it calls `path`,
//! `intrinsics`, `query` and `choice`, so each syntax has one implementation), evaluate
//! anything, or do I/O. Never panics on any input: the nesting depth is measured without
//! recursion (`limits`) before anything else walks the document.
//!
//! This file holds the entry points and the `Validator` that collects diagnostics; its checks
//! are `impl Validator` blocks split by concern: `scope` (a `StartAt` + `States` object and
//! its graph), `state` (one state: its type's field set and the rules between its fields),
//! `compound` (Choices, Branches, Retry, Catch), `map` (the Map-only objects), `paths`
//! (JSONPath fields and payload templates), `jsonata` (JSONata fields and workflow
//! variables), `fields` (one field's JSON type and range) and `limits` (the numbers).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::diagnostic::{Diagnostic, InvalidDefinition, Severity, codes, pointer_segment};
use super::model::StateMachine;
use super::query::QueryLanguage;

pub use limits::MAX_JSON_DEPTH;
use limits::json_depth_exceeds;
use scope::Scope;

mod compound;
mod fields;
mod jsonata;
mod limits;
mod map;
mod paths;
mod scope;
mod state;

/// Parses definition text, validates it and builds the typed model.
///
/// Text that is not UTF-8 or not JSON gives one `INVALID_JSON_DESCRIPTION`; otherwise every
/// problem [`validate`] finds is returned. `Ok` only when there is no error-severity diagnostic.
pub fn parse_definition(bytes: &[u8]) -> Result<StateMachine, InvalidDefinition> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Diagnostic::error(
            codes::INVALID_JSON_DESCRIPTION,
            format!("The definition is not valid UTF-8 text: {e}"),
            "",
        )
    })?;
    if text.trim().is_empty() {
        // What AWS answers for a blank definition (recorded: SCHEMA_VALIDATION_FAILED, no
        // location).
        return Err(Diagnostic::schema("Definition must be a valid JSON object", "").into());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Diagnostic::error(
            codes::INVALID_JSON_DESCRIPTION,
            format!("The definition is not valid JSON: {e}"),
            "",
        )
    })?;
    let diagnostics = validate(&value);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(diagnostics.into());
    }
    // Validation accepted it, so this only fails if the validator misses a rule the model
    // enforces; report that as a schema failure rather than trusting a half-built model.
    serde_json::from_value::<StateMachine>(value).map_err(|e| {
        Diagnostic::schema(format!("The definition could not be read: {e}"), "").into()
    })
}

/// Every problem in an already-parsed definition, in document order per scope.
pub fn validate(definition: &Value) -> Vec<Diagnostic> {
    if json_depth_exceeds(definition, MAX_JSON_DEPTH) {
        return vec![Diagnostic::error(
            codes::TOO_DEEPLY_NESTED,
            format!("The definition nests JSON values more than {MAX_JSON_DEPTH} levels deep"),
            "/",
        )];
    }
    let mut validator = Validator::default();
    match definition {
        Value::Object(machine) => validator.machine(machine, "", Scope::TopLevel),
        Value::Null => validator.diags.push(Diagnostic::error(
            codes::MISSING_DESCRIPTION,
            "The definition is null",
            "/",
        )),
        other => validator.schema(
            format!(
                "The definition must be a JSON object, not {}",
                kind_of(other)
            ),
            "/",
        ),
    }
    validator.unassigned_reads();
    validator.diags
}

/// "a string", "an object", ... for messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The pointer of the object at `location`, for a diagnostic about the object itself: AWS writes
/// the whole definition as `/` (recorded: "These fields are required: [States] at /"), not as
/// RFC 6901's empty pointer.
fn object_pointer(location: &str) -> &str {
    if location.is_empty() { "/" } else { location }
}

/// The pointer of `field` inside the object at `location`.
fn child(location: &str, field: &str) -> String {
    format!("{location}/{}", pointer_segment(field))
}

#[derive(Default)]
struct Validator {
    diags: Vec<Diagnostic>,
    /// State name -> where it was first defined; names are unique across all scopes.
    state_names: HashMap<String, String>,
    /// Map label -> where it was first used; labels are unique across the machine.
    labels: HashMap<String, String>,
    /// The machine's query language (top-level `QueryLanguage`).
    language: QueryLanguage,
    /// Every variable some `Assign` sets, and where a JSONata expression reads one, to warn
    /// about variables no state sets.
    assigned: HashSet<String>,
    reads: Vec<(String, String)>,
}

impl Validator {
    fn schema(&mut self, message: impl Into<String>, location: impl Into<String>) {
        self.diags.push(Diagnostic::schema(message, location));
    }

    fn error(&mut self, code: &str, message: impl Into<String>, location: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, message, location));
    }
}

#[cfg(test)]
mod tests;

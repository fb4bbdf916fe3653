//! One `StartAt` + `States` object (the top level, a Parallel branch or a Map item processor):
//! the fields it allows, its state names, and its graph.
//!
//! Owns: the scope's own fields, state-name length and uniqueness across the machine, the
//! transitions each scope collects ([`ScopeGraph`]), and the checks made once all its states are
//! seen: transition targets exist in the same scope, every state is reachable from `StartAt`,
//! something ends the scope.
//! Must not: check a state's fields (that is [`super::state`]), or follow a transition into
//! another scope.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{Map, Value};

use super::limits::{MAX_SECONDS, MAX_STATE_NAME_CHARS};
use super::{Validator, child, kind_of, object_pointer};
use crate::asl::diagnostic::codes;
use crate::asl::query::QueryLanguage;

/// Which kind of `StartAt` + `States` object is being checked; each allows different fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// The whole definition.
    TopLevel,
    /// One element of a Parallel state's `Branches`.
    Branch,
    /// A Map state's `ItemProcessor` or `Iterator`.
    ItemProcessor,
}

/// One transition found in a scope: `from` goes to `to`, written in `field` at `location`.
pub(super) struct Edge {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) field: &'static str,
    pub(super) location: String,
}

/// What one scope's states say about its graph; checked once all states are seen.
#[derive(Default)]
pub(super) struct ScopeGraph {
    pub(super) edges: Vec<Edge>,
    /// Some state ends the scope (`End: true`, Succeed, Fail).
    pub(super) has_terminal: bool,
}

impl ScopeGraph {
    pub(super) fn edge(&mut self, from: &str, to: &str, field: &'static str, location: String) {
        self.edges.push(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            field,
            location,
        });
    }
}

impl Validator {
    /// A `StartAt` + `States` object: the top level, a branch or an item processor.
    pub(super) fn machine(&mut self, machine: &Map<String, Value>, location: &str, scope: Scope) {
        if scope == Scope::TopLevel
            && let Some(Value::String(language)) = machine.get("QueryLanguage")
            && language == "JSONata"
        {
            self.language = QueryLanguage::Jsonata;
        }
        for (field, value) in machine {
            let field_location = child(location, field);
            match (field.as_str(), scope) {
                ("StartAt" | "States", _) => {} // checked below, in order
                ("Comment", _) => {
                    self.string(field, value, &field_location);
                }
                ("Version", Scope::TopLevel) => {
                    if value.as_str() != Some("1.0") {
                        self.schema(
                            format!("The field 'Version' must be \"1.0\", got {value}"),
                            field_location,
                        );
                    }
                }
                ("TimeoutSeconds", Scope::TopLevel) => {
                    self.integer(field, value, &field_location, 1, MAX_SECONDS);
                }
                ("QueryLanguage", Scope::TopLevel) => {
                    self.query_language(value, &field_location);
                }
                ("ProcessorConfig", Scope::ItemProcessor) => {
                    self.processor_config(value, &field_location);
                }
                _ => self.unknown_field(field, &field_location, "here"),
            }
        }

        // AWS names every missing field in one diagnostic, `States` first.
        let missing: Vec<&str> = ["States", "StartAt"]
            .into_iter()
            .filter(|f| !machine.contains_key(*f))
            .collect();
        if !missing.is_empty() {
            self.schema(
                format!("These fields are required: [{}]", missing.join(", ")),
                object_pointer(location),
            );
        }
        let start_at = machine
            .get("StartAt")
            .and_then(|value| self.string("StartAt", value, &child(location, "StartAt")));

        let states_location = child(location, "States");
        let states = match machine.get("States") {
            None => None,
            Some(Value::Object(states)) if states.is_empty() => {
                self.schema(
                    "The field 'States' must contain at least one state",
                    &states_location,
                );
                None
            }
            Some(Value::Object(states)) => Some(states),
            Some(other) => {
                self.schema(
                    format!(
                        "The field 'States' must be an object of states, not {}",
                        kind_of(other)
                    ),
                    &states_location,
                );
                None
            }
        };
        let Some(states) = states else {
            return;
        };

        let mut graph = ScopeGraph::default();
        for (name, state) in states {
            let state_location = child(&states_location, name);
            self.state_name(name, &state_location);
            self.state(name, state, &state_location, &mut graph);
        }

        if let Some(start_at) = start_at
            && !states.contains_key(start_at)
        {
            self.error(
                codes::MISSING_TRANSITION_TARGET,
                format!("Missing 'StartAt' target: {start_at}"),
                child(location, "StartAt"),
            );
        }
        self.check_graph(states, start_at, &graph, &states_location, location);
    }

    /// Targets exist, every state is reachable from `StartAt`, and something ends the scope.
    pub(super) fn check_graph(
        &mut self,
        states: &Map<String, Value>,
        start_at: Option<&str>,
        graph: &ScopeGraph,
        states_location: &str,
        location: &str,
    ) {
        for edge in &graph.edges {
            if !states.contains_key(&edge.to) {
                self.error(
                    codes::MISSING_TRANSITION_TARGET,
                    format!(
                        "Missing '{}' target: {} (a transition can only go to a state of the \
                         same States object)",
                        edge.field, edge.to
                    ),
                    edge.location.clone(),
                );
            }
        }

        if let Some(start) = start_at.filter(|s| states.contains_key(*s)) {
            let mut successors: HashMap<&str, Vec<&str>> = HashMap::new();
            for edge in &graph.edges {
                successors
                    .entry(edge.from.as_str())
                    .or_default()
                    .push(edge.to.as_str());
            }
            let mut reached: HashSet<&str> = HashSet::from([start]);
            let mut queue = VecDeque::from([start]);
            while let Some(name) = queue.pop_front() {
                for &next in successors.get(name).map(Vec::as_slice).unwrap_or_default() {
                    if states.contains_key(next) && reached.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
            for name in states.keys() {
                if !reached.contains(name.as_str()) {
                    // AWS reports unreachable states under MISSING_TRANSITION_TARGET, with this
                    // wording ("State \"X\" is not reachable.").
                    self.error(
                        codes::MISSING_TRANSITION_TARGET,
                        format!("State \"{name}\" is not reachable."),
                        child(states_location, name),
                    );
                }
            }
        }

        if !graph.has_terminal {
            self.error(
                codes::MISSING_END_STATE,
                "Workflow has no terminal state: no state has \"End\": true and there is no \
                 Succeed or Fail state",
                object_pointer(location),
            );
        }
    }

    pub(super) fn state_name(&mut self, name: &str, location: &str) {
        let length = name.chars().count();
        if length == 0 || length > MAX_STATE_NAME_CHARS {
            self.error(
                codes::INVALID_STATE_NAME,
                format!(
                    "State names must be 1 to {MAX_STATE_NAME_CHARS} characters long; this one \
                     has {length}"
                ),
                location,
            );
        }
        if let Some(first) = self.state_names.get(name) {
            let message = format!(
                "Duplicate State name: {name} (state names must be unique across the whole state machine; first defined at {first})"
            );
            self.error(codes::DUPLICATE_STATE_NAME, message, location);
        } else {
            self.state_names
                .insert(name.to_owned(), location.to_owned());
        }
    }
}

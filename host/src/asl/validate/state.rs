//! One state: its `Type`, the field set of that type in its query language, each field's check,
//! and the rules between the fields of one state (Next or End, required fields, mutually
//! exclusive pairs).
//!
//! Owns: [`StateType`] and the field lists per type and query language; which check each field
//! gets ([`Validator::state_field`]); recording the state's transitions in its scope's graph.
//! Must not: check a field's contents itself when another module owns that kind (paths,
//! templates, JSONata, Retry/Catch, Map objects), or check the graph (that is
//! [`super::scope`], once the whole scope is seen).

use serde_json::{Map, Value};

use super::limits::MAX_SECONDS;
use super::scope::{Scope, ScopeGraph};
use super::{Validator, child, kind_of};
use crate::asl::query::{QueryLanguage, expression_text};

/// The eight state types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateType {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

const STATE_TYPE_NAMES: &str = "Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map";

impl StateType {
    fn parse(name: &str) -> Option<StateType> {
        Some(match name {
            "Pass" => StateType::Pass,
            "Task" => StateType::Task,
            "Choice" => StateType::Choice,
            "Wait" => StateType::Wait,
            "Succeed" => StateType::Succeed,
            "Fail" => StateType::Fail,
            "Parallel" => StateType::Parallel,
            "Map" => StateType::Map,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            StateType::Pass => "Pass",
            StateType::Task => "Task",
            StateType::Choice => "Choice",
            StateType::Wait => "Wait",
            StateType::Succeed => "Succeed",
            StateType::Fail => "Fail",
            StateType::Parallel => "Parallel",
            StateType::Map => "Map",
        }
    }

    /// Whether the state moves on with `Next` / `End` (all but Choice, Succeed and Fail).
    fn has_transition(self) -> bool {
        !matches!(
            self,
            StateType::Choice | StateType::Succeed | StateType::Fail
        )
    }

    /// The fields (besides `Type`) this state type accepts in the JSONPath query language.
    fn jsonpath_fields(self) -> &'static [&'static str] {
        match self {
            StateType::Pass => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "InputPath",
                "OutputPath",
                "Parameters",
                "Result",
                "ResultPath",
            ],
            StateType::Task => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "InputPath",
                "OutputPath",
                "Resource",
                "Parameters",
                "ResultSelector",
                "ResultPath",
                "Retry",
                "Catch",
                "TimeoutSeconds",
                "TimeoutSecondsPath",
                "HeartbeatSeconds",
                "HeartbeatSecondsPath",
                "Credentials",
            ],
            StateType::Choice => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "InputPath",
                "OutputPath",
                "Choices",
                "Default",
            ],
            StateType::Wait => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "InputPath",
                "OutputPath",
                "Seconds",
                "SecondsPath",
                "Timestamp",
                "TimestampPath",
            ],
            StateType::Succeed => &["Comment", "QueryLanguage", "InputPath", "OutputPath"],
            StateType::Fail => &[
                "Comment",
                "QueryLanguage",
                "Error",
                "ErrorPath",
                "Cause",
                "CausePath",
            ],
            StateType::Parallel => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "InputPath",
                "OutputPath",
                "Branches",
                "Parameters",
                "ResultSelector",
                "ResultPath",
                "Retry",
                "Catch",
            ],
            StateType::Map => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "InputPath",
                "OutputPath",
                "ItemProcessor",
                "Iterator",
                "ItemsPath",
                "ItemSelector",
                "Parameters",
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "MaxConcurrency",
                "MaxConcurrencyPath",
                "ToleratedFailureCount",
                "ToleratedFailureCountPath",
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
                "Label",
                "ResultSelector",
                "ResultPath",
                "Retry",
                "Catch",
            ],
        }
    }

    /// The fields (besides `Type`) this state type accepts in `language`.
    fn allowed_fields(self, language: QueryLanguage) -> &'static [&'static str] {
        match language {
            QueryLanguage::JsonPath => self.jsonpath_fields(),
            QueryLanguage::Jsonata => self.jsonata_fields(),
        }
    }

    /// The fields (besides `Type`) this state type accepts in the JSONata query language.
    fn jsonata_fields(self) -> &'static [&'static str] {
        match self {
            StateType::Pass => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "Output",
            ],
            StateType::Task => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "Resource",
                "Arguments",
                "Output",
                "Retry",
                "Catch",
                "TimeoutSeconds",
                "HeartbeatSeconds",
                "Credentials",
            ],
            StateType::Choice => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Choices",
                "Default",
                "Output",
            ],
            StateType::Wait => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "Seconds",
                "Timestamp",
                "Output",
            ],
            StateType::Succeed => &["Comment", "QueryLanguage", "Output"],
            StateType::Fail => &["Comment", "QueryLanguage", "Error", "Cause"],
            StateType::Parallel => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "Branches",
                "Arguments",
                "Output",
                "Retry",
                "Catch",
            ],
            StateType::Map => &[
                "Comment",
                "QueryLanguage",
                "Assign",
                "Next",
                "End",
                "ItemProcessor",
                "Iterator",
                "Items",
                "ItemSelector",
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "MaxConcurrency",
                "ToleratedFailureCount",
                "ToleratedFailurePercentage",
                "Label",
                "Output",
                "Retry",
                "Catch",
            ],
        }
    }
}

/// The fields only the JSONata query language has.
pub(super) const JSONATA_ONLY_FIELDS: &[&str] = &["Output", "Arguments", "Items", "Condition"];

/// The JSONPath fields a JSONata state replaces with `Arguments` and `Output` (or an expression
/// in the field itself).
pub(super) const JSONPATH_ONLY_FIELDS: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "ItemsPath",
    "Result",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
];

/// Why a field is refused in a state of this query language, when it belongs to the other one.
pub(super) fn wrong_language(field: &str, language: QueryLanguage) -> Option<String> {
    match language {
        QueryLanguage::JsonPath if JSONATA_ONLY_FIELDS.contains(&field) => Some(format!(
            "The field '{field}' belongs to the JSONata query language; set \"QueryLanguage\": \"JSONata\" on the state or the machine, or use the JSONPath fields"
        )),
        QueryLanguage::Jsonata if JSONPATH_ONLY_FIELDS.contains(&field) => Some(format!(
            "The field '{field}' belongs to the JSONPath query language and is not supported in a JSONata state; use 'Arguments', 'Output' or a {{% %}} expression instead"
        )),
        _ => None,
    }
}

impl Validator {
    pub(super) fn state(
        &mut self,
        name: &str,
        state: &Value,
        location: &str,
        graph: &mut ScopeGraph,
    ) {
        let Value::Object(fields) = state else {
            self.schema(
                format!("A state must be a JSON object, not {}", kind_of(state)),
                location,
            );
            // Nothing to check; count it as terminal so one mistake gives one diagnostic.
            graph.has_terminal = true;
            return;
        };

        let state_type = match fields.get("Type") {
            None => {
                self.schema("These fields are required: [Type]", location);
                None
            }
            Some(Value::String(t)) => {
                let parsed = StateType::parse(t);
                if parsed.is_none() {
                    self.schema(
                        format!(
                            "The field 'Type' should have one of these values: [{STATE_TYPE_NAMES}]"
                        ),
                        child(location, "Type"),
                    );
                }
                parsed
            }
            Some(other) => {
                self.schema(
                    format!(
                        "The field 'Type' must be a string, one of {STATE_TYPE_NAMES}; got {}",
                        kind_of(other)
                    ),
                    child(location, "Type"),
                );
                None
            }
        };

        let Some(state_type) = state_type else {
            // Without a type the field set is unknown. Keep its transitions so that the states
            // it leads to are not also reported as unreachable, and count it as terminal.
            graph.has_terminal = true;
            for field in ["Next", "Default"] {
                if let Some(Value::String(to)) = fields.get(field) {
                    graph.edge(name, to, field, child(location, field));
                }
            }
            return;
        };

        let language = match fields.get("QueryLanguage").and_then(Value::as_str) {
            Some("JSONata") => QueryLanguage::Jsonata,
            Some("JSONPath") => QueryLanguage::JsonPath,
            _ => self.language,
        };
        // A JSONata machine cannot have JSONPath states (AWS's recorded wording); a JSONPath
        // machine can have JSONata states, and those JSONPath states again.
        if self.language == QueryLanguage::Jsonata && language == QueryLanguage::JsonPath {
            self.schema(
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                location,
            );
        }
        let allowed = state_type.allowed_fields(language);
        for (field, value) in fields {
            if field == "Type" {
                continue;
            }
            let field_location = child(location, field);
            if allowed.contains(&field.as_str()) {
                self.state_field(
                    state_type,
                    language,
                    name,
                    field,
                    value,
                    &field_location,
                    graph,
                );
            } else if let Some(message) = wrong_language(field, language) {
                self.schema(message, field_location);
            } else if !state_type.has_transition() && (field == "Next" || field == "End") {
                let why = if state_type == StateType::Choice {
                    "its Choice Rules and 'Default' choose the next state"
                } else {
                    "it always ends its branch or execution"
                };
                self.schema(
                    format!(
                        "Field '{field}' is not supported in a {} state: {why}",
                        state_type.name()
                    ),
                    field_location,
                );
            } else {
                let context = format!("in a {} state", state_type.name());
                self.unknown_field(field, &field_location, &context);
            }
        }

        self.state_rules(state_type, fields, location, graph);
    }

    /// Checks one allowed field's value, and records the transitions it makes.
    #[allow(clippy::too_many_arguments)]
    fn state_field(
        &mut self,
        state_type: StateType,
        language: QueryLanguage,
        name: &str,
        field: &str,
        value: &Value,
        location: &str,
        graph: &mut ScopeGraph,
    ) {
        let jsonata = language == QueryLanguage::Jsonata;
        let expression = jsonata && value.as_str().is_some_and(|s| expression_text(s).is_some());
        match field {
            "Assign" => self.assign(value, location, language),
            "Output" | "Arguments" => self.jsonata_template(value, location),
            "Items" => {
                if expression {
                    self.jsonata_template(value, location);
                } else if !value.is_array() {
                    self.schema(
                        format!(
                            "The field 'Items' must be an array or a JSONata expression {{% ... %}}, not {}",
                            kind_of(value)
                        ),
                        location,
                    );
                } else {
                    self.jsonata_template(value, location);
                }
            }
            "ItemSelector" if jsonata => self.jsonata_template(value, location),
            "Error" | "Cause" if expression => self.jsonata_template(value, location),
            "TimeoutSeconds"
            | "HeartbeatSeconds"
            | "Seconds"
            | "Timestamp"
            | "MaxConcurrency"
            | "ToleratedFailureCount"
            | "ToleratedFailurePercentage"
                if expression =>
            {
                self.jsonata_template(value, location)
            }
            "Comment" | "Error" | "Cause" => {
                self.string(field, value, location);
            }
            "QueryLanguage" => self.query_language(value, location),
            "Next" => {
                if let Some(to) = self.string(field, value, location) {
                    graph.edge(name, to, "Next", location.to_owned());
                }
            }
            "Default" => {
                if let Some(to) = self.string(field, value, location) {
                    graph.edge(name, to, "Default", location.to_owned());
                }
            }
            "End" => {
                if !value.is_boolean() {
                    self.schema(
                        format!(
                            "The field 'End' must be a boolean (true), not {}",
                            kind_of(value)
                        ),
                        location,
                    );
                }
            }
            "InputPath" | "OutputPath" => self.query_field(field, value, location, true),
            "ItemsPath" => self.items_path(value, location),
            "ResultPath" => self.reference_path_field(field, value, location, true),
            "TimeoutSecondsPath"
            | "HeartbeatSecondsPath"
            | "SecondsPath"
            | "TimestampPath"
            | "MaxConcurrencyPath"
            | "ToleratedFailureCountPath"
            | "ToleratedFailurePercentagePath" => {
                self.reference_path_field(field, value, location, false)
            }
            "Parameters" | "ResultSelector" | "ItemSelector" => self.template(value, location),
            "Credentials" => {
                if self.object(field, value, location).is_some() {
                    self.template(value, location);
                }
            }
            "Result" => {} // a literal: `.$` keys inside are not evaluated
            "Resource" => self.resource(value, location),
            "TimeoutSeconds" | "HeartbeatSeconds" => {
                self.integer(field, value, location, 1, MAX_SECONDS);
            }
            "Seconds" => {
                self.integer(field, value, location, 0, MAX_SECONDS);
            }
            "MaxConcurrency" | "ToleratedFailureCount" => {
                self.integer(field, value, location, 0, u64::MAX);
            }
            "ToleratedFailurePercentage" => {
                self.number(field, value, location, 0.0, Some(100.0));
            }
            "Timestamp" => self.timestamp(value, location),
            "ErrorPath" | "CausePath" => self.dynamic(field, value, location),
            "Retry" => self.retry(value, location),
            "Catch" => self.catch(name, value, location, graph, language),
            "Choices" => self.choices(name, value, location, graph, language),
            "Branches" => self.branches(value, location),
            "ItemProcessor" | "Iterator" => {
                if let Some(machine) = self.object(field, value, location) {
                    self.machine(machine, location, Scope::ItemProcessor);
                }
            }
            "Label" => self.label(value, location),
            "ItemReader" => self.item_reader(value, location),
            "ItemBatcher" => self.item_batcher(value, location),
            "ResultWriter" => self.result_writer(value, location),
            // `allowed_fields` and this match list the same names; a name only in the former
            // is a bug here, reported rather than silently accepted.
            _ => self.unknown_field(
                field,
                location,
                &format!("in a {} state", state_type.name()),
            ),
        }
    }

    /// Rules between the fields of one state.
    fn state_rules(
        &mut self,
        state_type: StateType,
        fields: &Map<String, Value>,
        location: &str,
        graph: &mut ScopeGraph,
    ) {
        let has = |f: &str| fields.contains_key(f);

        if state_type.has_transition() {
            let end = fields.get("End");
            // An `End` that is not a boolean is reported where that field is checked; count it
            // as meant to end the state, so that one mistake gives one diagnostic.
            let ends = end.is_some_and(|end| end != &Value::Bool(false));
            match (has("Next"), ends) {
                (true, true) if end == Some(&Value::Bool(true)) => self.schema(
                    "A state cannot have both 'Next' and \"End\": true; keep exactly one",
                    child(location, "End"),
                ),
                (false, false) => self.schema(
                    "These fields are required: [Next or End] (a state must either name its \
                     'Next' state or have \"End\": true)",
                    location,
                ),
                _ => {}
            }
            graph.has_terminal |= ends;
        } else if state_type != StateType::Choice {
            graph.has_terminal = true;
        }

        match state_type {
            StateType::Task => {
                if !has("Resource") {
                    self.schema("These fields are required: [Resource]", location);
                }
                self.exclusive(fields, location, &["TimeoutSeconds", "TimeoutSecondsPath"]);
                self.exclusive(
                    fields,
                    location,
                    &["HeartbeatSeconds", "HeartbeatSecondsPath"],
                );
                if let (Some(heartbeat), Some(timeout)) = (
                    fields.get("HeartbeatSeconds").and_then(Value::as_u64),
                    fields.get("TimeoutSeconds").and_then(Value::as_u64),
                ) && heartbeat >= timeout
                {
                    self.schema(
                        format!(
                            "HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds \
                             ({timeout})"
                        ),
                        child(location, "HeartbeatSeconds"),
                    );
                }
            }
            StateType::Choice => {
                if !has("Choices") {
                    self.schema("These fields are required: [Choices]", location);
                }
            }
            StateType::Wait => {
                let given: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
                    .into_iter()
                    .filter(|f| has(f))
                    .collect();
                if given.len() != 1 {
                    self.schema(
                        format!(
                            "A Wait state must have exactly one of [Seconds, Timestamp, \
                             SecondsPath, TimestampPath]; found {}",
                            if given.is_empty() {
                                "none".to_owned()
                            } else {
                                format!("[{}]", given.join(", "))
                            }
                        ),
                        location,
                    );
                }
            }
            StateType::Fail => {
                self.exclusive(fields, location, &["Error", "ErrorPath"]);
                self.exclusive(fields, location, &["Cause", "CausePath"]);
            }
            StateType::Parallel => {
                if !has("Branches") {
                    self.schema("These fields are required: [Branches]", location);
                }
            }
            StateType::Map => {
                match (has("ItemProcessor"), has("Iterator")) {
                    (false, false) => self.schema(
                        "These fields are required: [ItemProcessor] (or its legacy name \
                         'Iterator')",
                        location,
                    ),
                    (true, true) => self.schema(
                        "A Map state cannot have both 'ItemProcessor' and 'Iterator' (its \
                         legacy name); keep 'ItemProcessor'",
                        child(location, "Iterator"),
                    ),
                    _ => {}
                }
                if has("ItemSelector") && has("Parameters") {
                    self.schema(
                        "A Map state cannot have both 'ItemSelector' and 'Parameters' (its \
                         legacy name); keep 'ItemSelector'",
                        child(location, "Parameters"),
                    );
                }
                self.exclusive(fields, location, &["MaxConcurrency", "MaxConcurrencyPath"]);
                self.exclusive(
                    fields,
                    location,
                    &["ToleratedFailureCount", "ToleratedFailureCountPath"],
                );
                self.exclusive(
                    fields,
                    location,
                    &[
                        "ToleratedFailurePercentage",
                        "ToleratedFailurePercentagePath",
                    ],
                );
            }
            StateType::Pass | StateType::Succeed => {}
        }
    }

    /// At most one of `names` may be present; reported at the second one.
    pub(super) fn exclusive(
        &mut self,
        fields: &Map<String, Value>,
        location: &str,
        names: &[&str],
    ) {
        let present: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| fields.contains_key(*n))
            .collect();
        if let [first, second, ..] = present.as_slice() {
            self.schema(
                format!("The fields '{first}' and '{second}' are mutually exclusive; keep one"),
                child(location, second),
            );
        }
    }

    pub(super) fn unknown_field(&mut self, field: &str, location: &str, context: &str) {
        self.schema(
            format!("Field '{field}' is not supported {context}"),
            location,
        );
    }
}

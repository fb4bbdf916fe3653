//! Static validation of a state machine definition written in the JSONPath query language.
//!
//! Owns: every check AWS `ValidateStateMachineDefinition` makes before a definition is accepted
//! (field sets and JSON types per state type, Next/End, transition targets and reachability per
//! scope, unique state names and Map labels across the whole machine, Retry/Catch rules, paths,
//! payload templates, timestamps, limits), reported all at once as [`Diagnostic`]s that carry
//! AWS's code, a plain message and the JSON pointer of the offending field. Also owns
//! [`parse_definition`], the single way from definition text to the typed model.
//!
//! Must not: parse paths, intrinsic calls or Choice rules itself (it calls `path`, `intrinsics`
//! and `choice`, so each syntax has one implementation), evaluate anything, or do I/O. Never
//! panics on any input: the nesting depth is measured without recursion before anything else
//! walks the document.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{Map, Value};

use super::choice;
use super::diagnostic::{Diagnostic, Severity, codes, pointer_segment};
use super::intrinsics;
use super::model::{Dynamic, StateMachine};
use super::path::{Query, ReferencePath};
use super::query::{JsonataTemplate, QueryLanguage, expression_text};

/// Deepest JSON nesting accepted (objects and arrays). serde_json refuses to parse more than 127,
/// so every definition that parses from text also validates; a `Value` built in memory deeper
/// than this is refused before any recursive walk (ours, `choice`'s, `Template::parse`,
/// serde's) could exhaust the stack.
pub const MAX_JSON_DEPTH: usize = 128;

/// The largest value AWS accepts for TimeoutSeconds, HeartbeatSeconds, Seconds, IntervalSeconds
/// and MaxAttempts (99999999, roughly three years).
const MAX_SECONDS: u64 = 99_999_999;

/// AWS caps a retrier's MaxDelaySeconds at one year (366 days) in seconds.
const MAX_DELAY_SECONDS: u64 = 31_622_400;

/// The ASL spec limits state names to 80 Unicode characters.
const MAX_STATE_NAME_CHARS: usize = 80;

/// AWS limits a Distributed Map `Label` to 40 characters (it becomes part of child execution
/// names).
const MAX_LABEL_CHARS: usize = 40;

/// AWS caps a batch of items at 256 KiB.
const MAX_INPUT_BYTES_PER_BATCH: u64 = 262_144;

/// Characters AWS forbids in a Map `Label` besides whitespace and control characters.
const LABEL_FORBIDDEN: &[char] = &[
    '<', '>', '{', '}', '[', ']', '?', '*', '"', '#', '%', '\\', '^', '|', '~', '`', '$', '&', ',',
    ';', ':', '/',
];

/// Parses definition text, validates it and builds the typed model.
///
/// Text that is not UTF-8 or not JSON gives one `INVALID_JSON_DESCRIPTION`; otherwise every
/// problem [`validate`] finds is returned. `Ok` only when there is no error-severity diagnostic.
pub fn parse_definition(bytes: &[u8]) -> Result<StateMachine, Vec<Diagnostic>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![Diagnostic::error(
            codes::INVALID_JSON_DESCRIPTION,
            format!("The definition is not valid UTF-8 text: {e}"),
            "",
        )]
    })?;
    if text.trim().is_empty() {
        return Err(vec![Diagnostic::error(
            codes::MISSING_DESCRIPTION,
            "The definition is empty",
            "",
        )]);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![Diagnostic::error(
            codes::INVALID_JSON_DESCRIPTION,
            format!("The definition is not valid JSON: {e}"),
            "",
        )]
    })?;
    let diagnostics = validate(&value);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(diagnostics);
    }
    // Validation accepted it, so this only fails if the validator misses a rule the model
    // enforces; report that as a schema failure rather than trusting a half-built model.
    serde_json::from_value::<StateMachine>(value).map_err(|e| {
        vec![Diagnostic::schema(
            format!("The definition could not be read: {e}"),
            "",
        )]
    })
}

/// Every problem in an already-parsed definition, in document order per scope.
pub fn validate(definition: &Value) -> Vec<Diagnostic> {
    if json_depth_exceeds(definition, MAX_JSON_DEPTH) {
        return vec![Diagnostic::error(
            codes::TOO_DEEPLY_NESTED,
            format!("The definition nests JSON values more than {MAX_JSON_DEPTH} levels deep"),
            "",
        )];
    }
    let mut validator = Validator::default();
    match definition {
        Value::Object(machine) => validator.machine(machine, "", Scope::TopLevel),
        Value::Null => validator.diags.push(Diagnostic::error(
            codes::MISSING_DESCRIPTION,
            "The definition is null",
            "",
        )),
        other => validator.schema(
            format!(
                "The definition must be a JSON object, not {}",
                kind_of(other)
            ),
            "",
        ),
    }
    validator.unassigned_reads();
    validator.diags
}

/// True when `value` has more than `limit` nested objects/arrays (counted as serde_json counts
/// them when parsing). Iterative, so it is safe on any input.
fn json_depth_exceeds(value: &Value, limit: usize) -> bool {
    let mut stack = vec![(value, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(map) => Box::new(map.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        if depth > limit {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
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

/// The pointer of `field` inside the object at `location`.
fn child(location: &str, field: &str) -> String {
    format!("{location}/{}", pointer_segment(field))
}

/// Which kind of `StartAt` + `States` object is being checked; each allows different fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The whole definition.
    TopLevel,
    /// One element of a Parallel state's `Branches`.
    Branch,
    /// A Map state's `ItemProcessor` or `Iterator`.
    ItemProcessor,
}

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

const STATE_TYPE_NAMES: &str = "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map";

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
const JSONATA_ONLY_FIELDS: &[&str] = &["Output", "Arguments", "Items", "Condition"];

/// The JSONPath fields a JSONata state replaces with `Arguments` and `Output` (or an expression
/// in the field itself).
const JSONPATH_ONLY_FIELDS: &[&str] = &[
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
fn wrong_language(field: &str, language: QueryLanguage) -> Option<String> {
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

/// The longest workflow variable name AWS accepts.
const MAX_VARIABLE_NAME_CHARS: usize = 80;

/// One transition found in a scope: `from` goes to `to`, written in `field` at `location`.
struct Edge {
    from: String,
    to: String,
    field: &'static str,
    location: String,
}

/// What one scope's states say about its graph; checked once all states are seen.
#[derive(Default)]
struct ScopeGraph {
    edges: Vec<Edge>,
    /// Some state ends the scope (`End: true`, Succeed, Fail).
    has_terminal: bool,
}

impl ScopeGraph {
    fn edge(&mut self, from: &str, to: &str, field: &'static str, location: String) {
        self.edges.push(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            field,
            location,
        });
    }
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
    /// A JSONata expression that reads a variable no `Assign` sets (a typo, most likely)
    /// evaluates to nothing and fails its state at run time; say so now.
    fn unassigned_reads(&mut self) {
        let reads = std::mem::take(&mut self.reads);
        for (name, location) in reads {
            if !self.assigned.contains(&name) {
                self.diags.push(Diagnostic::warning(
                    codes::UNDEFINED_VARIABLE,
                    format!(
                        "The expression reads the variable '${name}', which no state assigns; \
                         it will evaluate to nothing"
                    ),
                    location,
                ));
            }
        }
    }

    fn schema(&mut self, message: impl Into<String>, location: impl Into<String>) {
        self.diags.push(Diagnostic::schema(message, location));
    }

    fn error(&mut self, code: &str, message: impl Into<String>, location: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, message, location));
    }

    // -----------------------------------------------------------------------------------------
    // Scopes
    // -----------------------------------------------------------------------------------------

    /// A `StartAt` + `States` object: the top level, a branch or an item processor.
    fn machine(&mut self, machine: &Map<String, Value>, location: &str, scope: Scope) {
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

        let start_at = match machine.get("StartAt") {
            None => {
                self.schema("These fields are required: [StartAt]", location);
                None
            }
            Some(value) => self.string("StartAt", value, &child(location, "StartAt")),
        };

        let states_location = child(location, "States");
        let states = match machine.get("States") {
            None => {
                self.schema("These fields are required: [States]", location);
                None
            }
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
    fn check_graph(
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
                location,
            );
        }
    }

    fn state_name(&mut self, name: &str, location: &str) {
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

    fn query_language(&mut self, value: &Value, location: &str) {
        if !matches!(value.as_str(), Some("JSONPath" | "JSONata")) {
            self.schema(
                format!(
                    "The field 'QueryLanguage' must be \"JSONPath\" or \"JSONata\", got {value}"
                ),
                location,
            );
        }
    }

    fn processor_config(&mut self, value: &Value, location: &str) {
        let Some(config) = self.object("ProcessorConfig", value, location) else {
            return;
        };
        let mut distributed = false;
        for (field, value) in config {
            let field_location = child(location, field);
            match field.as_str() {
                "Mode" => match value.as_str() {
                    Some("INLINE") => {}
                    Some("DISTRIBUTED") => distributed = true,
                    _ => self.schema(
                        format!(
                            "The field 'Mode' must be \"INLINE\" or \"DISTRIBUTED\", got {value}"
                        ),
                        field_location,
                    ),
                },
                "ExecutionType" => {
                    if !matches!(value.as_str(), Some("STANDARD" | "EXPRESS")) {
                        self.schema(
                            format!("The field 'ExecutionType' must be \"STANDARD\" or \"EXPRESS\", got {value}"),
                            field_location,
                        );
                    }
                }
                _ => self.unknown_field(field, &field_location, "in 'ProcessorConfig'"),
            }
        }
        if distributed && !config.contains_key("ExecutionType") {
            self.schema(
                "These fields are required: [ExecutionType] (a DISTRIBUTED Map must say whether \
                 child executions are STANDARD or EXPRESS)",
                location,
            );
        }
    }

    // -----------------------------------------------------------------------------------------
    // States
    // -----------------------------------------------------------------------------------------

    fn state(&mut self, name: &str, state: &Value, location: &str, graph: &mut ScopeGraph) {
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
                        format!("The field 'Type' must be one of {STATE_TYPE_NAMES}; got \"{t}\""),
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
            let ends = fields.get("End") == Some(&Value::Bool(true));
            match (has("Next"), ends) {
                (true, true) => self.schema(
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
    fn exclusive(&mut self, fields: &Map<String, Value>, location: &str, names: &[&str]) {
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

    fn unknown_field(&mut self, field: &str, location: &str, context: &str) {
        self.schema(
            format!("Field '{field}' is not supported {context}"),
            location,
        );
    }

    // -----------------------------------------------------------------------------------------
    // Field kinds
    // -----------------------------------------------------------------------------------------

    fn string<'v>(&mut self, field: &str, value: &'v Value, location: &str) -> Option<&'v str> {
        match value {
            Value::String(s) => Some(s),
            other => {
                self.schema(
                    format!(
                        "The field '{field}' must be a string, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                None
            }
        }
    }

    fn object<'v>(
        &mut self,
        field: &str,
        value: &'v Value,
        location: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.schema(
                    format!(
                        "The field '{field}' must be an object, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                None
            }
        }
    }

    /// An integer in `min..=max`.
    fn integer(
        &mut self,
        field: &str,
        value: &Value,
        location: &str,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        let range = if max == u64::MAX {
            format!("an integer of at least {min}")
        } else {
            format!("an integer between {min} and {max}")
        };
        match value.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ if value.is_number() => {
                self.schema(
                    format!("The field '{field}' must be {range}, got {value}"),
                    location,
                );
                None
            }
            _ => {
                self.schema(
                    format!(
                        "The field '{field}' must be {range}, not {}",
                        kind_of(value)
                    ),
                    location,
                );
                None
            }
        }
    }

    /// A number in `min..=max` (no upper bound when `max` is `None`).
    fn number(&mut self, field: &str, value: &Value, location: &str, min: f64, max: Option<f64>) {
        let range = match max {
            Some(max) => format!("a number between {min} and {max}"),
            None => format!("a number of at least {min}"),
        };
        match value.as_f64() {
            Some(n) if n >= min && max.is_none_or(|max| n <= max) => {}
            Some(_) => self.schema(
                format!("The field '{field}' must be {range}, got {value}"),
                location,
            ),
            None => self.schema(
                format!(
                    "The field '{field}' must be {range}, not {}",
                    kind_of(value)
                ),
                location,
            ),
        }
    }

    /// InputPath / OutputPath: a JSONPath query, or `null` where `nullable`.
    fn query_field(&mut self, field: &str, value: &Value, location: &str, nullable: bool) {
        match value {
            Value::Null if nullable => {}
            Value::String(text) => {
                if let Err(e) = Query::parse(text) {
                    self.schema(
                        format!("The value for the field '{field}' must be a valid JSONPath: {e}"),
                        location,
                    );
                }
            }
            other => self.schema(
                format!(
                    "The value for the field '{field}' must be a string containing a JSONPath{}, \
                     not {}",
                    if nullable { " or null" } else { "" },
                    kind_of(other)
                ),
                location,
            ),
        }
    }

    /// ItemsPath: a JSONPath that selects one node.
    fn items_path(&mut self, value: &Value, location: &str) {
        let Some(text) = self.string("ItemsPath", value, location) else {
            return;
        };
        match Query::parse(text) {
            Ok(query) if query.is_definite() => {}
            Ok(_) => self.schema(
                "The value for the field 'ItemsPath' must be a valid ReferencePath: it must \
                 select a single node (no wildcards, filters, slices or unions)",
                location,
            ),
            Err(e) => self.schema(
                format!("The value for the field 'ItemsPath' must be a valid ReferencePath: {e}"),
                location,
            ),
        }
    }

    /// ResultPath and the `...Path` fields that read one value: a reference path.
    fn reference_path_field(&mut self, field: &str, value: &Value, location: &str, nullable: bool) {
        match value {
            Value::Null if nullable => {}
            Value::String(text) => {
                if let Err(e) = ReferencePath::parse(text) {
                    self.schema(
                        format!(
                            "The value for the field '{field}' must be a valid ReferencePath: {e}"
                        ),
                        location,
                    );
                }
            }
            other => self.schema(
                format!(
                    "The value for the field '{field}' must be a string containing a \
                     ReferencePath{}, not {}",
                    if nullable { " or null" } else { "" },
                    kind_of(other)
                ),
                location,
            ),
        }
    }

    /// Fail's ErrorPath / CausePath: a path or an intrinsic call.
    fn dynamic(&mut self, field: &str, value: &Value, location: &str) {
        match value {
            Value::String(text) => {
                if let Err(e) = Dynamic::parse(text) {
                    self.schema(
                        format!(
                            "The value for the field '{field}' must be a valid JSONPath or a \
                             valid intrinsic function call: {e}"
                        ),
                        location,
                    );
                }
            }
            other => self.schema(
                format!(
                    "The value for the field '{field}' must be a string containing a JSONPath or \
                     an intrinsic function call, not {}",
                    kind_of(other)
                ),
                location,
            ),
        }
    }

    /// A payload template: every `.$` key, at any depth, holds a path or an intrinsic call.
    /// Depth is bounded by [`MAX_JSON_DEPTH`], checked up front.
    fn template(&mut self, value: &Value, location: &str) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let key_location = child(location, key);
                    if key.ends_with(".$") {
                        self.template_dynamic(key, v, &key_location);
                    } else {
                        self.template(v, &key_location);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.template(item, &format!("{location}/{i}"));
                }
            }
            _ => {}
        }
    }

    fn template_dynamic(&mut self, key: &str, value: &Value, location: &str) {
        let Value::String(text) = value else {
            self.schema(
                format!(
                    "The value for the field '{key}' must be a STRING that contains a JSONPath \
                     or an intrinsic function call"
                ),
                location,
            );
            return;
        };
        let problem = if intrinsics::looks_like_call(text) {
            intrinsics::parse(text).err().map(|e| e.to_string())
        } else {
            Query::parse(text).err().map(|e| e.to_string())
        };
        if let Some(reason) = problem {
            self.schema(
                format!(
                    "The value for the field '{key}' must be a valid JSONPath or a valid \
                     intrinsic function call: {reason}"
                ),
                location,
            );
        }
    }

    /// A Choice rule uses its state's language: `Condition` in JSONata, the JSONPath
    /// comparisons otherwise; `Assign` in both, `Output` in JSONata only.
    fn choice_rule_language(&mut self, rule: &Value, location: &str, language: QueryLanguage) {
        let Value::Object(fields) = rule else {
            return;
        };
        match language {
            QueryLanguage::Jsonata => {
                if !fields.contains_key("Condition") {
                    self.schema(
                        "These fields are required: [Condition] (a Choice Rule of a JSONata state \
                         is a Condition, true, false or a {% %} expression)",
                        location,
                    );
                }
                for (key, value) in fields {
                    let key_location = child(location, key);
                    match key.as_str() {
                        "Condition" if value.is_string() => {
                            self.jsonata_template(value, &key_location)
                        }
                        "Output" => self.jsonata_template(value, &key_location),
                        "Assign" => self.assign(value, &key_location, language),
                        "Condition" | "Next" | "Comment" => {}
                        _ => self.schema(
                            format!(
                                "The field '{key}' is not supported in a Choice Rule of a JSONata state; write the test as a 'Condition'"
                            ),
                            key_location,
                        ),
                    }
                }
            }
            QueryLanguage::JsonPath => {
                for (key, value) in fields {
                    let key_location = child(location, key);
                    match key.as_str() {
                        "Assign" => self.assign(value, &key_location, language),
                        "Condition" | "Output" => {
                            if let Some(message) = wrong_language(key, language) {
                                self.schema(message, key_location);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// A JSONata field: every `{% %}` string in it, at any depth, parses.
    fn jsonata_template(&mut self, value: &Value, location: &str) {
        match JsonataTemplate::parse(value) {
            Ok(template) => {
                for expression in template.expressions() {
                    for name in expression.free_variables() {
                        if name != "states" {
                            self.reads.push((name, location.to_owned()));
                        }
                    }
                }
            }
            Err(e) => self.schema(e.to_string(), format!("{location}{}", e.pointer)),
        }
    }

    /// `Assign`: an object of valid variable names; values are payload templates (JSONPath)
    /// or JSONata fields.
    fn assign(&mut self, value: &Value, location: &str, language: QueryLanguage) {
        let Some(fields) = self.object("Assign", value, location) else {
            return;
        };
        for (key, v) in fields {
            let key_location = child(location, key);
            let name = match language {
                QueryLanguage::JsonPath => key.strip_suffix(".$").unwrap_or(key),
                QueryLanguage::Jsonata => key,
            };
            let mut chars = name.chars();
            let valid = chars.next().is_some_and(super::path::is_variable_start)
                && chars.all(super::path::is_variable_continue);
            if !valid {
                self.schema(
                    format!(
                        "The variable name '{name}' is not valid: it must start with a letter or \
                         '_' and continue with letters, digits or '_'"
                    ),
                    &key_location,
                );
            } else if name.chars().count() > MAX_VARIABLE_NAME_CHARS {
                self.schema(
                    format!(
                        "The variable name '{name}' is longer than {MAX_VARIABLE_NAME_CHARS} characters"
                    ),
                    &key_location,
                );
            } else if name == "states" {
                self.schema(
                    "The variable name 'states' is reserved: $states holds the state's input, \
                     result, error output and context",
                    &key_location,
                );
            } else {
                self.assigned.insert(name.to_owned());
            }
            match language {
                QueryLanguage::JsonPath if key.ends_with(".$") => {
                    self.template_dynamic(key, v, &key_location)
                }
                QueryLanguage::JsonPath => self.template(v, &key_location),
                QueryLanguage::Jsonata => self.jsonata_template(v, &key_location),
            }
        }
    }

    fn resource(&mut self, value: &Value, location: &str) {
        let Some(resource) = self.string("Resource", value, location) else {
            return;
        };
        if !resource.starts_with("arn:") {
            self.error(
                codes::INVALID_RESOURCE,
                format!(
                    "The value of the field 'Resource' must be an ARN (arn:...), got \"{resource}\""
                ),
                location,
            );
        }
    }

    /// AWS accepts RFC 3339 with an uppercase `T` and, when there is no offset, an uppercase `Z`.
    fn timestamp(&mut self, value: &Value, location: &str) {
        let Some(text) = self.string("Timestamp", value, location) else {
            return;
        };
        if !is_aws_timestamp(text) {
            self.schema(
                format!(
                    "The field 'Timestamp' must be an RFC 3339 timestamp such as \
                     2016-03-14T01:59:00Z (uppercase T and Z), got \"{text}\""
                ),
                location,
            );
        }
    }

    fn label(&mut self, value: &Value, location: &str) {
        let Some(label) = self.string("Label", value, location) else {
            return;
        };
        let length = label.chars().count();
        if length > MAX_LABEL_CHARS {
            self.error(
                codes::INVALID_LABEL_NAME,
                format!("A Map 'Label' can have at most {MAX_LABEL_CHARS} characters; this one has {length}"),
                location,
            );
        }
        if let Some(bad) = label
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || LABEL_FORBIDDEN.contains(c))
        {
            self.error(
                codes::INVALID_LABEL_NAME,
                format!(
                    "A Map 'Label' cannot contain whitespace, control characters or any of \
                     < > {{ }} [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /; found {bad:?}"
                ),
                location,
            );
        }
        if let Some(first) = self.labels.get(label) {
            let message = format!(
                "Duplicate Map label: {label} (labels must be unique; first used at {first})"
            );
            self.error(codes::DUPLICATE_LABEL_NAME, message, location);
        } else {
            self.labels.insert(label.to_owned(), location.to_owned());
        }
    }

    // -----------------------------------------------------------------------------------------
    // Compound fields
    // -----------------------------------------------------------------------------------------

    fn choices(
        &mut self,
        name: &str,
        value: &Value,
        location: &str,
        graph: &mut ScopeGraph,
        language: QueryLanguage,
    ) {
        let rules = match value {
            Value::Array(rules) if rules.is_empty() => {
                self.schema(
                    "The field 'Choices' must contain at least one Choice Rule",
                    location,
                );
                return;
            }
            Value::Array(rules) => rules,
            other => {
                self.schema(
                    format!(
                        "The field 'Choices' must be an array of Choice Rules, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                return;
            }
        };
        for (i, rule) in rules.iter().enumerate() {
            let rule_location = format!("{location}/{i}");
            // `choice` reports the rule's own problems (including a missing or non-string Next).
            choice::parse_branch(rule, &rule_location, &mut self.diags);
            self.choice_rule_language(rule, &rule_location, language);
            if let Some(Value::String(to)) = rule.get("Next") {
                graph.edge(name, to, "Next", child(&rule_location, "Next"));
            }
        }
    }

    fn branches(&mut self, value: &Value, location: &str) {
        let branches = match value {
            Value::Array(branches) if branches.is_empty() => {
                self.schema(
                    "The field 'Branches' must contain at least one branch",
                    location,
                );
                return;
            }
            Value::Array(branches) => branches,
            other => {
                self.schema(
                    format!(
                        "The field 'Branches' must be an array of branches, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                return;
            }
        };
        for (i, branch) in branches.iter().enumerate() {
            let branch_location = format!("{location}/{i}");
            match branch {
                Value::Object(machine) => self.machine(machine, &branch_location, Scope::Branch),
                other => self.schema(
                    format!(
                        "A branch must be an object with 'StartAt' and 'States', not {}",
                        kind_of(other)
                    ),
                    branch_location,
                ),
            }
        }
    }

    fn retry(&mut self, value: &Value, location: &str) {
        let Some(retriers) = self.array("Retry", value, location) else {
            return;
        };
        let last = retriers.len().saturating_sub(1);
        for (i, retrier) in retriers.iter().enumerate() {
            let retrier_location = format!("{location}/{i}");
            let Some(fields) = self.object("Retry", retrier, &retrier_location) else {
                continue;
            };
            for (field, value) in fields {
                let field_location = child(&retrier_location, field);
                match field.as_str() {
                    "ErrorEquals" => {
                        self.error_equals(value, &field_location, i == last, "retrier");
                    }
                    "IntervalSeconds" => {
                        self.integer(field, value, &field_location, 1, MAX_SECONDS);
                    }
                    "MaxAttempts" => {
                        self.integer(field, value, &field_location, 0, MAX_SECONDS);
                    }
                    "BackoffRate" => self.number(field, value, &field_location, 1.0, None),
                    "MaxDelaySeconds" => {
                        self.integer(field, value, &field_location, 1, MAX_DELAY_SECONDS);
                    }
                    "JitterStrategy" => {
                        if !matches!(value.as_str(), Some("FULL" | "NONE")) {
                            self.schema(
                                format!(
                                    "The field 'JitterStrategy' must be \"FULL\" or \"NONE\", \
                                     got {value}"
                                ),
                                field_location,
                            );
                        }
                    }
                    "Comment" => {
                        self.string(field, value, &field_location);
                    }
                    _ => self.unknown_field(field, &field_location, "in a retrier"),
                }
            }
            if !fields.contains_key("ErrorEquals") {
                self.schema(
                    "These fields are required: [ErrorEquals]",
                    &retrier_location,
                );
            }
        }
    }

    fn catch(
        &mut self,
        name: &str,
        value: &Value,
        location: &str,
        graph: &mut ScopeGraph,
        language: QueryLanguage,
    ) {
        let Some(catchers) = self.array("Catch", value, location) else {
            return;
        };
        let last = catchers.len().saturating_sub(1);
        for (i, catcher) in catchers.iter().enumerate() {
            let catcher_location = format!("{location}/{i}");
            let Some(fields) = self.object("Catch", catcher, &catcher_location) else {
                continue;
            };
            for (field, value) in fields {
                let field_location = child(&catcher_location, field);
                match field.as_str() {
                    "ErrorEquals" => {
                        self.error_equals(value, &field_location, i == last, "catcher");
                    }
                    "Next" => {
                        if let Some(to) = self.string(field, value, &field_location) {
                            graph.edge(name, to, "Next", field_location);
                        }
                    }
                    "ResultPath" if language == QueryLanguage::JsonPath => {
                        self.reference_path_field(field, value, &field_location, true)
                    }
                    "Output" if language == QueryLanguage::Jsonata => {
                        self.jsonata_template(value, &field_location)
                    }
                    "Assign" => self.assign(value, &field_location, language),
                    "Comment" => {
                        self.string(field, value, &field_location);
                    }
                    _ => match wrong_language(field, language) {
                        Some(message) => self.schema(message, field_location),
                        None => self.unknown_field(field, &field_location, "in a catcher"),
                    },
                }
            }
            let missing: Vec<&str> = ["ErrorEquals", "Next"]
                .into_iter()
                .filter(|f| !fields.contains_key(*f))
                .collect();
            if !missing.is_empty() {
                self.schema(
                    format!("These fields are required: [{}]", missing.join(", ")),
                    &catcher_location,
                );
            }
        }
    }

    /// A non-empty array of error names; "States.ALL" alone, and only in the last entry.
    fn error_equals(&mut self, value: &Value, location: &str, is_last: bool, entry: &str) {
        let Some(names) = self.array("ErrorEquals", value, location) else {
            return;
        };
        if names.is_empty() {
            self.schema(
                "The field 'ErrorEquals' must contain at least one error name",
                location,
            );
            return;
        }
        let mut has_all = false;
        for (i, name) in names.iter().enumerate() {
            match name {
                Value::String(name) => has_all |= name == "States.ALL",
                other => self.schema(
                    format!("An error name must be a string, not {}", kind_of(other)),
                    format!("{location}/{i}"),
                ),
            }
        }
        if has_all && names.len() > 1 {
            self.schema(
                "\"States.ALL\" must appear alone in 'ErrorEquals'",
                location,
            );
        }
        if has_all && !is_last {
            self.schema(
                format!("A {entry} with \"States.ALL\" in 'ErrorEquals' must be the last one"),
                location,
            );
        }
    }

    fn array<'v>(&mut self, field: &str, value: &'v Value, location: &str) -> Option<&'v [Value]> {
        match value {
            Value::Array(items) => Some(items),
            other => {
                self.schema(
                    format!(
                        "The field '{field}' must be an array, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                None
            }
        }
    }

    fn item_reader(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ItemReader", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "Resource" => self.resource(value, &field_location),
                "Parameters" => self.template(value, &field_location),
                "ReaderConfig" => self.reader_config(value, &field_location),
                _ => self.unknown_field(field, &field_location, "in 'ItemReader'"),
            }
        }
        if !fields.contains_key("Resource") {
            self.schema("These fields are required: [Resource]", location);
        }
    }

    fn reader_config(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ReaderConfig", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "MaxItems" => {
                    self.integer(field, value, &field_location, 1, u64::MAX);
                }
                "MaxItemsPath" => self.reference_path_field(field, value, &field_location, false),
                "InputType" | "CSVHeaderLocation" | "CSVDelimiter" | "ManifestType" => {
                    self.string(field, value, &field_location);
                }
                "CSVHeaders" => {
                    if let Some(headers) = self.array(field, value, &field_location) {
                        for (i, header) in headers.iter().enumerate() {
                            self.string(field, header, &format!("{field_location}/{i}"));
                        }
                    }
                }
                _ => self.unknown_field(field, &field_location, "in 'ReaderConfig'"),
            }
        }
        self.exclusive(fields, location, &["MaxItems", "MaxItemsPath"]);
    }

    fn item_batcher(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ItemBatcher", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "MaxItemsPerBatch" => {
                    self.integer(field, value, &field_location, 1, u64::MAX);
                }
                "MaxInputBytesPerBatch" => {
                    self.integer(field, value, &field_location, 1, MAX_INPUT_BYTES_PER_BATCH);
                }
                "MaxItemsPerBatchPath" | "MaxInputBytesPerBatchPath" => {
                    self.reference_path_field(field, value, &field_location, false)
                }
                "BatchInput" => self.template(value, &field_location),
                _ => self.unknown_field(field, &field_location, "in 'ItemBatcher'"),
            }
        }
        self.exclusive(
            fields,
            location,
            &["MaxItemsPerBatch", "MaxItemsPerBatchPath"],
        );
        self.exclusive(
            fields,
            location,
            &["MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"],
        );
    }

    fn result_writer(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ResultWriter", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "Resource" => self.resource(value, &field_location),
                "Parameters" => self.template(value, &field_location),
                "WriterConfig" => {
                    self.object(field, value, &field_location);
                }
                _ => self.unknown_field(field, &field_location, "in 'ResultWriter'"),
            }
        }
    }
}

/// RFC 3339 as AWS accepts it: uppercase `T` between date and time, uppercase `Z` for UTC.
fn is_aws_timestamp(text: &str) -> bool {
    text.as_bytes().get(10) == Some(&b'T')
        && !text.contains(['t', 'z'])
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The diagnostics of a definition, as (code, location) pairs plus messages.
    fn check(definition: Value) -> Vec<Diagnostic> {
        validate(&definition)
    }

    /// Asserts one diagnostic with this code and location exists and its message contains
    /// `fragment`.
    #[track_caller]
    fn assert_has(diags: &[Diagnostic], code: &str, location: &str, fragment: &str) {
        assert!(
            diags
                .iter()
                .any(|d| d.code == code && d.location == location && d.message.contains(fragment)),
            "expected {code} at {location:?} containing {fragment:?}; got {diags:#?}"
        );
    }

    /// A one-state machine around `state` named "S".
    fn single(state: Value) -> Value {
        json!({"StartAt": "S", "States": {"S": state}})
    }

    #[track_caller]
    fn assert_valid(definition: Value) {
        let diags = check(definition);
        assert!(diags.is_empty(), "expected no diagnostics, got {diags:#?}");
    }

    #[test]
    fn minimal_machine_is_valid_and_parses() {
        let text = br#"{"StartAt":"S","States":{"S":{"Type":"Pass","End":true}}}"#;
        let machine = parse_definition(text).unwrap();
        assert_eq!(machine.start_at, "S");
        assert_eq!(machine.states.len(), 1);
    }

    #[test]
    fn not_json_is_invalid_json_description() {
        let diags = parse_definition(b"{\"StartAt\": ").unwrap_err();
        assert_eq!(diags.len(), 1);
        assert_has(
            &diags,
            codes::INVALID_JSON_DESCRIPTION,
            "",
            "not valid JSON",
        );
    }

    #[test]
    fn invalid_utf8_is_invalid_json_description() {
        let diags = parse_definition(&[b'{', 0xff, b'}']).unwrap_err();
        assert_has(&diags, codes::INVALID_JSON_DESCRIPTION, "", "UTF-8");
    }

    #[test]
    fn empty_text_and_null_are_missing_description() {
        let diags = parse_definition(b"  \n").unwrap_err();
        assert_has(&diags, codes::MISSING_DESCRIPTION, "", "empty");
        let diags = parse_definition(b"null").unwrap_err();
        assert_has(&diags, codes::MISSING_DESCRIPTION, "", "null");
    }

    #[test]
    fn definition_must_be_an_object() {
        assert_has(
            &check(json!([1])),
            codes::SCHEMA_VALIDATION_FAILED,
            "",
            "must be a JSON object, not an array",
        );
    }

    #[test]
    fn start_at_and_states_are_required() {
        let diags = check(json!({}));
        assert_has(&diags, codes::SCHEMA_VALIDATION_FAILED, "", "[StartAt]");
        assert_has(&diags, codes::SCHEMA_VALIDATION_FAILED, "", "[States]");
    }

    #[test]
    fn start_at_must_be_a_string() {
        let diags = check(json!({"StartAt": 1, "States": {"S": {"Type": "Succeed"}}}));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/StartAt",
            "must be a string, not a number",
        );
    }

    #[test]
    fn start_at_must_name_a_state() {
        let diags = check(json!({"StartAt": "Nope", "States": {"S": {"Type": "Succeed"}}}));
        assert_has(
            &diags,
            codes::MISSING_TRANSITION_TARGET,
            "/StartAt",
            "Missing 'StartAt' target: Nope",
        );
    }

    #[test]
    fn states_must_be_a_non_empty_object() {
        assert_has(
            &check(json!({"StartAt": "S", "States": {}})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States",
            "at least one state",
        );
        assert_has(
            &check(json!({"StartAt": "S", "States": []})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States",
            "must be an object of states",
        );
    }

    #[test]
    fn comment_must_be_a_string() {
        let mut d = single(json!({"Type": "Pass", "End": true, "Comment": 3}));
        d["Comment"] = json!(false);
        let diags = check(d);
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/Comment",
            "a boolean",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Comment",
            "a number",
        );
    }

    #[test]
    fn version_must_be_1_0() {
        let mut d = single(json!({"Type": "Succeed"}));
        d["Version"] = json!("1.0");
        assert_valid(d.clone());
        d["Version"] = json!("2.0");
        assert_has(
            &check(d),
            codes::SCHEMA_VALIDATION_FAILED,
            "/Version",
            "\"1.0\"",
        );
    }

    #[test]
    fn top_level_timeout_seconds_is_a_positive_integer() {
        let mut d = single(json!({"Type": "Succeed"}));
        d["TimeoutSeconds"] = json!(99_999_999);
        assert_valid(d.clone());
        for bad in [json!(0), json!(100_000_000), json!(1.5), json!(-3)] {
            d["TimeoutSeconds"] = bad;
            assert_has(
                &check(d.clone()),
                codes::SCHEMA_VALIDATION_FAILED,
                "/TimeoutSeconds",
                "between 1 and 99999999",
            );
        }
        d["TimeoutSeconds"] = json!("10");
        assert_has(
            &check(d),
            codes::SCHEMA_VALIDATION_FAILED,
            "/TimeoutSeconds",
            "not a string",
        );
    }

    #[test]
    fn query_language_is_jsonpath_or_jsonata() {
        let mut d = single(json!({"Type": "Succeed", "QueryLanguage": "JSONPath"}));
        d["QueryLanguage"] = json!("JSONPath");
        assert_valid(d.clone());
        d["QueryLanguage"] = json!("JSONata");
        assert_valid(d.clone());
        d["QueryLanguage"] = json!("XPath");
        assert_has(
            &check(d),
            codes::SCHEMA_VALIDATION_FAILED,
            "/QueryLanguage",
            "must be",
        );
        assert_valid(single(
            json!({"Type": "Succeed", "QueryLanguage": "JSONata"}),
        ));
    }

    #[test]
    fn unknown_top_level_field() {
        let mut d = single(json!({"Type": "Succeed"}));
        d["Coment"] = json!("typo");
        assert_has(
            &check(d),
            codes::SCHEMA_VALIDATION_FAILED,
            "/Coment",
            "Field 'Coment' is not supported",
        );
    }

    #[test]
    fn type_is_required_and_must_be_known() {
        assert_has(
            &check(single(json!({"End": true}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "[Type]",
        );
        assert_has(
            &check(single(json!({"Type": "Sleep", "End": true}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Type",
            "must be one of Pass, Task",
        );
        assert_has(
            &check(single(json!({"Type": 7}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Type",
            "must be a string",
        );
    }

    #[test]
    fn a_state_must_be_an_object() {
        assert_has(
            &check(single(json!("Pass"))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "must be a JSON object",
        );
    }

    #[test]
    fn unknown_state_field_and_fields_of_other_types() {
        let diags = check(single(
            json!({"Type": "Pass", "End": true, "Resource": "arn:x", "Foo": 1}),
        ));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Resource",
            "Field 'Resource' is not supported in a Pass state",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Foo",
            "Field 'Foo' is not supported in a Pass state",
        );
    }

    #[test]
    fn jsonata_fields_need_a_jsonata_state() {
        let diags = check(single(json!({
            "Type": "Pass", "End": true, "Assign": {"x": 1}, "Output": {}, "Arguments": {}
        })));
        assert!(!diags.iter().any(|d| d.location == "/States/S/Assign"));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Output",
            "belongs to the JSONata query language",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Arguments",
            "JSONata",
        );
        let map = single(json!({
            "Type": "Map", "End": true, "Items": [1],
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}
        }));
        assert_has(
            &check(map),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Items",
            "JSONata",
        );
    }

    #[test]
    fn jsonpath_fields_are_refused_in_jsonata_states_with_their_path() {
        let d = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                      "InputPath": "$.a", "ResultPath": "$.b", "End": true,
                      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "F"}]},
                "F": {"Type": "Fail", "CausePath": "$.c"}
            }}]}
        }});
        let diags = check(d);
        for field in ["InputPath", "ResultPath"] {
            assert_has(
                &diags,
                codes::SCHEMA_VALIDATION_FAILED,
                &format!("/States/P/Branches/0/States/T/{field}"),
                "not supported in a JSONata state",
            );
        }
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/P/Branches/0/States/T/Catch/0/ResultPath",
            "JSONPath",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/P/Branches/0/States/F/CausePath",
            "JSONPath",
        );
    }

    #[test]
    fn jsonata_expressions_and_assign_are_checked() {
        let d = json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "W",
                  "Choices": [
                      {"Condition": "{% $states.input.x > %}", "Next": "W"},
                      {"Variable": "$.x", "IsPresent": true, "Next": "W"}
                  ]},
            "W": {"Type": "Wait", "Seconds": "{% $wait %}", "Next": "P"},
            "P": {"Type": "Pass", "End": true,
                  "Assign": {"states": 1, "9lives": 2, "ok": "{% $states.input %}"},
                  "Output": {"deep": ["{% ) %}"]}}
        }});
        let diags = check(d);
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/C/Choices/0/Condition",
            "is not valid",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/C/Choices/1",
            "Condition",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/P/Assign/states",
            "reserved",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/P/Assign/9lives",
            "not valid",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/P/Output/deep/0",
            "is not valid",
        );
        let warning = diags
            .iter()
            .find(|d| d.code == codes::UNDEFINED_VARIABLE)
            .expect("a warning for $wait");
        assert_eq!(warning.severity, Severity::Warning);
        assert_eq!(warning.location, "/States/W/Seconds");
    }

    #[test]
    fn next_or_end_exactly_one() {
        assert_has(
            &check(single(json!({"Type": "Pass"}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "[Next or End]",
        );
        let both = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B", "End": true},
            "B": {"Type": "Succeed"}
        }});
        assert_has(
            &check(both),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/A/End",
            "both 'Next' and \"End\": true",
        );
        assert_has(
            &check(single(json!({"Type": "Pass", "End": "yes"}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/End",
            "must be a boolean",
        );
    }

    #[test]
    fn terminal_states_cannot_have_next_or_end() {
        let diags = check(single(json!({"Type": "Succeed", "End": true})));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/End",
            "Field 'End' is not supported in a Succeed state",
        );
        let diags = check(json!({"StartAt": "F", "States": {
            "F": {"Type": "Fail", "Next": "F"}
        }}));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/F/Next",
            "not supported in a Fail state",
        );
    }

    #[test]
    fn next_must_name_a_state() {
        let d = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}});
        let diags = check(d);
        assert_has(
            &diags,
            codes::MISSING_TRANSITION_TARGET,
            "/States/A/Next",
            "Missing 'Next' target: Nowhere",
        );
    }

    #[test]
    fn a_branch_cannot_jump_out_of_its_scope() {
        let d = json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Done"}}}
            ]},
            "Done": {"Type": "Succeed"}
        }});
        let diags = check(d);
        assert_has(
            &diags,
            codes::MISSING_TRANSITION_TARGET,
            "/States/P/Branches/0/States/X/Next",
            "Missing 'Next' target: Done",
        );
        // The outer Next is fine.
        assert!(!diags.iter().any(|d| d.location == "/States/P/Next"));
    }

    #[test]
    fn unreachable_states_are_reported() {
        let d = json!({"StartAt": "A", "States": {
            "A": {"Type": "Succeed"},
            "Lost": {"Type": "Pass", "Next": "A"}
        }});
        assert_has(
            &check(d),
            codes::MISSING_TRANSITION_TARGET,
            "/States/Lost",
            "State \"Lost\" is not reachable.",
        );
    }

    #[test]
    fn catch_next_and_choice_default_count_as_edges() {
        let d = json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Next": "C",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]},
            "Handler": {"Type": "Fail", "Error": "E"},
            "C": {"Type": "Choice",
                  "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Yes"}],
                  "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"}
        }});
        assert_valid(d);
    }

    #[test]
    fn choice_targets_must_exist() {
        let d = json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice",
                  "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Gone"}],
                  "Default": "Away"},
        }});
        let diags = check(d);
        assert_has(
            &diags,
            codes::MISSING_TRANSITION_TARGET,
            "/States/C/Choices/0/Next",
            "Gone",
        );
        assert_has(
            &diags,
            codes::MISSING_TRANSITION_TARGET,
            "/States/C/Default",
            "Away",
        );
    }

    #[test]
    fn no_terminal_state() {
        let d = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "A"}
        }});
        assert_has(&check(d), codes::MISSING_END_STATE, "", "no terminal state");
    }

    #[test]
    fn state_name_length() {
        let long = "x".repeat(81);
        let d = json!({"StartAt": long, "States": {long.clone(): {"Type": "Succeed"}}});
        assert_has(
            &check(d),
            codes::INVALID_STATE_NAME,
            &format!("/States/{long}"),
            "1 to 80 characters",
        );
        let ok = "é".repeat(80);
        assert_valid(json!({"StartAt": ok, "States": {ok.clone(): {"Type": "Succeed"}}}));
    }

    #[test]
    fn state_names_in_pointers_are_escaped() {
        let d = json!({"StartAt": "a/b", "States": {"a/b": {"Type": "Pass", "Next": "c~d"}}});
        assert_has(
            &check(d),
            codes::MISSING_TRANSITION_TARGET,
            "/States/a~1b/Next",
            "c~d",
        );
    }

    #[test]
    fn duplicate_state_names_across_scopes() {
        let d = json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
            ]}
        }});
        assert_has(
            &check(d),
            codes::DUPLICATE_STATE_NAME,
            "/States/P/Branches/0/States/P",
            "Duplicate State name: P",
        );
    }

    #[test]
    fn task_requires_an_arn_resource() {
        assert_has(
            &check(single(json!({"Type": "Task", "End": true}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "[Resource]",
        );
        assert_has(
            &check(single(
                json!({"Type": "Task", "End": true, "Resource": "lambda"}),
            )),
            codes::INVALID_RESOURCE,
            "/States/S/Resource",
            "must be an ARN",
        );
    }

    #[test]
    fn task_timeouts() {
        let task = |extra: Value| {
            let mut s = json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true});
            for (k, v) in extra.as_object().unwrap() {
                s[k] = v.clone();
            }
            check(single(s))
        };
        assert_has(
            &task(json!({"TimeoutSeconds": "60"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/TimeoutSeconds",
            "not a string",
        );
        assert_has(
            &task(json!({"HeartbeatSeconds": 0})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/HeartbeatSeconds",
            "between 1 and 99999999",
        );
        assert_has(
            &task(json!({"TimeoutSeconds": 10, "HeartbeatSeconds": 10})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/HeartbeatSeconds",
            "must be smaller than TimeoutSeconds",
        );
        assert_has(
            &task(json!({"TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/TimeoutSecondsPath",
            "mutually exclusive",
        );
        assert_has(
            &task(json!({"HeartbeatSeconds": 1, "HeartbeatSecondsPath": "$.h"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/HeartbeatSecondsPath",
            "mutually exclusive",
        );
        assert_has(
            &task(json!({"TimeoutSecondsPath": "not a path"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/TimeoutSecondsPath",
            "valid ReferencePath",
        );
        assert!(task(json!({"TimeoutSeconds": 10, "HeartbeatSeconds": 5})).is_empty());
    }

    #[test]
    fn task_credentials_must_be_an_object_template() {
        let base = json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true});
        let mut s = base.clone();
        s["Credentials"] = json!("role");
        assert_has(
            &check(single(s)),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Credentials",
            "must be an object",
        );
        let mut s = base;
        s["Credentials"] = json!({"RoleArn.$": "not a path"});
        assert_has(
            &check(single(s)),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Credentials/RoleArn.$",
            "The value for the field 'RoleArn.$' must be a valid JSONPath or a valid intrinsic function call",
        );
    }

    #[test]
    fn choice_rules() {
        assert_has(
            &check(single(json!({"Type": "Choice", "Default": "S"}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "[Choices]",
        );
        assert_has(
            &check(single(
                json!({"Type": "Choice", "Choices": [], "Default": "S"}),
            )),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Choices",
            "at least one Choice Rule",
        );
        let diags = check(single(json!({
            "Type": "Choice", "Default": "S", "Next": "S", "ResultPath": "$.x",
            "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "S"}]
        })));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Next",
            "not supported in a Choice state",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultPath",
            "Field 'ResultPath' is not supported in a Choice state",
        );
    }

    #[test]
    fn choice_rule_problems_come_from_the_choice_module_with_full_pointers() {
        let diags = check(json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true}],
                  "Default": "D"},
            "D": {"Type": "Succeed"}
        }}));
        assert!(
            diags.iter().any(
                |d| d.location.starts_with("/States/C/Choices/0") && d.message.contains("Next")
            ),
            "{diags:#?}"
        );
    }

    #[test]
    fn wait_needs_exactly_one_duration() {
        assert_has(
            &check(single(json!({"Type": "Wait", "End": true}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "found none",
        );
        assert_has(
            &check(single(
                json!({"Type": "Wait", "End": true, "Seconds": 1, "SecondsPath": "$.s"}),
            )),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "found [Seconds, SecondsPath]",
        );
        assert_has(
            &check(single(json!({"Type": "Wait", "End": true, "Seconds": -1}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Seconds",
            "between 0 and 99999999",
        );
        assert_valid(single(json!({"Type": "Wait", "End": true, "Seconds": 0})));
    }

    #[test]
    fn wait_timestamps_are_rfc3339_as_aws_accepts_them() {
        for ok in [
            "2016-03-14T01:59:00Z",
            "2016-03-05T21:29:29.243167252Z",
            "2016-03-14T01:59:00+01:00",
        ] {
            assert_valid(single(
                json!({"Type": "Wait", "End": true, "Timestamp": ok}),
            ));
        }
        for bad in [
            "2016-03-14t01:59:00Z",
            "2016-03-14T01:59:00z",
            "2016-03-14 01:59:00Z",
            "2016-03-14T01:59:00",
            "2016-13-14T01:59:00Z",
            "yesterday",
        ] {
            assert_has(
                &check(single(
                    json!({"Type": "Wait", "End": true, "Timestamp": bad}),
                )),
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Timestamp",
                "RFC 3339",
            );
        }
    }

    #[test]
    fn fail_error_and_cause_fields() {
        assert_valid(single(json!({
            "Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('{}', $.c)"
        })));
        let diags = check(single(json!({
            "Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "C", "CausePath": "$.c"
        })));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ErrorPath",
            "'Error' and 'ErrorPath' are mutually exclusive",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/CausePath",
            "'Cause' and 'CausePath' are mutually exclusive",
        );
        assert_has(
            &check(single(json!({"Type": "Fail", "ErrorPath": "nope"}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ErrorPath",
            "The value for the field 'ErrorPath' must be a valid JSONPath or a valid intrinsic function call",
        );
        assert_has(
            &check(single(json!({"Type": "Fail", "InputPath": "$"}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/InputPath",
            "not supported in a Fail state",
        );
        assert_has(
            &check(single(json!({"Type": "Fail", "Error": 5}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Error",
            "must be a string",
        );
    }

    #[test]
    fn parallel_branches() {
        assert_has(
            &check(single(json!({"Type": "Parallel", "End": true}))),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "[Branches]",
        );
        assert_has(
            &check(single(
                json!({"Type": "Parallel", "End": true, "Branches": []}),
            )),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Branches",
            "at least one branch",
        );
        let diags = check(single(
            json!({"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Pass"}}, "Version": "1.0"},
                5
            ]}),
        ));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Branches/0/States/X",
            "[Next or End]",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Branches/0/Version",
            "not supported",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Branches/1",
            "A branch must be an object",
        );
    }

    fn map(extra: Value) -> Vec<Diagnostic> {
        let mut s = json!({"Type": "Map", "End": true,
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                s.as_object_mut().unwrap().remove(k);
            } else {
                s[k] = v.clone();
            }
        }
        check(single(s))
    }

    #[test]
    fn map_processor_and_selector() {
        assert!(map(json!({})).is_empty());
        assert_has(
            &map(json!({"ItemProcessor": null})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "[ItemProcessor]",
        );
        assert_has(
            &map(json!({"Iterator": {"StartAt": "J", "States": {"J": {"Type": "Succeed"}}}})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Iterator",
            "both 'ItemProcessor' and 'Iterator'",
        );
        assert_has(
            &map(json!({"ItemSelector": {}, "Parameters": {}})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Parameters",
            "both 'ItemSelector' and 'Parameters'",
        );
        assert_has(
            &map(
                json!({"ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "Out"}}}}),
            ),
            codes::MISSING_TRANSITION_TARGET,
            "/States/S/ItemProcessor/States/I/Next",
            "Out",
        );
    }

    #[test]
    fn map_processor_config() {
        let with_config = |config: Value| {
            map(
                json!({"ItemProcessor": {"ProcessorConfig": config, "StartAt": "I",
                "States": {"I": {"Type": "Succeed"}}}}),
            )
        };
        assert!(with_config(json!({"Mode": "INLINE"})).is_empty());
        assert!(with_config(json!({"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"})).is_empty());
        assert_has(
            &with_config(json!({"Mode": "SIDEWAYS"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemProcessor/ProcessorConfig/Mode",
            "\"INLINE\" or \"DISTRIBUTED\"",
        );
        assert_has(
            &with_config(json!({"Mode": "DISTRIBUTED"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemProcessor/ProcessorConfig",
            "[ExecutionType]",
        );
        assert_has(
            &with_config(json!({"Mode": "DISTRIBUTED", "ExecutionType": "FAST"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemProcessor/ProcessorConfig/ExecutionType",
            "\"STANDARD\" or \"EXPRESS\"",
        );
        // ProcessorConfig belongs to an item processor only.
        let d =
            json!({"StartAt": "S", "ProcessorConfig": {}, "States": {"S": {"Type": "Succeed"}}});
        assert_has(
            &check(d),
            codes::SCHEMA_VALIDATION_FAILED,
            "/ProcessorConfig",
            "not supported",
        );
    }

    #[test]
    fn map_numeric_limits_and_exclusive_pairs() {
        assert_has(
            &map(json!({"MaxConcurrency": 1, "MaxConcurrencyPath": "$.m"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/MaxConcurrencyPath",
            "mutually exclusive",
        );
        assert_has(
            &map(json!({"MaxConcurrency": -1})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/MaxConcurrency",
            "at least 0",
        );
        assert_has(
            &map(json!({"ToleratedFailurePercentage": 100.5})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ToleratedFailurePercentage",
            "between 0 and 100",
        );
        assert!(map(json!({"ToleratedFailurePercentage": 12.5})).is_empty());
        assert_has(
            &map(json!({"ToleratedFailureCount": 1, "ToleratedFailureCountPath": "$.c"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ToleratedFailureCountPath",
            "mutually exclusive",
        );
        assert_has(
            &map(json!({"ToleratedFailurePercentage": 1, "ToleratedFailurePercentagePath": "$.p"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ToleratedFailurePercentagePath",
            "mutually exclusive",
        );
        assert_has(
            &map(json!({"ItemsPath": "$.a[*]"})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemsPath",
            "valid ReferencePath",
        );
    }

    #[test]
    fn map_labels() {
        assert!(map(json!({"Label": "my-label_1"})).is_empty());
        assert_has(
            &map(json!({"Label": "x".repeat(41)})),
            codes::INVALID_LABEL_NAME,
            "/States/S/Label",
            "at most 40",
        );
        assert_has(
            &map(json!({"Label": "a b"})),
            codes::INVALID_LABEL_NAME,
            "/States/S/Label",
            "cannot contain",
        );
        let d = json!({"StartAt": "A", "States": {
            "A": {"Type": "Map", "Label": "L", "Next": "B",
                  "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}},
            "B": {"Type": "Map", "Label": "L", "End": true,
                  "ItemProcessor": {"StartAt": "J", "States": {"J": {"Type": "Succeed"}}}}
        }});
        assert_has(
            &check(d),
            codes::DUPLICATE_LABEL_NAME,
            "/States/B/Label",
            "Duplicate Map label: L",
        );
    }

    #[test]
    fn map_reader_batcher_writer() {
        assert!(
            map(json!({
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                               "ReaderConfig": {"InputType": "JSON", "MaxItems": 10},
                               "Parameters": {"Bucket.$": "$.b"}},
                "ItemBatcher": {"MaxItemsPerBatch": 10, "BatchInput": {"a.$": "$.x"}},
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {}}
            }))
            .is_empty()
        );
        assert_has(
            &map(json!({"ItemReader": {"ReaderConfig": {}}})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemReader",
            "[Resource]",
        );
        assert_has(
            &map(json!({"ItemBatcher": {"MaxInputBytesPerBatch": 300000}})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemBatcher/MaxInputBytesPerBatch",
            "between 1 and 262144",
        );
        assert_has(
            &map(json!({"ItemBatcher": {"Size": 1}})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemBatcher/Size",
            "not supported in 'ItemBatcher'",
        );
        assert_has(
            &map(json!({"ResultWriter": []})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultWriter",
            "must be an object",
        );
    }

    #[test]
    fn retriers() {
        let task = |retry: Value| {
            check(single(
                json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
                "Retry": retry}),
            ))
        };
        assert!(
            task(
                json!([{"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 0,
            "BackoffRate": 1.0, "MaxDelaySeconds": 5, "JitterStrategy": "FULL"}])
            )
            .is_empty()
        );
        let diags = task(json!([
            {"ErrorEquals": [], "IntervalSeconds": 0, "MaxAttempts": -1, "BackoffRate": 0.5,
             "MaxDelaySeconds": 0, "JitterStrategy": "SOME", "Extra": 1},
            {"IntervalSeconds": 1}
        ]));
        let at = |f: &str| format!("/States/S/Retry/0/{f}");
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            &at("ErrorEquals"),
            "at least one error name",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            &at("IntervalSeconds"),
            "between 1 and",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            &at("MaxAttempts"),
            "between 0 and",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            &at("BackoffRate"),
            "at least 1",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            &at("MaxDelaySeconds"),
            "between 1 and",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            &at("JitterStrategy"),
            "\"FULL\" or \"NONE\"",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            &at("Extra"),
            "not supported in a retrier",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Retry/1",
            "[ErrorEquals]",
        );
        assert_has(
            &task(json!({"ErrorEquals": ["A"]})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Retry",
            "must be an array",
        );
    }

    #[test]
    fn states_all_alone_and_last() {
        let diags = check(single(
            json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
                "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["B"]}],
                "Catch": [{"ErrorEquals": ["States.ALL", "X"], "Next": "S"}]
            }),
        ));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Retry/0/ErrorEquals",
            "must be the last one",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Catch/0/ErrorEquals",
            "must appear alone",
        );
        assert_has(
            &check(single(
                json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
                "Retry": [{"ErrorEquals": ["A", 3]}]}),
            )),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Retry/0/ErrorEquals/1",
            "must be a string",
        );
    }

    #[test]
    fn catchers() {
        let diags = check(single(json!({"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}],
            "Catch": [{"ErrorEquals": ["A"]}, {"ErrorEquals": ["B"], "Next": "Gone",
                       "ResultPath": "bad"}]
        })));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Catch/0",
            "[Next]",
        );
        assert_has(
            &diags,
            codes::MISSING_TRANSITION_TARGET,
            "/States/S/Catch/1/Next",
            "Missing 'Next' target: Gone",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Catch/1/ResultPath",
            "valid ReferencePath",
        );
    }

    #[test]
    fn io_paths() {
        assert_valid(single(
            json!({"Type": "Pass", "End": true, "InputPath": null,
            "OutputPath": null, "ResultPath": null}),
        ));
        assert_valid(single(
            json!({"Type": "Pass", "End": true, "InputPath": "$$.Execution.Input",
            "OutputPath": "$.a", "ResultPath": "$.b"}),
        ));
        let diags = check(single(
            json!({"Type": "Pass", "End": true, "InputPath": "a",
            "OutputPath": 3, "ResultPath": "x"}),
        ));
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/InputPath",
            "The value for the field 'InputPath' must be a valid JSONPath",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/OutputPath",
            "not a number",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultPath",
            "The value for the field 'ResultPath' must be a valid ReferencePath",
        );
        assert_has(
            &check(single(
                json!({"Type": "Wait", "End": true, "SecondsPath": null}),
            )),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/SecondsPath",
            "not null",
        );
    }

    #[test]
    fn payload_templates_check_every_dollar_key() {
        let diags = check(single(json!({"Type": "Pass", "End": true, "Parameters": {
            "ok.$": "$.a",
            "call.$": "States.Format('{}', $.a)",
            "bad.$": "a.b",
            "nested": {"deep": [{"x.$": 7}]},
            "literal": "a.b"
        }})));
        assert_eq!(diags.len(), 2, "{diags:#?}");
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Parameters/bad.$",
            "The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic function call",
        );
        assert_has(
            &diags,
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Parameters/nested/deep/0/x.$",
            "must be a STRING",
        );
        assert_has(
            &check(single(
                json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
                "ResultSelector": {"r.$": "States.NoSuchFunction()"}}),
            )),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultSelector/r.$",
            "'r.$'",
        );
        assert_has(
            &map(json!({"ItemSelector": {"i.$": "nope"}})),
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemSelector/i.$",
            "'i.$'",
        );
    }

    #[test]
    fn pass_result_is_a_literal() {
        assert_valid(single(json!({"Type": "Pass", "End": true,
            "Result": {"x.$": "not a path", "y.$": 3}})));
    }

    #[test]
    fn deep_values_are_refused_without_recursion() {
        // Built by hand: `json!` would serialise the interpolated value recursively.
        let mut deep = json!(1);
        for _ in 0..10_000 {
            deep = Value::Array(vec![deep]);
        }
        let mut d = single(json!({"Type": "Pass", "End": true, "Parameters": {}}));
        d["States"]["S"]["Parameters"]["a"] = deep;
        let diags = validate(&d);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, codes::TOO_DEEPLY_NESTED);
        // serde_json drops deep values recursively; leak this one so the test thread's stack
        // is not the thing under test.
        std::mem::forget(d);
        let text = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert_has(
            &parse_definition(text.as_bytes()).unwrap_err(),
            codes::INVALID_JSON_DESCRIPTION,
            "",
            "recursion limit",
        );
    }

    #[test]
    fn depth_limit_matches_serde_json_parse_limit() {
        let nest = |levels: usize| {
            let mut v = json!(1);
            for _ in 0..levels {
                v = Value::Array(vec![v]);
            }
            v
        };
        // The deepest document serde_json parses (127 containers) is within our limit...
        let deepest_parsable = nest(MAX_JSON_DEPTH - 1);
        let text = serde_json::to_string(&deepest_parsable).unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_ok());
        assert!(!json_depth_exceeds(&deepest_parsable, MAX_JSON_DEPTH));
        assert!(!json_depth_exceeds(&nest(MAX_JSON_DEPTH), MAX_JSON_DEPTH));
        // ...and one level more than the limit is refused.
        assert!(json_depth_exceeds(
            &nest(MAX_JSON_DEPTH + 1),
            MAX_JSON_DEPTH
        ));
    }

    #[test]
    fn many_problems_are_all_reported() {
        let d = json!({
            "StartAt": "Missing",
            "TimeoutSeconds": "long",
            "Extra": true,
            "States": {
                "A": {"Type": "Pass", "Next": "Nowhere", "InputPath": "bad"},
                "B": {"Type": "Task", "End": true},
                "C": {"Type": "Wait", "End": true, "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z"},
                "D": {"Type": "Bogus"},
                "E": {"Type": "Fail", "Error": "x", "ErrorPath": "$.e"}
            }
        });
        let diags = check(d);
        let expected = [
            (codes::MISSING_TRANSITION_TARGET, "/StartAt"),
            (codes::SCHEMA_VALIDATION_FAILED, "/TimeoutSeconds"),
            (codes::SCHEMA_VALIDATION_FAILED, "/Extra"),
            (codes::MISSING_TRANSITION_TARGET, "/States/A/Next"),
            (codes::SCHEMA_VALIDATION_FAILED, "/States/A/InputPath"),
            (codes::SCHEMA_VALIDATION_FAILED, "/States/B"),
            (codes::SCHEMA_VALIDATION_FAILED, "/States/C"),
            (codes::SCHEMA_VALIDATION_FAILED, "/States/D/Type"),
            (codes::SCHEMA_VALIDATION_FAILED, "/States/E/ErrorPath"),
        ];
        for (code, location) in expected {
            assert_has(&diags, code, location, "");
        }
        assert!(diags.len() >= expected.len());
        let err = parse_definition(
            serde_json::to_string(&json!({"StartAt": 1}))
                .unwrap()
                .as_bytes(),
        )
        .unwrap_err();
        assert!(err.len() >= 2, "{err:#?}");
    }

    #[test]
    fn parse_definition_builds_nested_models() {
        let text = serde_json::to_vec(&json!({
            "StartAt": "P",
            "States": {
                "P": {"Type": "Parallel", "Next": "M", "Branches": [
                    {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}
                ]},
                "M": {"Type": "Map", "End": true, "ItemsPath": "$.items", "MaxConcurrency": 2,
                      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                                        "States": {"I": {"Type": "Succeed"}}},
                      "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 1.5}]}
            }
        }))
        .unwrap();
        let machine = parse_definition(&text).unwrap();
        assert_eq!(machine.states.len(), 2);
    }

    /// The in-scope conformance definitions, as JSON values.
    fn conformance_definitions() -> Vec<(String, Value)> {
        let dir = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/conformance/cases"
        ));
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let case: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let out_of_scope = case["features"]
                .as_array()
                .is_some_and(|f| f.iter().any(|x| x == "jsonata" || x == "variables"));
            if !out_of_scope {
                out.push((path.display().to_string(), case["definition"].clone()));
            }
        }
        out
    }

    /// Whatever the validator accepts, the model must deserialise: replace each field of the
    /// top-level states of the conformance definitions by values of each JSON type and check
    /// that `parse_definition` never reports a validator gap (and never panics).
    #[test]
    fn validator_and_model_agree_on_mutated_definitions() {
        let replacements = [
            json!(null),
            json!(true),
            json!(-1),
            json!(1.5),
            json!("$.x"),
            json!("x"),
            json!([]),
            json!([{}]),
            json!({}),
        ];
        let mut gaps = Vec::new();
        // One mutation per (state type, field) keeps this fast; cases repeat the same shapes.
        let mut seen = HashSet::new();
        // The conformance cases have no Task state; add one with every Task field.
        let mut definitions = conformance_definitions();
        definitions.push((
            "synthetic task".to_owned(),
            json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                      "Comment": "c", "InputPath": "$", "OutputPath": "$", "ResultPath": "$.r",
                      "Parameters": {"a.$": "$.a"}, "ResultSelector": {"b.$": "$.b"},
                      "TimeoutSeconds": 10, "HeartbeatSeconds": 5,
                      "Credentials": {"RoleArn": "arn:aws:iam::1:role/r"},
                      "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]},
                "F": {"Type": "Fail", "Error": "E", "Cause": "C"}
            }}),
        ));
        if let Some((_, task)) = definitions.last() {
            assert_eq!(validate(task), Vec::new());
        }
        for (name, definition) in definitions {
            let Some(states) = definition["States"].as_object() else {
                continue;
            };
            for (state, fields) in states {
                let Some(fields) = fields.as_object() else {
                    continue;
                };
                let state_type = fields["Type"].as_str().unwrap_or_default().to_owned();
                for field in fields.keys() {
                    if !seen.insert((state_type.clone(), field.clone())) {
                        continue;
                    }
                    for replacement in &replacements {
                        let mut mutated = definition.clone();
                        mutated["States"][state][field] = replacement.clone();
                        let text = serde_json::to_vec(&mutated).unwrap();
                        if let Err(diags) = parse_definition(&text)
                            && diags
                                .iter()
                                .any(|d| d.message.contains("could not be read"))
                        {
                            gaps.push(format!("{name} {state}.{field}={replacement}: {diags:?}"));
                        }
                    }
                }
            }
        }
        assert!(gaps.is_empty(), "{} gaps:\n{}", gaps.len(), gaps.join("\n"));
    }

    /// Every in-scope conformance case ran on AWS, so each definition must be accepted.
    #[test]
    fn conformance_definitions_are_all_valid() {
        let definitions = conformance_definitions();
        assert!(
            definitions.len() >= 400,
            "only {} cases found",
            definitions.len()
        );
        let failures: Vec<String> = definitions
            .iter()
            .filter_map(|(name, definition)| {
                let text = serde_json::to_vec(definition).ok()?;
                parse_definition(&text)
                    .err()
                    .map(|diags| format!("{name}: {diags:#?}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} rejected:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

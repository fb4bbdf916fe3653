//! A definition compiled for the interpreter: every `Next`, `Default` and Catch target resolved
//! to an index, and every nested machine (Parallel branch, Map processor) given a number in one
//! flat table of scopes. Threads of an execution refer to states by (scope, index), two plain
//! numbers, so an execution can be checkpointed and resumed without pointers.

use std::sync::Arc;

use crate::asl::model::{Catcher, State, StateMachine};
use crate::asl::query::{Assign, Evaluable, JsonataTemplate, QueryLanguage};

/// Index of a scope in [`Program::scopes`].
pub type ScopeId = usize;

/// A compiled definition.
#[derive(Debug)]
pub struct Program {
    /// Scope 0 is the top-level machine; nested machines follow.
    pub scopes: Vec<Scope>,
    /// The execution's `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
}

/// One `StartAt` + `States` machine.
#[derive(Debug)]
pub struct Scope {
    /// Index of the `StartAt` state.
    pub start: usize,
    /// The states, in definition order.
    pub nodes: Vec<Node>,
}

/// A state with its transitions resolved.
#[derive(Debug)]
pub struct Node {
    /// The state's name, shared with the history events that name it (two per state entered).
    pub name: Arc<str>,
    /// The state as written.
    pub state: State,
    /// `Next`, resolved (None for `End` and for states without a transition).
    pub next: Option<usize>,
    /// Each Choice rule's `Next`, resolved, in rule order.
    pub choice_next: Vec<usize>,
    /// Choice `Default`, resolved.
    pub default: Option<usize>,
    /// Each catcher's `Next`, resolved, in catcher order.
    pub catch_next: Vec<usize>,
    /// Parallel branches or the Map item processor, as scope ids.
    pub children: Vec<ScopeId>,
    /// Its fields in its query language, parsed.
    pub query: StateQuery,
    /// A Wait's literal `Timestamp`, parsed (milliseconds since the epoch; None inside when the
    /// text is not a timestamp AWS accepts, which the state reports when it runs, as AWS does).
    pub wait_timestamp_ms: Option<Option<i64>>,
}

/// A state's query-language fields, parsed once: which language, `Assign`, and the JSONata
/// fields (`Arguments`, `Output`, `Items`, Choice `Condition`s, ...).
#[derive(Debug, Default)]
pub struct StateQuery {
    /// The state's language (its own `QueryLanguage`, else the machine's).
    pub language: QueryLanguage,
    /// `Assign`.
    pub assign: Option<Assign>,
    /// `Output` (JSONata).
    pub output: Option<JsonataTemplate>,
    /// `Arguments` of a Task or Parallel (JSONata).
    pub arguments: Option<JsonataTemplate>,
    /// `Items` of a Map (JSONata).
    pub items: Option<JsonataTemplate>,
    /// `ItemSelector` of a Map (JSONata).
    pub item_selector: Option<JsonataTemplate>,
    /// `ItemReader.Arguments` of a Map (JSONata).
    pub reader_arguments: Option<JsonataTemplate>,
    /// `ResultWriter.Arguments` of a Map (JSONata).
    pub writer_arguments: Option<JsonataTemplate>,
    /// `Error` of a Fail (JSONata).
    pub error: Option<JsonataTemplate>,
    /// `Cause` of a Fail (JSONata).
    pub cause: Option<JsonataTemplate>,
    /// Per Choice rule: its `Condition`, `Assign` and `Output`.
    pub choices: Vec<OutcomeQuery>,
    /// Per catcher: its `Assign` and `Output`.
    pub catchers: Vec<OutcomeQuery>,
    /// The parts of `$states` its JSONata expressions read: only those are bound.
    pub states: StatesRead,
}

/// Which parts of `$states` a state's expressions read. Building `$states.context` (a copy of
/// the execution input among it) and converting each part for the evaluator costs more than
/// most expressions do, so a part no expression reads is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatesRead {
    /// `$states.input`.
    pub input: bool,
    /// `$states.context`.
    pub context: bool,
    /// `$states.result`.
    pub result: bool,
    /// `$states.errorOutput`.
    pub error_output: bool,
}

impl Default for StatesRead {
    fn default() -> Self {
        StatesRead::ALL
    }
}

impl StatesRead {
    /// Every part: for an expression that may read `$states` as a whole.
    pub const ALL: StatesRead = StatesRead {
        input: true,
        context: true,
        result: true,
        error_output: true,
    };
    /// No part.
    pub const NONE: StatesRead = StatesRead {
        input: false,
        context: false,
        result: false,
        error_output: false,
    };

    /// Adds what one expression reads.
    fn add(&mut self, expression: &crate::asl::jsonata::Expression) {
        match expression.fields_read("states") {
            None => *self = StatesRead::ALL,
            Some(fields) => {
                for field in fields {
                    match field.as_str() {
                        "input" => self.input = true,
                        "context" => self.context = true,
                        "result" => self.result = true,
                        "errorOutput" => self.error_output = true,
                        // Not a part AWS defines: absent either way.
                        _ => {}
                    }
                }
            }
        }
    }
}

/// `Assign` and `Output` of one way out of a state (a Choice rule, a catcher), and a Choice
/// rule's JSONata `Condition`.
#[derive(Debug, Default)]
pub struct OutcomeQuery {
    /// `Condition` (JSONata Choice rules).
    pub condition: Option<JsonataTemplate>,
    /// `Assign`.
    pub assign: Option<Assign>,
    /// `Output` (JSONata).
    pub output: Option<JsonataTemplate>,
}

impl StateQuery {
    /// Whether the state is written in JSONata.
    pub fn is_jsonata(&self) -> bool {
        self.language == QueryLanguage::Jsonata
    }

    fn compile(
        name: &str,
        state: &State,
        language: QueryLanguage,
    ) -> Result<StateQuery, CompileError> {
        let invalid = |field: &str, reason: String| CompileError::Field {
            state: name.to_owned(),
            field: field.to_owned(),
            reason,
        };
        let jsonata = |field: &str, value: Option<&serde_json::Value>| {
            value
                .map(|v| JsonataTemplate::parse(v).map_err(|e| invalid(field, e.to_string())))
                .transpose()
        };
        let assign = |value: Option<&serde_json::Value>| {
            value
                .map(|v| Assign::parse(v, language).map_err(|e| invalid("Assign", e.to_string())))
                .transpose()
        };
        let mut query = StateQuery {
            language,
            assign: assign(state.assign())?,
            ..StateQuery::default()
        };
        if language == QueryLanguage::Jsonata {
            query.output = jsonata("Output", state.output())?;
        }
        let catchers: &[Catcher] = match state {
            State::Task(t) => {
                if language == QueryLanguage::Jsonata {
                    query.arguments = jsonata("Arguments", t.arguments.as_ref())?;
                }
                &t.catch
            }
            State::Parallel(p) => {
                if language == QueryLanguage::Jsonata {
                    query.arguments = jsonata("Arguments", p.arguments.as_ref())?;
                }
                &p.catch
            }
            State::Map(m) => {
                if language == QueryLanguage::Jsonata {
                    query.items = jsonata("Items", m.items.as_ref())?;
                    query.item_selector =
                        jsonata("ItemSelector", m.selector().and_then(|t| t.literal()))?;
                    query.reader_arguments = jsonata(
                        "ItemReader.Arguments",
                        m.item_reader.as_ref().and_then(|r| r.arguments.as_ref()),
                    )?;
                    query.writer_arguments = jsonata(
                        "ResultWriter.Arguments",
                        m.result_writer.as_ref().and_then(|w| w.arguments.as_ref()),
                    )?;
                }
                &m.catch
            }
            State::Fail(f) if language == QueryLanguage::Jsonata => {
                let text = |t: &Option<String>| t.clone().map(serde_json::Value::String);
                query.error = jsonata("Error", text(&f.error).as_ref())?;
                query.cause = jsonata("Cause", text(&f.cause).as_ref())?;
                &[]
            }
            State::Choice(c) => {
                for branch in &c.choices {
                    let condition = match (&branch.condition, language) {
                        (Some(c), QueryLanguage::Jsonata) => jsonata("Condition", Some(c))?,
                        _ => None,
                    };
                    query.choices.push(OutcomeQuery {
                        condition,
                        assign: assign(branch.assign.as_ref())?,
                        output: match language {
                            QueryLanguage::Jsonata => jsonata("Output", branch.output.as_ref())?,
                            QueryLanguage::JsonPath => None,
                        },
                    });
                }
                &[]
            }
            _ => &[],
        };
        for catcher in catchers {
            query.catchers.push(OutcomeQuery {
                condition: None,
                assign: assign(catcher.assign.as_ref())?,
                output: match language {
                    QueryLanguage::Jsonata => jsonata("Output", catcher.output.as_ref())?,
                    QueryLanguage::JsonPath => None,
                },
            });
        }
        query.states = query.states_read(state);
        Ok(query)
    }

    /// Every JSONata template of the state, its number fields' expressions included.
    fn templates<'a>(&'a self, state: &'a State) -> Vec<&'a JsonataTemplate> {
        let mut out: Vec<&JsonataTemplate> = Vec::new();
        let outcome = |o: &'a OutcomeQuery, out: &mut Vec<&'a JsonataTemplate>| {
            out.extend(o.condition.iter().chain(o.output.iter()));
            if let Some(Assign::Jsonata(fields)) = &o.assign {
                out.extend(fields.iter().map(|(_, t)| t));
            }
        };
        out.extend(
            [
                &self.output,
                &self.arguments,
                &self.items,
                &self.item_selector,
                &self.reader_arguments,
                &self.writer_arguments,
                &self.error,
                &self.cause,
            ]
            .into_iter()
            .flatten(),
        );
        if let Some(Assign::Jsonata(fields)) = &self.assign {
            out.extend(fields.iter().map(|(_, t)| t));
        }
        self.choices.iter().for_each(|o| outcome(o, &mut out));
        self.catchers.iter().for_each(|o| outcome(o, &mut out));
        let expression = |e: &'a Option<Evaluable<u64>>| match e {
            Some(Evaluable::Expression(t)) => Some(&**t),
            _ => None,
        };
        match state {
            State::Task(t) => {
                out.extend(expression(&t.timeout_seconds));
                out.extend(expression(&t.heartbeat_seconds));
            }
            State::Wait(w) => {
                out.extend(expression(&w.seconds));
                if let Some(Evaluable::Expression(t)) = &w.timestamp {
                    out.push(t);
                }
            }
            State::Map(m) => {
                out.extend(expression(&m.max_concurrency));
                out.extend(expression(&m.tolerated_failure_count));
                if let Some(r) = &m.item_reader {
                    out.extend(expression(&r.reader_config.max_items));
                }
                if let Some(Evaluable::Expression(t)) = &m.tolerated_failure_percentage {
                    out.push(t);
                }
            }
            _ => {}
        }
        out
    }

    /// The parts of `$states` the state's expressions read.
    fn states_read(&self, state: &State) -> StatesRead {
        let mut read = StatesRead::NONE;
        for expression in self
            .templates(state)
            .into_iter()
            .flat_map(|t| t.expressions())
        {
            read.add(expression);
        }
        read
    }
}

/// A numeric field's literal, for code that needs no JSONata (the literal of a JSONPath state).
pub fn literal<T: Copy>(field: &Option<Evaluable<T>>) -> Option<T> {
    field.as_ref().and_then(|f| f.literal().copied())
}

/// A definition the interpreter cannot run. Validation rules these out; compiling checks again
/// so that a program built from an unvalidated model fails cleanly instead of panicking later.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CompileError {
    /// A transition target that does not exist.
    #[error("state '{from}' refers to '{target}', which does not exist in its scope")]
    Target {
        /// The state holding the reference.
        from: String,
        /// The missing name.
        target: String,
    },
    /// A query-language field that does not parse.
    #[error("state '{state}': the field '{field}' is not valid: {reason}")]
    Field {
        /// The state.
        state: String,
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
}

impl Program {
    /// Compiles a (validated) definition.
    pub fn compile(machine: &StateMachine) -> Result<Program, CompileError> {
        let mut program = Program {
            scopes: Vec::new(),
            timeout_seconds: machine.timeout_seconds,
        };
        program.add_scope(machine, machine.query_language.unwrap_or_default())?;
        Ok(program)
    }

    fn add_scope(
        &mut self,
        machine: &StateMachine,
        language: QueryLanguage,
    ) -> Result<ScopeId, CompileError> {
        let id = self.scopes.len();
        self.scopes.push(Scope {
            start: 0,
            nodes: Vec::new(),
        });
        let index = |from: &str, target: &str| {
            machine
                .states
                .get_index_of(target)
                .ok_or_else(|| CompileError::Target {
                    from: from.to_owned(),
                    target: target.to_owned(),
                })
        };
        let start = index("StartAt", &machine.start_at)?;
        let mut nodes = Vec::with_capacity(machine.states.len());
        for (name, state) in &machine.states {
            let next = match state.transition().and_then(|t| t.next.as_deref()) {
                Some(target) => Some(index(name, target)?),
                None => None,
            };
            let state_language = state.query_language().unwrap_or(language);
            let mut node = Node {
                query: StateQuery::compile(name, state, state_language)?,
                name: Arc::from(name.as_str()),
                state: state.clone(),
                next,
                choice_next: Vec::new(),
                default: None,
                catch_next: Vec::new(),
                children: Vec::new(),
                wait_timestamp_ms: None,
            };
            match state {
                State::Wait(w) => {
                    if let Some(Evaluable::Literal(text)) = &w.timestamp {
                        node.wait_timestamp_ms =
                            Some(crate::interp::states::wait::parse_timestamp(text));
                    }
                }
                State::Choice(c) => {
                    for branch in &c.choices {
                        node.choice_next.push(index(name, &branch.next)?);
                    }
                    if let Some(d) = &c.default {
                        node.default = Some(index(name, d)?);
                    }
                }
                State::Task(t) => node.catch_next = catch_targets(name, &t.catch, &index)?,
                State::Parallel(p) => {
                    node.catch_next = catch_targets(name, &p.catch, &index)?;
                    for branch in &p.branches {
                        node.children.push(self.add_scope(branch, language)?);
                    }
                }
                State::Map(m) => {
                    node.catch_next = catch_targets(name, &m.catch, &index)?;
                    if let Some(processor) = m.processor() {
                        node.children.push(self.add_scope(processor, language)?);
                    }
                }
                State::Pass(_) | State::Succeed(_) | State::Fail(_) => {}
            }
            nodes.push(node);
        }
        self.scopes[id] = Scope { start, nodes };
        Ok(id)
    }

    /// The node at (scope, index). Ids come from this program, so they are always in range.
    pub fn node(&self, scope: ScopeId, index: usize) -> &Node {
        &self.scopes[scope].nodes[index]
    }
}

fn catch_targets(
    name: &str,
    catchers: &[crate::asl::model::Catcher],
    index: &impl Fn(&str, &str) -> Result<usize, CompileError>,
) -> Result<Vec<usize>, CompileError> {
    catchers.iter().map(|c| index(name, &c.next)).collect()
}

//! JSONata, the expression language of Amazon States Language's `QueryLanguage: JSONata`:
//! a pure evaluator with jsonata-js 2.0 semantics, its standard library and the functions AWS
//! Step Functions adds (`$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid`, `$parse`).
//!
//! This module owns the public API: [`Expression`] (parse once, evaluate many times, shared
//! between threads), [`Bindings`] (the variables an expression sees), [`Environment`] (the
//! clock and the seed, so evaluation is deterministic and replays identically) and [`Error`].
//! Evaluation does no I/O, reads no clock and draws no OS randomness, and it is bounded (see
//! [`Limits`]) so that no expression can hang the host or overflow its stack.

pub mod ast;
mod error;
pub mod eval;
pub mod functions;
pub mod lexer;
pub mod parser;
pub mod picture;
pub mod regex;
pub mod signature;
pub mod value;

#[cfg(test)]
mod suite;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use error::Error;
pub use eval::Limits;

use ast::Node;
use value::{Frame, NotJson, Value};

/// The stack of the thread expressions are parsed on.
const PARSE_THREAD_STACK: usize = 16 * 1024 * 1024;

thread_local! {
    /// The name `$` (the input), bound for every evaluation: shared instead of allocated each
    /// time.
    static DOLLAR: Arc<str> = Arc::from("$");
}

/// A parsed JSONata expression. Cheap to clone; `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Expression {
    text: Arc<str>,
    root: Arc<Node>,
    /// The final labels of the ancestor slots `%` refers to.
    labels: Arc<[String]>,
    /// The variables it reads that it does not bind ([`Expression::free_variables`]).
    free: Arc<[String]>,
    /// What it reads, when it is only a variable or fields below one.
    path: Option<Arc<VariablePath>>,
}

/// An expression that only reads a variable, or fields below one: `$name`, `$name.a.b`. Most
/// expressions of a workflow are such (`$states.input.order.id`), and they can be answered
/// from the variable's JSON directly, without the general evaluator or converting the value.
#[derive(Debug, PartialEq)]
pub struct VariablePath {
    /// The variable, without its `$`.
    pub variable: String,
    /// The fields below it, in order.
    pub fields: Vec<String>,
}

impl VariablePath {
    /// What evaluating the path gives over `value` (the value of [`VariablePath::variable`],
    /// or of its first field when `skip` is 1), exactly as the general evaluator would; `None`
    /// when the walk meets an array before the last field: a path maps over an array, and the
    /// general evaluator does that.
    pub fn follow(&self, value: &serde_json::Value, skip: usize) -> Option<Evaluated> {
        let mut current = value;
        for field in self.fields.iter().skip(skip) {
            current = match current {
                serde_json::Value::Object(map) => match map.get(field.as_str()) {
                    Some(v) => v,
                    None => return Some(Evaluated::Undefined),
                },
                serde_json::Value::Array(_) => return None,
                // A field of a scalar is nothing.
                _ => return Some(Evaluated::Undefined),
            };
        }
        Some(Evaluated::Value(value::normalized_json(current)))
    }
}

/// Variables visible to an expression (without the `$`), converted once and reused.
#[derive(Clone, Default)]
pub struct Bindings {
    /// Names shared with the frames they are bound in, so binding them allocates nothing.
    vars: Vec<(Arc<str>, Value)>,
}

impl std::fmt::Debug for Bindings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.vars.iter().map(|(k, _)| k))
            .finish()
    }
}

impl Bindings {
    pub fn new() -> Self {
        Bindings::default()
    }

    /// Binds `$name` (a leading `$` in `name` is ignored) to a JSON value, replacing an earlier
    /// binding of the same name.
    pub fn insert(&mut self, name: &str, value: &serde_json::Value) {
        self.set(name, value::from_json(value));
    }

    /// Binds `$name` to an object of these fields, converting each straight into the
    /// evaluator's values (no JSON object is built in between).
    pub fn insert_object<'v>(
        &mut self,
        name: &str,
        fields: impl IntoIterator<Item = (&'static str, &'v serde_json::Value)>,
    ) {
        let map = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), value::from_json(v)))
            .collect();
        self.set(name, Value::object(map));
    }

    /// Binds `$name` (a leading `$` ignored), replacing an earlier binding of the same name.
    fn set(&mut self, name: &str, value: Value) {
        let name = name.strip_prefix('$').unwrap_or(name);
        match self.vars.iter_mut().find(|(k, _)| &**k == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((Arc::from(name), value)),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        let name = name.strip_prefix('$').unwrap_or(name);
        self.vars.iter().any(|(k, _)| &**k == name)
    }
}

/// What one evaluation may observe of the outside world.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// The time `$now()` and `$millis()` report, in milliseconds since the epoch.
    pub now_ms: i64,
    /// The seed of `$random()`, `$shuffle()` and `$uuid()`.
    pub seed: u64,
}

/// The result of an evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Evaluated {
    Value(serde_json::Value),
    /// No value (an empty sequence, a missing field).
    Undefined,
    /// A function, or a value holding one, which JSON cannot carry.
    Unsupported,
}

impl Expression {
    /// Parses the text between `{%` and `%}`.
    ///
    /// Parsing recurses once per level of nesting. It runs on the caller's thread within a
    /// stack allowance; an expression nested too deeply for it is parsed again on a thread of
    /// its own with a large stack, so nesting up to [`parser::MAX_PARSE_DEPTH`] parses
    /// whatever the caller's stack (such expressions are rare and parsed once).
    pub fn parse(text: &str) -> Result<Expression, Error> {
        match Expression::parse_here(text, parser::MAX_PARSE_STACK) {
            Err(e) if e.code == "U1004" => {}
            done => return done,
        }
        let owned = text.to_string();
        let spawned = std::thread::Builder::new()
            .name("jsonata-parse".into())
            .stack_size(PARSE_THREAD_STACK)
            .spawn(move || Expression::parse_here(&owned, PARSE_THREAD_STACK / 4 * 3));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(Error {
                    code: "S0201".into(),
                    position: None,
                    message: "The parser failed".into(),
                })
            }),
            Err(_) => Expression::parse_here(text, parser::MAX_PARSE_STACK),
        }
    }

    /// Parses on the current thread, with `max_stack` bytes of stack for the nesting.
    pub fn parse_here(text: &str, max_stack: usize) -> Result<Expression, Error> {
        let syn = parser::parse(text, max_stack).map_err(|e| e.into_error())?;
        let processed = ast::process(syn, max_stack).map_err(|e| e.into_error())?;
        let free = ast::free_variables(&processed.root).into();
        let path = ast::variable_path(&processed.root)
            .map(|(variable, fields)| Arc::new(VariablePath { variable, fields }));
        Ok(Expression {
            text: Arc::from(text),
            root: Arc::new(processed.root),
            labels: processed.labels.into(),
            free,
            path,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Free variables the expression reads (`$name` not bound inside it), without the names of
    /// built-in functions.
    pub fn free_variables(&self) -> &[String] {
        &self.free
    }

    /// What it reads, when it is only a variable or fields below one.
    pub fn variable_path(&self) -> Option<&VariablePath> {
        self.path.as_deref()
    }

    /// The fields of the free variable `$name` the expression reads, when it reads it only as
    /// `$name.field...`; `None` when it may read all of it.
    pub fn fields_read(&self, name: &str) -> Option<Vec<String>> {
        ast::fields_read(&self.root, name)
    }

    pub fn evaluate(
        &self,
        input: Option<&serde_json::Value>,
        bindings: &Bindings,
        env: &Environment,
    ) -> Result<Evaluated, Error> {
        self.evaluate_with_limits(input, bindings, env, Limits::default())
    }

    /// [`Expression::evaluate`] with explicit bounds on the work it may do.
    pub fn evaluate_with_limits(
        &self,
        input: Option<&serde_json::Value>,
        bindings: &Bindings,
        env: &Environment,
        limits: Limits,
    ) -> Result<Evaluated, Error> {
        let input = input.map(value::from_json).unwrap_or_default();
        self.evaluate_value(input, bindings, env, limits)
            .map_err(|e| e.into_error())
    }

    fn evaluate_value(
        &self,
        input: Value,
        bindings: &Bindings,
        env: &Environment,
        limits: Limits,
    ) -> Result<Evaluated, error::Failure> {
        let mut ev = eval::Evaluator::new(&self.labels, env.now_ms, env.seed, limits);
        let root = Frame::root();
        ev.frames.register(&root);
        for (name, value) in &bindings.vars {
            root.bind_shared(name.clone(), value.clone());
        }
        root.bind_shared(DOLLAR.with(Arc::clone), input.clone());
        // A top-level array is one input, not a sequence of inputs.
        let input = match input {
            Value::Array(a) if !a.sequence => {
                let mut wrapper = value::Array::new(vec![Value::Array(a)]);
                wrapper.sequence = true;
                wrapper.outer_wrapper = true;
                Value::Array(Arc::new(wrapper))
            }
            v => v,
        };
        let result = ev.eval(&self.root, &input, &root);
        ev.frames.clear_all();
        let result = result?;
        match value::to_json(&result) {
            Ok(Some(json)) => Ok(Evaluated::Value(json)),
            Ok(None) => Ok(Evaluated::Undefined),
            Err(NotJson::Function) => Ok(Evaluated::Unsupported),
            Err(NotJson::Number(f)) => Err(f),
        }
    }
}

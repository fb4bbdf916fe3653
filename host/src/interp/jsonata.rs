//! What a state's JSONata expressions see, and `Assign` in both languages.
//!
//! A JSONata expression reads `$states` (`input`, `context`, and `result` or `errorOutput`
//! where AWS defines them) and the workflow variables, as they were when the state was entered:
//! a state's `Output` and `Assign` see the values of before its own assignments. The clock is
//! the execution's and the random seed comes from the execution's generator, so replaying a
//! history evaluates every expression to the same value.

use std::cell::{OnceCell, RefCell};

use serde_json::Value;

use super::errors::{Failure, names};
use super::states::StateScope;
use crate::asl::jsonata::{self, Bindings, Environment, Evaluated, Expression};
use crate::asl::query::{self, Assign, Evaluable, JsonataTemplate, Lookup, QueryError, Variables};
use crate::asl::template::EvalError;

/// The parts of `$states` a state defines at the point of evaluation.
#[derive(Clone, Copy)]
pub struct States<'a> {
    /// `$states.input`: the state's input.
    pub input: &'a Value,
    /// `$states.result`: a Task, Parallel or Map result, once there is one.
    pub result: Option<&'a Value>,
    /// `$states.errorOutput`: the error object, in a Catch.
    pub error_output: Option<&'a Value>,
}

impl<'a> States<'a> {
    /// `$states` with only `input` (and `context`).
    pub fn input(input: &'a Value) -> Self {
        States {
            input,
            result: None,
            error_output: None,
        }
    }

    /// The same, with `$states.result`.
    pub fn with_result(mut self, result: &'a Value) -> Self {
        self.result = Some(result);
        self
    }

    /// The same, with `$states.errorOutput`.
    pub fn with_error_output(mut self, error_output: &'a Value) -> Self {
        self.error_output = Some(error_output);
        self
    }
}

/// Evaluates one state's JSONata fields over one `$states`.
///
/// Nothing is converted up front: an expression that only reads a variable or its fields is
/// answered from the JSON, and the general evaluator's bindings are converted a variable at a
/// time, the first time an expression that reads it needs them.
pub struct Evaluator<'s, 'a, 'v> {
    scope: &'s StateScope<'a>,
    states: States<'v>,
    /// `$states.context`, built the first time an expression reads it.
    context: OnceCell<Value>,
    /// The variables converted for the general evaluator so far.
    bindings: RefCell<Bindings>,
    environment: Environment,
}

impl<'s, 'a, 'v> Evaluator<'s, 'a, 'v> {
    /// Evaluates over `states` and the state's variables.
    pub fn new(scope: &'s StateScope<'a>, states: States<'v>) -> Self {
        // One draw per evaluator, whatever its expressions call: replay draws the same.
        let mut random = scope.random_source();
        let environment = Environment {
            now_ms: scope.now_ms(),
            seed: random(),
        };
        Evaluator {
            scope,
            states,
            context: OnceCell::new(),
            bindings: RefCell::new(Bindings::new()),
            environment,
        }
    }

    fn context(&self) -> &Value {
        self.context.get_or_init(|| self.scope.context())
    }

    /// Converts what `expression` reads that is not converted yet.
    fn bind(&self, expression: &Expression) {
        let mut bindings = self.bindings.borrow_mut();
        for name in expression.free_variables() {
            if bindings.contains(name) {
                continue;
            }
            if name == "states" {
                // Only the parts the state's expressions read: the others cannot be seen.
                let read = self.scope.query().states;
                let states = self.states;
                let parts = [
                    ("input", Some(states.input).filter(|_| read.input)),
                    ("context", read.context.then(|| self.context())),
                    ("result", states.result.filter(|_| read.result)),
                    (
                        "errorOutput",
                        states.error_output.filter(|_| read.error_output),
                    ),
                ];
                bindings.insert_object(
                    "states",
                    parts.into_iter().filter_map(|(k, v)| Some((k, v?))),
                );
            } else if let Some(value) = self.scope.variables().get(name) {
                bindings.insert(name, value);
            }
        }
    }

    /// Evaluates `template` for `field` (AWS's name for it, e.g. `Output` or `Arguments`).
    pub fn field(&self, template: &JsonataTemplate, field: &str) -> Result<Value, Failure> {
        template
            .evaluate(field, self)
            .map_err(|e| self.scope.query_failure(&e))
    }

    /// Evaluates a field that must give a value of one JSON type (`expected` as AWS names it).
    pub fn typed_field(
        &self,
        template: &JsonataTemplate,
        field: &str,
        expected: &'static str,
    ) -> Result<Value, Failure> {
        let value = self.field(template, field)?;
        if query::type_name(&value) != expected {
            return Err(self
                .scope
                .query_failure(&query::type_error(template, field, expected, &value)));
        }
        Ok(value)
    }

    /// A non-negative whole number field (seconds, counts), written as a literal or an
    /// expression; `None` when the state does not have it.
    pub fn count(
        &self,
        value: &Option<Evaluable<u64>>,
        field: &str,
    ) -> Result<Option<u64>, Failure> {
        match value {
            Some(Evaluable::Literal(n)) => Ok(Some(*n)),
            Some(Evaluable::Expression(t)) => self.count_field(t, field).map(Some),
            None => Ok(None),
        }
    }

    fn count_field(&self, template: &JsonataTemplate, field: &str) -> Result<u64, Failure> {
        let value = self.typed_field(template, field, "number")?;
        value
            .as_u64()
            .or_else(|| {
                value
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| {
                self.scope.query_failure(&QueryError::Type {
                    expression: template
                        .as_expression()
                        .map(|e| e.text().trim().to_owned())
                        .unwrap_or_default(),
                    field: field.to_owned(),
                    expected: "non-negative integer",
                    found: "number",
                    value: value.to_string(),
                })
            })
    }

    /// The values of a JSONata `Assign`, in order.
    pub fn assign(
        &self,
        fields: &[(String, JsonataTemplate)],
    ) -> Result<Vec<(String, Value)>, Failure> {
        fields
            .iter()
            .map(|(name, t)| Ok((name.clone(), self.field(t, &format!("Assign/{name}"))?)))
            .collect()
    }
}

impl Variables for Evaluator<'_, '_, '_> {
    fn states_part(&self, part: &str) -> Lookup<'_> {
        let found = match part {
            "input" => Some(self.states.input),
            "context" => Some(self.context()),
            "result" => self.states.result,
            "errorOutput" => self.states.error_output,
            _ => None,
        };
        found.map_or(Lookup::Undefined, Lookup::Value)
    }

    fn variable(&self, name: &str) -> Lookup<'_> {
        // Not a workflow variable: perhaps a built-in function, which the evaluator knows.
        self.scope
            .variables()
            .get(name)
            .map_or(Lookup::Unknown, Lookup::Value)
    }

    fn evaluate(&self, expression: &Expression) -> Result<Evaluated, jsonata::Error> {
        self.bind(expression);
        expression.evaluate(None, &self.bindings.borrow(), &self.environment)
    }
}

/// The values of an `Assign` (either language) and their check against AWS's size limits.
/// A JSONPath `Assign` reads `doc` as `$` (the state's result, or its input where it has none);
/// a JSONata one reads `$states` as `evaluator` binds it.
pub fn assign(
    scope: &StateScope<'_>,
    assign: &Assign,
    doc: &Value,
    evaluator: Option<&Evaluator<'_, '_, '_>>,
) -> Result<Vec<(String, Value)>, Failure> {
    let values = match assign {
        Assign::Path(template) => {
            let context = scope.context();
            let mut random = scope.random_source();
            match template.evaluate_in(doc, &context, scope, &mut random) {
                Ok(Value::Object(map)) => map.into_iter().collect(),
                Ok(_) => Vec::new(),
                Err(e @ EvalError::PathNotFound { .. }) => return Err(scope.runtime(e.to_string())),
                Err(EvalError::Intrinsic(err)) => return Err(scope.intrinsic_failure(&err)),
            }
        }
        Assign::Jsonata(fields) => match evaluator {
            Some(evaluator) => evaluator.assign(fields)?,
            None => Evaluator::new(scope, States::input(doc)).assign(fields)?,
        },
    };
    scope
        .variables()
        .check(&values)
        .map_err(|e| Failure::new(names::RUNTIME, scope.prefixed(&e.to_string())))?;
    Ok(values)
}

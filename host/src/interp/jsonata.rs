//! What a state's JSONata expressions see, and `Assign` in both languages.
//!
//! A JSONata expression reads `$states` (`input`, `context`, and `result` or `errorOutput`
//! where AWS defines them) and the workflow variables, as they were when the state was entered:
//! a state's `Output` and `Assign` see the values of before its own assignments. The clock is
//! the execution's and the random seed comes from the execution's generator, so replaying a
//! history evaluates every expression to the same value.

use serde_json::Value;

use super::errors::{Failure, names};
use super::states::StateScope;
use crate::asl::jsonata::{Bindings, Environment};
use crate::asl::query::{self, Assign, Evaluable, JsonataTemplate, QueryError};
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
pub struct Evaluator<'s, 'a> {
    scope: &'s StateScope<'a>,
    bindings: Bindings,
    environment: Environment,
}

impl<'s, 'a> Evaluator<'s, 'a> {
    /// Binds `$states` and the variables the state's expressions read.
    pub fn new(scope: &'s StateScope<'a>, states: States<'_>) -> Self {
        // Only the parts the state's expressions read: the others cannot be seen.
        let read = scope.query().states;
        let context = read.context.then(|| scope.context());
        let parts = [
            ("input", Some(states.input).filter(|_| read.input)),
            ("context", context.as_ref()),
            ("result", states.result.filter(|_| read.result)),
            (
                "errorOutput",
                states.error_output.filter(|_| read.error_output),
            ),
        ];
        let mut bindings = Bindings::new();
        bindings.insert_object(
            "states",
            parts.into_iter().filter_map(|(k, v)| Some((k, v?))),
        );
        for name in &scope.query().reads {
            if let Some(value) = scope.variables().get(name) {
                bindings.insert(name, value);
            }
        }
        let mut random = scope.random_source();
        let environment = Environment {
            now_ms: scope.now_ms(),
            seed: random(),
        };
        Evaluator {
            scope,
            bindings,
            environment,
        }
    }

    /// Evaluates `template` for `field` (AWS's name for it, e.g. `Output` or `Arguments`).
    pub fn field(&self, template: &JsonataTemplate, field: &str) -> Result<Value, Failure> {
        template
            .evaluate(field, &self.scope_for_query())
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

    fn scope_for_query(&self) -> query::Scope<'_> {
        query::Scope {
            bindings: &self.bindings,
            environment: &self.environment,
        }
    }
}

/// The values of an `Assign` (either language) and their check against AWS's size limits.
/// A JSONPath `Assign` reads `doc` as `$` (the state's result, or its input where it has none);
/// a JSONata one reads `$states` as `evaluator` binds it.
pub fn assign(
    scope: &StateScope<'_>,
    assign: &Assign,
    doc: &Value,
    evaluator: Option<&Evaluator<'_, '_>>,
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

//! Fail: ends its machine with an error name and cause, fixed or computed from the input.

use serde_json::Value;

use super::{Flow, StateScope};
use crate::asl::model::{Dynamic, Fail};
use crate::asl::path::Root;
use crate::asl::query::JsonataTemplate;
use crate::interp::errors::Failure;
use crate::interp::execution::{Execution, ThreadId};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::Node;

/// Runs a Fail state.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Fail) -> Flow {
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let computed = (|| {
        if node.query.is_jsonata() {
            let evaluator = Evaluator::new(scope, States::input(raw));
            let text = |t: &Option<JsonataTemplate>, field: &str| -> Result<_, Failure> {
                match t {
                    Some(t) => match evaluator.typed_field(t, field, "string")? {
                        Value::String(s) => Ok(Some(s)),
                        _ => Ok(None),
                    },
                    None => Ok(None),
                }
            };
            return Ok(Failure::of(
                text(&node.query.error, "Error")?,
                text(&node.query.cause, "Cause")?,
            ));
        }
        scope.inspect(|i| i.after_input_path = Some((**raw).clone()));
        let error = match (&s.error, &s.error_path) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(d)) => Some(evaluate(d, "ErrorPath", raw, scope)?),
            (None, None) => None,
        };
        let cause = match (&s.cause, &s.cause_path) {
            (Some(c), _) => Some(c.clone()),
            (None, Some(d)) => Some(evaluate(d, "CausePath", raw, scope)?),
            (None, None) => None,
        };
        Ok(Failure::of(error, cause))
    })();
    // A Fail state that cannot compute its own error fails with that error (States.Runtime).
    let failure = computed.unwrap_or_else(|f| f);
    exec.thread_failed(t, failure);
    Flow::Stop
}

/// ErrorPath and CausePath must produce a string.
fn evaluate(
    d: &Dynamic,
    field: &str,
    raw: &Value,
    scope: &StateScope<'_>,
) -> Result<String, Failure> {
    let value = match d {
        Dynamic::Path(q) => {
            let context = if q.root() == Root::Context {
                scope.context()
            } else {
                Value::Null
            };
            q.select_in(raw, &context, scope)
                .map(std::borrow::Cow::into_owned)
                .map_err(|e| scope.runtime(q.invalid_path_cause(&e)))?
        }
        Dynamic::Call(_, call) => {
            let context = scope.context();
            let mut random = scope.random_source();
            let mut env = crate::asl::template::PathEnv::new(raw, &context, &mut random)
                .with_variables(scope);
            call.evaluate(&mut env)
                .map_err(|e| scope.intrinsic_failure(&e))?
        }
    };
    match value {
        Value::String(s) => Ok(s),
        other => Err(scope.runtime(format!(
            "The {field} field refers to a value that is not a string: {} == {other}",
            d.text()
        ))),
    }
}

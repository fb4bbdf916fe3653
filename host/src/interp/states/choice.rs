//! Choice: picks the next state by the first rule that matches its input (JSONPath), or the
//! first `Condition` that holds (JSONata). The rule taken (or, without one, the state) gives the
//! variables to assign and, in JSONata, the output.

use serde_json::Value;

use super::{Flow, StateScope};
use crate::asl::choice as rules;
use crate::asl::model::Choice;
use crate::asl::path::{ReferencePath, Root};
use crate::interp::dataflow;
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, ThreadId};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::Node;

/// Runs a Choice state.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Choice) -> Flow {
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let result = if node.query.is_jsonata() {
        run_jsonata(node, raw, scope)
    } else {
        (|| {
            let effective = dataflow::input_path(s.io.input_path.as_ref(), raw, scope)?;
            scope.inspect(|i| i.after_input_path = Some(effective.clone().into_owned()));
            let (rule, next) = choose(s, node, &effective, scope)?;
            let assign = match rule {
                Some(i) => node.query.choices.get(i).and_then(|o| o.assign.as_ref()),
                None => node.query.assign.as_ref(),
            };
            let assigned = assign
                .map(|a| crate::interp::jsonata::assign(scope, a, &effective, None))
                .transpose()?;
            let output = dataflow::output_path(s.io.output_path.as_ref(), effective, scope)?;
            Ok((output, next, assigned))
        })()
    };
    match result {
        Ok((output, next, assigned)) => Flow::Exit {
            output,
            next: Some(next),
            assigned,
        },
        Err(f) => Flow::Error(f),
    }
}

type Taken = (Value, usize, Option<Vec<(String, Value)>>);

fn run_jsonata(node: &Node, raw: &Value, scope: &StateScope<'_>) -> Result<Taken, Failure> {
    let evaluator = Evaluator::new(scope, States::input(raw));
    for (i, rule) in node.query.choices.iter().enumerate() {
        let holds = match &rule.condition {
            Some(condition) => evaluator.typed_field(condition, "Condition", "boolean")?,
            None => Value::Bool(false),
        };
        if holds == Value::Bool(true) {
            let next = node
                .choice_next
                .get(i)
                .copied()
                .ok_or_else(|| scope.runtime("choice target missing"))?;
            let (output, assigned) = super::jsonata_exit(
                scope,
                States::input(raw),
                rule.output.as_ref(),
                rule.assign.as_ref(),
                || raw.clone(),
            )?;
            return Ok((output, next, assigned));
        }
    }
    let next = node
        .default
        .ok_or_else(|| Failure::new(names::NO_CHOICE_MATCHED, scope.prefixed("No Matches!")))?;
    let (output, assigned) = super::jsonata_exit(
        scope,
        States::input(raw),
        node.query.output.as_ref(),
        node.query.assign.as_ref(),
        || raw.clone(),
    )?;
    Ok((output, next, assigned))
}

/// The rule that matched (None for `Default`) and the state to go to.
fn choose(
    s: &Choice,
    node: &Node,
    input: &Value,
    scope: &StateScope<'_>,
) -> Result<(Option<usize>, usize), Failure> {
    // Built at most once, and only if a rule reads `$$`.
    let mut context: Option<Value> = None;
    for (i, branch) in s.choices.iter().enumerate() {
        let Some(rule) = &branch.rule else {
            continue;
        };
        let mut resolve = |path: &ReferencePath| -> Option<Value> {
            let ctx = match path.root() {
                Root::Context => &*context.get_or_insert_with(|| scope.context()),
                Root::Input | Root::Variable => &Value::Null,
            };
            path.get_ref(input, ctx, scope).ok().cloned()
        };
        let matched =
            rules::evaluate(rule, &mut resolve).map_err(|e| scope.runtime(e.to_string()))?;
        if matched {
            let next = node
                .choice_next
                .get(i)
                .copied()
                .ok_or_else(|| scope.runtime("choice target missing"))?;
            return Ok((Some(i), next));
        }
    }
    node.default
        .map(|next| (None, next))
        .ok_or_else(|| Failure::new(names::NO_CHOICE_MATCHED, scope.prefixed("No Matches!")))
}

//! Pass: passes its input on, or a fixed `Result`, or the shaped `Parameters` (JSONPath), or
//! its `Output` (JSONata).

use std::borrow::Cow;

use super::{Flow, StateScope};
use crate::asl::model::Pass;
use crate::interp::dataflow;
use crate::interp::execution::{Execution, ThreadId};
use crate::interp::jsonata::States;
use crate::interp::program::Node;

/// Runs a Pass state.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Pass) -> Flow {
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let query = &node.query;
    let result = (|| {
        if query.is_jsonata() {
            return super::jsonata_exit(
                scope,
                States::input(raw),
                query.output.as_ref(),
                query.assign.as_ref(),
                || (**raw).clone(),
            );
        }
        let effective = dataflow::input_path(s.io.input_path.as_ref(), raw, scope)?;
        // AWS shows a fixed Result as the result, without the input steps it skips.
        if s.result.is_none() {
            scope.inspect(|i| i.after_input_path = Some(effective.clone().into_owned()));
        }
        let result = match (&s.result, &s.parameters) {
            (Some(r), _) => r.clone(),
            (None, Some(p)) => dataflow::template(p, &effective, scope)?,
            (None, None) => effective.into_owned(),
        };
        // A Pass has no ResultSelector: AWS shows its result under that step too.
        scope.inspect(|i| {
            match s.result {
                Some(_) => i.result = Some(result.clone()),
                None => i.after_parameters = Some(result.clone()),
            }
            i.after_result_selector = Some(result.clone());
        });
        let assigned = super::jsonpath_assign(scope, &result)?;
        let combined = dataflow::result_path(s.result_path.as_ref(), raw, result, scope)?;
        scope.inspect(|i| i.after_result_path = Some(combined.clone()));
        let output = dataflow::output_path(s.io.output_path.as_ref(), Cow::Owned(combined), scope)?;
        dataflow::check_size(&output, scope)?;
        Ok((output, assigned))
    })();
    match result {
        Ok((output, assigned)) => Flow::Exit {
            output,
            next: node.next,
            assigned,
        },
        Err(f) => Flow::Error(f),
    }
}

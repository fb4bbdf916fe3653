//! Succeed: ends its machine (or branch, or iteration) successfully.

use super::{Flow, StateScope};
use crate::asl::model::Succeed;
use crate::interp::dataflow;
use crate::interp::execution::{Execution, ThreadId};
use crate::interp::jsonata::States;
use crate::interp::program::Node;

/// Runs a Succeed state.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Succeed) -> Flow {
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let output = if node.query.is_jsonata() {
        super::jsonata_exit(
            scope,
            States::input(raw),
            node.query.output.as_ref(),
            None,
            || (**raw).clone(),
        )
        .map(|(output, _)| output)
    } else {
        dataflow::input_path(s.io.input_path.as_ref(), raw, scope).and_then(|effective| {
            scope.inspect(|i| i.after_input_path = Some(effective.clone().into_owned()));
            dataflow::output_path(s.io.output_path.as_ref(), effective, scope)
        })
    };
    match output {
        Ok(output) => Flow::Exit {
            output,
            next: None,
            assigned: None,
        },
        Err(f) => Flow::Error(f),
    }
}

//! Parallel: runs every branch on the same input; the output is the array of branch outputs,
//! in branch order. A branch that fails fails the state (after the others are stopped).

use super::join::{self, Join, JoinKind};
use super::{Flow, StateScope};
use crate::asl::model::Parallel;
use crate::history::EventDetails;
use crate::interp::dataflow;
use crate::interp::execution::{Execution, Phase, ThreadId};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::Node;

/// Starts (or, after a retry, restarts) a Parallel state.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Parallel) -> Flow {
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let input = if node.query.is_jsonata() {
        match &node.query.arguments {
            Some(arguments) => {
                Evaluator::new(scope, States::input(raw)).field(arguments, "Arguments")
            }
            None => Ok((**raw).clone()),
        }
    } else {
        dataflow::input_path(s.io.input_path.as_ref(), raw, scope).and_then(|effective| {
            match &s.parameters {
                Some(p) => dataflow::template(p, &effective, scope),
                None => Ok(effective.into_owned()),
            }
        })
    };
    let input = match input {
        Ok(i) => i,
        Err(f) => return Flow::Error(f),
    };
    exec.record(t, EventDetails::ParallelStateStarted);
    if let Some(mocked) = exec.probe().and_then(|p| p.children.clone()) {
        return join::mocked(exec, t, mocked, JoinKind::Parallel);
    }
    let n = node.children.len();
    exec.threads[t].join = Some(Box::new(Join::new(
        JoinKind::Parallel,
        node.children.clone(),
        vec![input; n],
    )));
    exec.threads[t].phase = Phase::Joining;
    join::start_children(exec, t);
    Flow::Wait
}

//! Wait: sleeps for some seconds or until a time, by asking the executor for a timer. The
//! deadline is absolute, so a host that restarts mid-wait wakes the state at the same moment.

use std::borrow::Cow;

use serde_json::Value;

use super::{Flow, StateScope};
use crate::asl::model::Wait;
use crate::asl::query::Evaluable;
use crate::interp::dataflow;
use crate::interp::errors::Failure;
use crate::interp::execution::{Execution, Phase, ThreadId, TimerPurpose};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::{self, Node};

/// Starts a Wait state: computes its deadline and arms the timer.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Wait) -> Flow {
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let now = exec.now_ms;
    if node.query.is_jsonata() {
        // A JSONata Wait keeps its raw input: Output reads it when the wait is over.
        return match jsonata_deadline(s, node, raw, now, scope) {
            Ok(at) => {
                let at = skipped_under_test(exec, at);
                let timer = exec.arm_timer(at, TimerPurpose::Wake(t));
                exec.threads[t].phase = Phase::Sleeping(timer);
                Flow::Wait
            }
            Err(f) => Flow::Error(f),
        };
    }
    let computed = dataflow::input_path(s.io.input_path.as_ref(), raw, scope)
        .and_then(|effective| deadline(s, node, &effective, now, scope).map(|at| (effective, at)));
    match computed {
        Ok((effective, at)) => {
            scope.inspect(|i| i.after_input_path = Some(effective.clone().into_owned()));
            let at = skipped_under_test(exec, at);
            // The Wait has no ResultPath: only the effective input matters from here on.
            exec.threads[t].input = std::sync::Arc::new(effective.into_owned());
            let timer = exec.arm_timer(at, TimerPurpose::Wake(t));
            exec.threads[t].phase = Phase::Sleeping(timer);
            Flow::Wait
        }
        Err(f) => Flow::Error(f),
    }
}

/// TestState checks a Wait's deadline but does not wait for it.
fn skipped_under_test(exec: &Execution, at: i64) -> i64 {
    if exec.probe().is_some() {
        exec.now_ms
    } else {
        at
    }
}

/// The timer fired: leave the state.
pub fn finish(exec: &mut Execution, t: ThreadId, node: &Node, s: &Wait) -> Flow {
    let scope = &StateScope::new(exec, t, node);
    let input = &exec.threads[t].input;
    let result = if node.query.is_jsonata() {
        super::jsonata_exit(
            scope,
            States::input(input),
            node.query.output.as_ref(),
            node.query.assign.as_ref(),
            || (**input).clone(),
        )
    } else {
        super::jsonpath_assign(scope, input).and_then(|assigned| {
            let output =
                dataflow::output_path(s.io.output_path.as_ref(), Cow::Borrowed(&**input), scope)?;
            Ok((output, assigned))
        })
    };
    match result {
        Ok((output, assigned)) => Flow::Exit {
            output,
            next: node.next,
            assigned,
        },
        Err(f) => Flow::Error(f),
    }
}

/// The deadline of a JSONata Wait: `Seconds` or `Timestamp`, each a literal or an expression.
fn jsonata_deadline(
    s: &Wait,
    node: &Node,
    input: &Value,
    now_ms: i64,
    scope: &StateScope<'_>,
) -> Result<i64, Failure> {
    let evaluator = Evaluator::new(scope, States::input(input));
    if let Some(secs) = evaluator.count(&s.seconds, "Seconds")? {
        return Ok(after(now_ms, secs));
    }
    let timestamp = match &s.timestamp {
        Some(Evaluable::Literal(text)) => {
            return literal_timestamp(text, node, scope);
        }
        Some(Evaluable::Expression(t)) => match evaluator.typed_field(t, "Timestamp", "string")? {
            Value::String(text) => text,
            _ => String::new(),
        },
        None => return Err(scope.runtime("The Wait state has neither Seconds nor Timestamp")),
    };
    parse_timestamp(&timestamp).ok_or_else(|| {
        scope.runtime(format!("The Timestamp parameter does not reference a valid ISO-8601 extended offset date-time format string: {timestamp}"))
    })
}

/// A literal `Timestamp`, parsed when the definition was compiled.
fn literal_timestamp(text: &str, node: &Node, scope: &StateScope<'_>) -> Result<i64, Failure> {
    node.wait_timestamp_ms.flatten().ok_or_else(|| {
        scope.runtime(format!("The Timestamp parameter does not reference a valid ISO-8601 extended offset date-time format string: {text}"))
    })
}

fn after(now_ms: i64, secs: u64) -> i64 {
    now_ms.saturating_add(secs.saturating_mul(1000).min(i64::MAX as u64) as i64)
}

fn deadline(
    s: &Wait,
    node: &Node,
    input: &Value,
    now_ms: i64,
    scope: &StateScope<'_>,
) -> Result<i64, Failure> {
    let after = |secs: u64| after(now_ms, secs);
    if let Some(secs) = program::literal(&s.seconds) {
        return Ok(after(secs));
    }
    if let Some(Evaluable::Literal(ts)) = &s.timestamp {
        return literal_timestamp(ts, node, scope);
    }
    if let Some(path) = &s.seconds_path {
        let context = scope.context();
        let v = path
            .get_in(input, &context, scope)
            .map_err(|e| scope.runtime(path.as_query().invalid_path_cause(&e)))?;
        let shown = format!("{} == {}", path.text(), v);
        return match v.as_i64() {
            Some(n) if n < 0 => Err(scope.runtime(format!(
                "The SecondsPath parameter references a negative value: {shown}"
            ))),
            Some(n) => Ok(after(n as u64)),
            None => match v.as_u64() {
                Some(n) => Ok(after(n)),
                None => Err(scope.runtime(format!(
                    "The SecondsPath parameter cannot be parsed as a long value: {shown}"
                ))),
            },
        };
    }
    if let Some(path) = &s.timestamp_path {
        let context = scope.context();
        let v = path
            .get_in(input, &context, scope)
            .map_err(|e| scope.runtime(path.as_query().invalid_path_cause(&e)))?;
        let parsed = v.as_str().and_then(parse_timestamp);
        return parsed.ok_or_else(|| {
            let shown = match &v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            scope.runtime(format!(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {shown}",
                path.text()
            ))
        });
    }
    // Validation guarantees one of the four fields.
    Err(scope.runtime("The Wait state has none of Seconds, Timestamp, SecondsPath, TimestampPath"))
}

/// Parses an ISO-8601 extended offset date-time as AWS accepts it: a `T` between date and
/// time and an explicit offset (`Z` or `±hh:mm`). Returns milliseconds since the epoch.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests;

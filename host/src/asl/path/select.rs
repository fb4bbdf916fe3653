//! Reading documents with parsed paths: definite walks that fail the way Jayway does,
//! indefinite queries (wildcards, slices, unions, deep scans, filters) that collect matches,
//! and `length()`.
//!
//! Owns: the selection semantics and the text of [`SelectError`]. Must not: parse path text
//! (everything arrives as [`Segment`]s) or write into documents.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::render::normalized;
use super::{
    CompareOp, Filter, Function, MAX_EQUALITY_DEPTH, Operand, Segment, SelectError, Selector,
};

/// Maps a possibly negative index to a position, or `None` when out of range.
pub(super) fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let at = if index < 0 {
        len.checked_add(index)?
    } else {
        index
    };
    if (0..len).contains(&at) {
        usize::try_from(at).ok()
    } else {
        None
    }
}

/// Follows a definite path, failing the way Jayway does.
pub(super) fn walk_definite<'a>(
    segments: &[Segment],
    doc: &'a Value,
) -> Result<&'a Value, SelectError> {
    let mut current = doc;
    let last = segments.len().saturating_sub(1);
    for (position, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Child(Selector::Name(name)) => match current {
                Value::Object(map) => match map.get(name) {
                    Some(next) => current = next,
                    None if position == last => {
                        return Err(SelectError::NoResults {
                            path: normalized(segments),
                        });
                    }
                    None => {
                        return Err(SelectError::MissingProperty {
                            path: normalized(segments.get(..=position).unwrap_or(segments)),
                        });
                    }
                },
                other => {
                    return Err(SelectError::NotAnObject {
                        property: name.clone(),
                        path: normalized(segments.get(..position).unwrap_or(segments)),
                        found: java_class(other),
                    });
                }
            },
            Segment::Child(Selector::Index(index)) => match current {
                Value::Array(items) => {
                    match resolve_index(*index, items.len()).and_then(|at| items.get(at)) {
                        Some(next) => current = next,
                        // Jayway drops an out-of-range index silently; the path then has no
                        // result at all.
                        None => {
                            return Err(SelectError::NoResults {
                                path: normalized(segments),
                            });
                        }
                    }
                }
                Value::Null => {
                    return Err(SelectError::NullArray {
                        path: normalized(segments.get(..position).unwrap_or(segments)),
                    });
                }
                other => {
                    return Err(SelectError::NotAnArray {
                        index: *index,
                        path: normalized(segments.get(..position).unwrap_or(segments)),
                        context: jayway_text(other),
                    });
                }
            },
            // Only reached if called with an indefinite path; treat it as finding nothing.
            _ => {
                return Err(SelectError::NoResults {
                    path: normalized(segments),
                });
            }
        }
    }
    Ok(current)
}

/// Follows a definite path leniently (filter operands): `None` when it names nothing.
pub(super) fn walk_lenient<'a>(segments: &[Segment], doc: &'a Value) -> Option<&'a Value> {
    let mut current = doc;
    for segment in segments {
        current = match (segment, current) {
            (Segment::Child(Selector::Name(name)), Value::Object(map)) => map.get(name)?,
            (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
                items.get(resolve_index(*index, items.len())?)?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// Evaluates any path, collecting every match in document order.
pub(super) fn evaluate_segments<'a>(
    segments: &[Segment],
    start: &'a Value,
    root: &'a Value,
) -> Vec<&'a Value> {
    let mut current = vec![start];
    for segment in segments {
        let mut next = Vec::new();
        for node in current {
            match segment {
                Segment::Child(selector) => select_children(selector, node, root, &mut next),
                Segment::Descendant(selector) => {
                    for descendant in descendants_or_self(node) {
                        match selector {
                            // A scan filter tests every descendant once: the members of each
                            // object and the elements of each array.
                            Selector::Filter(filter) => {
                                for child in children(descendant) {
                                    if filter_accepts(filter, child, root) {
                                        next.push(child);
                                    }
                                }
                            }
                            other => select_children(other, descendant, root, &mut next),
                        }
                    }
                }
            }
        }
        current = next;
    }
    current
}

pub(super) fn children(node: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match node {
        Value::Object(map) => Box::new(map.values()),
        Value::Array(items) => Box::new(items.iter()),
        _ => Box::new(std::iter::empty()),
    }
}

/// The node and all its descendants, parents before children, in document order. Iterative,
/// so document depth cannot exhaust the stack.
pub(super) fn descendants_or_self(node: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(next) = stack.pop() {
        out.push(next);
        let before = stack.len();
        stack.extend(children(next));
        stack.get_mut(before..).map(<[&Value]>::reverse);
    }
    out
}

pub(super) fn select_children<'a>(
    selector: &Selector,
    node: &'a Value,
    root: &'a Value,
    out: &mut Vec<&'a Value>,
) {
    match selector {
        Selector::Name(name) => {
            if let Some(found) = node.as_object().and_then(|map| map.get(name)) {
                out.push(found);
            }
        }
        Selector::Names(names) => {
            if let Value::Object(map) = node {
                out.extend(names.iter().filter_map(|name| map.get(name)));
            }
        }
        Selector::Index(index) => {
            if let Value::Array(items) = node
                && let Some(found) = resolve_index(*index, items.len()).and_then(|at| items.get(at))
            {
                out.push(found);
            }
        }
        Selector::Indices(indices) => {
            if let Value::Array(items) = node {
                out.extend(indices.iter().filter_map(|index| {
                    resolve_index(*index, items.len()).and_then(|at| items.get(at))
                }));
            }
        }
        Selector::Wildcard => out.extend(children(node)),
        Selector::Slice { start, end, step } => {
            if let Value::Array(items) = node {
                slice(items, *start, *end, *step, out);
            }
        }
        Selector::Filter(filter) => match node {
            Value::Array(items) => out.extend(
                items
                    .iter()
                    .filter(|item| filter_accepts(filter, item, root)),
            ),
            // Jayway applies a filter on an object to the object itself.
            Value::Object(_) if filter_accepts(filter, node, root) => out.push(node),
            _ => {}
        },
    }
}

/// Python-style slice with a positive step; bounds are clamped to the array.
pub(super) fn slice<'a>(
    items: &'a [Value],
    start: Option<i64>,
    end: Option<i64>,
    step: i64,
    out: &mut Vec<&'a Value>,
) {
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let clamp = |bound: i64| -> i64 {
        if bound < 0 {
            len.saturating_add(bound).max(0)
        } else {
            bound.min(len)
        }
    };
    let from = start.map_or(0, clamp);
    let to = end.map_or(len, clamp);
    let mut at = from;
    while at < to {
        if let Some(item) = usize::try_from(at).ok().and_then(|at| items.get(at)) {
            out.push(item);
        }
        at = match at.checked_add(step.max(1)) {
            Some(next) => next,
            None => break,
        };
    }
}

pub(super) fn apply_function(function: Option<Function>, value: Cow<'_, Value>) -> Cow<'_, Value> {
    match function {
        None => value,
        Some(Function::Length) => Cow::Owned(match value.as_ref() {
            Value::Array(items) => Value::from(items.len()),
            Value::Object(map) => Value::from(map.len()),
            Value::String(text) => Value::from(text.chars().count()),
            _ => Value::Null,
        }),
    }
}

/// Resolves a filter operand against the node under test. `None` means "no such value".
pub(super) fn resolve_operand<'a>(
    operand: &'a Operand,
    node: &'a Value,
    root: &'a Value,
) -> Option<Cow<'a, Value>> {
    let (steps, start) = match operand {
        Operand::Literal(value) => return Some(Cow::Borrowed(value)),
        Operand::Current(steps) => (steps, node),
        Operand::Root(steps) => (steps, root),
    };
    let found = if steps.definite {
        Cow::Borrowed(walk_lenient(&steps.segments, start)?)
    } else {
        let matches = evaluate_segments(&steps.segments, start, root);
        Cow::Owned(Value::Array(matches.into_iter().cloned().collect()))
    };
    Some(apply_function(steps.function, found))
}

pub(super) fn filter_accepts(filter: &Filter, node: &Value, root: &Value) -> bool {
    match filter {
        Filter::Or(parts) => parts.iter().any(|part| filter_accepts(part, node, root)),
        Filter::And(parts) => parts.iter().all(|part| filter_accepts(part, node, root)),
        Filter::Not(inner) => !filter_accepts(inner, node, root),
        Filter::Exists(operand) => match resolve_operand(operand, node, root) {
            None => false,
            Some(value) => match operand {
                // An indefinite path exists when it matched something.
                Operand::Current(steps) | Operand::Root(steps) if !steps.definite => {
                    value.as_array().is_some_and(|items| !items.is_empty())
                }
                Operand::Literal(literal) => !matches!(literal, Value::Bool(false) | Value::Null),
                _ => true,
            },
        },
        Filter::Compare { left, op, right } => {
            let left = resolve_operand(left, node, root);
            let right = resolve_operand(right, node, root);
            compare(*op, left.as_deref(), right.as_deref())
        }
    }
}

pub(super) fn compare(op: CompareOp, left: Option<&Value>, right: Option<&Value>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        // A missing value equals nothing, so it differs from everything.
        return op == CompareOp::Ne;
    };
    match op {
        CompareOp::Eq => json_equal(left, right, 0),
        CompareOp::Ne => !json_equal(left, right, 0),
        CompareOp::Lt => order(left, right) == Some(Ordering::Less),
        CompareOp::Le => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => order(left, right) == Some(Ordering::Greater),
        CompareOp::Ge => matches!(
            order(left, right),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        CompareOp::In => contains(right, left),
        CompareOp::Nin => right.is_array() && !contains(right, left),
        CompareOp::SubsetOf => match (left, right) {
            (Value::Array(items), Value::Array(_)) => {
                items.iter().all(|item| contains(right, item))
            }
            _ => false,
        },
        CompareOp::AnyOf => match (left, right) {
            (Value::Array(items), Value::Array(_)) => {
                items.iter().any(|item| contains(right, item))
            }
            _ => false,
        },
        CompareOp::NoneOf => match (left, right) {
            (Value::Array(items), Value::Array(_)) => {
                !items.iter().any(|item| contains(right, item))
            }
            _ => false,
        },
        CompareOp::Size => {
            let size = match left {
                Value::Array(items) => items.len(),
                Value::String(text) => text.chars().count(),
                _ => return false,
            };
            right.as_u64().and_then(|want| usize::try_from(want).ok()) == Some(size)
        }
        CompareOp::Empty => {
            let empty = match left {
                Value::Array(items) => items.is_empty(),
                Value::String(text) => text.is_empty(),
                _ => return false,
            };
            right.as_bool() == Some(empty)
        }
    }
}

pub(super) fn contains(haystack: &Value, needle: &Value) -> bool {
    haystack
        .as_array()
        .is_some_and(|items| items.iter().any(|item| json_equal(item, needle, 0)))
}

/// Ordering for `<`, `<=`, `>`, `>=`: numbers by value, strings lexically, nothing else.
pub(super) fn order(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_order(a, b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

pub(super) fn number_order(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// JSON equality where numbers compare by value (`1 == 1.0`), as Jayway's BigDecimal does.
pub(super) fn json_equal(left: &Value, right: &Value, depth: usize) -> bool {
    if depth > MAX_EQUALITY_DEPTH {
        return false;
    }
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_order(a, b) == Some(Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_equal(x, y, depth + 1))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, x)| b.get(key).is_some_and(|y| json_equal(x, y, depth + 1)))
        }
        _ => left == right,
    }
}

/// The Java class Jayway's default provider (json-smart) would hold for a value.
pub(super) fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "net.minidev.json.JSONArray",
        Value::Object(_) => "net.minidev.json.JSONObject",
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => "java.lang.Integer",
            Some(_) => "java.lang.Long",
            None if n.is_u64() => "java.math.BigInteger",
            None => "java.lang.Double",
        },
    }
}

/// A value as Jayway prints it in messages: strings bare, everything else as JSON.
pub(super) fn jayway_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

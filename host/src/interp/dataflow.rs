//! Input and output processing, in AWS's order: InputPath → Parameters → (the state's work) →
//! ResultSelector → ResultPath → OutputPath, with the error names and cause texts AWS gives when
//! a step fails, and the payload size limit.

use std::borrow::Cow;

use serde_json::Value;

use super::errors::{Failure, names};
use super::{MAX_PAYLOAD_BYTES, states::StateScope};
use crate::asl::model::{NullablePath, ResultPath};
use crate::asl::path::Root;
use crate::asl::template::{EvalError, Template};

/// Applies `InputPath` (absent: the whole input; null: `{}`). Borrows from `raw` when it can:
/// most states read their input without changing it.
pub fn input_path<'v>(
    path: Option<&NullablePath>,
    raw: &'v Value,
    scope: &StateScope<'_>,
) -> Result<Cow<'v, Value>, Failure> {
    select(path, raw, scope)
}

/// Applies `OutputPath` (absent: the whole document; null: `{}`). The document may be borrowed
/// (a state's effective input) or owned (a fresh result): only what OutputPath keeps is copied.
pub fn output_path(
    path: Option<&NullablePath>,
    doc: Cow<'_, Value>,
    scope: &StateScope<'_>,
) -> Result<Value, Failure> {
    match path {
        None => Ok(doc.into_owned()),
        _ => select(path, &doc, scope).map(Cow::into_owned),
    }
}

fn select<'v>(
    path: Option<&NullablePath>,
    doc: &'v Value,
    scope: &StateScope<'_>,
) -> Result<Cow<'v, Value>, Failure> {
    match path {
        None => Ok(Cow::Borrowed(doc)),
        Some(NullablePath::Null) => Ok(Cow::Owned(Value::Object(Default::default()))),
        Some(NullablePath::Path(q)) => match q.root() {
            Root::Context => {
                let context = scope.context();
                q.select(doc, &context)
                    .map(Cow::Owned)
                    .map_err(|e| scope.runtime(q.invalid_path_cause(&e)))
            }
            Root::Variable => q
                .select_in(doc, &Value::Null, scope)
                .map(|v| Cow::Owned(v.into_owned()))
                .map_err(|e| scope.runtime(q.invalid_path_cause(&e))),
            Root::Input => q
                .select_ref(doc, &Value::Null)
                .map_err(|e| scope.runtime(q.invalid_path_cause(&e))),
        },
    }
}

/// Evaluates a payload template (Parameters, ResultSelector, ItemSelector) against `input`.
pub fn template(t: &Template, input: &Value, scope: &StateScope<'_>) -> Result<Value, Failure> {
    let paths = t.context_paths();
    let context = if paths.is_empty() {
        Value::Null
    } else {
        scope.context_for_paths(paths)
    };
    let mut random = scope.random_source();
    t.evaluate_in(input, &context, scope, &mut random)
        .map_err(|e| match e {
            EvalError::PathNotFound { .. } => scope.runtime(e.to_string()),
            EvalError::Intrinsic(err) => scope.intrinsic_failure(&err),
        })
}

/// Applies `ResultPath`: where the result goes in the state's raw input.
pub fn result_path(
    path: Option<&ResultPath>,
    raw: &Value,
    result: Value,
    scope: &StateScope<'_>,
) -> Result<Value, Failure> {
    match path {
        None => Ok(result),
        Some(ResultPath::Discard) => Ok(raw.clone()),
        Some(ResultPath::Path(p)) => p.set_cloned(raw, result).map_err(|e| {
            Failure::new(
                names::RESULT_PATH_MATCH_FAILURE,
                scope.prefixed(&e.to_string()),
            )
        }),
    }
}

/// Fails with States.DataLimitExceeded when a state's output is over the AWS payload limit.
pub fn check_size(output: &Value, scope: &StateScope<'_>) -> Result<(), Failure> {
    if json_len_exceeds(output, MAX_PAYLOAD_BYTES) {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                scope.name()
            ),
        ));
    }
    Ok(())
}

/// Whether the compact JSON text of `v` is longer than `limit` bytes, without building it.
/// A walk that bounds the length from above settles almost every case; only a value whose
/// bound is over the limit is measured exactly by serialising it.
pub fn json_len_exceeds(v: &Value, limit: usize) -> bool {
    upper_bound(v, limit) > limit && exact_len_exceeds(v, limit)
}

/// An upper bound of the JSON text length of `v` (each string byte may need up to 6 bytes
/// escaped, a number at most 24), or anything above `limit` once it passes it.
fn upper_bound(v: &Value, limit: usize) -> usize {
    let mut total = 0usize;
    add_upper_bound(v, limit, 0, &mut total);
    total
}

/// How deep [`add_upper_bound`] recurses before it gives up and answers "over the limit", which
/// sends the value to the exact measure. serde_json parses at most 128 levels, so real payloads
/// never get there; the walk recurses, instead of keeping a stack, so that it allocates nothing
/// on the path every state takes.
const MAX_BOUND_DEPTH: usize = 128;

/// Adds the bound of `v` to `total`; stops once `total` passes `limit`.
fn add_upper_bound(v: &Value, limit: usize, depth: usize, total: &mut usize) {
    if depth > MAX_BOUND_DEPTH {
        *total = total.saturating_add(limit + 1);
        return;
    }
    match v {
        Value::Null | Value::Bool(_) => *total += 5,
        Value::Number(_) => *total += 24,
        Value::String(s) => *total += 6 * s.len() + 2,
        Value::Array(items) => {
            *total += 2 + items.len();
            for item in items {
                if *total > limit {
                    return;
                }
                add_upper_bound(item, limit, depth + 1, total);
            }
        }
        Value::Object(map) => {
            *total += 2;
            for (key, item) in map {
                *total += 6 * key.len() + 4;
                if *total > limit {
                    return;
                }
                add_upper_bound(item, limit, depth + 1, total);
            }
        }
    }
}

/// The length of the compact JSON text of `v`, without building it.
pub fn json_len(v: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Counter(0);
    // Writing to a counter cannot fail, and a Value always serialises.
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

fn exact_len_exceeds(v: &Value, limit: usize) -> bool {
    struct Counter {
        n: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.n += buf.len();
            if self.n > self.limit {
                // Stop serialising as soon as the answer is known.
                return Err(std::io::Error::other("limit"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Counter { n: 0, limit };
    serde_json::to_writer(&mut c, v).is_err()
}

#[cfg(test)]
mod tests;

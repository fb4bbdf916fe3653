//! `ResultPath` writes: putting a value into a document at a reference path, by moving (`set`)
//! or by copying a shared document around the replaced subtree (`set_cloned`).
//!
//! Owns: the rules of which writes are possible (fields are created on the way, indices must
//! exist) and the `States.ResultPathMatchFailure` wording. Must not: parse path text or read
//! values for a query (that is `select.rs`).

use serde_json::{Map, Value};

use super::select::resolve_index;
use super::{ReferencePath, Root, Segment, Selector, SetError};

impl ReferencePath {
    /// Like [`ReferencePath::set`], for a target that is shared: copies the target except the
    /// subtree the path replaces, which a clone followed by `set` would copy only to drop it.
    pub fn set_cloned(&self, target: &Value, value: Value) -> Result<Value, SetError> {
        let segments = &self.query.steps.segments;
        // Each segment is a level of recursion below; a path this long is not worth the stack.
        if segments.len() > MAX_SET_CLONED_DEPTH {
            return self.set(target.clone(), value);
        }
        if self.query.root != Root::Input {
            return Err(SetError::ContextObject {
                path: self.query.text.clone(),
            });
        }
        if !can_set(segments, target) {
            return Err(self.mismatch(target));
        }
        Ok(copy_with(segments, target, value))
    }

    /// `ResultPath`: writes `value` into `target` at this path and returns the new document.
    /// `$` replaces the whole document; missing fields on the way are created as objects; a
    /// field step into a non-object, or an index step into a non-array or past its end, is a
    /// [`SetError::Mismatch`] (AWS `States.ResultPathMatchFailure`).
    pub fn set(&self, target: Value, value: Value) -> Result<Value, SetError> {
        if self.query.root != Root::Input {
            return Err(SetError::ContextObject {
                path: self.query.text.clone(),
            });
        }
        let segments = &self.query.steps.segments;
        if segments.is_empty() {
            return Ok(value);
        }
        // Check first, without touching the document, so a failure reports it unchanged.
        if !can_set(segments, &target) {
            return Err(self.mismatch(&target));
        }
        let mut target = target;
        let mut value = Some(value);
        let mut current = &mut target;
        let last = segments.len() - 1;
        for (position, segment) in segments.iter().enumerate() {
            let slot = match segment {
                Segment::Child(Selector::Name(name)) => match current {
                    Value::Object(map) => {
                        if position == last {
                            if let Some(value) = value.take() {
                                map.insert(name.clone(), value);
                            }
                            break;
                        }
                        map.entry(name.clone())
                            .or_insert_with(|| Value::Object(Map::new()))
                    }
                    _ => break,
                },
                Segment::Child(Selector::Index(index)) => match current {
                    Value::Array(items) => {
                        let Some(at) = resolve_index(*index, items.len()) else {
                            break;
                        };
                        let Some(slot) = items.get_mut(at) else {
                            break;
                        };
                        if position == last {
                            if let Some(value) = value.take() {
                                *slot = value;
                            }
                            break;
                        }
                        slot
                    }
                    _ => break,
                },
                _ => break,
            };
            current = slot;
        }
        if value.is_some() {
            // `can_set` accepted a path the write could not follow; never expected.
            return Err(self.mismatch(&target));
        }
        Ok(target)
    }

    fn mismatch(&self, target: &Value) -> SetError {
        SetError::Mismatch {
            path: self.query.text.clone(),
            input: target.to_string(),
        }
    }
}

/// Whether `ReferencePath::set` can follow `segments` through `doc`.
pub(super) fn can_set(segments: &[Segment], doc: &Value) -> bool {
    let mut current = doc;
    for (position, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Child(Selector::Name(name)) => {
                let Value::Object(map) = current else {
                    return false;
                };
                match map.get(name) {
                    Some(next) => current = next,
                    // The rest is created: only fields can be created.
                    None => {
                        return segments
                            .iter()
                            .skip(position + 1)
                            .all(|rest| matches!(rest, Segment::Child(Selector::Name(_))));
                    }
                }
            }
            Segment::Child(Selector::Index(index)) => {
                let Value::Array(items) = current else {
                    return false;
                };
                match resolve_index(*index, items.len()).and_then(|at| items.get(at)) {
                    Some(next) => current = next,
                    None => return false,
                }
            }
            _ => return false,
        }
    }
    true
}

/// Longest path [`ReferencePath::set_cloned`] follows by recursion.
pub(super) const MAX_SET_CLONED_DEPTH: usize = 64;

/// `node` copied, with `value` written at `segments` (which `can_set` has accepted).
pub(super) fn copy_with(segments: &[Segment], node: &Value, value: Value) -> Value {
    let Some((first, rest)) = segments.split_first() else {
        return value;
    };
    match (first, node) {
        (Segment::Child(Selector::Name(name)), Value::Object(map)) => {
            let mut out = Map::with_capacity(map.len() + 1);
            let mut value = Some(value);
            for (key, v) in map {
                let copied = match (key == name, value.take()) {
                    (true, Some(value)) => copy_with(rest, v, value),
                    (_, pending) => {
                        value = pending;
                        v.clone()
                    }
                };
                out.insert(key.clone(), copied);
            }
            if let Some(value) = value {
                out.insert(
                    name.clone(),
                    copy_with(rest, &Value::Object(Map::new()), value),
                );
            }
            Value::Object(out)
        }
        (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
            let at = resolve_index(*index, items.len());
            let mut value = Some(value);
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match (Some(i) == at, value.take()) {
                        (true, Some(value)) => copy_with(rest, v, value),
                        (_, pending) => {
                            value = pending;
                            v.clone()
                        }
                    })
                    .collect(),
            )
        }
        // `can_set` rules this out; keep the value rather than lose it.
        _ => value,
    }
}

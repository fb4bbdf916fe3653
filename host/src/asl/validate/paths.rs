//! JSONPath fields: `InputPath`/`OutputPath` queries, `ItemsPath`, `ResultPath` and the
//! `...Path` reference paths, Fail's `ErrorPath`/`CausePath`, and payload templates (every `.$`
//! key at any depth holds a path or an intrinsic call).
//!
//! Owns: which grammar each field must satisfy and the message when it does not.
//! Must not: parse a path or an intrinsic call itself: `path`, `intrinsics` and `model::Dynamic`
//! do, so each syntax has one implementation.

use serde_json::Value;

use super::{Validator, child, kind_of};
use crate::asl::intrinsics;
use crate::asl::model::Dynamic;
use crate::asl::path::{Query, ReferencePath};

impl Validator {
    /// InputPath / OutputPath: a JSONPath query, or `null` where `nullable`.
    pub(super) fn query_field(
        &mut self,
        field: &str,
        value: &Value,
        location: &str,
        nullable: bool,
    ) {
        match value {
            Value::Null if nullable => {}
            Value::String(text) => {
                if let Err(e) = Query::parse(text) {
                    self.schema(
                        format!("The value for the field '{field}' must be a valid JSONPath: {e}"),
                        location,
                    );
                }
            }
            other => self.schema(
                format!(
                    "The value for the field '{field}' must be a string containing a JSONPath{}, \
                     not {}",
                    if nullable { " or null" } else { "" },
                    kind_of(other)
                ),
                location,
            ),
        }
    }

    /// ItemsPath: a JSONPath that selects one node.
    pub(super) fn items_path(&mut self, value: &Value, location: &str) {
        let Some(text) = self.string("ItemsPath", value, location) else {
            return;
        };
        match Query::parse(text) {
            Ok(query) if query.is_definite() => {}
            Ok(_) => self.schema(
                "The value for the field 'ItemsPath' must be a valid ReferencePath: it must \
                 select a single node (no wildcards, filters, slices or unions)",
                location,
            ),
            Err(e) => self.schema(
                format!("The value for the field 'ItemsPath' must be a valid ReferencePath: {e}"),
                location,
            ),
        }
    }

    /// ResultPath and the `...Path` fields that read one value: a reference path.
    pub(super) fn reference_path_field(
        &mut self,
        field: &str,
        value: &Value,
        location: &str,
        nullable: bool,
    ) {
        match value {
            Value::Null if nullable => {}
            Value::String(text) => {
                if let Err(e) = ReferencePath::parse(text) {
                    self.schema(
                        format!(
                            "The value for the field '{field}' must be a valid ReferencePath: {e}"
                        ),
                        location,
                    );
                }
            }
            other => self.schema(
                format!(
                    "The value for the field '{field}' must be a string containing a \
                     ReferencePath{}, not {}",
                    if nullable { " or null" } else { "" },
                    kind_of(other)
                ),
                location,
            ),
        }
    }

    /// Fail's ErrorPath / CausePath: a path or an intrinsic call.
    pub(super) fn dynamic(&mut self, field: &str, value: &Value, location: &str) {
        match value {
            Value::String(text) => {
                if let Err(e) = Dynamic::parse(text) {
                    self.schema(
                        format!(
                            "The value for the field '{field}' must be a valid JSONPath or a \
                             valid intrinsic function call: {e}"
                        ),
                        location,
                    );
                }
            }
            other => self.schema(
                format!(
                    "The value for the field '{field}' must be a string containing a JSONPath or \
                     an intrinsic function call, not {}",
                    kind_of(other)
                ),
                location,
            ),
        }
    }

    /// A payload template: every `.$` key, at any depth, holds a path or an intrinsic call.
    /// Depth is bounded by [`super::MAX_JSON_DEPTH`], checked up front.
    pub(super) fn template(&mut self, value: &Value, location: &str) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    let key_location = child(location, key);
                    if key.ends_with(".$") {
                        self.template_dynamic(key, v, &key_location);
                    } else {
                        self.template(v, &key_location);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.template(item, &format!("{location}/{i}"));
                }
            }
            _ => {}
        }
    }

    pub(super) fn template_dynamic(&mut self, key: &str, value: &Value, location: &str) {
        let Value::String(text) = value else {
            self.schema(
                format!(
                    "The value for the field '{key}' must be a STRING that contains a JSONPath \
                     or an intrinsic function call"
                ),
                location,
            );
            return;
        };
        let problem = if intrinsics::looks_like_call(text) {
            intrinsics::parse(text).err().map(|e| e.to_string())
        } else {
            Query::parse(text).err().map(|e| e.to_string())
        };
        if let Some(reason) = problem {
            self.schema(
                format!(
                    "The value for the field '{key}' must be a valid JSONPath or a valid \
                     intrinsic function call: {reason}"
                ),
                location,
            );
        }
    }
}

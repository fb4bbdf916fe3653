//! Field kinds: one field's JSON type, and its range or format (integers, numbers, strings,
//! objects, arrays, `QueryLanguage`, `Resource` ARNs, `Timestamp`s).
//!
//! Owns: the wording of "must be a string / an integer between ..." messages.
//! Must not: know which state or object a field belongs to (callers pass the field name, the
//! range and the location), or parse paths or expressions.

use serde_json::{Map, Value};

use super::{Validator, kind_of};
use crate::asl::diagnostic::codes;

impl Validator {
    pub(super) fn string<'v>(
        &mut self,
        field: &str,
        value: &'v Value,
        location: &str,
    ) -> Option<&'v str> {
        match value {
            Value::String(s) => Some(s),
            other => {
                self.schema(
                    format!(
                        "The field '{field}' must be a string, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                None
            }
        }
    }

    pub(super) fn object<'v>(
        &mut self,
        field: &str,
        value: &'v Value,
        location: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.schema(
                    format!(
                        "The field '{field}' must be an object, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                None
            }
        }
    }

    pub(super) fn array<'v>(
        &mut self,
        field: &str,
        value: &'v Value,
        location: &str,
    ) -> Option<&'v [Value]> {
        match value {
            Value::Array(items) => Some(items),
            other => {
                self.schema(
                    format!(
                        "The field '{field}' must be an array, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub(super) fn integer(
        &mut self,
        field: &str,
        value: &Value,
        location: &str,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        let range = if max == u64::MAX {
            format!("an integer of at least {min}")
        } else {
            format!("an integer between {min} and {max}")
        };
        match value.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ if value.is_number() => {
                self.schema(
                    format!("The field '{field}' must be {range}, got {value}"),
                    location,
                );
                None
            }
            _ => {
                self.schema(
                    format!(
                        "The field '{field}' must be {range}, not {}",
                        kind_of(value)
                    ),
                    location,
                );
                None
            }
        }
    }

    /// A number in `min..=max` (no upper bound when `max` is `None`).
    pub(super) fn number(
        &mut self,
        field: &str,
        value: &Value,
        location: &str,
        min: f64,
        max: Option<f64>,
    ) {
        let range = match max {
            Some(max) => format!("a number between {min} and {max}"),
            None => format!("a number of at least {min}"),
        };
        match value.as_f64() {
            Some(n) if n >= min && max.is_none_or(|max| n <= max) => {}
            Some(_) => self.schema(
                format!("The field '{field}' must be {range}, got {value}"),
                location,
            ),
            None => self.schema(
                format!(
                    "The field '{field}' must be {range}, not {}",
                    kind_of(value)
                ),
                location,
            ),
        }
    }

    pub(super) fn query_language(&mut self, value: &Value, location: &str) {
        if !matches!(value.as_str(), Some("JSONPath" | "JSONata")) {
            self.schema(
                format!(
                    "The field 'QueryLanguage' must be \"JSONPath\" or \"JSONata\", got {value}"
                ),
                location,
            );
        }
    }

    pub(super) fn resource(&mut self, value: &Value, location: &str) {
        let Some(resource) = self.string("Resource", value, location) else {
            return;
        };
        if !resource.starts_with("arn:") {
            self.error(
                codes::INVALID_RESOURCE,
                format!(
                    "The value of the field 'Resource' must be an ARN (arn:...), got \"{resource}\""
                ),
                location,
            );
        }
    }

    /// AWS accepts RFC 3339 with an uppercase `T` and, when there is no offset, an uppercase `Z`.
    pub(super) fn timestamp(&mut self, value: &Value, location: &str) {
        let Some(text) = self.string("Timestamp", value, location) else {
            return;
        };
        if !is_aws_timestamp(text) {
            self.schema(
                format!(
                    "The field 'Timestamp' must be an RFC 3339 timestamp such as \
                     2016-03-14T01:59:00Z (uppercase T and Z), got \"{text}\""
                ),
                location,
            );
        }
    }
}

/// RFC 3339 as AWS accepts it: uppercase `T` between date and time, uppercase `Z` for UTC.
fn is_aws_timestamp(text: &str) -> bool {
    text.as_bytes().get(10) == Some(&b'T')
        && !text.contains(['t', 'z'])
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

//! Scalars on the wire: timestamps, blobs, numbers and booleans, to and from the text and JSON
//! each protocol writes them in.
//!
//! Owns: reading a Task's JSON value as a scalar shape (with Step Functions' leniencies: a
//! blob or string given any JSON value is its JSON text), and writing a scalar read from the
//! wire as the JSON a Task's result holds (timestamps as ISO-8601 UTC text).
//! Must not: know members, structures or protocols; those call in with the format they want.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{Number, Value};

use crate::model::ShapeKind;
use crate::protocol::BuildError;

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimestampFormat {
    /// `2024-05-01T10:20:30Z` (`.123` when there are milliseconds).
    Iso8601,
    /// `Wed, 01 May 2024 10:20:30 GMT`: an HTTP date.
    Rfc822,
    /// Seconds since the epoch (with a fraction when there are milliseconds).
    Epoch,
}

impl TimestampFormat {
    /// The format a model's `timestampFormat` names, else `default`.
    pub(crate) fn named(name: Option<&str>, default: TimestampFormat) -> TimestampFormat {
        match name {
            Some("iso8601") => TimestampFormat::Iso8601,
            Some("rfc822") => TimestampFormat::Rfc822,
            Some("unixTimestamp") => TimestampFormat::Epoch,
            _ => default,
        }
    }
}

/// What a JSON value is, for [`BuildError::WrongType`].
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong(path: &str, expected: &'static str, value: &Value) -> BuildError {
    BuildError::WrongType {
        path: path.to_owned(),
        expected,
        found: kind_of(value),
    }
}

/// The text a string shape is given: a string as it is, anything else as its JSON text (Step
/// Functions serialises `Input: {"key": "value"}` implicitly).
pub(crate) fn string_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The bytes a blob is given: a string's UTF-8, anything else its compact JSON text.
pub(crate) fn blob_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(s) => s.as_bytes().to_vec(),
        other => other.to_string().into_bytes(),
    }
}

/// A blob as base64 text.
pub(crate) fn blob_base64(value: &Value) -> String {
    BASE64.encode(blob_bytes(value))
}

/// Base64 of raw bytes.
pub(crate) fn base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Decodes base64 (a `jsonvalue` header), `None` if it is not.
pub(crate) fn unbase64(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text.trim()).ok()
}

/// A timestamp parameter: ISO-8601 text or seconds since the epoch.
pub(crate) fn timestamp(value: &Value, path: &str) -> Result<DateTime<Utc>, BuildError> {
    const EXPECTED: &str = "an ISO-8601 timestamp or seconds since the epoch";
    let parsed = match value {
        Value::String(s) => parse_timestamp(s),
        Value::Number(n) => n.as_f64().and_then(from_epoch),
        _ => None,
    };
    parsed.ok_or_else(|| wrong(path, EXPECTED, value))
}

fn from_epoch(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() {
        return None;
    }
    let millis = (seconds * 1000.0).round();
    // Beyond chrono's range (about ±262,000 years) there is no timestamp to send.
    if millis.abs() > 8.0e18 {
        return None;
    }
    Utc.timestamp_millis_opt(millis as i64).single()
}

/// Reads a timestamp as any protocol writes one: ISO-8601 (with or without a zone; UTC when
/// absent), an HTTP date, or seconds since the epoch.
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.fZ"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    // `Wed, 01 May 2024 10:20:30 GMT` is rfc2822; an asctime or RFC 850 date is too old to meet.
    text.parse::<f64>().ok().and_then(from_epoch)
}

/// A timestamp as the wire writes it, in `format`, as text.
pub(crate) fn timestamp_text(t: DateTime<Utc>, format: TimestampFormat) -> String {
    match format {
        TimestampFormat::Iso8601 => t.to_rfc3339_opts(millis_or_secs(t), true),
        TimestampFormat::Rfc822 => t.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        TimestampFormat::Epoch => epoch_number(t).to_string(),
    }
}

fn millis_or_secs(t: DateTime<Utc>) -> SecondsFormat {
    if t.timestamp_subsec_millis() == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Millis
    }
}

/// Seconds since the epoch as a JSON number, with a fraction only for milliseconds.
pub(crate) fn epoch_number(t: DateTime<Utc>) -> Number {
    let millis = t.timestamp_millis();
    if millis % 1000 == 0 {
        Number::from(millis / 1000)
    } else {
        Number::from_f64(millis as f64 / 1000.0).unwrap_or_else(|| Number::from(millis / 1000))
    }
}

/// A timestamp as a Task's result holds it: ISO-8601 in UTC, as Java's `Instant.toString`
/// writes it (`2024-05-01T10:20:30Z`, `...30.123Z`; six or nine digits only when needed).
pub(crate) fn timestamp_result(t: DateTime<Utc>) -> String {
    let nanos = t.timestamp_subsec_nanos();
    let format = if nanos == 0 {
        SecondsFormat::Secs
    } else if nanos.is_multiple_of(1_000_000) {
        SecondsFormat::Millis
    } else if nanos.is_multiple_of(1_000) {
        SecondsFormat::Micros
    } else {
        SecondsFormat::Nanos
    };
    t.to_rfc3339_opts(format, true)
}

/// A scalar parameter as text (URI labels, query strings, headers, query protocols and XML
/// bodies): numbers as JSON writes them, booleans `true`/`false`, blobs base64, timestamps
/// in `format`.
pub(crate) fn scalar_text(
    kind: ShapeKind,
    value: &Value,
    path: &str,
    format: TimestampFormat,
) -> Result<String, BuildError> {
    Ok(match kind {
        ShapeKind::String | ShapeKind::Character => string_text(value),
        ShapeKind::Blob => blob_base64(value),
        ShapeKind::Timestamp => timestamp_text(timestamp(value, path)?, format),
        _ => match scalar_json(kind, value, path)? {
            Value::String(s) => s,
            other => other.to_string(),
        },
    })
}

/// A number or boolean parameter checked against its shape, as JSON. Strings and blobs are the
/// callers' (their encoding differs by protocol).
pub(crate) fn scalar_json(kind: ShapeKind, value: &Value, path: &str) -> Result<Value, BuildError> {
    match kind {
        ShapeKind::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            _ => Err(wrong(path, "a boolean", value)),
        },
        ShapeKind::Integer
        | ShapeKind::Long
        | ShapeKind::Short
        | ShapeKind::Byte
        | ShapeKind::Biginteger => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            // `5.0` is an integer; JSONPath arithmetic in a state machine gives such numbers.
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Value::from(f as i64)),
                _ => Err(wrong(path, "an integer", value)),
            },
            _ => Err(wrong(path, "an integer", value)),
        },
        ShapeKind::Float | ShapeKind::Double | ShapeKind::Bigdecimal => match value {
            Value::Number(_) => Ok(value.clone()),
            // JSON has no NaN or infinities; the JSON protocols write them as these strings.
            Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                Ok(value.clone())
            }
            _ => Err(wrong(path, "a number", value)),
        },
        ShapeKind::String | ShapeKind::Character => Ok(Value::String(string_text(value))),
        ShapeKind::Blob => Ok(Value::String(blob_base64(value))),
        ShapeKind::Timestamp => Ok(Value::Number(epoch_number(timestamp(value, path)?))),
        ShapeKind::Structure | ShapeKind::List | ShapeKind::Map => {
            Err(wrong(path, "a scalar", value))
        }
    }
}

/// A scalar read as text from the wire (XML, headers), as a Task's result holds it. Text that
/// does not read as its shape stays text: a result is never refused for one odd field.
pub(crate) fn from_text(kind: ShapeKind, text: &str) -> Value {
    let trimmed = text.trim();
    let number =
        |n: Option<Number>| n.map_or_else(|| Value::String(text.to_owned()), Value::Number);
    match kind {
        ShapeKind::Boolean => match trimmed {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        ShapeKind::Integer
        | ShapeKind::Long
        | ShapeKind::Short
        | ShapeKind::Byte
        | ShapeKind::Biginteger => number(
            trimmed
                .parse::<i64>()
                .map(Number::from)
                .ok()
                .or_else(|| trimmed.parse::<u64>().ok().map(Number::from)),
        ),
        ShapeKind::Float | ShapeKind::Double | ShapeKind::Bigdecimal => {
            number(trimmed.parse::<f64>().ok().and_then(Number::from_f64))
        }
        ShapeKind::Timestamp => parse_timestamp(trimmed).map_or_else(
            || Value::String(text.to_owned()),
            |t| Value::String(timestamp_result(t)),
        ),
        ShapeKind::String
        | ShapeKind::Character
        | ShapeKind::Blob
        | ShapeKind::Structure
        | ShapeKind::List
        | ShapeKind::Map => Value::String(text.to_owned()),
    }
}

/// A timestamp read from a JSON body (seconds since the epoch, or text), as a result holds it.
pub(crate) fn timestamp_from_json(value: &Value) -> Value {
    let parsed = match value {
        Value::Number(n) => n.as_f64().and_then(from_epoch),
        Value::String(s) => parse_timestamp(s),
        _ => None,
    };
    parsed.map_or_else(|| value.clone(), |t| Value::String(timestamp_result(t)))
}

#[cfg(test)]
mod tests;

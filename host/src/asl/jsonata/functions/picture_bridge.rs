//! The one place the function library calls the picture module (`$formatNumber`,
//! `$formatInteger`, `$parseInteger`, and the pictures of `$fromMillis`/`$now`/`$toMillis`):
//! it maps JSONata values to the module's plain arguments and its errors to JSONata errors.

use std::sync::Arc;

use super::super::error::{Failure, Result};
use super::super::eval::Evaluator;
use super::super::picture::{self, DecimalFormat, PictureError};
use super::super::value::{Frame, Value};
use super::arg;

fn failure(e: PictureError) -> Failure {
    Failure::new(e.code).message(e.message)
}

/// `$formatNumber`'s options object over XPath's defaults.
fn decimal_format(options: &Value) -> DecimalFormat {
    let mut f = DecimalFormat::default();
    let Value::Object(o) = options else {
        return f;
    };
    let ch = |key: &str, default: char| -> char {
        o.get(key)
            .and_then(Value::as_str)
            .and_then(|s| s.chars().next())
            .unwrap_or(default)
    };
    f.decimal_separator = ch("decimal-separator", f.decimal_separator);
    f.grouping_separator = ch("grouping-separator", f.grouping_separator);
    f.exponent_separator = ch("exponent-separator", f.exponent_separator);
    f.minus_sign = ch("minus-sign", f.minus_sign);
    f.percent = ch("percent", f.percent);
    f.per_mille = ch("per-mille", f.per_mille);
    f.zero_digit = ch("zero-digit", f.zero_digit);
    f.digit = ch("digit", f.digit);
    f.pattern_separator = ch("pattern-separator", f.pattern_separator);
    if let Some(s) = o.get("infinity").and_then(Value::as_str) {
        f.infinity = s.to_string();
    }
    if let Some(s) = o.get("NaN").and_then(Value::as_str) {
        f.nan = s.to_string();
    }
    f
}

pub fn format_number(
    _: &mut Evaluator,
    args: &[Value],
    _: &Value,
    _: &Arc<Frame>,
) -> Result<Value> {
    let Value::Number(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let pic = arg(args, 1).as_str().unwrap_or("");
    picture::format_number(*n, pic, &decimal_format(arg(args, 2)))
        .map(Value::string)
        .map_err(failure)
}

pub fn format_integer(
    _: &mut Evaluator,
    args: &[Value],
    _: &Value,
    _: &Arc<Frame>,
) -> Result<Value> {
    let Value::Number(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let pic = arg(args, 1).as_str().unwrap_or("");
    picture::format_integer(*n, pic)
        .map(Value::string)
        .map_err(failure)
}

pub fn parse_integer(
    _: &mut Evaluator,
    args: &[Value],
    _: &Value,
    _: &Arc<Frame>,
) -> Result<Value> {
    let Value::String(s) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let pic = arg(args, 1).as_str().unwrap_or("");
    picture::parse_integer(s, pic)
        .map(Value::Number)
        .map_err(failure)
}

/// A timestamp as text: ISO 8601 without a picture, as jsonata-js.
pub fn format_datetime(millis: i64, pic: Option<&str>, timezone: Option<&str>) -> Result<String> {
    picture::format_datetime(millis, pic, timezone).map_err(failure)
}

/// Milliseconds since the epoch from text; `None` when the picture leaves it undefined.
/// `now` fills components a picture leaves out, as jsonata-js fills them from the clock.
pub fn parse_datetime(text: &str, pic: Option<&str>, now: i64) -> Result<Option<i64>> {
    picture::parse_datetime_at(text, pic, now).map_err(failure)
}

//! Date/time functions: `$now` and `$millis` read the evaluation's fixed clock
//! ([`super::super::Environment::now_ms`]); `$fromMillis` and `$toMillis` convert through the
//! picture module (see [`super::picture_bridge`]).

use std::sync::Arc;

use super::super::error::Result;
use super::super::eval::Evaluator;
use super::super::value::{Frame, Value};
use super::arg;
use super::picture_bridge;

pub fn millis(ev: &mut Evaluator, _: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(Value::Number(ev.now_ms as f64))
}

pub fn now(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let s =
        picture_bridge::format_datetime(ev.now_ms, arg(args, 0).as_str(), arg(args, 1).as_str())?;
    Ok(Value::string(s))
}

pub fn from_millis(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Value::Number(ms) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return Ok(Value::Undefined);
    }
    let s = picture_bridge::format_datetime(
        ms.trunc() as i64,
        arg(args, 1).as_str(),
        arg(args, 2).as_str(),
    )?;
    Ok(Value::string(s))
}

pub fn to_millis(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Value::String(s) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let ms = picture_bridge::parse_datetime(s, arg(args, 1).as_str(), ev.now_ms)?;
    Ok(ms.map(|m| Value::Number(m as f64)).unwrap_or_default())
}

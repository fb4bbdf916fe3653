//! Numeric and aggregation functions: `$number`, `$abs`, `$floor`, `$ceil`, `$round` (to even,
//! as jsonata-js), `$power`, `$sqrt`, `$formatBase`, `$sum`, `$max`, `$min`, `$average`.

use std::sync::Arc;

use super::super::error::{Failure, Result};
use super::super::eval::Evaluator;
use super::super::value::{Frame, Value, describe, number_to_string};
use super::arg;

fn unary(args: &[Value], f: impl Fn(f64) -> f64) -> Result<Value> {
    Ok(match arg(args, 0) {
        Value::Number(n) => Value::Number(f(*n)),
        _ => Value::Undefined,
    })
}

/// jsonata-js `$number` for a string: decimal, or `0x`/`0o`/`0b` integers.
pub fn parse_number(s: &str) -> Option<f64> {
    let decimal = {
        let t = s.strip_prefix('-').unwrap_or(s);
        let (mant, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let (int, frac) = match mant.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (mant, None),
        };
        !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
            && exp.is_none_or(|e| {
                let e = e.strip_prefix(['+', '-']).unwrap_or(e);
                !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
            })
    };
    if decimal {
        return s.parse::<f64>().ok().filter(|n| n.is_finite());
    }
    let radix = |prefix: &str, radix: u32| -> Option<f64> {
        let digits = s
            .strip_prefix(prefix)
            .or_else(|| s.strip_prefix(&prefix.to_uppercase()))?;
        if digits.is_empty() {
            return None;
        }
        let mut n = 0f64;
        for c in digits.chars() {
            n = n * radix as f64 + c.to_digit(radix)? as f64;
        }
        Some(n)
    };
    radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
}

pub fn number(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let v = arg(args, 0);
    Ok(match v {
        Value::Undefined => Value::Undefined,
        Value::Number(_) => v.clone(),
        Value::Bool(b) => Value::Number(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => match parse_number(s) {
            Some(n) => Value::Number(n),
            None => return Err(Failure::new("D3030").value(describe(v)).index(1)),
        },
        _ => return Err(Failure::new("D3030").value(describe(v)).index(1)),
    })
}

pub fn abs(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    unary(args, f64::abs)
}

pub fn floor(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    unary(args, f64::floor)
}

pub fn ceil(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    unary(args, f64::ceil)
}

/// JavaScript `Math.round`: halves go up (towards +∞).
fn js_round(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 0.5 { f + 1.0 } else { f }
}

/// Shifts the decimal point through the number's text, as jsonata-js does to avoid the binary
/// error a multiplication by a power of ten adds.
fn shift(x: f64, places: i32) -> f64 {
    let s = number_to_string(x);
    let (mant, exp) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    format!("{mant}e{}", exp + places)
        .parse()
        .unwrap_or(f64::NAN)
}

/// `$round`: to `precision` decimal places, halves to even.
pub fn round_half_even(value: f64, precision: i32) -> f64 {
    let mut arg = value;
    if precision != 0 {
        arg = shift(arg, precision);
    }
    let mut result = js_round(arg);
    let diff = result - arg;
    if diff.abs() == 0.5 && (result % 2.0).abs() == 1.0 {
        result -= 1.0;
    }
    if precision != 0 {
        result = shift(result, -precision);
    }
    if result == 0.0 { 0.0 } else { result }
}

pub fn round(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Value::Number(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let precision = arg(args, 1).as_number().unwrap_or(0.0).trunc() as i32;
    Ok(Value::Number(round_half_even(*n, precision)))
}

pub fn power(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let (Value::Number(b), Value::Number(e)) = (arg(args, 0), arg(args, 1)) else {
        return Ok(Value::Undefined);
    };
    let r = b.powf(*e);
    if !r.is_finite() {
        return Err(Failure::new("D3061")
            .value(number_to_string(*b))
            .value2(number_to_string(*e)));
    }
    Ok(Value::Number(r))
}

pub fn sqrt(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Value::Number(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    if *n < 0.0 {
        return Err(Failure::new("D3060").value(number_to_string(*n)).index(1));
    }
    Ok(Value::Number(n.sqrt()))
}

pub fn format_base(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Value::Number(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let n = round_half_even(*n, 0);
    let radix = match arg(args, 1) {
        Value::Number(r) => r.trunc(),
        _ => 10.0,
    };
    if !(2.0..=36.0).contains(&radix) {
        return Err(Failure::new("D3100").value(number_to_string(radix)));
    }
    let radix = radix as u32;
    if !n.is_finite() || n.abs() >= 1e21 {
        return Ok(Value::string(number_to_string(n)));
    }
    let mut m = n.abs() as u128;
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((m % radix as u128) as u32, radix).unwrap_or('0'));
        m /= radix as u128;
        if m == 0 {
            break;
        }
    }
    if n < 0.0 {
        digits.push('-');
    }
    Ok(Value::string(digits.iter().rev().collect::<String>()))
}

fn numbers(v: &Value) -> Option<Vec<f64>> {
    match v {
        Value::Undefined => None,
        Value::Array(a) => Some(a.items.iter().filter_map(Value::as_number).collect()),
        Value::Number(n) => Some(vec![*n]),
        _ => Some(Vec::new()),
    }
}

pub fn sum(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(numbers(arg(args, 0))
        .map(|ns| Value::Number(ns.iter().sum()))
        .unwrap_or_default())
}

pub fn max(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(match numbers(arg(args, 0)) {
        Some(ns) if !ns.is_empty() => {
            Value::Number(ns.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        }
        _ => Value::Undefined,
    })
}

pub fn min(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(match numbers(arg(args, 0)) {
        Some(ns) if !ns.is_empty() => {
            Value::Number(ns.iter().copied().fold(f64::INFINITY, f64::min))
        }
        _ => Value::Undefined,
    })
}

pub fn average(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(match numbers(arg(args, 0)) {
        Some(ns) if !ns.is_empty() => Value::Number(ns.iter().sum::<f64>() / ns.len() as f64),
        _ => Value::Undefined,
    })
}

#[cfg(test)]
mod tests;

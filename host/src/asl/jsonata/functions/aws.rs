//! The functions AWS Step Functions adds to JSONata (`$partition`, `$range`, `$hash`,
//! `$random` with a seed, `$uuid`, `$parse`) and the one it removes (`$eval`), as the Step
//! Functions developer guide ("Transforming data with JSONata") documents them: functions that
//! take integers truncate non-integers, `$range` includes its end, a seeded `$random` repeats.

use std::sync::Arc;

use md5::Digest as _;

use super::super::error::{Failure, Result};
use super::super::eval::{Evaluator, too_large};
use super::super::value::{Frame, Value, describe, from_json};
use super::arg;

/// `$partition(array, chunkSize)`: the array in chunks of `chunkSize` items, the last shorter.
pub fn partition(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let items = match arg(args, 0) {
        Value::Undefined => return Ok(Value::Undefined),
        Value::Array(a) => a.items.clone(),
        other => {
            let mut f = Failure::new("T0412").index(1).value(describe(other));
            f.type_name = Some("values");
            return Err(f);
        }
    };
    if items.is_empty() {
        return Ok(Value::Undefined);
    }
    let size = match arg(args, 1) {
        Value::Number(n) => n.trunc(),
        _ => items.len() as f64,
    };
    if size < 0.0 {
        return Err(Failure::custom("Second argument must be zero or greater"));
    }
    if size == 0.0 {
        return Ok(Value::Undefined);
    }
    let size = size.min(items.len() as f64) as usize;
    ev.charge(items.len() as u64 / 8)?;
    Ok(Value::array(
        items
            .chunks(size)
            .map(|c| Value::array(c.to_vec()))
            .collect(),
    ))
}

/// `$range(start, end, step)`: `start`, `start + step`, ... up to and including `end`.
pub fn range(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let (Value::Number(start), Value::Number(end), Value::Number(step)) =
        (arg(args, 0), arg(args, 1), arg(args, 2))
    else {
        return Ok(Value::Undefined);
    };
    let (start, end, step) = (start.trunc(), end.trunc(), step.trunc());
    if step == 0.0 || (end - start) * step < 0.0 {
        return Ok(Value::Undefined);
    }
    let count = ((end - start) / step).floor() + 1.0;
    if !count.is_finite() || count > ev.limits.max_items as f64 {
        return Err(too_large());
    }
    ev.check_items(count as usize)?;
    let items = (0..count as usize)
        .map(|i| Value::Number(start + step * i as f64))
        .collect();
    Ok(Value::sequence(items))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `$hash(data, algorithm)`: the hex digest of the UTF-8 bytes of `data`.
pub fn hash(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let (Value::String(data), Value::String(algorithm)) = (arg(args, 0), arg(args, 1)) else {
        return Ok(Value::Undefined);
    };
    let bytes = data.as_bytes();
    let digest = match &**algorithm {
        "MD5" => hex(&md5::Md5::digest(bytes)),
        "SHA-1" => hex(&sha1::Sha1::digest(bytes)),
        "SHA-256" => hex(&sha2::Sha256::digest(bytes)),
        "SHA-384" => hex(&sha2::Sha384::digest(bytes)),
        "SHA-512" => hex(&sha2::Sha512::digest(bytes)),
        other => {
            return Err(Failure::custom(format!(
                "Unsupported hash algorithm '{other}': the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
            )));
        }
    };
    Ok(Value::string(digest))
}

/// `java.util.Random(seed).nextDouble()`: AWS's seeded `$random` draws from it.
fn java_random_double(seed: i64) -> f64 {
    const MULTIPLIER: i64 = 0x5_DEEC_E66D;
    const MASK: i64 = (1 << 48) - 1;
    let mut state = (seed ^ MULTIPLIER) & MASK;
    let mut next = |bits: u32| -> i64 {
        state = (state.wrapping_mul(MULTIPLIER).wrapping_add(0xB)) & MASK;
        state >> (48 - bits)
    };
    let hi = next(26);
    let lo = next(27);
    ((hi << 27) + lo) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `$random([seed])`: a number in [0, 1); the same seed gives the same number.
pub fn random(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(Value::Number(match arg(args, 0) {
        Value::Number(seed) if seed.is_finite() => java_random_double(seed.trunc() as i64),
        _ => ev.rng.next_f64(),
    }))
}

/// `$uuid()`: a version 4 UUID from the evaluation's deterministic generator.
pub fn uuid(ev: &mut Evaluator, _: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&ev.rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&ev.rng.next_u64().to_le_bytes());
    Ok(Value::string(
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string(),
    ))
}

/// `$parse(json)`: the value a JSON text stands for.
pub fn parse(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Value::String(s) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v) => Ok(from_json(&v)),
        Err(e) => Err(Failure::custom(format!("Invalid JSON: {e}"))),
    }
}

/// `$eval` is not available in Step Functions; `$parse` replaces its common use.
pub fn eval(_: &mut Evaluator, _: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Err(Failure::new("T1006")
        .message("Attempted to invoke a non-function: $eval is not supported in Step Functions (use $parse to read JSON text)"))
}

#[cfg(test)]
mod tests;

//! Array functions: `$count`, `$append`, `$sort`, `$reverse`, `$shuffle`, `$distinct`, `$zip`.

use std::sync::Arc;

use super::super::error::{Failure, Result};
use super::super::eval::{Evaluator, merge_sort};
use super::super::value::{Array, Frame, Value, deep_equal, truthy};
use super::{append, arg, is_array_of_numbers, is_array_of_strings};

pub fn count(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(Value::Number(match arg(args, 0) {
        Value::Undefined => 0.0,
        Value::Array(a) => a.items.len() as f64,
        _ => 1.0,
    }))
}

pub fn append_fn(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let out = append(arg(args, 0).clone(), arg(args, 1).clone());
    if let Value::Array(a) = &out {
        ev.check_items(a.items.len())?;
    }
    Ok(out)
}

pub fn sort(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let v = arg(args, 0);
    let Value::Array(a) = v else {
        return Ok(v.clone());
    };
    if a.items.len() <= 1 {
        return Ok(v.clone());
    }
    ev.charge(a.items.len() as u64)?;
    let sorted = match arg(args, 1) {
        Value::Undefined => {
            if !is_array_of_numbers(v) && !is_array_of_strings(v) {
                return Err(Failure::new("D3070").index(1));
            }
            merge_sort(a.items.clone(), &mut |x: &Value, y: &Value| {
                Ok(match (x, y) {
                    (Value::Number(p), Value::Number(q)) => p > q,
                    (Value::String(p), Value::String(q)) => {
                        p.encode_utf16().cmp(q.encode_utf16()).is_gt()
                    }
                    _ => false,
                })
            })?
        }
        f => {
            let f = f.clone();
            let env = env.clone();
            merge_sort(a.items.clone(), &mut |x: &Value, y: &Value| {
                let r = ev.apply(&f, vec![x.clone(), y.clone()], &Value::Undefined, &env)?;
                Ok(truthy(&r).unwrap_or(false))
            })?
        }
    };
    Ok(Value::array(sorted))
}

pub fn reverse(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let v = arg(args, 0);
    match v {
        Value::Array(a) if a.items.len() > 1 => {
            Ok(Value::array(a.items.iter().rev().cloned().collect()))
        }
        v => Ok(v.clone()),
    }
}

pub fn shuffle(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let v = arg(args, 0);
    let Value::Array(a) = v else {
        return Ok(v.clone());
    };
    if a.items.len() <= 1 {
        return Ok(v.clone());
    }
    let mut items = a.items.clone();
    // Fisher-Yates from the back, as jsonata-js.
    for i in (1..items.len()).rev() {
        let j = (ev.rng.next_f64() * (i + 1) as f64).floor() as usize;
        items.swap(i, j.min(i));
    }
    Ok(Value::array(items))
}

pub fn distinct(ev: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let v = arg(args, 0);
    let Value::Array(a) = v else {
        return Ok(v.clone());
    };
    if a.items.len() <= 1 {
        return Ok(v.clone());
    }
    let mut out: Vec<Value> = Vec::new();
    for item in &a.items {
        ev.charge(1 + out.len() as u64 / 16)?;
        if !out.iter().any(|o| deep_equal(o, item)) {
            out.push(item.clone());
        }
    }
    let mut arr = Array::new(out);
    arr.sequence = a.sequence;
    Ok(Value::Array(Arc::new(arr)))
}

pub fn zip(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let len = args
        .iter()
        .map(|a| match a {
            Value::Array(a) => a.items.len(),
            _ => 0,
        })
        .min()
        .unwrap_or(0);
    let out = (0..len)
        .map(|i| {
            Value::array(
                args.iter()
                    .map(|a| a.as_array().map(|a| a.items[i].clone()).unwrap_or_default())
                    .collect(),
            )
        })
        .collect();
    Ok(Value::array(out))
}

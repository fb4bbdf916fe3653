//! Higher-order functions: `$map`, `$filter`, `$single`, `$reduce`.

use std::sync::Arc;

use super::super::error::{Failure, Result};
use super::super::eval::Evaluator;
use super::super::value::{Frame, Value, truthy};
use super::{arg, hof_args};

pub fn map(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let arr = arg(args, 0);
    if arr.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1).clone();
    let items = arr.members();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let call = hof_args(&f, item, Value::Number(i as f64), arr);
        let r = ev.apply(&f, call, &Value::Undefined, env)?;
        if !r.is_undefined() {
            out.push(r);
        }
    }
    Ok(Value::sequence(out))
}

pub fn filter(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let arr = arg(args, 0);
    if arr.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1).clone();
    let mut out = Vec::new();
    for (i, item) in arr.members().into_iter().enumerate() {
        let call = hof_args(&f, item.clone(), Value::Number(i as f64), arr);
        let r = ev.apply(&f, call, &Value::Undefined, env)?;
        if truthy(&r).unwrap_or(false) {
            out.push(item);
        }
    }
    Ok(Value::sequence(out))
}

pub fn single(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let arr = arg(args, 0);
    if arr.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1).clone();
    let mut found: Option<Value> = None;
    for (i, item) in arr.members().into_iter().enumerate() {
        let positive = if f.is_undefined() {
            true
        } else {
            let call = hof_args(&f, item.clone(), Value::Number(i as f64), arr);
            let r = ev.apply(&f, call, &Value::Undefined, env)?;
            truthy(&r).unwrap_or(false)
        };
        if positive {
            if found.is_some() {
                return Err(Failure::new("D3138").index(i));
            }
            found = Some(item);
        }
    }
    found.ok_or_else(|| Failure::new("D3139"))
}

pub fn reduce(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let seq = arg(args, 0);
    if seq.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1).clone();
    let arity = match &f {
        Value::Function(func) => func.arity(),
        _ => 0,
    };
    if arity < 2 {
        return Err(Failure::new("D3050").index(1));
    }
    let items = seq.members();
    let init = arg(args, 2);
    let (mut acc, start) = if init.is_undefined() && !items.is_empty() {
        (items[0].clone(), 1)
    } else {
        (init.clone(), 0)
    };
    for (i, item) in items.iter().enumerate().skip(start) {
        let mut call = vec![acc, item.clone()];
        if arity >= 3 {
            call.push(Value::Number(i as f64));
        }
        if arity >= 4 {
            call.push(seq.clone());
        }
        acc = ev.apply(&f, call, &Value::Undefined, env)?;
    }
    Ok(acc)
}

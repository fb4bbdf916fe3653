//! Object and boolean functions: `$keys`, `$lookup`, `$spread`, `$merge`, `$sift`, `$each`,
//! `$error`, `$assert`, `$type`, `$clone`, `$boolean`, `$not`, `$exists`.

use std::sync::Arc;

use indexmap::IndexMap;

use super::super::error::{Failure, Result};
use super::super::eval::{Evaluator, lookup_field};
use super::super::value::{Frame, Value, truthy};
use super::{append, arg, hof_args};

pub fn boolean(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(truthy(arg(args, 0)).map(Value::Bool).unwrap_or_default())
}

pub fn not(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(truthy(arg(args, 0))
        .map(|b| Value::Bool(!b))
        .unwrap_or_default())
}

pub fn exists(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(Value::Bool(!arg(args, 0).is_undefined()))
}

fn keys_of(v: &Value, out: &mut IndexMap<String, ()>) {
    match v {
        Value::Array(a) => a.items.iter().for_each(|i| keys_of(i, out)),
        Value::Object(o) => o.keys().for_each(|k| {
            out.insert(k.clone(), ());
        }),
        _ => {}
    }
}

pub fn keys(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let mut out = IndexMap::new();
    keys_of(arg(args, 0), &mut out);
    Ok(Value::sequence(
        out.into_keys().map(Value::string).collect(),
    ))
}

pub fn lookup(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let key = arg(args, 1).as_str().unwrap_or("");
    Ok(lookup_field(arg(args, 0), key))
}

fn spread_value(v: &Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut result = Value::sequence(Vec::new());
            for item in &a.items {
                result = append(result, spread_value(item));
            }
            result
        }
        Value::Object(o) => Value::sequence(
            o.iter()
                .map(|(k, v)| {
                    let mut m = IndexMap::new();
                    m.insert(k.clone(), v.clone());
                    Value::object(m)
                })
                .collect(),
        ),
        v => v.clone(),
    }
}

pub fn spread(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(spread_value(arg(args, 0)))
}

pub fn merge(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let v = arg(args, 0);
    if v.is_undefined() {
        return Ok(Value::Undefined);
    }
    let mut out = IndexMap::new();
    for item in v.members() {
        if let Value::Object(o) = item {
            for (k, v) in o.iter() {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::object(out))
}

pub fn sift(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let obj = arg(args, 0);
    let Value::Object(o) = obj else {
        return Ok(Value::Undefined);
    };
    let f = arg(args, 1).clone();
    let mut out = IndexMap::new();
    for (k, v) in o.iter() {
        let call = hof_args(&f, v.clone(), Value::string(k.as_str()), obj);
        let r = ev.apply(&f, call, &Value::Undefined, env)?;
        if truthy(&r).unwrap_or(false) {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(if out.is_empty() {
        Value::Undefined
    } else {
        Value::object(out)
    })
}

pub fn each(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let obj = arg(args, 0);
    let Value::Object(o) = obj else {
        return Ok(Value::Undefined);
    };
    let f = arg(args, 1).clone();
    let mut out = Vec::new();
    for (k, v) in o.iter() {
        let call = hof_args(&f, v.clone(), Value::string(k.as_str()), obj);
        let r = ev.apply(&f, call, &Value::Undefined, env)?;
        if !r.is_undefined() {
            out.push(r);
        }
    }
    Ok(Value::sequence(out))
}

pub fn error(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let message = arg(args, 0)
        .as_str()
        .unwrap_or("$error() function evaluated");
    Err(Failure::new("D3137").message(message))
}

pub fn assert(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    if matches!(arg(args, 0), Value::Bool(false)) {
        let message = arg(args, 1)
            .as_str()
            .unwrap_or("$assert() statement failed");
        return Err(Failure::new("D3141").message(message));
    }
    Ok(Value::Undefined)
}

pub fn type_of(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(arg(args, 0)
        .type_name()
        .map(Value::string)
        .unwrap_or_default())
}

pub fn clone(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    // Values are immutable here, so sharing is as good as a copy.
    Ok(arg(args, 0).clone())
}

//! The function library: JSONata's standard functions and the ones AWS Step Functions adds,
//! each with its jsonata-js signature. This module owns the registry and the helpers the
//! families share; each family lives in its own module.

pub mod array;
pub mod aws;
pub mod datetime;
pub mod hof;
pub mod numeric;
pub mod object;
pub mod picture_bridge;
pub mod string;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use super::error::{Failure, Result};
use super::eval::Evaluator;
use super::signature::Signature;
use super::value::{Frame, Value, stringify};

/// A built-in function: validated arguments, the context value (`input`) and the environment.
pub type Implementation = fn(&mut Evaluator, &[Value], &Value, &Arc<Frame>) -> Result<Value>;

pub struct Builtin {
    pub name: &'static str,
    pub signature: Signature,
    /// The number of arguments higher-order functions pass it (JavaScript's `function.length`).
    pub arity: usize,
    pub implementation: Implementation,
}

const TABLE: &[(&str, &str, usize, Implementation)] = &[
    // string
    ("string", "<x-b?:s>", 1, string::string),
    ("length", "<s-:n>", 1, string::length),
    ("substring", "<s-nn?:s>", 3, string::substring),
    ("substringBefore", "<s-s:s>", 2, string::substring_before),
    ("substringAfter", "<s-s:s>", 2, string::substring_after),
    ("uppercase", "<s-:s>", 1, string::uppercase),
    ("lowercase", "<s-:s>", 1, string::lowercase),
    ("trim", "<s-:s>", 1, string::trim),
    ("pad", "<s-ns?:s>", 3, string::pad),
    ("contains", "<s-(sf):b>", 2, string::contains),
    ("split", "<s-(sf)n?:a<s>>", 3, string::split),
    ("join", "<a<s>s?:s>", 2, string::join),
    ("match", "<s-f<s:o>n?:a<o>>", 3, string::match_),
    ("replace", "<s-(sf)(sf)n?:s>", 4, string::replace),
    ("base64encode", "<s-:s>", 1, string::base64encode),
    ("base64decode", "<s-:s>", 1, string::base64decode),
    (
        "encodeUrlComponent",
        "<s-:s>",
        1,
        string::encode_url_component,
    ),
    ("encodeUrl", "<s-:s>", 1, string::encode_url),
    (
        "decodeUrlComponent",
        "<s-:s>",
        1,
        string::decode_url_component,
    ),
    ("decodeUrl", "<s-:s>", 1, string::decode_url),
    // numeric
    ("number", "<(nsb)-:n>", 1, numeric::number),
    ("abs", "<n-:n>", 1, numeric::abs),
    ("floor", "<n-:n>", 1, numeric::floor),
    ("ceil", "<n-:n>", 1, numeric::ceil),
    ("round", "<n-n?:n>", 2, numeric::round),
    ("power", "<n-n:n>", 2, numeric::power),
    ("sqrt", "<n-:n>", 1, numeric::sqrt),
    ("random", "<n?:n>", 0, aws::random),
    ("formatBase", "<n-n?:s>", 2, numeric::format_base),
    (
        "formatNumber",
        "<n-so?:s>",
        3,
        picture_bridge::format_number,
    ),
    (
        "formatInteger",
        "<n-s:s>",
        2,
        picture_bridge::format_integer,
    ),
    ("parseInteger", "<s-s:n>", 2, picture_bridge::parse_integer),
    // aggregation
    ("sum", "<a<n>:n>", 1, numeric::sum),
    ("max", "<a<n>:n>", 1, numeric::max),
    ("min", "<a<n>:n>", 1, numeric::min),
    ("average", "<a<n>:n>", 1, numeric::average),
    // boolean
    ("boolean", "<x-:b>", 1, object::boolean),
    ("not", "<x-:b>", 1, object::not),
    ("exists", "<x:b>", 1, object::exists),
    // array
    ("count", "<a:n>", 1, array::count),
    ("append", "<xx:a>", 2, array::append_fn),
    ("sort", "<af?:a>", 2, array::sort),
    ("reverse", "<a:a>", 1, array::reverse),
    ("shuffle", "<a:a>", 1, array::shuffle),
    ("distinct", "<x:x>", 1, array::distinct),
    ("zip", "<a+>", 0, array::zip),
    // object
    ("keys", "<x-:a<s>>", 1, object::keys),
    ("lookup", "<x-s:x>", 2, object::lookup),
    ("spread", "<x-:a<o>>", 1, object::spread),
    ("merge", "<a<o>:o>", 1, object::merge),
    ("sift", "<o-f?:o>", 2, object::sift),
    ("each", "<o-f:a>", 2, object::each),
    ("error", "<s?:x>", 1, object::error),
    ("assert", "<bs?:x>", 2, object::assert),
    ("type", "<x:s>", 1, object::type_of),
    ("clone", "<(oa)-:o>", 1, object::clone),
    ("eval", "<sx?:x>", 2, aws::eval),
    // higher-order
    ("map", "<af>", 2, hof::map),
    ("filter", "<af>", 2, hof::filter),
    ("single", "<af?>", 2, hof::single),
    ("reduce", "<afj?:j>", 3, hof::reduce),
    // date/time
    ("now", "<s?s?:s>", 2, datetime::now),
    ("millis", "<:n>", 0, datetime::millis),
    ("fromMillis", "<n-s?s?:s>", 3, datetime::from_millis),
    ("toMillis", "<s-s?:n>", 2, datetime::to_millis),
    // AWS Step Functions
    ("partition", "<xn?:a>", 2, aws::partition),
    ("range", "<nnn?:a<n>>", 3, aws::range),
    ("hash", "<s?s?:s>", 2, aws::hash),
    ("uuid", "<:s>", 0, aws::uuid),
    ("parse", "<s?:x>", 1, aws::parse),
];

static BUILTINS: LazyLock<HashMap<&'static str, Builtin>> = LazyLock::new(|| {
    TABLE
        .iter()
        .filter_map(|(name, sig, arity, implementation)| {
            let signature = Signature::parse(sig).ok()?;
            Some((
                *name,
                Builtin {
                    name,
                    signature,
                    arity: *arity,
                    implementation: *implementation,
                },
            ))
        })
        .collect()
});

/// The built-in function of that name (without the `$`).
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.get(name)
}

/// jsonata-js `fn.string` for a defined value: strings as they are, functions as `""`, other
/// values as JSON with numbers to 15 significant digits.
pub fn to_string(value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.to_string()),
        Value::Function(_) => Ok(String::new()),
        Value::Number(n) if !n.is_finite() => {
            Err(Failure::new("D3001").value(super::value::number_to_string(*n)))
        }
        Value::Array(a) if a.outer_wrapper && !a.items.is_empty() => {
            stringify(&a.items[0], false, true)
        }
        v => stringify(v, false, true),
    }
}

/// jsonata-js `fn.append`: undefined disappears, values become one-item arrays, then concat.
pub fn append(a: Value, b: Value) -> Value {
    if a.is_undefined() {
        return b;
    }
    if b.is_undefined() {
        return a;
    }
    let mut items = match a {
        Value::Array(arr) => match Arc::try_unwrap(arr) {
            Ok(mut owned) => std::mem::take(&mut owned.items),
            Err(shared) => shared.items.clone(),
        },
        v => vec![v],
    };
    match b {
        Value::Array(arr) => items.extend(arr.items.iter().cloned()),
        v => items.push(v),
    }
    Value::array(items)
}

/// The arguments a higher-order function passes: the value, then the index and the whole
/// array if the function takes them.
pub fn hof_args(f: &Value, value: Value, index: Value, whole: &Value) -> Vec<Value> {
    let arity = match f {
        Value::Function(f) => f.arity(),
        _ => 1,
    };
    let mut args = vec![value];
    if arity >= 2 {
        args.push(index);
    }
    if arity >= 3 {
        args.push(whole.clone());
    }
    args
}

pub fn arg(args: &[Value], i: usize) -> &Value {
    static UNDEFINED: Value = Value::Undefined;
    args.get(i).unwrap_or(&UNDEFINED)
}

pub fn is_array_of_strings(v: &Value) -> bool {
    matches!(v, Value::Array(a) if a.items.iter().all(|x| matches!(x, Value::String(_))))
}

pub fn is_array_of_numbers(v: &Value) -> bool {
    matches!(v, Value::Array(a) if a.items.iter().all(|x| matches!(x, Value::Number(_))))
}

#[cfg(test)]
mod tests;

//! Runtime values of the evaluator: JSON data plus JSONata's extras (`undefined`, functions,
//! sequences with their flags, tuples of a tuple stream), the variable frames closures capture,
//! and the conversions to and from `serde_json`.
//!
//! Values are shared with `Arc` so that a value is `Send + Sync`: [`super::Bindings`] converts the
//! host's variables once and may be held across an `.await` by the interpreter.

use std::sync::{Arc, Mutex, Weak};

use indexmap::IndexMap;

use super::ast::{LambdaDef, TransformDef};
use super::error::{Failure, Result};
use super::functions::Builtin;
use super::regex::RegexLiteral;
use super::signature::Signature;

/// An object: keys in insertion order, and its nesting depth (see [`Value::depth`]).
#[derive(Clone, Default)]
pub struct Object {
    pub map: IndexMap<String, Value>,
    depth: u32,
}

impl std::ops::Deref for Object {
    type Target = IndexMap<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

/// A JSONata value. `Undefined` is JavaScript's `undefined`: no value (an empty sequence).
#[derive(Clone, Default)]
pub enum Value {
    #[default]
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(Arc<str>),
    Array(Arc<Array>),
    Object(Arc<Object>),
    Function(Arc<Function>),
    /// One tuple of a tuple stream (steps with `@$v`, `#$i` or a parent `%` reference).
    Tuple(Arc<Tuple>),
}

/// An array. The flags are jsonata-js's hidden array properties.
#[derive(Clone, Default)]
pub struct Array {
    pub items: Vec<Value>,
    /// A sequence (a result of path navigation) rather than an array value: singletons unwrap.
    pub sequence: bool,
    /// `[]` was used: a singleton sequence stays an array.
    pub keep_singleton: bool,
    /// Built by an array constructor: path steps do not flatten it.
    pub cons: bool,
    /// The top-level input array, wrapped so it is treated as one input.
    pub outer_wrapper: bool,
    /// The items are [`Value::Tuple`]s.
    pub tuple_stream: bool,
    depth: u32,
}

/// A tuple: the context value (`@`) and the variables bound along the path.
#[derive(Clone, Default)]
pub struct Tuple {
    pub at: Value,
    pub bindings: Vec<(Arc<str>, Value)>,
}

impl Tuple {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v)
    }

    pub fn set(&mut self, name: &str, value: Value) {
        if let Some(slot) = self.bindings.iter_mut().find(|(k, _)| &**k == name) {
            slot.1 = value;
        } else {
            self.bindings.push((Arc::from(name), value));
        }
    }
}

/// The callable values.
pub enum Function {
    /// A `function($x){...}` closure.
    Lambda(Lambda),
    /// A function of the standard library.
    Builtin(&'static Builtin),
    /// A built-in function partially applied with `?` placeholders (`None`).
    Partial {
        target: Value,
        args: Vec<Option<Value>>,
    },
    /// A regular expression literal: a matcher function.
    Regex(Arc<RegexLiteral>),
    /// The `next` function of a regex match object: the next match from `from` (a byte offset).
    RegexNext {
        regex: Arc<RegexLiteral>,
        text: Arc<str>,
        from: usize,
    },
    /// A `| pattern | update, delete |` transform.
    Transform {
        def: Arc<TransformDef>,
        env: Arc<Frame>,
    },
    /// `$f ~> $g`: `$g($f(x))`.
    Composed { first: Value, second: Value },
}

pub struct Lambda {
    pub def: Arc<LambdaDef>,
    /// The parameters still to be supplied (all of them unless partially applied).
    pub params: Arc<[String]>,
    /// The signature, dropped by partial application as in jsonata-js.
    pub signature: Option<Arc<Signature>>,
    pub input: Value,
    pub env: Arc<Frame>,
}

impl Function {
    /// How many arguments the higher-order functions pass (jsonata-js `getFunctionArity`).
    pub fn arity(&self) -> usize {
        match self {
            Function::Lambda(l) => l.params.len(),
            Function::Builtin(b) => b.arity,
            Function::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
            Function::Regex(_) => 2,
            Function::RegexNext { .. } => 0,
            Function::Transform { .. } | Function::Composed { .. } => 1,
        }
    }
}

/// A scope of variables. Closures keep their frame alive; the frames of one evaluation are
/// cleared when it ends (see [`FrameRegistry`]) to break the cycles a recursive function makes
/// by being bound in the frame it captures.
pub struct Frame {
    pub parent: Option<Arc<Frame>>,
    vars: Mutex<Vec<(Arc<str>, Value)>>,
}

impl Frame {
    pub fn root() -> Arc<Frame> {
        Arc::new(Frame {
            parent: None,
            vars: Mutex::new(Vec::new()),
        })
    }

    pub fn child(parent: &Arc<Frame>) -> Arc<Frame> {
        Arc::new(Frame {
            parent: Some(parent.clone()),
            vars: Mutex::new(Vec::new()),
        })
    }

    pub fn bind(&self, name: &str, value: Value) {
        let mut vars = self.vars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = vars.iter_mut().find(|(k, _)| &**k == name) {
            slot.1 = value;
        } else {
            vars.push((Arc::from(name), value));
        }
    }

    /// [`Frame::bind`] with a name already shared.
    pub fn bind_shared(&self, name: Arc<str>, value: Value) {
        let mut vars = self.vars.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = vars.iter_mut().find(|(k, _)| *k == name) {
            slot.1 = value;
        } else {
            vars.push((name, value));
        }
    }

    /// The value bound to `name` in this frame or an enclosing one.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        let mut frame = Some(self);
        while let Some(f) = frame {
            {
                let vars = f.vars.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, v)) = vars.iter().find(|(k, _)| &**k == name) {
                    return Some(v.clone());
                }
            }
            frame = f.parent.as_deref();
        }
        None
    }

    fn clear(&self) {
        let taken = std::mem::take(&mut *self.vars.lock().unwrap_or_else(|e| e.into_inner()));
        drop(taken);
    }
}

/// The frames created during one evaluation, weakly held so they can be cleared at the end.
#[derive(Default)]
pub struct FrameRegistry {
    frames: Vec<Weak<Frame>>,
}

impl FrameRegistry {
    pub fn register(&mut self, frame: &Arc<Frame>) {
        if self.frames.len() >= 1024 && self.frames.len().is_power_of_two() {
            self.frames.retain(|w| w.strong_count() > 0);
        }
        self.frames.push(Arc::downgrade(frame));
    }

    /// Empties every frame still alive, which drops the closures that keep each other alive.
    pub fn clear_all(&mut self) {
        for weak in self.frames.drain(..) {
            if let Some(frame) = weak.upgrade() {
                frame.clear();
            }
        }
    }
}

impl Array {
    pub fn new(items: Vec<Value>) -> Array {
        let depth = 1 + items.iter().map(Value::depth).max().unwrap_or(0);
        Array {
            items,
            depth,
            ..Array::default()
        }
    }

    /// Replaces the items, keeping the flags.
    pub fn set_items(&mut self, items: Vec<Value>) {
        self.depth = 1 + items.iter().map(Value::depth).max().unwrap_or(0);
        self.items = items;
    }
}

impl Value {
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(Array::new(items)))
    }

    pub fn sequence(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(Array {
            sequence: true,
            ..Array::new(items)
        }))
    }

    pub fn object(map: IndexMap<String, Value>) -> Value {
        let depth = 1 + map.values().map(Value::depth).max().unwrap_or(0);
        Value::Object(Arc::new(Object { map, depth }))
    }

    /// How deeply arrays and objects nest in the value (0 for a scalar). Kept up to date by the
    /// constructors so the evaluator can refuse values too deep to walk recursively.
    pub fn depth(&self) -> u32 {
        match self {
            Value::Array(a) => a.depth,
            Value::Object(o) => o.depth,
            Value::Tuple(t) => t.at.depth(),
            _ => 0,
        }
    }

    pub fn function(f: Function) -> Value {
        Value::Function(Arc::new(f))
    }

    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_function(&self) -> bool {
        matches!(self, Value::Function(_))
    }

    pub fn as_array(&self) -> Option<&Array> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// A sequence flag test (jsonata-js `isSequence`).
    pub fn is_sequence(&self) -> bool {
        matches!(self, Value::Array(a) if a.sequence)
    }

    /// The items of an array, or the value as a one-item list (nothing for `undefined`).
    pub fn members(&self) -> Vec<Value> {
        match self {
            Value::Undefined => Vec::new(),
            Value::Array(a) => a.items.clone(),
            v => vec![v.clone()],
        }
    }

    /// jsonata-js `isNumeric`: a number that is not NaN. Infinite numbers are an error (D1001).
    pub fn is_numeric(&self) -> Result<bool> {
        match self {
            Value::Number(n) if n.is_nan() => Ok(false),
            Value::Number(n) if n.is_infinite() => {
                Err(Failure::new("D1001").value(number_to_string(*n)))
            }
            Value::Number(_) => Ok(true),
            _ => Ok(false),
        }
    }

    /// Sets a flag on an array value, copying it only if it is shared.
    pub fn with_array_flags(self, f: impl FnOnce(&mut Array)) -> Value {
        match self {
            Value::Array(mut a) => {
                f(Arc::make_mut(&mut a));
                Value::Array(a)
            }
            v => v,
        }
    }

    /// The JSONata type name (`$type`).
    pub fn type_name(&self) -> Option<&'static str> {
        Some(match self {
            Value::Undefined => return None,
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) | Value::Tuple(_) => "object",
            Value::Function(_) => "function",
        })
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Undefined => write!(f, "undefined"),
            Value::Function(_) => write!(f, "<function>"),
            Value::Tuple(t) => write!(f, "<tuple {:?}>", t.at),
            v => write!(f, "{}", stringify(v, false, false).unwrap_or_default()),
        }
    }
}

/// jsonata-js `fn.boolean`: the effective boolean value (`None` for undefined).
pub fn truthy(value: &Value) -> Option<bool> {
    Some(match value {
        Value::Undefined => return None,
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => match a.items.len() {
            0 => false,
            1 => truthy(&a.items[0]).unwrap_or(false),
            _ => a.items.iter().any(|v| truthy(v).unwrap_or(false)),
        },
        Value::Object(o) => !o.is_empty(),
        Value::Tuple(_) => true,
        Value::Function(_) => false,
    })
}

/// Deep equality as jsonata-js `isDeepEqual` (functions only equal themselves).
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.items.len() == y.items.len()
                && x.items
                    .iter()
                    .zip(y.items.iter())
                    .all(|(p, q)| deep_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Function(x), Value::Function(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}

/// Converts host JSON into a value.
pub fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::string(s.as_str()),
        serde_json::Value::Array(items) => Value::array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::object(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// `to_json(&from_json(json))` without the round trip: what an expression that reads a JSON
/// value unchanged gives back. Only numbers change: they pass through JavaScript's doubles.
pub fn normalized_json(json: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match json {
        Json::Number(n) => match n.as_i64() {
            // Exact in a double and printed the same: as it is.
            Some(i) if i.unsigned_abs() < 1 << 53 => json.clone(),
            // A JSON number is finite, so `number_to_json` has an answer for it.
            _ => number_to_json(n.as_f64().unwrap_or(f64::NAN)).unwrap_or(Json::Null),
        },
        Json::Array(items) => Json::Array(items.iter().map(normalized_json).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalized_json(v)))
                .collect(),
        ),
        _ => json.clone(),
    }
}

/// Why a value cannot become JSON.
pub enum NotJson {
    /// A function, which JSON cannot carry.
    Function,
    /// An infinite or NaN number (D1001).
    Number(Failure),
}

/// Converts a value to host JSON. `undefined` items of arrays and objects are dropped, as
/// `JSON.stringify` drops them from objects (they cannot occur in arrays built by JSONata).
pub fn to_json(value: &Value) -> std::result::Result<Option<serde_json::Value>, NotJson> {
    Ok(Some(match value {
        Value::Undefined => return Ok(None),
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => number_to_json(*n)
            .ok_or_else(|| NotJson::Number(Failure::new("D1001").value(number_to_string(*n))))?,
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.items.len());
            for item in &a.items {
                if let Some(j) = to_json(item)? {
                    out.push(j);
                }
            }
            serde_json::Value::Array(out)
        }
        Value::Object(o) => {
            let mut out = serde_json::Map::with_capacity(o.len());
            for (k, v) in o.iter() {
                if let Some(j) = to_json(v)? {
                    out.insert(k.clone(), j);
                }
            }
            serde_json::Value::Object(out)
        }
        Value::Tuple(t) => return to_json(&t.at),
        Value::Function(_) => return Err(NotJson::Function),
    }))
}

/// An integral number below 2^53 becomes a JSON integer, others a float; non-finite: `None`.
pub fn number_to_json(n: f64) -> Option<serde_json::Value> {
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        // -0 prints as 0, as JavaScript prints it.
        return Some(serde_json::Value::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(serde_json::Value::Number)
}

/// JavaScript's `Number.prototype.toString()` for a number.
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    // Shortest round-trip digits and the decimal exponent, from Rust's `{:e}` (e.g. "1.5e-7").
    let sci = format!("{:e}", n.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let point = exp + 1; // position of the decimal point relative to the digits
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    if (1..=21).contains(&point) {
        if k <= point {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (point - k) as usize));
        } else {
            out.push_str(&digits[..point as usize]);
            out.push('.');
            out.push_str(&digits[point as usize..]);
        }
    } else if (-5..=0).contains(&point) {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if point > 0 { '+' } else { '-' });
        out.push_str(&(point - 1).abs().to_string());
    }
    out
}

/// `Number(n.toPrecision(15))`: what `$string` does to numbers, hiding float noise (0.1+0.2).
pub fn to_precision_15(n: f64) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    format!("{:.14e}", n).parse().unwrap_or(n)
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// `JSON.stringify` as jsonata-js `$string` calls it: numbers to 15 significant digits when
/// `precision15`, functions as `""`, `undefined` members dropped; `pretty` indents by two.
pub fn stringify(value: &Value, pretty: bool, precision15: bool) -> Result<String> {
    let mut out = String::new();
    write_json(value, pretty, precision15, 0, &mut out)?;
    Ok(out)
}

fn write_json(
    value: &Value,
    pretty: bool,
    p15: bool,
    depth: usize,
    out: &mut String,
) -> Result<()> {
    let indent = |out: &mut String, d: usize| {
        if pretty {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', d * 2));
        }
    };
    match value {
        Value::Undefined | Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if !n.is_finite() {
                // JSON.stringify writes null for these; jsonata's replacer meets them first.
                if p15 {
                    return Err(Failure::new("D1001").value(number_to_string(*n)));
                }
                out.push_str("null");
            } else {
                let n = if p15 { to_precision_15(*n) } else { *n };
                out.push_str(&number_to_string(n));
            }
        }
        Value::String(s) => out.push_str(&json_string(s)),
        Value::Function(_) => out.push_str("\"\""),
        Value::Tuple(t) => write_json(&t.at, pretty, p15, depth, out)?,
        Value::Array(a) => {
            out.push('[');
            if a.items.is_empty() {
                out.push(']');
                return Ok(());
            }
            for (i, item) in a.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                write_json(item, pretty, p15, depth + 1, out)?;
            }
            indent(out, depth);
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            let mut first = true;
            for (k, v) in o.iter() {
                if v.is_undefined() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                indent(out, depth + 1);
                out.push_str(&json_string(k));
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_json(v, pretty, p15, depth + 1, out)?;
            }
            if !first {
                indent(out, depth);
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A value written for an error message (`JSON.stringify` without the 15-digit rounding).
pub fn describe(value: &Value) -> String {
    match value {
        Value::Undefined => "undefined".into(),
        Value::Number(n) if !n.is_finite() => number_to_string(*n),
        Value::Function(_) => "{}".into(),
        v => stringify(v, false, false).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;

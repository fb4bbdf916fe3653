//! The 18 Amazon States Language intrinsic functions (`States.Format`, `States.Array`, ...):
//! a parser for the call syntax and an evaluator that reproduces AWS's results and error texts.
//!
//! This module owns the call grammar, argument typing, each function's semantics and the exact
//! wording of intrinsic failures. It must not resolve paths itself, read clocks or draw
//! randomness: path arguments and random bits come through [`Env`], so evaluation is pure and
//! deterministic under test. Path text is kept exactly as written; the caller resolves it.

use std::fmt;

use base64::Engine as _;
use serde_json::{Number, Value};

/// Deepest nesting of calls inside calls that the parser accepts. Real definitions nest two or
/// three levels; the bound keeps hostile input from exhausting the stack in the parser and the
/// evaluator, which both recurse once per level.
pub const MAX_NESTING_DEPTH: usize = 32;

/// AWS caps the input of `States.Base64Encode`, `States.Base64Decode` and `States.Hash` at
/// 10,000 characters.
pub const MAX_INPUT_CHARS: usize = 10_000;

/// AWS caps the array that `States.ArrayRange` may produce at 1,000 items.
pub const MAX_RANGE_ITEMS: usize = 1_000;

/// Hash algorithm names accepted by `States.Hash`, spelled exactly as AWS requires.
pub const HASH_ALGORITHMS: [&str; 5] = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

/// The name AWS reports for every failure raised while evaluating an intrinsic function.
pub const ERROR_NAME: &str = "States.Runtime";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// The intrinsic functions, one per AWS name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `States.Format(template, args...)`
    Format,
    /// `States.StringToJson(string)`
    StringToJson,
    /// `States.JsonToString(value)`
    JsonToString,
    /// `States.Array(items...)`
    Array,
    /// `States.ArrayPartition(array, chunkSize)`
    ArrayPartition,
    /// `States.ArrayContains(array, value)`
    ArrayContains,
    /// `States.ArrayRange(first, last, step)`
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`
    ArrayGetItem,
    /// `States.ArrayLength(array)`
    ArrayLength,
    /// `States.ArrayUnique(array)`
    ArrayUnique,
    /// `States.Base64Encode(string)`
    Base64Encode,
    /// `States.Base64Decode(string)`
    Base64Decode,
    /// `States.Hash(data, algorithm)`
    Hash,
    /// `States.JsonMerge(object, object, isDeepMerge)`
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`
    MathRandom,
    /// `States.MathAdd(a, b)`
    MathAdd,
    /// `States.StringSplit(string, delimiterChars)`
    StringSplit,
    /// `States.UUID()`
    Uuid,
}

impl Function {
    /// Every function, for lookups and documentation.
    pub const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    /// The full AWS name, e.g. `States.ArrayGetItem`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// Looks a function up by its full name (`States.` prefix included), case-sensitively as AWS does.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How many arguments the function takes: (minimum, maximum); `None` means unbounded.
    fn arity(self) -> (usize, Option<usize>) {
        match self {
            Function::Format => (1, None),
            Function::Array => (0, None),
            Function::Uuid => (0, Some(0)),
            Function::StringToJson
            | Function::JsonToString
            | Function::ArrayLength
            | Function::ArrayUnique
            | Function::Base64Encode
            | Function::Base64Decode => (1, Some(1)),
            Function::ArrayPartition
            | Function::ArrayContains
            | Function::ArrayGetItem
            | Function::Hash
            | Function::MathAdd
            | Function::StringSplit => (2, Some(2)),
            Function::ArrayRange | Function::JsonMerge => (3, Some(3)),
            Function::MathRandom => (2, Some(3)),
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One argument of a call, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    /// A single-quoted string literal. `raw` is the text between the quotes with its escapes
    /// still in place (States.Format needs it to tell `\{` from a placeholder); `value` is the
    /// decoded string.
    String {
        /// Decoded value.
        value: String,
        /// The text between the quotes, escapes untouched.
        raw: String,
    },
    /// A number literal, integer or floating point.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A reference path (`$...`) or context path (`$$...`), as written.
    Path(String),
    /// A nested call.
    Call(Box<Call>),
}

/// A parsed intrinsic call: the function, its arguments, and the source text (AWS quotes the
/// whole expression verbatim in its error causes).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    function: Function,
    arguments: Vec<Argument>,
    source: String,
}

/// Why a text is not a valid intrinsic call. The validator reports these statically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The text does not have the shape of a call.
    #[error("expected {expected} at position {position}")]
    Syntax {
        /// What the parser was looking for.
        expected: &'static str,
        /// Byte offset into the text.
        position: usize,
    },
    /// `States.<Name>` is not one of the 18 functions.
    #[error("unknown intrinsic function '{name}'")]
    UnknownFunction {
        /// The name as written.
        name: String,
    },
    /// Too few or too many arguments.
    #[error("{function} expects {expected} argument(s) but received {received}")]
    ArgumentCount {
        /// The function called.
        function: &'static str,
        /// A phrase such as `2`, `at least 1` or `2 to 3`.
        expected: String,
        /// How many were written.
        received: usize,
    },
    /// A literal argument can never be valid in that position.
    #[error("invalid argument {position} of {function}: {reason}")]
    LiteralType {
        /// The function called.
        function: &'static str,
        /// 1-based argument position.
        position: usize,
        /// What is wrong.
        reason: String,
    },
    /// Calls nested deeper than [`MAX_NESTING_DEPTH`].
    #[error("intrinsic functions are nested deeper than {MAX_NESTING_DEPTH} levels")]
    TooDeep,
}

/// An intrinsic call that failed while being evaluated. AWS fails the state with
/// [`ERROR_NAME`] (`States.Runtime`) and the cause
/// `The function '<expression as written>' had the following error: <detail>`, which is this
/// error's `Display`; the interpreter prefixes it with
/// `An error occurred while executing the state '<state>' (entered at the event id #<id>). `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A path argument could not be resolved; `detail` is the [`Env::resolve`] message verbatim.
    #[error("The function '{expression}' had the following error: {detail}")]
    Path {
        /// The whole top-level expression as written.
        expression: String,
        /// What the environment reported.
        detail: String,
    },
    /// A function rejected its arguments.
    #[error("The function '{expression}' had the following error: {detail}")]
    Function {
        /// The whole top-level expression as written.
        expression: String,
        /// The function that failed (may be a nested one).
        function: Function,
        /// Why it failed.
        detail: String,
    },
}

impl EvalError {
    /// The AWS error name for this failure.
    pub fn error_name(&self) -> &'static str {
        ERROR_NAME
    }

    /// The cause text (without the interpreter's "An error occurred while executing the state"
    /// prefix).
    pub fn cause(&self) -> String {
        self.to_string()
    }
}

/// What evaluation needs from the outside world.
pub trait Env {
    /// Resolve a path argument (text as written, e.g. "$.a" or "$$.Execution.Id"). Err(message)
    /// if it fails; the message becomes the error detail verbatim, so it should be AWS's text —
    /// see [`missing_path_detail`].
    fn resolve(&mut self, path: &str) -> Result<Value, String>;
    /// 64 random bits (UUID v4 bytes, MathRandom without a seed).
    fn random_u64(&mut self) -> u64;
}

/// AWS's detail text for a path argument that matches nothing:
/// `The JsonPath argument for the field '<path>' could not be found in the input '<input>'`,
/// with the state input printed as compact JSON. A context path (`$$.X`) is reported rewritten
/// to `$.X` while the state input (not the context object) is printed, as AWS does.
pub fn missing_path_detail(path: &str, state_input: &Value) -> String {
    let shown = path
        .strip_prefix("$$")
        .map_or_else(|| path.to_string(), |rest| format!("${rest}"));
    format!(
        "The JsonPath argument for the field '{shown}' could not be found in the input '{}'",
        compact_json(state_input)
    )
}

/// True when `text` looks like an intrinsic call (starts with "States." and an identifier
/// followed by "(") — used to decide whether a ".$" value is a path or a function.
pub fn looks_like_call(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("States.") else {
        return false;
    };
    let ident_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    ident_len > 0 && rest.as_bytes().get(ident_len) == Some(&b'(')
}

/// Parses an intrinsic call such as `States.Format('Hello {}', $.name)`.
pub fn parse(text: &str) -> Result<Call, ParseError> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_whitespace();
    let call = parser.call(0)?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(parser.syntax("end of expression"));
    }
    Ok(call)
}

impl Call {
    /// The function called.
    pub fn function(&self) -> Function {
        self.function
    }

    /// The arguments as written.
    pub fn arguments(&self) -> &[Argument] {
        &self.arguments
    }

    /// The source text of this call.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every path argument, nested calls included, in evaluation order.
    pub fn paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        for argument in &self.arguments {
            match argument {
                Argument::Path(path) => out.push(path),
                Argument::Call(call) => call.collect_paths(out),
                _ => {}
            }
        }
    }

    /// Evaluates the call. Arguments are evaluated left to right; paths go through `env`.
    pub fn evaluate(&self, env: &mut dyn Env) -> Result<Value, EvalError> {
        self.eval(env).map_err(|failure| match failure {
            Failure::Path(detail) => EvalError::Path {
                expression: self.source.clone(),
                detail,
            },
            Failure::Function(function, detail) => EvalError::Function {
                expression: self.source.clone(),
                function,
                detail,
            },
        })
    }

    fn eval(&self, env: &mut dyn Env) -> Result<Value, Failure> {
        let mut values = Vec::with_capacity(self.arguments.len());
        for argument in &self.arguments {
            let value = match argument {
                Argument::String { value, .. } => Value::String(value.clone()),
                Argument::Number(n) => Value::Number(n.clone()),
                Argument::Bool(b) => Value::Bool(*b),
                Argument::Null => Value::Null,
                Argument::Path(path) => env.resolve(path).map_err(Failure::Path)?,
                Argument::Call(call) => call.eval(env)?,
            };
            values.push(value);
        }
        let f = self.function;
        let fail = |detail: String| Failure::Function(f, detail);
        functions::apply(f, &self.arguments, values, env).map_err(fail)
    }
}

/// Failure inside evaluation, before the top-level expression text is attached.
enum Failure {
    Path(String),
    Function(Function, String),
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn syntax(&self, expected: &'static str) -> ParseError {
        ParseError::Syntax {
            expected,
            position: self.pos,
        }
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        self.pos += rest.len() - trimmed.len();
    }

    fn call(&mut self, depth: usize) -> Result<Call, ParseError> {
        if depth >= MAX_NESTING_DEPTH {
            return Err(ParseError::TooDeep);
        }
        let start = self.pos;
        if !self.rest().starts_with("States.") {
            return Err(self.syntax("'States.'"));
        }
        self.pos += "States.".len();
        let ident_len = self
            .rest()
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if ident_len == 0 {
            return Err(self.syntax("a function name"));
        }
        self.pos += ident_len;
        let name = self.text.get(start..self.pos).unwrap_or("");
        let function = Function::from_name(name).ok_or_else(|| ParseError::UnknownFunction {
            name: name.to_string(),
        })?;
        self.skip_whitespace();
        if self.peek() != Some('(') {
            return Err(self.syntax("'('"));
        }
        self.pos += 1;
        let mut arguments = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_whitespace();
                arguments.push(self.argument(depth)?);
                self.skip_whitespace();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.syntax("',' or ')'")),
                }
            }
        }
        let source = self.text.get(start..self.pos).unwrap_or("").to_string();
        check_arity(function, arguments.len())?;
        check_literals(function, &arguments)?;
        Ok(Call {
            function,
            arguments,
            source,
        })
    }

    fn argument(&mut self, depth: usize) -> Result<Argument, ParseError> {
        match self.peek() {
            Some('\'') => self.string_literal(),
            Some('$') => self.path(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some('S') if self.rest().starts_with("States.") => {
                Ok(Argument::Call(Box::new(self.call(depth + 1)?)))
            }
            _ => {
                for (word, argument) in [
                    ("true", Argument::Bool(true)),
                    ("false", Argument::Bool(false)),
                    ("null", Argument::Null),
                ] {
                    if let Some(after) = self.rest().strip_prefix(word) {
                        let boundary = after
                            .chars()
                            .next()
                            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                        if boundary {
                            self.pos += word.len();
                            return Ok(argument);
                        }
                    }
                }
                Err(self.syntax("an argument"))
            }
        }
    }

    fn string_literal(&mut self) -> Result<Argument, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let body_start = self.pos;
        let mut chars = self.rest().char_indices();
        let mut value = String::new();
        while let Some((offset, c)) = chars.next() {
            match c {
                '\'' => {
                    let raw = self.text.get(body_start..body_start + offset).unwrap_or("");
                    self.pos = body_start + offset + 1;
                    return Ok(Argument::String {
                        value,
                        raw: raw.to_string(),
                    });
                }
                '\\' => match chars.next() {
                    Some((_, escaped @ ('\'' | '{' | '}' | '\\'))) => value.push(escaped),
                    // Any other escape is kept as written: AWS only defines these four.
                    Some((_, other)) => {
                        value.push('\\');
                        value.push(other);
                    }
                    None => break,
                },
                other => value.push(other),
            }
        }
        self.pos = open;
        Err(self.syntax("a closing quote"))
    }

    fn number(&mut self) -> Result<Argument, ParseError> {
        let rest = self.rest().as_bytes();
        let mut end = 0;
        let digits = |from: usize| {
            rest.iter()
                .skip(from)
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        if rest.first() == Some(&b'-') {
            end += 1;
        }
        let int_digits = digits(end);
        if int_digits == 0 || (int_digits > 1 && rest.get(end) == Some(&b'0')) {
            return Err(self.syntax("a number"));
        }
        end += int_digits;
        let mut is_float = false;
        if rest.get(end) == Some(&b'.') {
            let fraction = digits(end + 1);
            if fraction == 0 {
                return Err(self.syntax("digits after '.'"));
            }
            end += 1 + fraction;
            is_float = true;
        }
        if matches!(rest.get(end), Some(b'e' | b'E')) {
            let mut exp_end = end + 1;
            if matches!(rest.get(exp_end), Some(b'+' | b'-')) {
                exp_end += 1;
            }
            let exp_digits = digits(exp_end);
            if exp_digits == 0 {
                return Err(self.syntax("an exponent"));
            }
            end = exp_end + exp_digits;
            is_float = true;
        }
        if rest
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
        {
            return Err(self.syntax("a number"));
        }
        let text = self.rest().get(..end).unwrap_or("");
        let number = if is_float {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        } else {
            text.parse::<i64>()
                .map(Number::from)
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64))
        };
        let number = number.ok_or_else(|| self.syntax("a finite number"))?;
        self.pos += end;
        Ok(Argument::Number(number))
    }

    fn path(&mut self) -> Result<Argument, ParseError> {
        // A path runs until a ',' or ')' outside brackets, or whitespace; quotes inside brackets
        // may hold any of those.
        let rest = self.rest();
        let mut bracket_depth = 0usize;
        let mut quote: Option<char> = None;
        let mut end = rest.len();
        for (offset, c) in rest.char_indices() {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '[' => bracket_depth += 1,
                ']' => bracket_depth = bracket_depth.saturating_sub(1),
                '\'' | '"' if bracket_depth > 0 => quote = Some(c),
                ',' | ')' | ' ' | '\t' | '\n' | '\r' if bracket_depth == 0 => {
                    end = offset;
                    break;
                }
                _ => {}
            }
        }
        if quote.is_some() || bracket_depth > 0 {
            return Err(self.syntax("a closed path bracket"));
        }
        let path = rest.get(..end).unwrap_or("");
        let body = path
            .strip_prefix("$$")
            .or_else(|| path.strip_prefix('$'))
            .unwrap_or(path);
        // `$name…` reads a workflow variable.
        let variable = !path.starts_with("$$")
            && body
                .chars()
                .next()
                .is_some_and(super::path::is_variable_start);
        if !(variable || body.is_empty() || body.starts_with('.') || body.starts_with('[')) {
            return Err(self.syntax("a path"));
        }
        let path = path.to_string();
        self.pos += end;
        Ok(Argument::Path(path))
    }
}

fn check_arity(function: Function, received: usize) -> Result<(), ParseError> {
    let (min, max) = function.arity();
    if received >= min && max.is_none_or(|max| received <= max) {
        return Ok(());
    }
    let expected = match max {
        None => format!("at least {min}"),
        Some(max) if max == min => min.to_string(),
        Some(max) => format!("{min} to {max}"),
    };
    Err(ParseError::ArgumentCount {
        function: function.name(),
        expected,
        received,
    })
}

/// Static checks on literal arguments that can never work. Only the template of
/// `States.Format` is checked: a literal template whose placeholders do not match the argument
/// count, or with an unclosed `{`, can never succeed.
fn check_literals(function: Function, arguments: &[Argument]) -> Result<(), ParseError> {
    if function != Function::Format {
        return Ok(());
    }
    match arguments.first() {
        Some(Argument::String { raw, .. }) => {
            let pieces = template_pieces(raw).map_err(|reason| ParseError::LiteralType {
                function: function.name(),
                position: 1,
                reason,
            })?;
            let placeholders = pieces.iter().filter(|p| p.is_none()).count();
            if placeholders != arguments.len() - 1 {
                return Err(ParseError::LiteralType {
                    function: function.name(),
                    position: 1,
                    reason: FORMAT_COUNT_MISMATCH.to_string(),
                });
            }
            Ok(())
        }
        Some(Argument::Number(_) | Argument::Bool(_) | Argument::Null) => {
            Err(ParseError::LiteralType {
                function: function.name(),
                position: 1,
                reason: "the template must be a string".to_string(),
            })
        }
        _ => Ok(()),
    }
}

const FORMAT_COUNT_MISMATCH: &str = "number of arguments do not match the occurrences of {}.";

/// Splits a States.Format template (escapes still in place) into literal text (`Some`) and
/// placeholders (`None`).
fn template_pieces(raw: &str) -> Result<Vec<Option<String>>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('\'' | '{' | '}' | '\\')) => literal.push(escaped),
                Some(other) => {
                    literal.push('\\');
                    literal.push(other);
                }
                None => literal.push('\\'),
            },
            '{' => {
                if chars.next() != Some('}') {
                    return Err("matching '}' not found for '{'.".to_string());
                }
                pieces.push(Some(std::mem::take(&mut literal)));
                pieces.push(None);
            }
            other => literal.push(other),
        }
    }
    pieces.push(Some(literal));
    Ok(pieces)
}

// ---------------------------------------------------------------------------------------------
// Rendering helpers
// ---------------------------------------------------------------------------------------------

/// Compact JSON with key order kept.
fn compact_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// Renders a number as AWS (Java) prints it: integers plainly, doubles like `Double.toString`
/// (`1.0`, `1.1`, `1.0E10`, `1.0E-5`).
fn java_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let v = n.as_f64().unwrap_or(0.0);
    java_double(v)
}

fn java_double(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0.0".to_string()
        } else {
            "0.0".to_string()
        };
    }
    let magnitude = v.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let text = v.to_string();
        if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        // Rust's `{:e}` gives the same shortest digits as Java, as `1.5e-5`; Java writes the
        // mantissa with at least one fraction digit and an upper-case `E`.
        let text = format!("{v:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exponent}")
    }
}

/// Renders a value for States.Format the way AWS does: strings raw, numbers as Java prints them,
/// and arrays and objects in Java's collection notation (`[a, b]`, `{k=v, k2=v2}`), recursively.
fn format_value(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Number(n) => out.push_str(&java_number(n)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                format_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                format_value(item, out);
            }
            out.push('}');
        }
    }
}

/// How AWS names a JSON value's type in messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Java's `Math.round(double)`: the nearest integer, halves rounded up (towards +∞).
fn java_round(v: f64) -> f64 {
    (v + 0.5).floor()
}

/// java.util.Random, the 48-bit linear congruential generator AWS seeds MathRandom with.
struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    fn new(seed: i64) -> Self {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)` for `bound > 0`, reproducing Java's rejection loop bit for bit.
    fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound.wrapping_sub(1);
        if bound & m == 0 {
            ((i64::from(bound) * i64::from(r)) >> 31) as i32
        } else {
            let mut u = r;
            loop {
                r = u % bound;
                if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                    break r;
                }
                u = self.next(31);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The functions
// ---------------------------------------------------------------------------------------------

mod functions {
    use super::*;

    type Outcome = Result<Value, String>;

    pub(super) fn apply(
        function: Function,
        arguments: &[Argument],
        values: Vec<Value>,
        env: &mut dyn Env,
    ) -> Outcome {
        let name = function.name();
        let invalid = |reason: String| format!("Invalid arguments in {name}: {reason}");
        match function {
            Function::Array => return Ok(Value::Array(values)),
            Function::Format => {
                let mut values = values.into_iter();
                let mut template = values.next().unwrap_or(Value::Null);
                // A literal template keeps its escapes so that `\{` is not a placeholder.
                if let Some(Argument::String { raw, .. }) = arguments.first() {
                    template = Value::String(raw.clone());
                }
                let rest: Vec<Value> = values.collect();
                return format(template, &rest).map_err(invalid);
            }
            _ => {}
        }
        let mut values = values.into_iter();
        let mut next = || values.next().unwrap_or(Value::Null);
        match function {
            Function::Array | Function::Format => Ok(Value::Null),
            Function::StringToJson => string_to_json(next()).map_err(invalid),
            Function::JsonToString => Ok(Value::String(compact_json(&next()))),
            Function::ArrayPartition => array_partition(next(), next()).map_err(invalid),
            Function::ArrayContains => {
                let array = expect_array(next(), 1).map_err(invalid)?;
                let wanted = next();
                Ok(Value::Bool(array.contains(&wanted)))
            }
            Function::ArrayRange => array_range(next(), next(), next()).map_err(invalid),
            Function::ArrayGetItem => array_get_item(next(), next()).map_err(invalid),
            Function::ArrayLength => expect_array(next(), 1)
                .map(|a| Value::from(a.len()))
                .map_err(invalid),
            Function::ArrayUnique => {
                let array = expect_array(next(), 1).map_err(invalid)?;
                // First occurrences in order. Items are compared by a canonical text (object
                // keys sorted) so that large arrays stay linear instead of quadratic.
                let mut seen = std::collections::HashSet::with_capacity(array.len());
                let unique = array
                    .into_iter()
                    .filter(|item| seen.insert(canonical_json(item)));
                Ok(Value::Array(unique.collect()))
            }
            Function::Base64Encode => {
                let text = expect_limited_string(next(), 1).map_err(invalid)?;
                Ok(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(text),
                ))
            }
            Function::Base64Decode => base64_decode(next()).map_err(invalid),
            Function::Hash => hash(next(), next()).map_err(invalid),
            Function::JsonMerge => json_merge(next(), next(), next()).map_err(invalid),
            Function::MathRandom => {
                let start = next();
                let end = next();
                let seed = (arguments.len() == 3).then(&mut next);
                math_random(start, end, seed, env).map_err(invalid)
            }
            Function::MathAdd => math_add(next(), next()).map_err(invalid),
            Function::StringSplit => string_split(next(), next()).map_err(invalid),
            Function::Uuid => {
                let mut bytes = [0u8; 16];
                let (high, low) = bytes.split_at_mut(8);
                high.copy_from_slice(&env.random_u64().to_be_bytes());
                low.copy_from_slice(&env.random_u64().to_be_bytes());
                let uuid = uuid::Builder::from_random_bytes(bytes).into_uuid();
                Ok(Value::String(uuid.hyphenated().to_string()))
            }
        }
    }

    /// JSON text with object keys sorted, so equal values (which compare regardless of key
    /// order) get equal text. Recursion is bounded by serde_json's own nesting limit on input.
    fn canonical_json(value: &Value) -> String {
        match value {
            Value::Array(items) => {
                let inner: Vec<String> = items.iter().map(canonical_json).collect();
                format!("[{}]", inner.join(","))
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let inner: Vec<String> = entries
                    .into_iter()
                    .map(|(k, v)| {
                        format!(
                            "{}:{}",
                            compact_json(&Value::String(k.clone())),
                            canonical_json(v)
                        )
                    })
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            scalar => compact_json(scalar),
        }
    }

    fn expect_array(value: Value, position: usize) -> Result<Vec<Value>, String> {
        match value {
            Value::Array(items) => Ok(items),
            other => Err(format!(
                "argument {position} must be an array, but was {}",
                type_name(&other)
            )),
        }
    }

    fn expect_string(value: Value, position: usize) -> Result<String, String> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(format!(
                "argument {position} must be a string, but was {}",
                type_name(&other)
            )),
        }
    }

    fn expect_limited_string(value: Value, position: usize) -> Result<String, String> {
        let text = expect_string(value, position)?;
        let length = text.chars().count();
        if length > MAX_INPUT_CHARS {
            return Err(format!(
                "argument {position} must be at most {MAX_INPUT_CHARS} characters, but has {length}"
            ));
        }
        Ok(text)
    }

    fn expect_number(value: &Value, position: usize) -> Result<f64, String> {
        match value {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| format!("argument {position} must be a number")),
            other => Err(format!(
                "argument {position} must be a number, but was {}",
                type_name(other)
            )),
        }
    }

    /// A number rounded as AWS rounds non-integer arguments (Java's `Math.round`), required to
    /// fit a Java int, as AWS's integer arguments do.
    fn expect_int(value: &Value, position: usize) -> Result<i64, String> {
        let rounded = match value {
            Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or(0),
            _ => {
                let v = java_round(expect_number(value, position)?);
                if !(-2_147_483_648.0..=2_147_483_647.0).contains(&v) {
                    return Err(format!("argument {position} is out of the integer range"));
                }
                v as i64
            }
        };
        if i32::try_from(rounded).is_err() {
            return Err(format!("argument {position} is out of the integer range"));
        }
        Ok(rounded)
    }

    fn format(template: Value, arguments: &[Value]) -> Outcome {
        let Value::String(raw) = template else {
            return Err(format!(
                "the template must be a string, but was {}",
                type_name(&template)
            ));
        };
        let pieces = template_pieces(&raw)?;
        if pieces.iter().filter(|p| p.is_none()).count() != arguments.len() {
            return Err(FORMAT_COUNT_MISMATCH.to_string());
        }
        let mut out = String::new();
        let mut arguments = arguments.iter();
        for piece in pieces {
            match piece {
                Some(literal) => out.push_str(&literal),
                None => {
                    if let Some(value) = arguments.next() {
                        format_value(value, &mut out);
                    }
                }
            }
        }
        Ok(Value::String(out))
    }

    fn string_to_json(value: Value) -> Outcome {
        let text = expect_string(value, 1)?;
        // AWS answers null for an empty or blank string rather than failing.
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        let parsed: Value = serde_json::from_str(&text)
            .map_err(|_| format!("the string is not valid JSON: {text}"))?;
        // AWS reads `-0` as the integer 0, where serde_json yields the double -0.0.
        let integer_text = !text.contains(['.', 'e', 'E']);
        match parsed {
            Value::Number(n) if integer_text && n.as_f64() == Some(0.0) => Ok(Value::from(0)),
            other => Ok(other),
        }
    }

    fn array_partition(array: Value, chunk: Value) -> Outcome {
        let array = expect_array(array, 1)?;
        let size = expect_int(&chunk, 2)?;
        if size <= 0 {
            return Err(format!(
                "the chunk size must be greater than 0, but was {size}"
            ));
        }
        let size = usize::try_from(size).unwrap_or(1);
        Ok(Value::Array(
            array
                .chunks(size)
                .map(|c| Value::Array(c.to_vec()))
                .collect(),
        ))
    }

    fn array_range(first: Value, last: Value, step: Value) -> Outcome {
        let first = expect_int(&first, 1)?;
        let last = expect_int(&last, 2)?;
        let step = expect_int(&step, 3)?;
        if step == 0 {
            return Err("the step must not be 0".to_string());
        }
        let count = if (step > 0 && first > last) || (step < 0 && first < last) {
            0
        } else {
            (last - first) / step + 1
        };
        if count > MAX_RANGE_ITEMS as i64 {
            return Err(format!(
                "the range would have {count} items, more than the limit of {MAX_RANGE_ITEMS}"
            ));
        }
        Ok(Value::Array(
            (0..count).map(|i| Value::from(first + i * step)).collect(),
        ))
    }

    fn array_get_item(array: Value, index: Value) -> Outcome {
        let array = expect_array(array, 1)?;
        let index_number = expect_number(&index, 2)?;
        if index_number.fract() != 0.0 {
            return Err(format!(
                "the index must be an integer, but was {}",
                java_double(index_number)
            ));
        }
        let shown = match &index {
            Value::Number(n) => java_number(n),
            _ => String::new(),
        };
        let length = array.len();
        if index_number < 0.0 || index_number >= length as f64 {
            return Err(format!(
                "the index {shown} is out of bounds for an array of length {length}"
            ));
        }
        let position = index_number as usize;
        Ok(array.into_iter().nth(position).unwrap_or(Value::Null))
    }

    fn base64_decode(value: Value) -> Outcome {
        let text = expect_limited_string(value, 1)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|_| "the string is not valid Base64".to_string())?;
        String::from_utf8(bytes)
            .map(Value::String)
            .map_err(|_| "the decoded data is not valid UTF-8 text".to_string())
    }

    fn hash(data: Value, algorithm: Value) -> Outcome {
        use sha2::Digest as _;
        let data = expect_limited_string(data, 1)?;
        let algorithm = expect_string(algorithm, 2)?;
        let bytes = data.as_bytes();
        let digest: Vec<u8> = match algorithm.as_str() {
            "MD5" => md5::Md5::digest(bytes).to_vec(),
            "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
            "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
            "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
            "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
            other => {
                return Err(format!(
                    "the hash algorithm '{other}' is not supported; use one of {}",
                    HASH_ALGORITHMS.join(", ")
                ));
            }
        };
        Ok(Value::String(
            digest.iter().map(|b| format!("{b:02x}")).collect(),
        ))
    }

    fn json_merge(first: Value, second: Value, deep: Value) -> Outcome {
        let Value::Object(mut merged) = first else {
            return Err(format!(
                "argument 1 must be an object, but was {}",
                type_name(&first)
            ));
        };
        let Value::Object(second) = second else {
            return Err(format!(
                "argument 2 must be an object, but was {}",
                type_name(&second)
            ));
        };
        match deep {
            Value::Bool(false) => {}
            Value::Bool(true) => {
                return Err(
                    "only shallow merging is supported; the third argument must be false"
                        .to_string(),
                );
            }
            other => {
                return Err(format!(
                    "argument 3 must be a boolean, but was {}",
                    type_name(&other)
                ));
            }
        }
        // Shallow: a key of the second object replaces the first's; a key new to the first is
        // appended, so key order is the first object's followed by the second's new keys.
        for (key, value) in second {
            merged.insert(key, value);
        }
        Ok(Value::Object(merged))
    }

    fn math_random(start: Value, end: Value, seed: Option<Value>, env: &mut dyn Env) -> Outcome {
        let start = expect_int(&start, 1)?;
        let end = expect_int(&end, 2)?;
        let span = end - start;
        if span <= 0 {
            return Err(format!("the start {start} must be less than the end {end}"));
        }
        let span_int = i32::try_from(span).map_err(|_| "the range is too large".to_string())?;
        let offset = match seed {
            Some(seed) => {
                let seed = match &seed {
                    Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or(0),
                    other => java_round(expect_number(other, 3)?) as i64,
                };
                i64::from(JavaRandom::new(seed).next_int(span_int))
            }
            None => (env.random_u64() % span_int as u64) as i64,
        };
        Ok(Value::from(start + offset))
    }

    fn math_add(a: Value, b: Value) -> Outcome {
        let sum = expect_int(&a, 1)? + expect_int(&b, 2)?;
        if i32::try_from(sum).is_err() {
            return Err(format!("the sum {sum} is out of the integer range"));
        }
        Ok(Value::from(sum))
    }

    fn string_split(text: Value, delimiters: Value) -> Outcome {
        let text = expect_string(text, 1)?;
        let delimiters = expect_string(delimiters, 2)?;
        // Every character of the second argument is a delimiter on its own, and empty pieces
        // are dropped (",,," yields nothing).
        let parts = text
            .split(|c: char| delimiters.contains(c))
            .filter(|part| !part.is_empty())
            .map(|part| Value::String(part.to_string()))
            .collect();
        Ok(Value::Array(parts))
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    /// Resolves `$`, `$.a.b`, `$.a[0]` against an input, and `$$.Execution.Input...` against
    /// the same input; hands out a fixed sequence of random numbers.
    struct TestEnv {
        input: Value,
        random: Vec<u64>,
        resolved: Vec<String>,
    }

    impl TestEnv {
        fn new(input: Value) -> Self {
            TestEnv {
                input,
                random: vec![0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210],
                resolved: vec![],
            }
        }
    }

    impl Env for TestEnv {
        fn resolve(&mut self, path: &str) -> Result<Value, String> {
            self.resolved.push(path.to_string());
            let (root, rest) = if let Some(rest) = path.strip_prefix("$$.Execution.Input") {
                (&self.input, rest)
            } else if let Some(rest) = path.strip_prefix('$') {
                (&self.input, rest)
            } else {
                return Err(format!("bad path {path}"));
            };
            let mut current = root;
            for segment in rest.split('.').filter(|s| !s.is_empty()) {
                let (name, index) = match segment.split_once('[') {
                    Some((name, index)) => {
                        (name, index.trim_end_matches(']').parse::<usize>().ok())
                    }
                    None => (segment, None),
                };
                if !name.is_empty() {
                    current = current
                        .get(name)
                        .ok_or_else(|| missing_path_detail(path, &self.input))?;
                }
                if let Some(index) = index {
                    current = current
                        .get(index)
                        .ok_or_else(|| missing_path_detail(path, &self.input))?;
                }
            }
            Ok(current.clone())
        }

        fn random_u64(&mut self) -> u64 {
            let value = self.random.first().copied().unwrap_or(7);
            self.random.rotate_left(1);
            value
        }
    }

    fn eval(expression: &str, input: Value) -> Result<Value, EvalError> {
        let call = parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        call.evaluate(&mut TestEnv::new(input))
    }

    fn ok(expression: &str, input: Value) -> Value {
        eval(expression, input).unwrap_or_else(|e| panic!("{expression}: {e}"))
    }

    fn cause(expression: &str, input: Value) -> String {
        match eval(expression, input) {
            Ok(v) => panic!("{expression} unexpectedly gave {v}"),
            Err(e) => {
                assert_eq!(e.error_name(), "States.Runtime");
                e.cause()
            }
        }
    }

    // ----- parser -----

    #[test]
    fn looks_like_call_needs_prefix_name_and_paren() {
        assert!(looks_like_call("States.Format('x')"));
        assert!(looks_like_call("States.UUID()"));
        assert!(looks_like_call("States.Nope(1)"));
        assert!(!looks_like_call("$.States.Format"));
        assert!(!looks_like_call("States.Format"));
        assert!(!looks_like_call("States.(x)"));
        assert!(!looks_like_call("States.Format ('x')"));
        assert!(!looks_like_call("$.a"));
    }

    #[test]
    fn parses_every_argument_kind() {
        let call = parse("States.Array('a\\'b', -1.5e2, 3, true, false, null, $.x[0], $$.Execution.Id, $['a b'], States.UUID())").unwrap();
        assert_eq!(call.function(), Function::Array);
        let args = call.arguments();
        assert_eq!(args.len(), 10);
        assert_eq!(
            args[0],
            Argument::String {
                value: "a'b".into(),
                raw: "a\\'b".into()
            }
        );
        assert_eq!(args[1], Argument::Number(Number::from_f64(-150.0).unwrap()));
        assert_eq!(args[2], Argument::Number(Number::from(3)));
        assert_eq!(args[3], Argument::Bool(true));
        assert_eq!(args[4], Argument::Bool(false));
        assert_eq!(args[5], Argument::Null);
        assert_eq!(args[6], Argument::Path("$.x[0]".into()));
        assert_eq!(args[7], Argument::Path("$$.Execution.Id".into()));
        assert_eq!(args[8], Argument::Path("$['a b']".into()));
        assert!(matches!(&args[9], Argument::Call(c) if c.function() == Function::Uuid));
        assert_eq!(call.paths(), vec!["$.x[0]", "$$.Execution.Id", "$['a b']"]);
    }

    #[test]
    fn whitespace_between_arguments_is_allowed() {
        let call = parse("  States.MathAdd( 1 ,\n\t2 )  ").unwrap();
        assert_eq!(call.arguments().len(), 2);
        assert_eq!(call.source(), "States.MathAdd( 1 ,\n\t2 )");
    }

    #[test]
    fn string_escapes_decode() {
        let call = parse(r"States.Array('\{\}\\\'x')").unwrap();
        assert_eq!(
            call.arguments()[0],
            Argument::String {
                value: r"{}\'x".into(),
                raw: r"\{\}\\\'x".into()
            }
        );
        // A bare newline inside the quotes is fine (a conformance case relies on it).
        assert!(parse("States.StringSplit('Hello\nWorld', '\n')").is_ok());
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "",
            "States.Format",
            "States.Format('x'",
            "States.Format('x)",
            "States.Array(1,)",
            "States.Array(,1)",
            "States.Array(01)",
            "States.Array(1.)",
            "States.Array(1e)",
            "States.Array(abc)",
            "States.Array(trueish)",
            "States.Array($$a)",
            "States.Array($['x')",
            "States.Array(1) extra",
            "Format('x')",
            "States.Array('x' 'y')",
        ] {
            assert!(
                matches!(parse(bad), Err(ParseError::Syntax { .. })),
                "{bad:?} gave {:?}",
                parse(bad)
            );
        }
    }

    #[test]
    fn unknown_function_is_rejected() {
        assert_eq!(
            parse("States.Compare(1, 2)"),
            Err(ParseError::UnknownFunction {
                name: "States.Compare".into()
            })
        );
        assert_eq!(
            parse("States.format('x')"),
            Err(ParseError::UnknownFunction {
                name: "States.format".into()
            })
        );
    }

    #[test]
    fn argument_counts_are_checked() {
        let cases = [
            (
                "States.UUID(1)",
                "States.UUID expects 0 argument(s) but received 1",
            ),
            (
                "States.Format()",
                "States.Format expects at least 1 argument(s) but received 0",
            ),
            (
                "States.MathRandom(1)",
                "States.MathRandom expects 2 to 3 argument(s) but received 1",
            ),
            (
                "States.ArrayRange(1, 2)",
                "States.ArrayRange expects 3 argument(s) but received 2",
            ),
            (
                "States.StringSplit($.a)",
                "States.StringSplit expects 2 argument(s) but received 1",
            ),
            (
                "States.JsonMerge($.a, $.b)",
                "States.JsonMerge expects 3 argument(s) but received 2",
            ),
            (
                "States.Array(States.Hash($.a))",
                "States.Hash expects 2 argument(s) but received 1",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), message, "{text}");
        }
        for f in Function::ALL {
            let (min, _) = f.arity();
            let args = vec!["$.a"; min].join(", ");
            let text = if f == Function::Format {
                format!("{}('x')", f.name())
            } else {
                format!("{}({args})", f.name())
            };
            assert!(parse(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn literal_format_template_is_checked_statically() {
        assert_eq!(
            parse("States.Format('{} {}', $.a)")
                .unwrap_err()
                .to_string(),
            "invalid argument 1 of States.Format: number of arguments do not match the occurrences of {}."
        );
        assert_eq!(
            parse("States.Format('{ x', $.a)").unwrap_err().to_string(),
            "invalid argument 1 of States.Format: matching '}' not found for '{'."
        );
        assert!(parse("States.Format(1)").is_err());
        assert!(parse("States.Format('\\{\\}')").is_ok());
        assert!(parse("States.Format($.template, $.a, $.b)").is_ok());
    }

    #[test]
    fn nesting_depth_is_bounded() {
        let mut text = String::from("1");
        for _ in 0..MAX_NESTING_DEPTH {
            text = format!("States.Array({text})");
        }
        assert!(parse(&text).is_ok());
        let deeper = format!("States.Array({text})");
        assert_eq!(parse(&deeper), Err(ParseError::TooDeep));
        let hostile = "States.Array(".repeat(100_000);
        assert_eq!(parse(&hostile), Err(ParseError::TooDeep));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "States.",
            "States.Array('",
            "States.Array('\\",
            "States.Array($",
            "States.Array(-",
            "States.Array(1e999)",
            "States.Array(99999999999999999999)",
            "States.Array($[",
            "States.Array(\u{1F600})",
            "States.Array('\u{1F600}\\\u{1F600}')",
            "States.Array($.a['x\u{1F600}'])",
        ] {
            let _ = parse(text);
        }
        assert!(parse("States.Array(1e999)").is_err());
        assert_eq!(
            parse("States.Array(99999999999999999999)")
                .unwrap()
                .arguments()[0],
            Argument::Number(Number::from_f64(1e20).unwrap())
        );
    }

    #[test]
    fn truncations_and_insertions_never_panic() {
        let seeds = [
            r"States.Format('a {} \\\{ b', $.x[0], States.Array(1, -2.5e3, true, null))",
            "States.ArrayGetItem(States.StringSplit($$.Execution.Id, ':'), $['k, )'])",
            "States.MathRandom(1, 9, 3)",
        ];
        let noise = [
            '(', ')', ',', '\'', '\\', '$', '[', ']', '{', '}', ' ', '-', 'e', '.', '\u{e9}',
        ];
        for seed in seeds {
            for (cut, _) in seed.char_indices() {
                let (prefix, suffix) = seed.split_at(cut);
                if let Ok(call) = parse(prefix) {
                    let _ = call.evaluate(&mut TestEnv::new(json!({"x": [1]})));
                }
                for extra in noise {
                    let mutated = format!("{prefix}{extra}{suffix}");
                    if let Ok(call) = parse(&mutated) {
                        let _ = call.evaluate(&mut TestEnv::new(json!({"x": [1]})));
                    }
                }
            }
        }
    }

    // ----- evaluation order and environment -----

    #[test]
    fn arguments_are_evaluated_left_to_right() {
        let call = parse("States.Array($.b, States.Array($.a), $.c)").unwrap();
        let mut env = TestEnv::new(json!({"a": 1, "b": 2, "c": 3}));
        assert_eq!(call.evaluate(&mut env).unwrap(), json!([2, [1], 3]));
        assert_eq!(env.resolved, vec!["$.b", "$.a", "$.c"]);
    }

    #[test]
    fn path_failure_names_the_whole_expression() {
        assert_eq!(
            cause(
                "States.Format('{}', States.Format('{}', $.nope))",
                json!({"other": 1})
            ),
            "The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: \
             The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
        );
        assert_eq!(
            cause("States.Format('{}',$.nope)", json!({"other": 1})),
            "The function 'States.Format('{}',$.nope)' had the following error: \
             The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
        );
    }

    #[test]
    fn missing_context_path_is_reported_rewritten() {
        assert_eq!(
            missing_path_detail("$$.Nope.Deep", &json!({"other": 1})),
            "The JsonPath argument for the field '$.Nope.Deep' could not be found in the input '{\"other\":1}'"
        );
    }

    // ----- States.Format -----

    #[test]
    fn format_renders_like_aws() {
        let cases = [
            (json!(""), "Formatting argument ."),
            (json!(" "), "Formatting argument  ."),
            (json!("HelloWorld"), "Formatting argument HelloWorld."),
            (json!(null), "Formatting argument null."),
            (json!(1), "Formatting argument 1."),
            (json!(1.1), "Formatting argument 1.1."),
            (
                json!("{\"Arg1\": 1, \"Arg2\": []}"),
                "Formatting argument {\"Arg1\": 1, \"Arg2\": []}.",
            ),
            (
                json!({"Arg1": 1, "Arg2": []}),
                "Formatting argument {Arg1=1, Arg2=[]}.",
            ),
            (
                json!([1, "a", [true, null], {"k": 2.5}]),
                "Formatting argument [1, a, [true, null], {k=2.5}].",
            ),
            (json!(1.0), "Formatting argument 1.0."),
            (json!(1e20), "Formatting argument 1.0E20."),
            (json!(1.5e-5), "Formatting argument 1.5E-5."),
            (json!(12345678.9), "Formatting argument 1.23456789E7."),
            (json!(0.001), "Formatting argument 0.001."),
            (json!(false), "Formatting argument false."),
        ];
        for (input, expected) in cases {
            assert_eq!(
                ok(
                    "States.Format('Formatting argument {}.', $.FunctionInput)",
                    json!({"FunctionInput": input})
                ),
                json!(expected)
            );
        }
    }

    #[test]
    fn format_two_arguments_and_escapes() {
        assert_eq!(
            ok(
                "States.Format('Formatting arguments fst={} and snd={}.', $.a, $.b)",
                json!({"a": 1.1, "b": ""})
            ),
            json!("Formatting arguments fst=1.1 and snd=.")
        );
        assert_eq!(
            ok(r"States.Format('\{\} {} \'q\' \\', 'x')", json!({})),
            json!(r"{} x 'q' \")
        );
        assert_eq!(
            ok("States.Format('no placeholders')", json!({})),
            json!("no placeholders")
        );
    }

    #[test]
    fn format_template_from_a_path() {
        assert_eq!(
            ok("States.Format($.tpl, 1)", json!({"tpl": "n={}"})),
            json!("n=1")
        );
        assert_eq!(
            cause("States.Format($.tpl, 1, 2)", json!({"tpl": "n={}"})),
            "The function 'States.Format($.tpl, 1, 2)' had the following error: Invalid arguments in \
             States.Format: number of arguments do not match the occurrences of {}."
        );
        assert_eq!(
            cause("States.Format($.tpl)", json!({"tpl": 5})),
            "The function 'States.Format($.tpl)' had the following error: Invalid arguments in \
             States.Format: the template must be a string, but was integer"
        );
        assert_eq!(
            cause("States.Format($.tpl)", json!({"tpl": "{"})),
            "The function 'States.Format($.tpl)' had the following error: Invalid arguments in \
             States.Format: matching '}' not found for '{'."
        );
    }

    #[test]
    fn fail_state_intrinsics() {
        let input = json!({"Error": "error string", "Cause": "cause string"});
        assert_eq!(
            ok("States.Format('{}', $.Error)", input.clone()),
            json!("error string")
        );
        assert_eq!(
            ok(
                "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
                input
            ),
            json!("This is a custom error message for error string, caused by cause string.")
        );
    }

    // ----- JSON -----

    #[test]
    fn string_to_json_cases() {
        let cases = [
            ("", json!(null)),
            (" ", json!(null)),
            ("null", json!(null)),
            ("-0", json!(0)),
            ("1", json!(1)),
            ("1.1", json!(1.1)),
            ("true", json!(true)),
            ("\"HelloWorld\"", json!("HelloWorld")),
            ("[1, 2, \"HelloWorld\"]", json!([1, 2, "HelloWorld"])),
            (
                "{\"Arg1\": 1, \"Arg2\": []}",
                json!({"Arg1": 1, "Arg2": []}),
            ),
        ];
        for (text, expected) in cases {
            let got = ok(
                "States.StringToJson($.FunctionInput)",
                json!({"FunctionInput": text}),
            );
            assert_eq!(got, expected, "{text:?}");
            // Numbers compare by type too: 0 must stay an integer.
            assert_eq!(got.is_i64(), expected.is_i64());
        }
        assert_eq!(
            cause("States.StringToJson($.s)", json!({"s": "{bad"})),
            "The function 'States.StringToJson($.s)' had the following error: Invalid arguments in \
             States.StringToJson: the string is not valid JSON: {bad"
        );
        assert_eq!(
            cause("States.StringToJson($.s)", json!({"s": 1})),
            "The function 'States.StringToJson($.s)' had the following error: Invalid arguments in \
             States.StringToJson: argument 1 must be a string, but was integer"
        );
    }

    #[test]
    fn json_to_string_is_compact_and_ordered() {
        assert_eq!(
            ok(
                "States.JsonToString($.o)",
                json!({"o": {"z": 1, "a": [1.0, "x", null]}})
            ),
            json!("{\"z\":1,\"a\":[1.0,\"x\",null]}")
        );
        assert_eq!(ok("States.JsonToString('s')", json!({})), json!("\"s\""));
    }

    #[test]
    fn json_merge_is_shallow() {
        assert_eq!(
            ok(
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": {"a": {"a1": 1, "a2": 2}, "b": 2}, "b": {"a": {"a3": 1}, "c": 3}})
            ),
            json!({"a": {"a3": 1}, "b": 2, "c": 3})
        );
        assert_eq!(
            cause(
                "States.JsonMerge($.a, $.b, true)",
                json!({"a": {}, "b": {}})
            ),
            "The function 'States.JsonMerge($.a, $.b, true)' had the following error: Invalid arguments \
             in States.JsonMerge: only shallow merging is supported; the third argument must be false"
        );
        assert!(
            eval(
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": [], "b": {}})
            )
            .is_err()
        );
        assert!(
            eval(
                "States.JsonMerge($.a, $.b, 'no')",
                json!({"a": {}, "b": {}})
            )
            .is_err()
        );
    }

    // ----- arrays -----

    #[test]
    fn array_builds_from_arguments() {
        assert_eq!(
            ok("States.Array()", json!({"FunctionInput": "HelloWorld"})),
            json!([])
        );
        assert_eq!(
            ok("States.Array('a', 1, $.x, null)", json!({"x": {"k": 1}})),
            json!(["a", 1, {"k": 1}, null])
        );
    }

    #[test]
    fn array_partition_cases() {
        for (array, size, expected) in [
            (json!([]), 1, json!([])),
            (json!([]), 5, json!([])),
            (json!([0]), 1, json!([[0]])),
            (json!([0]), 5, json!([[0]])),
            (json!([0, 1]), 1, json!([[0], [1]])),
            (json!([0, 1]), 2, json!([[0, 1]])),
            (json!([0, 1, 2]), 2, json!([[0, 1], [2]])),
            (json!([0, 1, 2, 3]), 3, json!([[0, 1, 2], [3]])),
            (json!([0, 1, 2, 3]), 4, json!([[0, 1, 2, 3]])),
            (json!([0, 1, 2, 3]), 5, json!([[0, 1, 2, 3]])),
        ] {
            assert_eq!(
                ok(
                    "States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd)",
                    json!({"FunctionInput": {"fst": array, "snd": size}})
                ),
                expected
            );
        }
        assert_eq!(
            cause("States.ArrayPartition($.a, 0)", json!({"a": [1]})),
            "The function 'States.ArrayPartition($.a, 0)' had the following error: Invalid arguments in \
             States.ArrayPartition: the chunk size must be greater than 0, but was 0"
        );
        assert!(eval("States.ArrayPartition($.a, -1)", json!({"a": [1]})).is_err());
        assert!(eval("States.ArrayPartition($.a, 1)", json!({"a": "x"})).is_err());
    }

    #[test]
    fn array_range_cases() {
        for (a, b, c, expected) in [
            (0, 9, 3, json!([0, 3, 6, 9])),
            (0, 10, 3, json!([0, 3, 6, 9])),
            (1, 9, 9, json!([1])),
            (1, 9, 2, json!([1, 3, 5, 7, 9])),
            (0, 3, 1, json!([0, 1, 2, 3])),
            (5, 1, -2, json!([5, 3, 1])),
            (5, 1, 1, json!([])),
        ] {
            assert_eq!(
                ok(
                    "States.ArrayRange($.f.fst, $.f.snd, $.f.trd)",
                    json!({"f": {"fst": a, "snd": b, "trd": c}})
                ),
                expected
            );
        }
        assert_eq!(
            ok("States.ArrayRange(1, 1000, 1)", json!({}))
                .as_array()
                .map(Vec::len),
            Some(1000)
        );
        assert_eq!(
            cause("States.ArrayRange(0, 1000, 1)", json!({})),
            "The function 'States.ArrayRange(0, 1000, 1)' had the following error: Invalid arguments in \
             States.ArrayRange: the range would have 1001 items, more than the limit of 1000"
        );
        assert_eq!(
            cause("States.ArrayRange(0, 10, 0)", json!({})),
            "The function 'States.ArrayRange(0, 10, 0)' had the following error: Invalid arguments in \
             States.ArrayRange: the step must not be 0"
        );
        assert!(eval("States.ArrayRange(-2147483648, 2147483647, 1)", json!({})).is_err());
    }

    #[test]
    fn array_get_item_cases() {
        assert_eq!(
            ok(
                "States.ArrayGetItem($.f.fst, $.f.snd)",
                json!({"f": {"fst": [1, 2, 3, 4, 5, 6, 7, 8, 9], "snd": 5}})
            ),
            json!(6)
        );
        assert_eq!(
            ok("States.ArrayGetItem($.a, 1.0)", json!({"a": [1, {"k": 2}]})),
            json!({"k": 2})
        );
        assert_eq!(
            cause("States.ArrayGetItem($.a, 3)", json!({"a": [1, 2, 3]})),
            "The function 'States.ArrayGetItem($.a, 3)' had the following error: Invalid arguments in \
             States.ArrayGetItem: the index 3 is out of bounds for an array of length 3"
        );
        assert!(eval("States.ArrayGetItem($.a, -1)", json!({"a": [1]})).is_err());
        assert!(eval("States.ArrayGetItem($.a, 0.5)", json!({"a": [1]})).is_err());
        assert!(eval("States.ArrayGetItem($.a, '0')", json!({"a": [1]})).is_err());
        assert!(eval("States.ArrayGetItem($.a, 0)", json!({"a": {"0": 1}})).is_err());
    }

    #[test]
    fn array_contains_length_unique() {
        assert_eq!(
            ok(
                "States.ArrayContains($.a, $.v)",
                json!({"a": [1, {"x": [2]}], "v": {"x": [2]}})
            ),
            json!(true)
        );
        assert_eq!(
            ok("States.ArrayContains($.a, 1.0)", json!({"a": [2]})),
            json!(false)
        );
        assert_eq!(
            ok("States.ArrayLength($.a)", json!({"a": [1, 2, 3]})),
            json!(3)
        );
        assert_eq!(
            cause("States.ArrayLength($.a)", json!({"a": "abc"})),
            "The function 'States.ArrayLength($.a)' had the following error: Invalid arguments in \
             States.ArrayLength: argument 1 must be an array, but was string"
        );
        assert_eq!(
            ok(
                "States.ArrayUnique($.a)",
                json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4, "x", 1, "x", {"k": 1}, {"k": 1}]})
            ),
            json!([1, 2, 3, 4, "x", {"k": 1}])
        );
        assert_eq!(
            ok(
                "States.ArrayUnique($.a)",
                json!({"a": [{"a": 1, "b": 2}, {"b": 2, "a": 1}, 1, 1.0]})
            ),
            json!([{"a": 1, "b": 2}, 1, 1.0])
        );
    }

    // ----- encoding and hashing -----

    #[test]
    fn base64_round_trip_and_limits() {
        assert_eq!(
            ok(
                "States.Base64Encode($.FunctionInput)",
                json!({"FunctionInput": ""})
            ),
            json!("")
        );
        assert_eq!(
            ok(
                "States.Base64Encode($.FunctionInput)",
                json!({"FunctionInput": "Data to encode"})
            ),
            json!("RGF0YSB0byBlbmNvZGU=")
        );
        assert_eq!(
            ok(
                "States.Base64Decode($.FunctionInput)",
                json!({"FunctionInput": ""})
            ),
            json!("")
        );
        assert_eq!(
            ok(
                "States.Base64Decode($.FunctionInput)",
                json!({"FunctionInput": "RGF0YSB0byBlbmNvZGU="})
            ),
            json!("Data to encode")
        );
        assert_eq!(ok("States.Base64Encode('>>>')", json!({})), json!("Pj4+"));
        let long = "a".repeat(MAX_INPUT_CHARS);
        assert!(eval("States.Base64Encode($.s)", json!({"s": long})).is_ok());
        assert_eq!(
            cause(
                "States.Base64Encode($.s)",
                json!({"s": "a".repeat(MAX_INPUT_CHARS + 1)})
            ),
            "The function 'States.Base64Encode($.s)' had the following error: Invalid arguments in \
             States.Base64Encode: argument 1 must be at most 10000 characters, but has 10001"
        );
        assert_eq!(
            cause("States.Base64Decode('not base64!!!')", json!({})),
            "The function 'States.Base64Decode('not base64!!!')' had the following error: Invalid \
             arguments in States.Base64Decode: the string is not valid Base64"
        );
        assert!(eval("States.Base64Decode('/w==')", json!({})).is_err());
        assert!(eval("States.Base64Encode(1)", json!({})).is_err());
    }

    #[test]
    fn hash_algorithms() {
        for (algorithm, digest) in [
            ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
            ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
            (
                "SHA-256",
                "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
            ),
            (
                "SHA-384",
                "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562",
            ),
            (
                "SHA-512",
                "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4",
            ),
        ] {
            assert_eq!(
                ok(
                    "States.Hash($.FunctionInput.fst, $.FunctionInput.snd)",
                    json!({"FunctionInput": {"fst": "input data", "snd": algorithm}})
                ),
                json!(digest)
            );
        }
        assert_eq!(
            cause("States.Hash('x', 'sha-256')", json!({})),
            "The function 'States.Hash('x', 'sha-256')' had the following error: Invalid arguments in \
             States.Hash: the hash algorithm 'sha-256' is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
        );
        assert!(
            eval(
                "States.Hash($.s, 'MD5')",
                json!({"s": "a".repeat(MAX_INPUT_CHARS + 1)})
            )
            .is_err()
        );
    }

    // ----- math -----

    #[test]
    fn math_add_rounds_like_java() {
        for (a, b, sum) in [
            (json!(-9), json!(3), -6),
            (json!(1.49), json!(1.5), 3),
            (json!(1.5), json!(1.51), 4),
            (json!(-1.49), json!(-1.5), -2),
            (json!(-1.5), json!(-1.51), -3),
            (json!(1.49), json!(0), 1),
            (json!(1.49), json!(-1.49), 0),
            (json!(1.5), json!(0), 2),
            (json!(1.51), json!(0), 2),
            (json!(-1.49), json!(0), -1),
            (json!(-1.5), json!(0), -1),
            (json!(-1.51), json!(0), -2),
            (json!(0.5), json!(0), 1),
            (json!(2.5), json!(0), 3),
            (json!(3.5), json!(0), 4),
            (json!(-0.5), json!(0.5), 1),
            (json!(-0.5), json!(0), 0),
            (json!(-2.5), json!(0), -2),
            (json!(-3.5), json!(0), -3),
        ] {
            let got = ok(
                "States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)",
                json!({"FunctionInput": {"fst": a, "snd": b}}),
            );
            assert_eq!(got, json!(sum), "{a} + {b}");
            assert!(got.is_i64());
        }
        assert_eq!(
            ok("States.MathAdd($.Iterations, -1)", json!({"Iterations": 1})),
            json!(0)
        );
        assert_eq!(
            cause("States.MathAdd('1', 2)", json!({})),
            "The function 'States.MathAdd('1', 2)' had the following error: Invalid arguments in \
             States.MathAdd: argument 1 must be a number, but was string"
        );
        assert!(eval("States.MathAdd(2147483647, 1)", json!({})).is_err());
    }

    #[test]
    fn java_random_matches_the_jdk() {
        // new Random(0).nextInt() == -1155484576 and new Random(42).nextInt(10) == 0 in Java.
        assert_eq!(JavaRandom::new(0).next(32), -1_155_484_576);
        assert_eq!(JavaRandom::new(42).next_int(10), 0);
        // Power-of-two bounds take the multiply-shift path.
        let mut r = JavaRandom::new(7);
        for _ in 0..100 {
            let v = r.next_int(16);
            assert!((0..16).contains(&v));
        }
    }

    #[test]
    fn math_random_seeded_is_deterministic_and_in_range() {
        let first = ok("States.MathRandom(1, 999, 1234)", json!({}));
        assert_eq!(first, ok("States.MathRandom(1, 999, 1234)", json!({})));
        let expected = 1 + i64::from(JavaRandom::new(1234).next_int(998));
        assert_eq!(first, json!(expected));
        let unseeded = ok("States.MathRandom(10, 20)", json!({})).as_i64().unwrap();
        assert_eq!(unseeded, 10 + (0x0123_4567_89ab_cdef_u64 % 10) as i64);
        assert!(eval("States.MathRandom(5, 5)", json!({})).is_err());
        assert!(eval("States.MathRandom('a', 5)", json!({})).is_err());
    }

    // ----- strings and ids -----

    #[test]
    fn string_split_on_any_delimiter_character() {
        assert_eq!(
            ok(
                "States.StringSplit('Hello\nWorld', '\n')",
                json!({"FunctionInput": null})
            ),
            json!(["Hello", "World"])
        );
        assert_eq!(
            ok(
                "States.StringSplit($.s, $.d)",
                json!({"s": "This.is+a,test=string", "d": ".+,="})
            ),
            json!(["This", "is", "a", "test", "string"])
        );
        assert_eq!(
            ok(
                "States.StringSplit($$.Execution.Input.FunctionInput, ',')",
                json!({"FunctionInput": "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"})
            ),
            json!([
                "Value1",
                "Value2",
                "Value3\nValue4",
                "Value5",
                "Value6\n",
                "\ntrue",
                "1",
                "'HelloWorld'\nNull",
                "None",
                "\n   \n"
            ])
        );
        assert_eq!(ok("States.StringSplit('...', '.')", json!({})), json!([]));
        assert!(eval("States.StringSplit(1, ',')", json!({})).is_err());
    }

    #[test]
    fn uuid_is_v4_from_injected_randomness() {
        let value = ok("States.UUID()", json!({}));
        let text = value.as_str().unwrap();
        assert_eq!(text, "01234567-89ab-4def-bedc-ba9876543210");
        let parsed = uuid::Uuid::parse_str(text).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }

    #[test]
    fn nested_calls() {
        assert_eq!(
            ok(
                "States.ArrayGetItem(States.StringSplit($.name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($.name, '-')), -1))",
                json!({"name": "my-state-machine"})
            ),
            json!("machine")
        );
        assert_eq!(
            ok(
                "States.Base64Decode(States.Base64Encode($.s))",
                json!({"s": "round trip"})
            ),
            json!("round trip")
        );
        assert_eq!(
            cause(
                "States.Format('{}', States.ArrayGetItem($.a, 9))",
                json!({"a": []})
            ),
            "The function 'States.Format('{}', States.ArrayGetItem($.a, 9))' had the following error: \
             Invalid arguments in States.ArrayGetItem: the index 9 is out of bounds for an array of length 0"
        );
    }

    #[test]
    fn java_double_rendering() {
        assert_eq!(java_double(0.0), "0.0");
        assert_eq!(java_double(-0.0), "-0.0");
        assert_eq!(java_double(100.0), "100.0");
        assert_eq!(java_double(9_999_999.0), "9999999.0");
        assert_eq!(java_double(10_000_000.0), "1.0E7");
        assert_eq!(java_double(0.000_99), "9.9E-4");
        assert_eq!(java_double(-2.5), "-2.5");
    }

    // ----- conformance cases -----

    /// Every intrinsic expression in the recorded (non-JSONata) conformance cases parses, and the
    /// single-Pass-state cases evaluate to exactly the recorded output.
    #[test]
    fn conformance_cases() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/cases");
        let mut parsed = 0;
        let mut evaluated = 0;
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            let case: Value = serde_json::from_str(&text).unwrap();
            let features = case["features"].as_array().cloned().unwrap_or_default();
            let out_of_scope = features.iter().any(|f| {
                f.as_str()
                    .is_some_and(|f| f.contains("jsonata") || f.contains("variables"))
            });
            if out_of_scope {
                continue;
            }
            let mut expressions = Vec::new();
            collect_expressions(&case["definition"], &mut expressions);
            for expression in &expressions {
                parse(expression)
                    .unwrap_or_else(|e| panic!("{}: {expression}: {e}", path.display()));
                parsed += 1;
            }
            // Direct check: one Pass state whose Parameters hold exactly one intrinsic.
            let states = case["definition"]["States"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let [(_, state)] = &states.into_iter().collect::<Vec<_>>()[..] else {
                continue;
            };
            let Some(parameters) = state["Parameters"].as_object() else {
                continue;
            };
            if state["Type"] != "Pass"
                || parameters.len() != 1
                || state.get("InputPath").is_some()
                || state.get("ResultPath").is_some()
                || state.get("OutputPath").is_some()
            {
                continue;
            }
            let Some((key, Value::String(expression))) = parameters.iter().next() else {
                continue;
            };
            let Some(field) = key.strip_suffix(".$") else {
                continue;
            };
            if case["expected"]["status"] != "SUCCEEDED" || !looks_like_call(expression) {
                continue;
            }
            let result = ok(expression, case["input"].clone());
            let mut output = Map::new();
            output.insert(field.to_string(), result);
            let output = Value::Object(output);
            assert_eq!(output, case["expected"]["output"], "{}", path.display());
            assert_eq!(
                compact_json(&output),
                compact_json(&case["expected"]["output"]),
                "number types differ in {}",
                path.display()
            );
            evaluated += 1;
        }
        assert!(parsed >= 80, "only {parsed} intrinsic expressions found");
        assert!(evaluated >= 75, "only {evaluated} cases evaluated directly");
    }

    fn collect_expressions(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if let Value::String(text) = item {
                        let intrinsic_field =
                            key.ends_with(".$") || key == "ErrorPath" || key == "CausePath";
                        if intrinsic_field && text.starts_with("States.") {
                            out.push(text.clone());
                        }
                    }
                    collect_expressions(item, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| collect_expressions(item, out)),
            _ => {}
        }
    }
}

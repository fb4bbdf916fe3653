//! The 18 Amazon States Language intrinsic functions (`States.Format`, `States.Array`, ...):
//! a parser for the call syntax and an evaluator that reproduces AWS's results and error texts.
//!
//! This module owns the call grammar, argument typing, each function's semantics and the exact
//! wording of intrinsic failures. It must not resolve paths itself, read clocks or draw
//! randomness: path arguments and random bits come through [`Env`], so evaluation is pure and
//! deterministic under test. Path arguments are parsed with the call, once, by the path
//! module's grammar (their text is kept for messages); the caller resolves the parsed path.

use std::fmt;

use base64::Engine as _;
use serde_json::{Number, Value};

use super::path::{ParseError as PathParseError, Query};
use super::random::JavaRandom;

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
    /// A reference path (`$...`), context path (`$$...`) or variable path (`$name...`),
    /// parsed with the definition.
    Path(PathArgument),
    /// A nested call.
    Call(Box<Call>),
}

/// A path argument: its text as written and the path parsed from it once, with the
/// definition. A text the path grammar rejects is kept with its error, which evaluation reports
/// as the call's failure (AWS fails such a call when it runs, not when the definition is made).
#[derive(Debug, Clone, PartialEq)]
pub struct PathArgument {
    text: String,
    parsed: Result<Query, PathParseError>,
}

impl PathArgument {
    /// Parses `text` as a path argument.
    pub fn new(text: &str) -> Self {
        PathArgument {
            text: text.to_owned(),
            parsed: Query::parse(text),
        }
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parsed path, or why the text is not one.
    pub fn query(&self) -> Result<&Query, &PathParseError> {
        self.parsed.as_ref()
    }
}

impl From<&str> for PathArgument {
    fn from(text: &str) -> Self {
        PathArgument::new(text)
    }
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
    /// Resolve a parsed path argument (e.g. `$.a` or `$$.Execution.Id`); the error's text
    /// becomes the failure's detail verbatim.
    fn resolve(&mut self, path: &Query) -> Result<Value, ResolveError>;
    /// 64 random bits (UUID v4 bytes, MathRandom without a seed).
    fn random_u64(&mut self) -> u64;
}

/// AWS's detail text for a path argument that matches nothing:
/// `The JsonPath argument for the field '<path>' could not be found in the input '<input>'`,
/// with the state input printed as compact JSON. A context path (`$$.X`) is reported rewritten
/// to `$.X` while the state input (not the context object) is printed, as AWS does.
pub fn missing_path_detail(path: &str, state_input: &Value) -> String {
    ResolveError::not_found(path, state_input).to_string()
}

/// Why [`Env::resolve`] found no value for a path argument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The path matches nothing (see [`missing_path_detail`] for how it is worded).
    #[error(
        "The JsonPath argument for the field '{shown}' could not be found in the input '{input}'"
    )]
    NotFound {
        /// The path as AWS shows it (`$$.X` rewritten to `$.X`).
        shown: String,
        /// The state input, as compact JSON.
        input: String,
    },
}

impl ResolveError {
    /// `path` (as written) found nothing; `state_input` is the state's input.
    pub fn not_found(path: &str, state_input: &Value) -> Self {
        let shown = path
            .strip_prefix("$$")
            .map_or_else(|| path.to_string(), |rest| format!("${rest}"));
        ResolveError::NotFound {
            shown,
            input: compact_json(state_input),
        }
    }
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
                Argument::Path(path) => out.push(path.text()),
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
                Argument::Path(path) => match path.query() {
                    Ok(query) => env
                        .resolve(query)
                        .map_err(|e| Failure::Path(e.to_string()))?,
                    Err(e) => return Err(Failure::Path(e.to_string())),
                },
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
        let path = PathArgument::new(path);
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
mod tests;

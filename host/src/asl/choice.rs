//! Choice state rules for the JSONPath query language: their typed model, parsing with
//! validation diagnostics, and evaluation with AWS Step Functions semantics.
//!
//! Owns: the shape of one element of `Choices` (and the rules nested inside it), every
//! comparison operator and the `And` / `Or` / `Not` combinators, and the runtime failure a
//! rule raises when its path does not resolve.
//!
//! Paths (`Variable`, the operand of a `...Path` operator) are parsed here, once, with the
//! reference-path grammar of `path/`, so evaluation parses nothing.
//!
//! Must not: resolve paths itself or keep a path grammar of its own (the caller passes a
//! resolver, so the path module stays the single JSONPath implementation), check that `Next` names an existing state (the definition
//! validator does that), or handle JSONata `Condition` rules. Pure: no I/O, no clock.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::{Map, Number, Value};

use super::diagnostic::{Diagnostic, pointer_segment};
use super::path::ReferencePath;

/// How deeply `And` / `Or` / `Not` may nest. Bounds the recursion of parsing and evaluation
/// (serde_json already refuses documents deeper than 128, so real definitions never get close).
pub const MAX_RULE_DEPTH: usize = 64;

/// One element of a Choice state's `Choices`: a rule and the state to go to when it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceBranch {
    /// The condition, in a JSONPath state (exactly one of `rule` and `condition` is set).
    pub rule: Option<Rule>,
    /// The condition, in a JSONata state: `true`/`false` or a `{% %}` expression.
    pub condition: Option<Value>,
    /// The state to transition to when the condition holds.
    pub next: String,
    /// The optional `Comment` of the branch.
    pub comment: Option<String>,
    /// Variables to set when this branch is taken.
    pub assign: Option<Value>,
    /// The state output when this branch is taken (JSONata).
    pub output: Option<Value>,
}

/// A Choice Rule: a boolean combination of comparisons.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// True when every rule is true (evaluated in order, stopping at the first false).
    And(Vec<Rule>),
    /// True when any rule is true (evaluated in order, stopping at the first true).
    Or(Vec<Rule>),
    /// True when the rule is false.
    Not(Box<Rule>),
    /// A single comparison of `Variable` against a value.
    Compare(Comparison),
}

/// A data-test expression: `Variable`, one operator, and what to compare against.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Reference path of the value under test (`$...` for the state input, `$$...` for the
    /// context object, `$name...` for a workflow variable), parsed with the definition.
    pub variable: ReferencePath,
    /// The comparison performed.
    pub op: Operator,
    /// The literal or path the variable is compared with. `Operand::Path` is what the `...Path`
    /// spelling of an operator (e.g. `StringEqualsPath`) parses to.
    pub operand: Operand,
}

impl Comparison {
    /// The field name this comparison was written with, e.g. `NumericEqualsPath`.
    pub fn field_name(&self) -> &'static str {
        let is_path = matches!(self.operand, Operand::Path(_));
        OPERATOR_FIELDS
            .iter()
            .find(|(_, op, path)| *op == self.op && *path == is_path)
            .map_or(self.op.name(), |(name, _, _)| name)
    }
}

/// The comparison operators of ASL. Whether the right-hand side is a literal or a path is
/// carried by [`Operand`], so `StringEquals` and `StringEqualsPath` share `StringEquals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Operator {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    /// Glob match where `*` matches any run of characters; `\*` and `\\` are literals.
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

impl Operator {
    /// The literal-operand field name of the operator, e.g. `StringEquals`.
    pub fn name(self) -> &'static str {
        OPERATOR_FIELDS
            .iter()
            .find(|(_, op, path)| *op == self && !*path)
            .map_or("", |(name, _, _)| name)
    }

    /// What kind of value the operator compares, which decides the literal operand's type.
    fn family(self) -> Family {
        use Operator::*;
        match self {
            StringEquals
            | StringLessThan
            | StringGreaterThan
            | StringLessThanEquals
            | StringGreaterThanEquals => Family::String,
            StringMatches => Family::Pattern,
            NumericEquals
            | NumericLessThan
            | NumericGreaterThan
            | NumericLessThanEquals
            | NumericGreaterThanEquals => Family::Numeric,
            BooleanEquals => Family::Boolean,
            TimestampEquals
            | TimestampLessThan
            | TimestampGreaterThan
            | TimestampLessThanEquals
            | TimestampGreaterThanEquals => Family::Timestamp,
            IsNull | IsPresent | IsNumeric | IsString | IsBoolean | IsTimestamp => Family::TypeTest,
        }
    }

    /// Whether an ordering between the variable and the operand satisfies the operator.
    /// Only meaningful for the ordered families (string, numeric, timestamp).
    fn accepts(self, ordering: Ordering) -> bool {
        use Operator::*;
        match self {
            StringEquals | NumericEquals | TimestampEquals | BooleanEquals => {
                ordering == Ordering::Equal
            }
            StringLessThan | NumericLessThan | TimestampLessThan => ordering == Ordering::Less,
            StringGreaterThan | NumericGreaterThan | TimestampGreaterThan => {
                ordering == Ordering::Greater
            }
            StringLessThanEquals | NumericLessThanEquals | TimestampLessThanEquals => {
                ordering != Ordering::Greater
            }
            StringGreaterThanEquals | NumericGreaterThanEquals | TimestampGreaterThanEquals => {
                ordering != Ordering::Less
            }
            StringMatches | IsNull | IsPresent | IsNumeric | IsString | IsBoolean | IsTimestamp => {
                false
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Pattern,
    Numeric,
    Boolean,
    Timestamp,
    TypeTest,
}

/// Every comparison field of a JSONPath Choice Rule: (field name, operator, operand is a path).
const OPERATOR_FIELDS: &[(&str, Operator, bool)] = &[
    ("StringEquals", Operator::StringEquals, false),
    ("StringEqualsPath", Operator::StringEquals, true),
    ("StringLessThan", Operator::StringLessThan, false),
    ("StringLessThanPath", Operator::StringLessThan, true),
    ("StringGreaterThan", Operator::StringGreaterThan, false),
    ("StringGreaterThanPath", Operator::StringGreaterThan, true),
    (
        "StringLessThanEquals",
        Operator::StringLessThanEquals,
        false,
    ),
    (
        "StringLessThanEqualsPath",
        Operator::StringLessThanEquals,
        true,
    ),
    (
        "StringGreaterThanEquals",
        Operator::StringGreaterThanEquals,
        false,
    ),
    (
        "StringGreaterThanEqualsPath",
        Operator::StringGreaterThanEquals,
        true,
    ),
    ("StringMatches", Operator::StringMatches, false),
    ("NumericEquals", Operator::NumericEquals, false),
    ("NumericEqualsPath", Operator::NumericEquals, true),
    ("NumericLessThan", Operator::NumericLessThan, false),
    ("NumericLessThanPath", Operator::NumericLessThan, true),
    ("NumericGreaterThan", Operator::NumericGreaterThan, false),
    ("NumericGreaterThanPath", Operator::NumericGreaterThan, true),
    (
        "NumericLessThanEquals",
        Operator::NumericLessThanEquals,
        false,
    ),
    (
        "NumericLessThanEqualsPath",
        Operator::NumericLessThanEquals,
        true,
    ),
    (
        "NumericGreaterThanEquals",
        Operator::NumericGreaterThanEquals,
        false,
    ),
    (
        "NumericGreaterThanEqualsPath",
        Operator::NumericGreaterThanEquals,
        true,
    ),
    ("BooleanEquals", Operator::BooleanEquals, false),
    ("BooleanEqualsPath", Operator::BooleanEquals, true),
    ("TimestampEquals", Operator::TimestampEquals, false),
    ("TimestampEqualsPath", Operator::TimestampEquals, true),
    ("TimestampLessThan", Operator::TimestampLessThan, false),
    ("TimestampLessThanPath", Operator::TimestampLessThan, true),
    (
        "TimestampGreaterThan",
        Operator::TimestampGreaterThan,
        false,
    ),
    (
        "TimestampGreaterThanPath",
        Operator::TimestampGreaterThan,
        true,
    ),
    (
        "TimestampLessThanEquals",
        Operator::TimestampLessThanEquals,
        false,
    ),
    (
        "TimestampLessThanEqualsPath",
        Operator::TimestampLessThanEquals,
        true,
    ),
    (
        "TimestampGreaterThanEquals",
        Operator::TimestampGreaterThanEquals,
        false,
    ),
    (
        "TimestampGreaterThanEqualsPath",
        Operator::TimestampGreaterThanEquals,
        true,
    ),
    ("IsNull", Operator::IsNull, false),
    ("IsPresent", Operator::IsPresent, false),
    ("IsNumeric", Operator::IsNumeric, false),
    ("IsString", Operator::IsString, false),
    ("IsBoolean", Operator::IsBoolean, false),
    ("IsTimestamp", Operator::IsTimestamp, false),
];

/// The right-hand side of a comparison, checked and pre-processed at parse time so that
/// evaluation does no parsing of the definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Literal of a `String*` operator.
    String(String),
    /// Literal of a `Numeric*` operator.
    Number(Number),
    /// Literal of `BooleanEquals`, or the expected answer of an `Is*` operator.
    Boolean(bool),
    /// Literal of a `Timestamp*` operator, already parsed.
    Timestamp(Timestamp),
    /// `StringMatches` pattern, already compiled.
    Pattern(WildcardPattern),
    /// Reference path of a `...Path` operator, parsed with the definition and resolved at
    /// evaluation time.
    Path(ReferencePath),
}

/// An instant parsed from an ASL timestamp string (RFC 3339 profile of ISO 8601).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Parse an ASL timestamp: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
    ///
    /// The ASL specification requires an uppercase `T` and an uppercase `Z` (when there is no
    /// numeric offset); seconds are required; the fraction has 1 to 9 digits; offsets are at most
    /// 18 hours, as in Java's `ZoneOffset` that AWS parses with. Anything else is not a
    /// timestamp (a comparison against it is simply false). Returns `None` on any deviation.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        let digits = |from: usize, count: usize| -> Option<u32> {
            let slice = bytes.get(from..from + count)?;
            slice.iter().try_fold(0u32, |acc, byte| {
                byte.is_ascii_digit()
                    .then(|| acc * 10 + u32::from(byte - b'0'))
            })
        };
        let expect = |at: usize, byte: u8| bytes.get(at) == Some(&byte);

        let year = digits(0, 4)?;
        let month = digits(5, 2)?;
        let day = digits(8, 2)?;
        let hour = digits(11, 2)?;
        let minute = digits(14, 2)?;
        let second = digits(17, 2)?;
        if !(expect(4, b'-')
            && expect(7, b'-')
            && expect(10, b'T')
            && expect(13, b':')
            && expect(16, b':'))
        {
            return None;
        }
        let mut at = 19;
        let mut nanos = 0u32;
        if expect(at, b'.') {
            at += 1;
            let start = at;
            while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            let count = at - start;
            if count == 0 || count > 9 {
                return None;
            }
            nanos = digits(start, count)? * 10u32.pow(9 - u32::try_from(count).ok()?);
        }
        let offset_seconds = match bytes.get(at) {
            Some(b'Z') if bytes.len() == at + 1 => 0,
            Some(sign @ (b'+' | b'-')) if bytes.len() == at + 6 && expect(at + 3, b':') => {
                let hours = digits(at + 1, 2)?;
                let minutes = digits(at + 4, 2)?;
                if minutes > 59 || hours * 60 + minutes > 18 * 60 {
                    return None;
                }
                let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
                if *sign == b'-' { -seconds } else { seconds }
            }
            _ => return None,
        };
        // Java's ISO parser has no leap seconds, so 60 is rejected (chrono would accept it).
        if second > 59 {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
        let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
        let offset = FixedOffset::east_opt(offset_seconds)?;
        let local = offset
            .from_local_datetime(&NaiveDateTime::new(date, time))
            .single()?;
        Some(Timestamp(local.with_timezone(&Utc)))
    }
}

/// A compiled `StringMatches` pattern: the literal parts between unescaped `*` wildcards.
///
/// `\*` is a literal asterisk and `\\` a literal backslash; a backslash before any other
/// character (or at the end) is itself literal. Matching needs no allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WildcardPattern {
    /// The pattern as written in the definition.
    source: String,
    /// Literal text between wildcards; `parts.len()` is the number of wildcards plus one.
    parts: Vec<String>,
}

impl WildcardPattern {
    /// Compile a pattern.
    pub fn new(source: &str) -> WildcardPattern {
        let mut parts = vec![String::new()];
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&escaped @ ('*' | '\\')) => {
                        chars.next();
                        push_char(&mut parts, escaped);
                    }
                    _ => push_char(&mut parts, '\\'),
                },
                '*' => parts.push(String::new()),
                other => push_char(&mut parts, other),
            }
        }
        WildcardPattern {
            source: source.to_owned(),
            parts,
        }
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        let Some((first, rest)) = self.parts.split_first() else {
            return text.is_empty();
        };
        let Some((last, middle)) = rest.split_last() else {
            // No wildcard at all: plain equality.
            return text == first;
        };
        if text.len() < first.len() + last.len()
            || !text.starts_with(first.as_str())
            || !text.ends_with(last.as_str())
        {
            return false;
        }
        // The region the middle parts must fit in, in order. Taking each part at its leftmost
        // occurrence is optimal for `*`-only globs, so no backtracking is needed.
        let mut window = &text[first.len()..text.len() - last.len()];
        for part in middle {
            match window.find(part.as_str()) {
                Some(at) => window = &window[at + part.len()..],
                None => return false,
            }
        }
        true
    }
}

fn push_char(parts: &mut [String], c: char) {
    if let Some(last) = parts.last_mut() {
        last.push(c);
    }
}

/// A Choice Rule failed at run time. AWS reports it as the error `States.Runtime`, with
/// this Display text as the cause after the usual "An error occurred while executing the
/// state '<name>' (entered at the event id #<n>). " prefix, which the interpreter adds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// `Variable` (for any operator but `IsPresent`) or a `...Path` operand is not present.
    #[error(
        "Invalid path '{path}': The choice state's condition path references an invalid value."
    )]
    InvalidPath {
        /// The reference path as written in the definition.
        path: String,
    },
}

impl ChoiceError {
    /// The AWS error name of every Choice Rule failure.
    pub const ERROR_NAME: &'static str = "States.Runtime";

    /// The AWS error name of this failure (`States.Runtime`).
    pub fn error_name(&self) -> &'static str {
        Self::ERROR_NAME
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------

/// Parse one element of `Choices`. `value` is the element, `location` its JSON pointer (e.g.
/// `/States/Check/Choices/0`). Every problem found is pushed onto `diags`; the branch is
/// returned only when there were none.
pub fn parse_branch(
    value: &Value,
    location: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<ChoiceBranch> {
    let errors_before = diags.len();
    let object = expect_object(value, location, diags)?;
    let next = match object.get("Next") {
        None => {
            diags.push(Diagnostic::schema(
                "These fields are required: [Next]",
                location,
            ));
            None
        }
        Some(Value::String(next)) => Some(next.clone()),
        Some(_) => {
            diags.push(type_error("String", &field_location(location, "Next")));
            None
        }
    };
    let comment = parse_comment(object, location, diags);
    let assign = object.get("Assign").cloned();
    let output = object.get("Output").cloned();
    // A JSONata rule is a `Condition` (the validator checks which language the state uses).
    let (rule, condition) = match object.get("Condition") {
        Some(condition) => {
            for key in object.keys() {
                if !matches!(
                    key.as_str(),
                    "Condition" | "Next" | "Comment" | "Assign" | "Output"
                ) {
                    diags.push(unsupported_field(location, key));
                }
            }
            let condition_ok = match condition {
                Value::Bool(_) => true,
                Value::String(s) => super::query::expression_text(s).is_some(),
                _ => false,
            };
            if !condition_ok {
                diags.push(Diagnostic::schema(
                    "The field 'Condition' must be true, false or a JSONata expression {% ... %}",
                    field_location(location, "Condition"),
                ));
            }
            (None, Some(condition.clone()))
        }
        None => (
            parse_rule_object(object, location, RuleLevel::Branch, 0, diags),
            None,
        ),
    };
    if diags.len() != errors_before {
        return None;
    }
    Some(ChoiceBranch {
        rule,
        condition,
        next: next?,
        comment,
        assign,
        output,
    })
}

/// Parse a nested Choice Rule (an element of `And` / `Or`, or the value of `Not`): the same
/// as a branch but without `Next`, which is reported if present.
pub fn parse_rule(value: &Value, location: &str, diags: &mut Vec<Diagnostic>) -> Option<Rule> {
    parse_nested(value, location, 0, diags)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleLevel {
    /// An element of `Choices`: `Next` is allowed (and checked by the caller).
    Branch,
    /// Inside `And` / `Or` / `Not`: `Next` is not allowed.
    Nested,
}

fn parse_nested(
    value: &Value,
    location: &str,
    depth: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let errors_before = diags.len();
    let object = expect_object(value, location, diags)?;
    // Comment is harmless on a nested rule and AWS's own tooling accepts it there.
    parse_comment(object, location, diags);
    let rule = parse_rule_object(object, location, RuleLevel::Nested, depth, diags);
    (diags.len() == errors_before).then_some(rule).flatten()
}

/// The operator fields of a rule: a comparison or one of the combinators.
enum OperatorField<'a> {
    Comparison(&'a str, Operator, bool),
    And,
    Or,
    Not,
}

fn parse_rule_object(
    object: &Map<String, Value>,
    location: &str,
    level: RuleLevel,
    depth: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    if depth > MAX_RULE_DEPTH {
        diags.push(Diagnostic::schema(
            format!("Choice Rules cannot be nested more than {MAX_RULE_DEPTH} levels deep"),
            location,
        ));
        return None;
    }
    let mut operators: Vec<(&str, OperatorField<'_>)> = Vec::new();
    for key in object.keys() {
        let key = key.as_str();
        match key {
            "Variable" | "Comment" => {}
            "Next" | "Assign" | "Output" if level == RuleLevel::Branch => {}
            "And" => operators.push((key, OperatorField::And)),
            "Or" => operators.push((key, OperatorField::Or)),
            "Not" => operators.push((key, OperatorField::Not)),
            _ => match OPERATOR_FIELDS.iter().find(|(name, _, _)| *name == key) {
                Some(&(name, op, is_path)) => {
                    operators.push((key, OperatorField::Comparison(name, op, is_path)));
                }
                None => diags.push(unsupported_field(location, key)),
            },
        }
    }
    let (key, field) = match operators.len() {
        1 => operators.swap_remove(0),
        0 => {
            diags.push(Diagnostic::schema(
                "A Choice Rule must have exactly one comparison operator, or one of And, Or, Not",
                location,
            ));
            return None;
        }
        _ => {
            let names: Vec<&str> = operators.iter().map(|(name, _)| *name).collect();
            diags.push(Diagnostic::schema(
                format!(
                    "Each Choice Rule can only have one comparison operator, found: [{}]",
                    names.join(", ")
                ),
                location,
            ));
            return None;
        }
    };
    let value = object.get(key)?;
    let value_location = field_location(location, key);
    match field {
        OperatorField::Comparison(name, op, is_path) => {
            let variable = parse_variable(object, location, diags);
            let operand = parse_operand(name, op, is_path, value, &value_location, diags);
            Some(Rule::Compare(Comparison {
                variable: variable?,
                op,
                operand: operand?,
            }))
        }
        OperatorField::Not => {
            reject_variable(object, location, diags);
            let inner = parse_nested(value, &value_location, depth + 1, diags)?;
            Some(Rule::Not(Box::new(inner)))
        }
        OperatorField::And | OperatorField::Or => {
            reject_variable(object, location, diags);
            let Value::Array(items) = value else {
                diags.push(type_error("Array", &value_location));
                return None;
            };
            if items.is_empty() {
                diags.push(Diagnostic::schema(
                    format!("The field '{key}' must contain at least one Choice Rule"),
                    &value_location,
                ));
                return None;
            }
            // Parse every element, even after a bad one, so all problems are reported.
            let rules: Vec<Option<Rule>> = items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    parse_nested(item, &format!("{value_location}/{index}"), depth + 1, diags)
                })
                .collect();
            let rules: Vec<Rule> = rules.into_iter().collect::<Option<_>>()?;
            Some(if matches!(field, OperatorField::And) {
                Rule::And(rules)
            } else {
                Rule::Or(rules)
            })
        }
    }
}

fn parse_variable(
    object: &Map<String, Value>,
    location: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<ReferencePath> {
    match object.get("Variable") {
        None => {
            diags.push(Diagnostic::schema(
                "These fields are required: [Variable]",
                location,
            ));
            None
        }
        Some(Value::String(path)) if let Ok(path) = ReferencePath::parse(path) => Some(path),
        Some(_) => {
            diags.push(invalid_path(
                "Variable",
                &field_location(location, "Variable"),
            ));
            None
        }
    }
}

fn reject_variable(object: &Map<String, Value>, location: &str, diags: &mut Vec<Diagnostic>) {
    if object.contains_key("Variable") {
        diags.push(unsupported_field(location, "Variable"));
    }
}

fn parse_operand(
    name: &str,
    op: Operator,
    is_path: bool,
    value: &Value,
    location: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Operand> {
    if is_path {
        return match value {
            Value::String(path) if let Ok(path) = ReferencePath::parse(path) => {
                Some(Operand::Path(path))
            }
            _ => {
                diags.push(invalid_path(name, location));
                None
            }
        };
    }
    let operand = match (op.family(), value) {
        (Family::String, Value::String(text)) => Some(Operand::String(text.clone())),
        (Family::Pattern, Value::String(text)) => {
            Some(Operand::Pattern(WildcardPattern::new(text)))
        }
        (Family::Numeric, Value::Number(number)) => Some(Operand::Number(number.clone())),
        (Family::Boolean | Family::TypeTest, Value::Bool(flag)) => Some(Operand::Boolean(*flag)),
        (Family::Timestamp, Value::String(text)) => match Timestamp::parse(text) {
            Some(timestamp) => Some(Operand::Timestamp(timestamp)),
            None => {
                diags.push(Diagnostic::schema(
                    format!("The value for the field '{name}' must be a valid timestamp"),
                    location,
                ));
                return None;
            }
        },
        _ => None,
    };
    if operand.is_none() {
        let expected = match op.family() {
            Family::String | Family::Pattern | Family::Timestamp => "String",
            Family::Numeric => "Number",
            Family::Boolean | Family::TypeTest => "Boolean",
        };
        diags.push(type_error(expected, location));
    }
    operand
}

fn parse_comment(
    object: &Map<String, Value>,
    location: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    match object.get("Comment")? {
        Value::String(comment) => Some(comment.clone()),
        _ => {
            diags.push(type_error("String", &field_location(location, "Comment")));
            None
        }
    }
}

fn expect_object<'a>(
    value: &'a Value,
    location: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a Map<String, Value>> {
    match value {
        Value::Object(object) => Some(object),
        _ => {
            diags.push(type_error("Object", location));
            None
        }
    }
}

fn field_location(location: &str, field: &str) -> String {
    format!("{location}/{}", pointer_segment(field))
}

fn unsupported_field(location: &str, field: &str) -> Diagnostic {
    Diagnostic::schema(
        format!("Field '{field}' is not supported"),
        field_location(location, field),
    )
}

fn type_error(expected: &str, location: &str) -> Diagnostic {
    Diagnostic::schema(format!("Expected value of type {expected}"), location)
}

fn invalid_path(field: &str, location: &str) -> Diagnostic {
    Diagnostic::schema(
        format!("The value for the field '{field}' must be a valid JSONPath"),
        location,
    )
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// Evaluate a rule. `resolve` reads a parsed reference path (`$.a`, `$$.Execution.Input.x`,
/// `$name`) from the state input, the context object or the variables: `Some(v)` found, `None`
/// not present.
///
/// A value of the wrong type makes a comparison false (not an error). A path that is not
/// present fails with [`ChoiceError::InvalidPath`], except for the `Variable` of `IsPresent`.
/// `And` / `Or` stop at the first deciding rule, so later rules are not resolved.
pub fn evaluate(
    rule: &Rule,
    resolve: &mut dyn FnMut(&ReferencePath) -> Option<Value>,
) -> Result<bool, ChoiceError> {
    match rule {
        Rule::And(rules) => {
            for rule in rules {
                if !evaluate(rule, resolve)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Rule::Or(rules) => {
            for rule in rules {
                if evaluate(rule, resolve)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Rule::Not(rule) => Ok(!evaluate(rule, resolve)?),
        Rule::Compare(comparison) => evaluate_comparison(comparison, resolve),
    }
}

/// Pick the branch to take: the `Next` of the first branch whose rule holds, if any.
pub fn choose<'a>(
    branches: &'a [ChoiceBranch],
    resolve: &mut dyn FnMut(&ReferencePath) -> Option<Value>,
) -> Result<Option<&'a str>, ChoiceError> {
    for branch in branches {
        if let Some(rule) = &branch.rule
            && evaluate(rule, resolve)?
        {
            return Ok(Some(&branch.next));
        }
    }
    Ok(None)
}

fn evaluate_comparison(
    comparison: &Comparison,
    resolve: &mut dyn FnMut(&ReferencePath) -> Option<Value>,
) -> Result<bool, ChoiceError> {
    let variable = resolve(&comparison.variable);
    if comparison.op == Operator::IsPresent {
        let expected = matches!(comparison.operand, Operand::Boolean(true));
        return Ok(variable.is_some() == expected);
    }
    let Some(variable) = variable else {
        return Err(ChoiceError::InvalidPath {
            path: comparison.variable.text().to_owned(),
        });
    };
    match &comparison.operand {
        Operand::Path(path) => {
            let Some(other) = resolve(path) else {
                return Err(ChoiceError::InvalidPath {
                    path: path.text().to_owned(),
                });
            };
            Ok(compare_values(comparison.op, &variable, &other))
        }
        Operand::String(expected) => Ok(match &variable {
            Value::String(actual) => comparison.op.accepts(compare_utf16(actual, expected)),
            _ => false,
        }),
        Operand::Number(expected) => Ok(match &variable {
            Value::Number(actual) => compare_numbers(actual, expected)
                .is_some_and(|ordering| comparison.op.accepts(ordering)),
            _ => false,
        }),
        Operand::Timestamp(expected) => Ok(match &variable {
            Value::String(actual) => Timestamp::parse(actual)
                .is_some_and(|actual| comparison.op.accepts(actual.cmp(expected))),
            _ => false,
        }),
        Operand::Pattern(pattern) => Ok(match &variable {
            Value::String(actual) => pattern.matches(actual),
            _ => false,
        }),
        Operand::Boolean(expected) => Ok(match comparison.op {
            Operator::BooleanEquals => variable.as_bool() == Some(*expected),
            op => type_test(op, &variable) == *expected,
        }),
    }
}

/// A `...Path` comparison: both sides come from the data, and both must have the operator's
/// type for it to hold.
fn compare_values(op: Operator, variable: &Value, other: &Value) -> bool {
    match (op.family(), variable, other) {
        (Family::String, Value::String(a), Value::String(b)) => op.accepts(compare_utf16(a, b)),
        (Family::Numeric, Value::Number(a), Value::Number(b)) => {
            compare_numbers(a, b).is_some_and(|ordering| op.accepts(ordering))
        }
        (Family::Boolean, Value::Bool(a), Value::Bool(b)) => a == b,
        (Family::Timestamp, Value::String(a), Value::String(b)) => {
            match (Timestamp::parse(a), Timestamp::parse(b)) {
                (Some(a), Some(b)) => op.accepts(a.cmp(&b)),
                _ => false,
            }
        }
        _ => false,
    }
}

/// The `Is*` type tests (other than `IsPresent`, handled before resolution fails).
fn type_test(op: Operator, value: &Value) -> bool {
    match op {
        Operator::IsNull => value.is_null(),
        Operator::IsNumeric => value.is_number(),
        Operator::IsString => value.is_string(),
        Operator::IsBoolean => value.is_boolean(),
        Operator::IsTimestamp => value.as_str().and_then(Timestamp::parse).is_some(),
        _ => false,
    }
}

/// Order two strings as Java's `String.compareTo` does (AWS runs on the JVM): by UTF-16 code
/// units. This differs from Rust's byte order only when a character above U+FFFF meets one in
/// U+E000..=U+FFFF, so compare characters and look at code units only where they differ.
fn compare_utf16(a: &str, b: &str) -> Ordering {
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            let (mut x_units, mut y_units) = ([0u16; 2], [0u16; 2]);
            let x_units = x.encode_utf16(&mut x_units);
            let y_units = y.encode_utf16(&mut y_units);
            return (*x_units).cmp(&*y_units);
        }
    }
    // One is a prefix of the other; with equal characters so far, byte length orders them.
    a.len().cmp(&b.len())
}

/// Compare two JSON numbers by value, exactly: `1` equals `1.0`, and large integers are not
/// rounded through `f64`.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (integer_value(a), integer_value(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        (Some(a), None) => compare_integer_float(a, b.as_f64()?),
        (None, Some(b)) => compare_integer_float(b, a.as_f64()?).map(Ordering::reverse),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn integer_value(number: &Number) -> Option<i128> {
    number
        .as_i64()
        .map(i128::from)
        .or_else(|| number.as_u64().map(i128::from))
}

fn compare_integer_float(integer: i128, float: f64) -> Option<Ordering> {
    // Rounding to f64 is monotonic, so when the rounded integer differs from the float it
    // orders the same way as the exact integer does.
    #[allow(clippy::cast_precision_loss)]
    let rounded = integer as f64;
    match rounded.partial_cmp(&float)? {
        Ordering::Equal => {
            // `float` is integral and within i128 range (it equals a rounded i128), so the
            // exact comparison is between integers.
            #[allow(clippy::cast_possible_truncation)]
            let float_integer = float as i128;
            Some(integer.cmp(&float_integer))
        }
        ordering => Some(ordering),
    }
}

#[cfg(test)]
mod tests;

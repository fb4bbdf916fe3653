//! Choice state rules for the JSONPath query language: their typed model, parsing with
//! validation diagnostics, and evaluation with AWS Step Functions semantics.
//!
//! Owns: the shape of one element of `Choices` (and the rules nested inside it), every
//! comparison operator and the `And` / `Or` / `Not` combinators, and the runtime failure a
//! rule raises when its path does not resolve.
//!
//! Must not: resolve paths itself (the caller passes a resolver, so the path module stays the
//! single JSONPath implementation), check that `Next` names an existing state (the definition
//! validator does that), or handle JSONata `Condition` rules. Pure: no I/O, no clock.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::{Map, Number, Value};

use super::diagnostic::{Diagnostic, pointer_segment};

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
    /// context object).
    pub variable: String,
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
    /// Reference path of a `...Path` operator, resolved at evaluation time.
    Path(String),
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
    /// The resolver rejected the path itself (should not happen after validation).
    #[error("Invalid path '{path}': {message}")]
    MalformedPath {
        /// The reference path as written in the definition.
        path: String,
        /// What the resolver said.
        message: String,
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
) -> Option<String> {
    match object.get("Variable") {
        None => {
            diags.push(Diagnostic::schema(
                "These fields are required: [Variable]",
                location,
            ));
            None
        }
        Some(Value::String(path)) if is_reference_path(path) => Some(path.clone()),
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
            Value::String(path) if is_reference_path(path) => Some(Operand::Path(path.clone())),
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

/// A light syntax check of a reference path: `$` or `$$`, then any number of `.name`,
/// `['name']` / `["name"]` or `[index]` steps. Wildcards, filters, slices, unions and deep
/// scans are not allowed in reference paths. The path module does the full parse.
pub fn is_reference_path(path: &str) -> bool {
    let Some(mut rest) = path.strip_prefix("$$").or_else(|| path.strip_prefix('$')) else {
        return false;
    };
    // `$name…` reads a workflow variable.
    if !path.starts_with("$$") && rest.starts_with(super::path::is_variable_start) {
        let end = rest
            .find(|c: char| !super::path::is_variable_continue(c))
            .unwrap_or(rest.len());
        rest = &rest[end..];
    }
    while !rest.is_empty() {
        if let Some(after_dot) = rest.strip_prefix('.') {
            let end = after_dot.find(['.', '[']).unwrap_or(after_dot.len());
            let name = &after_dot[..end];
            if name.is_empty() || name.contains(['*', ']']) {
                return false;
            }
            rest = &after_dot[end..];
        } else if let Some(after_bracket) = rest.strip_prefix('[') {
            let Some(consumed) = bracket_step_length(after_bracket) else {
                return false;
            };
            rest = &after_bracket[consumed..];
        } else {
            return false;
        }
    }
    true
}

/// Length of a bracket step after its `[`, including the closing `]`, if it is well formed.
fn bracket_step_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    match bytes.first()? {
        quote @ (b'\'' | b'"') => {
            let mut at = 1;
            loop {
                match bytes.get(at)? {
                    b'\\' => at += 2,
                    byte if byte == quote => break,
                    _ => at += 1,
                }
            }
            (bytes.get(at + 1) == Some(&b']')).then_some(at + 2)
        }
        _ => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            (digits > 0 && bytes.get(digits) == Some(&b']')).then_some(digits + 1)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// Evaluate a rule. `resolve` reads a reference path (`$.a`, `$$.Execution.Input.x`) from the
/// state input or context object: `Ok(Some(v))` found, `Ok(None)` not present, `Err(msg)` a
/// malformed path.
///
/// A value of the wrong type makes a comparison false (not an error). A path that is not
/// present fails with [`ChoiceError::InvalidPath`], except for the `Variable` of `IsPresent`.
/// `And` / `Or` stop at the first deciding rule, so later rules are not resolved.
pub fn evaluate(
    rule: &Rule,
    resolve: &mut dyn FnMut(&str) -> Result<Option<Value>, String>,
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
    resolve: &mut dyn FnMut(&str) -> Result<Option<Value>, String>,
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

fn resolve_path(
    path: &str,
    resolve: &mut dyn FnMut(&str) -> Result<Option<Value>, String>,
) -> Result<Option<Value>, ChoiceError> {
    resolve(path).map_err(|message| ChoiceError::MalformedPath {
        path: path.to_owned(),
        message,
    })
}

fn evaluate_comparison(
    comparison: &Comparison,
    resolve: &mut dyn FnMut(&str) -> Result<Option<Value>, String>,
) -> Result<bool, ChoiceError> {
    let variable = resolve_path(&comparison.variable, resolve)?;
    if comparison.op == Operator::IsPresent {
        let expected = matches!(comparison.operand, Operand::Boolean(true));
        return Ok(variable.is_some() == expected);
    }
    let Some(variable) = variable else {
        return Err(ChoiceError::InvalidPath {
            path: comparison.variable.clone(),
        });
    };
    match &comparison.operand {
        Operand::Path(path) => {
            let Some(other) = resolve_path(path, resolve)? else {
                return Err(ChoiceError::InvalidPath { path: path.clone() });
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
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_ok(value: Value) -> ChoiceBranch {
        let mut diags = Vec::new();
        let branch = parse_branch(&value, "/States/C/Choices/0", &mut diags);
        assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
        branch.expect("branch")
    }

    fn parse_errors(value: Value) -> Vec<(String, String)> {
        let mut diags = Vec::new();
        let branch = parse_branch(&value, "/S/C/Choices/0", &mut diags);
        assert!(branch.is_none(), "expected a rejection");
        assert!(
            diags.iter().all(|d| d.code == "SCHEMA_VALIDATION_FAILED"),
            "{diags:?}"
        );
        diags.into_iter().map(|d| (d.message, d.location)).collect()
    }

    /// A resolver over the input (`$...`) and a context object whose `Execution.Input` is
    /// the same input (`$$...`), supporting `.name`, `['name']` and `[index]` steps.
    fn resolver(input: &Value) -> impl FnMut(&str) -> Result<Option<Value>, String> + '_ {
        move |path: &str| {
            let (root, rest) = if let Some(rest) = path.strip_prefix("$$") {
                let context = json!({"Execution": {"Input": input.clone()}});
                (context, rest.to_owned())
            } else if let Some(rest) = path.strip_prefix('$') {
                (input.clone(), rest.to_owned())
            } else {
                return Err(format!("not a path: {path}"));
            };
            let mut current = root;
            let mut rest = rest.as_str();
            while !rest.is_empty() {
                let (key, remaining): (Value, &str) = if let Some(after) = rest.strip_prefix('.') {
                    let end = after.find(['.', '[']).unwrap_or(after.len());
                    (json!(&after[..end]), &after[end..])
                } else if let Some(after) = rest.strip_prefix("['") {
                    let end = after.find("']").ok_or("bad bracket")?;
                    (json!(&after[..end]), &after[end + 2..])
                } else if let Some(after) = rest.strip_prefix('[') {
                    let end = after.find(']').ok_or("bad bracket")?;
                    let index: usize = after[..end].parse().map_err(|_| "bad index")?;
                    (json!(index), &after[end + 1..])
                } else {
                    return Err(format!("bad path {path}"));
                };
                let next = match (&current, &key) {
                    (Value::Object(map), Value::String(name)) => map.get(name).cloned(),
                    (Value::Array(items), Value::Number(index)) => index
                        .as_u64()
                        .and_then(|i| items.get(usize::try_from(i).ok()?))
                        .cloned(),
                    _ => None,
                };
                match next {
                    Some(value) => current = value,
                    None => return Ok(None),
                }
                rest = remaining;
            }
            Ok(Some(current))
        }
    }

    fn eval(rule: Value, input: Value) -> Result<bool, ChoiceError> {
        let mut rule = rule;
        if let Value::Object(map) = &mut rule {
            map.insert("Next".into(), json!("X"));
        }
        let branch = parse_ok(rule);
        evaluate(branch.rule.as_ref().unwrap(), &mut resolver(&input))
    }

    fn holds(rule: Value, input: Value) -> bool {
        eval(rule, input).expect("evaluation")
    }

    // ----- parsing -----------------------------------------------------------------------

    #[test]
    fn parses_a_comparison_branch() {
        let branch = parse_ok(json!({
            "Variable": "$.a", "NumericEqualsPath": "$$.Execution.Input.b",
            "Next": "Done", "Comment": "why"
        }));
        assert_eq!(branch.next, "Done");
        assert_eq!(branch.comment.as_deref(), Some("why"));
        let Some(Rule::Compare(comparison)) = &branch.rule else {
            panic!("expected a comparison, got {:?}", branch.rule);
        };
        assert_eq!(comparison.variable, "$.a");
        assert_eq!(comparison.op, Operator::NumericEquals);
        assert_eq!(
            comparison.operand,
            Operand::Path("$$.Execution.Input.b".into())
        );
        assert_eq!(comparison.field_name(), "NumericEqualsPath");
        assert_eq!(comparison.op.name(), "NumericEquals");
    }

    #[test]
    fn parses_combinators() {
        let branch = parse_ok(json!({
            "And": [
                {"Variable": "$.a", "IsPresent": true},
                {"Not": {"Variable": "$.b", "StringMatches": "x*"}},
                {"Or": [{"Variable": "$['c']", "BooleanEquals": true}]}
            ],
            "Next": "N"
        }));
        let Some(Rule::And(rules)) = branch.rule else {
            panic!("expected And");
        };
        assert_eq!(rules.len(), 3);
        assert!(matches!(&rules[1], Rule::Not(inner) if matches!(**inner, Rule::Compare(_))));
        assert!(matches!(&rules[2], Rule::Or(inner) if inner.len() == 1));
    }

    #[test]
    fn every_operator_field_parses_with_a_well_typed_operand() {
        for &(name, op, is_path) in OPERATOR_FIELDS {
            let operand = if is_path {
                json!("$.other")
            } else {
                match op.family() {
                    Family::String | Family::Pattern => json!("text"),
                    Family::Numeric => json!(1.5),
                    Family::Boolean | Family::TypeTest => json!(true),
                    Family::Timestamp => json!("2016-03-14T01:59:00Z"),
                }
            };
            let mut rule = Map::new();
            rule.insert("Variable".into(), json!("$.v"));
            rule.insert(name.into(), operand);
            rule.insert("Next".into(), json!("N"));
            let branch = parse_ok(Value::Object(rule));
            let Some(Rule::Compare(comparison)) = branch.rule else {
                panic!("{name}: expected a comparison");
            };
            assert_eq!(comparison.op, op, "{name}");
            assert_eq!(comparison.field_name(), name);
        }
        assert_eq!(OPERATOR_FIELDS.len(), 39);
    }

    #[test]
    fn reports_every_problem_of_a_branch() {
        let errors = parse_errors(json!({
            "Variable": 5, "NumericEquals": "1", "Extra": 1, "Comment": 3
        }));
        assert_eq!(
            errors,
            vec![
                (
                    "These fields are required: [Next]".into(),
                    "/S/C/Choices/0".into()
                ),
                (
                    "Expected value of type String".into(),
                    "/S/C/Choices/0/Comment".into()
                ),
                (
                    "Field 'Extra' is not supported".into(),
                    "/S/C/Choices/0/Extra".into()
                ),
                (
                    "The value for the field 'Variable' must be a valid JSONPath".into(),
                    "/S/C/Choices/0/Variable".into()
                ),
                (
                    "Expected value of type Number".into(),
                    "/S/C/Choices/0/NumericEquals".into()
                ),
            ]
        );
    }

    #[test]
    fn reports_operand_type_errors() {
        let cases = [
            (
                json!({"BooleanEquals": 1}),
                "Expected value of type Boolean",
                "BooleanEquals",
            ),
            (
                json!({"IsNull": "true"}),
                "Expected value of type Boolean",
                "IsNull",
            ),
            (
                json!({"IsPresent": null}),
                "Expected value of type Boolean",
                "IsPresent",
            ),
            (
                json!({"StringEquals": 1}),
                "Expected value of type String",
                "StringEquals",
            ),
            (
                json!({"StringMatches": false}),
                "Expected value of type String",
                "StringMatches",
            ),
            (
                json!({"NumericLessThan": "2"}),
                "Expected value of type Number",
                "NumericLessThan",
            ),
            (
                json!({"TimestampEquals": 3}),
                "Expected value of type String",
                "TimestampEquals",
            ),
            (
                json!({"TimestampEquals": "2016-03-14"}),
                "The value for the field 'TimestampEquals' must be a valid timestamp",
                "TimestampEquals",
            ),
            (
                json!({"StringEqualsPath": "a.b"}),
                "The value for the field 'StringEqualsPath' must be a valid JSONPath",
                "StringEqualsPath",
            ),
            (
                json!({"NumericEqualsPath": 3}),
                "The value for the field 'NumericEqualsPath' must be a valid JSONPath",
                "NumericEqualsPath",
            ),
        ];
        for (mut rule, message, field) in cases {
            let map = rule.as_object_mut().expect("object");
            map.insert("Variable".into(), json!("$.v"));
            map.insert("Next".into(), json!("N"));
            let errors = parse_errors(rule);
            assert_eq!(
                errors,
                vec![(message.to_owned(), format!("/S/C/Choices/0/{field}"))]
            );
        }
    }

    #[test]
    fn requires_exactly_one_operator() {
        assert_eq!(
            parse_errors(json!({"Variable": "$.v", "Next": "N"})),
            vec![(
                "A Choice Rule must have exactly one comparison operator, or one of And, Or, Not"
                    .into(),
                "/S/C/Choices/0".into()
            )]
        );
        assert_eq!(
            parse_errors(json!({"Variable": "$.v", "IsNull": true, "IsString": true, "Next": "N"})),
            vec![(
                "Each Choice Rule can only have one comparison operator, found: [IsNull, IsString]"
                    .into(),
                "/S/C/Choices/0".into()
            )]
        );
    }

    #[test]
    fn requires_variable_on_comparisons_and_rejects_it_on_combinators() {
        assert_eq!(
            parse_errors(json!({"StringEquals": "a", "Next": "N"})),
            vec![(
                "These fields are required: [Variable]".into(),
                "/S/C/Choices/0".into()
            )]
        );
        assert_eq!(
            parse_errors(json!({
                "Variable": "$.v", "Not": {"Variable": "$.v", "IsNull": true}, "Next": "N"
            })),
            vec![(
                "Field 'Variable' is not supported".into(),
                "/S/C/Choices/0/Variable".into()
            )]
        );
    }

    #[test]
    fn rejects_next_on_nested_rules_and_empty_combinators() {
        let errors = parse_errors(json!({
            "Or": [
                {"Variable": "$.a", "IsNull": true, "Next": "Inner"},
                {"And": []},
                {"Not": [1]},
                7
            ],
            "Next": "N"
        }));
        assert_eq!(
            errors,
            vec![
                (
                    "Field 'Next' is not supported".into(),
                    "/S/C/Choices/0/Or/0/Next".into()
                ),
                (
                    "The field 'And' must contain at least one Choice Rule".into(),
                    "/S/C/Choices/0/Or/1/And".into()
                ),
                (
                    "Expected value of type Object".into(),
                    "/S/C/Choices/0/Or/2/Not".into()
                ),
                (
                    "Expected value of type Object".into(),
                    "/S/C/Choices/0/Or/3".into()
                ),
            ]
        );
        assert_eq!(
            parse_errors(json!({"And": {}, "Next": "N"})),
            vec![(
                "Expected value of type Array".into(),
                "/S/C/Choices/0/And".into()
            )]
        );
        assert_eq!(
            parse_errors(json!("rule")),
            vec![(
                "Expected value of type Object".into(),
                "/S/C/Choices/0".into()
            )]
        );
    }

    #[test]
    fn parse_rule_is_for_nested_rules() {
        let mut diags = Vec::new();
        let rule = parse_rule(
            &json!({"Variable": "$.a", "IsNull": false}),
            "/x",
            &mut diags,
        );
        assert!(diags.is_empty());
        assert!(matches!(rule, Some(Rule::Compare(_))));
        let rule = parse_rule(
            &json!({"Variable": "$.a", "IsNull": false, "Next": "N"}),
            "/x",
            &mut diags,
        );
        assert!(rule.is_none());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].location, "/x/Next");
    }

    #[test]
    fn escapes_field_names_in_locations() {
        let errors =
            parse_errors(json!({"Variable": "$.v", "IsNull": true, "a/b~": 1, "Next": "N"}));
        assert_eq!(
            errors,
            vec![(
                "Field 'a/b~' is not supported".into(),
                "/S/C/Choices/0/a~1b~0".into()
            )]
        );
    }

    #[test]
    fn bounds_nesting_depth() {
        let mut rule = json!({"Variable": "$.a", "IsNull": true});
        for _ in 0..=MAX_RULE_DEPTH {
            rule = json!({ "Not": rule });
        }
        let mut diags = Vec::new();
        assert!(parse_rule(&rule, "/r", &mut diags).is_none());
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].message,
            format!("Choice Rules cannot be nested more than {MAX_RULE_DEPTH} levels deep")
        );
    }

    #[test]
    fn reference_path_syntax() {
        for good in [
            "$",
            "$$",
            "$.a",
            "$.a.b",
            "$$.Execution.Input.input-value",
            "$['a b']",
            "$[\"x\"]",
            "$.a[0].b",
            "$.a['it\\'s']",
            "$.über",
            // Workflow variables.
            "$a",
            "$über.b[0]",
        ] {
            assert!(is_reference_path(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "$.",
            "$..a",
            "$.a.*",
            "$[*]",
            "$.a[?(@.b)]",
            "$[1:2]",
            "$[0,1]",
            "$['a'",
            "$[]",
            "$$a",
            "$.a]",
            "$$$",
        ] {
            assert!(!is_reference_path(bad), "{bad}");
        }
    }

    // ----- evaluation --------------------------------------------------------------------

    #[test]
    fn wrong_types_are_false_not_errors() {
        assert!(!holds(
            json!({"Variable": "$.v", "NumericEquals": 1}),
            json!({"v": "1"})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "StringEquals": "1"}),
            json!({"v": 1})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "BooleanEquals": true}),
            json!({"v": 1})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "TimestampEquals": "2012-10-09T19:00:55Z"}),
            json!({"v": null})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "StringMatches": "*"}),
            json!({"v": {}})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "NumericEqualsPath": "$.w"}),
            json!({"v": 1, "w": "1"})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "BooleanEqualsPath": "$.w"}),
            json!({"v": 0, "w": false})
        ));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(holds(
            json!({"Variable": "$.v", "NumericEquals": 1.0}),
            json!({"v": 1})
        ));
        assert!(holds(
            json!({"Variable": "$.v", "NumericEquals": 0}),
            json!({"v": 0.0})
        ));
        assert!(holds(
            json!({"Variable": "$.v", "NumericLessThan": 1.5}),
            json!({"v": 1})
        ));
        assert!(holds(
            json!({"Variable": "$.v", "NumericGreaterThanEquals": -1}),
            json!({"v": -1.0})
        ));
        // 2^53 + 1 is not equal to 2^53, although both round to the same f64.
        assert!(!holds(
            json!({"Variable": "$.v", "NumericEquals": 9_007_199_254_740_992.0_f64}),
            json!({"v": 9_007_199_254_740_993_i64})
        ));
        assert!(holds(
            json!({"Variable": "$.v", "NumericGreaterThan": 9_007_199_254_740_992.0_f64}),
            json!({"v": 9_007_199_254_740_993_i64})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "NumericLessThan": u64::MAX}),
            json!({"v": i64::MAX as f64 * 4.0})
        ));
        assert_eq!(
            compare_numbers(&Number::from(u64::MAX), &Number::from(-1_i64)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn strings_compare_by_utf16_code_units() {
        assert!(holds(
            json!({"Variable": "$.v", "StringLessThan": "AB"}),
            json!({"v": "A"})
        ));
        assert!(holds(
            json!({"Variable": "$.v", "StringGreaterThan": "A"}),
            json!({"v": "a"})
        ));
        assert!(!holds(
            json!({"Variable": "$.v", "StringEquals": "\t\r\n"}),
            json!({"v": "\t\n"})
        ));
        // U+1F600 is a surrogate pair (0xD83D...) in UTF-16, so it sorts before U+FF61,
        // unlike in code point (and UTF-8 byte) order.
        assert_eq!(compare_utf16("\u{1F600}", "\u{FF61}"), Ordering::Less);
        assert!("\u{1F600}" > "\u{FF61}");
        assert!(holds(
            json!({"Variable": "$.v", "StringLessThan": "\u{FF61}"}),
            json!({"v": "\u{1F600}"})
        ));
        assert_eq!(compare_utf16("ab", "abc"), Ordering::Less);
        assert_eq!(compare_utf16("", ""), Ordering::Equal);
    }

    #[test]
    fn timestamps_compare_as_instants() {
        let rule = |op: &str, value: &str| {
            let mut map = Map::new();
            map.insert("Variable".into(), json!("$.t"));
            map.insert(op.into(), json!(value));
            Value::Object(map)
        };
        let input = json!({"t": "2012-10-09T20:00:55+01:00"});
        assert!(holds(
            rule("TimestampEquals", "2012-10-09T19:00:55Z"),
            input.clone()
        ));
        assert!(holds(
            rule("TimestampGreaterThan", "2012-10-09T19:00:54.999999999Z"),
            input.clone()
        ));
        assert!(holds(
            rule("TimestampLessThanEquals", "2012-10-09T19:00:55.000Z"),
            input.clone()
        ));
        assert!(!holds(
            rule("TimestampLessThan", "2012-10-09T19:00:55Z"),
            input
        ));
        // A string that is not a timestamp compares false.
        for text in [
            "2012-10-09T19:00:55",
            "2012-10-09 19:00:55Z",
            "2012-10-09t19:00:55z",
            "",
        ] {
            assert!(
                !holds(
                    rule("TimestampEquals", "2012-10-09T19:00:55Z"),
                    json!({"t": text})
                ),
                "{text}"
            );
        }
        assert!(holds(
            json!({"Variable": "$.t", "TimestampLessThanPath": "$.u"}),
            json!({"t": "2016-03-14T01:59:00Z", "u": "2016-03-14T01:59:00.5-00:30"})
        ));
    }

    #[test]
    fn timestamp_parsing_rules() {
        for good in [
            "2016-03-14T01:59:00Z",
            "2016-03-14T01:59:00.1Z",
            "2016-03-05T21:29:29.243167252Z",
            "2016-02-29T23:59:59+18:00",
            "2016-03-14T01:59:00-05:30",
        ] {
            assert!(Timestamp::parse(good).is_some(), "{good}");
        }
        for bad in [
            "2016-03-14T01:59:00",
            "2016-03-14t01:59:00Z",
            "2016-03-14T01:59:00z",
            "2016-03-14 01:59:00Z",
            "2016-03-14T01:59Z",
            "2016-13-05T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2015-02-29T00:00:00Z",
            "2016-03-14T01:59:60Z",
            "2016-03-14T01:59:00.Z",
            "2016-03-14T01:59:00.1234567890Z",
            "2016-03-14T01:59:00+1:00",
            "2016-03-14T01:59:00+0100",
            "2016-03-14T01:59:00+19:00",
            "2016-03-14T01:59:00Zjunk",
            "05-12-2016T21:29:29Z",
            "2023-02-24",
            "２016-03-14T01:59:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            Timestamp::parse("2016-03-14T02:59:00+01:00"),
            Timestamp::parse("2016-03-14T01:59:00Z")
        );
    }

    #[test]
    fn type_tests() {
        let is = |op: &str, expected: bool, value: Value| {
            let mut map = Map::new();
            map.insert("Variable".into(), json!("$.v"));
            map.insert(op.into(), json!(expected));
            holds(Value::Object(map), json!({ "v": value }))
        };
        assert!(is("IsNull", true, json!(null)));
        assert!(is("IsNull", false, json!(0)));
        assert!(is("IsNumeric", true, json!(1.1)));
        assert!(is("IsNumeric", false, json!("1")));
        assert!(is("IsString", true, json!("")));
        assert!(is("IsString", false, json!(null)));
        assert!(is("IsBoolean", true, json!(false)));
        assert!(is("IsBoolean", false, json!(0)));
        assert!(is("IsTimestamp", true, json!("2016-03-14T01:59:00Z")));
        assert!(is("IsTimestamp", false, json!("2016-03-14T01:59:00")));
        assert!(is("IsTimestamp", false, json!(12)));
        assert!(is("IsPresent", true, json!(null)));
        assert!(!is("IsPresent", false, json!(null)));
    }

    #[test]
    fn is_present_on_a_missing_variable() {
        assert!(holds(
            json!({"Variable": "$.missing", "IsPresent": false}),
            json!({})
        ));
        assert!(!holds(
            json!({"Variable": "$.missing", "IsPresent": true}),
            json!({})
        ));
        assert!(holds(
            json!({"Variable": "$.a[3]", "IsPresent": false}),
            json!({"a": [1]})
        ));
    }

    #[test]
    fn missing_variable_fails_with_the_aws_message() {
        for op in [
            json!({"IsNull": true}),
            json!({"IsNumeric": false}),
            json!({"StringEquals": "x"}),
        ] {
            let mut rule = op;
            rule["Variable"] = json!("$.missing");
            let error = eval(rule, json!({"other": 1})).expect_err("must fail");
            assert_eq!(
                error.to_string(),
                "Invalid path '$.missing': The choice state's condition path references an invalid value."
            );
            assert_eq!(error.error_name(), "States.Runtime");
        }
    }

    #[test]
    fn missing_path_operand_fails_with_the_aws_message() {
        let error = eval(
            json!({"Variable": "$.v", "NumericLessThanEqualsPath": "$.right"}),
            json!({"v": 8}),
        )
        .expect_err("must fail");
        assert_eq!(
            error,
            ChoiceError::InvalidPath {
                path: "$.right".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "Invalid path '$.right': The choice state's condition path references an invalid value."
        );
    }

    #[test]
    fn resolver_errors_are_reported() {
        let branch = parse_ok(json!({"Variable": "$.v", "IsNull": true, "Next": "N"}));
        let error = evaluate(branch.rule.as_ref().unwrap(), &mut |_: &str| {
            Err("boom".to_owned())
        })
        .expect_err("must fail");
        assert_eq!(error.to_string(), "Invalid path '$.v': boom");
        assert_eq!(error.error_name(), "States.Runtime");
    }

    #[test]
    fn combinators_short_circuit() {
        // The second rule would fail (missing variable) if it were evaluated.
        let input = json!({"a": 1});
        assert!(!holds(
            json!({"And": [
                {"Variable": "$.a", "NumericEquals": 2},
                {"Variable": "$.missing", "IsNull": true}
            ]}),
            input.clone()
        ));
        assert!(holds(
            json!({"Or": [
                {"Variable": "$.a", "NumericEquals": 1},
                {"Variable": "$.missing", "IsNull": true}
            ]}),
            input.clone()
        ));
        assert!(
            eval(
                json!({"And": [
                    {"Variable": "$.a", "NumericEquals": 1},
                    {"Variable": "$.missing", "IsNull": true}
                ]}),
                input.clone()
            )
            .is_err()
        );
        assert!(holds(
            json!({"Not": {"Variable": "$.a", "StringEquals": "1"}}),
            input
        ));
    }

    #[test]
    fn string_matches_wildcards_and_escapes() {
        let matches = |pattern: &str, text: &str| WildcardPattern::new(pattern).matches(text);
        assert!(matches("log-*.txt", "log-2024.txt"));
        assert!(matches("log-*.txt", "log-.txt"));
        assert!(!matches("log-*.txt", "log-2024.txt.gz"));
        assert!(matches("*", ""));
        assert!(matches("**", "abc"));
        assert!(matches("a*b*c", "abc"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "acb"));
        assert!(
            !matches("ab*ba", "aba"),
            "prefix and suffix must not overlap"
        );
        assert!(matches("*ab", "abab"));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
        // `\*` is a literal asterisk, `\\` a literal backslash.
        assert!(matches(r"a\*b", "a*b"));
        assert!(!matches(r"a\*b", "aXb"));
        assert!(matches(r"a\\*", r"a\anything"));
        assert!(!matches(r"a\\*", "anything"));
        assert!(matches(r"a\\\*", r"a\*"));
        // A backslash before anything else, or at the end, is itself literal.
        assert!(matches(r"a\b", r"a\b"));
        assert!(matches(r"a\", r"a\"));
        assert!(matches("ü*ß", "üxyzß"));
        assert_eq!(WildcardPattern::new(r"\*").source(), r"\*");
        assert!(holds(
            json!({"Variable": "$.v", "StringMatches": "*.log"}),
            json!({"v": "x.log"})
        ));
    }

    #[test]
    fn context_object_paths_are_resolved_by_the_caller() {
        assert!(holds(
            json!({"Variable": "$$.Execution.Input.input-value", "NumericLessThanEquals": 0}),
            json!({"input-value": 0})
        ));
    }

    #[test]
    fn choose_takes_the_first_matching_branch() {
        let branches = vec![
            parse_ok(json!({"Variable": "$.v", "NumericLessThan": 0, "Next": "Negative"})),
            parse_ok(json!({"Variable": "$.v", "NumericLessThan": 10, "Next": "Small"})),
            parse_ok(json!({"Variable": "$.v", "NumericLessThan": 100, "Next": "Medium"})),
        ];
        let input = json!({"v": 5});
        assert_eq!(choose(&branches, &mut resolver(&input)), Ok(Some("Small")));
        let input = json!({"v": 500});
        assert_eq!(choose(&branches, &mut resolver(&input)), Ok(None));
    }

    // ----- conformance ---------------------------------------------------------------------

    /// Every recorded case whose definition is a single JSONPath Choice state deciding on the
    /// execution input: evaluate its rules and check which state AWS entered next.
    #[test]
    fn conformance_cases_take_the_branch_aws_took() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/cases");
        let mut entries: Vec<_> = std::fs::read_dir(directory)
            .expect("conformance cases directory")
            .map(|entry| entry.expect("entry").path())
            .collect();
        entries.sort();
        let mut checked = 0;
        let mut choice_operator_cases = 0;
        for path in entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("read case");
            let case: Value = serde_json::from_str(&text).expect("case JSON");
            let features: Vec<&str> = case["features"]
                .as_array()
                .map(|f| f.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !features.contains(&"choice")
                || features
                    .iter()
                    .any(|f| matches!(*f, "jsonata" | "variables" | "map" | "parallel"))
            {
                continue;
            }
            let states = case["definition"]["States"].as_object().expect("States");
            let choices: Vec<(&String, &Value)> = states
                .iter()
                .filter(|(_, s)| s["Type"] == "Choice")
                .collect();
            let [(choice_name, choice_state)] = choices.as_slice() else {
                continue;
            };
            // The Choice state must see the execution input unchanged.
            if case["definition"]["StartAt"] != json!(choice_name)
                || choice_state.get("InputPath").is_some()
                || choice_state.get("QueryLanguage").is_some()
            {
                continue;
            }
            let branches: Vec<ChoiceBranch> = choice_state["Choices"]
                .as_array()
                .expect("Choices")
                .iter()
                .enumerate()
                .map(|(index, value)| {
                    let mut diags = Vec::new();
                    let location = format!("/States/{choice_name}/Choices/{index}");
                    parse_branch(value, &location, &mut diags)
                        .unwrap_or_else(|| panic!("{name}: {diags:?}"))
                })
                .collect();
            let default = choice_state.get("Default").and_then(Value::as_str);

            // Which state AWS entered after the Choice state.
            let taken: String = if let Some(history) = case["history"].as_array() {
                let exited = history
                    .iter()
                    .position(|event| event[0] == "ChoiceStateExited")
                    .unwrap_or_else(|| panic!("{name}: no ChoiceStateExited"));
                history[exited + 1][1]
                    .as_str()
                    .expect("state name")
                    .to_owned()
            } else {
                let expected = &case["expected"]["output"];
                let candidates: Vec<&str> = branches
                    .iter()
                    .map(|b| b.next.as_str())
                    .chain(default)
                    .filter(|target| {
                        let state = &states[*target];
                        state["Type"] == "Pass" && &state["Result"] == expected
                    })
                    .collect();
                let mut unique = candidates.clone();
                unique.dedup();
                let [target] = unique.as_slice() else {
                    panic!("{name}: cannot infer the branch from the output");
                };
                (*target).to_owned()
            };

            let input = &case["input"];
            let chosen = choose(&branches, &mut resolver(input))
                .unwrap_or_else(|error| panic!("{name}: {error}"))
                .or(default)
                .unwrap_or_else(|| panic!("{name}: no branch and no Default"));
            assert_eq!(chosen, taken, "{name}: input {input}");
            checked += 1;
            if name.starts_with("choice_operators_") {
                choice_operator_cases += 1;
            }
        }
        assert_eq!(
            choice_operator_cases, 324,
            "all choice_operators cases must be checked"
        );
        assert!(
            checked > choice_operator_cases,
            "other single-Choice cases are checked too"
        );
    }
}

//! The one JSONPath grammar of the language: path text to [`Steps`], with AWS's (Jayway's)
//! syntax, nesting bounded by `MAX_NESTING`, and the reference-path restriction.
//!
//! Owns: every syntax decision about paths and the wording of [`ParseError`]. Must not:
//! evaluate paths against documents, or be duplicated elsewhere (Choice rules, intrinsic
//! arguments and templates all parse their paths here).

use serde_json::{Number, Value};

use super::{
    CompareOp, Filter, Function, MAX_NESTING, Operand, ParseError, Root, Segment, Selector, Steps,
    is_variable_continue, is_variable_start,
};

pub(super) fn reference_violation(steps: &Steps) -> Option<&'static str> {
    if steps.function.is_some() {
        return Some("functions are not allowed");
    }
    for segment in &steps.segments {
        let reason = match segment {
            Segment::Descendant(_) => "deep scan '..' is not allowed",
            Segment::Child(Selector::Name(_) | Selector::Index(_)) => continue,
            Segment::Child(Selector::Names(_) | Selector::Indices(_)) => {
                "unions ',' are not allowed"
            }
            Segment::Child(Selector::Wildcard) => "wildcards '*' are not allowed",
            Segment::Child(Selector::Slice { .. }) => "slices ':' are not allowed",
            Segment::Child(Selector::Filter(_)) => "filters '?' are not allowed",
        };
        return Some(reason);
    }
    None
}

pub(super) struct Parser<'t> {
    text: &'t str,
    chars: Vec<char>,
    position: usize,
    depth: usize,
}

impl<'t> Parser<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Parser {
            text,
            chars: text.chars().collect(),
            position: 0,
            depth: 0,
        }
    }

    fn error(&self, reason: impl Into<String>) -> ParseError {
        ParseError::Syntax {
            text: self.text.to_owned(),
            position: self.position,
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.position + offset).copied()
    }

    fn eat(&mut self, wanted: char) -> bool {
        if self.peek() == Some(wanted) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), ParseError> {
        if self.eat(wanted) {
            Ok(())
        } else {
            Err(self.error(match self.peek() {
                Some(found) => format!("expected '{wanted}' but found '{found}'"),
                None => format!("expected '{wanted}' but the path ended"),
            }))
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ParseError::TooDeep {
                text: self.text.to_owned(),
                limit: MAX_NESTING,
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `$…`, `$$…` or `$name…`, whole text.
    pub(super) fn query(&mut self) -> Result<(Root, Option<String>, Steps), ParseError> {
        self.skip_spaces();
        if !self.eat('$') {
            return Err(self.error("a path must start with '$'"));
        }
        let (root, variable) = if self.eat('$') {
            (Root::Context, None)
        } else if self.peek().is_some_and(is_variable_start) {
            let start = self.position;
            while self.peek().is_some_and(is_variable_continue) {
                self.position += 1;
            }
            let name: String = self.chars[start..self.position].iter().collect();
            (Root::Variable, Some(name))
        } else {
            (Root::Input, None)
        };
        let steps = self.steps(false)?;
        self.skip_spaces();
        if let Some(found) = self.peek() {
            return Err(self.error(format!("unexpected character '{found}'")));
        }
        Ok((root, variable, steps))
    }

    /// Segments after a root (`$` or `@`). In a filter, names also end at operator characters.
    fn steps(&mut self, in_filter: bool) -> Result<Steps, ParseError> {
        let mut segments = Vec::new();
        let mut function = None;
        loop {
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.position += 2;
                    let selector = match self.peek() {
                        Some('[') => self.bracket()?,
                        Some('*') => {
                            self.position += 1;
                            Selector::Wildcard
                        }
                        _ => {
                            let name = self.dot_name(in_filter)?;
                            if self.peek() == Some('(') {
                                return Err(self.error("a function cannot follow '..'"));
                            }
                            Selector::Name(name)
                        }
                    };
                    segments.push(Segment::Descendant(selector));
                }
                Some('.') => {
                    self.position += 1;
                    if self.eat('*') {
                        segments.push(Segment::Child(Selector::Wildcard));
                        continue;
                    }
                    // Jayway also accepts `$.['a']`.
                    if self.peek() == Some('[') {
                        let selector = self.bracket()?;
                        segments.push(Segment::Child(selector));
                        continue;
                    }
                    let name = self.dot_name(in_filter)?;
                    if self.peek() == Some('(') {
                        function = Some(self.function(&name)?);
                        break;
                    }
                    segments.push(Segment::Child(Selector::Name(name)));
                }
                Some('[') => {
                    let selector = self.bracket()?;
                    segments.push(Segment::Child(selector));
                }
                _ => break,
            }
        }
        let definite = segments.iter().all(|segment| {
            matches!(
                segment,
                Segment::Child(Selector::Name(_) | Selector::Index(_))
            )
        });
        Ok(Steps {
            segments,
            function,
            definite,
        })
    }

    /// A name after `.`: everything up to `.`, `[` or `(` (Jayway allows `-`, `$`, `:` …).
    fn dot_name(&mut self, in_filter: bool) -> Result<String, ParseError> {
        let start = self.position;
        while let Some(c) = self.peek() {
            let ends = match c {
                '.' | '[' | '(' => true,
                c if c.is_whitespace() => {
                    if in_filter {
                        true
                    } else {
                        return Err(self.error(
                            "use bracket notation ['my prop'] if a field name contains blanks",
                        ));
                    }
                }
                ')' | ']' | '=' | '<' | '>' | '!' | '&' | '|' | ',' => in_filter,
                _ => false,
            };
            if ends {
                break;
            }
            self.position += 1;
        }
        if self.position == start {
            return Err(self.error(match self.peek() {
                None => "a path must not end with '.' or '..'".to_owned(),
                Some(found) => format!("expected a field name but found '{found}'"),
            }));
        }
        Ok(self
            .chars
            .get(start..self.position)
            .unwrap_or_default()
            .iter()
            .collect())
    }

    /// `name()` ending a path.
    fn function(&mut self, name: &str) -> Result<Function, ParseError> {
        let function = match name {
            "length" => Function::Length,
            other => return Err(self.error(format!("the function '{other}()' is not supported"))),
        };
        self.expect('(')?;
        self.skip_spaces();
        self.expect(')')?;
        if matches!(self.peek(), Some('.' | '[')) {
            return Err(self.error("a function must end the path"));
        }
        Ok(function)
    }

    /// `[ … ]` after `[` has been seen.
    fn bracket(&mut self) -> Result<Selector, ParseError> {
        self.expect('[')?;
        self.skip_spaces();
        let selector = match self.peek() {
            Some('*') => {
                self.position += 1;
                Selector::Wildcard
            }
            Some('?') => {
                self.position += 1;
                self.skip_spaces();
                self.expect('(')?;
                self.enter()?;
                let filter = self.filter_or()?;
                self.leave();
                self.skip_spaces();
                self.expect(')')?;
                Selector::Filter(Box::new(filter))
            }
            Some('\'' | '"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.skip_spaces();
                    if !self.eat(',') {
                        break;
                    }
                    self.skip_spaces();
                    names.push(self.quoted()?);
                }
                if names.len() == 1 {
                    Selector::Name(names.remove(0))
                } else {
                    Selector::Names(names)
                }
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.indices_or_slice()?,
            Some('(') => return Err(self.error("script expressions '[(…)]' are not supported")),
            Some(found) => {
                return Err(self.error(format!("unexpected character '{found}' after '['")));
            }
            None => return Err(self.error("unterminated '['")),
        };
        self.skip_spaces();
        self.expect(']')?;
        Ok(selector)
    }

    /// A quoted name; the backslash guards the next character and is kept, as AWS does.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let Some(quote) = self.peek().filter(|c| *c == '\'' || *c == '"') else {
            return Err(self.error("expected a quoted name"));
        };
        let start = self.position;
        self.position += 1;
        let mut name = String::new();
        loop {
            match self.peek() {
                None => {
                    self.position = start;
                    return Err(self.error("unterminated quoted name"));
                }
                Some('\\') => {
                    name.push('\\');
                    self.position += 1;
                    if let Some(next) = self.peek() {
                        name.push(next);
                        self.position += 1;
                    }
                }
                Some(c) if c == quote => {
                    self.position += 1;
                    return Ok(name);
                }
                Some(c) => {
                    name.push(c);
                    self.position += 1;
                }
            }
        }
    }

    fn integer(&mut self) -> Result<Option<i64>, ParseError> {
        self.skip_spaces();
        let start = self.position;
        if self.peek() == Some('-') {
            self.position += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.position += 1;
        }
        let digits: String = self
            .chars
            .get(start..self.position)
            .unwrap_or_default()
            .iter()
            .collect();
        self.skip_spaces();
        if digits.is_empty() {
            return Ok(None);
        }
        digits
            .parse::<i64>()
            .map(Some)
            .map_err(|_| self.error(format!("'{digits}' is not a valid array index")))
    }

    /// `[0]`, `[-1]`, `[0,2]`, `[1:3]`, `[:2]`, `[-2:]`, `[1:5:2]`.
    fn indices_or_slice(&mut self) -> Result<Selector, ParseError> {
        let first = self.integer()?;
        if self.peek() == Some(':') {
            self.position += 1;
            let end = self.integer()?;
            let mut step = 1;
            if self.eat(':') {
                step = match self.integer()? {
                    None => 1,
                    Some(step) if step > 0 => step,
                    Some(_) => return Err(self.error("a slice step must be a positive number")),
                };
            }
            return Ok(Selector::Slice {
                start: first,
                end,
                step,
            });
        }
        let Some(first) = first else {
            return Err(self.error("expected an array index"));
        };
        let mut indices = vec![first];
        while self.eat(',') {
            match self.integer()? {
                Some(index) => indices.push(index),
                None => return Err(self.error("expected an array index after ','")),
            }
        }
        Ok(if indices.len() == 1 {
            Selector::Index(first)
        } else {
            Selector::Indices(indices)
        })
    }

    fn filter_or(&mut self) -> Result<Filter, ParseError> {
        let mut parts = vec![self.filter_and()?];
        loop {
            self.skip_spaces();
            if self.peek() == Some('|') && self.peek_at(1) == Some('|') {
                self.position += 2;
                parts.push(self.filter_and()?);
            } else {
                break;
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::Or(parts)
        })
    }

    fn filter_and(&mut self) -> Result<Filter, ParseError> {
        let mut parts = vec![self.filter_unary()?];
        loop {
            self.skip_spaces();
            if self.peek() == Some('&') && self.peek_at(1) == Some('&') {
                self.position += 2;
                parts.push(self.filter_unary()?);
            } else {
                break;
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::And(parts)
        })
    }

    fn filter_unary(&mut self) -> Result<Filter, ParseError> {
        self.skip_spaces();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.position += 1;
            self.enter()?;
            let inner = self.filter_unary()?;
            self.leave();
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.eat('(') {
            self.enter()?;
            let inner = self.filter_or()?;
            self.leave();
            self.skip_spaces();
            self.expect(')')?;
            return Ok(inner);
        }
        let left = self.operand()?;
        self.skip_spaces();
        let Some(op) = self.compare_op()? else {
            return match left {
                Operand::Literal(_) => Err(self.error("a filter needs a path or a comparison")),
                path => Ok(Filter::Exists(path)),
            };
        };
        let right = self.operand()?;
        Ok(Filter::Compare { left, op, right })
    }

    fn compare_op(&mut self) -> Result<Option<CompareOp>, ParseError> {
        let symbolic = [
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ];
        if self.peek() == Some('=') && self.peek_at(1) == Some('~') {
            return Err(self.error("regular expression filters '=~' are not supported"));
        }
        for (symbol, op) in symbolic {
            if self.looking_at(symbol) {
                self.position += symbol.chars().count();
                // Jayway accepts `===` and `!==` as `==` and `!=`.
                if matches!(op, CompareOp::Eq | CompareOp::Ne) {
                    self.eat('=');
                }
                return Ok(Some(op));
            }
        }
        let words = [
            ("subsetof", CompareOp::SubsetOf),
            ("anyof", CompareOp::AnyOf),
            ("noneof", CompareOp::NoneOf),
            ("size", CompareOp::Size),
            ("empty", CompareOp::Empty),
            ("nin", CompareOp::Nin),
            ("in", CompareOp::In),
        ];
        for (word, op) in words {
            let after = self.peek_at(word.len());
            if self.looking_at(word) && !after.is_some_and(char::is_alphanumeric) {
                self.position += word.len();
                return Ok(Some(op));
            }
        }
        Ok(None)
    }

    fn looking_at(&self, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(offset, c)| self.peek_at(offset) == Some(c))
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        self.skip_spaces();
        match self.peek() {
            Some('@') => {
                self.position += 1;
                Ok(Operand::Current(self.steps(true)?))
            }
            Some('$') => {
                self.position += 1;
                Ok(Operand::Root(self.steps(true)?))
            }
            Some(_) => Ok(Operand::Literal(self.literal()?)),
            None => Err(self.error("expected a value in the filter")),
        }
    }

    fn literal(&mut self) -> Result<Value, ParseError> {
        self.skip_spaces();
        match self.peek() {
            Some('\'' | '"') => {
                let raw = self.quoted()?;
                Ok(Value::String(unescape_literal(&raw)))
            }
            Some('[') => {
                self.position += 1;
                self.enter()?;
                let mut items = Vec::new();
                self.skip_spaces();
                if !self.eat(']') {
                    loop {
                        items.push(self.literal()?);
                        self.skip_spaces();
                        if self.eat(',') {
                            continue;
                        }
                        self.expect(']')?;
                        break;
                    }
                }
                self.leave();
                Ok(Value::Array(items))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            _ => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.looking_at(word) {
                        self.position += word.len();
                        return Ok(value);
                    }
                }
                Err(self.error("expected a path, string, number, true, false, null or array"))
            }
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.position;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.position += 1;
        }
        let text: String = self
            .chars
            .get(start..self.position)
            .unwrap_or_default()
            .iter()
            .collect();
        match serde_json::from_str::<Number>(&text) {
            Ok(number) => Ok(Value::Number(number)),
            Err(_) => {
                self.position = start;
                Err(self.error(format!("'{text}' is not a number")))
            }
        }
    }
}

/// Filter string literals do honour escapes (`'it\'s'`), unlike field names.
pub(super) fn unescape_literal(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

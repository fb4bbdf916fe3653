//! The JSONata tokenizer, as jsonata-js's: tokens are read one at a time on the parser's demand,
//! because whether `/` starts a regular expression or divides depends on where the parser is.
//! Positions are character offsets just past the token, as jsonata-js reports them.

use super::error::{Failure, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Operator(&'static str),
    Name(String),
    Variable(String),
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    Regex { pattern: String, flags: String },
}

/// jsonata-js's operator table: binding powers. Single characters here also end a name.
pub const OPERATORS: &[(&str, u32)] = &[
    (".", 75),
    ("[", 80),
    ("]", 0),
    ("{", 70),
    ("}", 0),
    ("(", 80),
    (")", 0),
    (",", 0),
    ("@", 80),
    ("#", 80),
    (";", 80),
    (":", 80),
    ("?", 20),
    ("+", 50),
    ("-", 50),
    ("*", 60),
    ("/", 60),
    ("%", 60),
    ("|", 20),
    ("=", 40),
    ("<", 40),
    (">", 40),
    ("^", 40),
    ("**", 60),
    ("..", 20),
    (":=", 10),
    ("!=", 40),
    ("<=", 40),
    (">=", 40),
    ("~>", 40),
    ("?:", 40),
    ("??", 40),
    ("and", 30),
    ("or", 25),
    ("in", 40),
    ("&", 50),
    ("!", 0),
    ("~", 0),
];

pub fn binding_power(op: &str) -> u32 {
    OPERATORS
        .iter()
        .find(|(o, _)| *o == op)
        .map(|(_, bp)| *bp)
        .unwrap_or(0)
}

fn operator(op: &str) -> Option<&'static str> {
    OPERATORS.iter().find(|(o, _)| *o == op).map(|(o, _)| *o)
}

fn is_single_operator(c: char) -> bool {
    ".[]{}(),@#;:?+-*/%|=<>^&!~".contains(c)
}

pub struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    pub fn new(text: &str) -> Self {
        Lexer {
            chars: text.chars().collect(),
            pos: 0,
        }
    }

    pub fn text_len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// The next token and the position just past it; `None` at the end of the text. `infix` says
    /// the token follows a complete operand, where `/` divides instead of opening a regex.
    pub fn next(&mut self, infix: bool) -> Result<Option<(Token, usize)>> {
        loop {
            while self
                .at(self.pos)
                .is_some_and(|c| " \t\n\r\u{b}".contains(c))
            {
                self.pos += 1;
            }
            if self.at(self.pos) == Some('/') && self.at(self.pos + 1) == Some('*') {
                let start = self.pos;
                self.pos += 2;
                loop {
                    match self.at(self.pos) {
                        None => return Err(Failure::new("S0106").at(start)),
                        Some('*') if self.at(self.pos + 1) == Some('/') => {
                            self.pos += 2;
                            break;
                        }
                        Some(_) => self.pos += 1,
                    }
                }
                continue;
            }
            break;
        }
        let Some(c) = self.at(self.pos) else {
            return Ok(None);
        };
        if !infix && c == '/' {
            self.pos += 1;
            let tok = self.scan_regex()?;
            return Ok(Some((tok, self.pos)));
        }
        if let Some(next) = self.at(self.pos + 1) {
            let pair: String = [c, next].iter().collect();
            if matches!(
                pair.as_str(),
                ".." | ":=" | "!=" | ">=" | "<=" | "**" | "~>" | "?:" | "??"
            ) {
                self.pos += 2;
                return Ok(Some((
                    Token::Operator(operator(&pair).unwrap_or("..")),
                    self.pos,
                )));
            }
        }
        if is_single_operator(c) {
            self.pos += 1;
            let op = operator(&c.to_string()).unwrap_or(".");
            return Ok(Some((Token::Operator(op), self.pos)));
        }
        if c == '"' || c == '\'' {
            self.pos += 1;
            let s = self.scan_string(c)?;
            return Ok(Some((Token::String(s), self.pos)));
        }
        if c.is_ascii_digit() {
            return self.scan_number().map(Some);
        }
        if c == '`' {
            self.pos += 1;
            let start = self.pos;
            while let Some(ch) = self.at(self.pos) {
                if ch == '`' {
                    let name: String = self.chars[start..self.pos].iter().collect();
                    self.pos += 1;
                    return Ok(Some((Token::Name(name), self.pos)));
                }
                self.pos += 1;
            }
            return Err(Failure::new("S0105").at(self.pos));
        }
        // A name runs to whitespace or an operator character.
        let start = self.pos;
        let mut i = self.pos;
        while let Some(ch) = self.at(i) {
            if " \t\n\r\u{b}".contains(ch) || is_single_operator(ch) {
                break;
            }
            i += 1;
        }
        self.pos = i;
        if c == '$' {
            let name: String = self.chars[start + 1..i].iter().collect();
            return Ok(Some((Token::Variable(name), i)));
        }
        let name: String = self.chars[start..i].iter().collect();
        let tok = match name.as_str() {
            "and" => Token::Operator("and"),
            "or" => Token::Operator("or"),
            "in" => Token::Operator("in"),
            "true" => Token::Bool(true),
            "false" => Token::Bool(false),
            "null" => Token::Null,
            _ => Token::Name(name),
        };
        Ok(Some((tok, i)))
    }

    fn scan_string(&mut self, quote: char) -> Result<String> {
        let mut out = String::new();
        while let Some(c) = self.at(self.pos) {
            if c == '\\' {
                self.pos += 1;
                let Some(e) = self.at(self.pos) else { break };
                match e {
                    '"' | '\\' | '/' => out.push(e),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let unit = self.hex4(self.pos + 1)?;
                        self.pos += 4;
                        // A surrogate pair spelled as two escapes is one character.
                        if (0xD800..0xDC00).contains(&unit)
                            && self.at(self.pos + 1) == Some('\\')
                            && self.at(self.pos + 2) == Some('u')
                            && let Ok(low) = self.hex4(self.pos + 3)
                            && (0xDC00..0xE000).contains(&low)
                        {
                            let cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            self.pos += 6;
                            self.pos += 1;
                            continue;
                        }
                        out.push(char::from_u32(unit).unwrap_or('\u{FFFD}'));
                    }
                    other => {
                        return Err(Failure::new("S0103").at(self.pos).token(other.to_string()));
                    }
                }
            } else if c == quote {
                self.pos += 1;
                return Ok(out);
            } else {
                out.push(c);
            }
            self.pos += 1;
        }
        Err(Failure::new("S0101").at(self.pos))
    }

    fn hex4(&self, from: usize) -> Result<u32> {
        let digits: String = (from..from + 4).filter_map(|i| self.at(i)).collect();
        if digits.len() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit()) {
            u32::from_str_radix(&digits, 16).map_err(|_| Failure::new("S0104").at(from))
        } else {
            Err(Failure::new("S0104").at(from))
        }
    }

    /// `0|[1-9][0-9]*` then an optional fraction and exponent, as jsonata-js's number regex.
    fn scan_number(&mut self) -> Result<(Token, usize)> {
        let start = self.pos;
        let mut i = self.pos;
        let digit = |i: usize| self.at(i).is_some_and(|c| c.is_ascii_digit());
        if self.at(i) == Some('0') {
            i += 1;
        } else {
            while digit(i) {
                i += 1;
            }
        }
        if self.at(i) == Some('.') && digit(i + 1) {
            i += 1;
            while digit(i) {
                i += 1;
            }
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('+' | '-')) {
                j += 1;
            }
            if digit(j) {
                while digit(j) {
                    j += 1;
                }
                i = j;
            }
        }
        let text: String = self.chars[start..i].iter().collect();
        self.pos = i;
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok((Token::Number(n), i)),
            _ => Err(Failure::new("S0102").at(start).token(text)),
        }
    }

    /// After the opening `/`: up to the closing `/` outside brackets, then the `i`/`m` flags.
    fn scan_regex(&mut self) -> Result<Token> {
        let start = self.pos;
        let mut depth: i32 = 0;
        while let Some(c) = self.at(self.pos) {
            let escaped = self.pos > 0 && self.at(self.pos - 1) == Some('\\');
            if c == '/' && depth == 0 {
                let mut backslashes = 0;
                while self.pos > backslashes && self.at(self.pos - backslashes - 1) == Some('\\') {
                    backslashes += 1;
                }
                if backslashes % 2 == 0 {
                    let pattern: String = self.chars[start..self.pos].iter().collect();
                    if pattern.is_empty() {
                        return Err(Failure::new("S0301").at(self.pos));
                    }
                    self.pos += 1;
                    let fstart = self.pos;
                    while matches!(self.at(self.pos), Some('i' | 'm')) {
                        self.pos += 1;
                    }
                    let flags: String = self.chars[fstart..self.pos].iter().collect();
                    return Ok(Token::Regex { pattern, flags });
                }
            }
            if matches!(c, '(' | '[' | '{') && !escaped {
                depth += 1;
            }
            if matches!(c, ')' | ']' | '}') && !escaped {
                depth -= 1;
            }
            self.pos += 1;
        }
        Err(Failure::new("S0302").at(self.pos))
    }
}

#[cfg(test)]
mod tests;

//! Regular expression literals (`/pattern/flags`) with JavaScript `RegExp` semantics, as
//! jsonata-js uses them. `regress` (an ECMAScript engine) checks the syntax. Matching runs on the
//! `regex` crate, whose time is linear in the text, after translating the pattern to its syntax
//! (JavaScript's ASCII `\d`/`\w`, its `\s` and `.`): a backtracking engine takes exponential time
//! on patterns like `(a+)+$`, which would let one expression hang the host. Only the patterns
//! the `regex` crate cannot express (back-references, look-around) run on `regress`, on texts
//! of bounded length. Offsets are bytes here; callers convert them.

use std::ops::Range;

use super::error::{Failure, Result};

pub struct RegexLiteral {
    pub pattern: String,
    pub flags: String,
    engine: Engine,
}

enum Engine {
    Linear(regex::Regex),
    Backtracking(regress::Regex),
}

/// The longest text a backtracking-only pattern is run on.
const MAX_BACKTRACKING_TEXT: usize = 1000;

impl std::fmt::Debug for RegexLiteral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}/{}", self.pattern, self.flags)
    }
}

/// One match: the byte range of the whole match and of each capture group.
#[derive(Debug, Clone)]
pub struct Found {
    pub range: Range<usize>,
    pub groups: Vec<Option<Range<usize>>>,
}

impl RegexLiteral {
    pub fn new(pattern: &str, flags: &str) -> Result<RegexLiteral> {
        let backtracking = regress::Regex::with_flags(pattern, flags)
            .map_err(|e| Failure::new("S0303").value(format!("{:?}", e.to_string())))?;
        let linear = translate(pattern, flags).and_then(|t| {
            regex::RegexBuilder::new(&t)
                .size_limit(1 << 22)
                .dfa_size_limit(1 << 22)
                .build()
                .ok()
        });
        let engine = match linear {
            Some(linear) => Engine::Linear(linear),
            None => Engine::Backtracking(backtracking),
        };
        Ok(RegexLiteral {
            pattern: pattern.to_string(),
            flags: flags.to_string(),
            engine,
        })
    }

    /// The first match at or after byte offset `from`.
    pub fn find_at(&self, text: &str, from: usize) -> Option<Found> {
        if from > text.len() || !text.is_char_boundary(from) {
            return None;
        }
        match &self.engine {
            Engine::Linear(re) => {
                let caps = re.captures_at(text, from)?;
                let range = caps.get(0)?.range();
                let groups = caps.iter().skip(1).map(|g| g.map(|m| m.range())).collect();
                Some(Found { range, groups })
            }
            Engine::Backtracking(re) => {
                if text.len() > MAX_BACKTRACKING_TEXT {
                    return None;
                }
                let m = re.find_from(text, from).next()?;
                Some(Found {
                    range: m.range(),
                    groups: m.groups().skip(1).collect(),
                })
            }
        }
    }

    /// Every match from the start, advancing past empty matches as `String.prototype.replace`
    /// with a global regex does.
    pub fn find_all(&self, text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        let mut from = 0;
        while from <= text.len() {
            let Some(found) = self.find_at(text, from) else {
                break;
            };
            from = if found.range.is_empty() {
                next_boundary(text, found.range.end)
            } else {
                found.range.end
            };
            out.push(found);
        }
        out
    }
}

/// JavaScript's `\s`.
const JS_SPACE: &str = "\\t\\n\\x0B\\x0C\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";

/// A JavaScript (non-Unicode mode) pattern in the `regex` crate's syntax, or `None` when it uses
/// what that crate cannot match in linear time (back-references, look-around) or cannot parse.
fn translate(pattern: &str, flags: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    if flags.contains('i') {
        out.push_str("(?i)");
    }
    if flags.contains('m') {
        out.push_str("(?m)");
    }
    let mut i = 0;
    let mut in_class = false;
    let hex = |from: usize, n: usize| -> bool {
        from + n <= chars.len() && chars[from..from + n].iter().all(|c| c.is_ascii_hexdigit())
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let e = *chars.get(i + 1)?;
            i += 2;
            let class = |inner: &str, negated: bool| -> String {
                match (in_class, negated) {
                    (true, false) => inner.to_string(),
                    (_, true) => format!("[^{inner}]"),
                    (false, false) => format!("[{inner}]"),
                }
            };
            match e {
                'd' => out.push_str(&class("0-9", false)),
                'D' => out.push_str(&class("0-9", true)),
                'w' => out.push_str(&class("0-9A-Za-z_", false)),
                'W' => out.push_str(&class("0-9A-Za-z_", true)),
                's' => out.push_str(&class(JS_SPACE, false)),
                'S' => out.push_str(&class(JS_SPACE, true)),
                'b' if in_class => out.push_str("\\x08"),
                'b' | 'B' => {
                    out.push('\\');
                    out.push(e);
                }
                'n' | 'r' | 't' | 'f' | 'v' => {
                    out.push('\\');
                    out.push(e);
                }
                '0' if !chars.get(i).is_some_and(|c| c.is_ascii_digit()) => out.push_str("\\x00"),
                '1'..='9' | 'k' | '0' => return None,
                'x' if hex(i, 2) => {
                    out.push_str("\\x");
                    out.extend(&chars[i..i + 2]);
                    i += 2;
                }
                'u' if hex(i, 4) => {
                    out.push_str("\\u");
                    out.extend(&chars[i..i + 4]);
                    i += 4;
                }
                'c' if chars.get(i).is_some_and(|c| c.is_ascii_alphabetic()) => {
                    out.push_str(&format!("\\x{:02X}", (chars[i] as u32) % 32));
                    i += 1;
                }
                e if e.is_ascii_alphanumeric() => out.push_str(&regex::escape(&e.to_string())),
                e => out.push_str(&regex::escape(&e.to_string())),
            }
            continue;
        }
        if in_class {
            match c {
                ']' => {
                    in_class = false;
                    out.push(']');
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                if chars.get(i + 1) == Some(&'^') && chars.get(i + 2) == Some(&']') {
                    out.push_str("(?s:.)");
                    i += 3;
                    continue;
                }
                if chars.get(i + 1) == Some(&']')
                    || (chars.get(i + 1) == Some(&'^') && chars.get(i + 2) == Some(&']'))
                {
                    return None;
                }
                in_class = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` first in a JavaScript class closes it; in the regex crate it is literal.
                if chars.get(i + 1) == Some(&']') {
                    return None;
                }
            }
            '.' => out.push_str("[^\\n\\r\\x{2028}\\x{2029}]"),
            '(' => {
                if chars.get(i + 1) == Some(&'?') {
                    match chars.get(i + 2) {
                        Some(':') => {}
                        Some('<') if matches!(chars.get(i + 3), Some('=' | '!')) => return None,
                        Some('<') => {}
                        _ => return None,
                    }
                }
                out.push('(');
            }
            '{' => {
                // A quantifier `{n}`, `{n,}` or `{n,m}`; otherwise a literal brace, as in JavaScript.
                let rest: String = chars[i..chars.len().min(i + 24)].iter().collect();
                let end = rest.find('}');
                let is_quantifier = end.is_some_and(|e| {
                    let body = &rest[1..e];
                    let mut parts = body.splitn(2, ',');
                    let a = parts.next().unwrap_or("");
                    let b = parts.next();
                    !a.is_empty()
                        && a.bytes().all(|x| x.is_ascii_digit())
                        && b.is_none_or(|b| b.bytes().all(|x| x.is_ascii_digit()))
                });
                if is_quantifier {
                    let e = end.unwrap_or(0);
                    out.push_str(&rest[..=e]);
                    i += rest[..=e].chars().count();
                    continue;
                }
                out.push_str("\\{");
            }
            '}' => out.push_str("\\}"),
            ']' => out.push_str("\\]"),
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

/// The byte offset of the character after `at` (one past the end at the end).
pub fn next_boundary(text: &str, at: usize) -> usize {
    text[at.min(text.len())..]
        .chars()
        .next()
        .map(|c| at + c.len_utf8())
        .unwrap_or(text.len() + 1)
}

/// The number of UTF-16 code units in `text[..byte]`: JavaScript's string index.
pub fn utf16_index(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].encode_utf16().count()
}

#[cfg(test)]
mod tests;

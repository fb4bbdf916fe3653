//! Regular expression literals (`/pattern/flags`), compiled with `regress` for ECMAScript
//! semantics as jsonata-js uses JavaScript's `RegExp`. Matching runs on regress's PikeVM
//! executor, whose cost grows with the text times the pattern rather than exponentially, so a
//! hostile pattern cannot hang the host. Offsets are bytes here; callers convert them.

use std::ops::Range;

use super::error::{Failure, Result};

pub struct RegexLiteral {
    pub pattern: String,
    pub flags: String,
    regex: regress::Regex,
}

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
        let regex = regress::Regex::with_flags(pattern, flags)
            .map_err(|e| Failure::new("S0303").value(format!("{:?}", e.to_string())))?;
        Ok(RegexLiteral {
            pattern: pattern.to_string(),
            flags: flags.to_string(),
            regex,
        })
    }

    /// The first match at or after byte offset `from`.
    pub fn find_at(&self, text: &str, from: usize) -> Option<Found> {
        if from > text.len() || !text.is_char_boundary(from) {
            return None;
        }
        let m =
            regress::backends::find::<regress::backends::PikeVMExecutor>(&self.regex, text, from)
                .next()?;
        Some(Found {
            range: m.range(),
            groups: m.groups().skip(1).collect(),
        })
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
mod tests {
    use super::*;

    #[test]
    fn finds_with_groups_and_flags() {
        let re = RegexLiteral::new("a(b+)?", "i").unwrap_or_else(|e| panic!("{e}"));
        let all = re.find_all("xAbbya");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].range, 1..4);
        assert_eq!(all[0].groups, vec![Some(2..4)]);
        assert_eq!(all[1].groups, vec![None]);
    }

    #[test]
    fn pathological_patterns_finish() {
        let re = RegexLiteral::new("(a+)+$", "").unwrap_or_else(|e| panic!("{e}"));
        let text = format!("{}b", "a".repeat(40));
        assert!(re.find_at(&text, 0).is_none());
    }
}

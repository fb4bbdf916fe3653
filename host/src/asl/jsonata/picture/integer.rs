//! `$formatInteger` and `$parseInteger`: the XPath `format-integer` picture (decimal digit
//! patterns with grouping separators in any Unicode digit family, `a`/`A` spreadsheet letters,
//! `i`/`I` roman numerals, `w`/`W`/`Ww` English words, the `;o` ordinal modifier) and its inverse.
//!
//! The date/time formatter reuses [`IntegerFormat`] for its numeric components, so the analysed
//! picture and the formatting and parsing of one value live here.

use super::PictureError;

/// Largest magnitude written in roman numerals. Each thousand costs one `M`; jsonata-js recurses
/// once per numeral and so fails long before any larger bound would matter.
const MAX_ROMAN: f64 = 1_000_000.0;

/// The zero of every Unicode decimal digit family jsonata-js recognises in a digit pattern.
const DECIMAL_GROUPS: [u32; 37] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 8] = [
    "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety",
];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];

/// Letter case of letters, roman numerals and words (and of month and day names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Upper,
    Lower,
    Title,
}

/// The numbering scheme of a picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    /// A numbering sequence (`α`, `#`, ...), which the spec leaves to the implementation and
    /// jsonata-js rejects with D3130 when it is used, not when it is read.
    Sequence(String),
}

/// Where grouping separators go, counted in digits from the right.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Grouping {
    /// The same separator every `every` digits, as far left as the digits go.
    Regular { every: usize, separator: char },
    /// Separators at fixed positions only (possibly none).
    Irregular(Vec<(usize, char)>),
}

/// An analysed integer picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IntegerFormat {
    pub primary: Primary,
    pub case: Case,
    pub ordinal: bool,
    /// Code point of the zero of the digit family.
    pub zero: u32,
    pub mandatory_digits: usize,
    pub optional_digits: usize,
    pub grouping: Grouping,
    /// When a date/time marker is followed directly by another numeric marker, its digits are
    /// read as exactly this many (jsonata-js 2.0's `parseWidth`).
    pub parse_width: Option<usize>,
}

/// `$formatInteger(value, picture)`: `value` is rounded down first, as jsonata-js does.
pub fn format_integer(value: f64, picture: &str) -> Result<String, PictureError> {
    let format = analyse(picture)?;
    format_with(value.floor(), &format)
}

/// `$parseInteger(text, picture)`. Like jsonata-js it does not validate `text` against the
/// picture: decimal text is read as far as its leading digits go, and text that holds no number
/// (no digits, an unknown word or numeral) gives `NaN`, which the caller maps to its own
/// "not a number" outcome.
pub fn parse_integer(text: &str, picture: &str) -> Result<f64, PictureError> {
    let format = analyse(picture)?;
    parse_with(text, &format)
}

/// Analyses an integer picture: `primary[;modifier]` where only a modifier starting with `o`
/// (ordinal) has an effect.
pub(crate) fn analyse(picture: &str) -> Result<IntegerFormat, PictureError> {
    let (primary, ordinal) = match picture.rfind(';') {
        Some(i) => (&picture[..i], picture[i + 1..].starts_with('o')),
        None => (picture, false),
    };
    let mut format = IntegerFormat {
        primary: Primary::Decimal,
        case: Case::Lower,
        ordinal,
        zero: 0x30,
        mandatory_digits: 0,
        optional_digits: 0,
        grouping: Grouping::Irregular(Vec::new()),
        parse_width: None,
    };
    let (scheme, case) = match primary {
        "A" => (Primary::Letters, Case::Upper),
        "a" => (Primary::Letters, Case::Lower),
        "I" => (Primary::Roman, Case::Upper),
        "i" => (Primary::Roman, Case::Lower),
        "W" => (Primary::Words, Case::Upper),
        "Ww" => (Primary::Words, Case::Title),
        "w" => (Primary::Words, Case::Lower),
        _ => {
            analyse_digits(primary, &mut format)?;
            return Ok(format);
        }
    };
    format.primary = scheme;
    format.case = case;
    Ok(format)
}

/// A decimal digit pattern: digits of one family (mandatory), `#` (optional), and anything else
/// is a grouping separator. Without a single digit it is a numbering sequence.
fn analyse_digits(primary: &str, format: &mut IntegerFormat) -> Result<(), PictureError> {
    let mut zero = None;
    let mut position = 0;
    let mut separators = Vec::new();
    // Read right to left: a separator's position is the number of digit signs to its right.
    for c in primary.chars().rev() {
        if let Some(group) = digit_group(c) {
            format.mandatory_digits += 1;
            position += 1;
            match zero {
                None => zero = Some(group),
                Some(z) if z != group => return Err(PictureError::new("D3131", "")),
                Some(_) => {}
            }
        } else if c == '#' {
            format.optional_digits += 1;
            position += 1;
        } else {
            separators.push((position, c));
        }
    }
    match zero {
        Some(z) => {
            format.zero = z;
            format.grouping = grouping_of(separators);
        }
        None => format.primary = Primary::Sequence(primary.to_string()),
    }
    Ok(())
}

/// The zero of the digit family `c` belongs to, if any.
fn digit_group(c: char) -> Option<u32> {
    let code = c as u32;
    DECIMAL_GROUPS
        .iter()
        .copied()
        .find(|&z| (z..=z + 9).contains(&code))
}

/// Separators are regular when they are all the same character at every multiple of one
/// interval (XPath F&O §4.6.1). A separator at position 0 (after the last digit) never makes a
/// regular pattern: its interval would be zero and jsonata-js would loop forever.
fn grouping_of(separators: Vec<(usize, char)>) -> Grouping {
    if let Some(&(_, first)) = separators.first() {
        let same = separators.iter().all(|&(_, c)| c == first);
        let factor = separators.iter().fold(0, |a, &(p, _)| gcd(a, p));
        let positions: std::collections::HashSet<usize> =
            separators.iter().map(|&(p, _)| p).collect();
        let every_multiple =
            factor > 0 && (1..=separators.len()).all(|i| positions.contains(&(i * factor)));
        if same && every_multiple {
            return Grouping::Regular {
                every: factor,
                separator: first,
            };
        }
    }
    Grouping::Irregular(separators)
}

pub(crate) fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Formats an integral `value` with an analysed picture.
pub(crate) fn format_with(value: f64, format: &IntegerFormat) -> Result<String, PictureError> {
    if !value.is_finite() {
        return Err(PictureError::limit(format!(
            "Cannot format {value} as an integer"
        )));
    }
    let negative = value < 0.0;
    let magnitude = value.abs();
    let body = match &format.primary {
        Primary::Letters => letters(magnitude, format.case),
        Primary::Roman => {
            if magnitude > MAX_ROMAN {
                return Err(PictureError::limit(format!(
                    "Cannot write {value} in roman numerals: the largest supported magnitude is {MAX_ROMAN}"
                )));
            }
            let roman = roman(magnitude);
            if format.case == Case::Upper {
                roman.to_uppercase()
            } else {
                roman
            }
        }
        Primary::Words => {
            let words = words(magnitude, format.ordinal);
            match format.case {
                Case::Upper => words.to_uppercase(),
                Case::Lower => words.to_lowercase(),
                Case::Title => words,
            }
        }
        Primary::Decimal => decimal(magnitude, format),
        Primary::Sequence(token) => return Err(PictureError::new("D3130", token)),
    };
    Ok(if negative { format!("-{body}") } else { body })
}

/// Digits padded to the mandatory count, in the picture's digit family, grouped, with an
/// English ordinal suffix when asked.
fn decimal(magnitude: f64, format: &IntegerFormat) -> String {
    let ascii = format!("{magnitude:.0}");
    let mut digits: Vec<char> = Vec::with_capacity(format.mandatory_digits.max(ascii.len()));
    digits.extend(std::iter::repeat_n(
        '0',
        format.mandatory_digits.saturating_sub(ascii.len()),
    ));
    digits.extend(ascii.chars());
    if format.zero != 0x30 {
        for d in &mut digits {
            *d = char::from_u32(*d as u32 - 0x30 + format.zero).unwrap_or(*d);
        }
    }
    let mut text = group(&digits, &format.grouping);
    if format.ordinal {
        text.push_str(ordinal_suffix(&ascii));
    }
    text
}

/// Inserts grouping separators into a run of digits. Separators go only between digits: where
/// the digits run out before a separator's position jsonata-js writes it anyway (`,,12`), which
/// no reading of XPath allows.
pub(crate) fn group(digits: &[char], grouping: &Grouping) -> String {
    let len = digits.len();
    let mut out = String::with_capacity(len * 2);
    // Irregular separators are listed by ascending position; walking the digits left to right
    // consumes them from the back, so each is looked at once.
    let mut pending = match grouping {
        Grouping::Irregular(list) => list.len(),
        Grouping::Regular { .. } => 0,
    };
    for (i, &d) in digits.iter().enumerate() {
        // Digits to the right of the gap before digit `i`.
        let right = len - i;
        match grouping {
            Grouping::Regular { every, separator } => {
                if i > 0 && right.is_multiple_of(*every) {
                    out.push(*separator);
                }
            }
            Grouping::Irregular(list) => {
                while pending > 0 && list[pending - 1].0 >= right {
                    let (position, separator) = list[pending - 1];
                    if position == right && i > 0 {
                        out.push(separator);
                    }
                    pending -= 1;
                }
            }
        }
        out.push(d);
    }
    // Separators at position 0 follow the last digit.
    if let Grouping::Irregular(list) = grouping
        && len > 0
    {
        out.extend(
            list[..pending]
                .iter()
                .rev()
                .map(|&(_, separator)| separator),
        );
    }
    out
}

/// `st`, `nd`, `rd` or `th` for the ASCII digits of a number.
fn ordinal_suffix(ascii: &str) -> &'static str {
    let bytes = ascii.as_bytes();
    let last = bytes.last().copied().unwrap_or(b'0');
    let tens = if bytes.len() > 1 {
        bytes[bytes.len() - 2]
    } else {
        b'0'
    };
    match (tens, last) {
        (b'1', _) => "th",
        (_, b'1') => "st",
        (_, b'2') => "nd",
        (_, b'3') => "rd",
        _ => "th",
    }
}

/// Spreadsheet column letters: 1 is `a`, 26 is `z`, 27 is `aa`; 0 is empty.
fn letters(mut value: f64, case: Case) -> String {
    let a = if case == Case::Upper { b'A' } else { b'a' };
    let mut out = Vec::new();
    // Each step divides by 26, so even the largest double takes about 220 steps.
    while value > 0.0 {
        let index = ((value - 1.0) % 26.0).clamp(0.0, 25.0) as u8;
        out.push(char::from(a + index));
        value = ((value - 1.0) / 26.0).floor();
    }
    out.iter().rev().collect()
}

const ROMAN: [(f64, &str); 13] = [
    (1000.0, "m"),
    (900.0, "cm"),
    (500.0, "d"),
    (400.0, "cd"),
    (100.0, "c"),
    (90.0, "xc"),
    (50.0, "l"),
    (40.0, "xl"),
    (10.0, "x"),
    (9.0, "ix"),
    (5.0, "v"),
    (4.0, "iv"),
    (1.0, "i"),
];

/// Lower-case roman numerals; 0 is empty.
fn roman(mut value: f64) -> String {
    let mut out = String::new();
    for &(size, numeral) in &ROMAN {
        while value >= size {
            out.push_str(numeral);
            value -= size;
        }
    }
    out
}

/// English words in title case ("Five Hundred and Fifty-Five"), as jsonata-js spells them:
/// magnitudes stop at trillion, so 10^15 is "One Thousand Trillion".
fn words(value: f64, ordinal: bool) -> String {
    let mut out = String::new();
    words_into(&mut out, value, false, ordinal);
    out
}

fn words_into(out: &mut String, num: f64, prev: bool, ordinal: bool) {
    if num <= 19.0 {
        if prev {
            out.push_str(" and ");
        }
        let i = num.clamp(0.0, 19.0) as usize;
        out.push_str(if ordinal { ORDINALS[i] } else { FEW[i] });
    } else if num < 100.0 {
        if prev {
            out.push_str(" and ");
        }
        let tens = (num / 10.0).floor();
        let remainder = num - tens * 10.0;
        let decade = DECADES[(tens as usize).clamp(2, 9) - 2];
        if remainder > 0.0 {
            out.push_str(decade);
            out.push('-');
            words_into(out, remainder, false, ordinal);
        } else if ordinal {
            // Twenty -> Twentieth.
            out.push_str(&decade[..decade.len() - 1]);
            out.push_str("ieth");
        } else {
            out.push_str(decade);
        }
    } else if num < 1000.0 {
        if prev {
            out.push_str(", ");
        }
        let hundreds = (num / 100.0).floor();
        let remainder = num - hundreds * 100.0;
        out.push_str(FEW[(hundreds as usize).min(19)]);
        out.push_str(" Hundred");
        if remainder > 0.0 {
            words_into(out, remainder, true, ordinal);
        } else if ordinal {
            out.push_str("th");
        }
    } else {
        // jsonata-js takes floor(log10(num) / 3) capped at trillion; comparing with powers of
        // 1000 gives the same magnitude without a rounding error in the logarithm ever making it
        // zero (which would recurse forever).
        let mut magnitude = 1;
        while magnitude < MAGNITUDES.len() && num >= 1000f64.powi(magnitude as i32 + 1) {
            magnitude += 1;
        }
        let factor = 1000f64.powi(magnitude as i32);
        let mantissa = (num / factor).floor();
        let remainder = num - mantissa * factor;
        if prev {
            out.push_str(", ");
        }
        words_into(out, mantissa, false, false);
        out.push(' ');
        out.push_str(MAGNITUDES[magnitude - 1]);
        if remainder > 0.0 {
            words_into(out, remainder, true, ordinal);
        } else if ordinal {
            out.push_str("th");
        }
    }
}

/// Reads text that an analysed picture produced (or that a date/time pattern matched).
pub(crate) fn parse_with(text: &str, format: &IntegerFormat) -> Result<f64, PictureError> {
    Ok(match &format.primary {
        Primary::Letters => letters_to_number(text, format.case),
        Primary::Roman => roman_to_number(text),
        Primary::Words => words_to_number(&text.to_lowercase()),
        Primary::Decimal => decimal_to_number(text, format),
        Primary::Sequence(token) => return Err(PictureError::new("D3130", token)),
    })
}

fn decimal_to_number(text: &str, format: &IntegerFormat) -> f64 {
    let mut chars: Vec<char> = text.chars().collect();
    if format.ordinal {
        chars.truncate(chars.len().saturating_sub(2));
    }
    let is_separator = |c: char| match &format.grouping {
        Grouping::Regular { separator, .. } => c == *separator,
        Grouping::Irregular(list) => list.iter().any(|&(_, s)| s == c),
    };
    let ascii: String = chars
        .into_iter()
        .filter(|&c| !is_separator(c))
        .map(|c| {
            let code = c as u32;
            if format.zero != 0x30 && (format.zero..=format.zero + 9).contains(&code) {
                char::from(b'0' + (code - format.zero) as u8)
            } else {
                c
            }
        })
        .collect();
    parse_int_prefix(&ascii)
}

/// JavaScript's `parseInt` in base 10: leading white space, a sign, then as many digits as
/// there are; `NaN` without any digit.
pub(crate) fn parse_int_prefix(text: &str) -> f64 {
    let text = text.trim_start();
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let end = rest
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    if end == 0 {
        return f64::NAN;
    }
    let value: f64 = rest[..end].parse().unwrap_or(f64::NAN);
    if negative { -value } else { value }
}

/// Inverse of [`letters`]. Text of either case is read in the picture's case (the date/time
/// matcher is case-insensitive, and jsonata-js would otherwise compute from the wrong letter).
fn letters_to_number(text: &str, case: Case) -> f64 {
    let (folded, a) = if case == Case::Upper {
        (text.to_uppercase(), 'A')
    } else {
        (text.to_lowercase(), 'a')
    };
    folded.chars().fold(0.0, |acc, c| {
        acc * 26.0 + (f64::from(c as u32) - f64::from(a as u32) + 1.0)
    })
}

/// Inverse of [`roman`], in either case; a character that is not a numeral gives `NaN`.
fn roman_to_number(text: &str) -> f64 {
    let mut total = 0.0;
    let mut max = 1.0;
    for c in text.chars().rev() {
        let value = match c.to_ascii_uppercase() {
            'M' => 1000.0,
            'D' => 500.0,
            'C' => 100.0,
            'L' => 50.0,
            'X' => 10.0,
            'V' => 5.0,
            'I' => 1.0,
            _ => return f64::NAN,
        };
        if value < max {
            total -= value;
        } else {
            max = value;
            total += value;
        }
    }
    total
}

/// The value of one lower-case number word (cardinal or ordinal), as jsonata-js's table has it.
fn word_value(word: &str) -> Option<f64> {
    if let Some(i) = FEW.iter().position(|w| w.eq_ignore_ascii_case(word)) {
        return Some(i as f64);
    }
    if let Some(i) = ORDINALS.iter().position(|w| w.eq_ignore_ascii_case(word)) {
        return Some(i as f64);
    }
    for (i, decade) in DECADES.iter().enumerate() {
        let value = ((i + 2) * 10) as f64;
        let stem = &decade[..decade.len() - 1];
        if decade.eq_ignore_ascii_case(word)
            || (word.len() == stem.len() + 4
                && word.is_char_boundary(stem.len())
                && word[..stem.len()].eq_ignore_ascii_case(stem)
                && &word[stem.len()..] == "ieth")
        {
            return Some(value);
        }
    }
    if word == "hundred" || word == "hundredth" {
        return Some(100.0);
    }
    for (i, magnitude) in MAGNITUDES.iter().enumerate() {
        let value = 1000f64.powi(i as i32 + 1);
        if magnitude.eq_ignore_ascii_case(word)
            || (word.len() == magnitude.len() + 2
                && word.is_char_boundary(magnitude.len())
                && word[..magnitude.len()].eq_ignore_ascii_case(magnitude)
                && &word[magnitude.len()..] == "th")
        {
            return Some(value);
        }
    }
    None
}

/// Every word the date/time matcher accepts inside a number in words, plus `and`.
pub(crate) fn number_words() -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    words.extend(FEW.iter().map(|w| w.to_lowercase()));
    words.extend(ORDINALS.iter().map(|w| w.to_lowercase()));
    for decade in DECADES {
        let lower = decade.to_lowercase();
        words.push(format!("{}ieth", &lower[..lower.len() - 1]));
        words.push(lower);
    }
    words.push("hundred".into());
    words.push("hundredth".into());
    for magnitude in MAGNITUDES {
        let lower = magnitude.to_lowercase();
        words.push(format!("{lower}th"));
        words.push(lower);
    }
    words.push("and".into());
    words
}

/// Inverse of [`words`] for lower-case text, as jsonata-js computes it: split on `, `, ` and `,
/// white space and hyphens; a word below 100 adds to the current group, a larger one multiplies
/// it. An unknown word (or an empty one, from doubled separators) gives `NaN`.
fn words_to_number(text: &str) -> f64 {
    let mut segments: Vec<f64> = vec![0.0];
    for part in split_words(text) {
        let value = word_value(&part).unwrap_or(f64::NAN);
        if value < 100.0 {
            let mut top = segments.pop().unwrap_or(0.0);
            if top >= 1000.0 {
                segments.push(top);
                top = 0.0;
            }
            segments.push(top + value);
        } else {
            let top = segments.pop().unwrap_or(0.0);
            segments.push(top * value);
        }
    }
    segments.iter().sum()
}

/// jsonata-js's `text.split(/,\s|\sand\s|[\s\\-]/)`.
fn split_words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next_is_space = chars.get(i + 1).is_some_and(|n| n.is_whitespace());
        let and_follows = c.is_whitespace()
            && chars.get(i + 1..i + 4) == Some(&['a', 'n', 'd'][..])
            && chars.get(i + 4).is_some_and(|n| n.is_whitespace());
        let width = if c == ',' && next_is_space {
            2
        } else if and_follows {
            5
        } else if c.is_whitespace() || c == '\\' || c == '-' {
            1
        } else {
            0
        };
        if width == 0 {
            current.push(c);
            i += 1;
        } else {
            parts.push(std::mem::take(&mut current));
            i += width;
        }
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests;

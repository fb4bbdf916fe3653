//! `$toMillis`: ISO 8601 text the way JavaScript's `Date.parse` reads it, and text laid out by
//! a date/time picture the way jsonata-js 2.0's `parseDateTime` reads it (a pattern built from
//! the picture, matched case-insensitively, then missing components defaulted).
//!
//! The picture pattern is matched by a small backtracking matcher over the few shapes a marker
//! can take (digits, letters, numerals, number words, names, offsets) instead of a regular
//! expression engine; failed (part, position) pairs are remembered, so matching is polynomial.

use std::collections::{BTreeMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use super::PictureError;
use super::calendar::{self, MS_PER_DAY};
use super::datetime::{self, DAYS, MONTHS, Marker, Part};
use super::integer::{self, Grouping, Primary};

/// Longest text parsed against a picture. Real timestamps, even spelled out in words, are a
/// few dozen characters; the bound keeps the matcher's work small on hostile input.
const MAX_PARSE_CHARS: usize = 1024;

/// Most (part, position) pairs the matcher tries before giving up. Each try costs at most a
/// walk over the text; real pictures need a few hundred, a hostile one (thousands of
/// variable-length markers) would otherwise need millions of such walks.
const MAX_MATCH_STEPS: usize = 20_000;

/// `$toMillis(text, picture)` at the current time: a picture that leaves out the date takes
/// today's (UTC). Evaluations that fix "now" once (as JSONata does for `$now()`) should call
/// [`parse_datetime_at`].
pub fn parse_datetime(text: &str, picture: Option<&str>) -> Result<Option<i64>, PictureError> {
    let now = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    };
    parse_datetime_at(text, picture, now)
}

/// `$toMillis(text, picture)` with `now` (epoch milliseconds) supplying the components a picture
/// leaves out above the ones it gives.
///
/// Without a picture, `text` must be ISO 8601 as jsonata-js checks it (else D3110) and is read
/// as `Date.parse` reads it, a date-time without an offset counting as UTC (JavaScript would use
/// the machine's zone). `Ok(None)` where jsonata-js returns undefined or `NaN`: the text does
/// not match the picture, the picture has no markers, or the date is impossible.
pub fn parse_datetime_at(
    text: &str,
    picture: Option<&str>,
    now: i64,
) -> Result<Option<i64>, PictureError> {
    match picture {
        None => parse_iso(text),
        Some(picture) => parse_with_picture(text, picture, now),
    }
}

// ---------------------------------------------------------------------------------------------
// ISO 8601 without a picture.

/// jsonata-js first tests `^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?
/// ([+-][0-2]\d:?[0-5]\d|Z)?$` and raises D3110 when it fails, then calls `Date.parse`.
fn parse_iso(text: &str) -> Result<Option<i64>, PictureError> {
    if !iso_shape(text.as_bytes()) {
        return Err(PictureError::new("D3110", text));
    }
    Ok(date_parse(text.as_bytes()))
}

fn digit_in(b: &[u8], i: usize, low: u8, high: u8) -> bool {
    b.get(i).is_some_and(|&c| (low..=high).contains(&c))
}

/// The jsonata-js regular expression. Only the `-dd` runs are ambiguous (a `-0130` may be two
/// date parts or an offset), so those are tried longest first, as the regex backtracks.
fn iso_shape(b: &[u8]) -> bool {
    if !(0..4).all(|i| digit_in(b, i, b'0', b'9')) {
        return false;
    }
    let mut ends = vec![4];
    let mut i = 4;
    while b.get(i) == Some(&b'-')
        && digit_in(b, i + 1, b'0', b'3')
        && digit_in(b, i + 2, b'0', b'9')
    {
        i += 3;
        ends.push(i);
    }
    ends.iter().rev().any(|&start| iso_tail(b, start))
}

/// `(T..:..:..)*(\.\d+)?(offset|Z)?$` from `i`.
fn iso_tail(b: &[u8], mut i: usize) -> bool {
    let time_at = |i: usize| {
        b.get(i) == Some(&b'T')
            && digit_in(b, i + 1, b'0', b'2')
            && digit_in(b, i + 2, b'0', b'9')
            && b.get(i + 3) == Some(&b':')
            && digit_in(b, i + 4, b'0', b'5')
            && digit_in(b, i + 5, b'0', b'9')
            && b.get(i + 6) == Some(&b':')
            && digit_in(b, i + 7, b'0', b'5')
            && digit_in(b, i + 8, b'0', b'9')
    };
    while time_at(i) {
        i += 9;
    }
    if b.get(i) == Some(&b'.') && digit_in(b, i + 1, b'0', b'9') {
        i += 1;
        while digit_in(b, i, b'0', b'9') {
            i += 1;
        }
    }
    match b.get(i) {
        Some(b'Z') => i += 1,
        Some(b'+' | b'-') => {
            if !(digit_in(b, i + 1, b'0', b'2') && digit_in(b, i + 2, b'0', b'9')) {
                return false;
            }
            i += 3;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            if !(digit_in(b, i, b'0', b'5') && digit_in(b, i + 1, b'0', b'9')) {
                return false;
            }
            i += 2;
        }
        _ => {}
    }
    i == b.len()
}

fn number(b: &[u8], from: usize, len: usize) -> Option<i64> {
    let digits = b.get(from..from + len)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// `Date.parse` on text that passed [`iso_shape`]: `YYYY[-MM[-DD]][THH:mm:ss[.fff]][Z|±HH[:]mm]`.
/// Days 29-31 roll into the next month, as V8 allows; hour 24 only as 24:00:00.
fn date_parse(b: &[u8]) -> Option<i64> {
    let year = number(b, 0, 4)?;
    let mut i = 4;
    let mut month = 1;
    let mut day = 1;
    if b.get(i) == Some(&b'-') {
        month = number(b, i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'-') {
            day = number(b, i + 1, 2)?;
            i += 3;
        }
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut has_time = false;
    if b.get(i) == Some(&b'T') {
        has_time = true;
        hour = number(b, i + 1, 2)?;
        minute = number(b, i + 4, 2)?;
        second = number(b, i + 7, 2)?;
        i += 9;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            // Milliseconds are the first three digits; later ones are ignored.
            let mut ms = 0;
            for k in 0..3 {
                ms = ms * 10
                    + b.get(start + k)
                        .filter(|_| start + k < i)
                        .map_or(0, |d| i64::from(d - b'0'));
            }
            millis = ms;
        }
    }
    if hour > 24 || (hour == 24 && (minute, second, millis) != (0, 0, 0)) {
        return None;
    }
    let mut offset = 0;
    match b.get(i) {
        Some(b'Z') => i += 1,
        Some(&sign @ (b'+' | b'-')) => {
            if !has_time {
                return None;
            }
            let hours = number(b, i + 1, 2)?;
            i += 3;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            let minutes = number(b, i, 2)?;
            i += 2;
            offset = hours * 60 + minutes;
            if sign == b'-' {
                offset = -offset;
            }
        }
        _ => {}
    }
    if i != b.len() {
        return None;
    }
    let days = calendar::days_from_civil(year, month as u32, day);
    let time = days * MS_PER_DAY + ((hour * 60 + minute - offset) * 60 + second) * 1000 + millis;
    (time.abs() <= calendar::MAX_TIME).then_some(time)
}

// ---------------------------------------------------------------------------------------------
// Text laid out by a picture.

/// What one part of the picture matches.
#[derive(Debug, Clone)]
enum Matcher {
    /// Literal text, matched case-insensitively.
    Literal(Vec<char>),
    /// `[0-9]+` or exactly `width` digits, then `th|st|nd|rd` when ordinal.
    Digits {
        width: Option<usize>,
        ordinal: bool,
    },
    Letters,
    Roman,
    Words,
    /// Month, day or am/pm names and their values.
    Names(Vec<(String, f64)>),
    /// `[-+][0-9]+`, then `separator[0-9]+` when the picture has one; `GMT` first for `z`.
    Zone {
        gmt: bool,
        separator: Option<char>,
    },
}

struct Slot {
    matcher: Matcher,
    marker: Option<Marker>,
}

fn slots(parts: Vec<Part>) -> Result<Vec<Slot>, PictureError> {
    parts
        .into_iter()
        .map(|part| {
            let marker = match part {
                Part::Literal(text) => {
                    return Ok(Slot {
                        matcher: Matcher::Literal(text.chars().collect()),
                        marker: None,
                    });
                }
                Part::Marker(marker) => marker,
            };
            let matcher = matcher_for(&marker)?;
            Ok(Slot {
                matcher,
                marker: Some(marker),
            })
        })
        .collect()
}

fn matcher_for(marker: &Marker) -> Result<Matcher, PictureError> {
    let c = marker.component;
    if c == 'Z' || c == 'z' {
        let separator = match &marker.integer {
            Some(f) if f.primary == Primary::Decimal => match f.grouping {
                Grouping::Regular { separator, .. } => Some(separator),
                Grouping::Irregular(_) => None,
            },
            _ => None,
        };
        return Ok(Matcher::Zone {
            gmt: c == 'z',
            separator,
        });
    }
    if let Some(format) = &marker.integer {
        return Ok(match &format.primary {
            Primary::Decimal => Matcher::Digits {
                width: format.parse_width,
                ordinal: format.ordinal,
            },
            Primary::Letters => Matcher::Letters,
            Primary::Roman => Matcher::Roman,
            Primary::Words => Matcher::Words,
            Primary::Sequence(token) => return Err(PictureError::new("D3130", token)),
        });
    }
    // Names, cut to the maximum width when there is one.
    let cut = |name: &str| -> String {
        let max = marker.width.and_then(|w| w.max).filter(|&m| m > 0);
        let lower = name.to_lowercase();
        match max {
            Some(m) => lower.chars().take(m).collect(),
            None => lower,
        }
    };
    let names = match c {
        'M' | 'x' => MONTHS
            .iter()
            .enumerate()
            .map(|(i, m)| (cut(m), (i + 1) as f64))
            .collect(),
        'F' => DAYS
            .iter()
            .enumerate()
            .map(|(i, d)| (cut(d), (i + 1) as f64))
            .collect(),
        'P' => vec![("am".to_string(), 0.0), ("pm".to_string(), 1.0)],
        _ => return Err(PictureError::new("D3133", c)),
    };
    Ok(Matcher::Names(names))
}

fn same_letter(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

fn run(text: &[char], from: usize, accept: impl Fn(char) -> bool) -> usize {
    text.get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| accept(c)).count())
}

/// The ends of every match of `matcher` starting at `pos`, in the order a regex engine would
/// try them (longest first).
/// `word_steps[q]` lists the lengths of the number words that match at `q`.
fn candidates(
    matcher: &Matcher,
    text: &[char],
    pos: usize,
    word_steps: &[Vec<usize>],
) -> Vec<usize> {
    let descending = |len: usize| (1..=len).rev().map(move |k| pos + k);
    match matcher {
        Matcher::Literal(literal) => {
            let end = pos + literal.len();
            let hit = text
                .get(pos..end)
                .is_some_and(|t| t.iter().zip(literal).all(|(&a, &b)| same_letter(a, b)));
            if hit { vec![end] } else { Vec::new() }
        }
        Matcher::Digits { width, ordinal } => {
            let digits = run(text, pos, |c| c.is_ascii_digit());
            let lengths: Vec<usize> = match width {
                Some(w) if *w > 0 && *w <= digits => vec![pos + w],
                Some(w) if *w > 0 => Vec::new(),
                _ => descending(digits).collect(),
            };
            if !ordinal {
                return lengths;
            }
            lengths
                .into_iter()
                .filter_map(|end| {
                    let suffix: String = text.get(end..end + 2)?.iter().collect();
                    let suffix = suffix.to_ascii_lowercase();
                    matches!(suffix.as_str(), "th" | "st" | "nd" | "rd").then_some(end + 2)
                })
                .collect()
        }
        Matcher::Letters | Matcher::Names(_) => {
            descending(run(text, pos, |c| c.is_ascii_alphabetic())).collect()
        }
        Matcher::Roman => descending(run(text, pos, |c| "MDCLXVImdclxvi".contains(c))).collect(),
        Matcher::Words => {
            // Every end reachable through a sequence of number words, `and`, `-`, `,` or space.
            let mut reach = vec![false; text.len() + 1];
            reach[pos] = true;
            for q in pos..text.len() {
                if reach[q] {
                    for &len in word_steps.get(q).map_or(&[][..], Vec::as_slice) {
                        reach[q + len] = true;
                    }
                }
            }
            (pos + 1..=text.len()).rev().filter(|&e| reach[e]).collect()
        }
        Matcher::Zone { gmt, separator } => {
            let mut at = pos;
            if *gmt {
                let hit = text
                    .get(at..at + 3)
                    .is_some_and(|t| t.iter().zip("GMT".chars()).all(|(&a, b)| same_letter(a, b)));
                if !hit {
                    return Vec::new();
                }
                at += 3;
            }
            if !matches!(text.get(at), Some('+' | '-')) {
                return Vec::new();
            }
            at += 1;
            let hours = run(text, at, |c| c.is_ascii_digit());
            if hours == 0 {
                return Vec::new();
            }
            match separator {
                None => (1..=hours).rev().map(|k| at + k).collect(),
                Some(sep) => {
                    let after = at + hours;
                    if text.get(after) != Some(sep) {
                        return Vec::new();
                    }
                    let minutes = run(text, after + 1, |c| c.is_ascii_digit());
                    (1..=minutes).rev().map(|k| after + 1 + k).collect()
                }
            }
        }
    }
}

/// For each position of the text, the lengths of the number words (and `-`, `,`, space)
/// found there, case-insensitively. Computed once per text so that trying a words marker at
/// every position costs no more than a walk over these lists.
fn word_steps(text: &[char]) -> Vec<Vec<usize>> {
    let words: Vec<Vec<char>> = integer::number_words()
        .into_iter()
        .map(|w| w.chars().collect())
        .chain(["-", ",", " "].iter().map(|s| s.chars().collect()))
        .collect();
    (0..text.len())
        .map(|q| {
            words
                .iter()
                .filter(|word| {
                    text.get(q..q + word.len())
                        .is_some_and(|t| t.iter().zip(*word).all(|(&a, &b)| same_letter(a, b)))
                })
                .map(Vec::len)
                .collect()
        })
        .collect()
}

/// Matches the whole text against the slots; returns each slot's span. Depth-first over the
/// slots' candidates with an explicit stack (pictures can have thousands of parts), remembering
/// the (slot, position) pairs from which no match exists.
fn match_slots(slots: &[Slot], text: &[char]) -> Result<Option<Vec<(usize, usize)>>, PictureError> {
    let word_steps = if slots.iter().any(|s| matches!(s.matcher, Matcher::Words)) {
        word_steps(text)
    } else {
        Vec::new()
    };
    let mut failed: HashSet<(usize, usize)> = HashSet::new();
    // Each frame: start position, candidate ends, index of the next candidate to try.
    let mut frames: Vec<(usize, Vec<usize>, usize)> = Vec::new();
    let mut enter = Some(0);
    let mut steps = 0;
    loop {
        if let Some(pos) = enter.take() {
            let index = frames.len();
            if index == slots.len() {
                if pos == text.len() {
                    return Ok(Some(
                        frames
                            .iter()
                            .map(|(start, ends, next)| (*start, ends[*next - 1]))
                            .collect(),
                    ));
                }
            } else if !failed.contains(&(index, pos)) {
                steps += 1;
                if steps > MAX_MATCH_STEPS {
                    return Err(PictureError::limit(
                        "The date/time picture string is too complex to match against the timestamp",
                    ));
                }
                let ends = candidates(&slots[index].matcher, text, pos, &word_steps);
                frames.push((pos, ends, 0));
            }
        }
        let Some(top) = frames.last_mut() else {
            return Ok(None);
        };
        if top.2 < top.1.len() {
            enter = Some(top.1[top.2]);
            top.2 += 1;
        } else {
            if let Some((start, _, _)) = frames.pop() {
                failed.insert((frames.len(), start));
            }
        }
    }
}

/// The value a marker's matched text stands for; `None` for a name that is not in the table
/// (jsonata-js's lookup gives undefined).
fn value_of(slot: &Slot, text: &str) -> Result<Option<f64>, PictureError> {
    let Some(marker) = &slot.marker else {
        return Ok(None);
    };
    Ok(match &slot.matcher {
        Matcher::Zone { gmt, separator } => {
            let body = if *gmt {
                text.get(3..).unwrap_or("")
            } else {
                text
            };
            let negative = body.starts_with('-');
            let digits = body.get(1..).unwrap_or("");
            // jsonata-js adds signed hours to unsigned minutes, so -05:30 comes out as -4:30;
            // here the sign covers both.
            let (hours, minutes) = match separator.and_then(|s| digits.split_once(s)) {
                Some((h, m)) => (integer::parse_int_prefix(h), integer::parse_int_prefix(m)),
                None if digits.chars().count() <= 2 => (integer::parse_int_prefix(digits), 0.0),
                None => {
                    let split = digits
                        .char_indices()
                        .nth(2)
                        .map_or(digits.len(), |(i, _)| i);
                    (
                        integer::parse_int_prefix(&digits[..split]),
                        integer::parse_int_prefix(&digits[split..]),
                    )
                }
            };
            let total = hours * 60.0 + minutes;
            Some(if negative { -total } else { total })
        }
        Matcher::Names(names) => {
            let lower = text.to_lowercase();
            // Later names win, as in jsonata-js's lookup object ("J" is July).
            names
                .iter()
                .rev()
                .find(|(name, _)| *name == lower)
                .map(|&(_, value)| value)
        }
        Matcher::Literal(_) => None,
        _ => match &marker.integer {
            Some(format) => Some(integer::parse_with(text, format)?),
            None => None,
        },
    })
}

fn truthy(value: Option<f64>) -> bool {
    value.is_some_and(|v| v != 0.0 && !v.is_nan())
}

fn parse_with_picture(text: &str, picture: &str, now: i64) -> Result<Option<i64>, PictureError> {
    let slots = slots(datetime::analyse_picture(picture)?)?;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_PARSE_CHARS {
        return Err(PictureError::limit(format!(
            "The timestamp to parse is longer than {MAX_PARSE_CHARS} characters"
        )));
    }
    let Some(spans) = match_slots(&slots, &chars)? else {
        return Ok(None);
    };

    // A component is "given" when its marker matched, even if its value is undefined (an
    // unknown name), as jsonata-js keeps the key; a later marker for the same component wins.
    let mut given: BTreeMap<char, Option<f64>> = BTreeMap::new();
    for (slot, &(start, end)) in slots.iter().zip(&spans) {
        if let Some(marker) = &slot.marker {
            let matched: String = chars[start..end].iter().collect();
            given.insert(marker.component, value_of(slot, &matched)?);
        }
    }
    if given.is_empty() {
        return Ok(None);
    }
    let get = |c: char| given.get(&c).copied().flatten();

    // Which date and time combinations are present (jsonata-js's bit masks): a combination
    // matches when no component outside it is truthy and at least one inside it is.
    let mask = |components: &str| {
        components
            .chars()
            .fold(0u32, |m, c| (m << 1) | u32::from(truthy(get(c))))
    };
    let is_type = |mask: u32, kind: u32| (!kind & mask) == 0 && (kind & mask) != 0;
    let date_mask = mask("YXMxWwdD");
    let date_a = is_type(date_mask, 0b1010_0001);
    let date_b = !date_a && is_type(date_mask, 0b1000_0010);
    let date_c = is_type(date_mask, 0b0101_0100);
    let date_d = !date_c && is_type(date_mask, 0b0100_1000);
    let time_mask = mask("PHhmsf");
    let time_a = is_type(time_mask, 0b01_0111);
    let time_b = !time_a && is_type(time_mask, 0b10_1111);

    // jsonata-js lists `YD` for year + day-of-year, which makes `[Y]-[d]T[H]` fail with D3136
    // and `[d]` alone take today's time; `Yd` is what its comment describes.
    let date_components = if date_b {
        "Yd"
    } else if date_c {
        "XxwF"
    } else if date_d {
        "XWF"
    } else {
        "YMD"
    };
    let time_components = if time_b { "Phmsf" } else { "Hmsf" };

    // Above the first given component: today's values; below the last: the start of the unit;
    // a gap between given components is an error.
    let today = calendar::fields(now);
    let mut values: BTreeMap<char, f64> = BTreeMap::new();
    let mut start_given = false;
    let mut end_given = false;
    for c in date_components.chars().chain(time_components.chars()) {
        match get(c) {
            Some(v) => {
                start_given = true;
                if end_given {
                    return Err(PictureError::new("D3136", ""));
                }
                values.insert(c, v);
            }
            None if start_given => {
                values.insert(c, if "MDd".contains(c) { 1.0 } else { 0.0 });
                end_given = true;
            }
            None => {
                values.insert(c, datetime::component_value(&today, c) as f64);
            }
        }
    }
    let value = |c: char| values.get(&c).copied().unwrap_or(0.0);

    let mut year = value('Y');
    let mut month0 = if value('M') > 0.0 {
        value('M') - 1.0
    } else {
        0.0
    };
    let mut day = value('D');
    if date_b {
        let Some(derived) = calendar::make_time(year, 0.0, value('d'), 0.0, 0.0, 0.0, 0.0) else {
            return Ok(None);
        };
        let f = calendar::fields(derived);
        year = f.year as f64;
        month0 = f64::from(f.month) - 1.0;
        day = f64::from(f.day);
    }
    if date_c || date_d {
        // Year/month/week-of-month/day-of-week and ISO week dates: jsonata-js does not build
        // dates from these.
        return Err(PictureError::new("D3136", ""));
    }
    let hour = if time_b {
        let h = value('h');
        (if h == 12.0 { 0.0 } else { h }) + if value('P') == 1.0 { 12.0 } else { 0.0 }
    } else {
        value('H')
    };
    let Some(millis) =
        calendar::make_time(year, month0, day, hour, value('m'), value('s'), value('f'))
    else {
        return Ok(None);
    };
    let zone = [get('Z'), get('z')]
        .into_iter()
        .find(|&v| truthy(v))
        .flatten()
        .unwrap_or(0.0);
    let adjusted = millis as f64 - zone * 60_000.0;
    Ok(
        (adjusted.is_finite() && adjusted.abs() <= calendar::MAX_TIME as f64)
            .then_some(adjusted as i64),
    )
}

#[cfg(test)]
mod tests;

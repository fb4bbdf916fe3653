//! `$formatNumber`: the XPath `format-number` picture (F&O 3.1 §4.7) with jsonata-js's
//! validation order and rounding (half to even on the shortest decimal form of the double).
//!
//! This file owns the decimal-format properties, the analysis of a picture into its
//! sub-pictures and the formatting of one number. Integer pictures are in `integer.rs`.

use std::collections::HashSet;

use super::PictureError;

/// `$formatNumber`'s third argument; `Default` gives XPath's defaults (".", ",", "e",
/// "Infinity", "NaN", "-", "%", "‰", "0", "#", ";").
#[derive(Debug, Clone)]
pub struct DecimalFormat {
    pub decimal_separator: char,
    pub grouping_separator: char,
    pub exponent_separator: char,
    pub infinity: String,
    pub nan: String,
    pub minus_sign: char,
    pub percent: char,
    pub per_mille: char,
    pub zero_digit: char,
    pub digit: char,
    pub pattern_separator: char,
}

impl Default for DecimalFormat {
    fn default() -> Self {
        DecimalFormat {
            decimal_separator: '.',
            grouping_separator: ',',
            exponent_separator: 'e',
            infinity: "Infinity".into(),
            nan: "NaN".into(),
            minus_sign: '-',
            percent: '%',
            per_mille: '\u{2030}',
            zero_digit: '0',
            digit: '#',
            pattern_separator: ';',
        }
    }
}

/// The characters of a format and how they classify picture characters.
struct Symbols<'a> {
    format: &'a DecimalFormat,
    family: [char; 10],
}

impl<'a> Symbols<'a> {
    fn new(format: &'a DecimalFormat) -> Result<Self, PictureError> {
        let zero = format.zero_digit as u32;
        let mut family = ['0'; 10];
        for (i, slot) in family.iter_mut().enumerate() {
            *slot = char::from_u32(zero + i as u32).ok_or_else(|| {
                PictureError::limit(format!(
                    "The zero-digit {:?} does not start a run of ten characters",
                    format.zero_digit
                ))
            })?;
        }
        // F&O §4.7.1: these must all differ, or a picture cannot be read unambiguously (a zero
        // digit that is also the decimal separator would be stripped as a leading zero).
        let mut seen: HashSet<char> = family.iter().copied().collect();
        let distinct = [
            format.decimal_separator,
            format.grouping_separator,
            format.exponent_separator,
            format.percent,
            format.per_mille,
            format.digit,
            format.pattern_separator,
        ]
        .into_iter()
        .all(|c| seen.insert(c));
        if !distinct {
            return Err(PictureError::limit(
                "The decimal-separator, grouping-separator, exponent-separator, percent, per-mille, digit and pattern-separator characters and the ten digits must all be different",
            ));
        }
        Ok(Symbols { format, family })
    }

    fn is_digit(&self, c: char) -> bool {
        self.family.contains(&c)
    }

    /// A member of the digit family or the optional-digit sign.
    fn is_digit_sign(&self, c: char) -> bool {
        self.is_digit(c) || c == self.format.digit
    }

    fn is_active(&self, c: char) -> bool {
        let f = self.format;
        self.is_digit(c)
            || c == f.decimal_separator
            || c == f.exponent_separator
            || c == f.grouping_separator
            || c == f.digit
            || c == f.pattern_separator
    }
}

/// One sub-picture cut into its parts (F&O §4.7.3).
struct Parts {
    sub: Vec<char>,
    prefix: Vec<char>,
    suffix: Vec<char>,
    active: Vec<char>,
    mantissa: Vec<char>,
    exponent: Option<Vec<char>>,
    integer: Vec<char>,
    fractional: Vec<char>,
}

/// The variables of F&O §4.7.4 for one sub-picture.
#[derive(Clone)]
struct Picture {
    sub: Vec<char>,
    prefix: String,
    suffix: String,
    integer_grouping: Vec<usize>,
    regular_grouping: usize,
    min_integer: usize,
    scaling: usize,
    fractional_grouping: Vec<usize>,
    min_fraction: usize,
    max_fraction: usize,
    min_exponent: usize,
}

/// `$formatNumber(value, picture, options)`.
pub fn format_number(
    value: f64,
    picture: &str,
    options: &DecimalFormat,
) -> Result<String, PictureError> {
    let symbols = Symbols::new(options)?;
    let subs: Vec<Vec<char>> = picture
        .split(options.pattern_separator)
        .map(|s| s.chars().collect())
        .collect();
    if subs.len() > 2 {
        return Err(PictureError::new("D3080", ""));
    }
    let parts: Vec<Parts> = subs
        .into_iter()
        .map(|sub| split_parts(sub, &symbols))
        .collect();
    for p in &parts {
        validate(p, &symbols)?;
    }
    let mut pictures: Vec<Picture> = parts.iter().map(|p| analyse(p, &symbols)).collect();
    if pictures.len() == 1 {
        let mut negative = pictures[0].clone();
        negative.prefix.insert(0, options.minus_sign);
        pictures.push(negative);
    }

    if value.is_nan() {
        return Ok(options.nan.clone());
    }
    // -0 counts as positive, as `value >= 0` does in JavaScript.
    let pic = if value >= 0.0 {
        &pictures[0]
    } else {
        &pictures[1]
    };
    let adjusted = if pic.sub.contains(&options.percent) {
        value * 100.0
    } else if pic.sub.contains(&options.per_mille) {
        value * 1000.0
    } else {
        value
    };
    if adjusted.is_infinite() {
        return Ok(format!("{}{}{}", pic.prefix, options.infinity, pic.suffix));
    }
    Ok(format_finite(adjusted, pic, &symbols))
}

fn format_finite(adjusted: f64, pic: &Picture, symbols: &Symbols) -> String {
    let f = symbols.format;
    let (mantissa, exponent) = if pic.min_exponent == 0 {
        (adjusted, None)
    } else {
        // mantissa * 10^exponent = |adjusted|, with scaling-factor digits before the point.
        // Zero has no such mantissa (jsonata-js 1.x looped forever on it); the sign is left to
        // the chosen sub-picture, as for plain numbers.
        let max = 10f64.powi(pic.scaling.min(400) as i32);
        let min = 10f64.powi(pic.scaling.min(400) as i32 - 1);
        let mut m = adjusted.abs();
        let mut e: i32 = 0;
        if m != 0.0 {
            // Each loop ends after a few hundred steps: a double has no more decades.
            while m < min && m.is_finite() {
                m *= 10.0;
                e -= 1;
            }
            while m > max && m.is_finite() {
                m /= 10.0;
                e += 1;
            }
        }
        (m, Some(e))
    };
    let rounded = round_half_even(mantissa, pic.max_fraction);
    let zero = f.zero_digit;
    let mut s = digits_in_family(&format!("{:.*}", pic.max_fraction, rounded.abs()), symbols);
    match s.iter().position(|&c| c == '.') {
        Some(i) => s[i] = f.decimal_separator,
        None => s.push(f.decimal_separator),
    }
    let leading = s.iter().take_while(|&&c| c == zero).count();
    s.drain(..leading);
    while s.last() == Some(&zero) {
        s.pop();
    }
    let point = position_of(&s, f.decimal_separator);
    let pad_left = pic.min_integer.saturating_sub(point);
    s.splice(0..0, std::iter::repeat_n(zero, pad_left));
    let fraction_len = s
        .len()
        .saturating_sub(position_of(&s, f.decimal_separator) + 1);
    s.extend(std::iter::repeat_n(
        zero,
        pic.min_fraction.saturating_sub(fraction_len),
    ));

    let mut point = position_of(&s, f.decimal_separator);
    if let Some(groups) = point.saturating_sub(1).checked_div(pic.regular_grouping) {
        for g in 1..=groups {
            s.insert(point - g * pic.regular_grouping, f.grouping_separator);
        }
    } else {
        // jsonata-js inserts at `point - position` even when that falls left of the digits
        // (JavaScript's slice then counts from the end); XPath only puts a separator between
        // digits.
        for &position in &pic.integer_grouping {
            if point > position {
                s.insert(point - position, f.grouping_separator);
                point += 1;
            }
        }
    }
    let point = position_of(&s, f.decimal_separator);
    let fraction_digits = s.len().saturating_sub(point + 1);
    let mut inserted = 0;
    for &position in &pic.fractional_grouping {
        if position < fraction_digits {
            s.insert(point + 1 + position + inserted, f.grouping_separator);
            inserted += 1;
        }
    }
    let point = position_of(&s, f.decimal_separator);
    if !pic.sub.contains(&f.decimal_separator) || point + 1 == s.len() {
        s.pop();
    }
    let mut out: String = pic.prefix.clone();
    out.extend(s);
    if let Some(e) = exponent {
        let mut digits = digits_in_family(&e.unsigned_abs().to_string(), symbols);
        let pad = pic.min_exponent.saturating_sub(digits.len());
        digits.splice(0..0, std::iter::repeat_n(zero, pad));
        out.push(f.exponent_separator);
        if e < 0 {
            out.push(f.minus_sign);
        }
        out.extend(digits);
    }
    out.push_str(&pic.suffix);
    out
}

fn position_of(s: &[char], c: char) -> usize {
    s.iter().position(|&x| x == c).unwrap_or(s.len())
}

/// ASCII digits rewritten in the format's digit family; other characters unchanged.
fn digits_in_family(ascii: &str, symbols: &Symbols) -> Vec<char> {
    ascii
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => symbols.family[d as usize],
            None => c,
        })
        .collect()
}

/// jsonata-js's `$round(x, precision)`: the decimal point is moved in the shortest decimal
/// text of the double (so 1.005 is 1.005, not 1.00499999...), then the integer is rounded half
/// to even. A shift past the range of doubles leaves the value as it is (jsonata-js gives NaN).
fn round_half_even(x: f64, precision: usize) -> f64 {
    let shift = i32::try_from(precision).unwrap_or(i32::MAX);
    let shifted = if precision == 0 {
        x
    } else {
        shift_decimal(x, shift)
    };
    if !shifted.is_finite() {
        return x;
    }
    let floor = shifted.floor();
    // JavaScript's Math.round: halves go up.
    let mut result = if shifted - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    };
    if (result - shifted).abs() == 0.5 && (result % 2.0).abs() == 1.0 {
        result -= 1.0;
    }
    if precision != 0 {
        result = shift_decimal(result, -shift);
    }
    if result == 0.0 { 0.0 } else { result }
}

/// `x * 10^places`, computed on the shortest decimal text of `x` rather than in binary.
fn shift_decimal(x: f64, places: i32) -> f64 {
    let text = format!("{x:e}");
    let (digits, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    format!("{digits}e{}", exponent + i64::from(places))
        .parse()
        .unwrap_or(f64::NAN)
}

/// Cuts a sub-picture into prefix, active part and suffix, then mantissa and exponent, then
/// integer and fractional parts.
fn split_parts(sub: Vec<char>, symbols: &Symbols) -> Parts {
    let exp = symbols.format.exponent_separator;
    let starts = |c: char| symbols.is_active(c) && c != exp;
    // A sub-picture without any active character keeps everything in its active part, so that
    // validation reports the passive characters (D3086), as jsonata-js 2.0 does.
    let (prefix_len, suffix_start) = match (
        sub.iter().position(|&c| starts(c)),
        sub.iter().rposition(|&c| starts(c)),
    ) {
        (Some(first), Some(last)) => (first, last + 1),
        _ => (0, sub.len()),
    };
    let active = sub[prefix_len..suffix_start].to_vec();
    // The exponent separator counts when it lies in the active part or right after it.
    // jsonata-js measures its position in the whole sub-picture but cuts the active part with
    // it, so a prefix shifts the cut; here the position is taken relative to the active part.
    let exponent_at = sub[prefix_len..]
        .iter()
        .position(|&c| c == exp)
        .filter(|&i| prefix_len + i <= suffix_start);
    let (mantissa, exponent) = match exponent_at {
        Some(i) => (
            active[..i.min(active.len())].to_vec(),
            Some(active.get(i + 1..).unwrap_or(&[]).to_vec()),
        ),
        None => (active.clone(), None),
    };
    let (integer, fractional) = match mantissa
        .iter()
        .position(|&c| c == symbols.format.decimal_separator)
    {
        Some(i) => (mantissa[..i].to_vec(), mantissa[i + 1..].to_vec()),
        None => (mantissa.clone(), Vec::new()),
    };
    Parts {
        prefix: sub[..prefix_len].to_vec(),
        suffix: sub[suffix_start..].to_vec(),
        sub,
        active,
        mantissa,
        exponent,
        integer,
        fractional,
    }
}

/// F&O §4.7.3's rules, checked in jsonata-js's order; like jsonata-js the last rule broken is
/// the one reported.
fn validate(p: &Parts, symbols: &Symbols) -> Result<(), PictureError> {
    let f = symbols.format;
    let count = |c: char| p.sub.iter().filter(|&&x| x == c).count();
    let mut error = None;
    if count(f.decimal_separator) > 1 {
        error = Some("D3081");
    }
    if count(f.percent) > 1 {
        error = Some("D3082");
    }
    if count(f.per_mille) > 1 {
        error = Some("D3083");
    }
    let has_percent = p.sub.contains(&f.percent);
    let has_per_mille = p.sub.contains(&f.per_mille);
    if has_percent && has_per_mille {
        error = Some("D3084");
    }
    if !p.mantissa.iter().any(|&c| symbols.is_digit_sign(c)) {
        error = Some("D3085");
    }
    if p.active.iter().any(|&c| !symbols.is_active(c)) {
        error = Some("D3086");
    }
    if let Some(point) = p.sub.iter().position(|&c| c == f.decimal_separator) {
        let before = point.checked_sub(1).and_then(|i| p.sub.get(i));
        let after = p.sub.get(point + 1);
        if before == Some(&f.grouping_separator) || after == Some(&f.grouping_separator) {
            error = Some("D3087");
        }
    } else if p.integer.last() == Some(&f.grouping_separator) {
        error = Some("D3088");
    }
    if p.sub
        .windows(2)
        .any(|w| w[0] == f.grouping_separator && w[1] == f.grouping_separator)
    {
        error = Some("D3089");
    }
    // Only the first optional-digit sign of the integer part is checked, as in jsonata-js.
    if let Some(first) = p.integer.iter().position(|&c| c == f.digit)
        && p.integer[..first].iter().any(|&c| symbols.is_digit(c))
    {
        error = Some("D3090");
    }
    if let Some(last) = p.fractional.iter().rposition(|&c| c == f.digit)
        && p.fractional[last..].iter().any(|&c| symbols.is_digit(c))
    {
        error = Some("D3091");
    }
    if let Some(exponent) = &p.exponent {
        if !exponent.is_empty() && (has_percent || has_per_mille) {
            error = Some("D3092");
        }
        if exponent.is_empty() || exponent.iter().any(|&c| !symbols.is_digit(c)) {
            error = Some("D3093");
        }
    }
    match error {
        Some(code) => Err(PictureError::new(code, "")),
        None => Ok(()),
    }
}

/// F&O §4.7.4: grouping positions, minimum and maximum sizes, scaling factor.
fn analyse(p: &Parts, symbols: &Symbols) -> Picture {
    let f = symbols.format;
    let grouping = f.grouping_separator;

    // Integer part: for each separator, the digit signs to its right (left to right order).
    let mut integer_grouping = Vec::new();
    let mut to_the_right = 0;
    for &c in p.integer.iter().rev() {
        if c == grouping {
            integer_grouping.push(to_the_right);
        } else if symbols.is_digit_sign(c) {
            to_the_right += 1;
        }
    }
    integer_grouping.reverse();
    let regular_grouping = regular(&integer_grouping);

    // Fractional part: for each separator, the digit signs to its left.
    let mut fractional_grouping = Vec::new();
    let mut to_the_left = 0;
    for &c in &p.fractional {
        if c == grouping {
            fractional_grouping.push(to_the_left);
        } else if symbols.is_digit_sign(c) {
            to_the_left += 1;
        }
    }

    let mut min_integer = p.integer.iter().filter(|&&c| symbols.is_digit(c)).count();
    let scaling = min_integer;
    let mut min_fraction = p
        .fractional
        .iter()
        .filter(|&&c| symbols.is_digit(c))
        .count();
    let mut max_fraction = p
        .fractional
        .iter()
        .filter(|&&c| symbols.is_digit_sign(c))
        .count();
    let has_exponent = p.exponent.is_some();
    if min_integer == 0 && max_fraction == 0 {
        if has_exponent {
            min_fraction = 1;
            max_fraction = 1;
        } else {
            min_integer = 1;
        }
    }
    if has_exponent && min_integer == 0 && p.integer.contains(&f.digit) {
        min_integer = 1;
    }
    if min_integer == 0 && min_fraction == 0 {
        min_fraction = 1;
    }
    let min_exponent = p
        .exponent
        .as_ref()
        .map_or(0, |e| e.iter().filter(|&&c| symbols.is_digit(c)).count());

    Picture {
        sub: p.sub.clone(),
        prefix: p.prefix.iter().collect(),
        suffix: p.suffix.iter().collect(),
        integer_grouping,
        regular_grouping,
        min_integer,
        scaling,
        fractional_grouping,
        min_fraction,
        max_fraction,
        min_exponent,
    }
}

/// The interval of regularly spaced separators (every multiple of their greatest common
/// divisor present), or 0.
fn regular(positions: &[usize]) -> usize {
    let factor = positions.iter().fold(0, |a, &p| super::integer::gcd(a, p));
    let set: HashSet<usize> = positions.iter().copied().collect();
    if factor > 0 && (1..=positions.len()).all(|i| set.contains(&(i * factor))) {
        factor
    } else {
        0
    }
}

#[cfg(test)]
mod tests;

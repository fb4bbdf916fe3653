//! `$fromMillis` and `$now`: the XPath date/time picture (F&O 3.1 §9.8.4) as jsonata-js 2.0
//! reads and formats it, and the analysed picture that `$toMillis` parses with.
//!
//! A picture is literal text and `[...]` variable markers: a component letter
//! (`Y M D d F W w X x H h P m s f Z z C E`), presentation modifiers (a digit pattern, `N`/`n`/
//! `Nn` names, `I`/`i`, `W`/`w`/`Ww`, `a`/`A`, then `o` ordinal or `t` for `Z` at offset zero)
//! and a width modifier `,min-max`. `[[` and `]]` are literal brackets.

use super::PictureError;
use super::calendar::{self, Fields, MAX_TIME};
use super::integer::{self, Case, Grouping, IntegerFormat, Primary};

/// The picture `$fromMillis` uses without one: ISO 8601 with milliseconds and offset.
pub(crate) const ISO_PICTURE: &str = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";

/// Largest width modifier accepted. A marker like `[Y,1000000000]` would otherwise ask for a
/// billion digits from a dozen characters of picture.
pub(crate) const MAX_WIDTH: usize = 100;

pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(crate) const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Components whose value is an integer formatted with a digit pattern (or names).
const INTEGER_COMPONENTS: &str = "YMDdFWwXxHhmsf";

/// A piece of an analysed picture.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    Literal(String),
    Marker(Marker),
}

/// A width modifier; `None` bounds are `*` or absent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Width {
    pub min: Option<usize>,
    pub max: Option<usize>,
}

/// An analysed variable marker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Marker {
    pub component: char,
    /// The second presentation modifier (`o`, `t`, `c` or `a`), if any.
    pub presentation2: Option<char>,
    pub width: Option<Width>,
    /// Set when the first presentation modifier asks for names (`N`, `n`, `Nn`).
    pub names: Option<Case>,
    /// The integer format of numeric components and of the timezone (`Z`, `z`).
    pub integer: Option<IntegerFormat>,
    /// `Y` only: how many low-order digits of the year are shown (§9.8.4.4).
    pub year_digits: Option<usize>,
}

/// Splits a picture into literals and analysed markers.
pub(crate) fn analyse_picture(picture: &str) -> Result<Vec<Part>, PictureError> {
    let chars: Vec<char> = picture.chars().collect();
    let mut parts: Vec<Part> = Vec::new();
    let add_literal = |parts: &mut Vec<Part>, text: &[char]| {
        if !text.is_empty() {
            let text: String = text.iter().collect();
            parts.push(Part::Literal(text.replace("]]", "]")));
        }
    };
    let mut start = 0;
    let mut pos = 0;
    while pos < chars.len() {
        if chars[pos] == '[' {
            if chars.get(pos + 1) == Some(&'[') {
                add_literal(&mut parts, &chars[start..pos]);
                parts.push(Part::Literal("[".into()));
                pos += 2;
                start = pos;
                continue;
            }
            add_literal(&mut parts, &chars[start..pos]);
            let close = chars[pos..]
                .iter()
                .position(|&c| c == ']')
                .map(|i| i + pos)
                .ok_or_else(|| PictureError::new("D3135", ""))?;
            // White space inside a marker is ignored.
            let text: Vec<char> = chars[pos + 1..close]
                .iter()
                .copied()
                .filter(|c| !c.is_whitespace())
                .collect();
            let marker = analyse_marker(&text)?;
            // jsonata-js 2.0: a numeric marker directly after another numeric marker makes the
            // first one's digits fixed-width for parsing ([Y0001][M01] reads "201803").
            if marker.integer.is_some()
                && INTEGER_COMPONENTS.contains(marker.component)
                && let Some(Part::Marker(previous)) = parts.last_mut()
                && let Some(format) = previous.integer.as_mut()
            {
                format.parse_width = Some(format.mandatory_digits);
            }
            parts.push(Part::Marker(marker));
            start = close + 1;
            pos = close;
        }
        pos += 1;
    }
    add_literal(&mut parts, &chars[start..]);
    Ok(parts)
}

/// The presentation used when a marker gives none; `None` for an unknown component.
fn default_presentation(component: char) -> Option<&'static str> {
    Some(match component {
        'Y' | 'M' | 'D' | 'd' | 'W' | 'w' | 'X' | 'x' | 'H' | 'h' | 'f' => "1",
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => return None,
    })
}

fn analyse_marker(text: &[char]) -> Result<Marker, PictureError> {
    let component = text.first().copied().unwrap_or_default();
    let known = default_presentation(component);
    // Unlike jsonata-js (which formats an unknown component with an explicit presentation as
    // the text "undefined"), an unknown component is always D3132.
    let Some(default) = known else {
        let shown: String = text.first().map(|c| c.to_string()).unwrap_or_default();
        return Err(PictureError::new("D3132", shown));
    };
    let (modifiers, width) = match text.iter().rposition(|&c| c == ',') {
        Some(comma) => (
            text.get(1..comma).unwrap_or(&[]),
            Some(parse_width(&text[comma + 1..])?),
        ),
        None => (&text[1..], None),
    };
    let (presentation1, presentation2): (String, Option<char>) = match modifiers {
        [] => (default.to_string(), None),
        [one] => (one.to_string(), None),
        [head @ .., last] if "atco".contains(*last) => (head.iter().collect(), Some(*last)),
        all => (all.iter().collect(), None),
    };
    let mut marker = Marker {
        component,
        presentation2,
        width,
        names: None,
        integer: None,
        year_digits: None,
    };
    let mut p1 = presentation1.chars();
    match (p1.next(), p1.next()) {
        (Some('n'), _) => marker.names = Some(Case::Lower),
        (Some('N'), Some('n')) => marker.names = Some(Case::Title),
        (Some('N'), _) => marker.names = Some(Case::Upper),
        _ if INTEGER_COMPONENTS.contains(component) => {
            let pattern = match presentation2 {
                Some(p2) => format!("{presentation1};{p2}"),
                None => presentation1.clone(),
            };
            let mut format = integer::analyse(&pattern)?;
            if let Some(min) = width.and_then(|w| w.min) {
                format.mandatory_digits = format.mandatory_digits.max(min);
            }
            if component == 'Y' {
                if let Some(max) = width.and_then(|w| w.max) {
                    marker.year_digits = Some(max);
                    format.mandatory_digits = max;
                } else {
                    let digits = format.mandatory_digits + format.optional_digits;
                    if digits >= 2 {
                        marker.year_digits = Some(digits);
                    }
                }
            }
            marker.integer = Some(format);
        }
        _ => {}
    }
    if component == 'Z' || component == 'z' {
        marker.integer = Some(integer::analyse(&presentation1)?);
    }
    Ok(marker)
}

/// `min[-max]`, each a number or `*`. Text that is not a number counts as `*` (jsonata-js
/// would carry a `NaN` into the output).
fn parse_width(text: &[char]) -> Result<Width, PictureError> {
    let (min, max) = match text.iter().position(|&c| c == '-') {
        Some(dash) => (&text[..dash], Some(&text[dash + 1..])),
        None => (text, None),
    };
    let bound = |t: &[char]| -> Result<Option<usize>, PictureError> {
        let digits: String = t.iter().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return Ok(None);
        }
        match digits.parse::<usize>() {
            Ok(n) if n <= MAX_WIDTH => Ok(Some(n)),
            _ => Err(PictureError::limit(format!(
                "The width modifier {digits} in the date/time picture string is larger than the maximum of {MAX_WIDTH}"
            ))),
        }
    };
    Ok(Width {
        min: bound(min)?,
        max: match max {
            Some(t) => bound(t)?,
            None => None,
        },
    })
}

/// `$fromMillis(millis, picture, timezone)` (and `$now(picture, timezone)` with the
/// evaluation's timestamp). Without a picture the result is ISO 8601 with milliseconds, e.g.
/// `2018-01-01T00:00:00.000Z`, or `...+01:00` with a `+0100` timezone.
pub fn format_datetime(
    millis: i64,
    picture: Option<&str>,
    timezone: Option<&str>,
) -> Result<String, PictureError> {
    let offset = match timezone {
        Some(tz) => parse_timezone(tz)?,
        None => 0,
    };
    let parts = analyse_picture(picture.unwrap_or(ISO_PICTURE))?;
    let shifted = millis
        .checked_add(offset * 60_000)
        .filter(|t| t.abs() <= MAX_TIME)
        .ok_or_else(|| {
            PictureError::limit(format!(
                "The timestamp {millis} is outside the range of dates (±8.64e15 milliseconds)"
            ))
        })?;
    let fields = calendar::fields(shifted);
    let mut out = String::new();
    for part in &parts {
        match part {
            Part::Literal(text) => out.push_str(text),
            Part::Marker(marker) => out.push_str(&format_marker(marker, &fields, offset)?),
        }
    }
    Ok(out)
}

/// A timezone argument, `±HHMM` (jsonata-js reads it with `parseInt`, so `+0530`, `-0500`,
/// `0000` and `+1`); `±HH:MM` is read as hours and minutes. Returns the offset in minutes.
/// jsonata-js gets negative offsets with minutes wrong (`-0330` is applied as -4:30 and shown
/// as `-04:-30`); here the sign covers both hours and minutes.
pub(crate) fn parse_timezone(tz: &str) -> Result<i64, PictureError> {
    let invalid = || {
        PictureError::limit(format!(
            "The timezone {tz:?} is not an offset of the form ±HHMM"
        ))
    };
    let t = tz.trim();
    let (negative, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = rest
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    if end == 0 || end > 6 {
        return Err(invalid());
    }
    let number: i64 = rest[..end].parse().map_err(|_| invalid())?;
    let after = &rest[end..];
    let minutes_text: String = after
        .strip_prefix(':')
        .map(|m| m.chars().take_while(char::is_ascii_digit).take(2).collect())
        .unwrap_or_default();
    let (hours, minutes) = if minutes_text.is_empty() {
        (number / 100, number % 100)
    } else {
        (number, minutes_text.parse().unwrap_or(0))
    };
    let total = hours * 60 + minutes;
    Ok(if negative { -total } else { total })
}

/// The value of a numeric component (`P` is 0 for am, 1 for pm).
pub(crate) fn component_value(fields: &Fields, component: char) -> i64 {
    let f = fields;
    match component {
        'Y' => f.year,
        'M' => i64::from(f.month),
        'D' => i64::from(f.day),
        'd' => f.days - calendar::days_from_civil(f.year, 1, 1) + 1,
        'F' => calendar::weekday(f.days),
        'W' => {
            let start = calendar::start_of_first_week(f.year, 0);
            let mut week = (f.days - start) as f64 / 7.0 + 1.0;
            if week > 52.0 {
                // Maybe the first week of the next year.
                if f.days >= calendar::start_of_first_week(f.year + 1, 0) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                // The last week of the previous year.
                let previous = calendar::start_of_first_week(f.year - 1, 0);
                week = (f.days - previous) as f64 / 7.0 + 1.0;
            }
            week.floor() as i64
        }
        'w' => {
            let month0 = i64::from(f.month) - 1;
            let start = calendar::start_of_first_week(f.year, month0);
            let mut week = (f.days - start) as f64 / 7.0 + 1.0;
            if week > 4.0 {
                if f.days >= calendar::start_of_first_week(f.year, month0 + 1) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                let previous = calendar::start_of_first_week(f.year, month0 - 1);
                week = (f.days - previous) as f64 / 7.0 + 1.0;
            }
            week.floor() as i64
        }
        'X' => {
            if f.days < calendar::start_of_first_week(f.year, 0) {
                f.year - 1
            } else if f.days >= calendar::start_of_first_week(f.year + 1, 0) {
                f.year + 1
            } else {
                f.year
            }
        }
        'x' => {
            let month0 = i64::from(f.month) - 1;
            let shown = if f.days < calendar::start_of_first_week(f.year, month0) {
                month0 - 1
            } else if f.days >= calendar::start_of_first_week(f.year, month0 + 1) {
                month0 + 1
            } else {
                month0
            };
            shown.rem_euclid(12) + 1
        }
        'H' => f.hour,
        'h' => match f.hour % 12 {
            0 => 12,
            h => h,
        },
        'P' => i64::from(f.hour >= 12),
        'm' => f.minute,
        's' => f.second,
        'f' => f.millisecond,
        _ => 0,
    }
}

fn format_marker(marker: &Marker, fields: &Fields, offset: i64) -> Result<String, PictureError> {
    let c = marker.component;
    let missing_format = || PictureError::new("D3133", c);
    match c {
        'Z' | 'z' => format_timezone(marker, offset),
        'P' => {
            let text = if component_value(fields, 'P') == 1 {
                "pm"
            } else {
                "am"
            };
            Ok(if marker.names == Some(Case::Upper) {
                text.to_uppercase()
            } else {
                text.to_string()
            })
        }
        'C' | 'E' => Ok("ISO".into()),
        _ => {
            let mut value = component_value(fields, c) as f64;
            if let (Some(n), 'Y') = (marker.year_digits, c) {
                value %= 10f64.powi(n as i32);
            }
            match (marker.names, &marker.integer) {
                (Some(case), _) if c != 'f' => {
                    let name = match c {
                        'M' | 'x' => MONTHS.get((value as usize).wrapping_sub(1)),
                        'F' => DAYS.get((value as usize).wrapping_sub(1)),
                        _ => return Err(missing_format()),
                    }
                    .copied()
                    .unwrap_or_default();
                    let mut name = match case {
                        Case::Upper => name.to_uppercase(),
                        Case::Lower => name.to_lowercase(),
                        Case::Title => name.to_string(),
                    };
                    if let Some(max) = marker.width.and_then(|w| w.max) {
                        name = name.chars().take(max).collect();
                    }
                    Ok(name)
                }
                (None, Some(format)) => integer::format_with(value, format),
                _ => Err(missing_format()),
            }
        }
    }
}

/// §9.8.4.6: `[Z01:01]` gives `+05:30`, `[Z0101]` `+0530`, `[Z0]` `+5:30`, `[z]` `GMT+05:30`,
/// and a `t` modifier gives `Z` at offset zero.
fn format_timezone(marker: &Marker, offset: i64) -> Result<String, PictureError> {
    let format = marker
        .integer
        .as_ref()
        .ok_or_else(|| PictureError::new("D3134", ""))?;
    let hours = (offset / 60).abs();
    let minutes = (offset % 60).abs();
    let hhmm = (hours * 100 + minutes) as f64;
    let decimal = format.primary == Primary::Decimal;
    let body = if decimal && matches!(format.grouping, Grouping::Regular { .. }) {
        integer::format_with(hhmm, format)?
    } else {
        let digits = if decimal { format.mandatory_digits } else { 0 };
        match digits {
            1 | 2 => {
                let mut text = integer::format_with(hours as f64, format)?;
                if minutes != 0 {
                    text.push_str(&format!(":{minutes:02}"));
                }
                text
            }
            3 | 4 => integer::format_with(hhmm, format)?,
            _ => return Err(PictureError::new("D3134", digits)),
        }
    };
    if offset == 0 && marker.presentation2 == Some('t') {
        return Ok("Z".into());
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let gmt = if marker.component == 'z' { "GMT" } else { "" };
    Ok(format!("{gmt}{sign}{body}"))
}

#[cfg(test)]
mod tests;

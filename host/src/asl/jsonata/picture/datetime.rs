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
mod tests {
    use super::*;

    fn from(millis: i64, picture: &str) -> Result<String, &'static str> {
        format_datetime(millis, Some(picture), None).map_err(|e| e.code)
    }

    fn from_tz(millis: i64, picture: &str, tz: &str) -> Result<String, &'static str> {
        format_datetime(millis, Some(picture), Some(tz)).map_err(|e| e.code)
    }

    /// jsonata-js test suite, group function-fromMillis (case000-001 and formatDateTime.json,
    /// minus the `undefined` cases and the ISO-week cases that need `$toMillis`, which are in
    /// `datetime_parse.rs`).
    #[test]
    fn from_millis_suite() {
        let cases: &[(i64, &str, &str)] = &[
            (1521801216617, "Hello", "Hello"),
            (1521801216617, "Year: [Y0001]", "Year: 2018"),
            (1521801216617, "Year: <[Y0001]>", "Year: <2018>"),
            (1521801216617, "Year: <[Y9,999,*]>", "Year: <2,018>"),
            (1521801216617, "[[Year: <[Y0001]>", "[Year: <2018>"),
            (1521801216617, "[[Year]]: [[[Y0001]]]", "[Year]: [2018]"),
            (1521801216617, "Year]]: <[Y0001]>", "Year]: <2018>"),
            (1521801216617, "[D#1]/[M#1]/[Y0001]", "23/3/2018"),
            (1522616700000, "[F0] [FNn]", "7 Sunday"),
            (1522703100000, "[F0] [FNn]", "1 Monday"),
            (1521801216617, "[Y0001]-[M01]-[D01]", "2018-03-23"),
            (
                1521801216617,
                "[M01]/[D01]/[Y0001] at [H01]:[m01]:[s01]",
                "03/23/2018 at 10:33:36",
            ),
            (
                1521801216617,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z01:01t]",
                "2018-03-23T10:33:36.617Z",
            ),
            (
                1521801216617,
                "[Y]-[ M01]-[D 01]T[H01 ]:[ m   ]:[s].[f0  01][Z01:\n 01t]",
                "2018-03-23T10:33:36.617Z",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01]",
                "2018-07-11T12:00:00+00:00",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01t]",
                "2018-07-11T12:00:00Z",
            ),
            (1521801216617, "[D#1,2]/[M1,2]/[Y,2]", "23/03/18"),
            (1521801216617, "[D#1,2]/[M1,2]/[Y0001,2]", "23/03/2018"),
            (1521801216617, "[D#1,2]/[M1,2]/[Y##01,2-2]", "23/03/18"),
            (1521801216617, "[D#1,2]/[M1,2]/[Y0001,2-2]", "23/03/18"),
            (1521801216617, "[D1] [M01] [YI]", "23 03 MMXVIII"),
            (1521801216617, "[Da] [MA] [Yi]", "w C mmxviii"),
            (1521801216617, "[D1o] [M01] [Y]", "23rd 03 2018"),
            (1521801216617, "[Yw]", "two thousand and eighteen"),
            (1521801216617, "[Dwo] [M01] [Y]", "twenty-third 03 2018"),
            (1521801216617, "[D1o] [MNn] [Y]", "23rd March 2018"),
            (1521801216617, "[D1o] [MN] [Y]", "23rd MARCH 2018"),
            (
                1521801216617,
                "[FNn], [D1o] [MNn] [Y]",
                "Friday, 23rd March 2018",
            ),
            (
                1521801216617,
                "[FNn], the [Dwo] of [MNn] [Y] [E]",
                "Friday, the twenty-third of March 2018 ISO",
            ),
            (
                1521801216617,
                "[FNn,3-3], [D1o] [MNn,3-3] [Y] [C]",
                "Fri, 23rd Mar 2018 ISO",
            ),
            (
                1521801216617,
                "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]",
                "friday, 23/3/2018 10:33:36 am",
            ),
            (
                1204405500000,
                "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]",
                "saturday, 1/3/2008 9:05:00 pm",
            ),
            (
                1199664000000,
                "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]",
                "monday, 7/1/2008 12:00:00 am",
            ),
            (
                1514808000000,
                "[dwo] day of the year",
                "first day of the year",
            ),
            (1546257600000, "[d] days in [Y0001]", "365 days in 2018"),
            (1483185600000, "[d] days in [Y0001]", "366 days in 2016"),
            (1514808000000, "Week: [W]", "Week: 1"),
            (1515326400000, "Week: [W]", "Week: 1"),
            (1545739200000, "Week: [W]", "Week: 52"),
            (1388577600000, "Week: [W]", "Week: 1"),
            (1419854400000, "Week: [W]", "Week: 1"),
            (1419768000000, "Week: [W]", "Week: 52"),
            (1419336000000, "Week: [W]", "Week: 52"),
            (1420113600000, "Week: [W]", "Week: 1"),
            (1420459200000, "Week: [W]", "Week: 2"),
            (1451304000000, "Week: [W]", "Week: 53"),
            (1451563200000, "Week: [W]", "Week: 53"),
            (1451736000000, "Week: [W]", "Week: 53"),
            (1359460800000, "Week: [w] of [xNn]", "Week: 5 of January"),
            (1359633600000, "Week: [w] of [xNn]", "Week: 5 of January"),
            (1359720000000, "Week: [w] of [xNn]", "Week: 5 of January"),
            (1514808000000, "Week: [w] of [xNn]", "Week: 1 of January"),
            (1483272000000, "Week: [w] of [xNn]", "Week: 5 of December"),
            (1533038400000, "Week: [w] of [xNn]", "Week: 1 of August"),
            (1419940800000, "Week: [w] of [xNn]", "Week: 1 of January"),
            (
                1521801216617,
                "[F], [D]/[M]/[Y] [h]:[m]:[s] [PN]",
                "friday, 23/3/2018 10:33:36 AM",
            ),
            (
                1521801216617,
                "[F], [D]/[M]/[Y] [h]:[m]:[s] [Pn]",
                "friday, 23/3/2018 10:33:36 am",
            ),
        ];
        for (millis, picture, expected) in cases {
            assert_eq!(
                from(*millis, picture).as_deref(),
                Ok(*expected),
                "{picture}"
            );
        }
        let zoned: &[(i64, &str, &str, &str)] = &[
            (
                1521801216617,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]",
                "+0100",
                "2018-03-23T11:33:36.617+0100",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]",
                "-0500",
                "2018-07-11T07:00:00-05:00",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]",
                "-0500",
                "2018-07-11T07:00:00-5",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]",
                "+1000",
                "2018-07-11T22:00:00+10:00",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]",
                "+1000",
                "2018-07-11T22:00:00+10",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]",
                "+0530",
                "2018-07-11T17:30:00+5:30",
            ),
            (
                1531310400000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s][z]",
                "-0500",
                "2018-07-11T07:00:00GMT-05:00",
            ),
            (
                1204405500000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]",
                "+0530",
                "2008-03-02T02:35:00.000+0530",
            ),
            (
                1230757500000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]",
                "+0530",
                "2009-01-01T02:35:00.000+0530",
            ),
        ];
        for (millis, picture, tz, expected) in zoned {
            assert_eq!(
                from_tz(*millis, picture, tz).as_deref(),
                Ok(*expected),
                "{picture} {tz}"
            );
        }
        assert_eq!(
            from_tz(
                1230757500000,
                "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z010101t]",
                "+0530"
            ),
            Err("D3134")
        );
        assert_eq!(from(1419940800000, "[YN]-[M]-[D]"), Err("D3133"));
        assert_eq!(from(1419940800000, "[YN]-[M"), Err("D3135"));
        // Default format, with and without a timezone.
        assert_eq!(
            format_datetime(1540127100000, None, None).unwrap(),
            "2018-10-21T13:05:00.000Z"
        );
        assert_eq!(
            format_datetime(1540127100000, None, Some("-0500")).unwrap(),
            "2018-10-21T08:05:00.000-05:00"
        );
        assert_eq!(
            format_datetime(1540127100000, None, Some("0000")).unwrap(),
            "2018-10-21T13:05:00.000Z"
        );
        // case000, case001.
        assert_eq!(
            format_datetime(1, None, None).unwrap(),
            "1970-01-01T00:00:00.001Z"
        );
        assert_eq!(
            format_datetime(1509380732935, None, None).unwrap(),
            "2017-10-30T16:25:32.935Z"
        );
    }

    /// jsonata-js test suite, group function-now (case000-003): `$now(picture, tz)` is
    /// `$fromMillis` of the evaluation's timestamp. (case004, one timestamp per evaluation, is
    /// the evaluator's.)
    #[test]
    fn now_suite() {
        let now = 1_718_443_800_123;
        let day = format_datetime(now, Some("[Y0001]-[M01]-[D01]"), None).unwrap();
        let iso = format_datetime(now, None, None).unwrap();
        assert_eq!(Some(day.as_str()), iso.split('T').next());
        assert_eq!(day.chars().count(), 10);
        assert_eq!(from_tz(now, "[H01]:[m01]", "-0500").unwrap(), "04:30");
    }

    #[test]
    fn offsets_with_minutes_keep_their_sign() {
        let t = 1531310400000; // 2018-07-11T12:00:00Z
        assert_eq!(
            format_datetime(t, None, Some("-0330")).unwrap(),
            "2018-07-11T08:30:00.000-03:30"
        );
        assert_eq!(
            from_tz(t, "[H01]:[m01][Z0]", "-0030").unwrap(),
            "11:30-0:30"
        );
        assert_eq!(
            from_tz(t, "[H01]:[m01][Z]", "+05:45").unwrap(),
            "17:45+05:45"
        );
        assert_eq!(from_tz(t, "[H]", "Z"), Err("D3137"));
    }

    #[test]
    fn hostile_pictures_are_bounded() {
        assert_eq!(from(0, "[Y,1000000000]"), Err("D3137"));
        assert_eq!(from(0, "[Y,99999999999999999999999]"), Err("D3137"));
        assert_eq!(from(0, "[Y0000000000000001]").unwrap(), "0000000000001970");
        assert_eq!(from(0, "[D,100]").unwrap().len(), 100);
        assert_eq!(from(0, "[q]"), Err("D3132"));
        assert_eq!(from(0, "[q1]"), Err("D3132"));
        assert_eq!(from(0, "[]"), Err("D3132"));
        assert_eq!(from(0, "[Y,]").unwrap(), "1970");
        assert_eq!(from(0, "[Yα]"), Err("D3130"));
        assert_eq!(from(0, "[fN]"), Err("D3133"));
        assert_eq!(
            format_datetime(i64::MAX, None, None).unwrap_err().code,
            "D3137"
        );
        assert_eq!(
            format_datetime(MAX_TIME, None, Some("+0100"))
                .unwrap_err()
                .code,
            "D3137"
        );
        assert_eq!(
            format_datetime(-MAX_TIME, None, None).unwrap(),
            "-1821-04-20T00:00:00.000Z"
        );
        let long = "[Y]".repeat(20_000);
        assert_eq!(from(0, &long).unwrap().len(), 80_000);
    }
}

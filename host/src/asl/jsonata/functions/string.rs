//! String functions, and the matcher protocol the regex-aware ones share: a matcher is a
//! function from a string to `{match, start, end, groups, next}`; regex literals are native
//! matchers, user functions may be matchers too. Lengths and offsets count Unicode code points
//! where jsonata-js uses `Array.from(str)` and UTF-16 units where it uses JavaScript indices.

use std::sync::Arc;

use base64::Engine as _;
use indexmap::IndexMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::super::error::{Failure, Result};
use super::super::eval::Evaluator;
use super::super::regex::{RegexLiteral, utf16_index};
use super::super::value::{Frame, Function, Value, describe, stringify};
use super::{arg, to_string};

/// Strings longer than this are refused rather than built.
const MAX_STRING_BYTES: usize = 64 * 1024 * 1024;

fn text(v: &Value) -> Option<&Arc<str>> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_number()
}

pub fn string(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let v = arg(args, 0);
    let pretty = matches!(arg(args, 1), Value::Bool(true));
    Ok(match v {
        Value::Undefined => Value::Undefined,
        Value::String(_) => v.clone(),
        Value::Function(_) => Value::string(""),
        Value::Number(n) if !n.is_finite() => {
            return Err(Failure::new("D3001").value(super::super::value::number_to_string(*n)));
        }
        Value::Array(a) if a.outer_wrapper && !a.items.is_empty() => {
            Value::string(stringify(&a.items[0], pretty, true)?)
        }
        v => Value::string(stringify(v, pretty, true)?),
    })
}

pub fn length(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(match text(arg(args, 0)) {
        Some(s) => Value::Number(s.chars().count() as f64),
        None => Value::Undefined,
    })
}

/// JavaScript `Array.prototype.slice` bounds for a position (negative counts from the end).
fn slice_index(i: f64, len: usize) -> usize {
    let len_f = len as f64;
    let i = if i.is_nan() { 0.0 } else { i.trunc() };
    if i < 0.0 {
        (len_f + i).max(0.0) as usize
    } else {
        i.min(len_f) as usize
    }
}

pub fn substring(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as f64;
    let mut start = num(arg(args, 1)).unwrap_or(0.0);
    if len + start < 0.0 {
        start = 0.0;
    }
    let out: String = match num(arg(args, 2)) {
        Some(length) => {
            if length <= 0.0 {
                return Ok(Value::string(""));
            }
            let end = if start >= 0.0 {
                start + length
            } else {
                len + start + length
            };
            let (a, b) = (
                slice_index(start, chars.len()),
                slice_index(end, chars.len()),
            );
            if a >= b {
                String::new()
            } else {
                chars[a..b].iter().collect()
            }
        }
        None => chars[slice_index(start, chars.len())..].iter().collect(),
    };
    Ok(Value::string(out))
}

pub fn substring_before(
    _: &mut Evaluator,
    args: &[Value],
    _: &Value,
    _: &Arc<Frame>,
) -> Result<Value> {
    let (Some(s), Some(chars)) = (text(arg(args, 0)), text(arg(args, 1))) else {
        return Ok(if arg(args, 0).is_undefined() {
            Value::Undefined
        } else {
            arg(args, 0).clone()
        });
    };
    Ok(match s.find(&**chars) {
        Some(pos) => Value::string(&s[..pos]),
        None => Value::String(s.clone()),
    })
}

pub fn substring_after(
    _: &mut Evaluator,
    args: &[Value],
    _: &Value,
    _: &Arc<Frame>,
) -> Result<Value> {
    let (Some(s), Some(chars)) = (text(arg(args, 0)), text(arg(args, 1))) else {
        return Ok(if arg(args, 0).is_undefined() {
            Value::Undefined
        } else {
            arg(args, 0).clone()
        });
    };
    Ok(match s.find(&**chars) {
        Some(pos) => Value::string(&s[pos + chars.len()..]),
        None => Value::String(s.clone()),
    })
}

pub fn uppercase(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(text(arg(args, 0))
        .map(|s| Value::string(s.to_uppercase()))
        .unwrap_or_default())
}

pub fn lowercase(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(text(arg(args, 0))
        .map(|s| Value::string(s.to_lowercase()))
        .unwrap_or_default())
}

pub fn trim(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    // Runs of space, tab, CR and LF become one space; then one space is cut from each end.
    let mut out = String::with_capacity(s.len());
    let mut in_ws = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    let out = out.strip_prefix(' ').unwrap_or(&out);
    let out = out.strip_suffix(' ').unwrap_or(out);
    Ok(Value::string(out))
}

pub fn pad(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let width = num(arg(args, 1)).unwrap_or(0.0).trunc();
    let pad_char = match text(arg(args, 2)) {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => " ".to_string(),
    };
    let len = s.chars().count() as f64;
    let pad_len = width.abs() - len;
    if pad_len <= 0.0 {
        return Ok(Value::String(s.clone()));
    }
    if pad_len * pad_char.len() as f64 > MAX_STRING_BYTES as f64 {
        return Err(super::super::eval::too_large());
    }
    let padding: String = pad_char.chars().cycle().take(pad_len as usize).collect();
    Ok(Value::string(if width > 0.0 {
        format!("{s}{padding}")
    } else {
        format!("{padding}{s}")
    }))
}

// ---------------------------------------------------------------------------------------------
// matchers
// ---------------------------------------------------------------------------------------------

/// Byte offset of the UTF-16 index `index` in `text` (clamped to the end).
pub fn utf16_to_byte(text: &str, index: usize) -> usize {
    let mut units = 0;
    for (byte, c) in text.char_indices() {
        if units >= index {
            return byte;
        }
        units += c.len_utf16();
    }
    text.len()
}

enum Next {
    Native {
        regex: Arc<RegexLiteral>,
        from: usize,
    },
    Custom(Value),
}

/// One match of a matcher, with offsets in bytes.
pub struct MatchInfo {
    pub matched: String,
    pub start: usize,
    pub end: usize,
    pub groups: Vec<Value>,
    /// The match object as the matcher produced it (passed to replacement functions).
    pub object: Value,
    next: Next,
}

fn native_match(re: &Arc<RegexLiteral>, text: &Arc<str>, from: usize) -> Option<MatchInfo> {
    let found = re.find_at(text, from)?;
    let groups: Vec<Value> = found
        .groups
        .iter()
        .map(|g| match g {
            Some(r) => Value::string(&text[r.clone()]),
            // An unmatched group is `undefined` in JavaScript; JSON writes it as null.
            None => Value::Undefined,
        })
        .collect();
    let matched = text[found.range.clone()].to_string();
    let mut obj = IndexMap::new();
    obj.insert("match".to_string(), Value::string(matched.as_str()));
    obj.insert(
        "start".to_string(),
        Value::Number(utf16_index(text, found.range.start) as f64),
    );
    obj.insert(
        "end".to_string(),
        Value::Number(utf16_index(text, found.range.end) as f64),
    );
    obj.insert("groups".to_string(), Value::array(groups.clone()));
    obj.insert(
        "next".to_string(),
        Value::function(Function::RegexNext {
            regex: re.clone(),
            text: text.clone(),
            from: found.range.end,
        }),
    );
    Some(MatchInfo {
        matched,
        start: found.range.start,
        end: found.range.end,
        groups,
        object: Value::object(obj),
        next: Next::Native {
            regex: re.clone(),
            from: found.range.end,
        },
    })
}

/// The match object a regex returns when applied as a function (jsonata-js `evaluateRegex`).
pub fn regex_match_object(re: &Arc<RegexLiteral>, text: &Arc<str>, from: usize) -> Value {
    native_match(re, text, from)
        .map(|m| m.object)
        .unwrap_or_default()
}

fn custom_match(ev: &mut Evaluator, result: Value, text: &str) -> Result<Option<MatchInfo>> {
    let Value::Object(o) = &result else {
        if result.is_undefined() {
            return Ok(None);
        }
        return Err(Failure::new("T1010"));
    };
    let start = o.get("start").and_then(Value::as_number);
    let end = o.get("end").and_then(Value::as_number);
    let groups = o.get("groups").filter(|g| g.is_array());
    let next = o.get("next").filter(|n| n.is_function());
    if start.is_none() && end.is_none() && groups.is_none() && next.is_none() {
        return Err(Failure::new("T1010"));
    }
    let _ = ev;
    let matched = o
        .get("match")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let start_b = utf16_to_byte(text, start.unwrap_or(0.0).max(0.0) as usize);
    let end_b = match end {
        Some(e) => utf16_to_byte(text, e.max(0.0) as usize),
        None => start_b + matched.len(),
    };
    Ok(Some(MatchInfo {
        matched,
        start: start_b,
        end: end_b.max(start_b),
        groups: groups.map(|g| g.members()).unwrap_or_default(),
        object: result.clone(),
        next: Next::Custom(next.cloned().unwrap_or_default()),
    }))
}

/// The first match of `matcher` in `text`.
pub fn first_match(
    ev: &mut Evaluator,
    matcher: &Value,
    text: &Arc<str>,
    env: &Arc<Frame>,
) -> Result<Option<MatchInfo>> {
    if let Value::Function(f) = matcher
        && let Function::Regex(re) = &**f
    {
        return Ok(native_match(re, text, 0));
    }
    let result = ev.apply(
        matcher,
        vec![Value::String(text.clone())],
        &Value::Undefined,
        env,
    )?;
    custom_match(ev, result, text)
}

/// The match after `m`.
pub fn next_match(
    ev: &mut Evaluator,
    m: &MatchInfo,
    text: &Arc<str>,
    env: &Arc<Frame>,
) -> Result<Option<MatchInfo>> {
    ev.charge(1)?;
    match &m.next {
        Next::Native { regex, from } => {
            if *from >= text.len() {
                return Ok(None);
            }
            let next = native_match(regex, text, *from);
            if next.as_ref().is_some_and(|n| n.matched.is_empty()) {
                return Err(Failure::new("D1004").value(format!("{:?}", regex.pattern)));
            }
            Ok(next)
        }
        Next::Custom(f) => {
            if !f.is_function() {
                return Ok(None);
            }
            let result = ev.apply(f, Vec::new(), &Value::Undefined, env)?;
            custom_match(ev, result, text)
        }
    }
}

fn check_limit(v: &Value, code: &'static str, index: usize) -> Result<Option<f64>> {
    match v {
        Value::Number(n) if *n < 0.0 => Err(Failure::new(code).value(describe(v)).index(index)),
        Value::Number(n) => Ok(Some(*n)),
        _ => Ok(None),
    }
}

pub fn contains(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    Ok(Value::Bool(match arg(args, 1) {
        Value::String(t) => s.contains(&**t),
        m => first_match(ev, m, s, env)?.is_some(),
    }))
}

pub fn split(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let limit = check_limit(arg(args, 2), "D3020", 3)?;
    let mut out: Vec<Value> = Vec::new();
    let under = |n: usize| limit.is_none_or(|l| (n as f64) < l.floor());
    if limit.is_some_and(|l| l <= 0.0) {
        return Ok(Value::array(out));
    }
    match arg(args, 1) {
        Value::String(sep) => {
            if sep.is_empty() {
                for c in s.chars() {
                    if !under(out.len()) {
                        break;
                    }
                    out.push(Value::string(c.to_string()));
                }
            } else {
                for part in s.split(&**sep) {
                    if !under(out.len()) {
                        break;
                    }
                    out.push(Value::string(part));
                }
            }
        }
        m => {
            let mut count = 0;
            let mut found = first_match(ev, m, s, env)?;
            if found.is_some() {
                let mut start = 0;
                while let Some(f) = found {
                    if !under(count) {
                        break;
                    }
                    out.push(Value::string(s.get(start..f.start).unwrap_or("")));
                    start = f.end;
                    found = next_match(ev, &f, s, env)?;
                    count += 1;
                }
                if under(count) {
                    out.push(Value::string(s.get(start..).unwrap_or("")));
                }
            } else {
                out.push(Value::String(s.clone()));
            }
        }
    }
    ev.check_items(out.len())?;
    Ok(Value::array(out))
}

pub fn join(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let strs = arg(args, 0);
    if strs.is_undefined() {
        return Ok(Value::Undefined);
    }
    let sep = text(arg(args, 1))
        .map(|s| s.to_string())
        .unwrap_or_default();
    let parts: Vec<String> = strs
        .members()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    Ok(Value::string(parts.join(&sep)))
}

pub fn match_(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let limit = check_limit(arg(args, 2), "D3040", 3)?;
    let mut out = Vec::new();
    if limit.is_none_or(|l| l > 0.0) {
        let mut found = first_match(ev, arg(args, 1), s, env)?;
        while let Some(f) = found {
            if limit.is_some_and(|l| out.len() as f64 >= l) {
                break;
            }
            let mut obj = IndexMap::new();
            obj.insert("match".to_string(), Value::string(f.matched.as_str()));
            obj.insert(
                "index".to_string(),
                Value::Number(utf16_index(s, f.start) as f64),
            );
            obj.insert("groups".to_string(), Value::array(f.groups.clone()));
            out.push(Value::object(obj));
            found = next_match(ev, &f, s, env)?;
        }
    }
    Ok(Value::sequence(out))
}

/// The `$n` substitutions of a replacement string, as jsonata-js performs them.
fn substitute(replacement: &str, m: &MatchInfo) -> String {
    let mut out = String::new();
    let chars: Vec<char> = replacement.chars().collect();
    let mut position = 0;
    while position < chars.len() {
        let Some(offset) = chars[position..].iter().position(|c| *c == '$') else {
            break;
        };
        let index = position + offset;
        out.extend(&chars[position..index]);
        position = index + 1;
        match chars.get(position) {
            Some('$') => {
                out.push('$');
                position += 1;
            }
            Some('0') => {
                out.push_str(&m.matched);
                position += 1;
            }
            _ => {
                let groups = m.groups.len();
                let max_digits = if groups == 0 {
                    1
                } else {
                    (groups as f64).log10().floor() as usize + 1
                };
                let digits = |n: usize| -> Option<usize> {
                    let s: String = chars[position..(position + n).min(chars.len())]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .collect();
                    s.parse().ok()
                };
                let mut idx = digits(max_digits);
                if max_digits > 1 && idx.is_some_and(|i| i > groups) {
                    idx = digits(max_digits - 1);
                }
                match idx {
                    Some(i) => {
                        if groups > 0
                            && i >= 1
                            && let Some(Value::String(g)) = m.groups.get(i - 1)
                        {
                            out.push_str(g);
                        }
                        position += i.to_string().len();
                    }
                    None => out.push('$'),
                }
            }
        }
    }
    if position < chars.len() {
        out.extend(&chars[position..]);
    }
    out
}

pub fn replace(ev: &mut Evaluator, args: &[Value], _: &Value, env: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let pattern = arg(args, 1);
    if matches!(pattern, Value::String(p) if p.is_empty()) {
        return Err(Failure::new("D3010").value("\"\"").index(2));
    }
    let limit = check_limit(arg(args, 3), "D3011", 4)?;
    if limit.is_some_and(|l| l <= 0.0) {
        return Ok(Value::String(s.clone()));
    }
    let under = |n: usize| limit.is_none_or(|l| (n as f64) < l);
    let replacement = arg(args, 2);
    let mut out = String::new();
    let mut position = 0;
    let mut count = 0;
    match pattern {
        Value::String(p) => {
            let rep = text(replacement).map(|r| r.to_string()).unwrap_or_default();
            while under(count) {
                let Some(found) = s[position..].find(&**p) else {
                    break;
                };
                out.push_str(&s[position..position + found]);
                out.push_str(&rep);
                position += found + p.len();
                count += 1;
                if out.len() > MAX_STRING_BYTES {
                    return Err(super::super::eval::too_large());
                }
            }
            out.push_str(&s[position..]);
        }
        m => {
            let mut found = first_match(ev, m, s, env)?;
            if found.is_none() {
                return Ok(Value::String(s.clone()));
            }
            while let Some(f) = found {
                if !under(count) {
                    break;
                }
                out.push_str(s.get(position..f.start).unwrap_or(""));
                let with = match replacement {
                    Value::String(r) => substitute(r, &f),
                    func => match ev.apply(func, vec![f.object.clone()], &Value::Undefined, env)? {
                        Value::String(r) => r.to_string(),
                        other => return Err(Failure::new("D3012").value(describe(&other))),
                    },
                };
                out.push_str(&with);
                if out.len() > MAX_STRING_BYTES {
                    return Err(super::super::eval::too_large());
                }
                position = f.start + f.matched.len();
                count += 1;
                found = next_match(ev, &f, s, env)?;
            }
            out.push_str(s.get(position..).unwrap_or(""));
        }
    }
    Ok(Value::string(out))
}

// ---------------------------------------------------------------------------------------------
// encodings
// ---------------------------------------------------------------------------------------------

/// Node's `Buffer.from(str, 'binary')`: each UTF-16 unit keeps its low byte.
pub fn base64encode(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let bytes: Vec<u8> = s.encode_utf16().map(|u| (u & 0xFF) as u8).collect();
    Ok(Value::string(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

/// Node's `Buffer.from(str, 'base64').toString('binary')`: each byte becomes one character.
pub fn base64decode(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    let Some(s) = text(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    // Node ignores characters outside the alphabet and missing padding.
    let cleaned: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_'))
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let trimmed = if cleaned.len() % 4 == 1 {
        &cleaned[..cleaned.len() - 1]
    } else {
        &cleaned[..]
    };
    let bytes = engine.decode(trimmed).unwrap_or_default();
    Ok(Value::string(
        bytes.iter().map(|b| *b as char).collect::<String>(),
    ))
}

/// What `encodeURIComponent` leaves alone: letters, digits and `- _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// What `encodeURI` leaves alone: the above and the reserved characters `; , / ? : @ & = + $ #`.
const URI: &AsciiSet = &URI_COMPONENT
    .remove(b';')
    .remove(b',')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b'#');

pub fn encode_url_component(
    _: &mut Evaluator,
    args: &[Value],
    _: &Value,
    _: &Arc<Frame>,
) -> Result<Value> {
    Ok(text(arg(args, 0))
        .map(|s| Value::string(utf8_percent_encode(s, URI_COMPONENT).to_string()))
        .unwrap_or_default())
}

pub fn encode_url(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    Ok(text(arg(args, 0))
        .map(|s| Value::string(utf8_percent_encode(s, URI).to_string()))
        .unwrap_or_default())
}

/// `decodeURIComponent` / `decodeURI`: `%XX` sequences must form UTF-8; `decodeURI` keeps the
/// escapes of reserved characters.
fn decode(s: &str, keep_reserved: bool, name: &str) -> Result<Value> {
    let malformed = || {
        Failure::new("D3140")
            .token(name)
            .value(describe(&Value::string(s)))
    };
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |b: u8| (b as char).to_digit(16);
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let byte_at = |j: usize| -> Option<u8> {
            if bytes.get(j) != Some(&b'%') {
                return None;
            }
            Some((hex(*bytes.get(j + 1)?)? * 16 + hex(*bytes.get(j + 2)?)?) as u8)
        };
        let first = byte_at(i).ok_or_else(malformed)?;
        let n = match first {
            0x00..=0x7F => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return Err(malformed()),
        };
        let mut seq = vec![first];
        for k in 1..n {
            seq.push(byte_at(i + 3 * k).ok_or_else(malformed)?);
        }
        let decoded = std::str::from_utf8(&seq).map_err(|_| malformed())?;
        if keep_reserved && n == 1 && ";/?:@&=+$,#".contains(decoded) {
            out.extend_from_slice(&bytes[i..i + 3]);
        } else {
            out.extend_from_slice(decoded.as_bytes());
        }
        i += 3 * n;
    }
    String::from_utf8(out)
        .map(Value::string)
        .map_err(|_| malformed())
}

pub fn decode_url_component(
    _: &mut Evaluator,
    args: &[Value],
    _: &Value,
    _: &Arc<Frame>,
) -> Result<Value> {
    match text(arg(args, 0)) {
        Some(s) => decode(s, false, "decodeUrlComponent"),
        None => Ok(Value::Undefined),
    }
}

pub fn decode_url(_: &mut Evaluator, args: &[Value], _: &Value, _: &Arc<Frame>) -> Result<Value> {
    match text(arg(args, 0)) {
        Some(s) => decode(s, true, "decodeUrl"),
        None => Ok(Value::Undefined),
    }
}

/// `fn.string` reachable from other families.
pub fn display(v: &Value) -> Result<String> {
    to_string(v)
}

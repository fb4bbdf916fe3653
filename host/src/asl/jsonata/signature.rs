//! Function signatures (`<s-nn?:s>`): parsing, and validation of the arguments of a call
//! against them, as jsonata-js does it: each argument becomes a type letter and the string of
//! letters is matched against a regular expression built from the signature.

use std::sync::Arc;

use super::error::{Failure, Result};
use super::value::Value;

#[derive(Debug, Clone)]
struct Param {
    regex: String,
    kind: String,
    subtype: Option<String>,
    /// `-`: the context value stands in for a missing argument.
    context: bool,
    context_regex: Option<String>,
}

#[derive(Clone)]
pub struct Signature {
    pub text: String,
    params: Vec<Param>,
    regex: Arc<regress::Regex>,
    /// The regex of each prefix of the parameter list, to find which argument failed.
    prefixes: Arc<Vec<regress::Regex>>,
    /// When every parameter takes exactly one argument (no `?`, `+` or `-`): the type symbols
    /// each accepts. Most calls then match without running the regex, which gives the same
    /// answer: one argument per parameter, each of an accepted type.
    exact: Option<Arc<[Box<[char]>]>>,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({})", self.text)
    }
}

/// The letter that stands for a value's type in a signature.
fn symbol(value: &Value) -> char {
    match value {
        Value::Function(_) => 'f',
        Value::String(_) => 's',
        Value::Number(_) => 'n',
        Value::Bool(_) => 'b',
        Value::Null => 'l',
        Value::Array(_) => 'a',
        Value::Object(_) | Value::Tuple(_) => 'o',
        Value::Undefined => 'm',
    }
}

fn array_type_name(subtype: &str) -> &'static str {
    match subtype {
        "a" => "arrays",
        "b" => "booleans",
        "f" => "functions",
        "n" => "numbers",
        "o" => "objects",
        "s" => "strings",
        _ => "values",
    }
}

fn closing(chars: &[char], start: usize, open: char, close: char) -> usize {
    let mut depth = 1;
    let mut pos = start;
    while pos + 1 < chars.len() {
        pos += 1;
        if chars[pos] == close {
            depth -= 1;
            if depth == 0 {
                break;
            }
        } else if chars[pos] == open {
            depth += 1;
        }
    }
    pos
}

fn compile(pattern: &str) -> Result<regress::Regex> {
    regress::Regex::new(pattern).map_err(|_| Failure::new("S0401"))
}

impl Signature {
    pub fn parse(text: &str) -> Result<Signature> {
        let chars: Vec<char> = text.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut pos = 1;
        while pos < chars.len() {
            let c = chars[pos];
            if c == ':' {
                break;
            }
            let simple = |regex: String, kind: &str| Param {
                regex,
                kind: kind.to_string(),
                subtype: None,
                context: false,
                context_regex: None,
            };
            match c {
                's' | 'n' | 'b' | 'l' | 'o' => {
                    params.push(simple(format!("[{c}m]"), &c.to_string()))
                }
                'a' => params.push(simple("[asnblfom]".into(), "a")),
                'f' => params.push(simple("f".into(), "f")),
                'j' => params.push(simple("[asnblom]".into(), "j")),
                'x' => params.push(simple("[asnblfom]".into(), "x")),
                '-' => {
                    if let Some(prev) = params.last_mut() {
                        prev.context = true;
                        prev.context_regex = Some(prev.regex.clone());
                        prev.regex.push('?');
                    }
                }
                '?' | '+' => {
                    if let Some(prev) = params.last_mut() {
                        prev.regex.push(c);
                    }
                }
                '(' => {
                    let end = closing(&chars, pos, '(', ')');
                    let choice: String = chars[pos + 1..end.min(chars.len())].iter().collect();
                    if choice.contains('<') {
                        return Err(Failure::new("S0402").at(pos).value(format!("{choice:?}")));
                    }
                    params.push(simple(format!("[{choice}m]"), &format!("({choice})")));
                    pos = end;
                }
                '<' => match params.last_mut() {
                    Some(prev) if prev.kind == "a" || prev.kind == "f" => {
                        let end = closing(&chars, pos, '<', '>');
                        prev.subtype = Some(chars[pos + 1..end.min(chars.len())].iter().collect());
                        pos = end;
                    }
                    prev => {
                        let kind = prev.map(|p| p.kind.clone()).unwrap_or_default();
                        return Err(Failure::new("S0401").at(pos).value(format!("{kind:?}")));
                    }
                },
                _ => {}
            }
            pos += 1;
        }
        let groups: Vec<String> = params.iter().map(|p| format!("({})", p.regex)).collect();
        let regex = compile(&format!("^{}$", groups.concat()))?;
        let mut prefixes = Vec::with_capacity(groups.len());
        for i in 0..groups.len() {
            prefixes.push(compile(&format!("^{}", groups[..=i].concat()))?);
        }
        let exact = params
            .iter()
            .map(
                |p| match p.regex.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                    Some(types) => Some(types.chars().collect::<Box<[char]>>()),
                    None if p.regex == "f" => Some(Box::from(['f'])),
                    None => None,
                },
            )
            .collect::<Option<Vec<_>>>()
            .map(Arc::from);
        Ok(Signature {
            text: text.to_string(),
            params,
            regex: Arc::new(regex),
            prefixes: Arc::new(prefixes),
            exact,
        })
    }

    /// The arguments after validation: the context substituted where `-` allows, single values
    /// wrapped where an array is expected. `token` names the function in errors.
    pub fn validate(&self, args: &[Value], context: &Value) -> Result<Vec<Value>> {
        let supplied: String = args.iter().map(symbol).collect();
        // Where each parameter's arguments are in `supplied` (its symbols are ASCII).
        let exact = self.exact.as_deref().filter(|types| {
            types.len() == args.len()
                && types
                    .iter()
                    .zip(supplied.chars())
                    .all(|(t, s)| t.contains(&s))
        });
        let groups: Vec<Option<std::ops::Range<usize>>> = match exact {
            Some(types) => (0..types.len()).map(|i| Some(i..i + 1)).collect(),
            None => {
                let Some(m) = self.regex.find(&supplied) else {
                    return Err(self.validation_error(args, &supplied));
                };
                (0..self.params.len()).map(|i| m.group(i + 1)).collect()
            }
        };
        let mut validated = Vec::with_capacity(self.params.len());
        let mut arg_index = 0;
        for (i, param) in self.params.iter().enumerate() {
            let matched = groups[i].clone().map(|r| &supplied[r]).unwrap_or("");
            if matched.is_empty() {
                if param.context && param.context_regex.is_some() {
                    let ctx = symbol(context);
                    let ok = param
                        .context_regex
                        .as_deref()
                        .and_then(|r| regress::Regex::new(r).ok())
                        .is_some_and(|r| r.find(&ctx.to_string()).is_some());
                    if ok {
                        validated.push(context.clone());
                    } else {
                        return Err(Failure::new("T0411")
                            .value(super::value::describe(context))
                            .index(arg_index + 1));
                    }
                } else {
                    validated.push(args.get(arg_index).cloned().unwrap_or_default());
                    arg_index += 1;
                }
                continue;
            }
            for single in matched.chars() {
                let arg = args.get(arg_index).cloned().unwrap_or_default();
                if param.kind == "a" {
                    if single == 'm' {
                        validated.push(Value::Undefined);
                        arg_index += 1;
                        continue;
                    }
                    if let Some(sub) = &param.subtype {
                        let ok = if single != 'a' {
                            matched == sub
                        } else {
                            let items = arg.as_array().map(|a| a.items.as_slice()).unwrap_or(&[]);
                            match items.first() {
                                None => true,
                                Some(first) => {
                                    let t = symbol(first);
                                    sub.starts_with(t) && items.iter().all(|v| symbol(v) == t)
                                }
                            }
                        };
                        if !ok {
                            let mut f = Failure::new("T0412")
                                .value(super::value::describe(&arg))
                                .index(arg_index + 1);
                            f.type_name = Some(array_type_name(sub));
                            return Err(f);
                        }
                    }
                    if single != 'a' {
                        validated.push(Value::array(vec![arg]));
                    } else {
                        validated.push(arg);
                    }
                } else {
                    validated.push(arg);
                }
                arg_index += 1;
            }
        }
        Ok(validated)
    }

    fn validation_error(&self, args: &[Value], supplied: &str) -> Failure {
        let mut good_to = 0;
        for prefix in self.prefixes.iter() {
            match prefix.find(supplied) {
                None => break,
                Some(m) => good_to = m.end(),
            }
        }
        let value = args
            .get(good_to)
            .map(super::value::describe)
            .unwrap_or_default();
        Failure::new("T0410").value(value).index(good_to + 1)
    }
}

#[cfg(test)]
mod tests;

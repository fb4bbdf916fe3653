//! A Task's parameters matched against an operation's input shape.
//!
//! Owns: which member a parameter names (`RestApiId` or `restApiId` for `restApiId`),
//! refusing the ones that name none, skipping `null`s, filling idempotency tokens, refusing
//! event streams, and the host-name labels of `hostPrefix`. Must not: encode anything; each
//! protocol writes the fields it is handed.

use std::borrow::Cow;

use serde_json::Value;

use crate::model::{Operation, ServiceModel, Shape, ShapeRef};
use crate::naming::member_name;
use crate::protocol::BuildError;
use crate::protocol::traits::Target;
use crate::protocol::value;

/// The model and operation a request is built for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cx<'m> {
    /// The service's model.
    pub model: &'m ServiceModel,
    /// The operation.
    pub operation: &'m Operation,
}

/// A parameter matched to its member.
#[derive(Debug, Clone)]
pub(crate) struct Field<'m, 'v> {
    /// The member's model name.
    pub name: &'m str,
    /// The member's reference and shape.
    pub target: Target<'m>,
    /// The value given (never `null`).
    pub value: &'v Value,
    /// Where the value is, for errors (`Item.id`).
    pub path: String,
}

impl<'m> Cx<'m> {
    /// The shape `r` names.
    pub(crate) fn target(&self, r: &'m ShapeRef) -> Result<Target<'m>, BuildError> {
        match self.model.shape(&r.shape) {
            Some(shape) => Ok(Target { r, shape }),
            None => Err(BuildError::Unsupported(format!(
                "The model of {} names a shape it does not define: {}",
                self.operation.name, r.shape
            ))),
        }
    }

    /// The fields of a structure `shape` given `value` at `path`, in the model's member order.
    pub(crate) fn fields<'v>(
        &self,
        shape: &'m Shape,
        value: &'v Value,
        path: &str,
    ) -> Result<Vec<Field<'m, 'v>>, BuildError> {
        let Value::Object(object) = value else {
            return Err(BuildError::WrongType {
                path: path.to_owned(),
                expected: "an object",
                found: value::kind_of(value),
            });
        };
        let mut fields = Vec::with_capacity(object.len());
        for (key, value) in object {
            let found = shape
                .members
                .iter()
                .enumerate()
                .find(|(_, (name, _))| *name == key || member_name(name) == *key);
            let Some((index, (name, r))) = found else {
                return Err(BuildError::UnknownField {
                    operation: self.operation.name.clone(),
                    path: path.to_owned(),
                    field: key.clone(),
                });
            };
            if value.is_null() {
                continue;
            }
            fields.push((
                index,
                Field {
                    name,
                    target: self.target(r)?,
                    value,
                    path: join(path, key),
                },
            ));
        }
        fields.sort_by_key(|(index, _)| *index);
        Ok(fields.into_iter().map(|(_, field)| field).collect())
    }
}

/// `path.key`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[index]`.
pub(crate) fn index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// An operation's parameters, checked.
#[derive(Debug)]
pub(crate) struct Input<'a> {
    /// The model and operation.
    pub cx: Cx<'a>,
    /// The input shape, if the operation has one.
    pub shape: Option<Target<'a>>,
    /// The parameters, with idempotency tokens filled in.
    params: Cow<'a, Value>,
    /// The labels to put in front of the host name.
    pub host_prefix: Option<String>,
}

impl<'a> Input<'a> {
    /// Checks `parameters` against `operation`'s input.
    pub(crate) fn new(
        model: &'a ServiceModel,
        operation: &'a Operation,
        parameters: &'a Value,
    ) -> Result<Input<'a>, BuildError> {
        let cx = Cx { model, operation };
        refuse_event_streams(&cx)?;
        let shape = operation.input.as_ref().map(|r| cx.target(r)).transpose()?;
        let mut params = Cow::Borrowed(parameters);
        if params.is_null() {
            params = Cow::Owned(Value::Object(Default::default()));
        }
        if let Some(shape) = shape {
            fill_idempotency_tokens(shape.shape, &mut params);
        }
        let mut input = Input {
            cx,
            shape,
            params,
            host_prefix: None,
        };
        let fields = input.fields()?;
        let host_prefix = operation
            .endpoint
            .as_ref()
            .map(|e| host_prefix(&e.host_prefix, &fields))
            .transpose()?;
        input.host_prefix = host_prefix;
        Ok(input)
    }

    /// The top-level fields (none for an operation without input, whose parameters must then
    /// be empty).
    pub(crate) fn fields(&self) -> Result<Vec<Field<'a, '_>>, BuildError> {
        match self.shape {
            Some(shape) => self.cx.fields(shape.shape, &self.params, ""),
            None => match &*self.params {
                Value::Object(o) if o.is_empty() => Ok(Vec::new()),
                Value::Object(o) => Err(BuildError::UnknownField {
                    operation: self.cx.operation.name.clone(),
                    path: String::new(),
                    field: o.keys().next().cloned().unwrap_or_default(),
                }),
                other => Err(BuildError::WrongType {
                    path: String::new(),
                    expected: "an object",
                    found: value::kind_of(other),
                }),
            },
        }
    }
}

/// Event streams are long-lived two-way streams a Task has no way to hold.
fn refuse_event_streams(cx: &Cx<'_>) -> Result<(), BuildError> {
    for r in [&cx.operation.input, &cx.operation.output]
        .into_iter()
        .flatten()
    {
        let Some(shape) = cx.model.shape(&r.shape) else {
            continue;
        };
        let streams = shape
            .members
            .values()
            .any(|m| cx.model.shape(&m.shape).is_some_and(|s| s.eventstream));
        if streams {
            return Err(BuildError::Unsupported(format!(
                "{} streams events, which a Task cannot call",
                cx.operation.name
            )));
        }
    }
    Ok(())
}

/// Idempotency tokens left out are filled with a fresh UUID, as the SDKs do, so that a retried
/// request is recognised as the same one.
fn fill_idempotency_tokens(shape: &Shape, params: &mut Cow<'_, Value>) {
    let Value::Object(given) = &**params else {
        return;
    };
    let missing: Vec<String> = shape
        .members
        .iter()
        .filter(|(_, r)| r.idempotency_token)
        .filter(|(name, _)| {
            let upper = member_name(name);
            [name.as_str(), upper.as_str()]
                .iter()
                .all(|key| given.get(*key).is_none_or(Value::is_null))
        })
        .map(|(name, _)| member_name(name))
        .collect();
    if missing.is_empty() {
        return;
    }
    if let Value::Object(object) = params.to_mut() {
        for name in missing {
            object.insert(name, Value::String(uuid::Uuid::new_v4().to_string()));
        }
    }
}

/// `template` with each `{label}` replaced by what `fill` gives for it (URI paths, host
/// prefixes); text after an unclosed `{` is kept as it is.
pub(crate) fn fill_labels(
    template: &str,
    mut fill: impl FnMut(&str) -> Result<String, BuildError>,
) -> Result<String, BuildError> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&fill(&rest[open + 1..open + close])?);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `{AccountId}.` with the `AccountId` member's value.
fn host_prefix(template: &str, fields: &[Field<'_, '_>]) -> Result<String, BuildError> {
    fill_labels(template, |label| {
        let field = fields.iter().find(|f| f.name == label);
        let text = field
            .map(|f| value::string_text(f.value))
            .unwrap_or_default();
        if text.is_empty() {
            return Err(BuildError::MissingLabel(member_name(label)));
        }
        let valid = text.len() <= 63 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            return Err(BuildError::WrongType {
                path: member_name(label),
                expected: "a host name label (letters, digits and hyphens)",
                found: "a string with other characters",
            });
        }
        Ok(text)
    })
}

//! The `json` protocol (1.0 and 1.1), and the JSON bodies rest-json shares with it.
//!
//! Owns: a Task's value written as JSON by shape (blobs base64, timestamps as epoch seconds
//! unless the model says otherwise), a JSON body read back by shape into a Task's result, and
//! the JSON error answer (`__type`, `x-amzn-ErrorType`, `message`).
//! Must not: bind members to the URI or headers (rest.rs does).

use serde_json::{Map, Value};

use crate::model::{Operation, ServiceModel, ShapeKind, ShapeRef};
use crate::naming::member_name;
use crate::protocol::params::{self, Cx, Field, Input};
use crate::protocol::traits::Target;
use crate::protocol::value::{self, TimestampFormat};
use crate::protocol::{BuildError, HttpRequest, HttpResponse, ServiceError, errors};

/// POST `/` with `X-Amz-Target` naming the operation; the body is the input, `{}` for none.
pub(crate) fn build(input: &Input<'_>) -> Result<HttpRequest, BuildError> {
    let cx = input.cx;
    let body = Value::Object(object(&cx, &input.fields()?)?);
    let metadata = &cx.model.metadata;
    let target = match &metadata.target_prefix {
        Some(prefix) => format!("{prefix}.{}", cx.operation.name),
        None => cx.operation.name.clone(),
    };
    let version = metadata.json_version.as_deref().unwrap_or("1.0");
    Ok(HttpRequest {
        method: "POST".to_owned(),
        path_and_query: "/".to_owned(),
        headers: vec![
            ("X-Amz-Target".to_owned(), target),
            (
                "Content-Type".to_owned(),
                format!("application/x-amz-json-{version}"),
            ),
        ],
        body: body.to_string().into_bytes(),
        host_prefix: input.host_prefix.clone(),
    })
}

/// The fields as a JSON object, keyed by their wire names.
pub(crate) fn object(
    cx: &Cx<'_>,
    fields: &[Field<'_, '_>],
) -> Result<Map<String, Value>, BuildError> {
    let mut out = Map::new();
    for field in fields {
        let key = field
            .target
            .r
            .location_name
            .as_deref()
            .unwrap_or(field.name);
        out.insert(
            key.to_owned(),
            write(cx, field.target, field.value, &field.path)?,
        );
    }
    Ok(out)
}

/// A Task's `value` as JSON of shape `target`.
pub(crate) fn write(
    cx: &Cx<'_>,
    target: Target<'_>,
    value: &Value,
    path: &str,
) -> Result<Value, BuildError> {
    let shape = target.shape;
    if shape.document {
        return Ok(value.clone());
    }
    match shape.kind {
        ShapeKind::Structure => Ok(Value::Object(object(cx, &cx.fields(shape, value, path)?)?)),
        ShapeKind::List => {
            let Value::Array(items) = value else {
                return Err(wrong(path, "a list", value));
            };
            let member = list_member(cx, target)?;
            items
                .iter()
                .enumerate()
                .map(|(i, item)| write(cx, member, item, &params::index(path, i)))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        ShapeKind::Map => {
            let Value::Object(entries) = value else {
                return Err(wrong(path, "an object", value));
            };
            let (_, map_value) = map_entry(cx, target)?;
            let mut out = Map::new();
            for (key, item) in entries {
                if item.is_null() {
                    continue;
                }
                out.insert(
                    key.clone(),
                    write(cx, map_value, item, &params::join(path, key))?,
                );
            }
            Ok(Value::Object(out))
        }
        ShapeKind::Timestamp => {
            let t = value::timestamp(value, path)?;
            Ok(match target.timestamp_format(TimestampFormat::Epoch) {
                TimestampFormat::Epoch => Value::Number(value::epoch_number(t)),
                format => Value::String(value::timestamp_text(t, format)),
            })
        }
        kind => value::scalar_json(kind, value, path),
    }
}

fn wrong(path: &str, expected: &'static str, value: &Value) -> BuildError {
    BuildError::WrongType {
        path: path.to_owned(),
        expected,
        found: value::kind_of(value),
    }
}

/// A list's member.
pub(crate) fn list_member<'m>(cx: &Cx<'m>, list: Target<'m>) -> Result<Target<'m>, BuildError> {
    match &list.shape.member {
        Some(member) => cx.target(member),
        None => Err(incomplete(cx, list)),
    }
}

/// A map's key and value.
pub(crate) fn map_entry<'m>(
    cx: &Cx<'m>,
    map: Target<'m>,
) -> Result<(Target<'m>, Target<'m>), BuildError> {
    match (&map.shape.key, &map.shape.value) {
        (Some(key), Some(value)) => Ok((cx.target(key)?, cx.target(value)?)),
        _ => Err(incomplete(cx, map)),
    }
}

fn incomplete(cx: &Cx<'_>, target: Target<'_>) -> BuildError {
    BuildError::Unsupported(format!(
        "The model of {} has an incomplete shape: {}",
        cx.operation.name, target.r.shape
    ))
}

/// The result of a JSON-protocol answer.
pub(crate) fn parse(
    model: &ServiceModel,
    operation: &Operation,
    response: &HttpResponse<'_>,
) -> Result<Value, ServiceError> {
    let Some(output) = operation.output.as_ref().and_then(|r| resolve(model, r)) else {
        return Ok(Value::Object(Map::new()));
    };
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let body: Value = serde_json::from_slice(response.body)
        .map_err(|e| errors::malformed(response, format!("The response is not valid JSON: {e}")))?;
    match body {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::Object(_) => Ok(read(model, output, &body)),
        other => Err(errors::malformed(
            response,
            format!(
                "The response is {}, not a JSON object",
                value::kind_of(&other)
            ),
        )),
    }
}

/// The shape `r` names, with `r`'s traits.
pub(crate) fn resolve<'m>(model: &'m ServiceModel, r: &'m ShapeRef) -> Option<Target<'m>> {
    model.shape(&r.shape).map(|shape| Target { r, shape })
}

/// A JSON value from the wire as a Task's result of shape `target`: member names in upper
/// case, timestamps as ISO-8601; what does not fit its shape is kept as it came.
pub(crate) fn read<'m>(model: &'m ServiceModel, target: Target<'m>, value: &Value) -> Value {
    let shape = target.shape;
    if shape.document {
        return value.clone();
    }
    let resolve = |r: &'m ShapeRef| resolve(model, r);
    match (shape.kind, value) {
        (ShapeKind::Structure, Value::Object(object)) => {
            let mut out = Map::new();
            for (name, r) in &shape.members {
                // Members bound to headers or the status are the REST reader's.
                if crate::protocol::rest::is_bound_in_answers(r) {
                    continue;
                }
                let key = r.location_name.as_deref().unwrap_or(name);
                let Some(item) = object.get(key).filter(|v| !v.is_null()) else {
                    continue;
                };
                let item = match resolve(r) {
                    Some(member) => read(model, member, item),
                    None => item.clone(),
                };
                out.insert(member_name(name), item);
            }
            Value::Object(out)
        }
        (ShapeKind::List, Value::Array(items)) => match shape.member.as_deref().and_then(resolve) {
            Some(member) => Value::Array(items.iter().map(|i| read(model, member, i)).collect()),
            None => value.clone(),
        },
        (ShapeKind::Map, Value::Object(entries)) => {
            match shape.value.as_deref().and_then(resolve) {
                Some(map_value) => Value::Object(
                    entries
                        .iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k.clone(), read(model, map_value, v)))
                        .collect(),
                ),
                None => value.clone(),
            }
        }
        (ShapeKind::Timestamp, _) => value::timestamp_from_json(value),
        _ => value.clone(),
    }
}

/// The error of a JSON or rest-json answer: the code from `x-amzn-ErrorType`, else the body's
/// `__type` or `code`; the message from `message` or `Message`.
pub(crate) fn error(response: &HttpResponse<'_>) -> ServiceError {
    let body: Option<Map<String, Value>> = serde_json::from_slice(response.body).ok();
    let Some(body) = body else {
        return errors::service_error(
            response,
            response.header("x-amzn-ErrorType"),
            errors::body_text(response),
            None,
        );
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str);
    let code = response
        .header("x-amzn-ErrorType")
        .or_else(|| text("__type"))
        .or_else(|| text("code"))
        .or_else(|| text("Code"));
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|key| text(key))
        .unwrap_or_default()
        .to_owned();
    errors::service_error(response, code, message, None)
}

#[cfg(test)]
mod tests;

//! The `rest-json` protocol: REST bindings (rest.rs) with a JSON body (json.rs).
//!
//! Owns: which body a rest-json request has (its payload member, its unbound members, `{}`
//! when it has body members and none is given) and `Content-Type: application/json`; and the
//! body of the answer. Must not: bind the URI or headers itself.

use serde_json::{Map, Value};

use crate::model::{Operation, ServiceModel, ShapeKind};
use crate::naming::member_name;
use crate::protocol::params::Input;
use crate::protocol::traits::Target;
use crate::protocol::value;
use crate::protocol::{BuildError, HttpRequest, HttpResponse, ServiceError, errors, json, rest};

/// The request: its bindings, and the payload or the unbound members as a JSON body.
pub(crate) fn build(input: &Input<'_>) -> Result<HttpRequest, BuildError> {
    let cx = input.cx;
    let fields = input.fields()?;
    let bound = rest::bind(input, fields)?;
    let mut request = bound.request;
    let has_body_members = input
        .shape
        .is_some_and(|s| s.shape.members.values().any(|r| r.location.is_none()));
    let (body, structured) = match &bound.payload {
        Some(p) if p.is_raw() => (p.value.map(value::blob_bytes), false),
        Some(p) => match p.value {
            Some(v) => {
                let text = json::write(&cx, p.target, v, &member_name(p.name))?.to_string();
                (Some(text.into_bytes()), true)
            }
            // An unset union has no empty form; an unset structure is `{}`.
            None if p.target.shape.union => (None, false),
            None => (Some(b"{}".to_vec()), true),
        },
        None if !bound.body.is_empty() || has_body_members => {
            let object = json::object(&cx, &bound.body)?;
            (Some(Value::Object(object).to_string().into_bytes()), true)
        }
        None => (None, false),
    };
    let has_content_type = request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("Content-Type"));
    if structured && !has_content_type {
        request
            .headers
            .push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    request.body = body.unwrap_or_default();
    Ok(request)
}

/// The result: header- and status-bound members, and the body's.
pub(crate) fn parse(
    model: &ServiceModel,
    operation: &Operation,
    response: &HttpResponse<'_>,
) -> Result<Value, ServiceError> {
    let Some(output) = operation
        .output
        .as_ref()
        .and_then(|r| json::resolve(model, r))
    else {
        return Ok(Value::Object(Map::new()));
    };
    let mut out = Map::new();
    rest::read_bound(model, output, response, &mut out);
    let blank = response.body.iter().all(u8::is_ascii_whitespace);
    let body = || -> Result<Value, ServiceError> {
        serde_json::from_slice(response.body).map_err(|e| {
            errors::malformed(response, format!("The response is not valid JSON: {e}"))
        })
    };
    match rest::output_payload(model, output) {
        Some((name, target)) if target.streaming() || is_raw(target) => {
            let text = String::from_utf8_lossy(response.body).into_owned();
            out.insert(member_name(name), Value::String(text));
        }
        _ if blank => {}
        Some((name, target)) => {
            out.insert(member_name(name), json::read(model, target, &body()?));
        }
        None => {
            if let Value::Object(members) = json::read(model, output, &body()?) {
                out.extend(members);
            }
        }
    }
    Ok(Value::Object(rest::in_model_order(output.shape, out)))
}

fn is_raw(target: Target<'_>) -> bool {
    matches!(target.shape.kind, ShapeKind::Blob | ShapeKind::String)
}

#[cfg(test)]
mod tests;

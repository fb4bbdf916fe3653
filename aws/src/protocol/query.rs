//! The `query` and `ec2` protocols: the input as form-encoded `Name.member.1=value` pairs with
//! `Action` and `Version`, POSTed to `/`; the answer in XML, the result inside
//! `<XResponse><XResult>` (query) or directly inside `<XResponse>` (ec2).
//!
//! Owns: the two dialects' names for members, lists and maps. Must not: read XML itself
//! (xml.rs does).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::model::{Operation, ServiceModel, ShapeKind};
use crate::protocol::json::{list_member, map_entry, resolve};
use crate::protocol::params::{self, Cx, Input};
use crate::protocol::traits::Target;
use crate::protocol::value::{self, TimestampFormat};
use crate::protocol::{BuildError, HttpRequest, HttpResponse, ServiceError, rest, xml};

/// Which of the two protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// IAM, STS, SNS...: lists as `Name.member.N` unless flattened, maps as `Name.entry.N`.
    Query,
    /// EC2: lists always as `Name.N`, names from `queryName` or the capitalised
    /// `locationName`; no result wrapper.
    Ec2,
}

impl Dialect {
    /// The name of a list's member or a map's key or value on the wire.
    fn name<'m>(self, target: Target<'m>, default: &'m str) -> Cow<'m, str> {
        match self {
            Dialect::Query => target.location_name().unwrap_or(default).into(),
            Dialect::Ec2 => match (&target.r.query_name, target.location_name()) {
                (Some(name), _) => name.into(),
                (None, Some(name)) => capitalised(name),
                (None, None) => default.into(),
            },
        }
    }

    /// The name of a structure's member `name` on the wire; EC2 capitalises it.
    fn member<'m>(self, target: Target<'m>, name: &'m str) -> Cow<'m, str> {
        match (
            self,
            target.r.query_name.is_none() && target.location_name().is_none(),
        ) {
            (Dialect::Ec2, true) => capitalised(name),
            _ => self.name(target, name),
        }
    }
}

/// `name` with its first letter in upper case (not [`crate::naming::member_name`], which also
/// renames `Equals`).
fn capitalised(name: &str) -> Cow<'_, str> {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => {
            first.to_uppercase().chain(chars).collect::<String>().into()
        }
        _ => name.into(),
    }
}

/// The request: `Action`, `Version` and the input's pairs, form-encoded.
pub(crate) fn build(input: &Input<'_>, dialect: Dialect) -> Result<HttpRequest, BuildError> {
    let cx = input.cx;
    let mut pairs = vec![
        ("Action".to_owned(), cx.operation.name.clone()),
        ("Version".to_owned(), cx.model.metadata.api_version.clone()),
    ];
    for field in input.fields()? {
        let prefix = dialect.member(field.target, field.name);
        write(
            &cx,
            dialect,
            field.target,
            field.value,
            &prefix,
            &field.path,
            &mut pairs,
        )?;
    }
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", rest::encode(k), rest::encode(v)))
        .collect();
    Ok(HttpRequest {
        method: "POST".to_owned(),
        path_and_query: "/".to_owned(),
        headers: vec![(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        )],
        body: body.join("&").into_bytes(),
        host_prefix: input.host_prefix.clone(),
    })
}

fn write(
    cx: &Cx<'_>,
    dialect: Dialect,
    target: Target<'_>,
    value: &Value,
    prefix: &str,
    path: &str,
    pairs: &mut Vec<(String, String)>,
) -> Result<(), BuildError> {
    let wrong = |expected| BuildError::WrongType {
        path: path.to_owned(),
        expected,
        found: value::kind_of(value),
    };
    match target.shape.kind {
        ShapeKind::Structure => {
            for field in cx.fields(target.shape, value, path)? {
                let name = dialect.member(field.target, field.name);
                let prefix = format!("{prefix}.{name}");
                write(
                    cx,
                    dialect,
                    field.target,
                    field.value,
                    &prefix,
                    &field.path,
                    pairs,
                )?;
            }
        }
        ShapeKind::List => {
            let Value::Array(items) = value else {
                return Err(wrong("a list"));
            };
            let member = list_member(cx, target)?;
            let list_prefix = match dialect {
                Dialect::Ec2 => prefix.to_owned(),
                // The query protocol says "this list is empty" with an empty value.
                Dialect::Query if items.is_empty() => {
                    pairs.push((prefix.to_owned(), String::new()));
                    return Ok(());
                }
                Dialect::Query if target.flattened() => match member.r.location_name.as_deref() {
                    // A flattened list with a named member takes the member's name.
                    Some(name) => match prefix.rsplit_once('.') {
                        Some((head, _)) => format!("{head}.{name}"),
                        None => name.to_owned(),
                    },
                    None => prefix.to_owned(),
                },
                Dialect::Query => format!("{prefix}.{}", dialect.name(member, "member")),
            };
            for (i, item) in items.iter().enumerate().filter(|(_, v)| !v.is_null()) {
                let prefix = format!("{list_prefix}.{}", i + 1);
                write(
                    cx,
                    dialect,
                    member,
                    item,
                    &prefix,
                    &params::index(path, i),
                    pairs,
                )?;
            }
        }
        ShapeKind::Map => {
            let Value::Object(entries) = value else {
                return Err(wrong("an object"));
            };
            let (key, map_value) = map_entry(cx, target)?;
            let base = if target.flattened() {
                prefix.to_owned()
            } else {
                format!("{prefix}.entry")
            };
            let key_name = dialect.name(key, "key");
            let value_name = dialect.name(map_value, "value");
            for (i, (k, v)) in entries.iter().filter(|(_, v)| !v.is_null()).enumerate() {
                let n = i + 1;
                pairs.push((format!("{base}.{n}.{key_name}"), k.clone()));
                let prefix = format!("{base}.{n}.{value_name}");
                write(
                    cx,
                    dialect,
                    map_value,
                    v,
                    &prefix,
                    &params::join(path, k),
                    pairs,
                )?;
            }
        }
        kind => {
            let format = target.timestamp_format(TimestampFormat::Iso8601);
            pairs.push((
                prefix.to_owned(),
                value::scalar_text(kind, value, path, format)?,
            ));
        }
    }
    Ok(())
}

/// The result: the output shape read from the result wrapper (query) or the root (ec2).
pub(crate) fn parse(
    model: &ServiceModel,
    operation: &Operation,
    response: &HttpResponse<'_>,
    dialect: Dialect,
) -> Result<Value, ServiceError> {
    let Some(r) = operation.output.as_ref() else {
        return Ok(Value::Object(Map::new()));
    };
    let Some(output) = resolve(model, r) else {
        return Ok(Value::Object(Map::new()));
    };
    if xml::is_blank(response.body) {
        return Ok(Value::Object(Map::new()));
    }
    let document = xml::document(response)?;
    let root = document.root_element();
    let node = match (dialect, r.result_wrapper.as_deref()) {
        (Dialect::Query, Some(wrapper)) => xml::elements(root)
            .find(|n| n.tag_name().name() == wrapper)
            .unwrap_or(root),
        _ => root,
    };
    Ok(Value::Object(xml::read_structure(
        model,
        output.shape,
        node,
    )))
}

#[cfg(test)]
mod tests;

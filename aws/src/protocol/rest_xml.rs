//! The `rest-xml` protocol (S3, Route 53, CloudFront): REST bindings (rest.rs) with an XML
//! body, and XML answers (xml.rs).
//!
//! Owns: writing a Task's value as XML by shape (element names, `xmlns`, attributes, wrapped
//! and flattened lists and maps) and which element of an answer is the result.
//! Must not: bind the URI or headers itself.

use serde_json::{Map, Value};

use crate::model::{Operation, ServiceModel, ShapeKind};
use crate::naming::member_name;
use crate::protocol::json::{list_member, map_entry, resolve};
use crate::protocol::params::{self, Cx, Field, Input};
use crate::protocol::traits::Target;
use crate::protocol::value::{self, TimestampFormat};
use crate::protocol::{BuildError, HttpRequest, HttpResponse, ServiceError, rest, xml};

/// The request: its bindings, and the payload or the unbound members as the body.
pub(crate) fn build(input: &Input<'_>) -> Result<HttpRequest, BuildError> {
    let cx = input.cx;
    let fields = input.fields()?;
    let bound = rest::bind(input, fields)?;
    let mut request = bound.request;
    request.body = match (&bound.payload, input.shape) {
        (Some(p), _) if p.is_raw() => p.value.map(value::blob_bytes).unwrap_or_default(),
        (Some(p), _) => match p.value {
            Some(v) => {
                let name = p.target.root_name();
                let mut out = String::new();
                element(&cx, &mut out, name, p.target, v, &member_name(p.name))?;
                out.into_bytes()
            }
            None => Vec::new(),
        },
        (None, Some(shape)) if !bound.body.is_empty() => {
            let name = shape.root_name();
            let mut out = String::new();
            structure(&cx, &mut out, name, shape, &bound.body)?;
            out.into_bytes()
        }
        _ => Vec::new(),
    };
    Ok(request)
}

/// `<name>` holding `value` as `target`.
fn element(
    cx: &Cx<'_>,
    out: &mut String,
    name: &str,
    target: Target<'_>,
    value: &Value,
    path: &str,
) -> Result<(), BuildError> {
    let wrong = |expected| BuildError::WrongType {
        path: path.to_owned(),
        expected,
        found: value::kind_of(value),
    };
    match target.shape.kind {
        ShapeKind::Structure => {
            let fields = cx.fields(target.shape, value, path)?;
            structure(cx, out, name, target, &fields)
        }
        ShapeKind::List => {
            let Value::Array(items) = value else {
                return Err(wrong("a list"));
            };
            let member = list_member(cx, target)?;
            let items = items.iter().enumerate().filter(|(_, v)| !v.is_null());
            if target.flattened() {
                for (i, item) in items {
                    element(cx, out, name, member, item, &params::index(path, i))?;
                }
            } else {
                open(out, name, target);
                out.push('>');
                let item_name = member.location_name().unwrap_or("member");
                for (i, item) in items {
                    element(cx, out, item_name, member, item, &params::index(path, i))?;
                }
                close(out, name);
            }
            Ok(())
        }
        ShapeKind::Map => {
            let Value::Object(entries) = value else {
                return Err(wrong("an object"));
            };
            let (key, map_value) = map_entry(cx, target)?;
            let key_name = key.location_name().unwrap_or("key");
            let value_name = map_value.location_name().unwrap_or("value");
            let flattened = target.flattened();
            if !flattened {
                open(out, name, target);
                out.push('>');
            }
            for (k, v) in entries.iter().filter(|(_, v)| !v.is_null()) {
                let entry = if flattened { name } else { "entry" };
                out.push('<');
                out.push_str(entry);
                out.push('>');
                open(out, key_name, key);
                out.push('>');
                escape(out, k, false);
                close(out, key_name);
                element(cx, out, value_name, map_value, v, &params::join(path, k))?;
                close(out, entry);
            }
            if !flattened {
                close(out, name);
            }
            Ok(())
        }
        kind => {
            let format = target.timestamp_format(TimestampFormat::Iso8601);
            let text = value::scalar_text(kind, value, path, format)?;
            open(out, name, target);
            out.push('>');
            escape(out, &text, false);
            close(out, name);
            Ok(())
        }
    }
}

/// `<name xmlns="..." attr="...">` with the members that are not attributes inside.
fn structure(
    cx: &Cx<'_>,
    out: &mut String,
    name: &str,
    target: Target<'_>,
    fields: &[Field<'_, '_>],
) -> Result<(), BuildError> {
    open(out, name, target);
    for field in fields.iter().filter(|f| f.target.r.xml_attribute) {
        let attribute = field.target.location_name().unwrap_or(field.name);
        if let Some(ns) = &field.target.r.xml_namespace
            && let Some(prefix) = &ns.prefix
        {
            namespace(out, Some(prefix), &ns.uri);
        }
        let format = field.target.timestamp_format(TimestampFormat::Iso8601);
        let text = value::scalar_text(field.target.shape.kind, field.value, &field.path, format)?;
        out.push(' ');
        out.push_str(attribute);
        out.push_str("=\"");
        escape(out, &text, true);
        out.push('"');
    }
    out.push('>');
    for field in fields.iter().filter(|f| !f.target.r.xml_attribute) {
        let child = field
            .target
            .r
            .location_name
            .as_deref()
            .unwrap_or(field.name);
        element(cx, out, child, field.target, field.value, &field.path)?;
    }
    close(out, name);
    Ok(())
}

/// `<name` and its namespace, left open for attributes.
fn open(out: &mut String, name: &str, target: Target<'_>) {
    out.push('<');
    out.push_str(name);
    if let Some(ns) = target.xml_namespace() {
        namespace(out, ns.prefix.as_deref(), &ns.uri);
    }
}

fn namespace(out: &mut String, prefix: Option<&str>, uri: &str) {
    match prefix {
        Some(prefix) => {
            out.push_str(" xmlns:");
            out.push_str(prefix);
        }
        None => out.push_str(" xmlns"),
    }
    out.push_str("=\"");
    escape(out, uri, true);
    out.push('"');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// XML-escapes `text`; carriage returns too, which a parser would otherwise turn into line
/// feeds (an S3 key may hold one).
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

/// The result: header- and status-bound members, and the payload or the body's members.
pub(crate) fn parse(
    model: &ServiceModel,
    operation: &Operation,
    response: &HttpResponse<'_>,
) -> Result<Value, ServiceError> {
    let Some(output) = operation.output.as_ref().and_then(|r| resolve(model, r)) else {
        return Ok(Value::Object(Map::new()));
    };
    let mut out = Map::new();
    rest::read_bound(model, output, response, &mut out);
    let blank = xml::is_blank(response.body);
    match rest::output_payload(model, output) {
        Some((name, target))
            if target.streaming()
                || matches!(target.shape.kind, ShapeKind::Blob | ShapeKind::String) =>
        {
            let text = String::from_utf8_lossy(response.body).into_owned();
            out.insert(member_name(name), Value::String(text));
        }
        _ if blank => {}
        payload => {
            let document = xml::document(response)?;
            let root = document.root_element();
            // S3 answers some requests (CopyObject, CompleteMultipartUpload) 200 with an error.
            if root.tag_name().name() == "Error" {
                return Err(xml::error(response));
            }
            match payload {
                Some((name, target)) => {
                    if let Some(value) = xml::read(model, target, root) {
                        out.insert(member_name(name), value);
                    }
                }
                None => out.extend(read_root(model, output, root)),
            }
        }
    }
    Ok(Value::Object(rest::in_model_order(output.shape, out)))
}

/// The output's members in the root element; a root that is itself one member's element
/// (GetBucketLocation's bare `<LocationConstraint>`) is that member.
fn read_root<'m>(
    model: &'m ServiceModel,
    output: Target<'m>,
    root: roxmltree::Node<'_, '_>,
) -> Map<String, Value> {
    let tag = root.tag_name().name();
    if xml::elements(root).next().is_none() {
        let bare = output.shape.members.iter().find_map(|(name, r)| {
            let target = resolve(model, r)?;
            let scalar = !matches!(
                target.shape.kind,
                ShapeKind::Structure | ShapeKind::List | ShapeKind::Map
            );
            (!rest::is_bound_in_answers(r)
                && scalar
                && target.location_name().unwrap_or(name) == tag)
                .then_some((name, target))
        });
        if let Some((name, target)) = bare {
            let mut out = Map::new();
            if let Some(value) = xml::read(model, target, root) {
                out.insert(member_name(name), value);
            }
            return out;
        }
    }
    xml::read_structure(model, output.shape, root)
}

#[cfg(test)]
mod tests;

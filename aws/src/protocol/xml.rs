//! XML answers read by shape into a Task's result, for rest-xml, query and ec2; and their
//! error answers (`<Error><Code>`, wherever it is nested).
//!
//! Owns: how members, wrapped and flattened lists, maps (`<entry><key>/<value>`) and
//! attributes are found in an element. Must not: know which element of a document is the
//! result (the protocols pick it: the root, a `resultWrapper`, a payload).

use roxmltree::{Document, Node};
use serde_json::{Map, Value};

use crate::model::{ServiceModel, Shape, ShapeKind};
use crate::naming::member_name;
use crate::protocol::json::resolve;
use crate::protocol::traits::Target;
use crate::protocol::{HttpResponse, ServiceError, errors, value};

/// The answer's body as an XML document.
pub(crate) fn document<'b>(response: &HttpResponse<'b>) -> Result<Document<'b>, ServiceError> {
    let text = std::str::from_utf8(response.body)
        .map_err(|e| errors::malformed(response, format!("The response is not UTF-8: {e}")))?;
    Document::parse(text)
        .map_err(|e| errors::malformed(response, format!("The response is not valid XML: {e}")))
}

/// Whether the body is only whitespace (or absent).
pub(crate) fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// How deep the elements of an answer are read: deeper than any model nests, and shallow
/// enough that reading a recursive shape (one that holds itself) cannot exhaust the stack.
const MAX_DEPTH: usize = 100;

/// An element read as `target`; `None` for an empty element of a number, boolean or timestamp.
pub(crate) fn read<'m>(
    model: &'m ServiceModel,
    target: Target<'m>,
    node: Node<'_, '_>,
) -> Option<Value> {
    read_at(model, target, node, 0)
}

fn read_at<'m>(
    model: &'m ServiceModel,
    target: Target<'m>,
    node: Node<'_, '_>,
    depth: usize,
) -> Option<Value> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let depth = depth + 1;
    let shape = target.shape;
    match shape.kind {
        ShapeKind::Structure => Some(Value::Object(structure_at(model, shape, node, depth))),
        ShapeKind::List => {
            let member = shape.member.as_deref().and_then(|m| resolve(model, m))?;
            Some(Value::Array(
                elements(node)
                    .filter_map(|item| read_at(model, member, item, depth))
                    .collect(),
            ))
        }
        ShapeKind::Map => Some(Value::Object(read_entries(
            model,
            target,
            elements(node),
            depth,
        ))),
        kind => scalar(kind, &text(node)),
    }
}

fn scalar(kind: ShapeKind, text: &str) -> Option<Value> {
    let textual = matches!(
        kind,
        ShapeKind::String | ShapeKind::Character | ShapeKind::Blob
    );
    if text.trim().is_empty() && !textual {
        return None;
    }
    Some(value::from_text(kind, text))
}

/// The members of a structure found in `node` (those bound to headers or the status are the
/// REST reader's), named as a Task's result names them.
pub(crate) fn read_structure<'m>(
    model: &'m ServiceModel,
    shape: &'m Shape,
    node: Node<'_, '_>,
) -> Map<String, Value> {
    structure_at(model, shape, node, 0)
}

fn structure_at<'m>(
    model: &'m ServiceModel,
    shape: &'m Shape,
    node: Node<'_, '_>,
    depth: usize,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, r) in &shape.members {
        if crate::protocol::rest::is_bound_in_answers(r) {
            continue;
        }
        let Some(target) = resolve(model, r) else {
            continue;
        };
        let wire = target.location_name().unwrap_or(name);
        let value = if r.xml_attribute {
            // `xsi:type`: attributes are matched by their local name.
            let local = wire.rsplit(':').next().unwrap_or(wire);
            node.attributes()
                .find(|a| a.name() == local)
                .and_then(|a| scalar(target.shape.kind, a.value()))
        } else {
            read_member(model, target, wire, node, depth)
        };
        if let Some(value) = value {
            out.insert(member_name(name), value);
        }
    }
    out
}

fn read_member<'m>(
    model: &'m ServiceModel,
    target: Target<'m>,
    wire: &str,
    node: Node<'_, '_>,
    depth: usize,
) -> Option<Value> {
    let shape = target.shape;
    if !target.flattened() {
        let child = elements(node).find(|c| c.tag_name().name() == wire)?;
        return read_at(model, target, child, depth);
    }
    match shape.kind {
        ShapeKind::List => {
            let member = shape.member.as_deref().and_then(|m| resolve(model, m))?;
            // A flattened list whose member is named repeats the member's name (botocore's rule,
            // which SimpleDB's `<Item>`s need; Smithy's tests name the elements after the list).
            let name = member.r.location_name.as_deref().unwrap_or(wire);
            let items: Vec<Value> = elements(node)
                .filter(|c| c.tag_name().name() == name)
                .filter_map(|item| read_at(model, member, item, depth))
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        ShapeKind::Map => {
            let entries: Vec<Node> = elements(node)
                .filter(|c| c.tag_name().name() == wire)
                .collect();
            (!entries.is_empty())
                .then(|| Value::Object(read_entries(model, target, entries.into_iter(), depth)))
        }
        _ => {
            let child = elements(node).find(|c| c.tag_name().name() == wire)?;
            read_at(model, target, child, depth)
        }
    }
}

/// A map's `<entry>` elements (or a flattened map's own elements), each with a key and a value.
fn read_entries<'m, 'a, 'i: 'a>(
    model: &'m ServiceModel,
    map: Target<'m>,
    entries: impl Iterator<Item = Node<'a, 'i>>,
    depth: usize,
) -> Map<String, Value> {
    let mut out = Map::new();
    let (Some(key), Some(item)) = (
        map.shape.key.as_deref().and_then(|k| resolve(model, k)),
        map.shape.value.as_deref().and_then(|v| resolve(model, v)),
    ) else {
        return out;
    };
    let key_name = key.location_name().unwrap_or("key");
    let value_name = item.location_name().unwrap_or("value");
    for entry in entries {
        let k = elements(entry).find(|c| c.tag_name().name() == key_name);
        let v = elements(entry).find(|c| c.tag_name().name() == value_name);
        if let (Some(k), Some(v)) = (k, v)
            && let Some(v) = read_at(model, item, v, depth)
        {
            out.insert(text(k), v);
        }
    }
    out
}

/// The child elements of `node`.
pub(crate) fn elements<'a, 'i: 'a>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

/// The text directly inside `node`.
pub(crate) fn text(node: Node<'_, '_>) -> String {
    node.children()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

/// The error of an XML answer: `<Error><Code>`/`<Message>`, as S3 writes it bare, query
/// services inside `<ErrorResponse>` and EC2 inside `<Response><Errors>`; the request id from
/// the body's `RequestId` (`RequestID` in EC2) when no header carries it.
pub(crate) fn error(response: &HttpResponse<'_>) -> ServiceError {
    let parsed = std::str::from_utf8(response.body)
        .ok()
        .and_then(|text| Document::parse(text).ok());
    let Some(document) = parsed else {
        return errors::service_error(response, None, errors::body_text(response), None);
    };
    let root = document.root_element();
    let error = root
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Error");
    let request_id = root
        .descendants()
        .find(|n| n.is_element() && matches!(n.tag_name().name(), "RequestId" | "RequestID"))
        .map(text);
    let Some(error) = error else {
        return errors::service_error(response, None, errors::body_text(response), request_id);
    };
    let field = |name: &str| {
        elements(error)
            .find(|c| c.tag_name().name() == name)
            .map(text)
    };
    let code = field("Code");
    let message = field("Message").unwrap_or_default();
    errors::service_error(response, code.as_deref(), message, request_id)
}

#[cfg(test)]
mod tests;

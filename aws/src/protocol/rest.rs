//! The HTTP bindings rest-json and rest-xml share: members bound to URI labels (`{Bucket}`,
//! greedy `{Key+}`), the query string, headers (and `x-amz-meta-`-style header maps) and, in
//! answers, the status code; and which member, if any, is the whole body (`payload`).
//!
//! Owns: the method, path, query string and headers of a REST request, and the header- and
//! status-bound members of its answer. Must not: write or read bodies; rest_json.rs and
//! rest_xml.rs do, each in its own format.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::model::{ServiceModel, Shape, ShapeKind};
use crate::naming::member_name;
use crate::protocol::json::{self, list_member, map_entry};
use crate::protocol::params::{self, Cx, Field, Input, fill_labels};
use crate::protocol::traits::Target;
use crate::protocol::value::{self, TimestampFormat};
use crate::protocol::{BuildError, HttpRequest, HttpResponse};

/// What SigV4 leaves unescaped in a URI segment or query value: the unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A greedy label (`{Key+}`) keeps its slashes: S3 keys are paths.
const GREEDY: &AsciiSet = &SEGMENT.remove(b'/');

/// A request with its URI, query string and headers bound; the body is the caller's.
#[derive(Debug)]
pub(crate) struct Bound<'m, 'v> {
    /// The request, its body empty.
    pub request: HttpRequest,
    /// The members bound to nothing: the body's, when there is no payload member.
    pub body: Vec<Field<'m, 'v>>,
    /// The member that is the whole body, and its value if given.
    pub payload: Option<Payload<'m, 'v>>,
}

/// The payload member of a request.
#[derive(Debug)]
pub(crate) struct Payload<'m, 'v> {
    /// Its model name.
    pub name: &'m str,
    /// Its reference and shape.
    pub target: Target<'m>,
    /// The value given.
    pub value: Option<&'v Value>,
}

impl Payload<'_, '_> {
    /// A blob or string payload is sent as raw bytes.
    pub(crate) fn is_raw(&self) -> bool {
        matches!(self.target.shape.kind, ShapeKind::Blob | ShapeKind::String)
    }
}

/// Binds `fields` (the input's) to the operation's URI, query string and headers.
pub(crate) fn bind<'m, 'v>(
    input: &Input<'m>,
    fields: Vec<Field<'m, 'v>>,
) -> Result<Bound<'m, 'v>, BuildError> {
    let cx = input.cx;
    let http = &cx.operation.http;
    let (path_template, static_query) = match http.request_uri.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (http.request_uri.as_str(), None),
    };
    let mut query: Vec<String> = static_query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|q| !q.is_empty())
        .map(str::to_owned)
        .collect();
    let mut headers = Vec::new();
    let mut body = Vec::new();
    let payload_name = input.shape.and_then(|s| s.shape.payload.as_deref());
    let mut payload = match (payload_name, input.shape) {
        (Some(name), Some(shape)) => match shape.shape.members.get_key_value(name) {
            Some((name, r)) => Some(Payload {
                name,
                target: cx.target(r)?,
                value: None,
            }),
            None => None,
        },
        _ => None,
    };
    let mut labels = Vec::new();
    // A map of query parameters never overrides a parameter the model names.
    let named: Vec<&str> = fields
        .iter()
        .filter(|f| f.target.r.location.as_deref() == Some("querystring"))
        .filter(|f| f.target.shape.kind != ShapeKind::Map)
        .map(wire_name)
        .collect();
    for field in fields {
        match field.target.r.location.as_deref() {
            Some("uri") => labels.push(field),
            Some("querystring") => query_params(&cx, &field, &named, &mut query)?,
            // The sender sets Content-Length from the body it sends; a second one would
            // contradict it.
            Some("header") if wire_name(&field).eq_ignore_ascii_case("Content-Length") => {}
            Some("header") => {
                let name = wire_name(&field);
                headers.push((
                    name.to_owned(),
                    header_text(&cx, field.target, field.value, &field.path)?,
                ));
            }
            Some("headers") => {
                let prefix = wire_name(&field);
                let Value::Object(entries) = field.value else {
                    return Err(BuildError::WrongType {
                        path: field.path.clone(),
                        expected: "an object",
                        found: value::kind_of(field.value),
                    });
                };
                let (_, map_value) = map_entry(&cx, field.target)?;
                for (key, item) in entries.iter().filter(|(_, v)| !v.is_null()) {
                    let path = params::join(&field.path, key);
                    headers.push((
                        format!("{prefix}{key}"),
                        header_text(&cx, map_value, item, &path)?,
                    ));
                }
            }
            _ => match &mut payload {
                Some(p) if p.name == field.name => p.value = Some(field.value),
                Some(_) => {}
                None => body.push(field),
            },
        }
    }
    let mut path_and_query = path(path_template, input, &labels)?;
    if !query.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&query.join("&"));
    }
    Ok(Bound {
        request: HttpRequest {
            method: http.method.clone(),
            path_and_query,
            headers,
            body: Vec::new(),
            host_prefix: input.host_prefix.clone(),
        },
        body,
        payload,
    })
}

fn wire_name<'m>(field: &Field<'m, '_>) -> &'m str {
    field
        .target
        .r
        .location_name
        .as_deref()
        .unwrap_or(field.name)
}

/// The path with its labels filled in; a label not given is refused (it would name another
/// resource, or none).
fn path(template: &str, input: &Input<'_>, labels: &[Field<'_, '_>]) -> Result<String, BuildError> {
    fill_labels(template, |label| {
        let (label, greedy) = match label.strip_suffix('+') {
            Some(label) => (label, true),
            None => (label, false),
        };
        let field = labels
            .iter()
            .find(|f| wire_name(f) == label)
            .or_else(|| labels.iter().find(|f| f.name == label));
        let text = match field {
            Some(f) => value::scalar_text(
                f.target.shape.kind,
                f.value,
                &f.path,
                f.target.timestamp_format(TimestampFormat::Iso8601),
            )?,
            None => String::new(),
        };
        if text.is_empty() {
            let name = field.map_or_else(|| member_for_label(input, label), |f| f.name.to_owned());
            return Err(BuildError::MissingLabel(member_name(&name)));
        }
        let set = if greedy { GREEDY } else { SEGMENT };
        Ok(utf8_percent_encode(&text, set).to_string())
    })
}

/// The member a URI label names, for the error saying it is missing.
fn member_for_label(input: &Input<'_>, label: &str) -> String {
    input
        .shape
        .and_then(|s| {
            s.shape.members.iter().find(|(_, r)| {
                r.location.as_deref() == Some("uri") && r.location_name.as_deref() == Some(label)
            })
        })
        .map_or_else(|| label.to_owned(), |(name, _)| name.clone())
}

/// `text` percent-encoded as SigV4 wants a query value (only unreserved characters kept).
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// A querystring member: `name=value`, a list as the name repeated, a map as its own keys.
fn query_params(
    cx: &Cx<'_>,
    field: &Field<'_, '_>,
    named: &[&str],
    query: &mut Vec<String>,
) -> Result<(), BuildError> {
    let name = wire_name(field);
    let text = |target: Target<'_>, value: &Value, path: &str| {
        value::scalar_text(
            target.shape.kind,
            value,
            path,
            target.timestamp_format(TimestampFormat::Iso8601),
        )
    };
    let mut list =
        |name: &str, target: Target<'_>, value: &Value, path: &str| -> Result<(), BuildError> {
            match (target.shape.kind, value) {
                (ShapeKind::List, Value::Array(items)) => {
                    let member = list_member(cx, target)?;
                    for (i, item) in items.iter().enumerate().filter(|(_, v)| !v.is_null()) {
                        let item = text(member, item, &params::index(path, i))?;
                        query.push(format!("{}={}", encode(name), encode(&item)));
                    }
                }
                (ShapeKind::List, _) => {
                    return Err(BuildError::WrongType {
                        path: path.to_owned(),
                        expected: "a list",
                        found: value::kind_of(value),
                    });
                }
                _ => {
                    let item = text(target, value, path)?;
                    query.push(format!("{}={}", encode(name), encode(&item)));
                }
            }
            Ok(())
        };
    match (field.target.shape.kind, field.value) {
        (ShapeKind::Map, Value::Object(entries)) => {
            let (_, map_value) = map_entry(cx, field.target)?;
            for (key, item) in entries.iter().filter(|(_, v)| !v.is_null()) {
                if named.contains(&key.as_str()) {
                    continue;
                }
                list(key, map_value, item, &params::join(&field.path, key))?;
            }
            Ok(())
        }
        (ShapeKind::Map, other) => Err(BuildError::WrongType {
            path: field.path.clone(),
            expected: "an object",
            found: value::kind_of(other),
        }),
        _ => list(name, field.target, field.value, &field.path),
    }
}

/// A header's value: a list comma-separated (items with commas or quotes quoted), a timestamp
/// as an HTTP date, a `jsonvalue` string as base64 of its JSON text.
fn header_text(
    cx: &Cx<'_>,
    target: Target<'_>,
    value: &Value,
    path: &str,
) -> Result<String, BuildError> {
    match (target.shape.kind, value) {
        (ShapeKind::List, Value::Array(items)) => {
            let member = list_member(cx, target)?;
            let mut texts = Vec::new();
            for (i, item) in items.iter().enumerate().filter(|(_, v)| !v.is_null()) {
                let text = header_text(cx, member, item, &params::index(path, i))?;
                // HTTP dates have commas of their own and are never quoted.
                let quotable = member.shape.kind != ShapeKind::Timestamp;
                texts.push(if quotable && text.contains([',', '"']) {
                    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
                } else {
                    text
                });
            }
            Ok(texts.join(","))
        }
        (ShapeKind::List, _) => Err(BuildError::WrongType {
            path: path.to_owned(),
            expected: "a list",
            found: value::kind_of(value),
        }),
        (ShapeKind::String, _) if target.r.jsonvalue => {
            Ok(value::base64(value::string_text(value).as_bytes()))
        }
        (kind, _) => value::scalar_text(
            kind,
            value,
            path,
            target.timestamp_format(TimestampFormat::Rfc822),
        ),
    }
}

/// Whether an answer carries member `r` outside its body (in a header or the status); a
/// member bound to the URI or query string in a request is in the body of an answer.
pub(crate) fn is_bound_in_answers(r: &crate::model::ShapeRef) -> bool {
    matches!(
        r.location.as_deref(),
        Some("header" | "headers" | "statusCode")
    )
}

/// The payload member of an output shape, if it has one.
pub(crate) fn output_payload<'m>(
    model: &'m ServiceModel,
    output: Target<'m>,
) -> Option<(&'m str, Target<'m>)> {
    let name = output.shape.payload.as_deref()?;
    let (name, r) = output.shape.members.get_key_value(name)?;
    json::resolve(model, r).map(|target| (name.as_str(), target))
}

/// The header- and status-bound members of an answer, added to `out`. A map of prefixed
/// headers is always present, `{}` when there are none (as Step Functions gives S3's
/// `Metadata`).
pub(crate) fn read_bound(
    model: &ServiceModel,
    output: Target<'_>,
    response: &HttpResponse<'_>,
    out: &mut Map<String, Value>,
) {
    for (name, r) in &output.shape.members {
        let Some(target) = json::resolve(model, r) else {
            continue;
        };
        let wire = r.location_name.as_deref().unwrap_or(name);
        let value = match r.location.as_deref() {
            Some("statusCode") => Some(Value::from(response.status)),
            Some("header") => response
                .header(wire)
                .map(|text| header_value(model, target, text)),
            Some("headers") => {
                let kind = target
                    .shape
                    .value
                    .as_deref()
                    .and_then(|v| model.shape(&v.shape))
                    .map_or(ShapeKind::String, |s| s.kind);
                let prefix = wire.to_ascii_lowercase();
                let entries = response.headers.iter().filter_map(|(name, text)| {
                    let key = name
                        .get(..prefix.len())
                        .filter(|head| head.eq_ignore_ascii_case(&prefix))
                        .map(|_| &name[prefix.len()..])?;
                    Some((key.to_owned(), value::from_text(kind, text)))
                });
                Some(Value::Object(entries.collect()))
            }
            _ => None,
        };
        if let Some(value) = value {
            out.insert(member_name(name), value);
        }
    }
}

fn header_value(model: &ServiceModel, target: Target<'_>, text: &str) -> Value {
    match target.shape.kind {
        ShapeKind::List => {
            let kind = target
                .shape
                .member
                .as_deref()
                .and_then(|m| model.shape(&m.shape))
                .map_or(ShapeKind::String, |s| s.kind);
            let mut items = split_header_list(text);
            if kind == ShapeKind::Timestamp && items.iter().any(|i| is_weekday(i)) {
                // `Mon, 16 Dec 2019 23:48:18 GMT, Tue, ...`: each date is split at its comma.
                items = items.chunks(2).map(|pair| pair.join(", ")).collect();
            }
            Value::Array(
                items
                    .iter()
                    .map(|item| value::from_text(kind, item))
                    .collect(),
            )
        }
        ShapeKind::String if target.r.jsonvalue => match value::unbase64(text) {
            Some(bytes) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            None => Value::String(text.to_owned()),
        },
        kind => value::from_text(kind, text),
    }
}

fn is_weekday(text: &str) -> bool {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&text)
}

/// `a, "b,c", d` → `a`, `b,c`, `d`.
fn split_header_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => current.extend(chars.next()),
            ',' if !quoted => items.push(std::mem::take(&mut current).trim().to_owned()),
            c => current.push(c),
        }
    }
    items.push(current.trim().to_owned());
    items.retain(|i| !i.is_empty());
    items
}

/// `out`'s members in the order of `shape`'s.
pub(crate) fn in_model_order(shape: &Shape, mut out: Map<String, Value>) -> Map<String, Value> {
    let mut ordered = Map::new();
    for name in shape.members.keys() {
        let key = member_name(name);
        if let Some(value) = out.remove(&key) {
            ordered.insert(key, value);
        }
    }
    ordered.extend(out);
    ordered
}

//! botocore's protocol test suite (`tests/unit/protocols/{input,output}/*.json` of
//! github.com/boto/botocore, vendored in `tests/protocols/` without their documentation
//! strings): every request case is built and compared with botocore's serialisation, every
//! answer case is read and compared with botocore's result, for the five protocols.
//!
//! Results are compared as Step Functions gives them, not as botocore does: member names with
//! a capital first letter, timestamps as ISO-8601 text, blobs inside bodies as base64 text.
//! A case this crate answers differently on purpose, or does not handle, is listed beside its
//! file's test with the reason; every other case must pass, and a listed case that starts
//! passing fails the test too (so the list stays true).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use stepwise_aws::model::{ServiceModel, ShapeKind};
use stepwise_aws::naming::member_name;
use stepwise_aws::protocol::{build_request, parse_response};
use stepwise_aws::{HttpResponse, Service};

fn load(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/protocols/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The suite writes some namespaces as bare strings; the models write `{"uri": ...}`.
fn normalise_namespaces(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, item) in object.iter_mut() {
                if key == "xmlNamespace"
                    && let Value::String(uri) = item
                {
                    *item = json!({ "uri": uri.clone() });
                } else {
                    normalise_namespaces(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_namespaces),
        _ => {}
    }
}

fn service(group: &Value, case: &Value) -> Result<Arc<Service>, String> {
    let mut metadata = group["metadata"].clone();
    for (key, default) in [
        ("endpointPrefix", "svc"),
        ("serviceId", "Svc"),
        ("apiVersion", "2020-01-01"),
    ] {
        if metadata.get(key).is_none() {
            metadata[key] = json!(default);
        }
    }
    let name = case["given"]["name"].as_str().unwrap_or("OperationName");
    let mut model = json!({
        "metadata": metadata,
        "operations": { name: case["given"].clone() },
        "shapes": group["shapes"].clone(),
    });
    normalise_namespaces(&mut model);
    let model: ServiceModel = serde_json::from_value(model).map_err(|e| format!("model: {e}"))?;
    Ok(Arc::new(Service {
        name: "svc".to_owned(),
        error_prefix: "Svc".to_owned(),
        botocore_name: "svc".to_owned(),
        global_endpoint: None,
        model,
    }))
}

/// Every case of `file` by id, with why it fails if it does.
fn outcomes(
    file: &str,
    check: fn(&Value, &Value) -> Result<(), String>,
) -> BTreeMap<String, Result<(), String>> {
    let mut outcomes = BTreeMap::new();
    for group in load(file) {
        for case in group["cases"].as_array().unwrap() {
            let id = case["id"].as_str().unwrap_or("?").to_owned();
            outcomes.insert(id, check(&group, case));
        }
    }
    outcomes
}

/// Runs `file`'s cases and requires exactly `known` to fail.
fn run(file: &str, check: fn(&Value, &Value) -> Result<(), String>, known: &[&str]) {
    let outcomes = outcomes(file, check);
    let unexpected: Vec<String> = outcomes
        .iter()
        .filter(|(id, _)| !known.contains(&id.as_str()))
        .filter_map(|(id, outcome)| outcome.as_ref().err().map(|why| format!("{id}: {why}")))
        .collect();
    let fixed: Vec<&&str> = known
        .iter()
        .filter(|id| outcomes.get(**id).is_some_and(Result::is_ok))
        .collect();
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{file}: failing cases not listed as known:\n{}\nlisted cases that pass: {fixed:?}",
        unexpected.join("\n")
    );
}

// Requests.

fn check_input(group: &Value, case: &Value) -> Result<(), String> {
    let service = service(group, case)?;
    let name = case["given"]["name"].as_str().unwrap_or("OperationName");
    let operation = &service.model.operations[name];
    let mut request =
        build_request(&service, operation, &case["params"]).map_err(|e| format!("build: {e}"))?;
    // The suite expects botocore's patched token; a fresh v4 UUID stands in its place.
    let given = case["params"].to_string();
    request.path_and_query = zero_uuids(&request.path_and_query, &given);
    request.body = zero_uuids(&String::from_utf8_lossy(&request.body), &given).into_bytes();
    let expected = &case["serialized"];
    let protocol = service.model.metadata.protocol.as_str();
    if let Some(method) = expected["method"].as_str()
        && method != request.method
    {
        return Err(format!("method {} != {method}", request.method));
    }
    let uri = expected["uri"].as_str().unwrap_or("");
    if split_uri(&request.path_and_query) != split_uri(uri) {
        return Err(format!("uri {} != {uri}", request.path_and_query));
    }
    check_headers(protocol, &request.headers, expected)?;
    if let Some(body) = expected["body"].as_str() {
        check_body(protocol, &request.body, body)?;
    }
    if let Some(host) = expected["host"].as_str() {
        let actual = format!(
            "{}example.com",
            request.host_prefix.as_deref().unwrap_or("")
        );
        if actual != host {
            return Err(format!("host {actual} != {host}"));
        }
    }
    Ok(())
}

/// `text` with every version-4 UUID not in `given` replaced by the suite's placeholder.
fn zero_uuids(text: &str, given: &str) -> String {
    const PLACEHOLDER: &str = "00000000-0000-4000-8000-000000000000";
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let candidate = rest.get(..36).filter(|c| !given.contains(c));
        let fresh = candidate.and_then(|c| uuid::Uuid::try_parse(c).ok());
        if fresh.is_some_and(|u| u.get_version_num() == 4) {
            out.push_str(PLACEHOLDER);
            rest = &rest[36..];
        } else {
            let next = rest.chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[..next]);
            rest = &rest[next..];
        }
    }
    out
}

/// The path, and the query string's pairs in any order (SigV4 sorts them).
fn split_uri(uri: &str) -> (String, Vec<String>) {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    pairs.sort();
    (path.to_owned(), pairs)
}

fn check_headers(
    protocol: &str,
    actual: &[(String, String)],
    expected: &Value,
) -> Result<(), String> {
    let find = |name: &str| {
        actual
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.replace(", ", ","))
    };
    if let Some(headers) = expected["headers"].as_object() {
        for (name, value) in headers {
            let mut value = value.as_str().unwrap_or("").replace(", ", ",");
            if name.eq_ignore_ascii_case("Content-Type") {
                match protocol {
                    "query" | "ec2" if !value.contains("charset=utf-8") => {
                        value.push_str("; charset=utf-8")
                    }
                    "rest-xml" => continue,
                    "rest-json" if value != "application/json" => continue,
                    _ => {}
                }
            }
            if find(name).as_deref() != Some(value.as_str()) {
                return Err(format!("header {name}: {:?} != {value:?}", find(name)));
            }
        }
    }
    for name in expected["requireHeaders"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or("");
        // The sender adds Content-Length; a request here has none by design.
        if find(name).is_none() && !name.eq_ignore_ascii_case("Content-Length") {
            return Err(format!("header {name} missing"));
        }
    }
    for name in expected["forbidHeaders"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or("");
        if find(name).is_some() {
            return Err(format!("header {name} present"));
        }
    }
    Ok(())
}

fn check_body(protocol: &str, actual: &[u8], expected: &str) -> Result<(), String> {
    let text = String::from_utf8_lossy(actual);
    let same = match protocol {
        "json" | "rest-json" => match (
            serde_json::from_slice::<Value>(actual),
            serde_json::from_str::<Value>(expected),
        ) {
            (Ok(a), Ok(e)) => a == e,
            _ => text == expected,
        },
        "rest-xml" => match (canonical_xml(&text), canonical_xml(expected)) {
            (Some(a), Some(e)) => a == e,
            _ => text == expected,
        },
        _ => {
            let pairs = |body: &str| {
                let mut pairs: Vec<String> = body
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
                pairs.sort();
                pairs
            };
            pairs(&text) == pairs(expected)
        }
    };
    if same {
        Ok(())
    } else {
        Err(format!("body {text:?} != {expected:?}"))
    }
}

/// Elements with their namespaces, sorted attributes and trimmed text.
fn canonical_xml(text: &str) -> Option<String> {
    fn write(node: roxmltree::Node<'_, '_>, out: &mut String) {
        let tag = node.tag_name();
        out.push_str(&format!(
            "<{}|{}",
            tag.namespace().unwrap_or(""),
            tag.name()
        ));
        let mut attributes: Vec<String> = node
            .attributes()
            .map(|a| format!("{}|{}={}", a.namespace().unwrap_or(""), a.name(), a.value()))
            .collect();
        attributes.sort();
        out.push_str(&attributes.join(" "));
        out.push('>');
        for child in node.children() {
            if child.is_element() {
                write(child, out);
            } else if let Some(text) = child.text() {
                out.push_str(text.trim());
            }
        }
        out.push_str("</>");
    }
    if text.trim().is_empty() {
        return Some(String::new());
    }
    let document = roxmltree::Document::parse(text).ok()?;
    let mut out = String::new();
    write(document.root_element(), &mut out);
    Some(out)
}

// Answers.

fn check_output(group: &Value, case: &Value) -> Result<(), String> {
    let service = service(group, case)?;
    let mut service = Arc::try_unwrap(service).map_err(|_| "shared".to_owned())?;
    let name = case["given"]["name"]
        .as_str()
        .unwrap_or("OperationName")
        .to_owned();
    let protocol = service.model.metadata.protocol.clone();
    // botocore's runner gives query answers the usual wrapper the suite's models leave out.
    if protocol == "query" {
        let output_has_members = service.model.operations[&name]
            .output
            .as_ref()
            .and_then(|r| service.model.shapes.get(&r.shape))
            .is_some_and(|s| !s.members.is_empty());
        if let Some(output) = service
            .model
            .operations
            .get_mut(&name)
            .and_then(|o| o.output.as_mut())
            && output_has_members
        {
            output.result_wrapper = Some(format!("{name}Result"));
        }
    }
    let operation = &service.model.operations[&name];
    let response = &case["response"];
    let headers: Vec<(String, String)> = response["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(n, v)| (n.clone(), v.as_str().unwrap_or("").to_owned()))
        .collect();
    let body = response["body"].as_str().unwrap_or("");
    let status = response["status_code"].as_u64().unwrap_or(200) as u16;
    let parsed = parse_response(
        &service,
        operation,
        HttpResponse {
            status,
            headers: &headers,
            body: body.as_bytes(),
        },
    );
    if case.get("error").is_some() {
        let error = match parsed {
            Err(error) => error,
            Ok(result) => return Err(format!("read as a result: {result}")),
        };
        let code = case["errorCode"].as_str().unwrap_or("");
        let message = case["errorMessage"].as_str().unwrap_or("");
        if error.code != code || (case.get("errorMessage").is_some() && error.message != message) {
            return Err(format!(
                "error {} {:?} != {code} {message:?}",
                error.code, error.message
            ));
        }
        return Ok(());
    }
    let result = parsed.map_err(|e| format!("error {e:?}"))?;
    let output = operation.output.as_ref().map(|r| r.shape.as_str());
    let expected = match output {
        Some(shape) => expected_result(&service.model, shape, &case["result"], true),
        None => case["result"].clone(),
    };
    if result == expected {
        Ok(())
    } else {
        Err(format!("result {result} != {expected}"))
    }
}

/// botocore's result as Step Functions gives it.
fn expected_result(model: &ServiceModel, shape_name: &str, value: &Value, top: bool) -> Value {
    let Some(shape) = model.shape(shape_name) else {
        return value.clone();
    };
    if shape.document {
        return value.clone();
    }
    match (shape.kind, value) {
        (ShapeKind::Structure, Value::Object(object)) => {
            let mut out = Map::new();
            for (key, item) in object {
                let Some(member) = shape.members.get(key) else {
                    out.insert(key.clone(), item.clone());
                    continue;
                };
                let is_payload = top && shape.payload.as_deref() == Some(key.as_str());
                let raw_blob = model
                    .shape(&member.shape)
                    .is_some_and(|s| s.kind == ShapeKind::Blob)
                    && (is_payload || member.location.is_some());
                let item = if raw_blob {
                    item.clone()
                } else {
                    expected_result(model, &member.shape, item, false)
                };
                out.insert(member_name(key), item);
            }
            Value::Object(out)
        }
        (ShapeKind::List, Value::Array(items)) => match &shape.member {
            Some(member) => Value::Array(
                items
                    .iter()
                    .map(|i| expected_result(model, &member.shape, i, false))
                    .collect(),
            ),
            None => value.clone(),
        },
        (ShapeKind::Map, Value::Object(entries)) => match &shape.value {
            Some(v) => Value::Object(
                entries
                    .iter()
                    .map(|(k, i)| (k.clone(), expected_result(model, &v.shape, i, false)))
                    .collect(),
            ),
            None => value.clone(),
        },
        (ShapeKind::Timestamp, Value::Number(n)) => {
            let millis = (n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64;
            let t: DateTime<Utc> = DateTime::from_timestamp_millis(millis).unwrap_or_default();
            let format = if millis % 1000 == 0 {
                SecondsFormat::Secs
            } else {
                SecondsFormat::Millis
            };
            Value::String(t.to_rfc3339_opts(format, true))
        }
        (ShapeKind::Blob, Value::String(text)) => Value::String(BASE64.encode(text.as_bytes())),
        _ => value.clone(),
    }
}

// Known differences, by reason.

/// A custom endpoint with a path (`example.com/custom`) is the sender's to join to the path.
const ENDPOINT_PATHS: &[&str] = &[
    "AwsJson10HostWithPath",
    "AwsJson11HostWithPath",
    "QueryHostWithPath",
    "Ec2QueryHostWithPath",
    "RestJsonHostWithPath",
];

/// `requestCompression` is optional for clients and not done: bodies are sent as they are.
const COMPRESSION: &[&str] = &[
    "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_0",
    "SDKAppliedContentEncoding_awsJson1_0",
    "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_1",
    "SDKAppliedContentEncoding_awsJson1_1",
    "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsQuery",
    "SDKAppliedContentEncoding_awsQuery",
    "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_ec2Query",
    "SDKAppliedContentEncoding_ec2Query",
    "SDKAppendedGzipAfterProvidedEncoding_restJson1",
    "SDKAppliedContentEncoding_restJson1",
    "SDKAppendedGzipAfterProvidedEncoding_restXml",
    "SDKAppliedContentEncoding_restXml",
];

/// A flattened list whose member has a `locationName` is written and read under the member's
/// name (botocore's rule; SimpleDB's `Item.1`/`<Item>`, the one real model with such lists,
/// needs it); Smithy's cases use the list's own name.
const FLATTENED_MEMBER_NAMES: &[&str] = &[
    "QueryFlattenedListArgWithXmlName",
    "QueryXmlLists",
    "Ec2XmlLists",
    "XmlLists",
];

/// An XML payload's root is named by the member's `locationName` before its shape's (botocore's
/// rule; S3's CompleteMultipartUpload needs `<CompleteMultipartUpload>` for a shape named
/// `CompletedMultipartUpload`); Smithy's cases name it after the shape.
const PAYLOAD_ROOT_NAMES: &[&str] = &[
    "BodyWithXmlName",
    "HttpPayloadWithXmlName",
    "HttpPayloadWithXmlNamespace",
    "HttpPayloadWithXmlNamespaceAndPrefix",
    "RestXmlHttpPayloadWithUnion",
    "XmlAttributesOnPayload",
];

/// A blob payload is always in a Task's result, `""` for an empty body (an empty S3 object's
/// `Body` is there to read); Smithy leaves it out.
const EMPTY_PAYLOADS: &[&str] = &[
    "RestJsonHttpPayloadTraitsWithNoBlobBody",
    "HttpPayloadTraitsWithNoBlobBody",
];

fn known(lists: &[&[&'static str]]) -> Vec<&'static str> {
    lists.iter().flat_map(|l| l.iter().copied()).collect()
}

#[test]
fn json_1_1_requests() {
    run(
        "input-json.json",
        check_input,
        &known(&[ENDPOINT_PATHS, COMPRESSION]),
    );
}

#[test]
fn json_1_0_requests() {
    run(
        "input-json_1_0.json",
        check_input,
        &known(&[ENDPOINT_PATHS, COMPRESSION]),
    );
}

#[test]
fn query_requests() {
    let known = known(&[ENDPOINT_PATHS, COMPRESSION, FLATTENED_MEMBER_NAMES]);
    run("input-query.json", check_input, &known);
}

#[test]
fn ec2_requests() {
    run(
        "input-ec2.json",
        check_input,
        &known(&[ENDPOINT_PATHS, COMPRESSION]),
    );
}

#[test]
fn rest_json_requests() {
    run(
        "input-rest-json.json",
        check_input,
        &known(&[ENDPOINT_PATHS, COMPRESSION]),
    );
}

#[test]
fn rest_xml_requests() {
    run(
        "input-rest-xml.json",
        check_input,
        &known(&[COMPRESSION, PAYLOAD_ROOT_NAMES]),
    );
}

#[test]
fn json_1_1_answers() {
    run("output-json.json", check_output, &[]);
}

#[test]
fn json_1_0_answers() {
    run("output-json_1_0.json", check_output, &[]);
}

#[test]
fn query_answers() {
    run("output-query.json", check_output, FLATTENED_MEMBER_NAMES);
}

#[test]
fn ec2_answers() {
    run("output-ec2.json", check_output, FLATTENED_MEMBER_NAMES);
}

#[test]
fn rest_json_answers() {
    run("output-rest-json.json", check_output, EMPTY_PAYLOADS);
}

#[test]
fn rest_xml_answers() {
    run(
        "output-rest-xml.json",
        check_output,
        &known(&[FLATTENED_MEMBER_NAMES, EMPTY_PAYLOADS]),
    );
}

use serde_json::json;

use super::*;

fn error_of(status: u16, body: &str) -> ServiceError {
    error(&HttpResponse {
        status,
        headers: &[],
        body: body.as_bytes(),
    })
}

#[test]
fn an_error_body_that_is_not_xml_is_the_message() {
    let error = error_of(502, "<html><body>Bad Gateway");
    assert_eq!(error.code, "BadGateway");
    assert_eq!(error.message, "<html><body>Bad Gateway");
    let error = error_of(500, "<Oops>no error element</Oops>");
    assert_eq!(error.code, "InternalServerError");
    assert_eq!(error.message, "<Oops>no error element</Oops>");
}

#[test]
fn documents_with_a_dtd_are_refused_not_expanded() {
    let body = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><Error><Code>&a;</Code></Error>"#;
    let error = error_of(400, body);
    assert_eq!(error.code, "BadRequest");
}

#[test]
fn attributes_are_read_by_their_local_name() {
    let s3 = crate::registry::service("s3").unwrap().unwrap();
    let model = &s3.model;
    let policy = model.shape("Grantee").unwrap();
    let text = r#"<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID><DisplayName>ana</DisplayName></Grantee>"#;
    let document = Document::parse(text).unwrap();
    let read = read_structure(model, policy, document.root_element());
    assert_eq!(
        Value::Object(read),
        json!({"DisplayName": "ana", "ID": "abc", "Type": "CanonicalUser"})
    );
}

#[test]
fn a_recursive_shape_nested_deeper_than_any_model_is_cut_off_not_overflowed() {
    let model: ServiceModel = serde_json::from_value(json!({
        "metadata": {"apiVersion": "1", "endpointPrefix": "x", "protocol": "rest-xml", "serviceId": "X"},
        "operations": {},
        "shapes": {
            "Node": {"type": "structure", "members": {"child": {"shape": "Node"}, "name": {"shape": "S"}}},
            "S": {"type": "string"},
        },
    }))
    .unwrap();
    let depth = 20_000;
    let text = format!(
        "{}<name>leaf</name>{}",
        "<child>".repeat(depth),
        "</child>".repeat(depth)
    );
    let document = Document::parse(&text).unwrap();
    let node = model.shape("Node").unwrap();
    let read = read_structure(&model, node, document.root_element());
    let mut levels = 0;
    let mut current = &Value::Object(read);
    while let Some(next) = current.get("Child") {
        levels += 1;
        current = next;
    }
    assert_eq!(levels, MAX_DEPTH);
}

use serde_json::json;

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    parse_timestamp(text).unwrap()
}

#[test]
fn results_write_timestamps_as_java_instants_do() {
    assert_eq!(
        timestamp_result(at("2024-05-01T10:20:30Z")),
        "2024-05-01T10:20:30Z"
    );
    assert_eq!(
        timestamp_result(at("2024-05-01T10:20:30.120Z")),
        "2024-05-01T10:20:30.120Z"
    );
    assert_eq!(
        timestamp_result(at("2024-05-01T10:20:30.000120Z")),
        "2024-05-01T10:20:30.000120Z"
    );
    assert_eq!(
        timestamp_result(at("2024-05-01T12:20:30+02:00")),
        "2024-05-01T10:20:30Z"
    );
}

#[test]
fn timestamps_are_read_in_every_wire_format() {
    let t = at("2024-05-01T10:20:30Z");
    assert_eq!(at("Wed, 01 May 2024 10:20:30 GMT"), t);
    assert_eq!(at("1714558830"), t);
    assert_eq!(at("2024-05-01T10:20:30"), t);
    assert_eq!(at("2024-05-01"), at("2024-05-01T00:00:00Z"));
    assert_eq!(parse_timestamp("yesterday"), None);
}

#[test]
fn timestamp_parameters_are_text_or_epoch_seconds() {
    let t = timestamp(&json!(1714558830.25), "T").unwrap();
    assert_eq!(
        timestamp_text(t, TimestampFormat::Iso8601),
        "2024-05-01T10:20:30.250Z"
    );
    assert_eq!(timestamp_text(t, TimestampFormat::Epoch), "1714558830.25");
    assert_eq!(
        timestamp_text(t, TimestampFormat::Rfc822),
        "Wed, 01 May 2024 10:20:30 GMT"
    );
    let whole = timestamp(&json!("2024-05-01T10:20:30Z"), "T").unwrap();
    assert_eq!(epoch_number(whole), Number::from(1714558830));
    assert_eq!(
        timestamp(&json!(1e300), "T"),
        Err(BuildError::WrongType {
            path: "T".to_owned(),
            expected: "an ISO-8601 timestamp or seconds since the epoch",
            found: "a number",
        })
    );
}

#[test]
fn blobs_and_strings_take_any_value_as_its_json_text() {
    assert_eq!(blob_bytes(&json!("hé")), "hé".as_bytes());
    assert_eq!(blob_bytes(&json!({"a": [1, true]})), br#"{"a":[1,true]}"#);
    assert_eq!(blob_base64(&json!("hi")), "aGk=");
    assert_eq!(string_text(&json!({"key": "value"})), r#"{"key":"value"}"#);
    assert_eq!(string_text(&json!(5)), "5");
}

#[test]
fn text_from_the_wire_is_read_by_shape_and_kept_when_it_does_not_fit() {
    assert_eq!(from_text(ShapeKind::Integer, " 12 "), json!(12));
    assert_eq!(from_text(ShapeKind::Long, "x"), json!("x"));
    assert_eq!(from_text(ShapeKind::Double, "1.5"), json!(1.5));
    assert_eq!(from_text(ShapeKind::Boolean, "true"), json!(true));
    assert_eq!(from_text(ShapeKind::Blob, "aGk="), json!("aGk="));
    assert_eq!(
        from_text(ShapeKind::Timestamp, "2024-05-01T10:20:30.000Z"),
        json!("2024-05-01T10:20:30Z")
    );
}

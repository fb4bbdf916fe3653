//! What a message must be: its checksums (MD5 of the body and of the attributes, which SDKs
//! verify) and SQS's checks of bodies and attributes.

use std::collections::BTreeMap;

use md5::{Digest, Md5};

use super::error::{Result, SqsError};
use super::queue::MessageAttribute;

/// SQS's limit on attributes per message.
const MAX_ATTRIBUTES: usize = 10;

/// Lowercase hex of the MD5 of `bytes`.
pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// MD5OfMessageAttributes, as SQS computes it (and SDKs check it): for each attribute in name
/// order, its name, data type, a transport byte (1 text, 2 binary) and its value, each
/// length-prefixed with 4 big-endian bytes.
pub fn md5_of_attributes(attributes: &BTreeMap<String, MessageAttribute>) -> Result<String> {
    use base64::Engine;
    let mut buf = Vec::new();
    let put = |buf: &mut Vec<u8>, b: &[u8]| {
        buf.extend_from_slice(&(b.len() as u32).to_be_bytes());
        buf.extend_from_slice(b);
    };
    for (name, a) in attributes {
        put(&mut buf, name.as_bytes());
        put(&mut buf, a.data_type.as_bytes());
        if a.data_type.starts_with("Binary") {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(a.binary_value.as_deref().unwrap_or_default())
                .map_err(|_| {
                    SqsError::InvalidParameterValue(format!(
                        "The message attribute '{name}' has an invalid binary value"
                    ))
                })?;
            buf.push(2);
            put(&mut buf, &raw);
        } else {
            buf.push(1);
            put(
                &mut buf,
                a.string_value.as_deref().unwrap_or_default().as_bytes(),
            );
        }
    }
    Ok(md5_hex(&buf))
}

/// Checks message attributes and returns their size in bytes.
pub fn check_attributes(attributes: &BTreeMap<String, MessageAttribute>) -> Result<usize> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(SqsError::invalid(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].",
            attributes.len()
        )));
    }
    let mut size = 0;
    for (name, a) in attributes {
        let kind = a.data_type.split('.').next().unwrap_or_default();
        let value = match kind {
            "String" | "Number" => a.string_value.as_deref(),
            "Binary" => a.binary_value.as_deref(),
            _ => {
                return Err(SqsError::InvalidParameterValue(format!(
                    "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
                )));
            }
        };
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Err(SqsError::InvalidParameterValue(format!(
                "Message (user) attribute '{name}' must contain a non-empty value of type '{kind}'."
            )));
        };
        size += name.len() + a.data_type.len() + value.len();
    }
    Ok(size)
}

/// SQS accepts only XML's characters in a body.
pub fn valid_body(body: &str) -> bool {
    body.chars().all(|c| {
        matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
    })
}

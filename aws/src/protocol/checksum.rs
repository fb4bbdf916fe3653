//! `Content-MD5` for operations that require a checksum of their body.
//!
//! Owns: when one is required and how it is written. Must not: touch anything else of the
//! request.

use md5::{Digest, Md5};
use serde_json::Value;

use crate::model::Operation;
use crate::protocol::{HttpRequest, value};

/// Adds `Content-MD5` when `operation` requires a checksum and the parameters gave none: S3
/// refuses DeleteObjects, PutBucketPolicy and the like without one.
pub(crate) fn add_content_md5(operation: &Operation, request: &mut HttpRequest) {
    let required = operation.http_checksum_required
        || operation
            .http_checksum
            .as_ref()
            .and_then(|c| c.get("requestChecksumRequired"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
    let given = request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("Content-MD5"));
    if required && !given {
        let digest = Md5::digest(&request.body);
        request
            .headers
            .push(("Content-MD5".to_owned(), value::base64(&digest)));
    }
}

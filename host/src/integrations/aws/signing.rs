//! SigV4: the headers that sign one request, computed by `aws-sigv4` (the AWS SDK for Rust's
//! signer) with the settings each service expects.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;

/// A request about to be signed.
pub struct Unsigned<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The whole URL, `https://host/path?query`.
    pub url: &'a str,
    /// Every header that will be sent, `Host` included.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// Whom the signature is for.
pub struct Scope<'a> {
    /// The signing name (`dynamodb`, `s3`, `execute-api`).
    pub service: &'a str,
    /// The region.
    pub region: &'a str,
    /// When (now, except in tests).
    pub time: SystemTime,
}

/// The headers to add (`Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`, and for S3
/// `X-Amz-Content-Sha256`).
pub fn signature_headers(
    request: &Unsigned<'_>,
    scope: &Scope<'_>,
    credentials: &Credentials,
) -> Result<Vec<(String, String)>, String> {
    let mut settings = SigningSettings::default();
    if scope.service == "s3" {
        // S3 wants the payload's hash in a header, and paths neither normalised nor encoded
        // twice (a key may hold `//` or `%`).
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    let identity = credentials.clone().into();
    let params: aws_sigv4::http_request::SigningParams<'_> = v4::SigningParams::builder()
        .identity(&identity)
        .region(scope.region)
        .name(scope.service)
        .time(scope.time)
        .settings(settings)
        .build()
        .map_err(|e| format!("cannot sign the request: {e}"))?
        .into();
    let signable = SignableRequest::new(
        request.method,
        request.url,
        request
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
        SignableBody::Bytes(request.body),
    )
    .map_err(|e| format!("cannot sign the request: {e}"))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| format!("cannot sign the request: {e}"))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}

#[cfg(test)]
mod tests;

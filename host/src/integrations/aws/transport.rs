//! HTTP to AWS endpoints: HTTPS with the platform's root certificates, plain HTTP for local
//! AWS-compatible endpoints (moto, LocalStack, DynamoDB Local, MinIO), each call bounded in
//! time and in the size of what it reads.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// More than any state could take as its result (256 KiB) even base64-encoded and wrapped,
/// while bounding what one call reads into memory.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

/// Why no response came.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The URL or a header cannot make a request.
    #[error("the request cannot be sent: {0}")]
    Request(String),
    /// The endpoint did not answer (refused, unreachable, TLS failed, reset).
    #[error("Unable to execute HTTP request: {0}")]
    Connect(String),
    /// It answered too slowly.
    #[error("Unable to execute HTTP request: no response within {0:?}")]
    Timeout(Duration),
    /// Its answer was larger than [`MAX_RESPONSE_BYTES`].
    #[error("the response is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    /// HTTPS was asked for and this machine has no root certificates.
    #[error(
        "Unable to execute HTTP request: no root certificates were found on this machine ({0}); install them (Debian: ca-certificates)"
    )]
    NoRoots(String),
}

/// The HTTP clients, shared by every call.
pub struct Transport {
    plain: Client<HttpConnector, Full<Bytes>>,
    tls: Result<Client<HttpsConnector<HttpConnector>, Full<Bytes>>, String>,
}

impl Default for Transport {
    fn default() -> Self {
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map(|builder| {
                let connector = builder.https_or_http().enable_http1().build();
                Client::builder(TokioExecutor::new()).build(connector)
            })
            .map_err(|e| e.to_string());
        Transport {
            plain: Client::builder(TokioExecutor::new()).build_http(),
            tls,
        }
    }
}

impl Transport {
    /// Sends one request and reads its answer, within `timeout`.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Response, TransportError> {
        let mut builder = hyper::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| TransportError::Request(e.to_string()))?;
        let exchange = async {
            let response = if url.starts_with("https://") {
                match &self.tls {
                    Ok(client) => client.request(request).await,
                    Err(e) => return Err(TransportError::NoRoots(e.clone())),
                }
            } else {
                self.plain.request(request).await
            }
            .map_err(|e| TransportError::Connect(error_chain(&e)))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        TransportError::TooLarge
                    } else {
                        TransportError::Connect(e.to_string())
                    }
                })?
                .to_bytes();
            Ok(Response {
                status,
                headers,
                body,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| TransportError::Timeout(timeout))?
    }
}

/// An error with its sources: hyper's own message ("client error (Connect)") says little.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

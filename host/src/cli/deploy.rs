//! `stepwise deploy NAME FILE.wasm`: deploys a component to a running server through its
//! Lambda API, exactly as `aws lambda create-function` / `update-function-code` would.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// What `deploy` was asked to do.
#[derive(clap::Args)]
pub struct Options {
    /// The function's name.
    pub name: String,
    /// The component.
    pub file: PathBuf,
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8083")]
    pub endpoint: String,
    /// Memory limit in MB (Lambda's MemorySize).
    #[arg(long)]
    pub memory_size: Option<u32>,
    /// Timeout in seconds.
    #[arg(long)]
    pub timeout: Option<u32>,
}

impl Options {
    /// The configuration fields given, in Lambda's names.
    fn configuration(&self, mut fields: Value) -> Value {
        if let Some(m) = self.memory_size {
            fields["MemorySize"] = m.into();
        }
        if let Some(t) = self.timeout {
            fields["Timeout"] = t.into();
        }
        fields
    }
}

pub fn run(options: &Options) -> Result<Value> {
    let code = std::fs::read(&options.file)
        .with_context(|| format!("cannot read {}", options.file.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(deploy(options, &code))
}

async fn deploy(options: &Options, code: &[u8]) -> Result<Value> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let base = options.endpoint.trim_end_matches('/');
    let zip = base64::engine::general_purpose::STANDARD.encode(code);
    let call = |method: Method, path: String, body: Value| {
        let client = client.clone();
        let uri = format!("{base}{path}");
        async move {
            let request = Request::builder()
                .method(method)
                .uri(&uri)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))?;
            let response = client.request(request).await.with_context(|| {
                format!("cannot reach the server at {uri}: is `stepwise serve` running?")
            })?;
            let status = response.status();
            let bytes = response.into_body().collect().await?.to_bytes();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            anyhow::Ok((status, body))
        }
    };
    let name = &options.name;
    let (status, _) = call(
        Method::GET,
        format!("/2015-03-31/functions/{name}"),
        Value::Null,
    )
    .await?;
    let (status, body) = if status == StatusCode::NOT_FOUND {
        let input = options.configuration(json!({"FunctionName": name, "Code": {"ZipFile": zip}}));
        call(Method::POST, "/2015-03-31/functions".into(), input).await?
    } else {
        let (status, body) = call(
            Method::PUT,
            format!("/2015-03-31/functions/{name}/code"),
            json!({"ZipFile": zip}),
        )
        .await?;
        if !status.is_success() || (options.memory_size.is_none() && options.timeout.is_none()) {
            (status, body)
        } else {
            call(
                Method::PUT,
                format!("/2015-03-31/functions/{name}/configuration"),
                options.configuration(json!({})),
            )
            .await?
        }
    };
    if !status.is_success() {
        let message = body["message"].as_str().unwrap_or("no message");
        bail!("the server refused the function ({status}): {message}");
    }
    Ok(body)
}

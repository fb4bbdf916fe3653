//! The part of AWS Lambda's REST API that deploying and invoking functions needs:
//! CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration, GetFunction,
//! GetFunctionConfiguration, ListFunctions, DeleteFunction and Invoke, under `/2015-03-31`.
//! `aws lambda create-function --zip-file fileb://task.wasm` works unchanged: `Code.ZipFile`
//! holds either the component itself or a zip archive with one `.wasm` in it.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::LambdaError;
use super::input::page_after;
use super::read_body;
use crate::arn::Identity;
use crate::executor::Clock;
use crate::host::{Functions, Host, function_config};
use crate::integrations::lambda::{FunctionRef, LATEST};
use crate::runtime::{ConfigError, DeployError, FunctionConfig, Invocation, InvokeError};
use crate::runtime::{GuestCalls, Runtime};

/// What Lambda's actions use: the functions, and where invoked functions' calls go.
#[derive(Clone)]
pub struct LambdaApi {
    /// The deployed functions' Lambda fields (and their runtime).
    pub functions: Arc<Functions>,
    /// Where a function's calls to service integrations go.
    pub calls: Arc<dyn GuestCalls>,
    /// Region and account of function ARNs.
    pub identity: Identity,
    /// LastModified times.
    pub clock: Clock,
}

impl LambdaApi {
    fn runtime(&self) -> &Arc<Runtime> {
        self.functions.runtime()
    }
}

impl axum::extract::FromRef<Host> for LambdaApi {
    fn from_ref(host: &Host) -> Self {
        LambdaApi {
            functions: host.functions.clone(),
            calls: host.services.resources.clone(),
            identity: host.identity.clone(),
            clock: host.clock,
        }
    }
}

/// Largest CreateFunction or UpdateFunctionCode request: Lambda takes 50 MB zipped, which is
/// about 67 MB as base64.
pub const MAX_CODE_REQUEST_BYTES: usize = 70 * 1024 * 1024;
/// Largest synchronous Invoke payload (Lambda: 6 MB).
pub const MAX_INVOKE_BYTES: usize = 6 * 1024 * 1024;
/// Largest other request.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// The Lambda routes.
pub fn routes() -> Router<Host> {
    Router::new()
        .route("/2015-03-31/functions", post(create).get(list))
        .route("/2015-03-31/functions/", post(create).get(list))
        .route(
            "/2015-03-31/functions/{name}",
            get(get_function).delete(delete),
        )
        .route("/2015-03-31/functions/{name}/code", put(update_code))
        .route(
            "/2015-03-31/functions/{name}/configuration",
            put(update_configuration).get(get_configuration),
        )
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Code {
    zip_file: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Environment {
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    function_name: String,
    role: Option<String>,
    runtime: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    environment: Option<Environment>,
    #[serde(default)]
    code: Code,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateCodeInput {
    zip_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateConfigInput {
    role: Option<String>,
    handler: Option<String>,
    runtime: Option<String>,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    environment: Option<Environment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListQuery {
    marker: Option<String>,
    /// Text, so that a bad number gets Lambda's error rather than axum's plain-text one.
    max_items: Option<String>,
}

type Result<T> = std::result::Result<T, LambdaError>;

async fn json_body<T: serde::de::DeserializeOwned>(body: Body, limit: usize) -> Result<T> {
    let bytes = read_body(body, limit).await.map_err(|limit| {
        LambdaError::RequestTooLarge(format!("Request must be smaller than {limit} bytes"))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| LambdaError::InvalidParameterValue(format!("the request body: {e}")))
}

/// The function name in a path: a name, a partial ARN or an ARN.
fn function_name(raw: &str) -> Result<String> {
    FunctionRef::parse(raw)
        .map(|f| f.name.to_owned())
        .ok_or_else(|| {
            LambdaError::InvalidParameterValue(format!(
                "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
            ))
        })
}

fn not_found(api: &LambdaApi, name: &str) -> LambdaError {
    LambdaError::ResourceNotFound(format!(
        "Function not found: {}",
        api.identity.function_arn(name)
    ))
}

/// The component in `ZipFile`: the bytes themselves, or the one `.wasm` in a zip archive.
fn component_bytes(zip_file: Option<&str>) -> Result<Vec<u8>> {
    let Some(encoded) = zip_file else {
        return Err(LambdaError::InvalidParameterValue(
            "Code.ZipFile is required: the WebAssembly component, or a zip archive holding one .wasm file".into(),
        ));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| LambdaError::InvalidParameterValue(format!("ZipFile is not base64: {e}")))?;
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(bytes);
    }
    let bad_zip = |e: zip::result::ZipError| {
        LambdaError::InvalidParameterValue(format!("Could not unzip uploaded file: {e}"))
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(bad_zip)?;
    let wasm: Vec<String> = archive
        .file_names()
        .filter(|n| n.ends_with(".wasm"))
        .map(str::to_owned)
        .collect();
    let [name] = wasm.as_slice() else {
        return Err(LambdaError::InvalidParameterValue(format!(
            "the zip archive must hold exactly one .wasm file; it holds {}",
            wasm.len()
        )));
    };
    let mut entry = archive.by_name(name).map_err(bad_zip)?;
    let mut code = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut code).map_err(|e| {
        LambdaError::InvalidParameterValue(format!("Could not unzip uploaded file: {e}"))
    })?;
    Ok(code)
}

fn deploy_error(e: DeployError) -> LambdaError {
    LambdaError::InvalidParameterValue(format!("The component was refused: {e}"))
}

fn config_error(e: ConfigError) -> LambdaError {
    LambdaError::InvalidParameterValue(e.to_string())
}

/// Lambda's `LastModified` format.
fn last_modified(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// The FunctionConfiguration Lambda returns, from what is stored and what is deployed.
fn configuration(api: &LambdaApi, meta: &Value) -> Value {
    let name = function_name_of(meta);
    let mut out = meta.clone();
    out["FunctionArn"] = api.identity.function_arn(name).into();
    out["Version"] = LATEST.into();
    out["State"] = "Active".into();
    out["LastUpdateStatus"] = "Successful".into();
    out["PackageType"] = "Zip".into();
    if let Some(f) = api.runtime().function(name) {
        out["CodeSize"] = f.code_size().into();
        out["CodeSha256"] = base64::engine::general_purpose::STANDARD
            .encode(f.code_sha256())
            .into();
    }
    out
}

/// Deploys `code` (compiling it off the async threads) as function `name`.
async fn deploy(
    api: &LambdaApi,
    name: &str,
    code: Vec<u8>,
    config: FunctionConfig,
) -> Result<Vec<u8>> {
    let runtime = api.runtime().clone();
    let owned = name.to_owned();
    tokio::task::spawn_blocking(move || {
        runtime
            .deploy(&owned, &code, config)
            .map(|_| code)
            .map_err(deploy_error)
    })
    .await
    .map_err(|e| LambdaError::Service(format!("deploying: {e}")))?
}

fn apply_config(
    meta: &mut Value,
    timeout: Option<u32>,
    memory: Option<u32>,
    env: Option<Environment>,
) {
    if let Some(t) = timeout {
        meta["Timeout"] = t.into();
    }
    if let Some(m) = memory {
        meta["MemorySize"] = m.into();
    }
    if let Some(env) = env {
        meta["Environment"] = json!({"Variables": env.variables});
    }
}

fn set_text(meta: &mut Value, key: &str, value: Option<String>) {
    if let Some(v) = value {
        meta[key] = v.into();
    }
}

async fn create(State(api): State<LambdaApi>, body: Body) -> Response {
    let result: Result<Value> = async {
        let input: CreateInput = json_body(body, MAX_CODE_REQUEST_BYTES).await?;
        let code = component_bytes(input.code.zip_file.as_deref())?;
        create_function(&api, input, code).await
    }
    .await;
    respond(result, StatusCode::CREATED)
}

async fn create_function(api: &LambdaApi, input: CreateInput, code: Vec<u8>) -> Result<Value> {
    let name = function_name(&input.function_name)?;
    if api.functions.meta(&name).is_some() {
        return Err(LambdaError::ResourceConflict(format!(
            "Function already exist: {name}"
        )));
    }
    let mut meta = json!({
        "FunctionName": name,
        "Description": input.description.unwrap_or_default(),
        "Timeout": crate::runtime::limits::DEFAULT_TIMEOUT_SECONDS,
        "MemorySize": crate::runtime::limits::MIN_MEMORY_MB,
        "Environment": {"Variables": {}},
    });
    set_text(&mut meta, "Role", input.role);
    set_text(&mut meta, "Runtime", input.runtime);
    set_text(&mut meta, "Handler", input.handler);
    apply_config(
        &mut meta,
        input.timeout,
        input.memory_size,
        input.environment,
    );
    // Lambda answers every function with when it last changed and its revision.
    touch(api, &mut meta);
    let config = function_config(&meta);
    config.validate().map_err(config_error)?;
    let code = deploy(api, &name, code, config).await?;
    api.functions.put(&name, Some(code), meta.clone()).await?;
    tracing::info!(function = %name, "function created");
    Ok(configuration(api, &meta))
}

/// Deploys `code` as function `name`: created with Lambda's defaults, or, if it exists, with
/// its code replaced and its configuration kept. What `stepwise serve --function` does.
pub async fn deploy_code(api: &LambdaApi, name: &str, code: Vec<u8>) -> Result<Value> {
    if let Some(meta) = api.functions.meta(name) {
        return replace_code(api, name, meta, code).await;
    }
    let input = CreateInput {
        function_name: name.to_owned(),
        role: None,
        runtime: None,
        handler: None,
        description: None,
        timeout: None,
        memory_size: None,
        environment: None,
        code: Code::default(),
    };
    create_function(api, input, code).await
}

/// Replaces the code of function `name`, whose stored fields are `meta`.
async fn replace_code(
    api: &LambdaApi,
    name: &str,
    mut meta: Value,
    code: Vec<u8>,
) -> Result<Value> {
    let code = deploy(api, name, code, function_config(&meta)).await?;
    touch(api, &mut meta);
    api.functions.put(name, Some(code), meta.clone()).await?;
    tracing::info!(function = %name, "function code updated");
    Ok(configuration(api, &meta))
}

/// Marks a function as changed now: a new LastModified and RevisionId.
fn touch(api: &LambdaApi, meta: &mut Value) {
    meta["LastModified"] = last_modified(api.clock.now_ms()).into();
    meta["RevisionId"] = uuid::Uuid::new_v4().to_string().into();
}

fn respond(result: Result<Value>, status: StatusCode) -> Response {
    match result {
        Ok(v) => (status, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn existing(api: &LambdaApi, raw: &str) -> Result<(String, Value)> {
    let name = function_name(raw)?;
    let meta = api
        .functions
        .meta(&name)
        .ok_or_else(|| not_found(api, &name))?;
    Ok((name, meta))
}

async fn update_code(
    State(api): State<LambdaApi>,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let result: Result<Value> = async {
        // Found before the (large) body is read, as Lambda answers 404 first.
        let (name, meta) = existing(&api, &raw)?;
        let input: UpdateCodeInput = json_body(body, MAX_CODE_REQUEST_BYTES).await?;
        let code = component_bytes(input.zip_file.as_deref())?;
        replace_code(&api, &name, meta, code).await
    }
    .await;
    respond(result, StatusCode::OK)
}

async fn update_configuration(
    State(api): State<LambdaApi>,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let result: Result<Value> = async {
        let (name, mut meta) = existing(&api, &raw)?;
        let input: UpdateConfigInput = json_body(body, MAX_REQUEST_BYTES).await?;
        set_text(&mut meta, "Role", input.role);
        set_text(&mut meta, "Runtime", input.runtime);
        set_text(&mut meta, "Handler", input.handler);
        set_text(&mut meta, "Description", input.description);
        apply_config(
            &mut meta,
            input.timeout,
            input.memory_size,
            input.environment,
        );
        api.runtime()
            .reconfigure(&name, function_config(&meta))
            .map_err(|e| match e {
                DeployError::Config(c) => config_error(c),
                other => deploy_error(other),
            })?;
        touch(&api, &mut meta);
        api.functions.put(&name, None, meta.clone()).await?;
        Ok(configuration(&api, &meta))
    }
    .await;
    respond(result, StatusCode::OK)
}

async fn get_function(State(api): State<LambdaApi>, Path(raw): Path<String>) -> Response {
    let result = existing(&api, &raw).map(|(_, meta)| {
        json!({
            "Configuration": configuration(&api, &meta),
            // The code lives in this host, not in S3: there is nothing to download.
            "Code": {"RepositoryType": "S3", "Location": ""},
        })
    });
    respond(result, StatusCode::OK)
}

async fn get_configuration(State(api): State<LambdaApi>, Path(raw): Path<String>) -> Response {
    let result = existing(&api, &raw).map(|(_, meta)| configuration(&api, &meta));
    respond(result, StatusCode::OK)
}

fn function_name_of(meta: &Value) -> &str {
    meta["FunctionName"].as_str().unwrap_or_default()
}

async fn list(State(api): State<LambdaApi>, Query(query): Query<ListQuery>) -> Response {
    let size = match query.max_items.as_deref().map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n.min(50),
        Some(_) => {
            return LambdaError::InvalidParameterValue(
                "MaxItems must be a number between 1 and 10000".into(),
            )
            .into_response();
        }
    };
    let metas = api.functions.metas();
    let (page, next) = page_after(&metas, function_name_of, query.marker.as_deref(), size);
    let functions: Vec<Value> = page.iter().map(|m| configuration(&api, m)).collect();
    let mut out = json!({ "Functions": functions });
    if let Some(last) = next {
        out["NextMarker"] = last.into();
    }
    (StatusCode::OK, axum::Json(out)).into_response()
}

async fn delete(State(api): State<LambdaApi>, Path(raw): Path<String>) -> Response {
    let result: Result<()> = async {
        let (name, _) = existing(&api, &raw)?;
        api.functions.delete(&name).await?;
        tracing::info!(function = %name, "function deleted");
        Ok(())
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn invoke(
    State(api): State<LambdaApi>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result: Result<Response> = async {
        let (name, _) = existing(&api, &raw)?;
        let function = api
            .runtime()
            .function(&name)
            .ok_or_else(|| not_found(&api, &name))?;
        let bytes = read_body(body, MAX_INVOKE_BYTES).await.map_err(|limit| {
            LambdaError::RequestTooLarge(format!(
                "Request must be smaller than {limit} bytes for the InvokeFunction operation"
            ))
        })?;
        let payload = if bytes.iter().all(u8::is_ascii_whitespace) {
            "{}".to_owned()
        } else {
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                LambdaError::InvalidRequestContent("Could not parse request body into json: not UTF-8".into())
            })?;
            serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| {
                LambdaError::InvalidRequestContent(format!(
                    "Could not parse request body into json: {e}"
                ))
            })?;
            text
        };
        let kind = headers
            .get("x-amz-invocation-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("RequestResponse");
        let resources = api.calls.clone();
        match kind {
            "DryRun" => Ok(StatusCode::NO_CONTENT.into_response()),
            "Event" => {
                let runtime = api.runtime().clone();
                tokio::spawn(async move {
                    let invocation = Invocation::new(&payload, "{}").calls(resources, 0);
                    if let Err(e) = runtime.invoke(&function, invocation).await {
                        tracing::warn!(function = %function.name(), error = %e, "asynchronous invocation failed");
                    }
                });
                Ok(StatusCode::ACCEPTED.into_response())
            }
            "RequestResponse" => {
                let invocation = Invocation::new(&payload, "{}").calls(resources, 0);
                let outcome = api.runtime().invoke(&function, invocation).await;
                Ok(invoke_response(outcome))
            }
            other => Err(LambdaError::InvalidParameterValue(format!(
                "X-Amz-Invocation-Type '{other}' is not RequestResponse, Event or DryRun"
            ))),
        }
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

fn invoke_response(outcome: std::result::Result<String, InvokeError>) -> Response {
    let (body, function_error) = match outcome {
        Ok(output) => (output, None),
        Err(InvokeError::Throttled(message)) => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({"Type": "User", "message": message})),
            )
                .into_response();
            r.headers_mut().insert(
                "x-amzn-ErrorType",
                HeaderValue::from_static("TooManyRequestsException"),
            );
            return r;
        }
        Err(e) => (
            json!({"errorType": e.error_name(), "errorMessage": e.cause()}).to_string(),
            Some("Unhandled"),
        ),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("x-amz-executed-version", HeaderValue::from_static(LATEST));
    if let Some(kind) = function_error {
        h.insert("x-amz-function-error", HeaderValue::from_static(kind));
    }
    response
}

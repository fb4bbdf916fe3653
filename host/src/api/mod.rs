//! The HTTP API, served with axum: Step Functions' and SQS's AWS JSON 1.0 protocol on `POST /`
//! (the action in `X-Amz-Target`), SNS's Query protocol on the same path, the part of Lambda's
//! REST API that deploys and invokes functions under `/2015-03-31/functions`, and AWS Batch's
//! job operations under `/v1`; the web console on `GET /` and under `/console`. One module per
//! resource; errors in AWS's shapes.
//!
//! The api answers whatever the Host header says: AWS SDKs send StartSyncExecution to
//! `sync-<endpoint host>`, and a hosts entry pointing that name here just works.

pub mod activities;
pub mod auth;
pub mod batch;
pub mod console;
pub mod error;
pub mod executions;
pub mod input;
pub mod lambda;
pub mod lookup;
pub mod machines;
pub mod map_runs;
pub mod sns;
pub mod sqs;
pub mod tags;
pub mod tasks;
pub mod test_state;
pub mod versions;

use std::future::Future;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::host::Host;
pub use error::{AMZ_JSON, ApiError, LambdaError, json_response};

/// Largest Step Functions request body: a 1 MiB definition, escaped, with room to spare.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// The API's routes over `host`, and the console's; `access` is who may sign in to the
/// console (none: no sign-in), `closing` ends the console's live feeds at shutdown.
fn router(
    host: Host,
    access: Option<std::sync::Arc<auth::Access>>,
    closing: tokio::sync::watch::Receiver<bool>,
) -> Router {
    Router::new()
        .route("/", post(dispatch).get(console::index))
        .route("/metrics", axum::routing::get(metrics))
        .merge(lambda::routes())
        .merge(batch::routes())
        .merge(console::routes(access, closing))
        .with_state(host)
}

/// Serves the API on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    host: Host,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, host, None, shutdown).await
}

/// The same, letting in only requests signed by one of `keys` (when given).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    host: Host,
    keys: Option<std::sync::Arc<auth::Keys>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Long polls (SQS ReceiveMessage) would hold a graceful shutdown up to 20 s, and a
    // StartSyncExecution as long as its Express execution runs.
    let queues = host.services.sqs.clone();
    let executions = host.executions.clone();
    let (close, closing) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        queues.close();
        // The console's feeds stay open as long as their executions run.
        let _ = close.send(true);
        tokio::spawn(async move { executions.drain_express(EXPRESS_GRACE).await });
    };
    let access = keys.map(|k| std::sync::Arc::new(auth::Access::new((*k).clone())));
    let mut app = router(host, access.clone(), closing);
    if let Some(access) = access {
        app = app.layer(axum::middleware::from_fn_with_state(
            access,
            auth::require_signature,
        ));
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// How long Express executions in progress get to end when the server shuts down, before
/// they are aborted (StartSyncExecution then answers ServiceUnavailable).
pub const EXPRESS_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// `GET /metrics`: Prometheus's text format.
async fn metrics(State(host): State<Host>) -> Response {
    let text = crate::metrics::render(crate::metrics::Snapshot {
        parked: host.executions.parked_count(),
        activities: host.activities.queues().depths(),
        queues: host.services.sqs.depths(),
    });
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Reads a request body of at most `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, usize> {
    axum::body::to_bytes(body, limit).await.map_err(|_| limit)
}

async fn dispatch(State(host): State<Host>, headers: HeaderMap, body: Body) -> Response {
    // SQS (JSON 1.0 by X-Amz-Target) and SNS (the form-encoded Query protocol) share the
    // endpoint and answer in their own shapes.
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    if let Some(action) = target.and_then(|t| t.strip_prefix("AmazonSQS.")) {
        return sqs::handle(&host.services.sqs, &headers, action, body).await;
    }
    if target.is_none() && sns::is_query(&headers) {
        return sns::handle(&host.services.sns, body).await;
    }
    match handle(&host, &headers, body).await {
        Ok(output) => json_response(StatusCode::OK, &output),
        Err(e) => e.into_response(),
    }
}

async fn handle(host: &Host, headers: &HeaderMap, body: Body) -> Result<Value, ApiError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(action) = target.strip_prefix("AWSStepFunctions.") else {
        return Err(ApiError::UnknownOperationException(format!(
            "X-Amz-Target '{target}' names no Step Functions action"
        )));
    };
    let bytes = read_body(body, MAX_REQUEST_BYTES).await.map_err(|limit| {
        ApiError::RequestEntityTooLarge(format!("the request body is larger than {limit} bytes"))
    })?;
    let input: &[u8] = &bytes;
    // Each resource's actions take the components they use.
    let m = || machines::MachinesApi::from_ref(host);
    let e = || executions::ExecutionsApi::from_ref(host);
    let a = || activities::ActivitiesApi::from_ref(host);
    let t = || tags::TagsApi::from_ref(host);
    let callbacks = &*host.callbacks;
    match action {
        "CreateStateMachine" => machines::create(&m(), input).await,
        "DescribeStateMachine" => machines::describe(&m(), input),
        "UpdateStateMachine" => machines::update(&m(), input).await,
        "DeleteStateMachine" => machines::delete(&m(), input).await,
        "ListStateMachines" => machines::list(&m(), input),
        "DescribeStateMachineForExecution" => machines::describe_for_execution(&m(), input),
        "ValidateStateMachineDefinition" => machines::validate(input),
        "PublishStateMachineVersion" => versions::publish(&m(), input).await,
        "ListStateMachineVersions" => versions::list_versions(&m(), input),
        "DeleteStateMachineVersion" => versions::delete_version(&m(), input).await,
        "CreateStateMachineAlias" => versions::create_alias(&m(), input).await,
        "DescribeStateMachineAlias" => versions::describe_alias(&m(), input),
        "UpdateStateMachineAlias" => versions::update_alias(&m(), input).await,
        "DeleteStateMachineAlias" => versions::delete_alias(&m(), input).await,
        "ListStateMachineAliases" => versions::list_aliases(&m(), input),
        "StartExecution" => executions::start(&e(), input).await,
        "StartSyncExecution" => executions::start_sync(&e(), input).await,
        "TestState" => {
            test_state::test_state(&test_state::TestStateApi::from_ref(host), input).await
        }
        "StopExecution" => executions::stop(&e(), input).await,
        "RedriveExecution" => executions::redrive(&e(), input).await,
        "DescribeExecution" => executions::describe(&e(), input),
        "ListExecutions" => executions::list(&e(), input),
        "GetExecutionHistory" => executions::history(&e(), input),
        "DescribeMapRun" => map_runs::describe(&e(), input),
        "ListMapRuns" => map_runs::list(&e(), input),
        "UpdateMapRun" => map_runs::update(&e(), input).await,
        "CreateActivity" => activities::create(&a(), input).await,
        "DescribeActivity" => activities::describe(&a(), input),
        "DeleteActivity" => activities::delete(&a(), input).await,
        "ListActivities" => activities::list(&a(), input),
        "GetActivityTask" => activities::get_task(&a(), input).await,
        "SendTaskSuccess" => tasks::success(callbacks, input).await,
        "SendTaskFailure" => tasks::failure(callbacks, input).await,
        "SendTaskHeartbeat" => tasks::heartbeat(callbacks, input).await,
        "TagResource" => tags::tag(&t(), input).await,
        "UntagResource" => tags::untag(&t(), input).await,
        "ListTagsForResource" => tags::list(&t(), input),
        other => Err(ApiError::UnknownOperationException(format!(
            "'{other}' is not an action this host implements"
        ))),
    }
}

//! The HTTP API, served with axum: Step Functions' and SQS's AWS JSON 1.0 protocol on `POST /`
//! (the action in `X-Amz-Target`), SNS's Query protocol on the same path, the part of Lambda's
//! REST API that deploys and invokes functions under `/2015-03-31/functions`, and AWS Batch's
//! job operations under `/v1`. One module per resource; errors in AWS's shapes.
//!
//! The server answers whatever the Host header says: AWS SDKs send StartSyncExecution to
//! `sync-<endpoint host>`, and a hosts entry pointing that name here just works.

pub mod activities;
pub mod batch;
pub mod error;
pub mod executions;
pub mod input;
pub mod lambda;
pub mod machines;
pub mod sns;
pub mod sqs;
pub mod tags;
pub mod tasks;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::server::Server;
pub use error::{AMZ_JSON, ApiError, LambdaError, json_response};

/// Largest Step Functions request body: a 1 MiB definition, escaped, with room to spare.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// The API's routes over `server`.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/", post(dispatch))
        .merge(lambda::routes())
        .merge(batch::routes())
        .with_state(server)
}

/// Serves the API on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Long polls (SQS ReceiveMessage) would hold a graceful shutdown up to 20 s.
    let queues = server.sqs.clone();
    let shutdown = async move {
        shutdown.await;
        queues.close();
    };
    axum::serve(listener, router(server))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Reads a request body of at most `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, usize> {
    axum::body::to_bytes(body, limit).await.map_err(|_| limit)
}

async fn dispatch(State(server): State<Arc<Server>>, headers: HeaderMap, body: Body) -> Response {
    // SQS (JSON 1.0 by X-Amz-Target) and SNS (the form-encoded Query protocol) share the
    // endpoint and answer in their own shapes.
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    if let Some(action) = target.and_then(|t| t.strip_prefix("AmazonSQS.")) {
        return sqs::handle(&server, &headers, action, body).await;
    }
    if target.is_none() && sns::is_query(&headers) {
        return sns::handle(&server, body).await;
    }
    match handle(&server, &headers, body).await {
        Ok(output) => json_response(StatusCode::OK, &output),
        Err(e) => e.into_response(),
    }
}

async fn handle(server: &Arc<Server>, headers: &HeaderMap, body: Body) -> Result<Value, ApiError> {
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
    match action {
        "CreateStateMachine" => machines::create(server, input).await,
        "DescribeStateMachine" => machines::describe(server, input),
        "UpdateStateMachine" => machines::update(server, input).await,
        "DeleteStateMachine" => machines::delete(server, input).await,
        "ListStateMachines" => machines::list(server, input),
        "DescribeStateMachineForExecution" => machines::describe_for_execution(server, input),
        "ValidateStateMachineDefinition" => machines::validate(input),
        "StartExecution" => executions::start(server, input).await,
        "StartSyncExecution" => executions::start_sync(server, input).await,
        "StopExecution" => executions::stop(server, input).await,
        "DescribeExecution" => executions::describe(server, input),
        "ListExecutions" => executions::list(server, input),
        "GetExecutionHistory" => executions::history(server, input),
        "CreateActivity" => activities::create(server, input).await,
        "DescribeActivity" => activities::describe(server, input),
        "DeleteActivity" => activities::delete(server, input).await,
        "ListActivities" => activities::list(server, input),
        "GetActivityTask" => activities::get_task(server, input).await,
        "SendTaskSuccess" => tasks::success(server, input).await,
        "SendTaskFailure" => tasks::failure(server, input).await,
        "SendTaskHeartbeat" => tasks::heartbeat(server, input).await,
        "TagResource" => tags::tag(server, input).await,
        "UntagResource" => tags::untag(server, input).await,
        "ListTagsForResource" => tags::list(server, input),
        other => Err(ApiError::UnknownOperationException(format!(
            "'{other}' is not an action this host implements"
        ))),
    }
}

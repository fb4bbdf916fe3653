//! The part of AWS Batch's REST-JSON API that submitting and following jobs needs:
//! SubmitJob, DescribeJobs, ListJobs, TerminateJob and CancelJob under `/v1`, so that
//! `aws batch` and `aws-sdk-batch` work against the endpoint. Jobs themselves live in
//! [`crate::integrations::batch`]; this module only reads requests and shapes answers.
//!
//! Errors are Batch's: `{"__type": "ClientException", "message": ...}` with HTTP 400 for a bad
//! request, `ServerException` with HTTP 500 for the host's own fault, named in the
//! `x-amzn-ErrorType` header as well.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};

use super::read_body;
use crate::host::Host;
use crate::integrations::batch::Jobs;
use crate::integrations::batch::{BatchError, JobStatus};

/// Largest request: a SubmitJob with its parameters and overrides is a few KiB; Batch caps
/// a job's whole submission at 30 KiB, so 1 MiB is generous.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// Batch's bound on DescribeJobs' list of ids.
const MAX_DESCRIBE: usize = 100;
/// Batch's default and largest ListJobs page.
const MAX_LIST: usize = 1000;

/// The Batch routes.
pub fn routes() -> Router<Host> {
    Router::new()
        .route("/v1/submitjob", post(submit))
        .route("/v1/describejobs", post(describe))
        .route("/v1/listjobs", post(list))
        .route("/v1/terminatejob", post(terminate))
        .route("/v1/canceljob", post(cancel))
}

impl IntoResponse for BatchError {
    fn into_response(self) -> Response {
        let (status, name) = match &self {
            BatchError::Client(_) => (StatusCode::BAD_REQUEST, "ClientException"),
            BatchError::Server(_) => (StatusCode::INTERNAL_SERVER_ERROR, "ServerException"),
        };
        let body = json!({"__type": name, "message": self.to_string()});
        let mut response = (status, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert("x-amzn-ErrorType", HeaderValue::from_static(name));
        response
    }
}

type Result<T> = std::result::Result<T, BatchError>;

fn client(message: impl Into<String>) -> BatchError {
    BatchError::Client(message.into())
}

/// The request body as a JSON object.
async fn object(body: Body) -> Result<Map<String, Value>> {
    let bytes = read_body(body, MAX_REQUEST_BYTES)
        .await
        .map_err(|limit| client(format!("the request body is larger than {limit} bytes")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(other) => Err(client(format!(
            "the request body must be a JSON object, not {other}"
        ))),
        Err(e) => Err(client(format!("the request body is not JSON: {e}"))),
    }
}

/// A string field, required or not.
fn string<'a>(o: &'a Map<String, Value>, name: &str, required: bool) -> Result<Option<&'a str>> {
    match o.get(name) {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(client(format!("{name} is required"))),
        Some(other) => Err(client(format!("{name} must be a string, not {other}"))),
    }
}

async fn submit(State(jobs): State<Arc<Jobs>>, body: Body) -> Result<axum::Json<Value>> {
    let request = Value::Object(object(body).await?);
    let job = jobs.submit(&request).await?;
    Ok(axum::Json(json!({
        "jobArn": job.job_arn,
        "jobId": job.job_id,
        "jobName": job.job_name,
    })))
}

async fn describe(State(jobs): State<Arc<Jobs>>, body: Body) -> Result<axum::Json<Value>> {
    let o = object(body).await?;
    let Some(Value::Array(ids)) = o.get("jobs") else {
        return Err(client("jobs is required: a list of job ids"));
    };
    if ids.len() > MAX_DESCRIBE {
        return Err(client(format!(
            "jobs may list at most {MAX_DESCRIBE} job ids, not {}",
            ids.len()
        )));
    }
    let mut found = Vec::new();
    for id in ids {
        let Some(id) = id.as_str() else {
            return Err(client(format!("jobs must be strings, not {id}")));
        };
        // Batch takes ids or job ARNs, and leaves unknown ones out of the answer.
        let id = id.rsplit_once(":job/").map_or(id, |(_, id)| id);
        if let Some(job) = jobs.job(id) {
            found.push(job.describe());
        }
    }
    Ok(axum::Json(json!({ "jobs": found })))
}

async fn list(State(jobs): State<Arc<Jobs>>, body: Body) -> Result<axum::Json<Value>> {
    let o = object(body).await?;
    let Some(queue) = string(&o, "jobQueue", false)? else {
        return Err(client(
            "jobQueue is required (this host does not list array or multi-node jobs)",
        ));
    };
    // As Batch does, a ListJobs without a status lists the RUNNING jobs.
    let status = match string(&o, "jobStatus", false)? {
        None => JobStatus::Running,
        Some(s) => JobStatus::parse(s).ok_or_else(|| {
            client(format!(
                "jobStatus '{s}' is not one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED"
            ))
        })?,
    };
    let limit = match o.get("maxResults") {
        None | Some(Value::Null) => MAX_LIST,
        Some(n) => n
            .as_u64()
            .filter(|n| (1..=MAX_LIST as u64).contains(n))
            .ok_or_else(|| client(format!("maxResults must be from 1 to {MAX_LIST}, not {n}")))?
            as usize,
    };
    // nextToken is the index of the first job of the page, in the oldest-first order.
    let start = match string(&o, "nextToken", false)? {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| client(format!("nextToken '{t}' is not one this host gave")))?,
    };
    let jobs = jobs.list(queue, status);
    let page: Vec<Value> = jobs
        .iter()
        .skip(start)
        .take(limit)
        .map(|j| j.summary())
        .collect();
    let mut answer = json!({ "jobSummaryList": page });
    if start + limit < jobs.len() {
        answer["nextToken"] = (start + limit).to_string().into();
    }
    Ok(axum::Json(answer))
}

/// The job id and reason of TerminateJob and CancelJob (both required, as Batch has them).
fn stop_request(o: &Map<String, Value>) -> Result<(&str, &str)> {
    let id = string(o, "jobId", true)?.unwrap_or_default();
    let reason = string(o, "reason", true)?.unwrap_or_default();
    Ok((id.rsplit_once(":job/").map_or(id, |(_, id)| id), reason))
}

async fn terminate(State(jobs): State<Arc<Jobs>>, body: Body) -> Result<axum::Json<Value>> {
    let o = object(body).await?;
    let (id, reason) = stop_request(&o)?;
    jobs.terminate(id, reason).await?;
    Ok(axum::Json(json!({})))
}

async fn cancel(State(jobs): State<Arc<Jobs>>, body: Body) -> Result<axum::Json<Value>> {
    let o = object(body).await?;
    let (id, reason) = stop_request(&o)?;
    jobs.cancel(id, reason).await?;
    Ok(axum::Json(json!({})))
}

impl axum::extract::FromRef<Host> for Arc<Jobs> {
    fn from_ref(host: &Host) -> Self {
        host.services.batch.clone()
    }
}

//! A Batch job's record — what DescribeJobs shows and what the store keeps — and the reading
//! of a SubmitJob request into one. Pure data: no runtime, store or clock of its own.
//!
//! Requests come in two spellings: Step Functions' parameters (`JobName`, `RetryStrategy`) and
//! the REST API's body (`jobName`, `retryStrategy`); field names are matched ignoring ASCII
//! case, so both (and mixtures such as `"RetryStrategy": {"attempts": 5}`) read the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::arn::Arn;

/// Where a job is in its life, as AWS Batch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    /// Accepted and stored.
    Submitted,
    /// Waiting on dependencies (never used here: jobs have none).
    Pending,
    /// Ready for an attempt.
    Runnable,
    /// An attempt is being set up.
    Starting,
    /// An attempt's function is running.
    Running,
    /// The function returned a result.
    Succeeded,
    /// Every attempt failed, or the job was terminated or cancelled.
    Failed,
}

impl JobStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [JobStatus; 7] = [
        JobStatus::Submitted,
        JobStatus::Pending,
        JobStatus::Runnable,
        JobStatus::Starting,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
    ];

    /// The status as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Submitted => "SUBMITTED",
            JobStatus::Pending => "PENDING",
            JobStatus::Runnable => "RUNNABLE",
            JobStatus::Starting => "STARTING",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
        }
    }

    /// Reads an API status; `None` for anything else.
    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the job has ended (SUCCEEDED or FAILED); an ended job never changes again.
    pub fn is_done(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed)
    }

    /// Whether CancelJob still applies (the job has not started an attempt).
    pub fn is_cancellable(self) -> bool {
        matches!(
            self,
            JobStatus::Submitted | JobStatus::Pending | JobStatus::Runnable
        )
    }
}

/// How the job's "container" (its function run) ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// 0 when the function returned a result, 1 when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Why it failed: the function's error and cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One run of the function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// How it ended.
    pub container: Container,
    /// Epoch milliseconds.
    pub started_at: i64,
    /// Epoch milliseconds.
    pub stopped_at: i64,
    /// Why it ended.
    pub status_reason: String,
}

/// `RetryStrategy`: how many attempts a job gets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetryStrategy {
    /// 1 to 10 (AWS Batch's bounds).
    pub attempts: u32,
}

/// `Timeout`: how long one attempt may run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobTimeout {
    /// At least 60 (AWS Batch's minimum).
    pub attempt_duration_seconds: u64,
}

/// A job, as stored (kind `batch.job`, keyed by its id) and, without the fields marked
/// internal, as DescribeJobs answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// `arn:aws:batch:REGION:ACCOUNT:job/ID`.
    pub job_arn: String,
    /// A UUID.
    pub job_id: String,
    /// As submitted.
    pub job_name: String,
    /// The queue's ARN (recorded only: every job runs at once).
    pub job_queue: String,
    /// The job definition's ARN.
    pub job_definition: String,
    /// Where it is.
    pub status: JobStatus,
    /// Why it is there (for FAILED: why it failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Epoch milliseconds.
    pub created_at: i64,
    /// When the first attempt started, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    /// When it ended, epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<i64>,
    /// The `Parameters` map.
    pub parameters: BTreeMap<String, String>,
    /// How many attempts it gets.
    pub retry_strategy: RetryStrategy,
    /// The cap on each attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<JobTimeout>,
    /// The attempts made, oldest first.
    pub attempts: Vec<Attempt>,
    /// How the last attempt ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// Internal: `ContainerOverrides`, handed to the function as they were submitted.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub container_overrides: Value,
    /// Internal: the function the job definition names.
    pub function: String,
}

impl Job {
    /// The DescribeJobs `JobDetail` object (camelCase, as the REST API answers).
    pub fn describe(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("function");
            o.remove("containerOverrides");
        }
        v
    }

    /// The ListJobs `JobSummary` object.
    pub fn summary(&self) -> Value {
        let mut v = serde_json::json!({
            "jobArn": self.job_arn,
            "jobId": self.job_id,
            "jobName": self.job_name,
            "jobDefinition": self.job_definition,
            "createdAt": self.created_at,
            "status": self.status,
        });
        let o = v.as_object_mut().expect("an object literal");
        if let Some(r) = &self.status_reason {
            o.insert("statusReason".into(), r.clone().into());
        }
        if let Some(t) = self.started_at {
            o.insert("startedAt".into(), t.into());
        }
        if let Some(t) = self.stopped_at {
            o.insert("stoppedAt".into(), t.into());
        }
        if let Some(c) = &self.container {
            o.insert(
                "container".into(),
                serde_json::to_value(c).unwrap_or_default(),
            );
        }
        v
    }

    /// What the function is given: `{"jobId", "jobName", "parameters", "containerOverrides"}`
    /// (`containerOverrides` is `{}` when none were submitted).
    pub fn function_input(&self) -> Value {
        let overrides = match &self.container_overrides {
            Value::Null => Value::Object(Map::new()),
            v => v.clone(),
        };
        serde_json::json!({
            "jobId": self.job_id,
            "jobName": self.job_name,
            "parameters": self.parameters,
            "containerOverrides": overrides,
        })
    }
}

/// The job a Step Functions state sees: DescribeJobs' object with its field names in
/// PascalCase, as Step Functions' `submitJob.sync` returns it. The keys of `Parameters` are the
/// user's own and stay as they are.
pub fn pascal_case(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| {
                    let v = if k == "parameters" { v } else { pascal_case(v) };
                    (upper_first(&k), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(pascal_case).collect()),
        v => v,
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A SubmitJob request, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitJob {
    /// `JobName`.
    pub job_name: String,
    /// `JobQueue`'s name (the part after `job-queue/` of an ARN).
    pub queue: String,
    /// The job definition's name: the function to run.
    pub definition: String,
    /// The job definition's revision (1 when not given).
    pub revision: u32,
    /// `Parameters`.
    pub parameters: BTreeMap<String, String>,
    /// `ContainerOverrides`, as given.
    pub container_overrides: Value,
    /// `RetryStrategy.Attempts` (1 when not given).
    pub attempts: u32,
    /// `Timeout.AttemptDurationSeconds`.
    pub timeout: Option<u64>,
}

/// AWS Batch's bounds on RetryStrategy.attempts.
const ATTEMPTS: std::ops::RangeInclusive<u64> = 1..=10;
/// AWS Batch refuses attempt timeouts under a minute.
const MIN_TIMEOUT_SECONDS: u64 = 60;

/// The field `name` of `o`, whatever the case of its letters.
fn field<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn string<'a>(o: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match field(o, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{name} must be a string, not {other}")),
    }
}

/// AWS Batch's rule for job, definition and queue names: 1 to 128 letters, digits, hyphens
/// and underscores.
pub fn is_valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads a job definition: `NAME`, `NAME:REVISION`, or
/// `arn:aws:batch:REGION:ACCOUNT:job-definition/NAME[:REVISION]`.
pub fn parse_definition(s: &str) -> Option<(&str, u32)> {
    let rest = match Arn::parse(s) {
        Some(arn) if arn.service == "batch" => arn.resource.strip_prefix("job-definition/")?,
        Some(_) => return None,
        None => s,
    };
    let (name, revision) = match rest.split_once(':') {
        Some((name, rev)) => (name, rev.parse::<u32>().ok().filter(|r| *r > 0)?),
        None => (rest, 1),
    };
    is_valid_name(name).then_some((name, revision))
}

/// Reads a job queue: a name or `arn:aws:batch:REGION:ACCOUNT:job-queue/NAME`.
pub fn parse_queue(s: &str) -> Option<&str> {
    let name = match Arn::parse(s) {
        Some(arn) => arn.resource.strip_prefix("job-queue/")?,
        None => s,
    };
    is_valid_name(name).then_some(name)
}

impl SubmitJob {
    /// Reads a SubmitJob request; the error is the message of Batch's ClientException.
    pub fn parse(request: &Value) -> Result<SubmitJob, String> {
        let Some(o) = request.as_object() else {
            return Err(format!("the request must be a JSON object, not {request}"));
        };
        let required = |name: &str| -> Result<&str, String> {
            string(o, name)?.ok_or_else(|| format!("{name} is required"))
        };
        let job_name = required("jobName")?;
        if !is_valid_name(job_name) {
            return Err(format!(
                "Error executing request, Exception : JobName '{job_name}' must be 1 to 128 letters (uppercase and lowercase), numbers, hyphens and underscores"
            ));
        }
        let queue_text = required("jobQueue")?;
        let queue = parse_queue(queue_text)
            .ok_or_else(|| format!("JobQueue '{queue_text}' is not a job queue name or ARN"))?;
        let definition_text = required("jobDefinition")?;
        let (definition, revision) = parse_definition(definition_text).ok_or_else(|| {
            format!(
                "JobDefinition '{definition_text}' is not a job definition name, name:revision or ARN"
            )
        })?;
        let parameters = match field(o, "parameters") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(p)) => p
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(format!(
                        "Parameters must map names to strings; '{k}' is {other}"
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("Parameters must be an object, not {other}")),
        };
        let container_overrides = match field(o, "containerOverrides") {
            None | Some(Value::Null) => Value::Null,
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                return Err(format!("ContainerOverrides must be an object, not {other}"));
            }
        };
        let attempts = match field(o, "retryStrategy") {
            None | Some(Value::Null) => 1,
            Some(Value::Object(r)) => match field(r, "attempts") {
                None => 1,
                Some(n) => n.as_u64().filter(|n| ATTEMPTS.contains(n)).ok_or_else(|| {
                    format!("RetryStrategy.attempts must be an integer from 1 to 10, not {n}")
                })? as u32,
            },
            Some(other) => return Err(format!("RetryStrategy must be an object, not {other}")),
        };
        let timeout = match field(o, "timeout") {
            None | Some(Value::Null) => None,
            Some(Value::Object(t)) => match field(t, "attemptDurationSeconds") {
                None => None,
                Some(n) => Some(n.as_u64().filter(|n| *n >= MIN_TIMEOUT_SECONDS).ok_or_else(
                    || {
                        format!(
                            "Timeout.attemptDurationSeconds must be an integer of at least {MIN_TIMEOUT_SECONDS}, not {n}"
                        )
                    },
                )?),
            },
            Some(other) => return Err(format!("Timeout must be an object, not {other}")),
        };
        Ok(SubmitJob {
            job_name: job_name.to_owned(),
            queue: queue.to_owned(),
            definition: definition.to_owned(),
            revision,
            parameters,
            container_overrides,
            attempts,
            timeout,
        })
    }
}

#[cfg(test)]
mod tests;

//! Activities: Create, Describe, Delete and List, and GetActivityTask, with which workers take
//! the tasks scheduled on them (they answer through `tasks.rs`).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::input::{
    MAX_TAGS, Tag, check_max_chars, check_name, check_tags, decode_token, encode_token, page_after,
    page_size, parse, states_arn, timestamp,
};
use crate::arn::Identity;
use crate::executor::Clock;
use crate::host::callbacks::TakeError;
use crate::host::{Activities, Host};
use crate::integrations::activity::MAX_POLL;
use crate::store::ActivityRecord;

/// What the activity actions use.
#[derive(Clone)]
pub struct ActivitiesApi {
    /// The activities.
    pub activities: Arc<Activities>,
    /// Region and account of new ARNs.
    pub identity: Identity,
    /// Creation times.
    pub clock: Clock,
}

impl axum::extract::FromRef<Host> for ActivitiesApi {
    fn from_ref(host: &Host) -> Self {
        ActivitiesApi {
            activities: host.activities.clone(),
            identity: host.identity.clone(),
            clock: host.clock,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: String,
    #[serde(default)]
    tags: Vec<Tag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArnInput {
    activity_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetTaskInput {
    activity_arn: String,
    worker_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// The activity an ARN names, or AWS's errors.
pub fn find(api: &ActivitiesApi, arn: &str) -> Result<ActivityRecord, ApiError> {
    states_arn(arn, &["activity"])?;
    api.activities
        .get(arn)
        .ok_or_else(|| ApiError::ActivityDoesNotExist(format!("Activity Does Not Exist: '{arn}'")))
}

pub(super) async fn create(api: &ActivitiesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: CreateInput = parse(input)?;
    check_name(&input.name)?;
    check_tags(&input.tags)?;
    let tags: std::collections::BTreeMap<String, String> = input
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    crate::host::activities::pool_of(&tags)
        .map_err(|e| ApiError::ValidationException(e.to_string()))?;
    let arn = api.identity.states_arn("activity", &input.name);
    if input.tags.len() > MAX_TAGS {
        return Err(ApiError::TooManyTags {
            message: format!("Too many tags: {} (at most {MAX_TAGS})", input.tags.len()),
            resource_name: arn,
        });
    }
    // As AWS: CreateActivity is idempotent; an existing activity is returned as it is.
    if let Some(existing) = api.activities.get(&arn) {
        return Ok(json!({"activityArn": arn, "creationDate": timestamp(existing.created_ms)}));
    }
    let record = ActivityRecord {
        arn: arn.clone(),
        name: input.name,
        created_ms: api.clock.now_ms(),
        tags,
    };
    let created = record.created_ms;
    api.activities.put(record).await?;
    Ok(json!({"activityArn": arn, "creationDate": timestamp(created)}))
}

pub(super) fn describe(api: &ActivitiesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ArnInput = parse(input)?;
    let a = find(api, &input.activity_arn)?;
    Ok(json!({"activityArn": a.arn, "name": a.name, "creationDate": timestamp(a.created_ms)}))
}

pub(super) async fn delete(api: &ActivitiesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ArnInput = parse(input)?;
    states_arn(&input.activity_arn, &["activity"])?;
    api.activities.delete(&input.activity_arn).await?;
    Ok(json!({}))
}

pub(super) fn list(api: &ActivitiesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let size = page_size(input.max_results)?;
    let after = input
        .next_token
        .as_deref()
        .map(|t| decode_token("activities", t))
        .transpose()?;
    let all = api.activities.list();
    let (page, next) = page_after(&all, |a| &a.arn, after.as_deref(), size);
    let items: Vec<Value> = page
        .iter()
        .map(|a| json!({"activityArn": a.arn, "name": a.name, "creationDate": timestamp(a.created_ms)}))
        .collect();
    let mut out = json!({ "activities": items });
    if let Some(last) = next {
        out["nextToken"] = encode_token("activities", last).into();
    }
    Ok(out)
}

/// GetActivityTask: waits up to 60 s for a task of the activity; an empty answer when none
/// came, as AWS.
pub(super) async fn get_task(api: &ActivitiesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: GetTaskInput = parse(input)?;
    if let Some(worker) = &input.worker_name {
        check_max_chars("workerName", Some(worker), 80)?;
    }
    let activity = find(api, &input.activity_arn)?;
    let task = api
        .activities
        .take(&activity.name, input.worker_name, MAX_POLL)
        .await
        .map_err(|e| match e {
            TakeError::NoSuchActivity(e) => ApiError::ActivityDoesNotExist(e.to_string()),
            TakeError::Store(e) => ApiError::from(e),
        })?;
    Ok(match task {
        Some(task) => json!({"taskToken": task.token, "input": task.input}),
        None => json!({}),
    })
}

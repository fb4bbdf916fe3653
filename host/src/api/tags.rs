//! Tags on state machines and activities: TagResource, UntagResource, ListTagsForResource.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::input::{MAX_TAGS, Tag, check_tags, parse, states_arn};
use crate::host::{Activities, Host, Machine, Machines};

/// What the tag actions use: the two kinds of resource that have tags.
#[derive(Clone)]
pub struct TagsApi {
    /// Activities.
    pub activities: Arc<Activities>,
    /// State machines.
    pub machines: Arc<Machines>,
}

impl axum::extract::FromRef<Host> for TagsApi {
    fn from_ref(host: &Host) -> Self {
        TagsApi {
            activities: host.activities.clone(),
            machines: host.machines.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TagInput {
    resource_arn: String,
    tags: Vec<Tag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UntagInput {
    resource_arn: String,
    tag_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    resource_arn: String,
}

fn not_found(arn: &str) -> ApiError {
    ApiError::ResourceNotFound(format!("Resource not found: '{arn}'"))
}

/// The tags of the resource `arn` names.
fn tags_of(api: &TagsApi, arn: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let parsed = states_arn(arn, &["stateMachine", "activity"])?;
    let tags = if parsed.kind == "activity" {
        api.activities.get(arn).map(|a| a.tags)
    } else {
        api.machines.get(arn).map(|m| m.record.tags.clone())
    };
    tags.ok_or_else(|| not_found(arn))
}

/// Stores new tags on the resource `arn` names.
async fn set_tags(
    api: &TagsApi,
    arn: &str,
    tags: BTreeMap<String, String>,
) -> Result<(), ApiError> {
    if arn.contains(":activity:") {
        let mut a = api.activities.get(arn).ok_or_else(|| not_found(arn))?;
        crate::host::activities::pool_of(&tags)
            .map_err(|e| ApiError::ValidationException(e.to_string()))?;
        a.tags = tags;
        api.activities.put(a).await?;
    } else {
        let current = api.machines.get(arn).ok_or_else(|| not_found(arn))?;
        let mut m = Machine::clone(&current);
        m.record.tags = tags;
        api.machines.put(m, false).await?;
    }
    Ok(())
}

pub(super) async fn tag(api: &TagsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: TagInput = parse(input)?;
    check_tags(&input.tags)?;
    let mut tags = tags_of(api, &input.resource_arn)?;
    for t in input.tags {
        tags.insert(t.key, t.value);
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::TooManyTags {
            message: format!(
                "Too many tags: the resource would have {} (at most {MAX_TAGS})",
                tags.len()
            ),
            resource_name: input.resource_arn,
        });
    }
    set_tags(api, &input.resource_arn, tags).await?;
    Ok(json!({}))
}

pub(super) async fn untag(api: &TagsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: UntagInput = parse(input)?;
    let mut tags = tags_of(api, &input.resource_arn)?;
    for k in &input.tag_keys {
        tags.remove(k);
    }
    set_tags(api, &input.resource_arn, tags).await?;
    Ok(json!({}))
}

pub(super) fn list(api: &TagsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let tags: Vec<Value> = tags_of(api, &input.resource_arn)?
        .into_iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect();
    Ok(json!({ "tags": tags }))
}

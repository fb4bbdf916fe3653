//! Tags on state machines and activities: TagResource, UntagResource, ListTagsForResource.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::input::{MAX_TAGS, Tag, check_tags, parse, states_arn};
use crate::server::{Machine, Server};

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
fn tags_of(server: &Server, arn: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let parsed = states_arn(arn, &["stateMachine", "activity"])?;
    let tags = if parsed.kind == "activity" {
        server.activity(arn).map(|a| a.tags)
    } else {
        server.machine(arn).map(|m| m.record.tags.clone())
    };
    tags.ok_or_else(|| not_found(arn))
}

/// Stores new tags on the resource `arn` names.
async fn set_tags(
    server: &Arc<Server>,
    arn: &str,
    tags: BTreeMap<String, String>,
) -> Result<(), ApiError> {
    if arn.contains(":activity:") {
        let mut a = server.activity(arn).ok_or_else(|| not_found(arn))?;
        crate::workers::pool_of(&tags).map_err(ApiError::ValidationException)?;
        a.tags = tags;
        server.put_activity(a).await?;
    } else {
        let current = server.machine(arn).ok_or_else(|| not_found(arn))?;
        let mut m = Machine::clone(&current);
        m.record.tags = tags;
        server.put_machine(m, false).await?;
    }
    Ok(())
}

pub(super) async fn tag(server: &Arc<Server>, input: &[u8]) -> Result<Value, ApiError> {
    let input: TagInput = parse(input)?;
    check_tags(&input.tags)?;
    let mut tags = tags_of(server, &input.resource_arn)?;
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
    set_tags(server, &input.resource_arn, tags).await?;
    Ok(json!({}))
}

pub(super) async fn untag(server: &Arc<Server>, input: &[u8]) -> Result<Value, ApiError> {
    let input: UntagInput = parse(input)?;
    let mut tags = tags_of(server, &input.resource_arn)?;
    for k in &input.tag_keys {
        tags.remove(k);
    }
    set_tags(server, &input.resource_arn, tags).await?;
    Ok(json!({}))
}

pub(super) fn list(server: &Arc<Server>, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let tags: Vec<Value> = tags_of(server, &input.resource_arn)?
        .into_iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect();
    Ok(json!({ "tags": tags }))
}

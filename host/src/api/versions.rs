//! Versions and aliases of state machines: PublishStateMachineVersion,
//! ListStateMachineVersions, DeleteStateMachineVersion, and
//! Create/Describe/Update/Delete/ListStateMachineAliases, with AWS's rules and messages
//! (`aws-recordings/v2/test_sfn_api_versioning*`, `test_sfn_api_aliasing*`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::input::{
    check_max_chars, decode_token, encode_token, page_after, page_size, parse, states_arn,
    timestamp,
};
use super::lookup;
use super::machines::MachinesApi;
use crate::host::{Alias, Route, VersionError};

/// Longest description of a version or an alias (AWS).
const MAX_DESCRIPTION_CHARS: usize = 256;
/// Longest alias name (AWS).
const MAX_ALIAS_NAME_CHARS: usize = 80;

impl From<VersionError> for ApiError {
    fn from(e: VersionError) -> Self {
        match e {
            VersionError::Store(e) => e.into(),
            VersionError::Missing(m) => ApiError::StateMachineDoesNotExist(m),
            VersionError::Conflict(m) => ApiError::ConflictException(m),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishInput {
    state_machine_arn: String,
    revision_id: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    state_machine_arn: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionArnInput {
    state_machine_version_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RouteInput {
    state_machine_version_arn: String,
    weight: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateAliasInput {
    name: String,
    description: Option<String>,
    routing_configuration: Vec<RouteInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AliasArnInput {
    state_machine_alias_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateAliasInput {
    state_machine_alias_arn: String,
    description: Option<String>,
    routing_configuration: Option<Vec<RouteInput>>,
}

/// The machine a version's or alias's ARN belongs to: the ARN without its last field.
pub(super) fn machine_of(qualified: &str) -> Option<&str> {
    let (machine, qualifier) = qualified.rsplit_once(':')?;
    // `...:stateMachine:NAME` has exactly one field after the resource type.
    let fields = machine.split(':').count();
    (fields == 7 && !qualifier.is_empty()).then_some(machine)
}

/// Whether a qualifier names a version (a number) rather than an alias.
pub(super) fn is_version_qualifier(qualified: &str) -> bool {
    machine_of(qualified).is_some()
        && qualified
            .rsplit(':')
            .next()
            .is_some_and(|q| q.bytes().all(|b| b.is_ascii_digit()))
}

/// PublishStateMachineVersion.
pub(super) async fn publish(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: PublishInput = parse(input)?;
    states_arn(&input.state_machine_arn, &["stateMachine"])
        .map_err(|_| invalid_prefix(&input.state_machine_arn))?;
    check_max_chars(
        "description",
        input.description.as_deref(),
        MAX_DESCRIPTION_CHARS,
    )?;
    let version = api
        .machines
        .publish(
            &input.state_machine_arn,
            input.revision_id.as_deref(),
            input.description,
            api.clock.now_ms(),
        )
        .await?;
    Ok(json!({
        "creationDate": timestamp(version.record.created_ms),
        "stateMachineVersionArn": version.record.arn,
    }))
}

/// AWS's refusal of an ARN that is not a Step Functions one.
fn invalid_prefix(arn: &str) -> ApiError {
    ApiError::InvalidArn(format!("Invalid Arn: 'Invalid ARN prefix: {arn}'"))
}

/// ListStateMachineVersions, newest first.
pub(super) fn list_versions(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let machine = lookup::machine(&api.machines, &input.state_machine_arn)?;
    let size = page_size(input.max_results)?;
    check_max_chars("nextToken", input.next_token.as_deref(), 1024)?;
    let list = format!("versions {}", machine.record.arn);
    let after = input
        .next_token
        .as_deref()
        .map(|t| decode_token(&list, t))
        .transpose()?;
    // Newest first; the token is the number of the last version shown.
    let below = after
        .map(|t| {
            t.parse::<u64>()
                .map_err(|_| ApiError::InvalidToken("Invalid Token: 'Invalid token'".into()))
        })
        .transpose()?;
    let versions: Vec<_> = api
        .machines
        .versions_of(&machine.record.arn)
        .into_iter()
        .filter(|v| below.is_none_or(|b| v.record.version_number().unwrap_or(0) < b))
        .collect();
    let page = &versions[..size.min(versions.len())];
    let next = (versions.len() > size)
        .then(|| page.last().and_then(|v| v.record.version_number()))
        .flatten();
    let items: Vec<Value> = page
        .iter()
        .map(|v| {
            json!({
                "stateMachineVersionArn": v.record.arn,
                "creationDate": timestamp(v.record.created_ms),
            })
        })
        .collect();
    let mut out = json!({"stateMachineVersions": items});
    if let Some(last) = next {
        out["nextToken"] = encode_token(&list, &last.to_string()).into();
    }
    Ok(out)
}

/// DeleteStateMachineVersion: succeeds for a version that does not exist (AWS).
pub(super) async fn delete_version(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: VersionArnInput = parse(input)?;
    let arn = &input.state_machine_version_arn;
    states_arn(arn, &["stateMachine"])?;
    if !is_version_qualifier(arn) {
        return Err(ApiError::ValidationException(format!(
            "Invalid Arn: '{arn}' is not the ARN of a state machine version"
        )));
    }
    api.machines.delete_version(arn).await?;
    Ok(json!({}))
}

/// An alias's name as AWS allows it: 1 to 80 letters, digits, `_`, `-` and `.`, not all
/// digits (so that it cannot be taken for a version number).
fn check_alias_name(name: &str) -> Result<(), ApiError> {
    if name.chars().count() > MAX_ALIAS_NAME_CHARS {
        return Err(ApiError::ValidationException(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to {MAX_ALIAS_NAME_CHARS}"
        )));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let has_non_digit = name.chars().any(|c| !c.is_ascii_digit());
    if name.is_empty() || !name.chars().all(allowed) || !has_non_digit {
        return Err(ApiError::ValidationException(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$"
        )));
    }
    Ok(())
}

/// A routing configuration as AWS takes it: one or two versions of one machine, weights
/// from 0 to 100 summing to 100, in AWS's words. Returns the machine and the routes.
fn routes(config: &[RouteInput]) -> Result<(String, Vec<Route>), ApiError> {
    if config.is_empty() {
        return Err(ApiError::ValidationException(
            "1 validation error detected: Value '[]' at 'routingConfiguration' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
        ));
    }
    if config.len() > 2 {
        let items: Vec<String> = config
            .iter()
            .map(|r| {
                format!(
                    "RoutingConfigurationListItem(stateMachineVersionArn={}, weight={})",
                    r.state_machine_version_arn, r.weight
                )
            })
            .collect();
        return Err(ApiError::ValidationException(format!(
            "1 validation error detected: Value '[{}]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2",
            items.join(", ")
        )));
    }
    let received: Vec<&str> = config
        .iter()
        .map(|r| r.state_machine_version_arn.as_str())
        .collect();
    if !received.iter().all(|a| is_version_qualifier(a)) {
        return Err(ApiError::ValidationException(format!(
            "Routing configuration must contain state machine version ARNs. Received: [{}]",
            received.join(", ")
        )));
    }
    let machine = machine_of(received[0]).unwrap_or_default().to_owned();
    if received
        .iter()
        .any(|a| machine_of(a) != Some(machine.as_str()))
    {
        return Err(ApiError::ValidationException(
            "Routing configuration must contain versions of the same state machine".into(),
        ));
    }
    if received.len() == 2 && received[0] == received[1] {
        return Err(ApiError::ValidationException(format!(
            "Routing configuration must contain distinct state machine version ARNs. Received: [{}]",
            received.join(", ")
        )));
    }
    for (i, r) in config.iter().enumerate() {
        let bound = if r.weight > 100 {
            "less than or equal to 100"
        } else if r.weight < 0 {
            "greater than or equal to 0"
        } else {
            continue;
        };
        return Err(ApiError::ValidationException(format!(
            "1 validation error detected: Value '{}' at 'routingConfiguration.{}.member.weight' failed to satisfy constraint: Member must have value {bound}",
            r.weight,
            i + 1
        )));
    }
    let total: i64 = config.iter().map(|r| r.weight).sum();
    if total != 100 {
        let weights: Vec<String> = config.iter().map(|r| r.weight.to_string()).collect();
        return Err(ApiError::ValidationException(format!(
            "Sum of routing configuration weights must equal 100. Received: [{}]",
            weights.join(", ")
        )));
    }
    let routes = config
        .iter()
        .map(|r| Route {
            version_arn: r.state_machine_version_arn.clone(),
            weight: r.weight as u32,
        })
        .collect();
    Ok((machine, routes))
}

/// CreateStateMachineAlias: the same alias again is idempotent; another with its name
/// conflicts.
pub(super) async fn create_alias(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: CreateAliasInput = parse(input)?;
    check_alias_name(&input.name)?;
    check_max_chars(
        "description",
        input.description.as_deref(),
        MAX_DESCRIPTION_CHARS,
    )?;
    let (machine, routes) = routes(&input.routing_configuration)?;
    lookup::machine(&api.machines, &machine)?;
    let arn = format!("{machine}:{}", input.name);
    if let Some(existing) = api.machines.alias(&arn) {
        if existing.routes == routes && existing.description == input.description {
            return Ok(json!({
                "creationDate": timestamp(existing.created_ms),
                "stateMachineAliasArn": arn,
            }));
        }
        return Err(ApiError::ConflictException(
            "Failed to create alias because an alias with the same name and a different routing configuration already exists.".into(),
        ));
    }
    let now = api.clock.now_ms();
    api.machines
        .put_alias(Alias {
            arn: arn.clone(),
            name: input.name,
            machine_arn: machine,
            description: input.description,
            routes,
            created_ms: now,
            updated_ms: now,
        })
        .await?;
    Ok(json!({"creationDate": timestamp(now), "stateMachineAliasArn": arn}))
}

fn alias_not_found() -> ApiError {
    ApiError::ResourceNotFound("Request references a resource that does not exist.".into())
}

/// The alias an ARN names, or AWS's errors.
fn lookup_alias(api: &MachinesApi, arn: &str) -> Result<Alias, ApiError> {
    states_arn(arn, &["stateMachine"])?;
    if machine_of(arn).is_none() || is_version_qualifier(arn) {
        return Err(ApiError::InvalidArn(format!("Invalid Arn: '{arn}'")));
    }
    api.machines.alias(arn).ok_or_else(alias_not_found)
}

fn routing_json(alias: &Alias) -> Value {
    alias
        .routes
        .iter()
        .map(|r| json!({"stateMachineVersionArn": r.version_arn, "weight": r.weight}))
        .collect()
}

/// DescribeStateMachineAlias.
pub(super) fn describe_alias(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: AliasArnInput = parse(input)?;
    let alias = lookup_alias(api, &input.state_machine_alias_arn)?;
    let mut out = json!({
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "routingConfiguration": routing_json(&alias),
        "creationDate": timestamp(alias.created_ms),
        "updateDate": timestamp(alias.updated_ms),
    });
    if let Some(d) = &alias.description {
        out["description"] = d.clone().into();
    }
    Ok(out)
}

/// UpdateStateMachineAlias.
pub(super) async fn update_alias(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: UpdateAliasInput = parse(input)?;
    if input.description.is_none() && input.routing_configuration.is_none() {
        return Err(ApiError::ValidationException(
            "Either the description or the routingConfiguration must be specified".into(),
        ));
    }
    let mut alias = lookup_alias(api, &input.state_machine_alias_arn)?;
    if let Some(d) = input.description {
        check_max_chars("description", Some(&d), MAX_DESCRIPTION_CHARS)?;
        alias.description = Some(d);
    }
    if let Some(config) = input.routing_configuration {
        let (machine, routes) = routes(&config)?;
        if machine != alias.machine_arn {
            return Err(ApiError::ValidationException(
                "Routing configuration must contain versions of the alias's state machine".into(),
            ));
        }
        alias.routes = routes;
    }
    alias.updated_ms = api.clock.now_ms();
    let updated = alias.updated_ms;
    api.machines.put_alias(alias).await?;
    Ok(json!({"updateDate": timestamp(updated)}))
}

/// DeleteStateMachineAlias: succeeds for an alias that does not exist (AWS).
pub(super) async fn delete_alias(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: AliasArnInput = parse(input)?;
    let arn = &input.state_machine_alias_arn;
    states_arn(arn, &["stateMachine"])?;
    api.machines.delete_alias(arn).await?;
    Ok(json!({}))
}

/// ListStateMachineAliases, oldest first.
pub(super) fn list_aliases(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let machine = lookup::machine(&api.machines, &input.state_machine_arn)?;
    let size = page_size(input.max_results)?;
    let list = format!("aliases {}", machine.record.arn);
    let after = input
        .next_token
        .as_deref()
        .map(|t| {
            decode_token(&list, t)
                .map_err(|_| ApiError::InvalidToken(format!("Invalid Token: '{t}'")))
        })
        .transpose()?;
    // Oldest first; the token is the position (creation time and ARN) of the last shown.
    let position = |a: &Alias| format!("{:020}\n{}", a.created_ms, a.arn);
    let mut aliases: Vec<(String, Alias)> = api
        .machines
        .aliases_of(&machine.record.arn)
        .into_iter()
        .map(|a| (position(&a), a))
        .collect();
    aliases.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, next) = page_after(&aliases, |(p, _)| p, after.as_deref(), size);
    let items: Vec<Value> = page
        .iter()
        .map(|(_, a)| {
            json!({
                "stateMachineAliasArn": a.arn,
                "creationDate": timestamp(a.created_ms),
            })
        })
        .collect();
    let mut out = json!({"stateMachineAliases": items});
    if let Some(last) = next {
        out["nextToken"] = encode_token(&list, last).into();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_name_versions_or_aliases() {
        let m = "arn:aws:states:us-east-1:123456789012:stateMachine:m";
        assert_eq!(machine_of(&format!("{m}:3")), Some(m));
        assert!(is_version_qualifier(&format!("{m}:3")));
        assert!(!is_version_qualifier(&format!("{m}:prod")));
        assert_eq!(machine_of(m), None);
        assert!(check_alias_name("prod-1.x").is_ok());
        assert!(check_alias_name("123").is_err());
        assert!(check_alias_name("INVALID ALIAS").is_err());
    }
}

//! State machines: Create, Describe, Update, Delete, List, DescribeStateMachineForExecution
//! and ValidateStateMachineDefinition.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::input::{
    MAX_DEFINITION_BYTES, Tag, check_name, check_tags, decode_token, encode_token, page_after,
    page_size, parse, states_arn, timestamp,
};
use super::lookup;
use crate::arn::Identity;
use crate::asl::diagnostic::{Diagnostic, InvalidDefinition};
use crate::asl::validate;
use crate::executor::Clock;
use crate::host::{DefinitionError, Executions, Host, Machine, Machines};
use crate::integrations::Pattern;
use crate::integrations::TaskResources;
use crate::store::{MachineRecord, MachineType};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    name: String,
    definition: String,
    role_arn: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    logging_configuration: Option<Value>,
    tracing_configuration: Option<Value>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    publish: bool,
    version_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArnInput {
    state_machine_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateInput {
    state_machine_arn: String,
    definition: Option<String>,
    role_arn: Option<String>,
    logging_configuration: Option<Value>,
    tracing_configuration: Option<Value>,
    description: Option<String>,
    #[serde(default)]
    publish: bool,
    version_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidateInput {
    definition: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    max_results: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecutionArnInput {
    execution_arn: String,
}

fn machine_type(kind: Option<&str>) -> Result<MachineType, ApiError> {
    match kind {
        None | Some("STANDARD") => Ok(MachineType::Standard),
        Some("EXPRESS") => Ok(MachineType::Express),
        Some(other) => Err(ApiError::constraint(
            "type",
            &format!("Member must satisfy enum value set: [STANDARD, EXPRESS] (got '{other}')"),
        )),
    }
}

fn type_name(kind: MachineType) -> &'static str {
    match kind {
        MachineType::Standard => "STANDARD",
        MachineType::Express => "EXPRESS",
    }
}

fn check_role(role_arn: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && !account.is_empty()
                && resource.starts_with("role/") =>
        {
            Ok(())
        }
        _ => Err(ApiError::InvalidArn(format!("Invalid Arn: '{role_arn}'"))),
    }
}

/// Checks a definition as CreateStateMachine does: size, then every static rule.
fn check_definition(definition: &str) -> Result<(), ApiError> {
    check_definition_size(definition)?;
    validate::parse_definition(definition.as_bytes())
        .map(|_| ())
        .map_err(|e| invalid_definition(&e))
}

/// A definition is at most 1 MiB.
pub(super) fn check_definition_size(definition: &str) -> Result<(), ApiError> {
    if definition.len() > MAX_DEFINITION_BYTES {
        return Err(ApiError::constraint(
            "definition",
            "Member must have length less than or equal to 1048576",
        ));
    }
    Ok(())
}

fn check_logging(logging: Option<&Value>) -> Result<(), ApiError> {
    let Some(logging) = logging else {
        return Ok(());
    };
    match logging.get("level").and_then(Value::as_str) {
        None | Some("ALL" | "ERROR" | "FATAL" | "OFF") => Ok(()),
        Some(other) => Err(ApiError::InvalidLoggingConfiguration(format!(
            "Invalid Logging Configuration: level '{other}' is not ALL, ERROR, FATAL or OFF"
        ))),
    }
}

fn check_tracing(tracing: Option<&Value>) -> Result<(), ApiError> {
    match tracing.and_then(|t| t.get("enabled")) {
        None | Some(Value::Bool(_)) => Ok(()),
        Some(_) => Err(ApiError::InvalidTracingConfiguration(
            "Invalid Tracing Configuration: 'enabled' must be true or false".into(),
        )),
    }
}

/// What the state machine actions use.
#[derive(Clone)]
pub struct MachinesApi {
    /// The machines.
    pub machines: Arc<Machines>,
    /// Their executions, stopped when a machine is deleted.
    pub executions: Arc<Executions>,
    /// What a Task can run, to check each Resource.
    pub resources: Arc<TaskResources>,
    /// Stored definitions, for DescribeStateMachineForExecution.
    pub store: Arc<dyn crate::store::Store>,
    /// Region and account of new ARNs.
    pub identity: Identity,
    /// Creation and update times.
    pub clock: Clock,
}

impl axum::extract::FromRef<Host> for MachinesApi {
    fn from_ref(host: &Host) -> Self {
        MachinesApi {
            machines: host.machines.clone(),
            executions: host.executions.clone(),
            resources: host.services.resources.clone(),
            store: host.store.clone(),
            identity: host.identity.clone(),
            clock: host.clock,
        }
    }
}

/// Compiles a machine whose definition passed the static checks, after checking that this
/// host can run every Task's Resource in the pattern it asks for (and, for an Express machine,
/// that it asks for none that Express workflows do not support).
fn compile(api: &MachinesApi, record: MachineRecord) -> Result<Machine, ApiError> {
    let definition: Value = serde_json::from_str(&record.definition).unwrap_or_default();
    check_resources(&api.resources, &definition, record.kind)?;
    Machine::compile(record).map_err(definition_error)
}

/// AWS's InvalidDefinition for each Task whose Resource this host cannot run in the pattern
/// it asks for, or that a machine of type `kind` may not use.
pub(super) fn check_resources(
    resources: &TaskResources,
    definition: &Value,
    kind: MachineType,
) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (location, resource) in task_resources(definition) {
        if let Err(e) = resources.check(resource) {
            problems.push(Diagnostic::schema(e.to_string(), location));
        } else if kind == MachineType::Express
            && let Some(what) = unsupported_by_express(resource)
        {
            problems.push(Diagnostic::schema(
                format!("Express state machine does not support {what}"),
                location,
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid_definition(&InvalidDefinition::from(problems)))
    }
}

/// AWS's InvalidDefinition for a definition that did not validate or compile.
pub(super) fn definition_error(e: DefinitionError) -> ApiError {
    match e {
        DefinitionError::Invalid(d) => invalid_definition(&d),
        other => {
            ApiError::InvalidDefinition(format!("Invalid State Machine Definition: '{other}'"))
        }
    }
}

/// AWS's InvalidDefinition, naming every problem.
fn invalid_definition(problems: &InvalidDefinition) -> ApiError {
    ApiError::InvalidDefinition(format!("Invalid State Machine Definition: '{problems}'"))
}

/// What an Express workflow cannot run (AWS: activities, `.sync`, `.waitForTaskToken`).
fn unsupported_by_express(resource: &str) -> Option<&'static str> {
    match crate::integrations::Resource::parse(resource)? {
        crate::integrations::Resource::Activity { .. } => Some("activities"),
        crate::integrations::Resource::Service { pattern, .. } => match pattern {
            Pattern::RunJob | Pattern::RunJob2 => Some("'.sync' service integration"),
            Pattern::WaitForTaskToken => Some("'.waitForTaskToken' service integration"),
            Pattern::RequestResponse => None,
        },
        crate::integrations::Resource::LambdaFunction { .. } => None,
    }
}

/// Every Task's Resource in a definition, with the JSON pointer of the field, through
/// Parallel branches and Map processors.
fn task_resources(definition: &Value) -> Vec<(String, &str)> {
    fn walk<'v>(machine: &'v Value, prefix: &str, out: &mut Vec<(String, &'v str)>) {
        let Some(states) = machine.get("States").and_then(Value::as_object) else {
            return;
        };
        for (name, state) in states {
            let at = format!(
                "{prefix}/States/{}",
                name.replace('~', "~0").replace('/', "~1")
            );
            if state["Type"] == "Task"
                && let Some(resource) = state["Resource"].as_str()
            {
                out.push((format!("{at}/Resource"), resource));
            }
            if let Some(branches) = state["Branches"].as_array() {
                for (i, branch) in branches.iter().enumerate() {
                    walk(branch, &format!("{at}/Branches/{i}"), out);
                }
            }
            for processor in ["ItemProcessor", "Iterator"] {
                if let Some(p) = state.get(processor) {
                    walk(p, &format!("{at}/{processor}"), out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(definition, "", &mut out);
    out
}

fn revision_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// CreateStateMachine.
pub async fn create(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: CreateInput = parse(input)?;
    check_version_description(input.publish, input.version_description.as_deref())?;
    check_name(&input.name)?;
    check_role(&input.role_arn)?;
    let kind = machine_type(input.kind.as_deref())?;
    check_definition(&input.definition)?;
    check_logging(input.logging_configuration.as_ref())?;
    check_tracing(input.tracing_configuration.as_ref())?;
    check_tags(&input.tags)?;
    let arn = api.identity.states_arn("stateMachine", &input.name);
    if input.tags.len() > super::input::MAX_TAGS {
        return Err(ApiError::TooManyTags {
            message: format!("Too many tags: {} (at most 50)", input.tags.len()),
            resource_name: arn,
        });
    }
    let record = MachineRecord {
        arn: arn.clone(),
        name: input.name,
        definition: input.definition,
        role_arn: input.role_arn,
        kind,
        created_ms: api.clock.now_ms(),
        updated_ms: None,
        revision_id: revision_id(),
        description: input.description,
        logging: input.logging_configuration,
        tracing: input.tracing_configuration,
        tags: input.tags.into_iter().map(|t| (t.key, t.value)).collect(),
        version_of: None,
        next_version: 1,
    };
    let machine = compile(api, record)?;
    let created_ms = machine.record.created_ms;
    let (definition, role, kind) = (
        machine.record.definition.clone(),
        machine.record.role_arn.clone(),
        machine.record.kind,
    );
    if let Some(existing) = api.machines.put(machine, true).await? {
        // As AWS: creating the same machine again is idempotent; a different one conflicts.
        let same = existing.record.definition == definition
            && existing.record.role_arn == role
            && existing.record.kind == kind;
        if !same {
            return Err(ApiError::StateMachineAlreadyExists(format!(
                "State Machine Already Exists: '{arn}'"
            )));
        }
        let mut out = json!({
            "stateMachineArn": arn,
            "creationDate": timestamp(existing.record.created_ms),
        });
        if input.publish {
            let version = publish(api, &arn, input.version_description).await?;
            out["stateMachineVersionArn"] = version.into();
        }
        return Ok(out);
    }
    let mut out = json!({
        "stateMachineArn": arn,
        "creationDate": timestamp(created_ms),
    });
    if input.publish {
        let version = publish(api, &arn, input.version_description).await?;
        out["stateMachineVersionArn"] = version.into();
    }
    Ok(out)
}

/// AWS takes a version description only with `publish`.
fn check_version_description(publish: bool, description: Option<&str>) -> Result<(), ApiError> {
    if description.is_some() && !publish {
        return Err(ApiError::ValidationException(
            "Version description can only be set when publish is true".into(),
        ));
    }
    super::input::check_max_chars("versionDescription", description, 256)
}

/// Publishes the machine's current revision; the version's ARN.
async fn publish(
    api: &MachinesApi,
    arn: &str,
    description: Option<String>,
) -> Result<String, ApiError> {
    let version = api
        .machines
        .publish(arn, None, description, api.clock.now_ms())
        .await?;
    Ok(version.record.arn.clone())
}

fn logging_of(record: &MachineRecord) -> Value {
    record
        .logging
        .clone()
        .unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false}))
}

fn tracing_of(record: &MachineRecord) -> Value {
    record
        .tracing
        .clone()
        .unwrap_or_else(|| json!({"enabled": false}))
}

pub(super) fn describe(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ArnInput = parse(input)?;
    let m = &lookup::machine(&api.machines, &input.state_machine_arn)?.record;
    let mut out = json!({
        "stateMachineArn": m.arn,
        "name": m.name,
        "status": "ACTIVE",
        "definition": m.definition,
        "roleArn": m.role_arn,
        "type": type_name(m.kind),
        "creationDate": timestamp(m.created_ms),
        "loggingConfiguration": logging_of(m),
        "tracingConfiguration": tracing_of(m),
    });
    // AWS shows a revision once the machine has been updated (a version, the revision it
    // was published from).
    if m.updated_ms.is_some() {
        out["revisionId"] = m.revision_id.clone().into();
    }
    if let Some(d) = &m.description {
        out["description"] = d.clone().into();
    }
    Ok(out)
}

/// UpdateStateMachine.
pub async fn update(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: UpdateInput = parse(input)?;
    check_version_description(input.publish, input.version_description.as_deref())?;
    let mut record = lookup::machine(&api.machines, &input.state_machine_arn)?
        .record
        .clone();
    // A version cannot be changed: update the machine and publish another.
    if record.version_of.is_some() {
        return Err(ApiError::StateMachineDoesNotExist(format!(
            "State Machine Does Not Exist: '{}'",
            input.state_machine_arn
        )));
    }
    if input.definition.is_none()
        && input.role_arn.is_none()
        && input.logging_configuration.is_none()
        && input.tracing_configuration.is_none()
        && input.description.is_none()
    {
        return Err(ApiError::MissingRequiredParameter(
            "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified".into(),
        ));
    }
    if let Some(definition) = input.definition {
        check_definition(&definition)?;
        record.definition = definition;
    }
    if let Some(role) = input.role_arn {
        check_role(&role)?;
        record.role_arn = role;
    }
    if let Some(logging) = input.logging_configuration {
        check_logging(Some(&logging))?;
        record.logging = Some(logging);
    }
    if let Some(tracing) = input.tracing_configuration {
        check_tracing(Some(&tracing))?;
        record.tracing = Some(tracing);
    }
    if input.description.is_some() {
        record.description = input.description;
    }
    let now = api.clock.now_ms();
    // An update that changes nothing makes no new revision (AWS answers without one).
    let changed = {
        let old = &lookup::machine(&api.machines, &input.state_machine_arn)?.record;
        (
            &old.definition,
            &old.role_arn,
            &old.logging,
            &old.tracing,
            &old.description,
        ) != (
            &record.definition,
            &record.role_arn,
            &record.logging,
            &record.tracing,
            &record.description,
        )
    };
    let mut out = json!({"updateDate": timestamp(now)});
    if changed {
        record.updated_ms = Some(now);
        record.revision_id = revision_id();
        out["revisionId"] = record.revision_id.clone().into();
    }
    let machine = compile(api, record)?;
    if input.publish {
        let version = api
            .machines
            .put_and_publish(machine, input.version_description, now)
            .await?;
        out["stateMachineVersionArn"] = version.record.arn.clone().into();
    } else {
        api.machines.put(machine, false).await?;
    }
    Ok(out)
}

pub(super) async fn delete(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ArnInput = parse(input)?;
    states_arn(&input.state_machine_arn, &["stateMachine"])?;
    // As AWS: deleting a machine that does not exist succeeds.
    // Its running executions are stopped, as AWS does.
    if api.machines.delete(&input.state_machine_arn).await? {
        api.executions
            .stop_all_of(&input.state_machine_arn, "The state machine was deleted")
            .await;
    }
    Ok(json!({}))
}

pub(super) fn list(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let size = page_size(input.max_results)?;
    let after = input
        .next_token
        .as_deref()
        .map(|t| decode_token("stateMachines", t))
        .transpose()?;
    let machines = api.machines.list();
    let (page, next) = page_after(&machines, |m| &m.record.arn, after.as_deref(), size);
    let items: Vec<Value> = page
        .iter()
        .map(|m| {
            json!({
                "stateMachineArn": m.record.arn,
                "name": m.record.name,
                "type": type_name(m.record.kind),
                "creationDate": timestamp(m.record.created_ms),
            })
        })
        .collect();
    let mut out = json!({ "stateMachines": items });
    if let Some(last) = next {
        out["nextToken"] = encode_token("stateMachines", last).into();
    }
    Ok(out)
}

pub(super) fn describe_for_execution(api: &MachinesApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ExecutionArnInput = parse(input)?;
    let record = lookup::execution(&*api.store, &input.execution_arn)?;
    let definition = api
        .store
        .definition(&record.definition_id)?
        .unwrap_or_default();
    let machine = api
        .machines
        .get(&record.machine_arn)
        .map(|m| m.record.clone());
    let mut out = json!({
        "stateMachineArn": record.machine_arn,
        "name": record.machine_name(),
        "definition": definition,
        "roleArn": record.role_arn,
        "updateDate": timestamp(machine.as_ref().and_then(|m| m.updated_ms).or(machine.as_ref().map(|m| m.created_ms)).unwrap_or(record.start_ms)),
    });
    if let Some(m) = &machine {
        out["loggingConfiguration"] = logging_of(m);
        out["tracingConfiguration"] = tracing_of(m);
        if m.updated_ms.is_some() {
            out["revisionId"] = m.revision_id.clone().into();
        }
    }
    Ok(out)
}

pub(super) fn validate(input: &[u8]) -> Result<Value, ApiError> {
    let input: ValidateInput = parse(input)?;
    machine_type(input.kind.as_deref())?;
    let size = page_size(input.max_results)?;
    let diagnostics = match validate::parse_definition(input.definition.as_bytes()) {
        Ok(_) => Vec::new(),
        Err(d) => d.into_vec(),
    };
    let truncated = diagnostics.len() > size;
    let shown: Vec<_> = diagnostics.into_iter().take(size).collect();
    let result = if shown.is_empty() { "OK" } else { "FAIL" };
    Ok(json!({"result": result, "diagnostics": shown, "truncated": truncated}))
}

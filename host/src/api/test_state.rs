//! TestState: one state run on its own, as AWS's TestState API runs it (with its 2025
//! additions: a whole machine with `stateName`, `mock`, `variables`, `context`,
//! `stateConfiguration`). The request is checked here the way AWS checks it, with AWS's
//! messages; the state runs through the interpreter with a [`Probe`], which stops it once the
//! state is done and says what AWS's `inspectionData` shows.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use stepwise_aws::validate::{self, FieldValidation};

use super::error::ApiError;
use super::executions::execution_input;
use super::input::parse;
use super::machines::{check_definition_size, check_resources, definition_error};
use crate::arn::{Pattern, TaskResource};
use crate::asl::model::State;
use crate::executor::{TaskOutcome, TaskRunner};
use crate::host::machines::compile_definition;
use crate::host::mocks::AnsweringRunner;
use crate::host::{Executions, Host};
use crate::integrations::TaskResources;
use crate::integrations::aws::optimized::result_schema;
use crate::integrations::http::{HttpInvoke, Tracing};
use crate::interp::errors::names;
use crate::interp::probe::{MockedChildren, Probe, Verdict};
use crate::interp::{ExecutionInfo, Failure, MAX_PAYLOAD_BYTES, Program, Status};
use crate::store::MachineType;

/// AWS stops a TestState call after five minutes, with States.Timeout.
const TIME_LIMIT: Duration = Duration::from_secs(300);

/// The name a lone state runs under (AWS's own: its errors point at `/States/StateName`).
const LONE_STATE: &str = "StateName";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestStateInput {
    definition: String,
    role_arn: Option<String>,
    input: Option<String>,
    inspection_level: Option<String>,
    #[serde(default)]
    reveal_secrets: bool,
    variables: Option<String>,
    state_name: Option<String>,
    mock: Option<MockInput>,
    context: Option<String>,
    state_configuration: Option<StateConfiguration>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MockInput {
    result: Option<String>,
    error_output: Option<MockError>,
    field_validation_mode: Option<String>,
}

#[derive(Deserialize)]
struct MockError {
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StateConfiguration {
    retrier_retry_count: Option<u32>,
    error_caused_by_state: Option<String>,
    map_iteration_failure_count: Option<u64>,
    map_item_reader_data: Option<String>,
}

/// What the test's mock stands for.
enum Mocked {
    Result(Value),
    Error(Failure),
}

/// What TestState uses of the host.
pub struct TestStateApi {
    /// Runs the state.
    pub executions: Arc<Executions>,
    /// What a Task can run, to check each Resource as CreateStateMachine does.
    pub resources: Arc<TaskResources>,
    /// The HTTP Task, called directly at the TRACE level to show what went over the wire.
    pub http: HttpInvoke,
}

impl axum::extract::FromRef<Host> for TestStateApi {
    fn from_ref(host: &Host) -> Self {
        TestStateApi {
            executions: host.executions.clone(),
            resources: host.services.resources.clone(),
            http: host.services.http.clone(),
        }
    }
}

/// TestState.
pub(super) async fn test_state(api: &TestStateApi, body: &[u8]) -> Result<Value, ApiError> {
    let req: TestStateInput = parse(body)?;
    check_definition_size(&req.definition)?;
    let (detailed, trace) = match req.inspection_level.as_deref().unwrap_or("INFO") {
        "INFO" => (false, false),
        "DEBUG" => (true, false),
        "TRACE" => (true, true),
        other => {
            return Err(ApiError::ValidationException(format!(
                "1 validation error detected: Value '{other}' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"
            )));
        }
    };
    let (program, start_at) = program_for(&req.definition, req.state_name.as_deref(), api)?;
    let node = program.node(start_at.0, start_at.1);
    let state = &node.state;
    let config = req.state_configuration.unwrap_or_default();

    let mocked = match &req.mock {
        None => None,
        Some(mock) => Some(check_mock(mock, state, req.reveal_secrets)?),
    };
    if mocked.is_none() {
        if config.map_iteration_failure_count.is_some() {
            return Err(ApiError::ValidationException(
                "TestState does not support MapIterationFailureCount when a mock is not specified."
                    .into(),
            ));
        }
        unmocked_supported(state)?;
        if matches!(state, State::Task(_)) && req.role_arn.is_none() {
            return Err(ApiError::ValidationException(
                "RoleArn must be specified when testing a Task state".into(),
            ));
        }
    }
    if let Some(name) = &config.error_caused_by_state {
        let known = program
            .scopes
            .iter()
            .any(|scope| scope.nodes.iter().any(|n| *n.name == **name));
        if !known {
            return Err(ApiError::ValidationException(format!(
                "ErrorCausedByState '{name}' is not a state of the definition"
            )));
        }
    }
    let children = match (&mocked, state) {
        (Some(m), State::Map(_) | State::Parallel(_)) => {
            Some(mocked_children(m, state, &config, node.children.len())?)
        }
        _ => None,
    };
    let given_context = req
        .context
        .as_deref()
        .map(|text| check_context(text, state))
        .transpose()?;
    let variables = match req.variables.as_deref() {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Some(map),
            _ => {
                return Err(ApiError::ValidationException(
                    "Variables must be a JSON object".into(),
                ));
            }
        },
    };
    let (_, input) = execution_input(req.input)?;
    let item_reader_data = config
        .map_item_reader_data
        .as_deref()
        .map(|text| match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => Ok(items),
            _ => Err(ApiError::ValidationException(
                "Map item reader data must be a JSON array".into(),
            )),
        })
        .transpose()?;

    let info = execution_info(api, req.role_arn.clone(), input);
    let context = given_context.unwrap_or_else(|| default_context(&info, state, req.role_arn));
    let probe = Probe {
        start_at: Some(start_at),
        retrier_retry_count: config.retrier_retry_count,
        context: Some(context),
        variables,
        children,
        item_reader_data,
        ..Probe::default()
    };
    // A mocked Task is answered by the mock; at TRACE an HTTP Task's exchange is kept.
    let tracing = (trace && is_http_task(state)).then(|| Arc::new(Tracing::new(api.http.clone())));
    let runner: Option<Arc<dyn TaskRunner>> = match (mocked, state) {
        (Some(Mocked::Result(v)), State::Task(_)) => {
            Some(Arc::new(AnsweringRunner(TaskOutcome::Succeeded(v))))
        }
        (Some(Mocked::Error(f)), State::Task(_)) => {
            Some(Arc::new(AnsweringRunner(TaskOutcome::Failed(f))))
        }
        _ => tracing.clone().map(|t| t as Arc<dyn TaskRunner>),
    };
    let Some(exec) = api
        .executions
        .run_probe(program, info, probe, runner, TIME_LIMIT)
        .await
    else {
        return Ok(json!({
            "status": "FAILED",
            "error": names::TIMEOUT,
            "cause": "TestState ran for more than its limit of five minutes",
        }));
    };
    let probe = exec.probe().expect("a TestState execution keeps its probe");
    let verdict = probe.verdict().unwrap_or_else(|| match &exec.status {
        Status::Failed(f) | Status::Aborted(f) => Verdict::Failed(f.clone()),
        Status::TimedOut => Verdict::Failed(Failure::new(names::TIMEOUT, "")),
        _ => Verdict::Succeeded { next: None },
    });
    let mut out = Map::new();
    let failed = |out: &mut Map<String, Value>, f: &Failure| {
        if let Some(e) = &f.error {
            out.insert("error".into(), json!(e));
        }
        if let Some(c) = &f.cause {
            out.insert("cause".into(), json!(c));
        }
    };
    let (status, next) = match &verdict {
        Verdict::Succeeded { next } => ("SUCCEEDED", next.clone()),
        Verdict::Caught { next, failure } => {
            failed(&mut out, failure);
            ("CAUGHT_ERROR", next.clone())
        }
        Verdict::Retriable(f) => {
            failed(&mut out, f);
            ("RETRIABLE", None)
        }
        Verdict::Failed(f) => {
            failed(&mut out, f);
            ("FAILED", None)
        }
    };
    // Only a state that completed (or whose error was caught) ends the run with an output.
    if let Status::Succeeded(output) = &exec.status {
        out.insert("output".into(), json!(output.to_string()));
    }
    if let Some(next) = next {
        out.insert("nextState".into(), json!(next));
    }
    out.insert("status".into(), json!(status));
    if detailed {
        let mut data = probe.inspection().to_json();
        if let (Some(exchange), Value::Object(fields)) = (tracing.and_then(|t| t.last()), &mut data)
            && let Value::Object(traced) = exchange.to_json()
        {
            fields.extend(traced);
        }
        out.insert("inspectionData".into(), data);
    }
    Ok(Value::Object(out))
}

/// The program to run and the index of the state under test: the whole machine with
/// `stateName`, or a machine of the one state (its successors stand in as Succeed states).
fn program_for(
    definition: &str,
    state_name: Option<&str>,
    api: &TestStateApi,
) -> Result<(Arc<Program>, (usize, usize)), ApiError> {
    let (text, name) = match state_name {
        Some(name) => (definition.to_owned(), name.to_owned()),
        None => {
            let state: Value = serde_json::from_str(definition).map_err(|e| {
                ApiError::InvalidDefinition(format!(
                    "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'"
                ))
            })?;
            (lone_state_machine(state).to_string(), LONE_STATE.to_owned())
        }
    };
    let program = compile_definition(&text).map_err(definition_error)?;
    // A test may mock a `.sync` task, which an Express machine could not have.
    let machine: Value = serde_json::from_str(&text).unwrap_or_default();
    check_resources(&api.resources, &machine, MachineType::Standard)?;
    let at = program
        .scopes
        .iter()
        .enumerate()
        .find_map(|(scope, s)| {
            let index = s.nodes.iter().position(|n| *n.name == *name)?;
            Some((scope, index))
        })
        .ok_or_else(|| ApiError::ValidationException("State not found in definition".into()))?;
    Ok((program, at))
}

/// `{"StartAt": "StateName", "States": {"StateName": state, ...}}`, with a Succeed state for
/// each state it can go to.
fn lone_state_machine(state: Value) -> Value {
    let mut targets: Vec<String> = Vec::new();
    let mut add = |v: &Value| {
        if let Some(name) = v.as_str()
            && name != LONE_STATE
            && !targets.iter().any(|t| t == name)
        {
            targets.push(name.to_owned());
        }
    };
    add(&state["Next"]);
    add(&state["Default"]);
    for list in ["Choices", "Catch"] {
        for rule in state[list].as_array().into_iter().flatten() {
            add(&rule["Next"]);
        }
    }
    let mut states = Map::new();
    states.insert(LONE_STATE.into(), state);
    for t in targets {
        states.insert(t, json!({"Type": "Succeed"}));
    }
    json!({"StartAt": LONE_STATE, "States": states})
}

/// AWS's checks of `mock`, and the mocked outcome.
fn check_mock(mock: &MockInput, state: &State, reveal_secrets: bool) -> Result<Mocked, ApiError> {
    let invalid = |m: &str| Err(ApiError::ValidationException(m.into()));
    if matches!(
        state,
        State::Pass(_) | State::Fail(_) | State::Succeed(_) | State::Choice(_) | State::Wait(_)
    ) {
        return invalid(&format!(
            "State type '{}' is not supported when a mock is specified",
            state.type_name()
        ));
    }
    if mock.result.is_some() == mock.error_output.is_some() {
        return invalid(
            "A test mock should have only one of the following fields: [result, errorOutput].",
        );
    }
    if reveal_secrets {
        return invalid("TestState does not support RevealSecrets when a mock is specified.");
    }
    if let Some(e) = &mock.error_output {
        return Ok(Mocked::Error(Failure::of(e.error.clone(), e.cause.clone())));
    }
    let text = mock.result.as_deref().unwrap_or_default();
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(ApiError::constraint(
            "mock.result",
            "Member must have length less than or equal to 262144",
        ));
    }
    let Ok(result) = serde_json::from_str::<Value>(text) else {
        return invalid("Mocked result must be valid JSON");
    };
    let mode = match mock.field_validation_mode.as_deref() {
        None => FieldValidation::Strict,
        Some(m) => FieldValidation::parse(m).ok_or_else(|| {
            ApiError::ValidationException(format!(
                "1 validation error detected: Value '{m}' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]"
            ))
        })?,
    };
    if let State::Task(task) = state {
        check_against_model(&task.resource, &result, mode)?;
    }
    Ok(Mocked::Result(result))
}

/// A mocked Task result checked against the service's model of the action's output.
fn check_against_model(
    resource: &TaskResource,
    result: &Value,
    mode: FieldValidation,
) -> Result<(), ApiError> {
    let Some((model, action, json_member)) =
        result_schema(resource.resource_type(), resource.resource_name())
    else {
        return Ok(());
    };
    let Some(operation) = model.operation(&action) else {
        return Ok(());
    };
    // The member the state sees parsed (Lambda's Payload) is any JSON, not the model's blob.
    let mut checked = result.clone();
    if let (Some(member), Value::Object(fields)) = (json_member, &mut checked) {
        fields.remove(member);
    }
    validate::check_output(&model, operation, &checked, mode).map_err(ApiError::ValidationException)
}

/// What a Map's iterations or a Parallel's branches came to, from the mock.
fn mocked_children(
    mocked: &Mocked,
    state: &State,
    config: &StateConfiguration,
    branches: usize,
) -> Result<MockedChildren, ApiError> {
    let invalid = |m: &str| Err(ApiError::ValidationException(m.into()));
    let results = match mocked {
        Mocked::Error(f) => return Ok(MockedChildren::Failed(f.clone())),
        Mocked::Result(v) => v,
    };
    match state {
        // What the Map gives on is what its ResultWriter answers, not the results.
        State::Map(map) if map.result_writer.is_some() => {
            if !results.is_object() {
                return invalid("Mocked result must be a JSON object.");
            }
            return Ok(MockedChildren::Written(results.clone()));
        }
        _ => {}
    }
    let Value::Array(items) = results else {
        return invalid("Mocked result must be an array.");
    };
    if matches!(state, State::Parallel(_)) && items.len() != branches {
        return invalid(
            "Mocked result must contain the same number of items as number of Parallel branches.",
        );
    }
    let failed = config.map_iteration_failure_count.unwrap_or(0);
    if failed > items.len() as u64 {
        return invalid(
            "Map iteration failure count must be less than or equal to the number of Map iterations",
        );
    }
    Ok(MockedChildren::Results {
        results: items.clone(),
        failed,
    })
}

/// Whether `state` is an HTTP Task (`arn:aws:states:::http:invoke`).
fn is_http_task(state: &State) -> bool {
    matches!(state, State::Task(t) if t.resource.resource_type() == "http"
        && t.resource.resource_name() == "invoke")
}

/// Map and Parallel states run only as a mock, and so do tasks that wait (activities, `.sync`,
/// `.waitForTaskToken`): TestState does not wait for a worker, a job or a token.
fn unmocked_supported(state: &State) -> Result<(), ApiError> {
    match state {
        State::Map(_) | State::Parallel(_) => Err(ApiError::InvalidDefinition(
            "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]".into(),
        )),
        State::Task(task) if task.resource.is_activity() => Err(ApiError::ValidationException(
            "TestState supports Activity tasks only when a mock is specified".into(),
        )),
        State::Task(task) if task.resource.pattern() != Pattern::RequestResponse => {
            Err(ApiError::ValidationException(
                "TestState supports the .sync and .waitForTaskToken integration patterns only when a mock is specified".into(),
            ))
        }
        _ => Ok(()),
    }
}

/// The context object a test gives: only the fields AWS allows, each of its type.
fn check_context(text: &str, state: &State) -> Result<Value, ApiError> {
    let invalid =
        |m: String| ApiError::ValidationException(format!("Invalid Context object provided: {m}"));
    let Ok(Value::Object(context)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid("it must be a JSON object".into()));
    };
    let waits = matches!(state, State::Task(t) if t.resource.pattern() != Pattern::RequestResponse);
    for (field, value) in &context {
        let allowed: &[(&str, bool)] = match field.as_str() {
            "Execution" => &[
                ("Id", true),
                ("Input", false),
                ("Name", true),
                ("RoleArn", true),
                ("StartTime", true),
                ("RedriveCount", false),
                ("RedriveTime", true),
            ],
            "State" => &[("EnteredTime", true), ("Name", true), ("RetryCount", false)],
            "StateMachine" => &[("Id", true), ("Name", true)],
            "Task" if waits => &[("Token", true)],
            "Task" => {
                return Err(invalid("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern".into()));
            }
            "Map" => {
                return Err(invalid(
                    "'Map' field is not supported when mocking a Context object".into(),
                ));
            }
            other => return Err(invalid(format!("Field '{other}' is not allowed"))),
        };
        let Value::Object(inner) = value else {
            return Err(invalid(format!("{field} must be an object")));
        };
        for (name, v) in inner {
            match allowed.iter().find(|(n, _)| n == name) {
                None => return Err(invalid(format!("Field '{name}' is not allowed"))),
                Some((_, true)) if !v.is_string() => {
                    return Err(invalid(format!("{field}.{name} must be a string")));
                }
                Some(_) => {}
            }
        }
    }
    Ok(Value::Object(context))
}

/// The context object AWS gives a tested state: the execution's and machine's names, no
/// RoleArn without a role, and the state named as AWS names it in a test, `StateName`.
fn default_context(info: &ExecutionInfo, state: &State, role_arn: Option<String>) -> Value {
    let mut state_facts = json!({
        "Name": LONE_STATE,
        "EnteredTime": crate::interp::context_iso_time(info.start_time_ms),
    });
    if matches!(state, State::Task(_) | State::Map(_) | State::Parallel(_)) {
        state_facts["RetryCount"] = json!(0);
    }
    json!({
        "Execution": {
            "Id": info.id,
            "Input": info.input,
            "Name": info.name,
            "RoleArn": role_arn,
            "StartTime": crate::interp::context_iso_time(info.start_time_ms),
        },
        "StateMachine": {"Id": info.state_machine_id, "Name": info.state_machine_name},
        "State": state_facts,
    })
}

/// The execution a test runs as: an Express one of a machine made for it, as AWS shows in
/// the context object.
fn execution_info(api: &TestStateApi, role_arn: Option<String>, input: Value) -> ExecutionInfo {
    let machine = format!("TestState-{}", uuid::Uuid::new_v4().simple());
    let name = uuid::Uuid::new_v4().to_string();
    let identity = api.executions.identity();
    ExecutionInfo {
        redrive_count: 0,
        id: identity.states_arn("express", &format!("{machine}:{name}")),
        name,
        state_machine_id: identity.states_arn("stateMachine", &machine),
        state_machine_name: machine,
        role_arn: role_arn.unwrap_or_default(),
        start_time_ms: api.executions.now_ms(),
        input,
    }
}

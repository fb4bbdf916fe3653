//! Step Functions' optimized integrations of AWS services (`arn:aws:states:::dynamodb:getItem`,
//! `events:putEvents`, `athena:startQueryExecution.sync`, ...), made on the same model-driven
//! client as the AWS SDK integration; `.sync` jobs are waited for as [`jobs`] says. What
//! differs from `aws-sdk:` is what AWS recorded for each (`aws-recordings/v2/services/`,
//! `error_handling/`): the actions and patterns offered, the errors named as the SDK for Java
//! 1.x names them (`DynamoDB.ConditionalCheckFailedException`, `DynamoDB.AmazonDynamoDBException`
//! for an error the model does not declare, with `(Service: AmazonDynamoDBv2; Status Code: 400;
//! Error Code: ...; Request ID: ...; Proxy: null)` in the cause), `SdkHttpMetadata` in the
//! result, and EventBridge's failed entries failing the task.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use stepwise_aws::{Operation, Service as Model};

use super::jobs::{self, Job, JobState};
use super::{AwsClient, CallError, Reply, failure, retryable};
use crate::integrations::{CallContext, CancelFuture, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;

/// One optimized integration.
pub struct Spec {
    /// The name in `arn:aws:states:::NAME:action`.
    pub name: &'static str,
    /// The service's name in the models.
    pub model: &'static str,
    /// The actions offered, each with its patterns.
    pub actions: &'static [(&'static str, &'static [Pattern])],
    /// The error prefix (`DynamoDB`).
    pub prefix: &'static str,
    /// The service as the SDK for Java 1.x names it in causes (`AmazonDynamoDBv2`).
    pub java_service: &'static str,
    /// The name of an error the model does not declare (`AmazonDynamoDBException`).
    pub generic: &'static str,
    /// Whether the result carries `SdkHttpMetadata` and `SdkResponseMetadata`.
    pub metadata: bool,
    /// `FailedEntryCount` above zero fails the task with this error, the result as cause.
    pub failed_entries: Option<&'static str>,
    /// A member of the result that is JSON text, given to the state parsed (Bedrock's `Body`,
    /// Lambda's `Payload`).
    pub json_member: Option<&'static str>,
    /// A result with `FunctionError` (Lambda's Invoke of a function that failed) fails the
    /// task with the payload's `errorType` and the payload as the cause.
    pub function_error: bool,
    /// How the `.sync` actions' jobs are waited for.
    pub jobs: &'static [Job],
    /// Actions that are another API operation with other parameters (EMR's `addStep` is
    /// `AddJobFlowSteps` with one step).
    pub aliases: &'static [Alias],
}

impl Spec {
    /// The alias of `action`, when it is another operation under another name.
    fn alias(&self, action: &str) -> Option<&Alias> {
        self.aliases.iter().find(|a| a.action == action)
    }

    /// The action name of the operation `action` calls (itself unless an alias).
    fn operation_action<'a>(&self, action: &'a str) -> &'a str {
        self.alias(action).map_or(action, |a| a.operation)
    }
}

/// An action of the integration that calls an operation of another name.
pub struct Alias {
    /// The action in the Resource (`addStep`).
    pub action: &'static str,
    /// The operation's action name (`addJobFlowSteps`).
    pub operation: &'static str,
    /// The operation's parameters from the state's (None: they lack a field it needs).
    pub request: fn(&Value) -> Option<Value>,
    /// The state's result from the operation's.
    pub response: fn(Value) -> Value,
}

const REQUEST_RESPONSE: &[Pattern] = &[Pattern::RequestResponse];
const CALLBACK: &[Pattern] = &[Pattern::RequestResponse, Pattern::WaitForTaskToken];
const JOB: &[Pattern] = &[Pattern::RequestResponse, Pattern::RunJob];
const EVERY: &[Pattern] = &[
    Pattern::RequestResponse,
    Pattern::RunJob,
    Pattern::WaitForTaskToken,
];
const EVERY_AND_SYNC2: &[Pattern] = &[
    Pattern::RequestResponse,
    Pattern::RunJob,
    Pattern::RunJob2,
    Pattern::WaitForTaskToken,
];

/// A spec with the Java SDK 1.x names of an older integration that shows `SdkHttpMetadata`.
const fn java(
    name: &'static str,
    model: &'static str,
    actions: &'static [(&'static str, &'static [Pattern])],
    prefix: &'static str,
    java_service: &'static str,
    generic: &'static str,
    jobs: &'static [Job],
) -> Spec {
    Spec {
        name,
        model,
        actions,
        prefix,
        java_service,
        generic,
        metadata: true,
        failed_entries: None,
        json_member: None,
        function_error: false,
        jobs,
        aliases: &[],
    }
}

/// The optimized integrations this module provides.
pub const SPECS: &[Spec] = &[
    java(
        "dynamodb",
        "dynamodb",
        &[
            ("getItem", REQUEST_RESPONSE),
            ("putItem", REQUEST_RESPONSE),
            ("updateItem", REQUEST_RESPONSE),
            ("deleteItem", REQUEST_RESPONSE),
        ],
        "DynamoDB",
        "AmazonDynamoDBv2",
        "AmazonDynamoDBException",
        &[],
    ),
    Spec {
        name: "events",
        model: "eventbridge",
        actions: &[("putEvents", CALLBACK)],
        prefix: "EventBridge",
        java_service: "AmazonEventBridge",
        generic: "AmazonEventBridgeException",
        metadata: false,
        failed_entries: Some("EventBridge.FailedEntry"),
        json_member: None,
        function_error: false,
        jobs: &[],
        aliases: &[],
    },
    java(
        "ecs",
        "ecs",
        &[("runTask", EVERY)],
        "ECS",
        "AmazonECS",
        "AmazonECSException",
        jobs::ECS,
    ),
    java(
        "athena",
        "athena",
        &[
            ("startQueryExecution", JOB),
            ("getQueryExecution", REQUEST_RESPONSE),
            ("getQueryResults", REQUEST_RESPONSE),
            ("stopQueryExecution", REQUEST_RESPONSE),
        ],
        "Athena",
        "AmazonAthena",
        "AmazonAthenaException",
        jobs::ATHENA,
    ),
    java(
        "glue",
        "glue",
        &[("startJobRun", JOB)],
        "Glue",
        "AWSGlue",
        "AWSGlueException",
        jobs::GLUE,
    ),
    java(
        "codebuild",
        "codebuild",
        &[("startBuild", JOB), ("stopBuild", REQUEST_RESPONSE)],
        "CodeBuild",
        "AWSCodeBuild",
        "AWSCodeBuildException",
        jobs::CODEBUILD,
    ),
    java(
        "mediaconvert",
        "mediaconvert",
        &[("createJob", JOB)],
        "MediaConvert",
        "AWSMediaConvert",
        "AWSMediaConvertException",
        jobs::MEDIACONVERT,
    ),
    java(
        "sagemaker",
        "sagemaker",
        &[("createTrainingJob", JOB), ("createTransformJob", JOB)],
        "SageMaker",
        "AmazonSageMaker",
        "AmazonSageMakerException",
        jobs::SAGEMAKER,
    ),
    Spec {
        name: "bedrock",
        model: "bedrockruntime",
        actions: &[("invokeModel", REQUEST_RESPONSE)],
        prefix: "Bedrock",
        java_service: "BedrockRuntime",
        generic: "BedrockRuntimeException",
        metadata: false,
        failed_entries: None,
        json_member: Some("Body"),
        function_error: false,
        jobs: &[],
        aliases: &[],
    },
    Spec {
        name: "elasticmapreduce",
        model: "emr",
        actions: &[
            ("createCluster", JOB),
            ("terminateCluster", JOB),
            ("addStep", JOB),
            ("cancelStep", REQUEST_RESPONSE),
            ("setClusterTerminationProtection", REQUEST_RESPONSE),
        ],
        prefix: "EMR",
        java_service: "AmazonElasticMapReduce",
        generic: "AmazonElasticMapReduceException",
        metadata: true,
        failed_entries: None,
        json_member: None,
        function_error: false,
        jobs: jobs::EMR,
        aliases: EMR_ALIASES,
    },
];

/// Built-in integrations that `serve --forward NAME` sends to AWS (or the configured endpoint)
/// instead, with what AWS's own optimized integrations answer.
pub const FORWARDABLE: &[Spec] = &[
    java(
        "sqs",
        "sqs",
        &[("sendMessage", CALLBACK)],
        "SQS",
        "AmazonSQS",
        "AmazonSQSException",
        &[],
    ),
    Spec {
        name: "lambda",
        model: "lambda",
        actions: &[("invoke", CALLBACK)],
        prefix: "Lambda",
        java_service: "AWSLambda",
        generic: "AWSLambdaException",
        metadata: true,
        failed_entries: None,
        json_member: Some("Payload"),
        function_error: true,
        jobs: &[],
        aliases: &[],
    },
    java(
        "states",
        "sfn",
        &[("startExecution", EVERY_AND_SYNC2)],
        "StepFunctions",
        "AWSStepFunctions",
        "AWSStepFunctionsException",
        jobs::STATES,
    ),
    java(
        "batch",
        "batch",
        &[("submitJob", JOB)],
        "Batch",
        "AWSBatch",
        "AWSBatchException",
        jobs::BATCH,
    ),
    java(
        "sns",
        "sns",
        &[("publish", CALLBACK)],
        "SNS",
        "AmazonSNS",
        "AmazonSNSException",
        &[],
    ),
];

/// EMR's actions as Step Functions names them: a cluster is `ClusterId`, one step at a time.
const EMR_ALIASES: &[Alias] = &[
    Alias {
        action: "createCluster",
        operation: "runJobFlow",
        request: |p| Some(p.clone()),
        response: |mut r| {
            if let Some(id) = r.as_object_mut().and_then(|m| m.remove("JobFlowId")) {
                r["ClusterId"] = id;
            }
            r
        },
    },
    Alias {
        action: "terminateCluster",
        operation: "terminateJobFlows",
        request: |p| Some(json!({"JobFlowIds": [p.get("ClusterId")?]})),
        response: |r| r,
    },
    Alias {
        action: "addStep",
        operation: "addJobFlowSteps",
        request: |p| {
            let mut request = json!({"JobFlowId": p.get("ClusterId")?, "Steps": [p.get("Step")?]});
            if let Some(role) = p.get("ExecutionRoleArn") {
                request["ExecutionRoleArn"] = role.clone();
            }
            Some(request)
        },
        response: |mut r| {
            let id = r["StepIds"][0].clone();
            if let Some(m) = r.as_object_mut() {
                m.remove("StepIds");
                m.insert("StepId".into(), id);
            }
            r
        },
    },
    Alias {
        action: "cancelStep",
        operation: "cancelSteps",
        request: |p| Some(json!({"ClusterId": p.get("ClusterId")?, "StepIds": [p.get("StepId")?]})),
        response: |r| r,
    },
    Alias {
        action: "setClusterTerminationProtection",
        operation: "setTerminationProtection",
        request: |p| {
            Some(json!({
                "JobFlowIds": [p.get("ClusterId")?],
                "TerminationProtected": p.get("TerminationProtected")?,
            }))
        },
        response: |r| r,
    },
];

/// The model of `spec`'s service (decompressed the first time, then kept by the registry).
fn model_of(spec: &Spec) -> Result<Arc<Model>, Failure> {
    match stepwise_aws::service(spec.model) {
        Some(Ok(model)) => Ok(model),
        Some(Err(e)) => Err(Failure::new(names::RUNTIME, e)),
        None => Err(Failure::new(
            names::RUNTIME,
            format!("no model of the service {} is vendored", spec.model),
        )),
    }
}

/// One optimized integration, calling through the AWS client.
pub struct Optimized {
    spec: &'static Spec,
    client: Arc<AwsClient>,
    /// The region of a Resource that names one.
    region: Option<String>,
}

impl Optimized {
    /// Every optimized integration, with its name, and the built-in ones named in `forward`
    /// (names not in [`FORWARDABLE`] are ignored: the CLI allows only those). Their models
    /// load when a call first needs them, not at the host's start.
    pub fn all(
        client: &Arc<AwsClient>,
        forward: &[String],
    ) -> Vec<(&'static str, Arc<dyn Service>)> {
        let forwarded = FORWARDABLE
            .iter()
            .filter(|spec| forward.iter().any(|f| f == spec.name));
        SPECS
            .iter()
            .chain(forwarded)
            .map(|spec| {
                let service: Arc<dyn Service> = Arc::new(Optimized {
                    spec,
                    client: client.clone(),
                    region: None,
                });
                (spec.name, service)
            })
            .collect()
    }
}

impl Service for Optimized {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        self.spec
            .actions
            .iter()
            .find(|(name, _)| *name == action)
            .map(|(_, patterns)| *patterns)
    }

    fn in_region(&self, region: &str) -> Option<Arc<dyn Service>> {
        Some(Arc::new(Optimized {
            spec: self.spec,
            client: self.client.clone(),
            region: Some(region.to_owned()),
        }))
    }

    fn call(&self, action: &str, parameters: Value, cx: CallContext) -> ServiceFuture {
        let spec = self.spec;
        let client = self.client.clone();
        let region = self.region.clone();
        let action = action.to_owned();
        Box::pin(async move {
            let model = model_of(spec)?;
            let alias = spec.alias(&action);
            let operation_action = spec.operation_action(&action);
            let Some(operation) = model.operation(operation_action) else {
                return Err(Failure::new(
                    names::RUNTIME,
                    format!("{} has no action '{action}'", spec.name),
                ));
            };
            let parameters = match alias {
                Some(alias) => (alias.request)(&parameters).ok_or_else(|| {
                    Failure::new(
                        names::RUNTIME,
                        format!(
                            "{}:{action} is missing a required parameter: {parameters}",
                            spec.name
                        ),
                    )
                })?,
                None => parameters,
            };
            let mut reply = client
                .exchange(
                    &model,
                    operation,
                    &parameters,
                    region.as_deref(),
                    cx.deadline,
                )
                .await
                .map_err(|e| java_failure(spec, &model, operation, e))?;
            if let Some(alias) = alias {
                reply.result = (alias.response)(reply.result);
            }
            finish(spec, reply)
        })
    }

    fn wait(
        &self,
        action: &str,
        parameters: &Value,
        submitted: Value,
        pattern: Pattern,
    ) -> ServiceFuture {
        let Some(job) = self.job(action) else {
            let cause = format!("{}:{action} has no job to wait for", self.spec.name);
            return Box::pin(std::future::ready(Err(Failure::new(names::RUNTIME, cause))));
        };
        Box::pin(wait_for(
            self.spec,
            (self.client.clone(), self.region.clone()),
            job,
            parameters.clone(),
            submitted,
            pattern,
        ))
    }

    fn cancel(&self, action: &str, parameters: &Value, submitted: Value) -> CancelFuture {
        let stop = self
            .job(action)
            .and_then(|job| job.cancel)
            .and_then(|(stop, params)| Some((stop, params(parameters, &submitted)?)));
        let spec = self.spec;
        let client = self.client.clone();
        let region = self.region.clone();
        Box::pin(async move {
            if let Some((stop, params)) = stop
                && let Ok(model) = model_of(spec)
                && let Some(operation) = model.operation(stop)
                && let Err(e) = client
                    .call(&model, operation, &params, region.as_deref(), None)
                    .await
            {
                tracing::warn!(operation = %stop, error = ?e, "could not cancel an aborted task's job");
            }
        })
    }
}

/// The first wait for a job's end, doubled after each look up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
/// The longest wait between two looks at a job.
const MAX_POLL: Duration = Duration::from_secs(30);

impl Optimized {
    fn job(&self, action: &str) -> Option<&'static Job> {
        self.spec.jobs.iter().find(|j| j.action == action)
    }
}

/// Polls `job` until it ends.
async fn wait_for(
    spec: &'static Spec,
    (client, region): (Arc<AwsClient>, Option<String>),
    job: &'static Job,
    parameters: Value,
    submitted: Value,
    pattern: Pattern,
) -> Result<Value, Failure> {
    let model = model_of(spec)?;
    let Some(poll) = (job.poll_parameters)(&parameters, &submitted) else {
        return Err(Failure::new(
            names::RUNTIME,
            format!(
                "the answer of {}:{} does not name its job: {submitted}",
                spec.name, job.action
            ),
        ));
    };
    let Some(operation) = model.operation(job.poll) else {
        return Err(Failure::new(
            names::RUNTIME,
            format!("{} has no action '{}'", model.name, job.poll),
        ));
    };
    let mut interval = FIRST_POLL;
    loop {
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(MAX_POLL);
        match client
            .call(&model, operation, &poll, region.as_deref(), None)
            .await
        {
            Ok(described) => match (job.state)(&described) {
                JobState::Running => {}
                JobState::Succeeded(mut result) => {
                    // `.sync:2` gives a child execution's output as JSON, `.sync` as its text.
                    if pattern == Pattern::RunJob2
                        && let Some(text) = result.get("Output").and_then(Value::as_str)
                        && let Ok(parsed) = serde_json::from_str::<Value>(text)
                    {
                        result["Output"] = parsed;
                    }
                    return Ok(result);
                }
                JobState::Failed(cause) => {
                    return Err(Failure::new(names::TASK_FAILED, cause.to_string()));
                }
            },
            // A throttled or unreachable service is looked at again at the next interval.
            Err(e) if retryable(&e) => {}
            Err(e) => return Err(java_failure(spec, &model, operation, e)),
        }
    }
}

fn finish(spec: &Spec, reply: Reply) -> Result<Value, Failure> {
    let mut result = reply.result;
    if let Some(member) = spec.json_member
        && let Some(text) = result.get(member).and_then(Value::as_str)
        && let Ok(parsed) = serde_json::from_str::<Value>(text)
    {
        result[member] = parsed;
    }
    if spec.function_error && result.get("FunctionError").is_some() {
        let payload = &result["Payload"];
        let error = payload["errorType"].as_str().unwrap_or("Lambda.Unknown");
        return Err(Failure::new(error, payload.to_string()));
    }
    if let Some(error) = spec.failed_entries
        && result["FailedEntryCount"].as_u64().is_some_and(|n| n > 0)
    {
        return Err(Failure::new(error, result.to_string()));
    }
    if spec.metadata
        && let Value::Object(map) = &mut result
    {
        let (http, response) = metadata(reply.status, &reply.headers);
        map.insert("SdkHttpMetadata".into(), http);
        map.insert("SdkResponseMetadata".into(), response);
    }
    Ok(result)
}

/// `SdkHttpMetadata` (every header, also as a one-element list, and the status) and
/// `SdkResponseMetadata` (the request id), from the service's real answer.
pub fn metadata(status: u16, headers: &[(String, String)]) -> (Value, Value) {
    let mut all = serde_json::Map::new();
    let mut single = serde_json::Map::new();
    let mut request_id = Value::Null;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("x-amzn-requestid")
            || name.eq_ignore_ascii_case("x-amz-request-id")
        {
            request_id = Value::String(value.clone());
        }
        all.insert(name.clone(), json!([value]));
        single.insert(name.clone(), Value::String(value.clone()));
    }
    (
        json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": status}),
        json!({"RequestId": request_id}),
    )
}

/// A service error named as the SDK for Java 1.x behind the optimized integrations names it.
fn java_failure(spec: &Spec, model: &Model, operation: &Operation, error: CallError) -> Failure {
    let e = match error {
        CallError::Service(e) => e,
        CallError::Transport(e) => {
            return Failure::new(format!("{}.SdkClientException", spec.prefix), e.to_string());
        }
        CallError::Credentials(cause) => {
            return Failure::new(format!("{}.SdkClientException", spec.prefix), cause);
        }
        other => return failure(model, operation, other),
    };
    let code = e.code.rsplit('#').next().unwrap_or(&e.code);
    let code = code.split(':').next().unwrap_or(code).to_owned();
    let sdk_generic = format!("{0}.{0}Exception", model.error_prefix);
    let name = if model.error_name(Some(operation), &code) == sdk_generic {
        format!("{}.{}", spec.prefix, spec.generic)
    } else {
        format!("{}.{code}", spec.prefix)
    };
    let cause = format!(
        "{} (Service: {}; Status Code: {}; Error Code: {code}; Request ID: {}; Proxy: null)",
        e.message,
        spec.java_service,
        e.status,
        e.request_id.as_deref().unwrap_or("null"),
    );
    Failure::new(name, cause)
}

/// What a mocked result of `resource_type:action` (`lambda` and `invoke`, `aws-sdk:s3` and
/// `getObject`) is checked against: the service's model, the operation, and the member the
/// state sees parsed from JSON text (not the model's blob). None for what has no model
/// (activities, functions, HTTP).
pub fn result_schema(
    resource_type: &str,
    action: &str,
) -> Option<(Arc<Model>, String, Option<&'static str>)> {
    if let Some(service) = resource_type.strip_prefix("aws-sdk:") {
        let model = stepwise_aws::service(service)?.ok()?;
        return Some((model, action.to_owned(), None));
    }
    let spec = SPECS
        .iter()
        .chain(FORWARDABLE)
        .find(|s| s.name == resource_type)?;
    let model = model_of(spec).ok()?;
    Some((
        model,
        spec.operation_action(action).to_owned(),
        spec.json_member,
    ))
}

#[cfg(test)]
mod tests;

//! AWS Lambda, served by deployed WebAssembly components: a Task whose Resource is a
//! function ARN (the state's input in, the function's result out), and the `lambda:invoke`
//! integration (`{FunctionName, Payload}` in, Lambda's Invoke response out).

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::{CallContext, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::runtime::{
    Function, GuestCalls, HeartbeatFn, Invocation, Runtime, is_valid_function_name,
};

/// `arn:aws:states:::lambda:invoke[.waitForTaskToken]`: the deployed functions.
pub struct Lambda {
    runtime: Arc<Runtime>,
}

impl Lambda {
    /// The integration over this runtime's functions.
    pub fn new(runtime: Arc<Runtime>) -> Self {
        Lambda { runtime }
    }
}

impl Service for Lambda {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "invoke").then_some(Pattern::RESPONSE_AND_TOKEN)
    }

    fn call(&self, _action: &str, parameters: Value, cx: CallContext) -> ServiceFuture {
        let runtime = self.runtime.clone();
        Box::pin(async move {
            let Some((calls, depth)) = cx.calls else {
                return Err(Failure::new(
                    crate::interp::errors::names::RUNTIME,
                    "lambda:invoke was called with nowhere for the function's own calls to go",
                ));
            };
            let call = Call {
                context: if cx.context.is_null() {
                    "{}".to_owned()
                } else {
                    cx.context.to_string()
                },
                state_deadline: cx.deadline,
                heartbeat: cx.heartbeat,
                calls,
                depth,
            };
            invoke_integration(runtime, &parameters, call).await
        })
    }
}

/// The error a state sees when no function has the name it calls.
pub const NOT_FOUND: &str = "Lambda.ResourceNotFoundException";
/// The error a state sees for Invoke parameters Lambda would refuse.
pub const INVALID_PARAMETER: &str = "Lambda.InvalidParameterValueException";
/// The only version a function has here.
pub const LATEST: &str = "$LATEST";

/// Where the ARNs in messages say a function lives.
const REGION_ACCOUNT: &str = "us-east-1:123456789012";

/// A function named the ways Lambda's Invoke accepts: `name`, `name:qualifier`,
/// `arn:aws:lambda:region:account:function:name[:qualifier]`, or the partial
/// `account:function:name[:qualifier]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionRef<'a> {
    /// The function's name.
    pub name: &'a str,
    /// A version or alias.
    pub qualifier: Option<&'a str>,
}

impl<'a> FunctionRef<'a> {
    /// Reads a FunctionName; `None` if it is none of the accepted forms.
    pub fn parse(function_name: &'a str) -> Option<FunctionRef<'a>> {
        let parts: Vec<&str> = function_name.split(':').collect();
        let (name, qualifier) = match parts.as_slice() {
            [name] => (*name, None),
            [name, q] => (*name, Some(*q)),
            [_account, "function", name] => (*name, None),
            [_account, "function", name, q] => (*name, Some(*q)),
            ["arn", _, "lambda", _, _, "function", name] => (*name, None),
            ["arn", _, "lambda", _, _, "function", name, q] => (*name, Some(*q)),
            _ => return None,
        };
        (is_valid_function_name(name) && qualifier != Some(""))
            .then_some(FunctionRef { name, qualifier })
    }

    fn arn(&self) -> String {
        let mut arn = format!("arn:aws:lambda:{REGION_ACCOUNT}:function:{}", self.name);
        if let Some(q) = self.qualifier {
            arn.push(':');
            arn.push_str(q);
        }
        arn
    }
}

/// One invocation's surroundings: the context object, deadlines, heartbeats, calls.
pub struct Call {
    /// The context object, as JSON text.
    pub context: String,
    /// The Task state's deadline, if it has TimeoutSeconds.
    pub state_deadline: Option<Instant>,
    /// Where the guest's heartbeats go.
    pub heartbeat: Option<HeartbeatFn>,
    /// Where the guest's calls go, and how deep in a chain of calls this one is.
    pub calls: Arc<dyn GuestCalls>,
    /// Depth of this invocation in a chain of guest calls (0 for a Task state's).
    pub depth: u32,
}

/// Runs a function on `input` and returns its result, or the failure the state sees.
pub async fn invoke(
    runtime: &Runtime,
    function: FunctionRef<'_>,
    input: &Value,
    call: Call,
) -> Result<Value, Failure> {
    let target = deployed(runtime, &function)?;
    let input = input.to_string();
    let mut invocation = Invocation::new(&input, &call.context)
        .state_deadline(call.state_deadline)
        .calls(call.calls, call.depth);
    if let Some(beat) = call.heartbeat {
        invocation = invocation.on_heartbeat(beat);
    }
    let output = runtime
        .invoke(&target, invocation)
        .await
        .map_err(|e| Failure::new(e.error_name(), e.cause()))?;
    serde_json::from_str(&output).map_err(|e| {
        Failure::new(
            "Lambda.Unknown",
            format!(
                "function '{}' returned a result that is not JSON ({e})",
                function.name
            ),
        )
    })
}

/// The `arn:aws:states:::lambda:invoke` integration: reads `FunctionName`, `Payload`,
/// `Qualifier` and `InvocationType` from the parameters and answers in the shape of Lambda's
/// Invoke response.
pub async fn invoke_integration(
    runtime: Arc<Runtime>,
    parameters: &Value,
    call: Call,
) -> Result<Value, Failure> {
    let field = |name: &str| parameters.get(name);
    let function_name = match field("FunctionName") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(invalid(format!(
                "FunctionName must be a string, not {other}"
            )));
        }
        None => return Err(invalid("the parameters have no FunctionName".into())),
    };
    let mut function = FunctionRef::parse(function_name).ok_or_else(|| {
        invalid(format!(
            "FunctionName '{function_name}' is not a function name, partial ARN or ARN"
        ))
    })?;
    if let Some(q) = field("Qualifier") {
        let Some(q) = q.as_str() else {
            return Err(invalid(format!("Qualifier must be a string, not {q}")));
        };
        function.qualifier = Some(q);
    }
    // Lambda passes no payload as an empty JSON object.
    let payload = field("Payload").cloned().unwrap_or_else(|| json!({}));
    let invocation_type = match field("InvocationType") {
        None => "RequestResponse",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(invalid(format!(
                "InvocationType must be a string, not {other}"
            )));
        }
    };
    match invocation_type {
        "RequestResponse" => {
            let result = invoke(&runtime, function, &payload, call).await?;
            Ok(response(200, result))
        }
        "DryRun" => {
            // Checks that the function exists and could be called, without running it.
            deployed(&runtime, &function)?;
            Ok(response(204, Value::String(String::new())))
        }
        "Event" => {
            deployed(&runtime, &function)?;
            // Runs on its own and is not waited for, as Lambda's asynchronous invocation;
            // its failure is only logged.
            let name = function.name.to_owned();
            let background = Call {
                heartbeat: None,
                state_deadline: None,
                ..call
            };
            tokio::spawn(async move {
                let function = FunctionRef {
                    name: &name,
                    qualifier: None,
                };
                if let Err(f) = invoke(&runtime, function, &payload, background).await {
                    tracing::warn!(function = name, error = ?f.error, cause = ?f.cause, "an asynchronous invocation failed");
                }
            });
            Ok(response(202, Value::String(String::new())))
        }
        other => Err(invalid(format!(
            "InvocationType '{other}' is not one of RequestResponse, Event, DryRun"
        ))),
    }
}

/// Lambda's Invoke response as Step Functions hands it to the state.
fn response(status: u16, payload: Value) -> Value {
    let length = match &payload {
        Value::String(s) if s.is_empty() => 0,
        p => p.to_string().len(),
    };
    let (http, sdk) = super::sdk_metadata(
        status,
        vec![
            ("Connection", "keep-alive".to_owned()),
            ("Content-Length", length.to_string()),
            ("Content-Type", "application/json".to_owned()),
            ("X-Amz-Executed-Version", LATEST.to_owned()),
            ("x-amzn-Remapped-Content-Length", "0".to_owned()),
        ],
    );
    json!({
        "ExecutedVersion": LATEST,
        "Payload": payload,
        "SdkHttpMetadata": http,
        "SdkResponseMetadata": sdk,
        "StatusCode": status,
    })
}

/// The deployed function a reference names, or Lambda's not-found failure.
fn deployed(runtime: &Runtime, function: &FunctionRef<'_>) -> Result<Arc<Function>, Failure> {
    match runtime.function(function.name) {
        // Only $LATEST exists: no published versions or aliases yet.
        Some(deployed) if function.qualifier.is_none_or(|q| q == LATEST) => Ok(deployed),
        _ => Err(not_found(function)),
    }
}

fn not_found(function: &FunctionRef<'_>) -> Failure {
    Failure::new(
        NOT_FOUND,
        format!(
            "Function not found: {} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)",
            function.arn()
        ),
    )
}

fn invalid(message: String) -> Failure {
    Failure::new(INVALID_PARAMETER, message)
}

#[cfg(test)]
mod tests;

//! The errors the API answers with, in AWS's shapes: Step Functions' JSON 1.0
//! (`{"__type": NAME, "message": ...}`, HTTP 400; 500 only for the host's own faults) and
//! Lambda's REST-JSON (`x-amzn-ErrorType` header, a status per error).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

/// Declares [`ApiError`] and its AWS error names in one table: each variant carries its
/// message and is sent as the `__type` written beside it.
macro_rules! api_errors {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// A Step Functions API error. Each variant is the AWS error of its name.
        #[derive(Debug, Clone, PartialEq, thiserror::Error)]
        #[allow(missing_docs)]
        pub enum ApiError {
            $( $(#[$doc])* #[error("{0}")] $variant(String), )*
            /// TooManyTags names the resource.
            #[error("{message}")]
            TooManyTags {
                message: String,
                resource_name: String,
            },
        }

        impl ApiError {
            /// The AWS error name, sent as `__type`.
            pub fn name(&self) -> &'static str {
                match self {
                    $( ApiError::$variant(_) => $name, )*
                    ApiError::TooManyTags { .. } => "TooManyTags",
                }
            }
        }
    };
}

api_errors! {
    InvalidName => "InvalidName",
    InvalidArn => "InvalidArn",
    InvalidDefinition => "InvalidDefinition",
    InvalidExecutionInput => "InvalidExecutionInput",
    InvalidToken => "InvalidToken",
    InvalidLoggingConfiguration => "InvalidLoggingConfiguration",
    InvalidTracingConfiguration => "InvalidTracingConfiguration",
    MissingRequiredParameter => "MissingRequiredParameter",
    StateMachineDoesNotExist => "StateMachineDoesNotExist",
    StateMachineAlreadyExists => "StateMachineAlreadyExists",
    StateMachineTypeNotSupported => "StateMachineTypeNotSupported",
    ExecutionDoesNotExist => "ExecutionDoesNotExist",
    ExecutionAlreadyExists => "ExecutionAlreadyExists",
    ExecutionNotRedrivable => "ExecutionNotRedrivable",
    ActivityDoesNotExist => "ActivityDoesNotExist",
    ResourceNotFound => "ResourceNotFound",
    TaskDoesNotExist => "TaskDoesNotExist",
    TaskTimedOut => "TaskTimedOut",
    InvalidOutput => "InvalidOutput",
    /// The request disagrees with the resource's current state.
    ConflictException => "ConflictException",
    /// A request field out of its constraints.
    ValidationException => "ValidationException",
    /// The body is not the JSON the action takes.
    SerializationException => "SerializationException",
    /// X-Amz-Target names no action.
    UnknownOperationException => "UnknownOperationException",
    /// The access key is not one this host knows (the console's sign-in).
    UnrecognizedClientException => "UnrecognizedClientException",
    /// The request body is larger than the API takes.
    RequestEntityTooLarge => "RequestEntityTooLargeException",
    /// The host cannot do it now (it is shutting down, or does not hold the execution):
    /// HTTP 503, worth retrying.
    ServiceUnavailable => "ServiceUnavailable",
    /// The host's own fault (the store failed, ...): HTTP 500.
    InternalFailure => "InternalFailure",
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::InternalFailure(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::RequestEntityTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// AWS's message for a field out of its constraints.
    pub fn constraint(field: &str, constraint: &str) -> ApiError {
        ApiError::ValidationException(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: {constraint}"
        ))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "the store failed a request");
        ApiError::InternalFailure(e.to_string())
    }
}

/// The content type of every JSON 1.0 response.
pub const AMZ_JSON: &str = "application/x-amz-json-1.0";

/// A JSON 1.0 response: `body` with `status` and the protocol's content type.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"__type": self.name(), "message": self.to_string()});
        if let ApiError::TooManyTags { resource_name, .. } = &self {
            body["resourceName"] = resource_name.clone().into();
        }
        let mut response = json_response(self.status(), &body);
        if let Ok(v) = HeaderValue::from_str(self.name()) {
            response.headers_mut().insert("x-amzn-ErrorType", v);
        }
        response
    }
}

/// A Lambda API error. Each variant is the Lambda exception of that name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[allow(missing_docs)]
pub enum LambdaError {
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    ResourceConflict(String),
    #[error("{0}")]
    InvalidParameterValue(String),
    #[error("{0}")]
    InvalidRequestContent(String),
    #[error("{0}")]
    RequestTooLarge(String),
    #[error("{0}")]
    Service(String),
}

impl LambdaError {
    /// The exception's name, sent in `x-amzn-ErrorType`.
    pub fn name(&self) -> &'static str {
        match self {
            LambdaError::ResourceNotFound(_) => "ResourceNotFoundException",
            LambdaError::ResourceConflict(_) => "ResourceConflictException",
            LambdaError::InvalidParameterValue(_) => "InvalidParameterValueException",
            LambdaError::InvalidRequestContent(_) => "InvalidRequestContentException",
            LambdaError::RequestTooLarge(_) => "RequestTooLargeException",
            LambdaError::Service(_) => "ServiceException",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            LambdaError::ResourceNotFound(_) => StatusCode::NOT_FOUND,
            LambdaError::ResourceConflict(_) => StatusCode::CONFLICT,
            LambdaError::InvalidParameterValue(_) | LambdaError::InvalidRequestContent(_) => {
                StatusCode::BAD_REQUEST
            }
            LambdaError::RequestTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            LambdaError::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for LambdaError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "the store failed a request");
        LambdaError::Service(e.to_string())
    }
}

impl IntoResponse for LambdaError {
    fn into_response(self) -> Response {
        let kind = if matches!(self, LambdaError::Service(_)) {
            "Service"
        } else {
            "User"
        };
        let body = json!({"Type": kind, "message": self.to_string()});
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(self.name()) {
            response.headers_mut().insert("x-amzn-ErrorType", v);
        }
        response
    }
}

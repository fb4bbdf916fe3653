//! The `States.*` error names and the failure value that travels through the interpreter, with
//! the matching rules of `ErrorEquals` (States.ALL, States.TaskFailed, timeouts).

/// Every predefined error name of the Amazon States Language.
pub mod names {
    #![allow(missing_docs)]
    pub const ALL: &str = "States.ALL";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    pub const PERMISSIONS: &str = "States.Permissions";
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
    pub const RUNTIME: &str = "States.Runtime";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
}

/// An error raised by a state: the name Retry and Catch match on, and its cause.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// The error name (`None` only for a Fail state without `Error`).
    pub error: Option<String>,
    /// The cause (`None` when there is none, as AWS distinguishes from "").
    pub cause: Option<String>,
    /// A HeartbeatSeconds expiry. AWS names it States.Timeout, like any timeout, yet a Retry
    /// or Catch naming States.HeartbeatTimeout matches it, and only it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub heartbeat: bool,
}

impl Failure {
    /// A failure with both parts.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
            heartbeat: false,
        }
    }

    /// A failure of these parts, each possibly absent (a Fail state's, SendTaskFailure's).
    pub fn of(error: Option<String>, cause: Option<String>) -> Self {
        Failure {
            error,
            cause,
            heartbeat: false,
        }
    }

    /// A HeartbeatSeconds expiry: States.Timeout with no cause, as AWS records it.
    pub fn heartbeat_timeout() -> Self {
        Failure {
            error: Some(names::TIMEOUT.into()),
            cause: None,
            heartbeat: true,
        }
    }

    /// True for errors that end the whole execution at once: AWS never retries or catches
    /// States.Runtime, whatever the retrier or catcher says.
    pub fn is_fatal(&self) -> bool {
        self.error.as_deref() == Some(names::RUNTIME)
    }

    /// Whether one `ErrorEquals` entry matches this failure.
    pub fn matches(&self, pattern: &str) -> bool {
        let error = self.error.as_deref().unwrap_or("");
        if pattern == error {
            return true;
        }
        match pattern {
            // States.ALL matches every error but the terminal ones.
            names::ALL => !matches!(error, names::RUNTIME | names::DATA_LIMIT_EXCEEDED),
            // States.TaskFailed matches every error but timeouts (and the terminal ones).
            names::TASK_FAILED => !matches!(
                error,
                names::RUNTIME
                    | names::DATA_LIMIT_EXCEEDED
                    | names::TIMEOUT
                    | names::HEARTBEAT_TIMEOUT
            ),
            // A heartbeat expiry is a timeout, and the one thing States.HeartbeatTimeout names
            // (besides an error of that name raised by a task).
            names::TIMEOUT => error == names::HEARTBEAT_TIMEOUT,
            names::HEARTBEAT_TIMEOUT => self.heartbeat,
            _ => false,
        }
    }

    /// Whether any entry of an `ErrorEquals` list matches.
    pub fn matches_any(&self, patterns: &[String]) -> bool {
        patterns.iter().any(|p| self.matches(p))
    }

    /// The object a Catch puts at its ResultPath: `{"Error": ..., "Cause": ...}`.
    pub fn to_catch_output(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(e) = &self.error {
            m.insert("Error".into(), e.clone().into());
        }
        if let Some(c) = &self.cause {
            m.insert("Cause".into(), c.clone().into());
        }
        serde_json::Value::Object(m)
    }
}

#[cfg(test)]
mod tests;

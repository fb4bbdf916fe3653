//! Why an SQS action fails: the errors SQS names, with the codes its two wire protocols use.

use crate::interp::Failure;

/// Why an SQS action failed. Each variant is the SQS error of that name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[allow(missing_docs)]
pub enum SqsError {
    #[error("{0}")]
    QueueDoesNotExist(String),
    #[error("{0}")]
    QueueNameExists(String),
    #[error("{0}")]
    InvalidAttributeName(String),
    #[error("{0}")]
    InvalidAttributeValue(String),
    #[error("{0}")]
    InvalidParameterValue(String),
    #[error("{0}")]
    MissingParameter(String),
    #[error("{0}")]
    InvalidMessageContents(String),
    #[error("{0}")]
    ReceiptHandleIsInvalid(String),
    #[error("{0}")]
    MessageNotInflight(String),
    #[error("{0}")]
    TooManyEntriesInBatchRequest(String),
    #[error("{0}")]
    EmptyBatchRequest(String),
    #[error("{0}")]
    BatchEntryIdsNotDistinct(String),
    #[error("{0}")]
    UnsupportedOperation(String),
    /// The host's own fault (the store failed).
    #[error("{0}")]
    Internal(String),
}

impl SqsError {
    /// The error's name: `__type` after `com.amazonaws.sqs#`.
    pub fn name(&self) -> &'static str {
        use SqsError::*;
        match self {
            QueueDoesNotExist(_) => "QueueDoesNotExist",
            QueueNameExists(_) => "QueueNameExists",
            InvalidAttributeName(_) => "InvalidAttributeName",
            InvalidAttributeValue(_) => "InvalidAttributeValue",
            InvalidParameterValue(_) => "InvalidParameterValue",
            MissingParameter(_) => "MissingParameter",
            InvalidMessageContents(_) => "InvalidMessageContents",
            ReceiptHandleIsInvalid(_) => "ReceiptHandleIsInvalid",
            MessageNotInflight(_) => "MessageNotInflight",
            TooManyEntriesInBatchRequest(_) => "TooManyEntriesInBatchRequest",
            EmptyBatchRequest(_) => "EmptyBatchRequest",
            BatchEntryIdsNotDistinct(_) => "BatchEntryIdsNotDistinct",
            UnsupportedOperation(_) => "UnsupportedOperation",
            Internal(_) => "InternalError",
        }
    }

    /// The code of the older Query protocol, which SDKs read from `x-amzn-query-error` and
    /// match modeled errors by.
    pub fn query_code(&self) -> &'static str {
        use SqsError::*;
        match self {
            QueueDoesNotExist(_) => "AWS.SimpleQueueService.NonExistentQueue",
            QueueNameExists(_) => "QueueAlreadyExists",
            MessageNotInflight(_) => "AWS.SimpleQueueService.MessageNotInflight",
            TooManyEntriesInBatchRequest(_) => {
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
            }
            EmptyBatchRequest(_) => "AWS.SimpleQueueService.EmptyBatchRequest",
            BatchEntryIdsNotDistinct(_) => "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            UnsupportedOperation(_) => "AWS.SimpleQueueService.UnsupportedOperation",
            other => other.name(),
        }
    }

    /// Whether the host, not the caller, is at fault.
    pub fn is_internal(&self) -> bool {
        matches!(self, SqsError::Internal(_))
    }

    /// The failure a Task state sees: AWS names SDK-integration errors
    /// `<Service>.<Exception>`.
    pub fn failure(&self) -> Failure {
        Failure::new(format!("SQS.{}Exception", self.name()), self.to_string())
    }

    /// SQS's InvalidParameterValue, with its usual preamble.
    pub(crate) fn invalid(reason: impl std::fmt::Display) -> SqsError {
        SqsError::InvalidParameterValue(format!(
            "One or more parameters are invalid. Reason: {reason}"
        ))
    }
}

impl From<crate::store::StoreError> for SqsError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "the store failed an SQS request");
        SqsError::Internal("The host could not store the change".into())
    }
}

/// `type Result` for this module.
pub type Result<T, E = SqsError> = std::result::Result<T, E>;

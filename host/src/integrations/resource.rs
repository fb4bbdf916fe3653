//! Task `Resource` ARNs: which kind of work a Task state asks for.

/// How the state waits on a service integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Call the API and move on with its response.
    RequestResponse,
    /// `.sync`: wait for the job the call started to finish.
    RunJob,
    /// `.sync:2`: the same, with the job's output as JSON rather than text (where a service
    /// distinguishes them, as `states:startExecution` does).
    RunJob2,
    /// `.waitForTaskToken`: wait until someone returns the task token.
    WaitForTaskToken,
}

impl Pattern {
    /// The pattern as a resource ARN spells it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Pattern::RequestResponse => "request-response",
            Pattern::RunJob => ".sync",
            Pattern::RunJob2 => ".sync:2",
            Pattern::WaitForTaskToken => ".waitForTaskToken",
        }
    }

    /// Request-response and both `.sync` versions.
    pub const RESPONSE_AND_SYNC: &'static [Pattern] =
        &[Pattern::RequestResponse, Pattern::RunJob, Pattern::RunJob2];
    /// Request-response and `.waitForTaskToken`.
    pub const RESPONSE_AND_TOKEN: &'static [Pattern] =
        &[Pattern::RequestResponse, Pattern::WaitForTaskToken];
    /// Every pattern.
    pub const ALL: &'static [Pattern] = &[
        Pattern::RequestResponse,
        Pattern::RunJob,
        Pattern::RunJob2,
        Pattern::WaitForTaskToken,
    ];
}

/// The fields of an ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, where the resource
/// may itself contain colons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, ...
    pub partition: &'a str,
    /// `states`, `lambda`, ...
    pub service: &'a str,
    /// The region (empty for service integrations).
    pub region: &'a str,
    /// The account (empty for service integrations).
    pub account: &'a str,
    /// Everything after the account.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN into its fields; `None` if it has fewer than six.
    pub fn parse(arn: &'a str) -> Option<Arn<'a>> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(region), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource: parts.next()?,
        })
    }
}

/// What a Resource ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource<'a> {
    /// `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
    LambdaFunction {
        /// The function's name.
        name: &'a str,
        /// A version or alias, if given.
        qualifier: Option<&'a str>,
    },
    /// `arn:aws:states:<region>:<account>:activity:<name>`.
    Activity {
        /// The activity's name.
        name: &'a str,
    },
    /// `arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]`.
    Service {
        /// The service, such as `lambda` or `sqs`.
        service: &'a str,
        /// The API action, such as `invoke` or `sendMessage`.
        action: &'a str,
        /// How the state waits.
        pattern: Pattern,
    },
}

impl<'a> Resource<'a> {
    /// Parses a Resource ARN; `None` if it names nothing a Task can run.
    pub fn parse(arn: &'a str) -> Option<Resource<'a>> {
        let Arn {
            service,
            resource: rest,
            ..
        } = Arn::parse(arn)?;
        match service {
            "lambda" => {
                let rest = rest.strip_prefix("function:")?;
                let (name, qualifier) = match rest.split_once(':') {
                    Some((name, q)) => (name, Some(q)),
                    None => (rest, None),
                };
                (!name.is_empty() && qualifier != Some(""))
                    .then_some(Resource::LambdaFunction { name, qualifier })
            }
            "states" => {
                if let Some(name) = rest.strip_prefix("activity:") {
                    return (!name.is_empty()).then_some(Resource::Activity { name });
                }
                let (service, action) = rest.split_once(':')?;
                let (action, pattern) = if let Some(a) = action.strip_suffix(".waitForTaskToken") {
                    (a, Pattern::WaitForTaskToken)
                } else if let Some(a) = action.strip_suffix(".sync:2") {
                    (a, Pattern::RunJob2)
                } else if let Some(a) = action.strip_suffix(".sync") {
                    (a, Pattern::RunJob)
                } else {
                    (action, Pattern::RequestResponse)
                };
                let word = |s: &str| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                };
                (word(service) && word(action)).then_some(Resource::Service {
                    service,
                    action,
                    pattern,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_function_arns() {
        assert_eq!(
            Resource::parse("arn:aws:lambda:us-east-1:123456789012:function:greeter"),
            Some(Resource::LambdaFunction {
                name: "greeter",
                qualifier: None
            })
        );
        assert_eq!(
            Resource::parse("arn:aws:lambda:eu-west-1:1:function:greeter:$LATEST"),
            Some(Resource::LambdaFunction {
                name: "greeter",
                qualifier: Some("$LATEST")
            })
        );
        assert_eq!(Resource::parse("arn:aws:lambda:us-east-1:1:layer:x"), None);
        assert_eq!(
            Resource::parse("arn:aws:lambda:us-east-1:1:function:"),
            None
        );
    }

    #[test]
    fn service_integrations_and_their_patterns() {
        let service = |arn| match Resource::parse(arn) {
            Some(Resource::Service {
                service,
                action,
                pattern,
            }) => (service, action, pattern),
            other => panic!("{arn}: {other:?}"),
        };
        assert_eq!(
            service("arn:aws:states:::lambda:invoke"),
            ("lambda", "invoke", Pattern::RequestResponse)
        );
        assert_eq!(
            service("arn:aws:states:::lambda:invoke.waitForTaskToken"),
            ("lambda", "invoke", Pattern::WaitForTaskToken)
        );
        assert_eq!(
            service("arn:aws:states:::states:startExecution.sync:2"),
            ("states", "startExecution", Pattern::RunJob2)
        );
        assert_eq!(
            service("arn:aws:states:::batch:submitJob.sync"),
            ("batch", "submitJob", Pattern::RunJob)
        );
    }

    #[test]
    fn activities_and_nonsense() {
        assert_eq!(
            Resource::parse("arn:aws:states:us-east-1:123456789012:activity:review"),
            Some(Resource::Activity { name: "review" })
        );
        for bad in [
            "",
            "arn",
            "arn:aws:s3:::bucket",
            "arn:aws:states:::",
            "nope",
        ] {
            assert_eq!(Resource::parse(bad), None, "{bad}");
        }
    }
}

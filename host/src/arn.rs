//! The ARN and name grammar of the host, a leaf: Task `Resource` ARNs (which kind of work a Task
//! state asks for, parsed once when its definition is compiled), the fields of any ARN, the
//! region and account the host mints ARNs with, and AWS's rules for names.
//!
//! Must not: import any other module of the crate. Everything above (the language, the
//! interpreter, the integrations, the API) reads ARNs through here.

use std::fmt;

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
        /// The service, such as `lambda`, `sqs` or `aws-sdk:dynamodb`.
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
                let (service, action) = split_service(rest)?;
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
                let sdk_word = |s: &str| s.strip_prefix("aws-sdk:").map_or(word(s), word);
                (sdk_word(service) && word(action)).then_some(Resource::Service {
                    service,
                    action,
                    pattern,
                })
            }
            _ => None,
        }
    }
}

/// Where the host says it is: the region and account in the ARNs it mints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The region, `us-east-1` unless configured.
    pub region: String,
    /// The account, `123456789012` unless configured.
    pub account: String,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        }
    }
}

impl Identity {
    /// `arn:aws:states:<region>:<account>:<kind>:<rest>`.
    pub fn states_arn(&self, kind: &str, rest: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:{kind}:{rest}",
            self.region, self.account
        )
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }
}

/// Most characters in a state machine, execution or activity name (AWS: 80).
pub const MAX_NAME_CHARS: usize = 80;

/// Whether `name` is a name of a state machine, execution or activity as AWS allows it: 1-80
/// characters, none of whitespace, brackets, wildcards, the special characters
/// `" # % \ ^ | ~ ` $ & , ; : /`, or control characters.
pub fn is_valid_name(name: &str) -> bool {
    let forbidden = |c: char| {
        c.is_whitespace()
            || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
            || ('\u{0}'..='\u{1f}').contains(&c)
            || ('\u{7f}'..='\u{9f}').contains(&c)
    };
    let chars = name.chars().count();
    chars > 0 && chars <= MAX_NAME_CHARS && !name.chars().any(forbidden)
}

/// What kind of work a Resource names, which decides the history events AWS records for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Lambda function ARN: LambdaFunction* events.
    Function,
    /// An activity ARN: Activity* events, a task token, and a worker that takes the task.
    Activity,
    /// A service integration: Task* events.
    Service,
}

/// A Task state's `Resource`, parsed once when its definition is compiled: its text, what it
/// names (if it names something a Task can run), and the names its history events show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskResource {
    arn: String,
    target: Option<Target>,
    kind: Kind,
    pattern: Pattern,
    resource_type: String,
    resource_name: String,
    region: Option<String>,
}

impl TaskResource {
    /// Reads a Resource ARN. Never fails: a Resource that names nothing runnable is kept as
    /// text (the validator and the host's registry say what is wrong with it).
    pub fn new(arn: impl Into<String>) -> TaskResource {
        let arn = arn.into();
        let (kind, pattern) = match Arn::parse(&arn) {
            Some(a) if a.service == "lambda" && a.resource.starts_with("function:") => {
                (Kind::Function, Pattern::RequestResponse)
            }
            Some(a) if a.service == "states" && a.resource.starts_with("activity:") => {
                (Kind::Activity, Pattern::WaitForTaskToken)
            }
            _ => match Resource::parse(&arn) {
                Some(Resource::Service { pattern, .. }) => (Kind::Service, pattern),
                _ => (Kind::Service, Pattern::RequestResponse),
            },
        };
        let (resource_type, resource_name) = event_names(&arn);
        let target = Resource::parse(&arn).map(|r| Target::of(&r));
        let region = Arn::parse(&arn)
            .map(|a| a.region)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        TaskResource {
            arn,
            target,
            kind,
            pattern,
            resource_type,
            resource_name,
            region,
        }
    }

    /// The region the ARN names, if it names one (`arn:aws:states:eu-west-1::aws-sdk:...`).
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The ARN as written.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// What it names, if it names something a Task can run (read when it was made).
    pub fn target(&self) -> Option<Resource<'_>> {
        self.target.as_ref().map(Target::as_resource)
    }

    /// Function, activity or service integration.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// How the state waits (an activity waits for its token).
    pub fn pattern(&self) -> Pattern {
        self.pattern
    }

    /// Whether it is an activity, whose start is a worker taking the task: the one kind
    /// whose TaskStarted is not recorded when it is invoked.
    pub fn is_activity(&self) -> bool {
        self.kind == Kind::Activity
    }

    /// Whether a task of this resource gets a task token: activities, and callbacks.
    pub fn takes_token(&self) -> bool {
        self.kind == Kind::Activity || self.pattern == Pattern::WaitForTaskToken
    }

    /// Whether it runs a job (`.sync`, `.sync:2`), to cancel if the task is aborted.
    pub fn is_job(&self) -> bool {
        matches!(self.pattern, Pattern::RunJob | Pattern::RunJob2)
    }

    /// The `resourceType` AWS shows in Task events: `lambda` for
    /// `arn:aws:states:::lambda:invoke`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The `resource` AWS shows in Task events: `invoke` for `arn:aws:states:::lambda:invoke`.
    pub fn resource_name(&self) -> &str {
        &self.resource_name
    }
}

/// A [`Resource`] that owns its names, kept on a [`TaskResource`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    LambdaFunction {
        name: String,
        qualifier: Option<String>,
    },
    Activity {
        name: String,
    },
    Service {
        service: String,
        action: String,
        pattern: Pattern,
    },
}

impl Target {
    fn of(resource: &Resource<'_>) -> Target {
        match *resource {
            Resource::LambdaFunction { name, qualifier } => Target::LambdaFunction {
                name: name.to_owned(),
                qualifier: qualifier.map(str::to_owned),
            },
            Resource::Activity { name } => Target::Activity {
                name: name.to_owned(),
            },
            Resource::Service {
                service,
                action,
                pattern,
            } => Target::Service {
                service: service.to_owned(),
                action: action.to_owned(),
                pattern,
            },
        }
    }

    fn as_resource(&self) -> Resource<'_> {
        match self {
            Target::LambdaFunction { name, qualifier } => Resource::LambdaFunction {
                name,
                qualifier: qualifier.as_deref(),
            },
            Target::Activity { name } => Resource::Activity { name },
            Target::Service {
                service,
                action,
                pattern,
            } => Resource::Service {
                service,
                action,
                pattern: *pattern,
            },
        }
    }
}

impl fmt::Display for TaskResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl PartialEq<str> for TaskResource {
    fn eq(&self, other: &str) -> bool {
        self.arn == other
    }
}

impl PartialEq<&str> for TaskResource {
    fn eq(&self, other: &&str) -> bool {
        self.arn == *other
    }
}

/// Splits `service:action` after `arn:aws:states:::`; an AWS SDK integration's service is
/// `aws-sdk:NAME`, as its events' `resourceType` shows it.
fn split_service(rest: &str) -> Option<(&str, &str)> {
    match rest.strip_prefix("aws-sdk:") {
        Some(sdk) => {
            let (_, action) = sdk.split_once(':')?;
            Some((&rest[..rest.len() - action.len() - 1], action))
        }
        None => rest.split_once(':'),
    }
}

/// The `resourceType` and `resource` AWS shows in Task events for a Resource ARN:
/// `arn:aws:states:::lambda:invoke` → (`lambda`, `invoke`).
fn event_names(arn: &str) -> (String, String) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "states", _, _, rest] => {
            let rest = rest.trim_start_matches(':');
            match split_service(rest) {
                Some((service, action)) if !rest.starts_with("activity") => {
                    (service.to_owned(), action.to_owned())
                }
                _ => ("activity".to_owned(), arn.to_owned()),
            }
        }
        ["arn", _, service, ..] => ((*service).to_owned(), arn.to_owned()),
        _ => ("unknown".to_owned(), arn.to_owned()),
    }
}

#[cfg(test)]
mod tests;

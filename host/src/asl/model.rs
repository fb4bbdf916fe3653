//! The typed model of a state machine definition: serde types for every state and field AWS
//! documents. Deserialising only checks shapes; the rules between fields (targets exist, paths
//! parse, exactly one of Seconds/Timestamp, ...) live in `validate/`, which runs first and
//! reports every problem at once. Paths, templates and intrinsic calls are parsed here, once, so
//! the interpreter never parses text on its hot path.

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::intrinsics;
use super::path::{ParseError as PathParseError, Query, ReferencePath};
use super::query::{Evaluable, QueryLanguage};
use super::template::Template;

/// A whole state machine, or a Parallel branch, or a Map's item processor: `StartAt` + `States`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateMachine {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// The first state.
    pub start_at: String,
    /// The states, in definition order.
    pub states: IndexMap<String, State>,
    /// The whole execution's time limit (top level only).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// ASL version; only "1.0" exists.
    #[serde(default)]
    pub version: Option<String>,
    /// Only present in a Map's `ItemProcessor`.
    #[serde(default)]
    pub processor_config: Option<ProcessorConfig>,
    /// The query language of every state that does not name its own (top level only).
    #[serde(default)]
    pub query_language: Option<QueryLanguage>,
}

/// One state, by its `Type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "Type")]
pub enum State {
    /// Copies or shapes data.
    Pass(Pass),
    /// Runs a unit of work.
    Task(Box<Task>),
    /// Branches on the input.
    Choice(Choice),
    /// Delays.
    Wait(Wait),
    /// Ends the execution (or branch) successfully.
    Succeed(Succeed),
    /// Ends the execution (or branch) with an error.
    Fail(Fail),
    /// Runs branches side by side.
    Parallel(Box<Parallel>),
    /// Runs one processor per item.
    Map(Box<Map>),
}

impl State {
    /// The `Type` string, as written in the definition and in history event names.
    pub fn type_name(&self) -> &'static str {
        match self {
            State::Pass(_) => "Pass",
            State::Task(_) => "Task",
            State::Choice(_) => "Choice",
            State::Wait(_) => "Wait",
            State::Succeed(_) => "Succeed",
            State::Fail(_) => "Fail",
            State::Parallel(_) => "Parallel",
            State::Map(_) => "Map",
        }
    }

    /// Where the state goes next, when it is not a terminal or a Choice.
    pub fn transition(&self) -> Option<&Transition> {
        match self {
            State::Pass(s) => Some(&s.transition),
            State::Task(s) => Some(&s.transition),
            State::Wait(s) => Some(&s.transition),
            State::Parallel(s) => Some(&s.transition),
            State::Map(s) => Some(&s.transition),
            State::Choice(_) | State::Succeed(_) | State::Fail(_) => None,
        }
    }

    /// The state's own `QueryLanguage`, if it names one.
    pub fn query_language(&self) -> Option<QueryLanguage> {
        match self {
            State::Succeed(s) => s.query_language,
            State::Fail(s) => s.query_language,
            _ => self.query_fields().and_then(|q| q.query_language),
        }
    }

    /// `Assign`, as written.
    pub fn assign(&self) -> Option<&Value> {
        self.query_fields().and_then(|q| q.assign.as_ref())
    }

    /// `Output`, as written.
    pub fn output(&self) -> Option<&Value> {
        match self {
            State::Succeed(s) => s.output.as_ref(),
            _ => self.query_fields().and_then(|q| q.output.as_ref()),
        }
    }

    fn query_fields(&self) -> Option<&QueryFields> {
        match self {
            State::Pass(s) => Some(&s.query),
            State::Task(s) => Some(&s.query),
            State::Choice(s) => Some(&s.query),
            State::Wait(s) => Some(&s.query),
            State::Parallel(s) => Some(&s.query),
            State::Map(s) => Some(&s.query),
            State::Succeed(_) | State::Fail(_) => None,
        }
    }

    /// InputPath and OutputPath, which every state but Fail has.
    pub fn io(&self) -> Option<&InputOutput> {
        match self {
            State::Pass(s) => Some(&s.io),
            State::Task(s) => Some(&s.io),
            State::Choice(s) => Some(&s.io),
            State::Wait(s) => Some(&s.io),
            State::Succeed(s) => Some(&s.io),
            State::Parallel(s) => Some(&s.io),
            State::Map(s) => Some(&s.io),
            State::Fail(_) => None,
        }
    }
}

/// The fields most states share for their query language: `QueryLanguage`, `Assign` and
/// `Output` (whose meaning depends on the language; `Program` parses them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryFields {
    /// This state's query language, over the machine's.
    #[serde(default)]
    pub query_language: Option<QueryLanguage>,
    /// Workflow variables to set (either language).
    #[serde(default, deserialize_with = "present")]
    pub assign: Option<Value>,
    /// The state output (JSONata).
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Value>,
}

/// `Next` or `End: true`. Validation guarantees exactly one of them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transition {
    /// The state to go to.
    #[serde(default)]
    pub next: Option<String>,
    /// This state ends its machine.
    #[serde(default)]
    pub end: bool,
}

/// A path that may also be JSON `null`, which AWS gives a meaning of its own: `InputPath: null`
/// feeds `{}` to the state, `OutputPath: null` sends `{}` on.
#[derive(Debug, Clone)]
pub enum NullablePath {
    /// Select with this query.
    Path(Query),
    /// Explicit `null`: discard the document.
    Null,
}

/// `ResultPath`: where a state's result goes in its input. `null` discards the result.
#[derive(Debug, Clone)]
pub enum ResultPath {
    /// Put the result at this reference path (`$` replaces the input).
    Path(ReferencePath),
    /// Explicit `null`: keep the input, drop the result.
    Discard,
}

/// InputPath and OutputPath.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputOutput {
    /// Selects the state's input; absent means `$`.
    #[serde(default, deserialize_with = "nullable_path")]
    pub input_path: Option<NullablePath>,
    /// Selects the state's output; absent means `$`.
    #[serde(default, deserialize_with = "nullable_path")]
    pub output_path: Option<NullablePath>,
}

/// A Pass state.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pass {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// QueryLanguage, Assign and Output.
    #[serde(flatten)]
    pub query: QueryFields,
    /// Next or End.
    #[serde(flatten)]
    pub transition: Transition,
    /// InputPath and OutputPath.
    #[serde(flatten)]
    pub io: InputOutput,
    /// Shapes the input.
    #[serde(default)]
    pub parameters: Option<Template>,
    /// A fixed result; `.$` keys in it are *not* evaluated (AWS treats them as literals).
    #[serde(default)]
    pub result: Option<Value>,
    /// Where the result goes.
    #[serde(default, deserialize_with = "result_path")]
    pub result_path: Option<ResultPath>,
}

/// A Task state.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Task {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// QueryLanguage, Assign and Output.
    #[serde(flatten)]
    pub query: QueryFields,
    /// The task or branch input (JSONata).
    #[serde(default, deserialize_with = "present")]
    pub arguments: Option<Value>,
    /// Next or End.
    #[serde(flatten)]
    pub transition: Transition,
    /// InputPath and OutputPath.
    #[serde(flatten)]
    pub io: InputOutput,
    /// The ARN of what runs, parsed once here.
    #[serde(deserialize_with = "task_resource")]
    pub resource: std::sync::Arc<crate::arn::TaskResource>,
    /// Shapes the task input.
    #[serde(default)]
    pub parameters: Option<Template>,
    /// Shapes the task result.
    #[serde(default)]
    pub result_selector: Option<Template>,
    /// Where the result goes.
    #[serde(default, deserialize_with = "result_path")]
    pub result_path: Option<ResultPath>,
    /// Retries on error.
    #[serde(default)]
    pub retry: Vec<Retrier>,
    /// Fallbacks on error.
    #[serde(default)]
    pub catch: Vec<Catcher>,
    /// Time limit in seconds (AWS default: 60 for activities and integrations, none for Lambda
    /// beyond its own limit; we default to none and let the resource decide).
    #[serde(default)]
    pub timeout_seconds: Option<Evaluable<u64>>,
    /// Time limit read from the input.
    #[serde(default)]
    pub timeout_seconds_path: Option<ReferencePath>,
    /// The longest silence between heartbeats.
    #[serde(default)]
    pub heartbeat_seconds: Option<Evaluable<u64>>,
    /// Heartbeat interval read from the input.
    #[serde(default)]
    pub heartbeat_seconds_path: Option<ReferencePath>,
    /// A role to assume (`RoleArn`, possibly `RoleArn.$`); kept for the integrations.
    #[serde(default)]
    pub credentials: Option<Template>,
}

/// A Choice state.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Choice {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// QueryLanguage, Assign and Output.
    #[serde(flatten)]
    pub query: QueryFields,
    /// InputPath and OutputPath.
    #[serde(flatten)]
    pub io: InputOutput,
    /// The rules, tried in order.
    #[serde(deserialize_with = "choice_branches")]
    pub choices: Vec<super::choice::ChoiceBranch>,
    /// Where to go when no rule matches; without it, no match fails with States.NoChoiceMatched.
    #[serde(default)]
    pub default: Option<String>,
}

/// A Wait state: exactly one of the four fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Wait {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// QueryLanguage, Assign and Output.
    #[serde(flatten)]
    pub query: QueryFields,
    /// Next or End.
    #[serde(flatten)]
    pub transition: Transition,
    /// InputPath and OutputPath.
    #[serde(flatten)]
    pub io: InputOutput,
    /// Seconds to wait.
    #[serde(default)]
    pub seconds: Option<Evaluable<u64>>,
    /// Seconds to wait, read from the input.
    #[serde(default)]
    pub seconds_path: Option<ReferencePath>,
    /// Wait until this RFC 3339 time.
    #[serde(default)]
    pub timestamp: Option<Evaluable<String>>,
    /// Wait until a time read from the input.
    #[serde(default)]
    pub timestamp_path: Option<ReferencePath>,
}

/// A Succeed state.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Succeed {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// This state's query language, over the machine's.
    #[serde(default)]
    pub query_language: Option<QueryLanguage>,
    /// The state output (JSONata).
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Value>,
    /// InputPath and OutputPath.
    #[serde(flatten)]
    pub io: InputOutput,
}

/// A Fail state.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fail {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// This state's query language, over the machine's.
    #[serde(default)]
    pub query_language: Option<QueryLanguage>,
    /// The error name.
    #[serde(default)]
    pub error: Option<String>,
    /// The error name, from a path or an intrinsic function.
    #[serde(default)]
    pub error_path: Option<Dynamic>,
    /// The cause.
    #[serde(default)]
    pub cause: Option<String>,
    /// The cause, from a path or an intrinsic function.
    #[serde(default)]
    pub cause_path: Option<Dynamic>,
}

/// A Parallel state.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parallel {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// QueryLanguage, Assign and Output.
    #[serde(flatten)]
    pub query: QueryFields,
    /// The task or branch input (JSONata).
    #[serde(default, deserialize_with = "present")]
    pub arguments: Option<Value>,
    /// Next or End.
    #[serde(flatten)]
    pub transition: Transition,
    /// InputPath and OutputPath.
    #[serde(flatten)]
    pub io: InputOutput,
    /// The branches; each gets the same input.
    pub branches: Vec<StateMachine>,
    /// Shapes the input given to every branch.
    #[serde(default)]
    pub parameters: Option<Template>,
    /// Shapes the array of branch outputs.
    #[serde(default)]
    pub result_selector: Option<Template>,
    /// Where the result goes.
    #[serde(default, deserialize_with = "result_path")]
    pub result_path: Option<ResultPath>,
    /// Retries on error.
    #[serde(default)]
    pub retry: Vec<Retrier>,
    /// Fallbacks on error.
    #[serde(default)]
    pub catch: Vec<Catcher>,
}

/// A Map state, in its current form (`ItemProcessor`, `ItemSelector`) or the legacy one
/// (`Iterator`, `Parameters`); `processor()` and `selector()` read whichever is present.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Map {
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
    /// QueryLanguage, Assign and Output.
    #[serde(flatten)]
    pub query: QueryFields,
    /// The items: an array or an expression giving one (JSONata).
    #[serde(default, deserialize_with = "present")]
    pub items: Option<Value>,
    /// Next or End.
    #[serde(flatten)]
    pub transition: Transition,
    /// InputPath and OutputPath.
    #[serde(flatten)]
    pub io: InputOutput,
    /// What runs for each item.
    #[serde(default)]
    pub item_processor: Option<StateMachine>,
    /// Legacy name of `ItemProcessor` (always inline).
    #[serde(default)]
    pub iterator: Option<StateMachine>,
    /// Where the items are in the input; default `$`.
    #[serde(default)]
    pub items_path: Option<Query>,
    /// Shapes each item.
    #[serde(default)]
    pub item_selector: Option<Template>,
    /// Legacy name of `ItemSelector`.
    #[serde(default)]
    pub parameters: Option<Template>,
    /// Reads items from a resource (Distributed mode).
    #[serde(default)]
    pub item_reader: Option<ItemReader>,
    /// Groups items into batches (Distributed mode).
    #[serde(default)]
    pub item_batcher: Option<ItemBatcher>,
    /// Writes results to a resource, or shapes them (Distributed mode).
    #[serde(default)]
    pub result_writer: Option<ResultWriter>,
    /// At most this many items at once; 0 means no limit.
    #[serde(default)]
    pub max_concurrency: Option<Evaluable<u64>>,
    /// MaxConcurrency read from the input.
    #[serde(default)]
    pub max_concurrency_path: Option<ReferencePath>,
    /// How many items may fail before the Map fails.
    #[serde(default)]
    pub tolerated_failure_count: Option<Evaluable<u64>>,
    /// ToleratedFailureCount read from the input.
    #[serde(default)]
    pub tolerated_failure_count_path: Option<ReferencePath>,
    /// Which percentage of items may fail before the Map fails.
    #[serde(default)]
    pub tolerated_failure_percentage: Option<Evaluable<f64>>,
    /// ToleratedFailurePercentage read from the input.
    #[serde(default)]
    pub tolerated_failure_percentage_path: Option<ReferencePath>,
    /// Names child executions (Distributed mode).
    #[serde(default)]
    pub label: Option<String>,
    /// Shapes the array of results.
    #[serde(default)]
    pub result_selector: Option<Template>,
    /// Where the result goes.
    #[serde(default, deserialize_with = "result_path")]
    pub result_path: Option<ResultPath>,
    /// Retries on error.
    #[serde(default)]
    pub retry: Vec<Retrier>,
    /// Fallbacks on error.
    #[serde(default)]
    pub catch: Vec<Catcher>,
}

impl Map {
    /// The item processor, whichever name it was written under.
    pub fn processor(&self) -> Option<&StateMachine> {
        self.item_processor.as_ref().or(self.iterator.as_ref())
    }

    /// The per-item template, whichever name it was written under.
    pub fn selector(&self) -> Option<&Template> {
        self.item_selector.as_ref().or(self.parameters.as_ref())
    }

    /// True when items run as child workflows (Distributed mode).
    pub fn is_distributed(&self) -> bool {
        self.processor()
            .and_then(|p| p.processor_config.as_ref())
            .is_some_and(|c| c.mode == ProcessorMode::Distributed)
    }
}

/// `ItemProcessor.ProcessorConfig`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessorConfig {
    /// INLINE (default) or DISTRIBUTED.
    #[serde(default)]
    pub mode: ProcessorMode,
    /// STANDARD or EXPRESS child executions (Distributed mode).
    #[serde(default)]
    pub execution_type: Option<String>,
}

/// Where a Map's items run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ProcessorMode {
    /// In the parent execution.
    #[default]
    Inline,
    /// As child workflow executions.
    Distributed,
}

/// `ItemReader`: where a Distributed Map reads its items (an S3 object or listing).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemReader {
    /// `arn:aws:states:::s3:getObject` or `arn:aws:states:::s3:listObjectsV2`.
    #[serde(deserialize_with = "task_resource")]
    pub resource: std::sync::Arc<crate::arn::TaskResource>,
    /// The call's parameters (JSONPath).
    #[serde(default)]
    pub parameters: Option<Template>,
    /// The call's arguments (JSONata), compiled into the state's query fields.
    #[serde(default)]
    pub arguments: Option<Value>,
    /// How the object is read.
    #[serde(default)]
    pub reader_config: ReaderConfig,
}

/// `ItemReader.ReaderConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReaderConfig {
    /// CSV, JSON, JSONL or MANIFEST (getObject); absent for a listing.
    #[serde(default)]
    pub input_type: Option<String>,
    /// FIRST_ROW or GIVEN (CSV).
    #[serde(rename = "CSVHeaderLocation", default)]
    pub csv_header_location: Option<String>,
    /// The column names when CSVHeaderLocation is GIVEN.
    #[serde(rename = "CSVHeaders", default)]
    pub csv_headers: Option<Vec<String>>,
    /// COMMA (default), PIPE, SEMICOLON, SPACE or TAB.
    #[serde(rename = "CSVDelimiter", default)]
    pub csv_delimiter: Option<String>,
    /// Reads at most this many items.
    #[serde(default)]
    pub max_items: Option<Evaluable<u64>>,
    /// MaxItems read from the input.
    #[serde(default)]
    pub max_items_path: Option<ReferencePath>,
}

/// `ResultWriter`: where a Distributed Map's results go (S3), and how they are shaped.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultWriter {
    /// `arn:aws:states:::s3:putObject`; absent when the results only change shape.
    #[serde(default, deserialize_with = "optional_task_resource")]
    pub resource: Option<std::sync::Arc<crate::arn::TaskResource>>,
    /// Bucket and Prefix (JSONPath).
    #[serde(default)]
    pub parameters: Option<Template>,
    /// Bucket and Prefix (JSONata), compiled into the state's query fields.
    #[serde(default)]
    pub arguments: Option<Value>,
    /// OutputType and Transformation.
    #[serde(default)]
    pub writer_config: Option<WriterConfig>,
}

/// `ResultWriter.WriterConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriterConfig {
    /// JSON (default) or JSONL.
    #[serde(default)]
    pub output_type: Option<String>,
    /// NONE, COMPACT or FLATTEN.
    #[serde(default)]
    pub transformation: Option<String>,
}

/// `ItemBatcher`: items are handed to the processor in groups.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemBatcher {
    /// At most this many items per batch.
    #[serde(default)]
    pub max_items_per_batch: Option<u64>,
    /// MaxItemsPerBatch read from the input.
    #[serde(default)]
    pub max_items_per_batch_path: Option<ReferencePath>,
    /// At most this many bytes of items per batch.
    #[serde(default)]
    pub max_input_bytes_per_batch: Option<u64>,
    /// MaxInputBytesPerBatch read from the input.
    #[serde(default)]
    pub max_input_bytes_per_batch_path: Option<ReferencePath>,
    /// A fixed JSON input given with every batch.
    #[serde(default)]
    pub batch_input: Option<Template>,
}

/// One `Retry` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retrier {
    /// The error names it applies to.
    pub error_equals: Vec<String>,
    /// Seconds before the first retry (default 1).
    #[serde(default = "default_interval")]
    pub interval_seconds: u64,
    /// Retries at most this many times (default 3; 0 never retries).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u64,
    /// Multiplier of the interval per retry (default 2.0).
    #[serde(default = "default_backoff")]
    pub backoff_rate: f64,
    /// Caps the interval.
    #[serde(default)]
    pub max_delay_seconds: Option<u64>,
    /// FULL or NONE (default).
    #[serde(default)]
    pub jitter_strategy: JitterStrategy,
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
}

fn default_interval() -> u64 {
    1
}
fn default_max_attempts() -> u64 {
    3
}
fn default_backoff() -> f64 {
    2.0
}

/// `JitterStrategy` of a retrier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum JitterStrategy {
    /// A random delay between 0 and the computed delay, so that many retrying executions
    /// spread out instead of retrying in lockstep.
    Full,
    /// Exactly the computed delay.
    #[default]
    None,
}

/// One `Catch` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catcher {
    /// The error names it applies to.
    pub error_equals: Vec<String>,
    /// Where to go.
    pub next: String,
    /// Where the error object goes in the state's input (default `$`).
    #[serde(default, deserialize_with = "result_path")]
    pub result_path: Option<ResultPath>,
    /// Workflow variables to set when it catches (either language).
    #[serde(default, deserialize_with = "present")]
    pub assign: Option<Value>,
    /// The state output when it catches (JSONata).
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Value>,
    /// Free text.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A value computed at run time from a path or an intrinsic call (Fail's ErrorPath/CausePath).
#[derive(Debug, Clone)]
pub enum Dynamic {
    /// A JSONPath into the state input or context.
    Path(Query),
    /// An intrinsic function call, with its text as written.
    Call(String, Box<intrinsics::Call>),
}

impl Dynamic {
    /// Parses `text` as an intrinsic call when it looks like one, else as a path.
    pub fn parse(text: &str) -> Result<Self, DynamicError> {
        if intrinsics::looks_like_call(text) {
            Ok(Dynamic::Call(
                text.to_owned(),
                Box::new(intrinsics::parse(text)?),
            ))
        } else {
            Ok(Dynamic::Path(Query::parse(text)?))
        }
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        match self {
            Dynamic::Path(q) => q.text(),
            Dynamic::Call(text, _) => text,
        }
    }
}

/// Why a Fail state's `ErrorPath` / `CausePath` text is neither an intrinsic call nor a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DynamicError {
    /// It looks like an intrinsic call and is not a valid one.
    #[error(transparent)]
    Call(#[from] intrinsics::ParseError),
    /// It is not a valid path.
    #[error(transparent)]
    Path(#[from] PathParseError),
}

impl<'de> Deserialize<'de> for Dynamic {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Dynamic::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Query {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Query::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for ReferencePath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ReferencePath::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A field that is present, even as `null` (`"Output": null` outputs null).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn nullable_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NullablePath>, D::Error> {
    Ok(Some(match Option::<String>::deserialize(d)? {
        None => NullablePath::Null,
        Some(text) => NullablePath::Path(Query::parse(&text).map_err(serde::de::Error::custom)?),
    }))
}

fn result_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ResultPath>, D::Error> {
    Ok(Some(match Option::<String>::deserialize(d)? {
        None => ResultPath::Discard,
        Some(text) => {
            ResultPath::Path(ReferencePath::parse(&text).map_err(serde::de::Error::custom)?)
        }
    }))
}

fn choice_branches<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<super::choice::ChoiceBranch>, D::Error> {
    let values = Vec::<Value>::deserialize(d)?;
    let mut diags = Vec::new();
    let mut branches = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        if let Some(b) = super::choice::parse_branch(v, &format!("/Choices/{i}"), &mut diags) {
            branches.push(b);
        }
    }
    match diags.first() {
        Some(d) => Err(serde::de::Error::custom(&d.message)),
        None => Ok(branches),
    }
}

/// A Task's `Resource`: its ARN, read once.
fn optional_task_resource<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<std::sync::Arc<crate::arn::TaskResource>>, D::Error> {
    task_resource(d).map(Some)
}

fn task_resource<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::sync::Arc<crate::arn::TaskResource>, D::Error> {
    let arn = String::deserialize(d)?;
    Ok(std::sync::Arc::new(crate::arn::TaskResource::new(arn)))
}

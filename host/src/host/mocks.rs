//! Mocks: the mock file (`serve --mock-config FILE`, `SFN_MOCK_CONFIG`) and the task runner
//! of an execution started as one of its test cases (`stateMachineArn#TestCase`).
//!
//! The file is read again when it changes (its modification time, looked at when a test case
//! is asked for); a file that no longer reads is refused with the JSON path of the problem and
//! the one read before stays. A mocked state's invocations count from zero, retries
//! included; any Task can be mocked: a function, an activity (its task is taken at once), a
//! callback (the mocked response is what the token brings) or a `.sync` job (the mocked
//! response is the job's result). States the test case does not list run for real.
//!
//! Must not: know the file's format ([`crate::mock`] does).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::arn::Pattern;
use crate::executor::{Heartbeat, TaskFuture, TaskOutcome, TaskRunner};
use crate::integrations::CancelFuture;
use crate::interp::errors::names;
use crate::interp::{Failure, TaskRequest};
use crate::mock::{MockConfig, MockError, Outcome, TestCase};

/// The mock file, if the host has one.
#[derive(Debug, Default)]
pub struct Mocks {
    path: Option<PathBuf>,
    current: Mutex<Loaded>,
}

#[derive(Debug, Default)]
struct Loaded {
    modified: Option<SystemTime>,
    config: Arc<MockConfig>,
}

/// Why a test case cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum MockLookupError {
    /// The host was started without a mock file.
    #[error(
        "no mock file is configured (start the host with --mock-config FILE or SFN_MOCK_CONFIG)"
    )]
    NoFile,
    /// The file does not have it.
    #[error("the mock file has no test case '{case}' for state machine '{machine}'")]
    NoTestCase {
        /// The machine's name.
        machine: String,
        /// The test case.
        case: String,
    },
}

/// Why the mock file could not be read at start.
#[derive(Debug, thiserror::Error)]
pub enum MockFileError {
    /// It could not be read.
    #[error("cannot read the mock file {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// It is not a valid mock file.
    #[error("{path}: {error}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        error: MockError,
    },
}

impl Mocks {
    /// No mock file: every test case is refused.
    pub fn none() -> Mocks {
        Mocks::default()
    }

    /// The mock file at `path`, read now.
    pub fn load(path: PathBuf) -> Result<Mocks, MockFileError> {
        let (config, modified) = read(&path)?;
        Ok(Mocks {
            path: Some(path),
            current: Mutex::new(Loaded {
                modified,
                config: Arc::new(config),
            }),
        })
    }

    /// Test case `case` of machine `machine`, from the file as it is now.
    pub fn test_case(&self, machine: &str, case: &str) -> Result<Arc<TestCase>, MockLookupError> {
        let Some(path) = &self.path else {
            return Err(MockLookupError::NoFile);
        };
        let mut loaded = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if modified != loaded.modified {
            match read(path) {
                Ok((config, modified)) => {
                    tracing::info!(path = %path.display(), "mock file reloaded");
                    *loaded = Loaded {
                        modified,
                        config: Arc::new(config),
                    };
                }
                Err(e) => {
                    // The file read before stays; it is not read again until it changes.
                    tracing::warn!(error = %e, "the changed mock file is refused; the previous one stays");
                    loaded.modified = modified;
                }
            }
        }
        loaded
            .config
            .test_case(machine, case)
            .ok_or_else(|| MockLookupError::NoTestCase {
                machine: machine.to_owned(),
                case: case.to_owned(),
            })
    }
}

fn read(path: &PathBuf) -> Result<(MockConfig, Option<SystemTime>), MockFileError> {
    let shown = path.display().to_string();
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let text = std::fs::read_to_string(path).map_err(|e| MockFileError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let config =
        MockConfig::parse(&text).map_err(|error| MockFileError::Invalid { path: shown, error })?;
    Ok((config, modified))
}

/// Runs an execution's tasks as its test case says: mocked states get their mocked
/// responses, the others run for real.
pub struct MockedRunner {
    inner: Arc<dyn TaskRunner>,
    case: Arc<TestCase>,
    /// Invocations so far, by state name.
    counts: Mutex<HashMap<String, u32>>,
}

impl MockedRunner {
    /// Test case `case` over the real runner `inner`.
    pub fn new(inner: Arc<dyn TaskRunner>, case: Arc<TestCase>) -> MockedRunner {
        MockedRunner::resuming(inner, case, HashMap::new())
    }

    /// The same, for an execution rebuilt from its steps (woken, or resumed after a restart):
    /// `invoked` says how many invocations of each state already ended, so the next one is
    /// the invocation after them rather than invocation 0 again.
    pub fn resuming(
        inner: Arc<dyn TaskRunner>,
        case: Arc<TestCase>,
        invoked: HashMap<String, u32>,
    ) -> MockedRunner {
        MockedRunner {
            inner,
            case,
            counts: Mutex::new(invoked),
        }
    }

    /// The mocked outcome of this invocation of the request's state, if the state is mocked.
    fn mocked(&self, request: &TaskRequest) -> Option<Result<Value, Failure>> {
        let state = request.context["State"]["Name"].as_str()?;
        let response = self.case.states.get(state)?;
        let n = {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            let count = counts.entry(state.to_owned()).or_insert(0);
            let n = *count;
            *count += 1;
            n
        };
        Some(match response.at(n) {
            Some(Outcome::Return(v)) => Ok(v.clone()),
            Some(Outcome::Throw { error, cause }) => Err(Failure::new(error, cause.clone())),
            None => Err(Failure::new(
                names::RUNTIME,
                format!(
                    "the mocked response '{}' of state '{state}' in test case '{}' has no invocation {n} (invocations count from 0, retries included)",
                    response.name, self.case.name
                ),
            )),
        })
    }
}

impl TaskRunner for MockedRunner {
    fn run(&self, request: TaskRequest, heartbeat: Heartbeat) -> TaskFuture {
        let Some(mocked) = self.mocked(&request) else {
            return self.inner.run(request, heartbeat);
        };
        // The same events as a real run: an activity is taken, a job or a callback is
        // submitted, then the mocked response ends the task.
        let resource = &request.resource;
        if resource.is_activity() {
            heartbeat.taken();
        } else if resource.is_job() || resource.pattern() == Pattern::WaitForTaskToken {
            heartbeat.submitted(json!({}));
        }
        Box::pin(std::future::ready(mocked.into()))
    }

    fn resume(&self, request: TaskRequest, submitted: Value, heartbeat: Heartbeat) -> TaskFuture {
        match self.mocked(&request) {
            Some(mocked) => Box::pin(std::future::ready(mocked.into())),
            None => self.inner.resume(request, submitted, heartbeat),
        }
    }

    fn cancel(&self, request: &TaskRequest, submitted: Value) -> CancelFuture {
        let state = request.context["State"]["Name"]
            .as_str()
            .unwrap_or_default();
        if self.case.states.contains_key(state) {
            return Box::pin(std::future::ready(()));
        }
        self.inner.cancel(request, submitted)
    }

    fn withdraw(&self, request: &TaskRequest) {
        // A mocked task was never queued; withdrawing what is not there does nothing.
        self.inner.withdraw(request);
    }
}

/// TestState's mock: every task the state runs ends as the test says, and nothing is called.
pub struct AnsweringRunner(pub TaskOutcome);

impl TaskRunner for AnsweringRunner {
    fn run(&self, _request: TaskRequest, _heartbeat: Heartbeat) -> TaskFuture {
        Box::pin(std::future::ready(self.0.clone()))
    }
}

#[cfg(test)]
mod tests;

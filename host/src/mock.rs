//! Step Functions Local's mock file, read and checked: `StateMachines` → machine name →
//! `TestCases` → test case → state name → mocked response name; `MockedResponses` → name →
//! invocation keys (`"0"`, `"1-2"`) → `Return` (any JSON: the service's response) or
//! `Throw` (`Error`, `Cause`). Pure: reading the file and reloading it are the host's.
//!
//! A file that is not so is refused with the JSON path of the first problem
//! (`$.MockedResponses.MockedLambdaRetry.1-2.Throw.Error`).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

/// A mock file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MockConfig {
    /// Test cases by machine name, then by test case name.
    machines: HashMap<String, HashMap<String, Arc<TestCase>>>,
}

/// One test case: the mocked states of one machine.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TestCase {
    /// The test case's name.
    pub name: String,
    /// The mocked response of each mocked state, by state name.
    pub states: HashMap<String, Arc<MockedResponse>>,
}

/// A mocked response: what each invocation of a state gets, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct MockedResponse {
    /// The response's name in the file.
    pub name: String,
    /// Invocation ranges (inclusive, zero-based), sorted, not overlapping.
    ranges: Vec<(u32, u32, Outcome)>,
}

/// What one invocation gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The service's response.
    Return(Value),
    /// The task fails with this error and cause.
    Throw {
        /// The error name.
        error: String,
        /// The cause.
        cause: String,
    },
}

/// What is wrong with a mock file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the mock file is not valid at {path}: {message}")]
pub struct MockError {
    /// Where (`$.StateMachines.M.TestCases.T.S`).
    pub path: String,
    /// What.
    pub message: String,
}

fn bad(path: &str, message: impl Into<String>) -> MockError {
    MockError {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn object<'v>(v: &'v Value, path: &str) -> Result<&'v Map<String, Value>, MockError> {
    v.as_object().ok_or_else(|| bad(path, "must be an object"))
}

impl MockConfig {
    /// Reads a mock file's text.
    pub fn parse(text: &str) -> Result<MockConfig, MockError> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| bad("$", format!("not JSON: {e}")))?;
        let root = object(&root, "$")?;
        for key in root.keys() {
            if key != "StateMachines" && key != "MockedResponses" {
                return Err(bad(
                    &format!("$.{key}"),
                    "is not a field of a mock file (StateMachines, MockedResponses)",
                ));
            }
        }
        let mut responses = HashMap::new();
        if let Some(v) = root.get("MockedResponses") {
            for (name, response) in object(v, "$.MockedResponses")? {
                let path = format!("$.MockedResponses.{name}");
                responses.insert(
                    name.clone(),
                    Arc::new(MockedResponse::parse(name, response, &path)?),
                );
            }
        }
        let mut machines = HashMap::new();
        if let Some(v) = root.get("StateMachines") {
            for (machine, spec) in object(v, "$.StateMachines")? {
                let path = format!("$.StateMachines.{machine}");
                let spec = object(spec, &path)?;
                let cases_path = format!("{path}.TestCases");
                let cases = spec
                    .get("TestCases")
                    .ok_or_else(|| bad(&path, "has no TestCases"))?;
                let mut by_name = HashMap::new();
                for (case, states) in object(cases, &cases_path)? {
                    let path = format!("{cases_path}.{case}");
                    let mut mocked = HashMap::new();
                    for (state, response) in object(states, &path)? {
                        let path = format!("{path}.{state}");
                        let name = response
                            .as_str()
                            .ok_or_else(|| bad(&path, "must name a mocked response"))?;
                        let response = responses.get(name).ok_or_else(|| {
                            bad(
                                &path,
                                format!("names '{name}', which MockedResponses does not have"),
                            )
                        })?;
                        mocked.insert(state.clone(), response.clone());
                    }
                    by_name.insert(
                        case.clone(),
                        Arc::new(TestCase {
                            name: case.clone(),
                            states: mocked,
                        }),
                    );
                }
                machines.insert(machine.clone(), by_name);
            }
        }
        Ok(MockConfig { machines })
    }

    /// The test case `case` of machine `machine`.
    pub fn test_case(&self, machine: &str, case: &str) -> Option<Arc<TestCase>> {
        self.machines.get(machine)?.get(case).cloned()
    }
}

impl MockedResponse {
    fn parse(name: &str, v: &Value, path: &str) -> Result<MockedResponse, MockError> {
        let mut ranges = Vec::new();
        for (key, outcome) in object(v, path)? {
            let path = format!("{path}.{key}");
            let (from, to) = invocations(key).ok_or_else(|| {
                bad(
                    &path,
                    "an invocation key is a number (\"0\") or a range (\"1-2\")",
                )
            })?;
            let fields = object(outcome, &path)?;
            let outcome = match (fields.get("Return"), fields.get("Throw")) {
                (Some(r), None) if fields.len() == 1 => Outcome::Return(r.clone()),
                (None, Some(t)) if fields.len() == 1 => {
                    let path = format!("{path}.Throw");
                    let t = object(t, &path)?;
                    let text = |field: &str| -> Result<String, MockError> {
                        match t.get(field) {
                            Some(Value::String(s)) => Ok(s.clone()),
                            _ => Err(bad(&format!("{path}.{field}"), "must be a string")),
                        }
                    };
                    Outcome::Throw {
                        error: text("Error")?,
                        cause: text("Cause")?,
                    }
                }
                _ => return Err(bad(&path, "must have exactly one of Return and Throw")),
            };
            ranges.push((from, to, outcome));
        }
        ranges.sort_by_key(|(from, _, _)| *from);
        for pair in ranges.windows(2) {
            if pair[1].0 <= pair[0].1 {
                return Err(bad(
                    path,
                    format!("invocation {} is mocked twice", pair[1].0),
                ));
            }
        }
        if ranges.is_empty() {
            return Err(bad(path, "mocks no invocation"));
        }
        Ok(MockedResponse {
            name: name.to_owned(),
            ranges,
        })
    }

    /// What invocation `n` (zero-based, retries counting) gets; None past the last key.
    pub fn at(&self, n: u32) -> Option<&Outcome> {
        self.ranges
            .iter()
            .find(|(from, to, _)| (*from..=*to).contains(&n))
            .map(|(_, _, outcome)| outcome)
    }
}

/// `"3"` → (3, 3); `"1-2"` → (1, 2).
fn invocations(key: &str) -> Option<(u32, u32)> {
    let (from, to) = match key.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let n = key.trim().parse().ok()?;
            (n, n)
        }
    };
    (from <= to).then_some((from, to))
}

#[cfg(test)]
mod tests;

//! TestState's view of one state: an execution run with a [`Probe`] starts at the state under
//! test, stops as soon as that state is done (before any transition, retry or wait), and
//! notes what AWS's `inspectionData` shows along the way: the state's data after each step of
//! input and output processing, the Map's settings, the retrier or catcher that matched.
//!
//! The state runs through the same code as in any execution; the probe only watches and
//! decides where to stop. Without a probe (every real execution) each hook is one `None` check.

use std::cell::RefCell;

use serde_json::{Map, Value, json};

use super::errors::Failure;

/// What a test asks of the run, and what it saw.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    /// The state to start at, as (scope, index): any state of the machine, nested in a
    /// Parallel or Map too (the whole machine's start otherwise).
    pub start_at: Option<(usize, usize)>,
    /// Retries already made by the retrier that matches the error (`retrierRetryCount`).
    pub retrier_retry_count: Option<u32>,
    /// The context object the state sees instead of the execution's (`context`, or the one
    /// TestState makes); a task token is added where the state has one.
    pub context: Option<Value>,
    /// The variables in scope when the state is entered (`variables`).
    pub variables: Option<Map<String, Value>>,
    /// For a Map or Parallel state: what its iterations or branches came to, instead of
    /// running them (TestState runs them only as a mock).
    pub children: Option<MockedChildren>,
    /// The items a Map's ItemReader reads (`mapItemReaderData`).
    pub item_reader_data: Option<Vec<Value>>,
    pub(crate) seen: RefCell<Inspection>,
    pub(crate) verdict: RefCell<Option<Verdict>>,
}

/// A Map's or Parallel's mocked outcome.
#[derive(Debug, Clone)]
pub enum MockedChildren {
    /// The results, in order; for a Map, `failed` of its iterations count as failed
    /// (`mapIterationFailureCount`) against its tolerated failure.
    Results {
        /// The state's result array.
        results: Vec<Value>,
        /// How many iterations failed.
        failed: u64,
    },
    /// A Map with a ResultWriter: its whole result, as the writer answers it (the Map Run's
    /// ARN and where the results were written), instead of an array of results.
    Written(Value),
    /// An iteration or branch failed with this error.
    Failed(Failure),
}

/// How the state under test ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// It completed; `next` is the state it goes to (none at an end).
    Succeeded {
        /// The next state's name.
        next: Option<String>,
    },
    /// It failed and a catcher took the error to `next`.
    Caught {
        /// The catcher's Next.
        next: Option<String>,
        /// The error caught.
        failure: Failure,
    },
    /// It failed and a retrier would run it again.
    Retriable(Failure),
    /// It failed and nothing handled the error.
    Failed(Failure),
}

/// What AWS shows in `inspectionData`; each field is set only where the state has that step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    pub input: Option<Value>,
    pub after_input_path: Option<Value>,
    pub after_parameters: Option<Value>,
    pub after_arguments: Option<Value>,
    pub result: Option<Value>,
    pub after_result_selector: Option<Value>,
    pub after_result_path: Option<Value>,
    pub after_items_path: Option<Value>,
    pub after_item_selector: Option<Value>,
    pub after_item_batcher: Option<Value>,
    pub variables: Option<Value>,
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
    pub catch_index: Option<usize>,
    pub retry_index: Option<usize>,
    pub retry_backoff_interval_seconds: Option<u64>,
}

impl Inspection {
    /// AWS's `inspectionData`: documents as their JSON text, numbers as numbers.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        let docs = [
            ("input", &self.input),
            ("afterInputPath", &self.after_input_path),
            ("afterParameters", &self.after_parameters),
            ("afterArguments", &self.after_arguments),
            ("result", &self.result),
            ("afterResultSelector", &self.after_result_selector),
            ("afterResultPath", &self.after_result_path),
            ("afterItemsPath", &self.after_items_path),
            ("afterItemSelector", &self.after_item_selector),
            ("afterItemBatcher", &self.after_item_batcher),
            ("variables", &self.variables),
        ];
        for (name, value) in docs {
            if let Some(v) = value {
                out.insert(name.into(), Value::String(v.to_string()));
            }
        }
        if let Some(n) = self.max_concurrency {
            out.insert("maxConcurrency".into(), json!(n));
        }
        if let Some(n) = self.tolerated_failure_count {
            out.insert("toleratedFailureCount".into(), json!(n));
        }
        if let Some(p) = self.tolerated_failure_percentage {
            out.insert("toleratedFailurePercentage".into(), json!(p));
        }
        let mut details = Map::new();
        if let Some(i) = self.catch_index {
            details.insert("catchIndex".into(), json!(i));
        }
        if let Some(i) = self.retry_index {
            details.insert("retryIndex".into(), json!(i));
        }
        if let Some(s) = self.retry_backoff_interval_seconds {
            details.insert("retryBackoffIntervalSeconds".into(), json!(s));
        }
        if !details.is_empty() {
            out.insert("errorDetails".into(), Value::Object(details));
        }
        Value::Object(out)
    }
}

impl Probe {
    /// Notes something the state did.
    pub(crate) fn see(&self, f: impl FnOnce(&mut Inspection)) {
        f(&mut self.seen.borrow_mut());
    }

    /// Settles how the state ended; the first verdict stands (a catch, then its exit).
    pub(crate) fn decide(&self, verdict: Verdict) {
        let mut slot = self.verdict.borrow_mut();
        if slot.is_none() {
            *slot = Some(verdict);
        }
    }

    /// What it saw.
    pub fn inspection(&self) -> Inspection {
        self.seen.borrow().clone()
    }

    /// How the state ended; `None` if it did not (the run was cut short).
    pub fn verdict(&self) -> Option<Verdict> {
        self.verdict.borrow().clone()
    }
}

#[cfg(test)]
mod tests;

//! Compound fields that several state types share: Choice `Choices`, Parallel `Branches`, and
//! the `Retry` and `Catch` arrays with their `ErrorEquals` rules.
//!
//! Owns: the shape of each entry, `States.ALL` alone and last, and the transitions that
//! Choice Rules and catchers add to their scope's graph.
//! Must not: parse a Choice Rule's comparisons (`choice::parse_branch` does, reporting into the
//! same list), or check a branch's states (it hands each branch to [`super::scope`]).

use serde_json::Value;

use super::limits::{MAX_DELAY_SECONDS, MAX_SECONDS};
use super::scope::{Scope, ScopeGraph};
use super::state::wrong_language;
use super::{Validator, child, kind_of};
use crate::asl::choice;
use crate::asl::query::QueryLanguage;

impl Validator {
    pub(super) fn choices(
        &mut self,
        name: &str,
        value: &Value,
        location: &str,
        graph: &mut ScopeGraph,
        language: QueryLanguage,
    ) {
        let rules = match value {
            Value::Array(rules) if rules.is_empty() => {
                self.schema(
                    "The field 'Choices' must contain at least one Choice Rule",
                    location,
                );
                return;
            }
            Value::Array(rules) => rules,
            other => {
                self.schema(
                    format!(
                        "The field 'Choices' must be an array of Choice Rules, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                return;
            }
        };
        for (i, rule) in rules.iter().enumerate() {
            let rule_location = format!("{location}/{i}");
            // `choice` reports the rule's own problems (including a missing or non-string Next).
            choice::parse_branch(rule, &rule_location, &mut self.diags);
            self.choice_rule_language(rule, &rule_location, language);
            if let Some(Value::String(to)) = rule.get("Next") {
                graph.edge(name, to, "Next", child(&rule_location, "Next"));
            }
        }
    }

    pub(super) fn branches(&mut self, value: &Value, location: &str) {
        let branches = match value {
            Value::Array(branches) if branches.is_empty() => {
                self.schema("Value cannot be empty", location);
                return;
            }
            Value::Array(branches) => branches,
            other => {
                self.schema(
                    format!(
                        "The field 'Branches' must be an array of branches, not {}",
                        kind_of(other)
                    ),
                    location,
                );
                return;
            }
        };
        for (i, branch) in branches.iter().enumerate() {
            let branch_location = format!("{location}/{i}");
            match branch {
                Value::Object(machine) => self.machine(machine, &branch_location, Scope::Branch),
                other => self.schema(
                    format!(
                        "A branch must be an object with 'StartAt' and 'States', not {}",
                        kind_of(other)
                    ),
                    branch_location,
                ),
            }
        }
    }

    pub(super) fn retry(&mut self, value: &Value, location: &str) {
        let Some(retriers) = self.array("Retry", value, location) else {
            return;
        };
        let last = retriers.len().saturating_sub(1);
        for (i, retrier) in retriers.iter().enumerate() {
            let retrier_location = format!("{location}/{i}");
            let Some(fields) = self.object("Retry", retrier, &retrier_location) else {
                continue;
            };
            for (field, value) in fields {
                let field_location = child(&retrier_location, field);
                match field.as_str() {
                    "ErrorEquals" => {
                        self.error_equals(value, &field_location, i == last, "retrier");
                    }
                    "IntervalSeconds" => {
                        self.integer(field, value, &field_location, 1, MAX_SECONDS);
                    }
                    "MaxAttempts" => {
                        self.integer(field, value, &field_location, 0, MAX_SECONDS);
                    }
                    "BackoffRate" => self.number(field, value, &field_location, 1.0, None),
                    "MaxDelaySeconds" => {
                        self.integer(field, value, &field_location, 1, MAX_DELAY_SECONDS);
                    }
                    "JitterStrategy" => {
                        if !matches!(value.as_str(), Some("FULL" | "NONE")) {
                            self.schema(
                                format!(
                                    "The field 'JitterStrategy' must be \"FULL\" or \"NONE\", \
                                     got {value}"
                                ),
                                field_location,
                            );
                        }
                    }
                    "Comment" => {
                        self.string(field, value, &field_location);
                    }
                    _ => self.unknown_field(field, &field_location, "in a retrier"),
                }
            }
            if !fields.contains_key("ErrorEquals") {
                self.schema(
                    "These fields are required: [ErrorEquals]",
                    &retrier_location,
                );
            }
        }
    }

    pub(super) fn catch(
        &mut self,
        name: &str,
        value: &Value,
        location: &str,
        graph: &mut ScopeGraph,
        language: QueryLanguage,
    ) {
        let Some(catchers) = self.array("Catch", value, location) else {
            return;
        };
        let last = catchers.len().saturating_sub(1);
        for (i, catcher) in catchers.iter().enumerate() {
            let catcher_location = format!("{location}/{i}");
            let Some(fields) = self.object("Catch", catcher, &catcher_location) else {
                continue;
            };
            for (field, value) in fields {
                let field_location = child(&catcher_location, field);
                match field.as_str() {
                    "ErrorEquals" => {
                        self.error_equals(value, &field_location, i == last, "catcher");
                    }
                    "Next" => {
                        if let Some(to) = self.string(field, value, &field_location) {
                            graph.edge(name, to, "Next", field_location);
                        }
                    }
                    "ResultPath" if language == QueryLanguage::JsonPath => {
                        self.reference_path_field(field, value, &field_location, true)
                    }
                    "Output" if language == QueryLanguage::Jsonata => {
                        self.jsonata_template(value, &field_location)
                    }
                    "Assign" => self.assign(value, &field_location, language),
                    "Comment" => {
                        self.string(field, value, &field_location);
                    }
                    _ => match wrong_language(field, language) {
                        Some(message) => self.schema(message, field_location),
                        None => self.unknown_field(field, &field_location, "in a catcher"),
                    },
                }
            }
            let missing: Vec<&str> = ["ErrorEquals", "Next"]
                .into_iter()
                .filter(|f| !fields.contains_key(*f))
                .collect();
            if !missing.is_empty() {
                self.schema(
                    format!("These fields are required: [{}]", missing.join(", ")),
                    &catcher_location,
                );
            }
        }
    }

    /// A non-empty array of error names; "States.ALL" alone, and only in the last entry.
    pub(super) fn error_equals(
        &mut self,
        value: &Value,
        location: &str,
        is_last: bool,
        entry: &str,
    ) {
        let Some(names) = self.array("ErrorEquals", value, location) else {
            return;
        };
        if names.is_empty() {
            self.schema(
                "The field 'ErrorEquals' must contain at least one error name",
                location,
            );
            return;
        }
        let mut has_all = false;
        for (i, name) in names.iter().enumerate() {
            match name {
                Value::String(name) => has_all |= name == "States.ALL",
                other => self.schema(
                    format!("An error name must be a string, not {}", kind_of(other)),
                    format!("{location}/{i}"),
                ),
            }
        }
        if has_all && names.len() > 1 {
            self.schema(
                "\"States.ALL\" must appear alone in 'ErrorEquals'",
                location,
            );
        }
        if has_all && !is_last {
            self.schema(
                format!("A {entry} with \"States.ALL\" in 'ErrorEquals' must be the last one"),
                location,
            );
        }
    }
}

//! The JSONata query language and workflow variables: `{% %}` fields parse, `Assign` names valid
//! variables, Choice Rules use their state's language, and a warning for each variable read
//! that no `Assign` in the machine sets.
//!
//! Owns: variable-name rules and the `UNDEFINED_VARIABLE` warning.
//! Must not: parse JSONata itself (`query::JsonataTemplate` does) or evaluate anything; a
//! Choice Rule's JSONPath comparisons are `choice`'s.

use serde_json::Value;

use super::limits::MAX_VARIABLE_NAME_CHARS;
use super::state::wrong_language;
use super::{Validator, child};
use crate::asl::diagnostic::{Diagnostic, codes};
use crate::asl::query::{JsonataTemplate, QueryLanguage};

impl Validator {
    /// A JSONata field: every `{% %}` string in it, at any depth, parses.
    pub(super) fn jsonata_template(&mut self, value: &Value, location: &str) {
        match JsonataTemplate::parse(value) {
            Ok(template) => {
                for expression in template.expressions() {
                    for name in expression.free_variables() {
                        if name != "states" {
                            self.reads.push((name.clone(), location.to_owned()));
                        }
                    }
                }
            }
            Err(e) => self.schema(e.to_string(), format!("{location}{}", e.pointer)),
        }
    }

    /// `Assign`: an object of valid variable names; values are payload templates (JSONPath)
    /// or JSONata fields.
    pub(super) fn assign(&mut self, value: &Value, location: &str, language: QueryLanguage) {
        let Some(fields) = self.object("Assign", value, location) else {
            return;
        };
        for (key, v) in fields {
            let key_location = child(location, key);
            let name = match language {
                QueryLanguage::JsonPath => key.strip_suffix(".$").unwrap_or(key),
                QueryLanguage::Jsonata => key,
            };
            let mut chars = name.chars();
            let valid = chars
                .next()
                .is_some_and(crate::asl::path::is_variable_start)
                && chars.all(crate::asl::path::is_variable_continue);
            if !valid {
                self.schema(
                    format!(
                        "The variable name '{name}' is not valid: it must start with a letter or \
                         '_' and continue with letters, digits or '_'"
                    ),
                    &key_location,
                );
            } else if name.chars().count() > MAX_VARIABLE_NAME_CHARS {
                self.schema(
                    format!(
                        "The variable name '{name}' is longer than {MAX_VARIABLE_NAME_CHARS} characters"
                    ),
                    &key_location,
                );
            } else if name == "states" {
                self.schema(
                    "The variable name 'states' is reserved: $states holds the state's input, \
                     result, error output and context",
                    &key_location,
                );
            } else {
                self.assigned.insert(name.to_owned());
            }
            match language {
                QueryLanguage::JsonPath if key.ends_with(".$") => {
                    self.template_dynamic(key, v, &key_location)
                }
                QueryLanguage::JsonPath => self.template(v, &key_location),
                QueryLanguage::Jsonata => self.jsonata_template(v, &key_location),
            }
        }
    }

    /// A Choice rule uses its state's language: `Condition` in JSONata, the JSONPath
    /// comparisons otherwise; `Assign` in both, `Output` in JSONata only.
    pub(super) fn choice_rule_language(
        &mut self,
        rule: &Value,
        location: &str,
        language: QueryLanguage,
    ) {
        let Value::Object(fields) = rule else {
            return;
        };
        match language {
            QueryLanguage::Jsonata => {
                if !fields.contains_key("Condition") {
                    self.schema(
                        "These fields are required: [Condition] (a Choice Rule of a JSONata state \
                         is a Condition, true, false or a {% %} expression)",
                        location,
                    );
                }
                for (key, value) in fields {
                    let key_location = child(location, key);
                    match key.as_str() {
                        "Condition" if value.is_string() => {
                            self.jsonata_template(value, &key_location)
                        }
                        "Output" => self.jsonata_template(value, &key_location),
                        "Assign" => self.assign(value, &key_location, language),
                        "Condition" | "Next" | "Comment" => {}
                        _ => self.schema(
                            format!(
                                "The field '{key}' is not supported in a Choice Rule of a JSONata state; write the test as a 'Condition'"
                            ),
                            key_location,
                        ),
                    }
                }
            }
            QueryLanguage::JsonPath => {
                for (key, value) in fields {
                    let key_location = child(location, key);
                    match key.as_str() {
                        "Assign" => self.assign(value, &key_location, language),
                        "Condition" | "Output" => {
                            if let Some(message) = wrong_language(key, language) {
                                self.schema(message, key_location);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// A JSONata expression that reads a variable no `Assign` sets (a typo, most likely)
    /// evaluates to nothing and fails its state at run time; say so now.
    pub(super) fn unassigned_reads(&mut self) {
        let reads = std::mem::take(&mut self.reads);
        for (name, location) in reads {
            if !self.assigned.contains(&name) {
                self.diags.push(Diagnostic::warning(
                    codes::UNDEFINED_VARIABLE,
                    format!(
                        "The expression reads the variable '${name}', which no state assigns; \
                         it will evaluate to nothing"
                    ),
                    location,
                ));
            }
        }
    }
}

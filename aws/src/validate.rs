//! The check TestState makes of a Task's mocked result (`mock.result`) against the called
//! operation's output shape, per `mock.fieldValidationMode`, with AWS's error messages.
//!
//! A mock stands in for the service's answer, so Step Functions refuses one the service could
//! not have given: each field present must have its member's type (a string, number, boolean,
//! object or array, as Step Functions writes results in JSON) and the model's constraints
//! (`enum` values; `min`/`max`, which botocore means as lengths for strings, blobs, lists and
//! maps and as values for numbers). In `STRICT` mode every required member of a structure must
//! also be present. Fields the model does not name are allowed in every mode; a field is
//! matched by its Step Functions name ([`member_name`]: the model's name in PascalCase)
//! exactly, so `executionArn` for `ExecutionArn` is an unknown field, not the member.
//!
//! How a result's values are typed: timestamps are ISO-8601 strings (their format is not
//! checked), blobs are strings (their length is the string's, in characters), `document`
//! shapes accept any JSON, and `null` is taken for an absent value. `pattern` is not
//! checked. The walk follows the value, not the model, so recursive shapes end where the
//! value does.
//!
//! An error names the innermost field, not a path (`Field 'EventId' must be a string` for
//! `Entries[1].EventId`); a list's element has no name of its own and is named by the list's
//! field, a map's value by its key.

use serde_json::Value;

use crate::model::{Operation, ServiceModel, Shape, ShapeKind, ShapeRef};
use crate::naming::member_name;
use crate::registry::Service;

/// What every message starts with.
const PREFIX: &str = "Mock result schema validation error: ";

/// `mock.fieldValidationMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Present fields conform to the model and required members are present (the default).
    #[default]
    Strict,
    /// Present fields conform to the model; required members may be missing.
    Present,
    /// Nothing is checked.
    None,
}

impl FieldValidation {
    /// The mode a TestState request names (`STRICT`, `PRESENT`, `NONE`), if it is one.
    pub fn parse(mode: &str) -> Option<Self> {
        Some(match mode {
            "STRICT" => FieldValidation::Strict,
            "PRESENT" => FieldValidation::Present,
            "NONE" => FieldValidation::None,
            _ => return None,
        })
    }

    /// The name TestState gives the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Strict => "STRICT",
            FieldValidation::Present => "PRESENT",
            FieldValidation::None => "NONE",
        }
    }
}

/// Checks `value`, a mocked result of `operation` of `service`, against the operation's output
/// shape. The error is AWS's whole message (`Mock result schema validation error: Field
/// 'EventId' must be a string`). An operation without an output shape, or whose output shape
/// the model lacks, accepts any value.
pub fn check_output(
    service: &Service,
    operation: &Operation,
    value: &Value,
    mode: FieldValidation,
) -> Result<(), String> {
    if mode == FieldValidation::None {
        return Ok(());
    }
    let Some(output) = &operation.output else {
        return Ok(());
    };
    let Some(shape) = service.model.shape(&output.shape) else {
        return Ok(());
    };
    if !value.is_object() && !shape.document {
        return Err(format!("{PREFIX}Result must be an object"));
    }
    let checker = Checker {
        model: &service.model,
        strict: mode == FieldValidation::Strict,
    };
    checker
        .check(shape, value, "")
        .map_err(|problem| format!("{PREFIX}{problem}"))
}

struct Checker<'m> {
    model: &'m ServiceModel,
    strict: bool,
}

impl Checker<'_> {
    /// Checks `value` against the shape `target` refers to; `field` names it in a message.
    fn check_ref(&self, target: &ShapeRef, value: &Value, field: &str) -> Result<(), String> {
        match self.model.shape(&target.shape) {
            Some(shape) => self.check(shape, value, field),
            // A shape the model does not define cannot be checked.
            None => Ok(()),
        }
    }

    fn check(&self, shape: &Shape, value: &Value, field: &str) -> Result<(), String> {
        if value.is_null() || shape.document {
            return Ok(());
        }
        let wrong = |what: &str| Err(format!("Field '{field}' must be {what}"));
        match shape.kind {
            ShapeKind::Structure => {
                let Some(object) = value.as_object() else {
                    return wrong("an object");
                };
                for (name, member) in &shape.members {
                    let name = member_name(name);
                    match object.get(&name) {
                        Some(v) if !v.is_null() => self.check_ref(member, v, &name)?,
                        _ if self.strict
                            && shape.required.iter().any(|r| member_name(r) == name) =>
                        {
                            return Err(format!("Required field '{name}' is missing"));
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            ShapeKind::List => {
                let Some(items) = value.as_array() else {
                    return wrong("an array");
                };
                length(shape, items.len(), field)?;
                match &shape.member {
                    Some(member) => items
                        .iter()
                        .try_for_each(|item| self.check_ref(member, item, field)),
                    None => Ok(()),
                }
            }
            ShapeKind::Map => {
                let Some(object) = value.as_object() else {
                    return wrong("an object");
                };
                length(shape, object.len(), field)?;
                for (key, v) in object {
                    if let Some(key_ref) = &shape.key {
                        self.check_ref(key_ref, &Value::String(key.clone()), key)?;
                    }
                    if let Some(value_ref) = &shape.value {
                        self.check_ref(value_ref, v, key)?;
                    }
                }
                Ok(())
            }
            ShapeKind::String | ShapeKind::Character => {
                let Some(text) = value.as_str() else {
                    return wrong("a string");
                };
                if !shape.enum_values.is_empty() && !shape.enum_values.iter().any(|e| e == text) {
                    return Err(format!("Field '{field}' is not an expected value"));
                }
                length(shape, text.chars().count(), field)
            }
            ShapeKind::Blob => {
                let Some(text) = value.as_str() else {
                    return wrong("a string");
                };
                length(shape, text.chars().count(), field)
            }
            ShapeKind::Timestamp => match value {
                Value::String(_) => Ok(()),
                _ => wrong("a string"),
            },
            ShapeKind::Boolean => match value {
                Value::Bool(_) => Ok(()),
                _ => wrong("a boolean"),
            },
            ShapeKind::Integer
            | ShapeKind::Long
            | ShapeKind::Short
            | ShapeKind::Byte
            | ShapeKind::Biginteger => {
                let Some(number) = value.as_f64() else {
                    return wrong("a number");
                };
                // A number with a fraction is no integer (`200.0` is one).
                if !(value.is_i64() || value.is_u64() || number.fract() == 0.0) {
                    return wrong("an integer");
                }
                range(shape, number, field)
            }
            ShapeKind::Float | ShapeKind::Double | ShapeKind::Bigdecimal => {
                let Some(number) = value.as_f64() else {
                    return wrong("a number");
                };
                range(shape, number, field)
            }
        }
    }
}

/// `min`/`max` as a length: of a string or blob (in characters), of a list (its items) or of a
/// map (its entries). Lists and maps get the same words as strings, since botocore means the
/// same by them: "is smaller than the minimum length", "is larger than the maximum length".
fn length(shape: &Shape, len: usize, field: &str) -> Result<(), String> {
    let len = len as f64;
    if shape.min.is_some_and(|min| len < min) {
        return Err(format!(
            "Field '{field}' is smaller than the minimum length"
        ));
    }
    if shape.max.is_some_and(|max| len > max) {
        return Err(format!("Field '{field}' is larger than the maximum length"));
    }
    Ok(())
}

/// `min`/`max` as a value, of a number.
fn range(shape: &Shape, number: f64, field: &str) -> Result<(), String> {
    if shape.min.is_some_and(|min| number < min) {
        return Err(format!("Field '{field}' is less than the minimum value"));
    }
    if shape.max.is_some_and(|max| number > max) {
        return Err(format!("Field '{field}' exceeds the maximum value"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

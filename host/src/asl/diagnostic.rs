//! Diagnostics reported by static validation, in the shape of the AWS
//! `ValidateStateMachineDefinition` response (`severity`, `code`, `message`, `location`), and
//! [`InvalidDefinition`], the error a rejected definition gives.
//!
//! Owns: how a diagnostic reads as text, in one place: `CODE: message at /pointer`, as AWS
//! writes each problem inside `Invalid State Machine Definition: '...'`.
//! Must not: decide what is wrong with a definition (that is `validate`).

use std::fmt;
use std::ops::Deref;

use serde::Serialize;

/// How serious a diagnostic is. Only `Error` makes a definition invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// The definition is rejected.
    Error,
    /// The definition is accepted, but something is probably a mistake.
    Warning,
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// ERROR or WARNING.
    pub severity: Severity,
    /// An AWS diagnostic code such as `SCHEMA_VALIDATION_FAILED` or `MISSING_TRANSITION_TARGET`.
    pub code: String,
    /// A plain sentence saying what is wrong.
    pub message: String,
    /// A JSON pointer to the offending field, e.g. `/States/Hello/Next`.
    pub location: String,
}

impl Diagnostic {
    /// An error-severity diagnostic.
    pub fn error(
        code: impl Into<String>,
        message: impl Into<String>,
        location: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code: code.into(),
            message: message.into(),
            location: location.into(),
        }
    }

    /// A warning: the definition is accepted.
    pub fn warning(
        code: impl Into<String>,
        message: impl Into<String>,
        location: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, message, location)
        }
    }

    /// The most common kind: a field of the wrong shape.
    pub fn schema(message: impl Into<String>, location: impl Into<String>) -> Self {
        Self::error(codes::SCHEMA_VALIDATION_FAILED, message, location)
    }
}

/// `CODE: message at /pointer`, as AWS writes one problem in a CreateStateMachine error; a
/// diagnostic without a location (the text is not JSON at all) leaves out ` at ...`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if !self.location.is_empty() {
            write!(f, " at {}", self.location)?;
        }
        Ok(())
    }
}

/// Why a definition was rejected: every diagnostic found, at least one of them an error.
/// Displays as the diagnostics joined with `"; "`; serialises as their JSON array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct InvalidDefinition(Vec<Diagnostic>);

impl InvalidDefinition {
    /// The diagnostics, in the order the validator found them.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.0
    }

    /// The diagnostics, owned.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl From<Vec<Diagnostic>> for InvalidDefinition {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        InvalidDefinition(diagnostics)
    }
}

impl From<Diagnostic> for InvalidDefinition {
    fn from(diagnostic: Diagnostic) -> Self {
        InvalidDefinition(vec![diagnostic])
    }
}

impl Deref for InvalidDefinition {
    type Target = [Diagnostic];

    fn deref(&self) -> &[Diagnostic] {
        &self.0
    }
}

impl IntoIterator for InvalidDefinition {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a InvalidDefinition {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for InvalidDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidDefinition {}

/// The diagnostic codes AWS uses.
pub mod codes {
    /// The definition is not JSON at all.
    pub const INVALID_JSON_DESCRIPTION: &str = "INVALID_JSON_DESCRIPTION";
    /// A field is missing, unknown, or of the wrong type or value.
    pub const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
    /// `Next`, `Default` or `StartAt` names a state that does not exist; AWS also reports an
    /// unreachable state under this code.
    pub const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
    /// Two states share a name across the machine.
    pub const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
    /// The definition is JSON `null`.
    pub const MISSING_DESCRIPTION: &str = "MISSING_DESCRIPTION";
    /// A scope has no state that ends it.
    pub const MISSING_END_STATE: &str = "MISSING_END_STATE";
    /// A state name is empty or too long.
    pub const INVALID_STATE_NAME: &str = "INVALID_STATE_NAME";
    /// A Map `Label` is too long or contains a forbidden character.
    pub const INVALID_LABEL_NAME: &str = "INVALID_LABEL_NAME";
    /// Two Map states share a `Label`.
    pub const DUPLICATE_LABEL_NAME: &str = "DUPLICATE_LABEL_NAME";
    /// A `Resource` that is not an ARN.
    pub const INVALID_RESOURCE: &str = "INVALID_RESOURCE";
    /// The document nests deeper than the validator walks.
    pub const TOO_DEEPLY_NESTED: &str = "TOO_DEEPLY_NESTED";
    /// A JSONata expression reads a variable that no state assigns (a warning).
    pub const UNDEFINED_VARIABLE: &str = "UNDEFINED_VARIABLE";
}

/// Escape one JSON pointer segment (RFC 6901) so state names containing `/` or `~` stay
/// unambiguous in a location.
pub fn pointer_segment(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;

//! Step Functions' names: an action is the operation name with its first letter in lower case
//! (`GetItem` → `getItem`); parameters and results are the model's member names with the first
//! letter in upper case (`restApiId` → `RestApiId`); errors are `<ServicePrefix>.<Name>`, with
//! `Exception` added when the service's own name lacks it (`S3.NoSuchKeyException`).

use crate::model::Operation;
use crate::registry::Service;

/// The action name of an operation (`ListObjectsV2` → `listObjectsV2`).
pub fn action_name(operation: &str) -> String {
    let mut chars = operation.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The name a parameter or result member has in a state machine (`restApiId` → `RestApiId`;
/// `Equals` is `EqualsValue`, as Step Functions documents).
pub fn member_name(member: &str) -> String {
    if member == "Equals" || member == "equals" {
        return "EqualsValue".to_owned();
    }
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Service {
    /// The operation a Task's action names, if the service has it.
    pub fn operation(&self, action: &str) -> Option<&Operation> {
        let mut chars = action.chars();
        let first = chars.next()?;
        if !first.is_lowercase() {
            return None;
        }
        let name: String = first.to_uppercase().chain(chars).collect();
        self.model.operations.get(&name).or_else(|| {
            self.model
                .operations
                .values()
                .find(|op| action_name(&op.name) == action)
        })
    }

    /// The action closest to `action` (for "did you mean"), by edit distance ignoring case.
    pub fn closest_action(&self, action: &str) -> Option<String> {
        let wanted = action.to_lowercase();
        self.model
            .operations
            .keys()
            .map(|name| (distance(&name.to_lowercase(), &wanted), name))
            .min()
            .filter(|(d, _)| *d <= wanted.len().max(3) / 2)
            .map(|(_, name)| action_name(name))
    }

    /// The Step Functions error name for a service error `code` raised by `operation`: the
    /// service's prefix and the code (its part after the last `#` or `.`-free name, with
    /// `Exception` added) when the model declares such an error, else the service's generic
    /// `<Prefix>.<Prefix>Exception`, as the SDK behind Step Functions names what it does not
    /// know (`DynamoDb.DynamoDbException` for a ValidationException).
    pub fn error_name(&self, operation: Option<&Operation>, code: &str) -> String {
        let code = code.rsplit('#').next().unwrap_or(code);
        let code = code.split(':').next().unwrap_or(code);
        let modeled = self.model.shapes.iter().find(|(name, shape)| {
            shape.exception
                && (name.as_str() == code
                    || shape.error.as_ref().and_then(|e| e.code.as_deref()) == Some(code))
        });
        let _ = operation;
        match modeled {
            Some((name, _)) => {
                let name = name.strip_suffix("Exception").unwrap_or(name);
                format!("{}.{}Exception", self.error_prefix, name)
            }
            None => format!("{0}.{0}Exception", self.error_prefix),
        }
    }
}

/// Levenshtein distance.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;

//! What every action checks the same way: names, ARNs, page tokens and sizes, and the request
//! body decoded into the action's input type.

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;
use crate::arn::Arn;

pub use crate::arn::MAX_NAME_CHARS;
/// Largest definition, in bytes (1 MiB).
pub const MAX_DEFINITION_BYTES: usize = 1024 * 1024;
/// Most results a page holds, and the default.
pub const MAX_PAGE: usize = 1000;
/// Results per page when maxResults is absent or 0.
pub const DEFAULT_PAGE: usize = 100;

/// Decodes an action's input from the request body: a body that is not JSON is AWS's
/// SerializationException, a missing or mistyped field its ValidationException.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::ValidationException(e.to_string()),
        _ => ApiError::SerializationException(format!("the body is not JSON: {e}")),
    })
}

/// A name of a state machine, execution or activity as AWS allows it: 1-80 characters,
/// none of whitespace, brackets, wildcards, the special characters
/// `" # % \ ^ | ~ ` $ & , ; : /`, or control characters.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    if !crate::arn::is_valid_name(name) {
        return Err(ApiError::InvalidName(format!("Invalid Name: '{name}'")));
    }
    Ok(())
}

/// The parts of a Step Functions ARN: `arn:PARTITION:states:REGION:ACCOUNT:KIND:REST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatesArn<'a> {
    /// `stateMachine`, `execution`, `express`, `activity`, ...
    pub kind: &'a str,
    /// What follows the kind: a name, or `machine:name` for an execution.
    pub rest: &'a str,
}

/// Reads a Step Functions ARN and checks its resource type is one of `kinds`.
pub fn states_arn<'a>(arn: &'a str, kinds: &[&str]) -> Result<StatesArn<'a>, ApiError> {
    let invalid = || ApiError::InvalidArn(format!("Invalid Arn: '{arn}'"));
    let fields = Arn::parse(arn)
        .filter(|a| {
            a.service == "states" && a.partition.starts_with("aws") && !a.account.is_empty()
        })
        .ok_or_else(invalid)?;
    let (kind, rest) = fields.resource.split_once(':').ok_or_else(invalid)?;
    if rest.is_empty() {
        return Err(invalid());
    }
    if !kinds.contains(&kind) {
        return Err(ApiError::InvalidArn(format!(
            "Invalid Arn: 'Resource type not valid in this context: {kind}'"
        )));
    }
    Ok(StatesArn { kind, rest })
}

/// Refuses a text field longer than `max` characters, as AWS does.
pub fn check_max_chars(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::constraint(
            field,
            &format!("Member must have length less than or equal to {max}"),
        )),
        _ => Ok(()),
    }
}

/// AWS's timestamps in JSON 1.0: seconds since the epoch, with milliseconds.
pub fn timestamp(ms: i64) -> Value {
    serde_json::json!(ms as f64 / 1000.0)
}

/// A page size: `maxResults` 0 or absent means the default; above the maximum is refused.
pub fn page_size(max_results: Option<i64>) -> Result<usize, ApiError> {
    match max_results {
        None | Some(0) => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::constraint(
            "maxResults",
            "Member must have value less than or equal to 1000",
        )),
    }
}

/// One page of `items`, which are sorted by `key`: those whose key comes after `after`, at
/// most `size` of them, and the key of the page's last item when more follow (the position
/// the next page resumes from).
pub fn page_after<'a, T>(
    items: &'a [T],
    key: impl Fn(&T) -> &str,
    after: Option<&str>,
    size: usize,
) -> (&'a [T], Option<&'a str>) {
    let start = after.map_or(0, |a| items.partition_point(|item| key(item) <= a));
    let end = start.saturating_add(size).min(items.len());
    let page = &items[start..end];
    let next = if end < items.len() {
        page.last().map(key)
    } else {
        None
    };
    (page, next)
}

/// Page tokens are opaque to clients: the position to resume from, with a tag saying which
/// list it belongs to, base64-encoded. The position is a key, not an offset, so a page does
/// not shift when items are added or removed before it.
pub fn encode_token(list: &str, position: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{list}\n{position}"))
}

/// Reads a token made by [`encode_token`] for `list`.
pub fn decode_token(list: &str, token: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::InvalidToken(format!("Invalid Token: '{token}'"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    match text.split_once('\n') {
        Some((tag, position)) if tag == list => Ok(position.to_owned()),
        _ => Err(invalid()),
    }
}

/// Tags as the API sends them: `[{"key": .., "value": ..}]`.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Tag {
    /// The key, 1-128 characters.
    pub key: String,
    /// The value, 0-256 characters.
    #[serde(default)]
    pub value: String,
}

/// Most tags on one resource.
pub const MAX_TAGS: usize = 50;

/// Checks tags' keys and values against AWS's lengths.
pub fn check_tags(tags: &[Tag]) -> Result<(), ApiError> {
    for t in tags {
        if t.key.is_empty() || t.key.chars().count() > 128 {
            return Err(ApiError::constraint(
                "tags.member.key",
                "Member must have length between 1 and 128",
            ));
        }
        check_max_chars("tags.member.value", Some(&t.value), 256)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

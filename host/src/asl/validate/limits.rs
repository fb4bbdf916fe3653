//! The limits the validator enforces, each with why that number, and the nesting-depth
//! measurement that runs before anything else walks a definition.
//!
//! Owns: the numbers (and the Map label's forbidden characters); [`json_depth_exceeds`].
//! Must not: report diagnostics itself (the checks that use a limit do), or recurse.

use serde_json::Value;

/// Deepest JSON nesting accepted (objects and arrays). serde_json refuses to parse more than 127,
/// so every definition that parses from text also validates; a `Value` built in memory deeper
/// than this is refused before any recursive walk (ours, `choice`'s, `Template::parse`,
/// serde's) could exhaust the stack.
pub const MAX_JSON_DEPTH: usize = 128;

/// The largest value AWS accepts for TimeoutSeconds, HeartbeatSeconds, Seconds, IntervalSeconds
/// and MaxAttempts (99999999, roughly three years).
pub(super) const MAX_SECONDS: u64 = 99_999_999;

/// AWS caps a retrier's MaxDelaySeconds at one year (366 days) in seconds.
pub(super) const MAX_DELAY_SECONDS: u64 = 31_622_400;

/// The ASL spec limits state names to 80 Unicode characters.
pub(super) const MAX_STATE_NAME_CHARS: usize = 80;

/// AWS limits a Distributed Map `Label` to 40 characters (it becomes part of child execution
/// names).
pub(super) const MAX_LABEL_CHARS: usize = 40;

/// AWS caps a batch of items at 256 KiB.
pub(super) const MAX_INPUT_BYTES_PER_BATCH: u64 = 262_144;

/// The most items an ItemReader's MaxItems may ask for (AWS: 100,000,000).
pub(super) const MAX_READER_ITEMS: u64 = 100_000_000;

/// Characters AWS forbids in a Map `Label` besides whitespace and control characters.
pub(super) const LABEL_FORBIDDEN: &[char] = &[
    '<', '>', '{', '}', '[', ']', '?', '*', '"', '#', '%', '\\', '^', '|', '~', '`', '$', '&', ',',
    ';', ':', '/',
];

/// The longest workflow variable name AWS accepts.
pub(super) const MAX_VARIABLE_NAME_CHARS: usize = 80;

/// True when `value` has more than `limit` nested objects/arrays (counted as serde_json counts
/// them when parsing). Iterative, so it is safe on any input.
pub(super) fn json_depth_exceeds(value: &Value, limit: usize) -> bool {
    let mut stack = vec![(value, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(map) => Box::new(map.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        if depth > limit {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

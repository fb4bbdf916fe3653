//! A function's configuration, as AWS Lambda has it: memory, timeout, environment, plus the
//! service integrations its code may `call`. Bounds follow Lambda's.

use std::collections::BTreeMap;

/// Lambda's bounds and defaults.
pub mod limits {
    /// Smallest memory setting, and the default (MB).
    pub const MIN_MEMORY_MB: u32 = 128;
    /// Largest memory setting (MB). A wasm32 guest cannot use more than 4096 of it.
    pub const MAX_MEMORY_MB: u32 = 10_240;
    /// Default timeout (seconds).
    pub const DEFAULT_TIMEOUT_SECONDS: u32 = 3;
    /// Longest timeout (seconds): 15 minutes.
    pub const MAX_TIMEOUT_SECONDS: u32 = 900;
    /// Total size of the environment variables' names and values (bytes).
    pub const MAX_ENVIRONMENT_BYTES: usize = 4 * 1024;
}

/// Variables the host sets itself, as Lambda does; a configuration may not override them.
pub const RESERVED_VARIABLES: &[&str] = &[
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// How a function runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionConfig {
    /// Memory cap in MB (Lambda's MemorySize).
    pub memory_mb: u32,
    /// How long one invocation may run, in seconds (Lambda's Timeout).
    pub timeout_seconds: u32,
    /// Environment variables the guest sees; it sees no others but [`RESERVED_VARIABLES`].
    pub environment: BTreeMap<String, String>,
    /// Resources the guest may reach with `call`: exact ARNs, or prefixes ending in `*`.
    pub allowed_calls: Vec<String>,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            memory_mb: limits::MIN_MEMORY_MB,
            timeout_seconds: limits::DEFAULT_TIMEOUT_SECONDS,
            environment: BTreeMap::new(),
            allowed_calls: Vec::new(),
        }
    }
}

/// A configuration outside Lambda's bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// MemorySize out of range.
    #[error(
        "MemorySize {0} is out of range: it must be between {min} and {max} MB",
        min = limits::MIN_MEMORY_MB,
        max = limits::MAX_MEMORY_MB
    )]
    MemorySize(u32),
    /// Timeout out of range.
    #[error(
        "Timeout {0} is out of range: it must be between 1 and {max} seconds",
        max = limits::MAX_TIMEOUT_SECONDS
    )]
    Timeout(u32),
    /// A variable name Lambda would refuse.
    #[error(
        "environment variable name '{0}' is invalid: it must start with a letter and contain only letters, digits and '_'"
    )]
    VariableName(String),
    /// A variable the host sets itself.
    #[error("environment variable '{0}' is reserved: the host sets it")]
    ReservedVariable(String),
    /// Too much environment.
    #[error(
        "the environment variables take {0} bytes; the limit is {max} bytes",
        max = limits::MAX_ENVIRONMENT_BYTES
    )]
    EnvironmentTooLarge(usize),
    /// An empty or malformed entry in the allowed calls.
    #[error("allowed call '{0}' is empty or has '*' anywhere but at its end")]
    AllowedCall(String),
}

impl FunctionConfig {
    /// Checks every field against Lambda's bounds.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(limits::MIN_MEMORY_MB..=limits::MAX_MEMORY_MB).contains(&self.memory_mb) {
            return Err(ConfigError::MemorySize(self.memory_mb));
        }
        if !(1..=limits::MAX_TIMEOUT_SECONDS).contains(&self.timeout_seconds) {
            return Err(ConfigError::Timeout(self.timeout_seconds));
        }
        let mut size = 0;
        for (name, value) in &self.environment {
            let mut chars = name.chars();
            let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                && name.len() >= 2;
            if !valid {
                return Err(ConfigError::VariableName(name.clone()));
            }
            if RESERVED_VARIABLES.contains(&name.as_str()) {
                return Err(ConfigError::ReservedVariable(name.clone()));
            }
            size += name.len() + value.len();
        }
        if size > limits::MAX_ENVIRONMENT_BYTES {
            return Err(ConfigError::EnvironmentTooLarge(size));
        }
        for pattern in &self.allowed_calls {
            let body = pattern.strip_suffix('*').unwrap_or(pattern);
            if body.is_empty() && pattern != "*" || body.contains('*') {
                return Err(ConfigError::AllowedCall(pattern.clone()));
            }
        }
        Ok(())
    }

    /// Whether the guest may `call` this resource.
    pub fn allows_call(&self, resource: &str) -> bool {
        self.allowed_calls
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => resource.starts_with(prefix),
                None => resource == pattern,
            })
    }

    /// The memory cap in bytes, as the sandbox enforces it.
    pub fn memory_bytes(&self) -> usize {
        (self.memory_mb as usize) << 20
    }
}

#[cfg(test)]
mod tests;

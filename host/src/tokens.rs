//! Task tokens: minted for callback (`.waitForTaskToken`) and activity tasks, returned by
//! SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat.
//!
//! A token names the execution, the task invocation (the state entry and the attempt), and is
//! signed with the host's secret, so a forged or altered token is refused before anything is
//! looked up. It holds no state of its own: whether the task still waits is the execution's
//! to say, which makes a token good once and a restart keep every waiting token valid (the
//! secret is persisted).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// AWS's limit on a token's length.
pub const MAX_TOKEN_CHARS: usize = 1024;

/// The version prefix of the token format.
const VERSION: &str = "1";

/// Bytes of the HMAC kept in a token: 128 bits is far beyond guessing.
const TAG_BYTES: usize = 16;

/// The host's secret for signing tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
        let (c, d) = uuid::Uuid::new_v4().as_u64_pair();
        for (chunk, word) in key.chunks_mut(8).zip([a, b, c, d]) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        TokenKey(key)
    }

    /// The key as stored: hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A stored key; `None` if it is not 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(TokenKey(key))
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(payload);
        mac
    }

    /// The token for one task invocation.
    pub fn mint(&self, claims: &Claims) -> String {
        let payload = format!(
            "{VERSION}\n{}\n{}\n{}\n{}",
            claims.execution, claims.task, claims.entered_event, claims.attempt
        );
        let tag = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES])
        )
    }

    /// What a token names, if this key signed it.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
            return Err(TokenError::Length);
        }
        let (payload, tag) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Malformed)?;
        if tag.len() != TAG_BYTES {
            return Err(TokenError::Malformed);
        }
        self.mac(&payload)
            .verify_truncated_left(&tag)
            .map_err(|_| TokenError::Signature)?;
        // Signed by us, so well formed unless the format changed.
        let text = String::from_utf8(payload).map_err(|_| TokenError::Malformed)?;
        let mut fields = text.split('\n');
        let (Some(VERSION), Some(execution), Some(task), Some(entered), Some(attempt), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(TokenError::Malformed);
        };
        let number = |s: &str| s.parse::<u64>().map_err(|_| TokenError::Malformed);
        Ok(Claims {
            execution: execution.to_owned(),
            task: number(task)?,
            entered_event: number(entered)?,
            attempt: number(attempt)? as u32,
        })
    }
}

/// What a token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The execution's ARN.
    pub execution: String,
    /// The task invocation within it.
    pub task: u64,
    /// The id of the Task state's Entered event.
    pub entered_event: u64,
    /// The attempt (retries before this one).
    pub attempt: u32,
}

/// Why a token is not one of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Empty, or longer than AWS allows.
    #[error("a task token has between 1 and 1024 characters")]
    Length,
    /// Not in the form this host mints.
    #[error("the task token is not one this host issued")]
    Malformed,
    /// The signature does not match: altered, or signed by another host's secret.
    #[error("the task token's signature does not match")]
    Signature,
}

#[cfg(test)]
mod tests;

//! JSONata's picture-string formatters: `$formatNumber`, `$formatInteger`, `$parseInteger`,
//! `$fromMillis`/`$now` and `$toMillis`, as jsonata-js 2.0 implements them (after XPath and
//! XQuery Functions and Operators 3.1, §4.6, §4.7 and §9.8).
//!
//! This module owns the picture grammars, the formatting and parsing algorithms and the error
//! codes and texts they raise. It knows nothing of JSONata values: callers pass plain numbers and
//! strings and map "undefined" inputs themselves. Nothing here reads a clock except
//! [`parse_datetime`], whose pure core [`parse_datetime_at`] takes "now" as an argument.
//!
//! Where jsonata-js has a plain bug (negative half-hour offsets come out as `-04:-30`, a prefix
//! before an exponent picture shifts the exponent, separators land outside the digits) the
//! XPath behaviour is followed instead; each place says so.

mod calendar;
mod datetime;
mod datetime_parse;
mod integer;
mod number;

pub use datetime::format_datetime;
pub use datetime_parse::{parse_datetime, parse_datetime_at};
pub use integer::{format_integer, parse_integer};
pub use number::{DecimalFormat, format_number};

use std::fmt;

/// A picture-string or input error, with JSONata's error code (D3080.., D3110.., D3130..,
/// D3131, D3132, ...) and jsonata-js's message text.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureError {
    pub code: &'static str,
    pub message: String,
}

impl PictureError {
    /// The error `code` with jsonata-js's message for it; `value` fills the `{{value}}` slot of
    /// the codes that have one.
    pub(crate) fn new(code: &'static str, value: impl fmt::Display) -> Self {
        let message = template(code).replace("{{value}}", &value.to_string());
        PictureError { code, message }
    }

    /// A host-imposed limit or an input jsonata-js would turn into garbage (`NaN` dates, an
    /// unbounded repetition). jsonata-js has no code for these; D3137 is its code for an error
    /// whose whole text is the message.
    pub(crate) fn limit(message: impl Into<String>) -> Self {
        PictureError {
            code: "D3137",
            message: message.into(),
        }
    }
}

impl fmt::Display for PictureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for PictureError {}

/// jsonata-js's message texts for the codes this module raises.
fn template(code: &str) -> &'static str {
    match code {
        "D3080" => "The picture string must only contain a maximum of two sub-pictures",
        "D3081" => {
            "The sub-picture must not contain more than one instance of the 'decimal-separator' character"
        }
        "D3082" => {
            "The sub-picture must not contain more than one instance of the 'percent' character"
        }
        "D3083" => {
            "The sub-picture must not contain more than one instance of the 'per-mille' character"
        }
        "D3084" => "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
        "D3085" => {
            "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'"
        }
        "D3086" => {
            "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character"
        }
        "D3087" => {
            "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character"
        }
        "D3088" => {
            "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"
        }
        "D3089" => {
            "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"
        }
        "D3090" => {
            "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'"
        }
        "D3091" => {
            "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'"
        }
        "D3092" => {
            "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'"
        }
        "D3093" => {
            "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'"
        }
        "D3110" => {
            "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}"
        }
        "D3130" => {
            "Formatting or parsing an integer as a sequence starting with {{value}} is not supported by this implementation"
        }
        "D3131" => "In a decimal digit pattern, all digits must be from the same decimal group",
        "D3132" => "Unknown component specifier {{value}} in date/time picture string",
        "D3133" => {
            "The 'name' modifier can only be applied to months and days in the date/time picture string, not {{value}}"
        }
        "D3134" => "The timezone integer format specifier cannot have more than four digits",
        "D3135" => "No matching closing bracket ']' in date/time picture string",
        "D3136" => {
            "The date/time picture string is missing specifiers required to parse the timestamp"
        }
        _ => "{{value}}",
    }
}

#[cfg(test)]
mod tests;

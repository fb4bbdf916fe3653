//! JSONata errors: the public [`Error`] (code, position, message) and the internal
//! [`Failure`] that collects the details jsonata-js attaches to an error while it unwinds (the
//! token of the operator or function, the offending value, the argument index) before the message
//! is rendered from JSONata's own templates.

use std::fmt;

/// An error from parsing or evaluating a JSONata expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    /// The JSONata error code (`S0201`, `T2001`, `D3001`, ...).
    pub code: String,
    /// The character offset in the expression the error refers to, when known.
    pub position: Option<usize>,
    /// JSONata's message text for the code.
    pub message: String,
}

/// An error on its way out of the parser or evaluator. Fields are filled in as it unwinds, as
/// jsonata-js fills in `position` and `token` on the thrown object. Boxed: every evaluation
/// level returns a `Result`, and a small error type keeps those frames small.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure(Box<Details>);

#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    pub code: &'static str,
    pub position: Option<usize>,
    pub token: Option<String>,
    /// The offending value, already written as JSON (as `JSON.stringify` would).
    pub value: Option<String>,
    pub value2: Option<String>,
    pub index: Option<usize>,
    /// For T0412: the type the array items must have.
    pub type_name: Option<&'static str>,
    /// A message that replaces the template (`$error`, `$assert`, AWS function failures).
    pub message: Option<String>,
}

pub type Result<T> = std::result::Result<T, Failure>;

/// Measures native stack use from where it was created, so recursive passes can refuse input
/// nested too deeply for the thread's stack instead of overflowing it.
#[derive(Clone, Copy)]
pub struct StackGuard {
    base: usize,
    limit: usize,
}

impl StackGuard {
    pub fn new(limit: usize) -> StackGuard {
        StackGuard {
            base: stack_position(),
            limit,
        }
    }

    /// An error (U1004) when more than the limit is in use.
    #[inline(always)]
    pub fn check(&self, position: usize) -> Result<()> {
        if std::env::var("SPROBE").is_ok() {
            eprintln!("diff {}", self.base.abs_diff(stack_position()));
        }
        if self.base.abs_diff(stack_position()) > self.limit {
            Err(Failure::new("U1004").at(position))
        } else {
            Ok(())
        }
    }
}

/// The address of a local variable of the caller's frame: where the stack is now.
#[inline(always)]
pub fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::addr_of!(marker)) as usize
}

impl std::ops::Deref for Failure {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Failure {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

impl Failure {
    pub fn new(code: &'static str) -> Self {
        Failure(Box::new(Details {
            code,
            position: None,
            token: None,
            value: None,
            value2: None,
            index: None,
            type_name: None,
            message: None,
        }))
    }

    pub fn at(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }

    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    pub fn value2(mut self, value: impl Into<String>) -> Self {
        self.value2 = Some(value.into());
        self
    }

    pub fn index(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// A failure with its own message text under D3137, the code jsonata-js gives `$error`.
    pub fn custom(message: impl Into<String>) -> Self {
        Failure::new("D3137").message(message)
    }

    /// Renders the message from JSONata's template for the code.
    pub fn into_error(self) -> Error {
        let message = match &self.message {
            Some(m) => m.clone(),
            None => render(template(self.code), &self),
        };
        Error {
            code: self.code.to_string(),
            position: self.position,
            message,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.clone().into_error();
        write!(f, "{}: {}", e.code, e.message)
    }
}

/// Fills `{{name}}` (a JSON-written value) and `{{{name}}}` (raw text) placeholders. Tokens are
/// raw text in jsonata-js but are written as JSON strings there, so they keep their quotes.
fn render(template: &str, f: &Failure) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let triple = rest[start..].starts_with("{{{");
        let open = if triple { 3 } else { 2 };
        let close = if triple { "}}}" } else { "}}" };
        let body = &rest[start + open..];
        let Some(end) = body.find(close) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &body[..end];
        let json_str = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let text = match name {
            "token" => f
                .token
                .as_deref()
                .map(|t| if triple { t.to_string() } else { json_str(t) }),
            "value" => f.value.clone(),
            "value2" => f.value2.clone(),
            "index" => f.index.map(|i| i.to_string()),
            "type" => f.type_name.map(|t| t.to_string()),
            _ => None,
        };
        out.push_str(text.as_deref().unwrap_or("undefined"));
        rest = &body[end + close.len()..];
    }
    out.push_str(rest);
    out
}

/// jsonata-js's message templates, by code.
fn template(code: &str) -> &'static str {
    match code {
        "S0101" => "String literal must be terminated by a matching quote",
        "S0102" => "Number out of range: {{token}}",
        "S0103" => "Unsupported escape sequence: \\{{{token}}}",
        "S0104" => "The escape sequence \\u must be followed by 4 hex digits",
        "S0105" => "Quoted property name must be terminated with a backquote (`)",
        "S0106" => "Comment has no closing tag",
        "S0201" => "Syntax error: {{token}}",
        "S0202" => "Expected {{value}}, got {{token}}",
        "S0203" => "Expected {{value}} before end of expression",
        "S0204" => "Unknown operator: {{token}}",
        "S0205" => "Unexpected token: {{token}}",
        "S0206" => "Unknown expression type: {{token}}",
        "S0207" => "Unexpected end of expression",
        "S0208" => {
            "Parameter {{value}} of function definition must be a variable name (start with $)"
        }
        "S0209" => "A predicate cannot follow a grouping expression in a step",
        "S0210" => "Each step can only have one grouping expression",
        "S0211" => "The symbol {{token}} cannot be used as a unary operator",
        "S0212" => "The left side of := must be a variable name (start with $)",
        "S0213" => "The literal value {{value}} cannot be used as a step within a path expression",
        "S0214" => "The right side of {{token}} must be a variable name (start with $)",
        "S0215" => "A context variable binding must precede any predicates on a step",
        "S0216" => "A context variable binding must precede the 'order-by' clause on a step",
        "S0217" => "The object representing the 'parent' cannot be derived from this expression",
        "S0301" => "Empty regular expressions are not allowed",
        "S0302" => "No terminating / in regular expression",
        "S0303" => "Invalid regular expression: {{value}}",
        "S0401" => "Type parameters can only be applied to functions and arrays",
        "S0402" => "Choice groups containing parameterized types are not supported",
        "T0410" => "Argument {{index}} of function {{token}} does not match function signature",
        "T0411" => {
            "Context value is not a compatible type with argument {{index}} of function {{token}}"
        }
        "T0412" => "Argument {{index}} of function {{token}} must be an array of {{type}}",
        "D1001" => "Number out of range: {{value}}",
        "D1002" => "Cannot negate a non-numeric value: {{value}}",
        "T1003" => "Key in object structure must evaluate to a string; got: {{value}}",
        "D1004" => "Regular expression matches zero length string",
        "T1005" => "Attempted to invoke a non-function. Did you mean ${{{token}}}?",
        "T1006" => "Attempted to invoke a non-function",
        "T1007" => "Attempted to partially apply a non-function. Did you mean ${{{token}}}?",
        "T1008" => "Attempted to partially apply a non-function",
        "D1009" => "Multiple key definitions evaluate to same key: {{value}}",
        "T1010" => {
            "The matcher function argument passed to function {{token}} does not return the correct object structure"
        }
        "T2001" => "The left side of the {{token}} operator must evaluate to a number",
        "T2002" => "The right side of the {{token}} operator must evaluate to a number",
        "T2003" => "The left side of the range operator (..) must evaluate to an integer",
        "T2004" => "The right side of the range operator (..) must evaluate to an integer",
        "D2005" => "The left side of := must be a variable name (start with $)",
        "T2006" => "The right side of the function application operator ~> must be a function",
        "T2007" => {
            "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"
        }
        "T2008" => {
            "The expressions within an order-by clause must evaluate to numeric or string values"
        }
        "T2009" => {
            "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type"
        }
        "T2010" => {
            "The expressions either side of operator {{token}} must evaluate to numeric or string values"
        }
        "T2011" => {
            "The insert/update clause of the transform expression must evaluate to an object: {{value}}"
        }
        "T2012" => {
            "The delete clause of the transform expression must evaluate to a string or array of strings: {{value}}"
        }
        "T2013" => {
            "The transform expression clones the input object using the $clone() function.  This has been overridden in the current scope by a non-function."
        }
        "D2014" => {
            "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {{value}}."
        }
        "D3001" => "Attempting to invoke string function on Infinity or NaN",
        "D3010" => "Second argument of replace function cannot be an empty string",
        "D3011" => "Fourth argument of replace function must evaluate to a positive number",
        "D3012" => "Attempted to replace a matched string with a non-string value",
        "D3020" => "Third argument of split function must evaluate to a positive number",
        "D3030" => "Unable to cast value to a number: {{value}}",
        "D3040" => "Third argument of match function must evaluate to a positive number",
        "D3050" => {
            "The second argument of reduce function must be a function with at least two arguments"
        }
        "D3060" => "The sqrt function cannot be applied to a negative number: {{value}}",
        "D3061" => {
            "The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{value2}}"
        }
        "D3070" => {
            "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function"
        }
        "D3100" => {
            "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"
        }
        "D3110" => {
            "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}"
        }
        "D3120" => "Syntax error in expression passed to function eval: {{value}}",
        "D3121" => "Dynamic error evaluating the expression passed to function eval: {{value}}",
        "D3138" => {
            "The $single() function expected exactly 1 matching result.  Instead it matched more."
        }
        "D3139" => {
            "The $single() function expected exactly 1 matching result.  Instead it matched 0."
        }
        "D3140" => "Malformed URL passed to ${{{token}}}(): {{value}}",
        "D3141" => "Assertion failed",
        "D3137" => "$error() function evaluated",
        "U1001" => {
            "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."
        }
        "U1002" => "Expression evaluation timeout: Check for infinite loop",
        "U1003" => "Expression evaluation memory limit exceeded: Check for excessive memory usage",
        "U1004" => "Expression nesting is too deep",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests;

//! Amazon States Language paths: JSONPath *queries* (`InputPath`, `OutputPath`, `ItemsPath`,
//! `".$"` template values) and *reference paths* (`ResultPath`, Choice `Variable`, the `*Path`
//! fields of Wait, Task and Map).
//!
//! Owns: parsing path text once into a [`Query`] / [`ReferencePath`], evaluating it over
//! `serde_json::Value` with the semantics AWS gets from the Jayway JSONPath library, writing a
//! result into a document for `ResultPath`, and the exact AWS wording of the path errors.
//! Must not: do I/O, know about states or executions, or panic on any path text or document.
//!
//! This file holds the public types ([`Query`], [`ReferencePath`], the errors) and the parsed
//! form of a path; the work is split by concern: `parse.rs` (the one path grammar), `select.rs`
//! (reading documents), `assign.rs` (`ResultPath` writes), `render.rs` (Jayway's normalized
//! form for messages).
//!
//! # Semantics (Jayway, as AWS runs it)
//! - A *definite* path (`$`, names, single indices) yields the one value it names, or a
//!   [`SelectError`] when it names nothing.
//! - An *indefinite* path (wildcard, slice, union, deep scan `..`, filter) yields a JSON array of
//!   every match, possibly `[]`; it never fails for want of data (conformance cases
//!   `base_test_base.test_json_path_array_wildcard_or_slice_with_no_input*`).
//! - `.length()` at the end of a path gives the length of the array (or the number of members of
//!   the object) the rest of the path selects.
//! - Quoted names in brackets are taken verbatim: a backslash only stops the next character from
//!   ending the name and is kept (`$['Test\""Name"']` reads the key `Test\""Name"`, as AWS does).
//!
//! # Which message each error produces
//! | situation | AWS error | cause text | built by |
//! |---|---|---|---|
//! | `InputPath`/`OutputPath`/`ItemsPath` finds nothing | `States.Runtime` | `Invalid path '$.x' : No results for path: $['x']` | [`Query::invalid_path_cause`] |
//! | a `"key.$"` value in Parameters/ResultSelector/ItemSelector finds nothing | `States.Runtime` | `The JSONPath '$.x' specified for the field 'key.$' could not be found in the input '{"a":1}'` | [`Query::field_not_found_cause`] |
//! | `ResultPath` cannot be applied | `States.ResultPathMatchFailure` | `Unable to apply ReferencePath $.a.b to input {"a":"text"}` | [`SetError`]'s `Display` |
//! | path text is malformed | (validation) | [`ParseError`]'s `Display` | the validator |
//!
//! The text after `Invalid path '…' : ` is Jayway's own exception message, reproduced by
//! [`SelectError`]'s `Display`; only the `No results for path` form is confirmed by a recorded
//! case, the others follow Jayway's source wording.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

mod assign;
mod parse;
mod render;
mod select;
#[cfg(test)]
mod tests;

use parse::{Parser, reference_violation};
use render::render_segments;
use select::{apply_function, evaluate_segments, walk_definite};

/// How deeply filters, parentheses and array literals may nest inside one path. Real paths nest
/// two or three levels; the bound keeps parsing and evaluation recursion off the stack limit.
const MAX_NESTING: usize = 32;

/// How deep structural equality descends when a filter compares two arrays or objects. Documents
/// built by the host are parsed by serde_json (128 levels at most), so this only stops hostile
/// values built some other way from exhausting the stack.
const MAX_EQUALITY_DEPTH: usize = 256;

/// Whether `c` may begin a variable name: AWS follows Unicode's identifier rules (UAX #31).
pub fn is_variable_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

/// Whether `c` may continue a variable name.
pub fn is_variable_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Which document a path starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `$`: the state's input (or whatever document the field applies to).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable (see [`Query::variable`]).
    Variable,
}

/// Workflow variables a path can read as `$name`.
pub trait Variables {
    /// The variable's value, if it is defined.
    fn variable(&self, name: &str) -> Option<&Value>;
}

/// No variables at all: what a path sees outside an execution.
pub struct NoVariables;

impl Variables for NoVariables {
    fn variable(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// A path text that is not valid JSONPath, or not a valid reference path where one is required.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The text is not JSONPath as AWS accepts it.
    #[error("The path '{text}' is not a valid JSONPath: {reason} (at character {position})")]
    Syntax {
        /// The path as written.
        text: String,
        /// 0-based character position of the problem.
        position: usize,
        /// What is wrong.
        reason: String,
    },
    /// Filters, array literals or parentheses nest deeper than [`MAX_NESTING`].
    #[error("The path '{text}' nests more than {limit} levels deep")]
    TooDeep {
        /// The path as written.
        text: String,
        /// The nesting limit.
        limit: usize,
    },
    /// Valid JSONPath, but a reference path was required and this one can select more than
    /// one node (wildcard, slice, union, deep scan, filter or function).
    #[error(
        "The path '{text}' is not a valid ReferencePath: {reason}; a ReferencePath may only use field names and single array indices"
    )]
    NotReferencePath {
        /// The path as written.
        text: String,
        /// The construct that is not allowed.
        reason: &'static str,
    },
}

/// A definite path found nothing. `Display` gives Jayway's message, which AWS puts after
/// `Invalid path '<text>' : ` (see [`Query::invalid_path_cause`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// The last step named nothing, or an index was out of range:
    /// `No results for path: $['a']['b']` (the whole path, normalized).
    #[error("No results for path: {path}")]
    NoResults {
        /// The whole path in normalized bracket form.
        path: String,
    },
    /// A field before the last step is missing: `Missing property in path $['a']`
    /// (the path up to and including the missing field).
    #[error("Missing property in path {path}")]
    MissingProperty {
        /// The path up to and including the missing field.
        path: String,
    },
    /// A field step was applied to something that is not an object.
    #[error(
        "Expected to find an object with property ['{property}'] in path {path} but found '{found}'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'."
    )]
    NotAnObject {
        /// The field that was looked for.
        property: String,
        /// The path up to (not including) that field.
        path: String,
        /// The Java class Jayway reports for the value found.
        found: &'static str,
    },
    /// An index step was applied to `null`: `The path $['a'] is null`.
    #[error("The path {path} is null")]
    NullArray {
        /// The path up to (not including) the index.
        path: String,
    },
    /// A `$name` path reads a variable no state has assigned.
    #[error("The variable '${name}' is not defined")]
    UndefinedVariable {
        /// The variable's name, without `$`.
        name: String,
    },
    /// An index step was applied to something that is neither an array nor null.
    #[error("Filter: [{index}] can only be applied to arrays. Current context is: {context}")]
    NotAnArray {
        /// The index as written.
        index: i64,
        /// The path up to (not including) the index.
        path: String,
        /// The value found, as Jayway prints it.
        context: String,
    },
}

impl SelectError {
    /// The normalized path carried by the error (see each variant).
    pub fn path(&self) -> &str {
        match self {
            SelectError::NoResults { path }
            | SelectError::MissingProperty { path }
            | SelectError::NotAnObject { path, .. }
            | SelectError::NullArray { path }
            | SelectError::NotAnArray { path, .. } => path,
            SelectError::UndefinedVariable { name } => name,
        }
    }
}

/// `ResultPath` could not be applied. AWS fails the state with [`SetError::error_name`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// A step of the path meets a value of the wrong kind (a field into a non-object, an index
    /// into a non-array or past its end). `input` is the whole document, serialized.
    #[error("Unable to apply ReferencePath {path} to input {input}")]
    Mismatch {
        /// The reference path as written.
        path: String,
        /// The document the result was to be written into, as compact JSON.
        input: String,
    },
    /// `$$…` names the context object, which a state cannot write.
    #[error("Unable to apply ReferencePath {path}: the context object cannot be written")]
    ContextObject {
        /// The reference path as written.
        path: String,
    },
}

impl SetError {
    /// The AWS error name a failed `ResultPath` raises.
    pub fn error_name(&self) -> &'static str {
        "States.ResultPathMatchFailure"
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// `.x`, `[…]`: applies to the current node.
    Child(Selector),
    /// `..x`, `..[…]`: applies to the current node and all its descendants.
    Descendant(Selector),
}

/// What a step selects.
#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Name(String),
    Names(Vec<String>),
    Index(i64),
    Indices(Vec<i64>),
    Wildcard,
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: i64,
    },
    Filter(Box<Filter>),
}

/// A function call ending a path. Jayway has more; AWS users rely on `length()`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Function {
    Length,
}

/// The segments and optional function of a path, shared by queries and filter operands.
#[derive(Debug, Clone, PartialEq)]
struct Steps {
    segments: Vec<Segment>,
    function: Option<Function>,
    definite: bool,
}

/// A filter expression inside `[?( … )]`.
#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Or(Vec<Filter>),
    And(Vec<Filter>),
    Not(Box<Filter>),
    Exists(Operand),
    Compare {
        left: Operand,
        op: CompareOp,
        right: Operand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Nin,
    SubsetOf,
    AnyOf,
    NoneOf,
    Size,
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    /// `@…`: relative to the node under test.
    Current(Steps),
    /// `$…`: relative to the root of the query's document.
    Root(Steps),
    Literal(Value),
}

/// A parsed JSONPath query. Parse once, evaluate many times.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    text: String,
    root: Root,
    /// The variable's name when `root` is [`Root::Variable`].
    variable: Option<String>,
    steps: Steps,
}

impl Query {
    /// Parses `$…` (the input), `$$…` (the context object) or `$name…` (a variable).
    pub fn parse(text: &str) -> Result<Query, ParseError> {
        let mut parser = Parser::new(text);
        let (root, variable, steps) = parser.query()?;
        Ok(Query {
            text: text.to_owned(),
            root,
            variable,
            steps,
        })
    }

    /// The variable a `$name…` path reads.
    pub fn variable(&self) -> Option<&str> {
        self.variable.as_deref()
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Which document the path reads.
    pub fn root(&self) -> Root {
        self.root
    }

    /// True when the path names at most one node (only names and single indices).
    pub fn is_definite(&self) -> bool {
        self.steps.definite
    }

    /// The path in Jayway's normalized bracket form, e.g. `$['a']['b c'][0]`. A `$$` path is
    /// rendered from its context root as `$…`, as AWS hands it to Jayway without the first `$`.
    pub fn normalized(&self) -> String {
        let mut out = String::from("$");
        render_segments(&mut out, &self.steps.segments);
        if self.steps.function == Some(Function::Length) {
            out.push_str(".length()");
        }
        out
    }

    /// Evaluates against the input document and the context object. A definite path returns
    /// its value; an indefinite one returns an array of all matches.
    pub fn select(&self, input: &Value, context: &Value) -> Result<Value, SelectError> {
        self.select_ref(input, context).map(Cow::into_owned)
    }

    /// Like [`Query::select`], but borrows from the documents where it can, so a caller that
    /// only inspects the value clones nothing.
    pub fn select_ref<'a>(
        &self,
        input: &'a Value,
        context: &'a Value,
    ) -> Result<Cow<'a, Value>, SelectError> {
        self.select_in(input, context, &NoVariables)
    }

    /// Like [`Query::select_ref`], with workflow variables for `$name` paths.
    pub fn select_in<'a>(
        &self,
        input: &'a Value,
        context: &'a Value,
        variables: &'a dyn Variables,
    ) -> Result<Cow<'a, Value>, SelectError> {
        let doc = self.document(input, context, variables)?;
        if self.steps.definite {
            let found = walk_definite(&self.steps.segments, doc)?;
            Ok(apply_function(self.steps.function, Cow::Borrowed(found)))
        } else {
            let matches = evaluate_segments(&self.steps.segments, doc, doc);
            let array = Value::Array(matches.into_iter().cloned().collect());
            Ok(apply_function(self.steps.function, Cow::Owned(array)))
        }
    }

    /// Like [`Query::select`], but a definite path that finds nothing is `Ok(None)` (Choice
    /// `IsPresent`). An indefinite path always finds its (possibly empty) array.
    pub fn find(
        &self,
        input: &Value,
        context: &Value,
        variables: &dyn Variables,
    ) -> Result<Option<Value>, SelectError> {
        match self.select_in(input, context, variables) {
            Ok(value) => Ok(Some(value.into_owned())),
            Err(_) => Ok(None),
        }
    }

    /// AWS's cause for `InputPath`, `OutputPath` and `ItemsPath` that find nothing (error
    /// `States.Runtime`): `Invalid path '$.x' : No results for path: $['x']`.
    pub fn invalid_path_cause(&self, error: &SelectError) -> String {
        format!("Invalid path '{}' : {}", self.text, error)
    }

    /// AWS's cause for a `"field.$"` template value that finds nothing (error
    /// `States.Runtime`): `The JSONPath '$.x' specified for the field 'field.$' could not be
    /// found in the input '{"a":1}'`. `field` is the key as written, `.$` included; `input` is
    /// the document the path was applied to.
    pub fn field_not_found_cause(&self, field: &str, input: &Value) -> String {
        format!(
            "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
            self.text, field, input
        )
    }

    fn document<'a>(
        &self,
        input: &'a Value,
        context: &'a Value,
        variables: &'a dyn Variables,
    ) -> Result<&'a Value, SelectError> {
        match self.root {
            Root::Input => Ok(input),
            Root::Context => Ok(context),
            Root::Variable => {
                let name = self.variable.as_deref().unwrap_or_default();
                variables
                    .variable(name)
                    .ok_or_else(|| SelectError::UndefinedVariable {
                        name: name.to_owned(),
                    })
            }
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A reference path: a [`Query`] restricted to field names and single indices, so it names
/// exactly one node and can be written to.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferencePath {
    query: Query,
}

impl ReferencePath {
    /// Parses a reference path; any wildcard, slice, union, deep scan, filter or function is
    /// a [`ParseError::NotReferencePath`].
    pub fn parse(text: &str) -> Result<ReferencePath, ParseError> {
        let query = Query::parse(text)?;
        if let Some(reason) = reference_violation(&query.steps) {
            return Err(ParseError::NotReferencePath {
                text: text.to_owned(),
                reason,
            });
        }
        Ok(ReferencePath { query })
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        self.query.text()
    }

    /// Which document the path names.
    pub fn root(&self) -> Root {
        self.query.root()
    }

    /// The path as a general query (for messages and shared evaluation).
    pub fn as_query(&self) -> &Query {
        &self.query
    }

    /// Reads the value the path names.
    pub fn get(&self, input: &Value, context: &Value) -> Result<Value, SelectError> {
        self.query.select(input, context)
    }

    /// Like [`ReferencePath::get`], with workflow variables for `$name` paths.
    pub fn get_in(
        &self,
        input: &Value,
        context: &Value,
        variables: &dyn Variables,
    ) -> Result<Value, SelectError> {
        self.query
            .select_in(input, context, variables)
            .map(Cow::into_owned)
    }

    /// Like [`ReferencePath::get`] without cloning.
    pub fn get_ref<'a>(
        &self,
        input: &'a Value,
        context: &'a Value,
        variables: &'a dyn Variables,
    ) -> Result<&'a Value, SelectError> {
        walk_definite(
            &self.query.steps.segments,
            self.query.document(input, context, variables)?,
        )
    }
}

impl PartialEq<&str> for ReferencePath {
    /// Compares the path as written.
    fn eq(&self, text: &&str) -> bool {
        self.text() == *text
    }
}

impl fmt::Display for ReferencePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

//! Amazon States Language paths: JSONPath *queries* (`InputPath`, `OutputPath`, `ItemsPath`,
//! `".$"` template values) and *reference paths* (`ResultPath`, Choice `Variable`, the `*Path`
//! fields of Wait, Task and Map).
//!
//! Owns: parsing path text once into a [`Query`] / [`ReferencePath`], evaluating it over
//! `serde_json::Value` with the semantics AWS gets from the Jayway JSONPath library, writing a
//! result into a document for `ResultPath`, and the exact AWS wording of the path errors.
//! Must not: do I/O, know about states or executions, or panic on any path text or document.
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
use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use serde_json::{Map, Number, Value};

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

    /// Like [`ReferencePath::set`], for a target that is shared: copies the target except the
    /// subtree the path replaces, which a clone followed by `set` would copy only to drop it.
    pub fn set_cloned(&self, target: &Value, value: Value) -> Result<Value, SetError> {
        let segments = &self.query.steps.segments;
        // Each segment is a level of recursion below; a path this long is not worth the stack.
        if segments.len() > MAX_SET_CLONED_DEPTH {
            return self.set(target.clone(), value);
        }
        if self.query.root != Root::Input {
            return Err(SetError::ContextObject {
                path: self.query.text.clone(),
            });
        }
        if !can_set(segments, target) {
            return Err(self.mismatch(target));
        }
        Ok(copy_with(segments, target, value))
    }

    /// `ResultPath`: writes `value` into `target` at this path and returns the new document.
    /// `$` replaces the whole document; missing fields on the way are created as objects; a
    /// field step into a non-object, or an index step into a non-array or past its end, is a
    /// [`SetError::Mismatch`] (AWS `States.ResultPathMatchFailure`).
    pub fn set(&self, target: Value, value: Value) -> Result<Value, SetError> {
        if self.query.root != Root::Input {
            return Err(SetError::ContextObject {
                path: self.query.text.clone(),
            });
        }
        let segments = &self.query.steps.segments;
        if segments.is_empty() {
            return Ok(value);
        }
        // Check first, without touching the document, so a failure reports it unchanged.
        if !can_set(segments, &target) {
            return Err(self.mismatch(&target));
        }
        let mut target = target;
        let mut value = Some(value);
        let mut current = &mut target;
        let last = segments.len() - 1;
        for (position, segment) in segments.iter().enumerate() {
            let slot = match segment {
                Segment::Child(Selector::Name(name)) => match current {
                    Value::Object(map) => {
                        if position == last {
                            if let Some(value) = value.take() {
                                map.insert(name.clone(), value);
                            }
                            break;
                        }
                        map.entry(name.clone())
                            .or_insert_with(|| Value::Object(Map::new()))
                    }
                    _ => break,
                },
                Segment::Child(Selector::Index(index)) => match current {
                    Value::Array(items) => {
                        let Some(at) = resolve_index(*index, items.len()) else {
                            break;
                        };
                        let Some(slot) = items.get_mut(at) else {
                            break;
                        };
                        if position == last {
                            if let Some(value) = value.take() {
                                *slot = value;
                            }
                            break;
                        }
                        slot
                    }
                    _ => break,
                },
                _ => break,
            };
            current = slot;
        }
        if value.is_some() {
            // `can_set` accepted a path the write could not follow; never expected.
            return Err(self.mismatch(&target));
        }
        Ok(target)
    }

    fn mismatch(&self, target: &Value) -> SetError {
        SetError::Mismatch {
            path: self.query.text.clone(),
            input: target.to_string(),
        }
    }
}

impl fmt::Display for ReferencePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

fn reference_violation(steps: &Steps) -> Option<&'static str> {
    if steps.function.is_some() {
        return Some("functions are not allowed");
    }
    for segment in &steps.segments {
        let reason = match segment {
            Segment::Descendant(_) => "deep scan '..' is not allowed",
            Segment::Child(Selector::Name(_) | Selector::Index(_)) => continue,
            Segment::Child(Selector::Names(_) | Selector::Indices(_)) => {
                "unions ',' are not allowed"
            }
            Segment::Child(Selector::Wildcard) => "wildcards '*' are not allowed",
            Segment::Child(Selector::Slice { .. }) => "slices ':' are not allowed",
            Segment::Child(Selector::Filter(_)) => "filters '?' are not allowed",
        };
        return Some(reason);
    }
    None
}

/// Whether `ReferencePath::set` can follow `segments` through `doc`.
fn can_set(segments: &[Segment], doc: &Value) -> bool {
    let mut current = doc;
    for (position, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Child(Selector::Name(name)) => {
                let Value::Object(map) = current else {
                    return false;
                };
                match map.get(name) {
                    Some(next) => current = next,
                    // The rest is created: only fields can be created.
                    None => {
                        return segments
                            .iter()
                            .skip(position + 1)
                            .all(|rest| matches!(rest, Segment::Child(Selector::Name(_))));
                    }
                }
            }
            Segment::Child(Selector::Index(index)) => {
                let Value::Array(items) = current else {
                    return false;
                };
                match resolve_index(*index, items.len()).and_then(|at| items.get(at)) {
                    Some(next) => current = next,
                    None => return false,
                }
            }
            _ => return false,
        }
    }
    true
}

/// Maps a possibly negative index to a position, or `None` when out of range.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let at = if index < 0 {
        len.checked_add(index)?
    } else {
        index
    };
    if (0..len).contains(&at) {
        usize::try_from(at).ok()
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// Follows a definite path, failing the way Jayway does.
fn walk_definite<'a>(segments: &[Segment], doc: &'a Value) -> Result<&'a Value, SelectError> {
    let mut current = doc;
    let last = segments.len().saturating_sub(1);
    for (position, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Child(Selector::Name(name)) => match current {
                Value::Object(map) => match map.get(name) {
                    Some(next) => current = next,
                    None if position == last => {
                        return Err(SelectError::NoResults {
                            path: normalized(segments),
                        });
                    }
                    None => {
                        return Err(SelectError::MissingProperty {
                            path: normalized(segments.get(..=position).unwrap_or(segments)),
                        });
                    }
                },
                other => {
                    return Err(SelectError::NotAnObject {
                        property: name.clone(),
                        path: normalized(segments.get(..position).unwrap_or(segments)),
                        found: java_class(other),
                    });
                }
            },
            Segment::Child(Selector::Index(index)) => match current {
                Value::Array(items) => {
                    match resolve_index(*index, items.len()).and_then(|at| items.get(at)) {
                        Some(next) => current = next,
                        // Jayway drops an out-of-range index silently; the path then has no
                        // result at all.
                        None => {
                            return Err(SelectError::NoResults {
                                path: normalized(segments),
                            });
                        }
                    }
                }
                Value::Null => {
                    return Err(SelectError::NullArray {
                        path: normalized(segments.get(..position).unwrap_or(segments)),
                    });
                }
                other => {
                    return Err(SelectError::NotAnArray {
                        index: *index,
                        path: normalized(segments.get(..position).unwrap_or(segments)),
                        context: jayway_text(other),
                    });
                }
            },
            // Only reached if called with an indefinite path; treat it as finding nothing.
            _ => {
                return Err(SelectError::NoResults {
                    path: normalized(segments),
                });
            }
        }
    }
    Ok(current)
}

/// Follows a definite path leniently (filter operands): `None` when it names nothing.
fn walk_lenient<'a>(segments: &[Segment], doc: &'a Value) -> Option<&'a Value> {
    let mut current = doc;
    for segment in segments {
        current = match (segment, current) {
            (Segment::Child(Selector::Name(name)), Value::Object(map)) => map.get(name)?,
            (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
                items.get(resolve_index(*index, items.len())?)?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// Evaluates any path, collecting every match in document order.
fn evaluate_segments<'a>(
    segments: &[Segment],
    start: &'a Value,
    root: &'a Value,
) -> Vec<&'a Value> {
    let mut current = vec![start];
    for segment in segments {
        let mut next = Vec::new();
        for node in current {
            match segment {
                Segment::Child(selector) => select_children(selector, node, root, &mut next),
                Segment::Descendant(selector) => {
                    for descendant in descendants_or_self(node) {
                        match selector {
                            // A scan filter tests every descendant once: the members of each
                            // object and the elements of each array.
                            Selector::Filter(filter) => {
                                for child in children(descendant) {
                                    if filter_accepts(filter, child, root) {
                                        next.push(child);
                                    }
                                }
                            }
                            other => select_children(other, descendant, root, &mut next),
                        }
                    }
                }
            }
        }
        current = next;
    }
    current
}

fn children(node: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match node {
        Value::Object(map) => Box::new(map.values()),
        Value::Array(items) => Box::new(items.iter()),
        _ => Box::new(std::iter::empty()),
    }
}

/// The node and all its descendants, parents before children, in document order. Iterative,
/// so document depth cannot exhaust the stack.
fn descendants_or_self(node: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(next) = stack.pop() {
        out.push(next);
        let before = stack.len();
        stack.extend(children(next));
        stack.get_mut(before..).map(<[&Value]>::reverse);
    }
    out
}

fn select_children<'a>(
    selector: &Selector,
    node: &'a Value,
    root: &'a Value,
    out: &mut Vec<&'a Value>,
) {
    match selector {
        Selector::Name(name) => {
            if let Some(found) = node.as_object().and_then(|map| map.get(name)) {
                out.push(found);
            }
        }
        Selector::Names(names) => {
            if let Value::Object(map) = node {
                out.extend(names.iter().filter_map(|name| map.get(name)));
            }
        }
        Selector::Index(index) => {
            if let Value::Array(items) = node
                && let Some(found) = resolve_index(*index, items.len()).and_then(|at| items.get(at))
            {
                out.push(found);
            }
        }
        Selector::Indices(indices) => {
            if let Value::Array(items) = node {
                out.extend(indices.iter().filter_map(|index| {
                    resolve_index(*index, items.len()).and_then(|at| items.get(at))
                }));
            }
        }
        Selector::Wildcard => out.extend(children(node)),
        Selector::Slice { start, end, step } => {
            if let Value::Array(items) = node {
                slice(items, *start, *end, *step, out);
            }
        }
        Selector::Filter(filter) => match node {
            Value::Array(items) => out.extend(
                items
                    .iter()
                    .filter(|item| filter_accepts(filter, item, root)),
            ),
            // Jayway applies a filter on an object to the object itself.
            Value::Object(_) if filter_accepts(filter, node, root) => out.push(node),
            _ => {}
        },
    }
}

/// Python-style slice with a positive step; bounds are clamped to the array.
fn slice<'a>(
    items: &'a [Value],
    start: Option<i64>,
    end: Option<i64>,
    step: i64,
    out: &mut Vec<&'a Value>,
) {
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let clamp = |bound: i64| -> i64 {
        if bound < 0 {
            len.saturating_add(bound).max(0)
        } else {
            bound.min(len)
        }
    };
    let from = start.map_or(0, clamp);
    let to = end.map_or(len, clamp);
    let mut at = from;
    while at < to {
        if let Some(item) = usize::try_from(at).ok().and_then(|at| items.get(at)) {
            out.push(item);
        }
        at = match at.checked_add(step.max(1)) {
            Some(next) => next,
            None => break,
        };
    }
}

fn apply_function(function: Option<Function>, value: Cow<'_, Value>) -> Cow<'_, Value> {
    match function {
        None => value,
        Some(Function::Length) => Cow::Owned(match value.as_ref() {
            Value::Array(items) => Value::from(items.len()),
            Value::Object(map) => Value::from(map.len()),
            Value::String(text) => Value::from(text.chars().count()),
            _ => Value::Null,
        }),
    }
}

/// Resolves a filter operand against the node under test. `None` means "no such value".
fn resolve_operand<'a>(
    operand: &'a Operand,
    node: &'a Value,
    root: &'a Value,
) -> Option<Cow<'a, Value>> {
    let (steps, start) = match operand {
        Operand::Literal(value) => return Some(Cow::Borrowed(value)),
        Operand::Current(steps) => (steps, node),
        Operand::Root(steps) => (steps, root),
    };
    let found = if steps.definite {
        Cow::Borrowed(walk_lenient(&steps.segments, start)?)
    } else {
        let matches = evaluate_segments(&steps.segments, start, root);
        Cow::Owned(Value::Array(matches.into_iter().cloned().collect()))
    };
    Some(apply_function(steps.function, found))
}

fn filter_accepts(filter: &Filter, node: &Value, root: &Value) -> bool {
    match filter {
        Filter::Or(parts) => parts.iter().any(|part| filter_accepts(part, node, root)),
        Filter::And(parts) => parts.iter().all(|part| filter_accepts(part, node, root)),
        Filter::Not(inner) => !filter_accepts(inner, node, root),
        Filter::Exists(operand) => match resolve_operand(operand, node, root) {
            None => false,
            Some(value) => match operand {
                // An indefinite path exists when it matched something.
                Operand::Current(steps) | Operand::Root(steps) if !steps.definite => {
                    value.as_array().is_some_and(|items| !items.is_empty())
                }
                Operand::Literal(literal) => !matches!(literal, Value::Bool(false) | Value::Null),
                _ => true,
            },
        },
        Filter::Compare { left, op, right } => {
            let left = resolve_operand(left, node, root);
            let right = resolve_operand(right, node, root);
            compare(*op, left.as_deref(), right.as_deref())
        }
    }
}

fn compare(op: CompareOp, left: Option<&Value>, right: Option<&Value>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        // A missing value equals nothing, so it differs from everything.
        return op == CompareOp::Ne;
    };
    match op {
        CompareOp::Eq => json_equal(left, right, 0),
        CompareOp::Ne => !json_equal(left, right, 0),
        CompareOp::Lt => order(left, right) == Some(Ordering::Less),
        CompareOp::Le => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => order(left, right) == Some(Ordering::Greater),
        CompareOp::Ge => matches!(
            order(left, right),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        CompareOp::In => contains(right, left),
        CompareOp::Nin => right.is_array() && !contains(right, left),
        CompareOp::SubsetOf => match (left, right) {
            (Value::Array(items), Value::Array(_)) => {
                items.iter().all(|item| contains(right, item))
            }
            _ => false,
        },
        CompareOp::AnyOf => match (left, right) {
            (Value::Array(items), Value::Array(_)) => {
                items.iter().any(|item| contains(right, item))
            }
            _ => false,
        },
        CompareOp::NoneOf => match (left, right) {
            (Value::Array(items), Value::Array(_)) => {
                !items.iter().any(|item| contains(right, item))
            }
            _ => false,
        },
        CompareOp::Size => {
            let size = match left {
                Value::Array(items) => items.len(),
                Value::String(text) => text.chars().count(),
                _ => return false,
            };
            right.as_u64().and_then(|want| usize::try_from(want).ok()) == Some(size)
        }
        CompareOp::Empty => {
            let empty = match left {
                Value::Array(items) => items.is_empty(),
                Value::String(text) => text.is_empty(),
                _ => return false,
            };
            right.as_bool() == Some(empty)
        }
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    haystack
        .as_array()
        .is_some_and(|items| items.iter().any(|item| json_equal(item, needle, 0)))
}

/// Ordering for `<`, `<=`, `>`, `>=`: numbers by value, strings lexically, nothing else.
fn order(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_order(a, b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn number_order(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// JSON equality where numbers compare by value (`1 == 1.0`), as Jayway's BigDecimal does.
fn json_equal(left: &Value, right: &Value, depth: usize) -> bool {
    if depth > MAX_EQUALITY_DEPTH {
        return false;
    }
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_order(a, b) == Some(Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_equal(x, y, depth + 1))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, x)| b.get(key).is_some_and(|y| json_equal(x, y, depth + 1)))
        }
        _ => left == right,
    }
}

/// The Java class Jayway's default provider (json-smart) would hold for a value.
fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "net.minidev.json.JSONArray",
        Value::Object(_) => "net.minidev.json.JSONObject",
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => "java.lang.Integer",
            Some(_) => "java.lang.Long",
            None if n.is_u64() => "java.math.BigInteger",
            None => "java.lang.Double",
        },
    }
}

/// A value as Jayway prints it in messages: strings bare, everything else as JSON.
fn jayway_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn normalized(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    render_segments(&mut out, segments);
    out
}

fn render_segments(out: &mut String, segments: &[Segment]) {
    for segment in segments {
        let selector = match segment {
            Segment::Child(selector) => selector,
            Segment::Descendant(selector) => {
                out.push_str("..");
                selector
            }
        };
        render_selector(out, selector);
    }
}

fn render_selector(out: &mut String, selector: &Selector) {
    // Writing to a String cannot fail.
    let _ = match selector {
        Selector::Name(name) => write!(out, "['{name}']"),
        Selector::Names(names) => {
            let quoted: Vec<String> = names.iter().map(|name| format!("'{name}'")).collect();
            write!(out, "[{}]", quoted.join(","))
        }
        Selector::Index(index) => write!(out, "[{index}]"),
        Selector::Indices(indices) => {
            let listed: Vec<String> = indices.iter().map(i64::to_string).collect();
            write!(out, "[{}]", listed.join(","))
        }
        Selector::Wildcard => write!(out, "[*]"),
        Selector::Slice { start, end, step } => {
            let bound = |b: &Option<i64>| b.map(|b| b.to_string()).unwrap_or_default();
            if *step == 1 {
                write!(out, "[{}:{}]", bound(start), bound(end))
            } else {
                write!(out, "[{}:{}:{}]", bound(start), bound(end), step)
            }
        }
        Selector::Filter(_) => write!(out, "[?]"),
    };
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

struct Parser<'t> {
    text: &'t str,
    chars: Vec<char>,
    position: usize,
    depth: usize,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str) -> Self {
        Parser {
            text,
            chars: text.chars().collect(),
            position: 0,
            depth: 0,
        }
    }

    fn error(&self, reason: impl Into<String>) -> ParseError {
        ParseError::Syntax {
            text: self.text.to_owned(),
            position: self.position,
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.position + offset).copied()
    }

    fn eat(&mut self, wanted: char) -> bool {
        if self.peek() == Some(wanted) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), ParseError> {
        if self.eat(wanted) {
            Ok(())
        } else {
            Err(self.error(match self.peek() {
                Some(found) => format!("expected '{wanted}' but found '{found}'"),
                None => format!("expected '{wanted}' but the path ended"),
            }))
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ParseError::TooDeep {
                text: self.text.to_owned(),
                limit: MAX_NESTING,
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `$…`, `$$…` or `$name…`, whole text.
    fn query(&mut self) -> Result<(Root, Option<String>, Steps), ParseError> {
        self.skip_spaces();
        if !self.eat('$') {
            return Err(self.error("a path must start with '$'"));
        }
        let (root, variable) = if self.eat('$') {
            (Root::Context, None)
        } else if self.peek().is_some_and(is_variable_start) {
            let start = self.position;
            while self.peek().is_some_and(is_variable_continue) {
                self.position += 1;
            }
            let name: String = self.chars[start..self.position].iter().collect();
            (Root::Variable, Some(name))
        } else {
            (Root::Input, None)
        };
        let steps = self.steps(false)?;
        self.skip_spaces();
        if let Some(found) = self.peek() {
            return Err(self.error(format!("unexpected character '{found}'")));
        }
        Ok((root, variable, steps))
    }

    /// Segments after a root (`$` or `@`). In a filter, names also end at operator characters.
    fn steps(&mut self, in_filter: bool) -> Result<Steps, ParseError> {
        let mut segments = Vec::new();
        let mut function = None;
        loop {
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.position += 2;
                    let selector = match self.peek() {
                        Some('[') => self.bracket()?,
                        Some('*') => {
                            self.position += 1;
                            Selector::Wildcard
                        }
                        _ => {
                            let name = self.dot_name(in_filter)?;
                            if self.peek() == Some('(') {
                                return Err(self.error("a function cannot follow '..'"));
                            }
                            Selector::Name(name)
                        }
                    };
                    segments.push(Segment::Descendant(selector));
                }
                Some('.') => {
                    self.position += 1;
                    if self.eat('*') {
                        segments.push(Segment::Child(Selector::Wildcard));
                        continue;
                    }
                    // Jayway also accepts `$.['a']`.
                    if self.peek() == Some('[') {
                        let selector = self.bracket()?;
                        segments.push(Segment::Child(selector));
                        continue;
                    }
                    let name = self.dot_name(in_filter)?;
                    if self.peek() == Some('(') {
                        function = Some(self.function(&name)?);
                        break;
                    }
                    segments.push(Segment::Child(Selector::Name(name)));
                }
                Some('[') => {
                    let selector = self.bracket()?;
                    segments.push(Segment::Child(selector));
                }
                _ => break,
            }
        }
        let definite = segments.iter().all(|segment| {
            matches!(
                segment,
                Segment::Child(Selector::Name(_) | Selector::Index(_))
            )
        });
        Ok(Steps {
            segments,
            function,
            definite,
        })
    }

    /// A name after `.`: everything up to `.`, `[` or `(` (Jayway allows `-`, `$`, `:` …).
    fn dot_name(&mut self, in_filter: bool) -> Result<String, ParseError> {
        let start = self.position;
        while let Some(c) = self.peek() {
            let ends = match c {
                '.' | '[' | '(' => true,
                c if c.is_whitespace() => {
                    if in_filter {
                        true
                    } else {
                        return Err(self.error(
                            "use bracket notation ['my prop'] if a field name contains blanks",
                        ));
                    }
                }
                ')' | ']' | '=' | '<' | '>' | '!' | '&' | '|' | ',' => in_filter,
                _ => false,
            };
            if ends {
                break;
            }
            self.position += 1;
        }
        if self.position == start {
            return Err(self.error(match self.peek() {
                None => "a path must not end with '.' or '..'".to_owned(),
                Some(found) => format!("expected a field name but found '{found}'"),
            }));
        }
        Ok(self
            .chars
            .get(start..self.position)
            .unwrap_or_default()
            .iter()
            .collect())
    }

    /// `name()` ending a path.
    fn function(&mut self, name: &str) -> Result<Function, ParseError> {
        let function = match name {
            "length" => Function::Length,
            other => return Err(self.error(format!("the function '{other}()' is not supported"))),
        };
        self.expect('(')?;
        self.skip_spaces();
        self.expect(')')?;
        if matches!(self.peek(), Some('.' | '[')) {
            return Err(self.error("a function must end the path"));
        }
        Ok(function)
    }

    /// `[ … ]` after `[` has been seen.
    fn bracket(&mut self) -> Result<Selector, ParseError> {
        self.expect('[')?;
        self.skip_spaces();
        let selector = match self.peek() {
            Some('*') => {
                self.position += 1;
                Selector::Wildcard
            }
            Some('?') => {
                self.position += 1;
                self.skip_spaces();
                self.expect('(')?;
                self.enter()?;
                let filter = self.filter_or()?;
                self.leave();
                self.skip_spaces();
                self.expect(')')?;
                Selector::Filter(Box::new(filter))
            }
            Some('\'' | '"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.skip_spaces();
                    if !self.eat(',') {
                        break;
                    }
                    self.skip_spaces();
                    names.push(self.quoted()?);
                }
                if names.len() == 1 {
                    Selector::Name(names.remove(0))
                } else {
                    Selector::Names(names)
                }
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.indices_or_slice()?,
            Some('(') => return Err(self.error("script expressions '[(…)]' are not supported")),
            Some(found) => {
                return Err(self.error(format!("unexpected character '{found}' after '['")));
            }
            None => return Err(self.error("unterminated '['")),
        };
        self.skip_spaces();
        self.expect(']')?;
        Ok(selector)
    }

    /// A quoted name; the backslash guards the next character and is kept, as AWS does.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let Some(quote) = self.peek().filter(|c| *c == '\'' || *c == '"') else {
            return Err(self.error("expected a quoted name"));
        };
        let start = self.position;
        self.position += 1;
        let mut name = String::new();
        loop {
            match self.peek() {
                None => {
                    self.position = start;
                    return Err(self.error("unterminated quoted name"));
                }
                Some('\\') => {
                    name.push('\\');
                    self.position += 1;
                    if let Some(next) = self.peek() {
                        name.push(next);
                        self.position += 1;
                    }
                }
                Some(c) if c == quote => {
                    self.position += 1;
                    return Ok(name);
                }
                Some(c) => {
                    name.push(c);
                    self.position += 1;
                }
            }
        }
    }

    fn integer(&mut self) -> Result<Option<i64>, ParseError> {
        self.skip_spaces();
        let start = self.position;
        if self.peek() == Some('-') {
            self.position += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.position += 1;
        }
        let digits: String = self
            .chars
            .get(start..self.position)
            .unwrap_or_default()
            .iter()
            .collect();
        self.skip_spaces();
        if digits.is_empty() {
            return Ok(None);
        }
        digits
            .parse::<i64>()
            .map(Some)
            .map_err(|_| self.error(format!("'{digits}' is not a valid array index")))
    }

    /// `[0]`, `[-1]`, `[0,2]`, `[1:3]`, `[:2]`, `[-2:]`, `[1:5:2]`.
    fn indices_or_slice(&mut self) -> Result<Selector, ParseError> {
        let first = self.integer()?;
        if self.peek() == Some(':') {
            self.position += 1;
            let end = self.integer()?;
            let mut step = 1;
            if self.eat(':') {
                step = match self.integer()? {
                    None => 1,
                    Some(step) if step > 0 => step,
                    Some(_) => return Err(self.error("a slice step must be a positive number")),
                };
            }
            return Ok(Selector::Slice {
                start: first,
                end,
                step,
            });
        }
        let Some(first) = first else {
            return Err(self.error("expected an array index"));
        };
        let mut indices = vec![first];
        while self.eat(',') {
            match self.integer()? {
                Some(index) => indices.push(index),
                None => return Err(self.error("expected an array index after ','")),
            }
        }
        Ok(if indices.len() == 1 {
            Selector::Index(first)
        } else {
            Selector::Indices(indices)
        })
    }

    fn filter_or(&mut self) -> Result<Filter, ParseError> {
        let mut parts = vec![self.filter_and()?];
        loop {
            self.skip_spaces();
            if self.peek() == Some('|') && self.peek_at(1) == Some('|') {
                self.position += 2;
                parts.push(self.filter_and()?);
            } else {
                break;
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::Or(parts)
        })
    }

    fn filter_and(&mut self) -> Result<Filter, ParseError> {
        let mut parts = vec![self.filter_unary()?];
        loop {
            self.skip_spaces();
            if self.peek() == Some('&') && self.peek_at(1) == Some('&') {
                self.position += 2;
                parts.push(self.filter_unary()?);
            } else {
                break;
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Filter::And(parts)
        })
    }

    fn filter_unary(&mut self) -> Result<Filter, ParseError> {
        self.skip_spaces();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.position += 1;
            self.enter()?;
            let inner = self.filter_unary()?;
            self.leave();
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.eat('(') {
            self.enter()?;
            let inner = self.filter_or()?;
            self.leave();
            self.skip_spaces();
            self.expect(')')?;
            return Ok(inner);
        }
        let left = self.operand()?;
        self.skip_spaces();
        let Some(op) = self.compare_op()? else {
            return match left {
                Operand::Literal(_) => Err(self.error("a filter needs a path or a comparison")),
                path => Ok(Filter::Exists(path)),
            };
        };
        let right = self.operand()?;
        Ok(Filter::Compare { left, op, right })
    }

    fn compare_op(&mut self) -> Result<Option<CompareOp>, ParseError> {
        let symbolic = [
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ];
        if self.peek() == Some('=') && self.peek_at(1) == Some('~') {
            return Err(self.error("regular expression filters '=~' are not supported"));
        }
        for (symbol, op) in symbolic {
            if self.looking_at(symbol) {
                self.position += symbol.chars().count();
                // Jayway accepts `===` and `!==` as `==` and `!=`.
                if matches!(op, CompareOp::Eq | CompareOp::Ne) {
                    self.eat('=');
                }
                return Ok(Some(op));
            }
        }
        let words = [
            ("subsetof", CompareOp::SubsetOf),
            ("anyof", CompareOp::AnyOf),
            ("noneof", CompareOp::NoneOf),
            ("size", CompareOp::Size),
            ("empty", CompareOp::Empty),
            ("nin", CompareOp::Nin),
            ("in", CompareOp::In),
        ];
        for (word, op) in words {
            let after = self.peek_at(word.len());
            if self.looking_at(word) && !after.is_some_and(char::is_alphanumeric) {
                self.position += word.len();
                return Ok(Some(op));
            }
        }
        Ok(None)
    }

    fn looking_at(&self, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(offset, c)| self.peek_at(offset) == Some(c))
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        self.skip_spaces();
        match self.peek() {
            Some('@') => {
                self.position += 1;
                Ok(Operand::Current(self.steps(true)?))
            }
            Some('$') => {
                self.position += 1;
                Ok(Operand::Root(self.steps(true)?))
            }
            Some(_) => Ok(Operand::Literal(self.literal()?)),
            None => Err(self.error("expected a value in the filter")),
        }
    }

    fn literal(&mut self) -> Result<Value, ParseError> {
        self.skip_spaces();
        match self.peek() {
            Some('\'' | '"') => {
                let raw = self.quoted()?;
                Ok(Value::String(unescape_literal(&raw)))
            }
            Some('[') => {
                self.position += 1;
                self.enter()?;
                let mut items = Vec::new();
                self.skip_spaces();
                if !self.eat(']') {
                    loop {
                        items.push(self.literal()?);
                        self.skip_spaces();
                        if self.eat(',') {
                            continue;
                        }
                        self.expect(']')?;
                        break;
                    }
                }
                self.leave();
                Ok(Value::Array(items))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            _ => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.looking_at(word) {
                        self.position += word.len();
                        return Ok(value);
                    }
                }
                Err(self.error("expected a path, string, number, true, false, null or array"))
            }
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.position;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.position += 1;
        }
        let text: String = self
            .chars
            .get(start..self.position)
            .unwrap_or_default()
            .iter()
            .collect();
        match serde_json::from_str::<Number>(&text) {
            Ok(number) => Ok(Value::Number(number)),
            Err(_) => {
                self.position = start;
                Err(self.error(format!("'{text}' is not a number")))
            }
        }
    }
}

/// Filter string literals do honour escapes (`'it\'s'`), unlike field names.
fn unescape_literal(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Longest path [`ReferencePath::set_cloned`] follows by recursion.
const MAX_SET_CLONED_DEPTH: usize = 64;

/// `node` copied, with `value` written at `segments` (which `can_set` has accepted).
fn copy_with(segments: &[Segment], node: &Value, value: Value) -> Value {
    let Some((first, rest)) = segments.split_first() else {
        return value;
    };
    match (first, node) {
        (Segment::Child(Selector::Name(name)), Value::Object(map)) => {
            let mut out = Map::with_capacity(map.len() + 1);
            let mut value = Some(value);
            for (key, v) in map {
                let copied = match (key == name, value.take()) {
                    (true, Some(value)) => copy_with(rest, v, value),
                    (_, pending) => {
                        value = pending;
                        v.clone()
                    }
                };
                out.insert(key.clone(), copied);
            }
            if let Some(value) = value {
                out.insert(
                    name.clone(),
                    copy_with(rest, &Value::Object(Map::new()), value),
                );
            }
            Value::Object(out)
        }
        (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
            let at = resolve_index(*index, items.len());
            let mut value = Some(value);
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match (Some(i) == at, value.take()) {
                        (true, Some(value)) => copy_with(rest, v, value),
                        (_, pending) => {
                            value = pending;
                            v.clone()
                        }
                    })
                    .collect(),
            )
        }
        // `can_set` rules this out; keep the value rather than lose it.
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_cloned_agrees_with_set() {
        let doc = json!({"a": {"b": 1, "c": [1, {"d": 2}]}, "e": "x"});
        for path in [
            "$",
            "$.a",
            "$.a.b",
            "$.a.c[1].d",
            "$.a.c[-1]",
            "$.new.deep",
            "$.e",
            "$.a.c[5]",
        ] {
            let p = ReferencePath::parse(path).unwrap();
            let value = json!({"v": path});
            assert_eq!(
                p.set_cloned(&doc, value.clone()).map_err(|e| e.to_string()),
                p.set(doc.clone(), value).map_err(|e| e.to_string()),
                "{path}"
            );
        }
    }

    fn q(text: &str) -> Query {
        match Query::parse(text) {
            Ok(query) => query,
            Err(error) => panic!("{text} should parse: {error}"),
        }
    }

    fn sel(text: &str, input: &Value) -> Result<Value, SelectError> {
        q(text).select(input, &json!({}))
    }

    fn ok(text: &str, input: &Value) -> Value {
        match sel(text, input) {
            Ok(value) => value,
            Err(error) => panic!("{text} should select: {error}"),
        }
    }

    fn rp(text: &str) -> ReferencePath {
        match ReferencePath::parse(text) {
            Ok(path) => path,
            Err(error) => panic!("{text} should parse as a reference path: {error}"),
        }
    }

    fn store() -> Value {
        json!({
            "store": {
                "book": [
                    {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                    {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                    {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
                    {"category": "fiction", "author": "J. R. R. Tolkien", "title": "LOTR", "isbn": "0-395", "price": 22.99}
                ],
                "bicycle": {"color": "red", "price": 19.95}
            },
            "expensive": 10
        })
    }

    #[test]
    fn root_selects_whole_document() {
        let input = json!({"a": 1});
        assert_eq!(ok("$", &input), input);
        assert!(q("$").is_definite());
        assert_eq!(q("$").root(), Root::Input);
    }

    #[test]
    fn context_root_reads_the_context_object() {
        let query = q("$$.Execution.Input.input-value");
        assert_eq!(query.root(), Root::Context);
        let context = json!({"Execution": {"Input": {"input-value": 7}}});
        assert_eq!(query.select(&json!({}), &context), Ok(json!(7)));
        assert_eq!(q("$$").select(&json!(1), &context), Ok(context.clone()));
        assert_eq!(query.normalized(), "$['Execution']['Input']['input-value']");
    }

    #[test]
    fn dot_and_bracket_names() {
        let input = json!({"a": {"b c": {"d": 1}, "x-y": 2, "q\"": 3}});
        assert_eq!(ok("$['a']['b c']['d']", &input), json!(1));
        assert_eq!(ok("$[\"a\"][\"b c\"].d", &input), json!(1));
        assert_eq!(ok("$.a.x-y", &input), json!(2));
        assert_eq!(ok("$.['a'].['x-y']", &input), json!(2));
        assert_eq!(ok("$['a']['q\"']", &input), json!(3));
        assert_eq!(q("$.a['b c'].d").normalized(), "$['a']['b c']['d']");
        assert_eq!(
            ok(
                "$.a.b c".replace(' ', "").as_str(),
                &json!({"a": {"bc": 5}})
            ),
            json!(5)
        );
    }

    #[test]
    fn escaped_quote_names_are_kept_verbatim_as_aws_does() {
        // ESCAPE_SEQUENCES_JSONPATH conformance case.
        let input = json!({"Test\\\"\"Name\"": "Value\"\\"});
        assert_eq!(ok("$['Test\\\"\"Name\"']", &input), json!("Value\"\\"));
    }

    #[test]
    fn indices_positive_and_negative() {
        let input = json!({"items": [{"k": 0}, {"k": 1}, {"k": 2}]});
        assert_eq!(ok("$.items[0]", &input), json!({"k": 0}));
        assert_eq!(ok("$.items[2].k", &input), json!(2));
        assert_eq!(ok("$.items[-1].k", &input), json!(2));
        assert!(q("$.items[-1]").is_definite());
        assert_eq!(
            sel("$.items[3]", &input),
            Err(SelectError::NoResults {
                path: "$['items'][3]".into()
            })
        );
        assert_eq!(
            sel("$.items[99999999999999]", &input).map_err(|e| e.to_string()),
            Err("No results for path: $['items'][99999999999999]".into())
        );
    }

    #[test]
    fn wildcards() {
        let input = json!({"a": [1, 2], "b": {"x": 1, "y": [3]}});
        assert_eq!(ok("$.a[*]", &input), json!([1, 2]));
        assert_eq!(ok("$.*", &input), json!([[1, 2], {"x": 1, "y": [3]}]));
        assert_eq!(ok("$.b.*", &input), json!([1, [3]]));
        assert_eq!(ok("$[*]", &json!({})), json!([]));
        assert!(!q("$.a[*]").is_definite());
    }

    #[test]
    fn wildcard_and_slice_on_missing_input_give_empty_array() {
        // base_test_base.test_json_path_array_wildcard_or_slice_with_no_input*
        for path in [
            "$[*]",
            "$.item.items[*]",
            "$.item.items[:1]",
            "$.item.items[1:5]",
            "$.item.items[1:5].itemValue",
            "$.items[*]",
            "$.items[*].itemValue",
            "$.items[:1]",
            "$.items[:1].itemValue",
        ] {
            assert_eq!(ok(path, &json!({})), json!([]), "{path}");
        }
    }

    #[test]
    fn slices() {
        let input = json!({"a": [0, 1, 2, 3, 4, 5]});
        assert_eq!(ok("$.a[1:3]", &input), json!([1, 2]));
        assert_eq!(ok("$.a[:2]", &input), json!([0, 1]));
        assert_eq!(ok("$.a[-2:]", &input), json!([4, 5]));
        assert_eq!(ok("$.a[1:5:2]", &input), json!([1, 3]));
        assert_eq!(ok("$.a[4:100]", &input), json!([4, 5]));
        assert_eq!(ok("$.a[3:1]", &input), json!([]));
        assert_eq!(ok("$.a[0:1]", &input), json!([0]), "a slice stays an array");
        assert_eq!(q("$.a[1:]").normalized(), "$['a'][1:]");
        assert!(Query::parse("$.a[1:2:0]").is_err());
        assert!(Query::parse("$.a[1:2:-1]").is_err());
    }

    #[test]
    fn unions() {
        let input = json!({"a": [10, 11, 12], "b": {"x": 1, "y": 2, "z": 3}});
        assert_eq!(ok("$.a[0,2]", &input), json!([10, 12]));
        assert_eq!(ok("$.b['x','z']", &input), json!([1, 3]));
        assert_eq!(ok("$.b['x', 'nope']", &input), json!([1]));
        assert_eq!(q("$.b['x','z']").normalized(), "$['b']['x','z']");
        assert_eq!(q("$.a[0, 2]").normalized(), "$['a'][0,2]");
    }

    #[test]
    fn deep_scan() {
        let input = store();
        assert_eq!(
            ok("$..author", &input),
            json!([
                "Nigel Rees",
                "Evelyn Waugh",
                "Herman Melville",
                "J. R. R. Tolkien"
            ])
        );
        assert_eq!(ok("$..book[0].title", &input), json!(["Sayings"]));
        assert_eq!(ok("$..[0].title", &input), json!(["Sayings"]));
        assert_eq!(
            ok("$..price", &input),
            json!([8.95, 12.99, 8.99, 22.99, 19.95])
        );
        assert_eq!(ok("$.store..color", &input), json!(["red"]));
        assert_eq!(ok("$..nothing", &input), json!([]));
        let all = ok("$..*", &json!({"a": {"b": 1}, "c": [2]}));
        assert_eq!(all, json!([{"b": 1}, [2], 1, 2]));
        assert_eq!(q("$..name").normalized(), "$..['name']");
    }

    #[test]
    fn filters() {
        let input = store();
        assert_eq!(
            ok("$.store.book[?(@.price < 10)].title", &input),
            json!(["Sayings", "Moby Dick"])
        );
        assert_eq!(
            ok("$.store.book[?(@.isbn)].title", &input),
            json!(["Moby Dick", "LOTR"])
        );
        assert_eq!(
            ok("$.store.book[?(!@.isbn)].title", &input),
            json!(["Sayings", "Sword"])
        );
        assert_eq!(
            ok(
                "$.store.book[?(@.category == 'fiction' && @.price > 20)].title",
                &input
            ),
            json!(["LOTR"])
        );
        assert_eq!(
            ok(
                "$.store.book[?(@.price<9 || @.author == \"Evelyn Waugh\")].title",
                &input
            ),
            json!(["Sayings", "Sword", "Moby Dick"])
        );
        assert_eq!(
            ok("$.store.book[?(@.price <= $.expensive)].title", &input),
            json!(["Sayings", "Moby Dick"])
        );
        assert_eq!(
            ok("$.store.book[?(@.price >= 22.99)].title", &input),
            json!(["LOTR"])
        );
        assert_eq!(
            ok("$.store.book[?(@.category != 'fiction')].title", &input),
            json!(["Sayings"])
        );
        assert_eq!(
            ok("$..book[?(@.isbn)].isbn", &input),
            json!(["0-553", "0-395"])
        );
        assert_eq!(ok("$..[?(@.color)].price", &input), json!([19.95]));
        assert_eq!(
            ok(
                "$.store.book[?((@.price > 20 || @.price < 9) && @.isbn)].title",
                &input
            ),
            json!(["Moby Dick", "LOTR"])
        );
    }

    #[test]
    fn filter_from_conformance_case() {
        // base_test_base.test_state_pass_regex_json_path_base
        let input = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]});
        assert_eq!(
            ok("$.users[?(@.status == 0)]", &input),
            json!([{"year": 1997, "status": 0}])
        );
    }

    #[test]
    fn filter_literals_and_types() {
        let input = json!({"xs": [
            {"v": 1}, {"v": 1.0}, {"v": "1"}, {"v": true}, {"v": null}, {"v": [1, 2]}, {"w": 0}
        ]});
        assert_eq!(
            ok("$.xs[?(@.v == 1)]", &input),
            json!([{"v": 1}, {"v": 1.0}])
        );
        assert_eq!(ok("$.xs[?(@.v == '1')]", &input), json!([{"v": "1"}]));
        assert_eq!(ok("$.xs[?(@.v == true)]", &input), json!([{"v": true}]));
        assert_eq!(ok("$.xs[?(@.v == null)]", &input), json!([{"v": null}]));
        assert_eq!(ok("$.xs[?(@.v == [1, 2])]", &input), json!([{"v": [1, 2]}]));
        assert_eq!(
            ok("$.xs[?(@.v in [true, 'x'])]", &input),
            json!([{"v": true}])
        );
        assert_eq!(ok("$.xs[?(@.v size 2)]", &input), json!([{"v": [1, 2]}]));
        assert_eq!(
            ok("$.xs[?(@.v < 2)]", &input),
            json!([{"v": 1}, {"v": 1.0}])
        );
        // A missing value differs from everything.
        assert_eq!(
            ok("$.xs[?(@.v != 1)]", &input).as_array().map(Vec::len),
            Some(5)
        );
        assert_eq!(
            ok("$.xs[?(@.v.length() == 2)]", &input),
            json!([{"v": [1, 2]}])
        );
        assert_eq!(
            ok("$.s[?(@ > 'b')]", &json!({"s": ["a", "b", "c"]})),
            json!(["c"])
        );
        assert_eq!(
            ok("$.n[?(@ > -1.5e0)]", &json!({"n": [-2, -1, 3]})),
            json!([-1, 3])
        );
        assert_eq!(
            ok("$.n[?(@ == 'it\\'s')]", &json!({"n": ["it's"]})),
            json!(["it's"])
        );
    }

    #[test]
    fn filter_on_object_tests_the_object() {
        let input = json!({"o": {"a": 1}});
        assert_eq!(ok("$.o[?(@.a == 1)]", &input), json!([{"a": 1}]));
        assert_eq!(ok("$.o[?(@.a == 2)]", &input), json!([]));
    }

    #[test]
    fn length_function() {
        let input = json!({"a": [1, 2, 3], "o": {"x": 1}});
        assert_eq!(ok("$.a.length()", &input), json!(3));
        assert_eq!(ok("$.o.length()", &input), json!(1));
        assert_eq!(ok("$.a[*].length()", &input), json!(3));
        assert!(Query::parse("$.a.length().b").is_err());
        assert!(Query::parse("$.a.sum()").is_err());
        assert!(ReferencePath::parse("$.a.length()").is_err());
    }

    #[test]
    fn definite_errors_have_jayway_messages() {
        let input = json!({"a": {"s": "text", "n": null, "o": {"k": 1}, "i": 5}});
        let cases = [
            (
                "$.NoSuchInputPath",
                "No results for path: $['NoSuchInputPath']",
            ),
            ("$.a.missing", "No results for path: $['a']['missing']"),
            ("$.x.y", "Missing property in path $['x']"),
            ("$.a.nope.y[0]", "Missing property in path $['a']['nope']"),
            (
                "$.a.s.y",
                "Expected to find an object with property ['y'] in path $['a']['s'] but found 'java.lang.String'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
            ),
            (
                "$.a.i.y",
                "Expected to find an object with property ['y'] in path $['a']['i'] but found 'java.lang.Integer'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
            ),
            ("$.a.n[0]", "The path $['a']['n'] is null"),
            (
                "$.a.o[0]",
                "Filter: [0] can only be applied to arrays. Current context is: {\"k\":1}",
            ),
            (
                "$.a.s[1]",
                "Filter: [1] can only be applied to arrays. Current context is: text",
            ),
        ];
        for (path, message) in cases {
            let error = match sel(path, &input) {
                Err(error) => error,
                Ok(value) => panic!("{path} should fail, got {value}"),
            };
            assert_eq!(error.to_string(), message, "{path}");
        }
    }

    #[test]
    fn aws_cause_for_input_and_output_path() {
        // scenarios_test_base_scenarios.test_invalid_jsonpath_ST.INVALID_JSONPATH_IN_INPUTPATH
        let query = q("$.NoSuchInputPath");
        let error = match query.select(&json!({"int-literal": 0}), &json!({})) {
            Err(error) => error,
            Ok(value) => panic!("should fail, got {value}"),
        };
        assert_eq!(
            query.invalid_path_cause(&error),
            "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"
        );
        assert_eq!(error.path(), "$['NoSuchInputPath']");
    }

    #[test]
    fn aws_cause_for_template_fields() {
        let query = q("$.application.address");
        assert_eq!(
            query.field_not_found_cause("address.$", &json!({"flagged": false})),
            "The JSONPath '$.application.address' specified for the field 'address.$' could not be found in the input '{\"flagged\":false}'"
        );
    }

    #[test]
    fn find_reports_absence_as_none() {
        let input = json!({"a": {"b": null}, "s": "x"});
        assert_eq!(
            q("$.a.b").find(&input, &json!({}), &NoVariables),
            Ok(Some(Value::Null))
        );
        assert_eq!(q("$.a.c").find(&input, &json!({}), &NoVariables), Ok(None));
        assert_eq!(q("$.z.c").find(&input, &json!({}), &NoVariables), Ok(None));
        assert_eq!(q("$.s.c").find(&input, &json!({}), &NoVariables), Ok(None));
        assert_eq!(
            q("$.z[*]").find(&input, &json!({}), &NoVariables),
            Ok(Some(json!([])))
        );
    }

    #[test]
    fn select_ref_borrows_definite_results() {
        let input = json!({"a": {"b": [1, 2]}});
        let context = json!({});
        let found = q("$.a.b").select_ref(&input, &context);
        assert!(matches!(found, Ok(Cow::Borrowed(value)) if *value == json!([1, 2])));
    }

    #[test]
    fn parse_errors() {
        let bad = [
            "",
            "a.b",
            "$.",
            "$..",
            "$.a.",
            "$[",
            "$['a'",
            "$['a]",
            "$[\"a]",
            "$[abc]",
            "$.a b",
            "$[?(@.a ==)]",
            "$[?(@.a == 'x')",
            "$[?(@.a =~ /x/)]",
            "$[(@.length-1)]",
            "$.a[1,]",
            "$.a[99999999999999999999]",
            "$$$",
            "$[?(1)]",
        ];
        for text in bad {
            assert!(Query::parse(text).is_err(), "{text:?} should not parse");
        }
        assert_eq!(
            Query::parse("$.a.").map_err(|e| e.to_string()),
            Err("The path '$.a.' is not a valid JSONPath: a path must not end with '.' or '..' (at character 4)".into())
        );
        assert_eq!(
            Query::parse("x").map_err(|e| e.to_string()),
            Err(
                "The path 'x' is not a valid JSONPath: a path must start with '$' (at character 0)"
                    .into()
            )
        );
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let deep_filter = format!("$[?({}@.a{})]", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(
            Query::parse(&deep_filter),
            Err(ParseError::TooDeep { .. })
        ));
        let deep_not = format!("$[?({}@.a)]", "!".repeat(10_000));
        assert!(matches!(
            Query::parse(&deep_not),
            Err(ParseError::TooDeep { .. })
        ));
        let deep_array = format!("$[?(@.a in {}1{})]", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            Query::parse(&deep_array),
            Err(ParseError::TooDeep { .. })
        ));
        let nested_filters = format!("$.a{}", "[?(@.b".repeat(5_000));
        assert!(Query::parse(&nested_filters).is_err());
        let long_path = format!("${}", ".a".repeat(100_000));
        assert!(Query::parse(&long_path).is_ok());
        assert!(Query::parse("$['\u{1F600}\u{0301}']").is_ok());
        assert!(Query::parse("$.\u{202E}x").is_ok());
        assert!(Query::parse("$['unterminated").is_err());
        assert!(Query::parse("$[-]").is_err());
        assert!(Query::parse("$[?(@.a == -)]").is_err());
    }

    #[test]
    fn deep_documents_do_not_overflow() {
        let mut doc = json!(1);
        for _ in 0..100_000 {
            doc = Value::Array(vec![doc]);
        }
        let found = ok("$..[0]", &json!({"d": 1}));
        assert_eq!(found, json!([]));
        let scanned = q("$..nothing").select(&doc, &json!({}));
        assert_eq!(scanned, Ok(json!([])));
        // Drop iteratively: serde_json's recursive Drop would overflow on 100k levels.
        let mut current = doc;
        while let Value::Array(mut items) = current {
            current = items.pop().unwrap_or(Value::Null);
        }
    }

    #[test]
    fn reference_paths_accept_only_names_and_indices() {
        for text in [
            "$",
            "$.a",
            "$.a.b[0]",
            "$['a b'][-1]",
            "$$.Map.Item.Value",
            "$.input-value",
        ] {
            assert!(ReferencePath::parse(text).is_ok(), "{text}");
        }
        let rejected = [
            ("$.a[*]", "wildcards '*' are not allowed"),
            ("$.*", "wildcards '*' are not allowed"),
            ("$..a", "deep scan '..' is not allowed"),
            ("$.a[0,1]", "unions ',' are not allowed"),
            ("$['a','b']", "unions ',' are not allowed"),
            ("$.a[1:2]", "slices ':' are not allowed"),
            ("$.a[?(@.b)]", "filters '?' are not allowed"),
        ];
        for (text, reason) in rejected {
            assert_eq!(
                ReferencePath::parse(text).map_err(|e| e.to_string()),
                Err(format!(
                    "The path '{text}' is not a valid ReferencePath: {reason}; a ReferencePath may only use field names and single array indices"
                )),
            );
        }
    }

    #[test]
    fn reference_path_get() {
        let input = json!({"a": {"b": [1, 2]}});
        assert_eq!(rp("$.a.b[1]").get(&input, &json!({})), Ok(json!(2)));
        assert_eq!(
            rp("$.a.b[1]").get_ref(&input, &json!({}), &NoVariables),
            Ok(&json!(2))
        );
        assert_eq!(
            rp("$.a.c")
                .get(&input, &json!({}))
                .map_err(|e| e.to_string()),
            Err("No results for path: $['a']['c']".into())
        );
        assert_eq!(rp("$$.x").get(&input, &json!({"x": 3})), Ok(json!(3)));
    }

    #[test]
    fn result_path_root_replaces_input() {
        assert_eq!(rp("$").set(json!({"a": 1}), json!("r")), Ok(json!("r")));
    }

    #[test]
    fn result_path_inserts_and_creates_objects() {
        let input = json!({"comment": "x", "strings": {"s": 1}});
        assert_eq!(
            rp("$.taskresult").set(input.clone(), json!("R")),
            Ok(json!({"comment": "x", "strings": {"s": 1}, "taskresult": "R"}))
        );
        assert_eq!(
            rp("$.strings.lambdaresult").set(input.clone(), json!(2)),
            Ok(json!({"comment": "x", "strings": {"s": 1, "lambdaresult": 2}}))
        );
        assert_eq!(
            rp("$.new.deep.er").set(input.clone(), json!(true)),
            Ok(json!({"comment": "x", "strings": {"s": 1}, "new": {"deep": {"er": true}}}))
        );
        // Overwrites in place, keeping key order.
        let replaced = rp("$.comment").set(input, json!("y"));
        assert_eq!(
            replaced.map(|v| v.to_string()),
            Ok(r#"{"comment":"y","strings":{"s":1}}"#.to_owned())
        );
    }

    #[test]
    fn result_path_indices() {
        let input = json!({"a": [{"x": 1}, 2]});
        assert_eq!(
            rp("$.a[1]").set(input.clone(), json!(9)),
            Ok(json!({"a": [{"x": 1}, 9]}))
        );
        assert_eq!(
            rp("$.a[-1]").set(input.clone(), json!(9)),
            Ok(json!({"a": [{"x": 1}, 9]}))
        );
        assert_eq!(
            rp("$.a[0].y").set(input.clone(), json!(3)),
            Ok(json!({"a": [{"x": 1, "y": 3}, 2]}))
        );
        assert_eq!(rp("$[0]").set(json!([1]), json!(2)), Ok(json!([2])));
    }

    #[test]
    fn result_path_mismatches() {
        let cases = [
            ("$.a.b", json!({"a": "text"})),
            ("$.a.b", json!({"a": 5})),
            ("$.a.b", json!({"a": null})),
            ("$.a.b", json!({"a": [1]})),
            ("$.x", json!("a string")),
            ("$.x", json!([1, 2])),
            ("$.a[2]", json!({"a": [1, 2]})),
            ("$.a[-3]", json!({"a": [1, 2]})),
            ("$.a[0]", json!({"a": {"0": 1}})),
            ("$.a[0]", json!({})),
            ("$.m.n[0]", json!({})),
            ("$.a[0].b", json!({"a": [1]})),
        ];
        for (path, input) in cases {
            let error = match rp(path).set(input.clone(), json!("R")) {
                Err(error) => error,
                Ok(value) => panic!("{path} on {input} should fail, got {value}"),
            };
            assert_eq!(error.error_name(), "States.ResultPathMatchFailure");
            assert_eq!(
                error.to_string(),
                format!("Unable to apply ReferencePath {path} to input {input}"),
                "the document is reported unchanged"
            );
        }
        assert_eq!(
            rp("$.x")
                .set(json!("{\"k\":1}"), json!(1))
                .map_err(|e| e.to_string()),
            Err(r#"Unable to apply ReferencePath $.x to input "{\"k\":1}""#.to_owned())
        );
        assert!(matches!(
            rp("$$.x").set(json!({}), json!(1)),
            Err(SetError::ContextObject { .. })
        ));
    }

    /// Every path expression in the in-scope conformance cases parses, reference-path fields
    /// as reference paths.
    #[test]
    fn conformance_case_paths_parse() {
        let entries = std::fs::read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/conformance/cases"
        ))
        .expect("conformance cases directory");
        let mut checked = 0;
        for entry in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let Ok(case) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let features = case
                .get("features")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if features.iter().any(|f| f == "jsonata" || f == "variables") {
                continue;
            }
            let mut stack = vec![case.get("definition").cloned().unwrap_or(Value::Null)];
            while let Some(node) = stack.pop() {
                match node {
                    Value::Object(map) => {
                        for (key, value) in map {
                            if let Value::String(path) = &value
                                && path.starts_with('$')
                            {
                                let reference = key == "ResultPath"
                                    || key == "Variable"
                                    || (key.ends_with("Path")
                                        && !matches!(
                                            key.as_str(),
                                            "InputPath" | "OutputPath" | "ItemsPath"
                                        ));
                                if reference {
                                    assert!(ReferencePath::parse(path).is_ok(), "{key}: {path}");
                                    checked += 1;
                                } else if key.ends_with("Path") || key.ends_with(".$") {
                                    assert!(Query::parse(path).is_ok(), "{key}: {path}");
                                    checked += 1;
                                }
                            }
                            stack.push(value);
                        }
                    }
                    Value::Array(items) => stack.extend(items),
                    _ => {}
                }
            }
        }
        assert!(checked > 50, "only {checked} paths checked");
    }
}

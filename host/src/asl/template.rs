//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector`, `BatchInput`,
//! `Credentials`. A key ending in `.$` takes its value from a path or an intrinsic call; every
//! other value is a literal. Templates are parsed once with the definition; evaluation only walks
//! the parsed tree and clones what it must.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use thiserror::Error;

use super::intrinsics::{self, Call};
use super::path::{NoVariables, Query, Root, Variables};

/// A parsed payload template.
#[derive(Debug, Clone)]
pub enum Template {
    /// A subtree with nothing to evaluate, copied as is.
    Literal(Value),
    /// An object with at least one dynamic field somewhere below it.
    Object(Vec<(String, Template)>),
    /// An array with at least one dynamic element somewhere below it.
    Array(Vec<Template>),
    /// `"key.$": "$.path"`; `field` is the key as written (with `.$`), for error messages.
    Path {
        /// The key as written.
        field: String,
        /// The query.
        query: Query,
    },
    /// `"key.$": "States.Format(...)"`.
    Call {
        /// The key as written.
        field: String,
        /// The call as written.
        text: String,
        /// The call.
        call: Box<Call>,
    },
}

/// Why a template could not be parsed. Validation reports these with their location.
#[derive(Debug, Error, PartialEq)]
pub enum ParseError {
    /// A `.$` key whose value is not a string.
    #[error(
        "The value for the field '{field}' must be a STRING that contains a JSONPath or an intrinsic function call"
    )]
    NotAString {
        /// The key as written.
        field: String,
    },
    /// A `.$` key whose value is neither a path nor an intrinsic call.
    #[error(
        "The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call: {reason}"
    )]
    Invalid {
        /// The key as written.
        field: String,
        /// What the path or intrinsic parser said.
        reason: String,
    },
}

/// Why evaluating a template failed.
#[derive(Debug, Error, PartialEq)]
pub enum EvalError {
    /// A `.$` path found nothing (AWS: States.Runtime with this message).
    #[error(
        "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
    )]
    PathNotFound {
        /// The key as written.
        field: String,
        /// The path as written.
        path: String,
        /// The document it was applied to, as JSON text.
        input: String,
    },
    /// An intrinsic function failed (AWS: States.IntrinsicFailure, or States.Runtime for a
    /// path inside it that does not resolve).
    #[error("{0}")]
    Intrinsic(#[from] intrinsics::EvalError),
}

impl Template {
    /// The template's JSON, when it has nothing to evaluate.
    pub fn literal(&self) -> Option<&Value> {
        match self {
            Template::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// Parses a template from its JSON form.
    pub fn parse(value: &Value) -> Result<Template, ParseError> {
        match value {
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                let mut dynamic = false;
                for (key, v) in map {
                    let field = if let Some(name) = key.strip_suffix(".$") {
                        dynamic = true;
                        (name.to_owned(), Self::parse_dynamic(key, v)?)
                    } else {
                        let t = Template::parse(v)?;
                        dynamic |= !matches!(t, Template::Literal(_));
                        (key.clone(), t)
                    };
                    fields.push(field);
                }
                Ok(if dynamic {
                    Template::Object(fields)
                } else {
                    Template::Literal(value.clone())
                })
            }
            Value::Array(items) => {
                let items = items
                    .iter()
                    .map(Template::parse)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if items.iter().all(|t| matches!(t, Template::Literal(_))) {
                    Template::Literal(value.clone())
                } else {
                    Template::Array(items)
                })
            }
            other => Ok(Template::Literal(other.clone())),
        }
    }

    fn parse_dynamic(key: &str, value: &Value) -> Result<Template, ParseError> {
        let Value::String(text) = value else {
            return Err(ParseError::NotAString { field: key.into() });
        };
        let invalid = |reason: String| ParseError::Invalid {
            field: key.into(),
            reason,
        };
        if intrinsics::looks_like_call(text) {
            let call = intrinsics::parse(text).map_err(|e| invalid(e.to_string()))?;
            Ok(Template::Call {
                field: key.into(),
                text: text.clone(),
                call: Box::new(call),
            })
        } else {
            let query = Query::parse(text).map_err(|e| invalid(e.to_string()))?;
            Ok(Template::Path {
                field: key.into(),
                query,
            })
        }
    }

    /// The `$$` paths the template reads: none means evaluation never looks at the context
    /// object, so the caller need not build it; otherwise it builds only what these can read.
    pub fn context_paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_context_paths(&mut out);
        out
    }

    fn collect_context_paths<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Template::Literal(_) => {}
            Template::Object(fields) => fields
                .iter()
                .for_each(|(_, t)| t.collect_context_paths(out)),
            Template::Array(items) => items.iter().for_each(|t| t.collect_context_paths(out)),
            Template::Path { query, .. } => {
                if query.root() == Root::Context {
                    out.push(query.text());
                }
            }
            Template::Call { call, .. } => {
                out.extend(call.paths().into_iter().filter(|p| p.starts_with("$$")))
            }
        }
    }

    /// Evaluates the template against the effective input and the context object.
    pub fn evaluate(
        &self,
        input: &Value,
        context: &Value,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Value, EvalError> {
        self.evaluate_in(input, context, &NoVariables, random)
    }

    /// Like [`Template::evaluate`], with workflow variables for `$name` paths.
    pub fn evaluate_in(
        &self,
        input: &Value,
        context: &Value,
        variables: &dyn Variables,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Value, EvalError> {
        match self {
            Template::Literal(v) => Ok(v.clone()),
            Template::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (name, t) in fields {
                    out.insert(
                        name.clone(),
                        t.evaluate_in(input, context, variables, random)?,
                    );
                }
                Ok(Value::Object(out))
            }
            Template::Array(items) => items
                .iter()
                .map(|t| t.evaluate_in(input, context, variables, random))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Template::Path { field, query } => query
                .select_in(input, context, variables)
                .map(std::borrow::Cow::into_owned)
                .map_err(|_| EvalError::PathNotFound {
                    field: field.clone(),
                    path: query.text().to_owned(),
                    input: match query.root() {
                        Root::Input => input.to_string(),
                        Root::Context => context.to_string(),
                        Root::Variable => query
                            .variable()
                            .and_then(|name| variables.variable(name))
                            .map_or_else(|| "null".to_owned(), Value::to_string),
                    },
                }),
            Template::Call { call, .. } => {
                let mut env = PathEnv::new(input, context, random).with_variables(variables);
                Ok(call.evaluate(&mut env)?)
            }
        }
    }
}

/// What an intrinsic call sees: paths resolve against the state input and the context object.
pub struct PathEnv<'a, 'r> {
    input: &'a Value,
    context: &'a Value,
    variables: &'a dyn Variables,
    random: &'r mut dyn FnMut() -> u64,
}

impl<'a, 'r> PathEnv<'a, 'r> {
    /// An environment over this input and context, drawing random bits from `random`.
    pub fn new(input: &'a Value, context: &'a Value, random: &'r mut dyn FnMut() -> u64) -> Self {
        PathEnv {
            input,
            context,
            variables: &NoVariables,
            random,
        }
    }

    /// The same environment, where `$name` paths read these workflow variables.
    pub fn with_variables(mut self, variables: &'a dyn Variables) -> Self {
        self.variables = variables;
        self
    }
}

impl intrinsics::Env for PathEnv<'_, '_> {
    fn resolve(&mut self, query: &Query) -> Result<Value, intrinsics::ResolveError> {
        query
            .select_in(self.input, self.context, self.variables)
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| intrinsics::ResolveError::not_found(query.text(), self.input))
    }

    fn random_u64(&mut self) -> u64 {
        (self.random)()
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Template::parse(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;

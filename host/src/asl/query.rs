//! The two query languages' field forms. In a JSONata state a field holds JSON in which any
//! string written `{% expression %}` is a JSONata expression ([`JsonataTemplate`]); a few
//! number and text fields may be an expression instead of a literal ([`Evaluable`]). `Assign`
//! exists in both languages ([`Assign`]). Parsed once with the definition; evaluation walks the
//! parsed tree. Pure, like the rest of `asl/`.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::jsonata::{self, Bindings, Environment, Evaluated, Expression};
use super::template::Template;

/// `QueryLanguage`: how a state's fields are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum QueryLanguage {
    /// InputPath, Parameters, ResultSelector, ResultPath, OutputPath (the default).
    #[default]
    #[serde(rename = "JSONPath")]
    JsonPath,
    /// Arguments and Output, with `{% %}` expressions.
    #[serde(rename = "JSONata")]
    Jsonata,
}

/// The expression inside `{% … %}`, when `text` is written that way (no space outside the
/// delimiters: AWS treats `" {% x %} "` as a plain string).
pub fn expression_text(text: &str) -> Option<&str> {
    text.strip_prefix("{%")?.strip_suffix("%}")
}

/// A JSON value whose strings may be `{% %}` expressions.
#[derive(Debug, Clone)]
pub enum JsonataTemplate {
    /// Nothing to evaluate below this point.
    Literal(Value),
    /// `"{% … %}"`.
    Expression(Box<Expression>),
    /// An object with an expression somewhere below it.
    Object(Vec<(String, JsonataTemplate)>),
    /// An array with an expression somewhere below it.
    Array(Vec<JsonataTemplate>),
}

/// A `{% %}` string that is not a valid JSONata expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("The JSONata expression '{expression}' is not valid: {error}")]
pub struct SyntaxError {
    /// JSON pointer of the string below the field it was found in ("" for the field itself).
    pub pointer: String,
    /// The expression as written.
    pub expression: String,
    /// What the parser said.
    pub error: jsonata::Error,
}

/// Why a JSONata field could not be evaluated: AWS fails the state with
/// `States.QueryEvaluationError` and this text after its usual prefix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// The expression gave nothing.
    #[error(
        "The JSONata expression '{expression}' specified for the field '{field}' returned nothing (undefined)."
    )]
    Undefined {
        /// The expression as written.
        expression: String,
        /// Where it is, as AWS names it (`Output/result`).
        field: String,
    },
    /// The expression gave a function, which JSON cannot carry.
    #[error(
        "The JSONata expression '{expression}' specified for the field '{field}' returned an unsupported result type."
    )]
    Unsupported {
        /// The expression as written.
        expression: String,
        /// Where it is.
        field: String,
    },
    /// The expression gave a value of the wrong type for its field.
    #[error(
        "The JSONata expression '{expression}' specified for the field '{field}' returned an unexpected result type. Expected '{expected}', but was '{found}' for value: {value}"
    )]
    Type {
        /// The expression as written.
        expression: String,
        /// Where it is.
        field: String,
        /// The type the field takes.
        expected: &'static str,
        /// The type it got.
        found: &'static str,
        /// The value, as JSON text.
        value: String,
    },
    /// The evaluation itself failed (a type error, `$error()`, a limit).
    #[error(
        "The JSONata expression '{expression}' specified for the field '{field}' threw an error during evaluation. {code}: {message}"
    )]
    Evaluation {
        /// The expression as written.
        expression: String,
        /// Where it is.
        field: String,
        /// JSONata's error code.
        code: String,
        /// JSONata's message.
        message: String,
    },
}

/// Where a template's expressions find `$states`, the workflow variables and the environment.
///
/// An expression that only reads a variable or fields below one ([`jsonata::VariablePath`])
/// is answered from the variable's JSON through `states_part` and `variable`; any other goes
/// to `evaluate`, the general evaluator.
pub trait Variables {
    /// `$states.<part>`.
    fn states_part(&self, part: &str) -> Lookup<'_>;
    /// A workflow variable, `$name`.
    fn variable(&self, name: &str) -> Lookup<'_>;
    /// Evaluates `expression` with the general evaluator.
    fn evaluate(&self, expression: &Expression) -> Result<Evaluated, jsonata::Error>;
}

/// What [`Variables`] knows of a value.
pub enum Lookup<'v> {
    /// It is this.
    Value(&'v Value),
    /// It does not exist.
    Undefined,
    /// Not known here: the general evaluator decides (a built-in function's name, say).
    Unknown,
}

/// [`Variables`] as bindings already converted for the general evaluator.
pub struct Scope<'a> {
    /// `$states` and the workflow variables the state's expressions read.
    pub bindings: &'a Bindings,
    /// `$now()`, `$random()`, `$uuid()`.
    pub environment: &'a Environment,
}

impl Variables for Scope<'_> {
    fn states_part(&self, _: &str) -> Lookup<'_> {
        Lookup::Unknown
    }

    fn variable(&self, _: &str) -> Lookup<'_> {
        Lookup::Unknown
    }

    fn evaluate(&self, expression: &Expression) -> Result<Evaluated, jsonata::Error> {
        expression.evaluate(None, self.bindings, self.environment)
    }
}

impl JsonataTemplate {
    /// Parses a field's JSON; every `{% %}` string at any depth must be a valid expression.
    pub fn parse(value: &Value) -> Result<JsonataTemplate, SyntaxError> {
        Self::parse_at(value, "")
    }

    fn parse_at(value: &Value, pointer: &str) -> Result<JsonataTemplate, SyntaxError> {
        Ok(match value {
            Value::String(s) => match expression_text(s) {
                Some(text) => JsonataTemplate::Expression(Box::new(
                    Expression::parse(text).map_err(|error| SyntaxError {
                        pointer: pointer.to_owned(),
                        expression: text.trim().to_owned(),
                        error,
                    })?,
                )),
                None => JsonataTemplate::Literal(value.clone()),
            },
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                let mut dynamic = false;
                for (key, v) in map {
                    let pointer = format!("{pointer}/{}", super::diagnostic::pointer_segment(key));
                    let t = Self::parse_at(v, &pointer)?;
                    dynamic |= !matches!(t, JsonataTemplate::Literal(_));
                    fields.push((key.clone(), t));
                }
                if dynamic {
                    JsonataTemplate::Object(fields)
                } else {
                    JsonataTemplate::Literal(value.clone())
                }
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    out.push(Self::parse_at(v, &format!("{pointer}/{i}"))?);
                }
                if out.iter().all(|t| matches!(t, JsonataTemplate::Literal(_))) {
                    JsonataTemplate::Literal(value.clone())
                } else {
                    JsonataTemplate::Array(out)
                }
            }
            _ => JsonataTemplate::Literal(value.clone()),
        })
    }

    /// Every expression in it, for static checks.
    pub fn expressions(&self) -> Vec<&Expression> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Expression>) {
        match self {
            JsonataTemplate::Literal(_) => {}
            JsonataTemplate::Expression(e) => out.push(e),
            JsonataTemplate::Object(fields) => fields.iter().for_each(|(_, t)| t.collect(out)),
            JsonataTemplate::Array(items) => items.iter().for_each(|t| t.collect(out)),
        }
    }

    /// Evaluates it; `field` names it in errors as AWS does (`Output`, `Arguments`, ...), and
    /// fields below it are named `Output/key`.
    pub fn evaluate(&self, field: &str, scope: &dyn Variables) -> Result<Value, QueryError> {
        self.evaluate_at(&FieldName::Root(field), scope)
    }

    fn evaluate_at(
        &self,
        field: &FieldName<'_>,
        scope: &dyn Variables,
    ) -> Result<Value, QueryError> {
        match self {
            JsonataTemplate::Literal(v) => Ok(v.clone()),
            JsonataTemplate::Expression(e) => evaluate(e, field, scope),
            JsonataTemplate::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (key, t) in fields {
                    let value = t.evaluate_at(&FieldName::Key(field, key), scope)?;
                    out.insert(key.clone(), value);
                }
                Ok(Value::Object(out))
            }
            JsonataTemplate::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, t)| t.evaluate_at(&FieldName::Index(field, i), scope))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        }
    }

    /// The expression, when the whole field is one.
    pub fn as_expression(&self) -> Option<&Expression> {
        match self {
            JsonataTemplate::Expression(e) => Some(e),
            _ => None,
        }
    }
}

/// The name of a field inside a template (`Output/items/0`), spelled out only for an error:
/// most evaluations succeed, and building the name costs more than a simple expression.
enum FieldName<'a> {
    Root(&'a str),
    Key(&'a FieldName<'a>, &'a str),
    Index(&'a FieldName<'a>, usize),
}

impl std::fmt::Display for FieldName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldName::Root(name) => f.write_str(name),
            FieldName::Key(parent, key) => write!(f, "{parent}/{key}"),
            FieldName::Index(parent, i) => write!(f, "{parent}/{i}"),
        }
    }
}

/// Evaluates one expression for `field`; undefined and functions are errors, as on AWS.
fn evaluate(
    expression: &Expression,
    field: &FieldName<'_>,
    scope: &dyn Variables,
) -> Result<Value, QueryError> {
    let text = || expression.text().trim().to_owned();
    let evaluated = match expression
        .variable_path()
        .and_then(|path| read_path(path, scope))
    {
        Some(direct) => Ok(direct),
        None => scope.evaluate(expression),
    };
    match evaluated {
        Ok(Evaluated::Value(v)) => Ok(v),
        Ok(Evaluated::Undefined) => Err(QueryError::Undefined {
            expression: text(),
            field: field.to_string(),
        }),
        Ok(Evaluated::Unsupported) => Err(QueryError::Unsupported {
            expression: text(),
            field: field.to_string(),
        }),
        Err(e) => Err(QueryError::Evaluation {
            expression: text(),
            field: field.to_string(),
            code: e.code.clone(),
            message: e.message.clone(),
        }),
    }
}

/// A [`jsonata::VariablePath`] read from the variable's JSON; `None` when the general
/// evaluator must answer.
fn read_path(path: &jsonata::VariablePath, scope: &dyn Variables) -> Option<Evaluated> {
    let (root, skip) = if path.variable == "states" {
        // `$states` on its own is an object built for the general evaluator.
        (scope.states_part(path.fields.first()?), 1)
    } else {
        (scope.variable(&path.variable), 0)
    };
    match root {
        Lookup::Value(value) => path.follow(value, skip),
        Lookup::Undefined => Some(Evaluated::Undefined),
        Lookup::Unknown => None,
    }
}

/// The JSON type name AWS uses in its messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A type error for `field`, when the template is one expression (else the literal was
/// already checked by validation, and the message names the field alone).
pub fn type_error(
    template: &JsonataTemplate,
    field: &str,
    expected: &'static str,
    value: &Value,
) -> QueryError {
    QueryError::Type {
        expression: template
            .as_expression()
            .map(|e| e.text().trim().to_owned())
            .unwrap_or_else(|| value.to_string()),
        field: field.to_owned(),
        expected,
        found: type_name(value),
        value: value.to_string(),
    }
}

/// A number or text field that a JSONata state may write as `{% %}` (TimeoutSeconds, Seconds,
/// MaxConcurrency, ...). Validation has checked that JSONPath states use literals.
#[derive(Debug, Clone)]
pub enum Evaluable<T> {
    /// Written as a value.
    Literal(T),
    /// Written as `{% … %}`.
    Expression(Box<JsonataTemplate>),
}

impl<T> Evaluable<T> {
    /// The literal, if it is one.
    pub fn literal(&self) -> Option<&T> {
        match self {
            Evaluable::Literal(v) => Some(v),
            Evaluable::Expression(_) => None,
        }
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Evaluable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        if let Value::String(s) = &value
            && expression_text(s).is_some()
        {
            let template = JsonataTemplate::parse(&value).map_err(serde::de::Error::custom)?;
            return Ok(Evaluable::Expression(Box::new(template)));
        }
        serde_json::from_value(value)
            .map(Evaluable::Literal)
            .map_err(serde::de::Error::custom)
    }
}

/// Why an `Assign` object could not be parsed. Validation reports the details with locations.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum AssignError {
    /// `Assign` is not a JSON object.
    #[error("The field 'Assign' must be an object")]
    NotAnObject,
    /// A JSONPath `Assign` whose template does not parse.
    #[error(transparent)]
    Template(#[from] super::template::ParseError),
    /// A JSONata `Assign` with an expression that does not parse.
    #[error(transparent)]
    Jsonata(#[from] SyntaxError),
}

/// `Assign`: the variables a state sets, in its query language.
#[derive(Debug, Clone)]
pub enum Assign {
    /// JSONPath: a payload template (`"name.$": "$.path"`).
    Path(Template),
    /// JSONata: values with `{% %}` expressions.
    Jsonata(Vec<(String, JsonataTemplate)>),
}

impl Assign {
    /// Parses an `Assign` object written in `language`. Validation reports the details.
    pub fn parse(value: &Value, language: QueryLanguage) -> Result<Assign, AssignError> {
        let Value::Object(map) = value else {
            return Err(AssignError::NotAnObject);
        };
        match language {
            QueryLanguage::JsonPath => Ok(Assign::Path(Template::parse(value)?)),
            QueryLanguage::Jsonata => map
                .iter()
                .map(|(k, v)| JsonataTemplate::parse(v).map(|t| (k.clone(), t)))
                .collect::<Result<Vec<_>, _>>()
                .map(Assign::Jsonata)
                .map_err(AssignError::from),
        }
    }

    /// The variable names it sets, as written (a JSONPath `name.$` gives `name`).
    pub fn names(&self) -> Vec<String> {
        match self {
            Assign::Path(Template::Object(fields)) => {
                fields.iter().map(|(k, _)| k.clone()).collect()
            }
            Assign::Path(Template::Literal(Value::Object(map))) => map.keys().cloned().collect(),
            Assign::Path(_) => Vec::new(),
            Assign::Jsonata(fields) => fields.iter().map(|(k, _)| k.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests;

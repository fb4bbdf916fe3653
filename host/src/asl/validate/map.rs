//! The objects only a Map state has: `ProcessorConfig`, `Label`, `ItemReader` (and its
//! `ReaderConfig`), `ItemBatcher` and `ResultWriter`.
//!
//! Owns: their field sets and values, and `Label` uniqueness across the machine.
//! Must not: check the Map state's own fields or its item processor's states (that is
//! [`super::state`] and [`super::scope`]).

use serde_json::Value;

use super::limits::{
    LABEL_FORBIDDEN, MAX_INPUT_BYTES_PER_BATCH, MAX_LABEL_CHARS, MAX_READER_ITEMS,
};
use super::{Validator, child};
use crate::asl::diagnostic::codes;

impl Validator {
    pub(super) fn processor_config(&mut self, value: &Value, location: &str) {
        let Some(config) = self.object("ProcessorConfig", value, location) else {
            return;
        };
        let mut distributed = false;
        for (field, value) in config {
            let field_location = child(location, field);
            match field.as_str() {
                "Mode" => match value.as_str() {
                    Some("INLINE") => {}
                    Some("DISTRIBUTED") => distributed = true,
                    _ => self.schema(
                        format!(
                            "The field 'Mode' must be \"INLINE\" or \"DISTRIBUTED\", got {value}"
                        ),
                        field_location,
                    ),
                },
                "ExecutionType" => {
                    if !matches!(value.as_str(), Some("STANDARD" | "EXPRESS")) {
                        self.schema(
                            format!("The field 'ExecutionType' must be \"STANDARD\" or \"EXPRESS\", got {value}"),
                            field_location,
                        );
                    }
                }
                _ => self.unknown_field(field, &field_location, "in 'ProcessorConfig'"),
            }
        }
        if distributed && !config.contains_key("ExecutionType") {
            self.schema(
                "These fields are required: [ExecutionType] (a DISTRIBUTED Map must say whether \
                 child executions are STANDARD or EXPRESS)",
                location,
            );
        }
    }

    pub(super) fn label(&mut self, value: &Value, location: &str) {
        let Some(label) = self.string("Label", value, location) else {
            return;
        };
        let length = label.chars().count();
        if length == 0 {
            self.error(
                codes::INVALID_LABEL_NAME,
                "A Map 'Label' cannot be empty (it names the Map Run's child executions' machine)",
                location,
            );
        }
        if length > MAX_LABEL_CHARS {
            self.error(
                codes::INVALID_LABEL_NAME,
                format!("A Map 'Label' can have at most {MAX_LABEL_CHARS} characters; this one has {length}"),
                location,
            );
        }
        if let Some(bad) = label
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || LABEL_FORBIDDEN.contains(c))
        {
            self.error(
                codes::INVALID_LABEL_NAME,
                format!(
                    "A Map 'Label' cannot contain whitespace, control characters or any of \
                     < > {{ }} [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /; found {bad:?}"
                ),
                location,
            );
        }
        if let Some(first) = self.labels.get(label) {
            let message = format!(
                "Duplicate Map label: {label} (labels must be unique; first used at {first})"
            );
            self.error(codes::DUPLICATE_LABEL_NAME, message, location);
        } else {
            self.labels.insert(label.to_owned(), location.to_owned());
        }
    }

    pub(super) fn item_reader(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ItemReader", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "Resource" => {
                    self.resource(value, &field_location);
                    if let Some(arn) = value.as_str()
                        && !matches!(s3_action(arn), Some("getObject" | "listObjectsV2"))
                    {
                        self.error(
                            codes::INVALID_RESOURCE,
                            format!(
                                "An ItemReader reads with arn:aws:states:::s3:getObject or \
                                 arn:aws:states:::s3:listObjectsV2, not \"{arn}\""
                            ),
                            &field_location,
                        );
                    }
                }
                "Parameters" => self.template(value, &field_location),
                // JSONata's name for Parameters.
                "Arguments" => self.template(value, &field_location),
                "ReaderConfig" => self.reader_config(value, &field_location),
                _ => self.unknown_field(field, &field_location, "in 'ItemReader'"),
            }
        }
        if !fields.contains_key("Resource") {
            self.schema("These fields are required: [Resource]", location);
        }
        let reads_object = fields
            .get("Resource")
            .and_then(Value::as_str)
            .and_then(s3_action)
            == Some("getObject");
        let has_type = fields
            .get("ReaderConfig")
            .is_some_and(|c| c.get("InputType").is_some());
        if reads_object && !has_type {
            self.schema(
                "An ItemReader that reads an object (s3:getObject) needs ReaderConfig.InputType: \
                 CSV, JSON, JSONL, MANIFEST or PARQUET",
                location,
            );
        }
    }

    pub(super) fn reader_config(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ReaderConfig", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "MaxItems" => {
                    self.integer(field, value, &field_location, 1, MAX_READER_ITEMS);
                }
                "MaxItemsPath" => self.reference_path_field(field, value, &field_location, false),
                "InputType" => self.one_of(
                    field,
                    value,
                    &field_location,
                    &["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"],
                ),
                "CSVHeaderLocation" => {
                    self.one_of(field, value, &field_location, &["FIRST_ROW", "GIVEN"])
                }
                "CSVDelimiter" => self.one_of(
                    field,
                    value,
                    &field_location,
                    &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
                ),
                "ManifestType" => self.one_of(
                    field,
                    value,
                    &field_location,
                    &["ATHENA_DATA", "S3_INVENTORY"],
                ),
                "CSVHeaders" => {
                    if let Some(headers) = self.array(field, value, &field_location) {
                        for (i, header) in headers.iter().enumerate() {
                            self.string(field, header, &format!("{field_location}/{i}"));
                        }
                    }
                }
                _ => self.unknown_field(field, &field_location, "in 'ReaderConfig'"),
            }
        }
        self.exclusive(fields, location, &["MaxItems", "MaxItemsPath"]);
        let given = fields.get("CSVHeaderLocation").and_then(Value::as_str) == Some("GIVEN");
        match (given, fields.contains_key("CSVHeaders")) {
            (true, false) => self.schema(
                "CSVHeaderLocation GIVEN needs the column names in CSVHeaders",
                location,
            ),
            (false, true) => self.schema(
                "CSVHeaders are read only when CSVHeaderLocation is GIVEN",
                child(location, "CSVHeaders"),
            ),
            _ => {}
        }
    }

    pub(super) fn item_batcher(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ItemBatcher", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "MaxItemsPerBatch" => {
                    self.integer(field, value, &field_location, 1, u64::MAX);
                }
                "MaxInputBytesPerBatch" => {
                    self.integer(field, value, &field_location, 1, MAX_INPUT_BYTES_PER_BATCH);
                }
                "MaxItemsPerBatchPath" | "MaxInputBytesPerBatchPath" => {
                    self.reference_path_field(field, value, &field_location, false)
                }
                "BatchInput" => self.template(value, &field_location),
                _ => self.unknown_field(field, &field_location, "in 'ItemBatcher'"),
            }
        }
        self.exclusive(
            fields,
            location,
            &["MaxItemsPerBatch", "MaxItemsPerBatchPath"],
        );
        self.exclusive(
            fields,
            location,
            &["MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"],
        );
    }

    pub(super) fn result_writer(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ResultWriter", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "Resource" => {
                    self.resource(value, &field_location);
                    if let Some(arn) = value.as_str()
                        && s3_action(arn) != Some("putObject")
                    {
                        self.error(
                            codes::INVALID_RESOURCE,
                            format!(
                                "A ResultWriter writes with arn:aws:states:::s3:putObject, not \"{arn}\""
                            ),
                            &field_location,
                        );
                    }
                }
                "Parameters" | "Arguments" => self.template(value, &field_location),
                "WriterConfig" => self.writer_config(value, &field_location),
                _ => self.unknown_field(field, &field_location, "in 'ResultWriter'"),
            }
        }
        let resource = fields.contains_key("Resource");
        let parameters = fields.contains_key("Parameters") || fields.contains_key("Arguments");
        if resource != parameters {
            self.schema(
                "A ResultWriter that writes to S3 needs both Resource and Parameters (Arguments \
                 in JSONata): the bucket and prefix",
                location,
            );
        } else if !resource && !fields.contains_key("WriterConfig") {
            self.schema(
                "A ResultWriter needs Resource and Parameters (to write to S3), WriterConfig (to \
                 shape the results), or all three",
                location,
            );
        }
    }

    fn writer_config(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("WriterConfig", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "OutputType" => self.one_of(field, value, &field_location, &["JSON", "JSONL"]),
                "Transformation" => self.one_of(
                    field,
                    value,
                    &field_location,
                    &["NONE", "COMPACT", "FLATTEN"],
                ),
                _ => self.unknown_field(field, &field_location, "in 'WriterConfig'"),
            }
        }
    }

    /// A string field that takes one of a few words.
    fn one_of(&mut self, field: &str, value: &Value, location: &str, words: &[&str]) {
        let Some(text) = self.string(field, value, location) else {
            return;
        };
        if !words.contains(&text) {
            self.schema(
                format!(
                    "The field '{field}' must be one of {}, got \"{text}\"",
                    words.join(", ")
                ),
                location,
            );
        }
    }
}

/// The action of an `arn:<partition>:states:<region>::s3:<action>` Resource.
fn s3_action(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service, _region, _account, rest) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn_word != "arn" || service != "states" {
        return None;
    }
    rest.strip_prefix("s3:")
}

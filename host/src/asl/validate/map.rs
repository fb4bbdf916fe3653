//! The objects only a Map state has: `ProcessorConfig`, `Label`, `ItemReader` (and its
//! `ReaderConfig`), `ItemBatcher` and `ResultWriter`.
//!
//! Owns: their field sets and values, and `Label` uniqueness across the machine.
//! Must not: check the Map state's own fields or its item processor's states (that is
//! [`super::state`] and [`super::scope`]).

use serde_json::Value;

use super::limits::{LABEL_FORBIDDEN, MAX_INPUT_BYTES_PER_BATCH, MAX_LABEL_CHARS};
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
                "Resource" => self.resource(value, &field_location),
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
    }

    pub(super) fn reader_config(&mut self, value: &Value, location: &str) {
        let Some(fields) = self.object("ReaderConfig", value, location) else {
            return;
        };
        for (field, value) in fields {
            let field_location = child(location, field);
            match field.as_str() {
                "MaxItems" => {
                    self.integer(field, value, &field_location, 1, u64::MAX);
                }
                "MaxItemsPath" => self.reference_path_field(field, value, &field_location, false),
                "InputType" | "CSVHeaderLocation" | "CSVDelimiter" | "ManifestType" => {
                    self.string(field, value, &field_location);
                }
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
                "Resource" => self.resource(value, &field_location),
                "Parameters" => self.template(value, &field_location),
                "WriterConfig" => {
                    self.object(field, value, &field_location);
                }
                _ => self.unknown_field(field, &field_location, "in 'ResultWriter'"),
            }
        }
    }
}

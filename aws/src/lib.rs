//! AWS's service models and wire protocols, for `arn:aws:states:::aws-sdk:SERVICE:ACTION`.
//!
//! Pure: this crate turns a Task's parameters into an HTTP request and an HTTP response into
//! the task's result (or the service's error), as the AWS SDK integration of Step Functions
//! does, driven by botocore's published models (vendored in `models/`, refreshed by
//! `scripts/refresh-aws-models`). Sending, signing and credentials are the host's.
//!
//! - [`registry`]: the embedded models, decompressed the first time a service is named.
//! - [`model`]: the types of a `service-2.json`.
//! - [`naming`]: Step Functions' names for actions, parameters and errors.
//! - [`protocol`]: the five protocols (`json`, `rest-json`, `rest-xml`, `query`, `ec2`).
//! - [`validate`]: TestState's check of a mocked result against the operation's output shape.

pub mod model;
pub mod naming;
pub mod protocol;
pub mod registry;
pub mod validate;

pub use model::{Operation, Protocol, ServiceModel, Shape, ShapeRef};
pub use protocol::{BuildError, HttpRequest, HttpResponse, ServiceError};
pub use registry::{Service, service};

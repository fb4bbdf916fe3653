//! The Amazon States Language, pure: the model of a definition, its static validation, paths,
//! payload templates, intrinsic functions and choice rules. Nothing here does I/O or knows about
//! wasmtime, axum or a database.

pub mod choice;
pub mod diagnostic;
pub mod intrinsics;
pub mod jsonata;
pub mod model;
pub mod path;
pub mod query;
pub mod random;
pub mod template;
pub mod validate;

//! Stepwise: Amazon States Language state machines on your own machine.
//!
//! The crate is layered so that each boundary owns one concern:
//! - [`asl`]: the language, pure — model, validation, paths, templates, intrinsics, choice rules;
//! - [`interp`]: the interpreter, pure and deterministic — `(execution, event) -> actions`;
//! - [`history`]: history events in the shape of `GetExecutionHistory`;
//! - [`executor`]: the async driver that performs the interpreter's actions (timers, tasks).
//!
//! The WebAssembly runtime, the HTTP API, the durable store and the service integrations arrive
//! as later layers on top of these (see `design.md`).

pub mod api;
pub mod arn;
pub mod asl;
pub mod executor;
pub mod history;
pub mod host;
pub mod integrations;
pub mod interp;
pub mod runtime;
pub mod store;
pub mod tokens;

//! Stepwise: Amazon States Language state machines on your own machine.
//!
//! The crate is layered so that each boundary owns one concern, and every dependency points
//! down this list (`ARCHITECTURE.md` draws it):
//! - [`api`]: the HTTP API (axum), AWS's wire protocols, each handler taking the components it
//!   uses;
//! - [`host`]: the host, composed of components — machines, activities, functions,
//!   executions, task-token callbacks, services;
//! - [`integrations`]: where a Task's Resource goes — Lambda functions, activities and the
//!   service integrations, in AWS's three patterns;
//! - [`executor`]: the one driver that carries out the interpreter's actions, durably (each
//!   step in the store first) or in memory;
//! - [`interp`]: the interpreter, pure and deterministic — `(execution, event) -> actions`;
//! - [`asl`]: the language, pure — model, validation, paths, templates, intrinsics, choice
//!   rules, JSONata;
//! - leaves: [`runtime`] (the WebAssembly sandbox, the only user of wasmtime), [`store`]
//!   (SQLite, memory), [`history`] (events as `GetExecutionHistory` shows them), [`tokens`]
//!   (task tokens), [`arn`] (the ARN and name grammar), [`mock`] (Step Functions Local's mock
//!   file).

pub mod api;
pub mod arn;
pub mod asl;
pub mod executor;
pub mod history;
pub mod host;
pub mod integrations;
pub mod interp;
pub mod metrics;
pub mod mock;
pub mod otlp;
pub mod runtime;
pub mod store;
pub mod tokens;

//! The end-to-end tests, one binary: the real server, runtime and CLI, driven by the AWS SDK
//! clients and the `stepwise` binary as users drive them.
//!
//! They are modules of one test binary (as wasmtime's `tests/all`) because each binary that
//! drives the server links wasmtime and the AWS SDKs: one link instead of nine. Modules share
//! the process, so a test must not rely on process-wide state of its own: the one global
//! tracing subscriber is the sandbox's host log (`sandbox::RUNTIME`), and no test sets
//! environment variables. The interpreter and conformance tests need no runtime and stay
//! binaries of their own.

mod api;
mod auth;
mod aws_sdk;
mod batch;
mod callbacks;
mod cli;
mod common;
mod console;
mod crash;
mod jsonata;
mod map_runs;
mod metrics;
mod mocking;
mod moto;
mod otlp;
mod polyglot;
mod redrive;
mod sandbox;
mod serve;
mod sqs;
mod test_state;
mod versions;

//! The single `bindgen!` over `wit/`: the Rust side of the `stepwise:task` world.

#![allow(missing_docs, unsafe_code)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "task",
    imports: {
        // `call` may run another function or a service integration: it awaits.
        "stepwise:task/host.call": async,
    },
    exports: { default: async },
});

/// The package version this host implements, as it appears in the names components import
/// and export.
pub const WORLD_VERSION: &str = "0.1.0";
/// The package, without its version.
pub const WORLD_PACKAGE: &str = "stepwise:task";
/// The interface every task exports.
pub const HANDLER_INTERFACE: &str = "stepwise:task/handler@0.1.0";

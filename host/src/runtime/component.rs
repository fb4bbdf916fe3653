//! From bytes to a component ready to instantiate: the checks a deploy makes (is it a
//! component, of our world, importing only what the host provides) and the on-disk cache of
//! precompiled code that lets a restarted host skip compiling.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::bindings::{HANDLER_INTERFACE, TaskPre, WORLD_PACKAGE, WORLD_VERSION};
use super::sandbox::Sandbox;

/// Largest component accepted, as Lambda's limit on a directly uploaded package (50 MB).
pub const MAX_CODE_BYTES: usize = 50 * 1024 * 1024;

/// Why code cannot be deployed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    /// A function name Lambda would refuse.
    #[error(
        "the function name '{0}' is invalid: it must be 1 to 64 letters, digits, hyphens or underscores"
    )]
    InvalidName(String),
    /// A configuration outside Lambda's bounds.
    #[error("{0}")]
    Config(#[from] super::function::ConfigError),
    /// No bytes at all.
    #[error("the code is empty")]
    Empty,
    /// Over [`MAX_CODE_BYTES`].
    #[error("the code is {0} bytes; the limit is {MAX_CODE_BYTES} bytes")]
    TooLarge(usize),
    /// Not WebAssembly.
    #[error("the code is not WebAssembly: it does not start with the bytes \\0asm")]
    NotWasm,
    /// A core module rather than a component.
    #[error(
        "the code is a core WebAssembly module, not a component: build it for the wasm32-wasip2 target (cargo build --release --target wasm32-wasip2), which makes a component"
    )]
    CoreModule,
    /// The bytes do not validate or compile.
    #[error("the component is not valid WebAssembly: {0}")]
    Invalid(String),
    /// Built for another version of our world.
    #[error(
        "the component was built for {found}, but this host implements {WORLD_PACKAGE}@{WORLD_VERSION}: rebuild it against stepwise-guest for this host"
    )]
    WorldVersion {
        /// The package and version the component names.
        found: String,
    },
    /// No handler export.
    #[error(
        "the component does not export {HANDLER_INTERFACE}, so it is not a Stepwise task (it exports: {exports})"
    )]
    MissingHandler {
        /// What it exports instead.
        exports: String,
    },
    /// The handler has the wrong signature.
    #[error("the component's {HANDLER_INTERFACE} does not match the world: {0}")]
    HandlerType(String),
    /// An import the host does not provide.
    #[error(
        "the component imports {import}, which this host does not provide (a task may import {WORLD_PACKAGE}/host@{WORLD_VERSION} and WASI 0.2){detail}"
    )]
    UnknownImport {
        /// The import's name.
        import: String,
        /// wasmtime's words, when they add something.
        detail: String,
    },
}

/// What `\0asm` is followed by: the binary format version and layer. Core modules are
/// version 1 layer 0; components are version 0x0d layer 1.
const CORE_MODULE_PREAMBLE: [u8; 8] = *b"\0asm\x01\0\0\0";

/// A component ready to instantiate.
pub struct Prepared {
    /// The component, linked.
    pub pre: TaskPre<Sandbox>,
    /// Whether its machine code came from the on-disk cache rather than a compile.
    pub from_cache: bool,
}

/// Compiles (or loads from the cache) and checks a component against the world.
pub fn prepare(
    engine: &Engine,
    linker: &Linker<Sandbox>,
    cache_dir: Option<&Path>,
    bytes: &[u8],
) -> Result<Prepared, DeployError> {
    if bytes.is_empty() {
        return Err(DeployError::Empty);
    }
    if bytes.len() > MAX_CODE_BYTES {
        return Err(DeployError::TooLarge(bytes.len()));
    }
    if !bytes.starts_with(b"\0asm") {
        return Err(DeployError::NotWasm);
    }
    if bytes.starts_with(&CORE_MODULE_PREAMBLE) {
        return Err(DeployError::CoreModule);
    }
    let (component, from_cache) = compile(engine, cache_dir, bytes)?;
    check_world(engine, &component)?;
    let pre = linker.instantiate_pre(&component).map_err(|e| {
        let detail = e.to_string();
        let import = component
            .component_type()
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .find(|name| detail.contains(name.as_str()))
            .unwrap_or_else(|| "something".to_owned());
        let hint = toolchain_hint(&import);
        DeployError::UnknownImport {
            import,
            detail: format!(": {detail}{hint}"),
        }
    })?;
    let pre = TaskPre::new(pre).map_err(|e| DeployError::HandlerType(format!("{e:#}")))?;
    Ok(Prepared { pre, from_cache })
}

/// How to build without an import the host does not provide, where a toolchain flag does it.
fn toolchain_hint(import: &str) -> &'static str {
    if import.starts_with("wasi:http/") {
        // StarlingMonkey, componentize-js's engine, imports wasi:http for `fetch` and exports
        // an HTTP handler unless told not to. Tasks have no sockets, so there is no wasi:http.
        ". A JavaScript task built with componentize-js imports wasi:http unless it is built with `--disable http fetch-event` (`stepwise build` passes it)"
    } else {
        ""
    }
}

/// Checks names before linking, so that a component of another version of our world is told
/// exactly that rather than "import not found".
fn check_world(engine: &Engine, component: &Component) -> Result<(), DeployError> {
    let ty = component.component_type();
    let ours = |name: &str| -> Option<String> {
        let rest = name.strip_prefix(WORLD_PACKAGE)?.strip_prefix('/')?;
        let version = rest.split_once('@').map_or("(no version)", |(_, v)| v);
        Some(format!("{WORLD_PACKAGE}@{version}"))
    };
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_owned()).collect();
    if !exports.iter().any(|n| n == HANDLER_INTERFACE) {
        if let Some(found) = exports.iter().find_map(|n| ours(n)) {
            return Err(DeployError::WorldVersion { found });
        }
        return Err(DeployError::MissingHandler {
            exports: if exports.is_empty() {
                "nothing".to_owned()
            } else {
                exports.join(", ")
            },
        });
    }
    for (name, _) in ty.imports(engine) {
        if let Some(found) = ours(name) {
            if found != format!("{WORLD_PACKAGE}@{WORLD_VERSION}") {
                return Err(DeployError::WorldVersion { found });
            }
        } else if !name.starts_with("wasi:") {
            return Err(DeployError::UnknownImport {
                import: name.to_owned(),
                detail: String::new(),
            });
        }
    }
    Ok(())
}

/// Compiling takes tens of milliseconds per 100 KB; loading precompiled code from the cache
/// takes a fraction of one. The cache key is the code's SHA-256 and the engine's
/// compatibility hash, so a host with another wasmtime or configuration never loads stale code.
fn compile(
    engine: &Engine,
    cache_dir: Option<&Path>,
    bytes: &[u8],
) -> Result<(Component, bool), DeployError> {
    let cached = cache_dir.map(|dir| dir.join(cache_file_name(engine, bytes)));
    if let Some(path) = &cached
        && let Some(component) = precompiled::load(engine, path)
    {
        return Ok((component, true));
    }
    let component =
        Component::new(engine, bytes).map_err(|e| DeployError::Invalid(format!("{e:#}")))?;
    if let Some(path) = &cached {
        // A cache that cannot be written only costs a recompile next time.
        if let Err(e) = precompiled::store(&component, path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot cache the compiled component");
        }
    }
    Ok((component, false))
}

fn cache_file_name(engine: &Engine, bytes: &[u8]) -> PathBuf {
    let digest = Sha256::digest(bytes);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let mut name = String::with_capacity(90);
    for b in digest {
        name.push_str(&format!("{b:02x}"));
    }
    name.push_str(&format!("-{:016x}.cwasm", hasher.finish()));
    PathBuf::from(name)
}

/// The SHA-256 of the code, hex, as Lambda reports `CodeSha256` (there base64; callers encode).
pub fn code_sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The only place precompiled machine code is loaded.
#[allow(unsafe_code)]
mod precompiled {
    use std::path::Path;

    use wasmtime::Engine;
    use wasmtime::component::Component;

    pub fn load(engine: &Engine, path: &Path) -> Option<Component> {
        // Read into memory rather than mapping the file: a mapped file truncated by someone
        // else while in use would crash the host, a copy cannot.
        let bytes = std::fs::read(path).ok()?;
        // SAFETY: `deserialize` runs whatever machine code the bytes hold, so they must be
        // what this host wrote: the cache directory belongs to the host (it lives in its data
        // directory), files appear in it only by an atomic rename after
        // `Component::serialize`, and the name pins both the source's SHA-256 and the
        // engine's compatibility hash. wasmtime still checks the header and refuses
        // artifacts from another version or configuration; we then recompile.
        match unsafe { Component::deserialize(engine, &bytes) } {
            Ok(component) => Some(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring an unusable cached component");
                None
            }
        }
    }

    pub fn store(component: &Component, path: &Path) -> std::io::Result<()> {
        let bytes = component
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_a_toolchain_flag_avoids_says_which_flag() {
        let refused = |import: &str| {
            DeployError::UnknownImport {
                import: import.to_owned(),
                detail: toolchain_hint(import).to_owned(),
            }
            .to_string()
        };
        let http = refused("wasi:http/types@0.2.10");
        assert!(http.contains("imports wasi:http/types@0.2.10"), "{http}");
        assert!(http.contains("--disable http fetch-event"), "{http}");
        let other = refused("acme:thing/api");
        assert!(!other.contains("--disable"), "{other}");
    }
}

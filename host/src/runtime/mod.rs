//! The WebAssembly sandbox, and the only place wasmtime is used: the engine, the linker,
//! deployed functions (one `InstancePre` each), and invocations (a fresh store each, with its
//! memory cap and deadline).
//!
//! It knows nothing of state machines: callers hand it JSON text and a deadline and get back
//! JSON text or an [`InvokeError`] that names what went wrong the way Lambda would.

mod bindings;
mod component;
mod engine;
mod function;
mod invoke;
mod sandbox;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker};

pub use bindings::{HANDLER_INTERFACE, WORLD_PACKAGE, WORLD_VERSION};
pub use component::{DeployError, MAX_CODE_BYTES};
pub use engine::EPOCH_TICK;
pub use function::{ConfigError, FunctionConfig, RESERVED_VARIABLES, limits};
pub use invoke::{Invocation, InvokeError, MAX_RESULT_BYTES};
pub use sandbox::{CAPTURE_BYTES, MAX_CALL_DEPTH};

use bindings::{Task, TaskPre};
use sandbox::Sandbox;

/// A failure a guest reports, or one a `call` returns to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The error name.
    pub error: String,
    /// What went wrong.
    pub cause: String,
}

impl TaskError {
    /// A task error with this name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskError {
            error: error.into(),
            cause: cause.into(),
        }
    }
}

/// Called when the guest sends a heartbeat.
pub type HeartbeatFn = Box<dyn Fn() + Send + Sync>;

/// A guest's `call` of a service integration, after the sandbox has checked that the function
/// may make it.
#[derive(Debug, Clone)]
pub struct GuestCall {
    /// The calling function.
    pub caller: String,
    /// The Resource ARN called.
    pub resource: String,
    /// The parameters, as JSON text (not yet checked).
    pub parameters: String,
    /// How many calls deep this one is (1 for a call made by a Task state's function).
    pub depth: u32,
    /// The caller's own deadline: the call should not outlive it.
    pub deadline: Instant,
}

/// Future returned by [`GuestCalls::call`].
pub type CallFuture = Pin<Box<dyn Future<Output = Result<String, TaskError>> + Send>>;

/// Where a guest's `call` goes: the service integrations. Kept as a trait so that the sandbox
/// does not depend on them (they depend on it, to run functions).
pub trait GuestCalls: Send + Sync {
    /// Performs the call in the request-response pattern.
    fn call(&self, call: GuestCall) -> CallFuture;
}

/// A deployed function: its configuration and its component, ready to instantiate.
pub struct Function {
    name: Arc<str>,
    config: Arc<FunctionConfig>,
    pre: TaskPre<Sandbox>,
    code_sha256: [u8; 32],
    code_size: usize,
    from_cache: bool,
}

impl Function {
    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How it runs.
    pub fn config(&self) -> &FunctionConfig {
        &self.config
    }

    /// SHA-256 of the deployed component.
    pub fn code_sha256(&self) -> [u8; 32] {
        self.code_sha256
    }

    /// Size of the deployed component in bytes.
    pub fn code_size(&self) -> usize {
        self.code_size
    }

    /// Whether the component's machine code was loaded from the on-disk cache instead of
    /// compiled (as after a restart).
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("name", &self.name)
            .field("config", &self.config)
            .field("code_size", &self.code_size)
            .finish_non_exhaustive()
    }
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// wasmtime refused the engine configuration (for example, no room for the instance pool).
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(String),
    /// The epoch thread could not be spawned.
    #[error("cannot start the epoch ticker: {0}")]
    Ticker(#[from] std::io::Error),
}

/// One per host: the engine, the linker and the deployed functions.
pub struct Runtime {
    engine: Engine,
    linker: Linker<Sandbox>,
    cache_dir: Option<PathBuf>,
    functions: RwLock<HashMap<String, Arc<Function>>>,
    _ticker: engine::EpochTicker,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime that caches precompiled components in `cache_dir`, if given.
    pub fn new(cache_dir: Option<PathBuf>) -> Result<Runtime, StartError> {
        let engine = engine::new_engine().map_err(|e| StartError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| StartError::Engine(format!("{e:#}")))?;
        Task::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(|e| StartError::Engine(format!("{e:#}")))?;
        let ticker = engine::EpochTicker::start(engine.clone())?;
        Ok(Runtime {
            engine,
            linker,
            cache_dir,
            functions: RwLock::new(HashMap::new()),
            _ticker: ticker,
        })
    }

    /// Checks and compiles a component without deploying it.
    pub fn check(&self, code: &[u8]) -> Result<(), DeployError> {
        component::prepare(&self.engine, &self.linker, self.cache_dir.as_deref(), code).map(drop)
    }

    /// Deploys (or replaces) function `name` with this code and configuration.
    pub fn deploy(
        &self,
        name: &str,
        code: &[u8],
        config: FunctionConfig,
    ) -> Result<Arc<Function>, DeployError> {
        check_function_name(name)?;
        config.validate().map_err(DeployError::Config)?;
        let prepared =
            component::prepare(&self.engine, &self.linker, self.cache_dir.as_deref(), code)?;
        let function = Arc::new(Function {
            name: name.into(),
            config: Arc::new(config),
            pre: prepared.pre,
            code_sha256: component::code_sha256(code),
            code_size: code.len(),
            from_cache: prepared.from_cache,
        });
        self.write().insert(name.to_owned(), function.clone());
        Ok(function)
    }

    /// Changes a deployed function's configuration, keeping its code. `None` if there is no
    /// such function.
    pub fn reconfigure(
        &self,
        name: &str,
        config: FunctionConfig,
    ) -> Result<Option<Arc<Function>>, DeployError> {
        config.validate().map_err(DeployError::Config)?;
        let mut functions = self.write();
        let Some(old) = functions.get(name) else {
            return Ok(None);
        };
        let function = Arc::new(Function {
            name: old.name.clone(),
            config: Arc::new(config),
            pre: old.pre.clone(),
            code_sha256: old.code_sha256,
            code_size: old.code_size,
            from_cache: old.from_cache,
        });
        functions.insert(name.to_owned(), function.clone());
        Ok(Some(function))
    }

    /// The deployed function of that name.
    pub fn function(&self, name: &str) -> Option<Arc<Function>> {
        self.functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    /// Every deployed function, by name.
    pub fn functions(&self) -> Vec<Arc<Function>> {
        let mut all: Vec<_> = self
            .functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Removes a function; invocations already running finish. False if there was none.
    pub fn remove(&self, name: &str) -> bool {
        self.write().remove(name).is_some()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<Function>>> {
        self.functions.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// Lambda's rule for a function name: 1 to 64 letters, digits, hyphens and underscores.
pub fn is_valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_function_name(name: &str) -> Result<(), DeployError> {
    if is_valid_function_name(name) {
        Ok(())
    } else {
        Err(DeployError::InvalidName(name.to_owned()))
    }
}

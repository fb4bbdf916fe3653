//! Functions: the Lambda fields of every deployed WebAssembly function, kept in the [`Store`]
//! (with the component's bytes, to deploy it again on start) and in memory for serving; the
//! runtime holds the compiled components.
//!
//! Must not: compile components itself (the runtime does, and refuses bad code before a
//! function is recorded) or invoke them.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::runtime::{FunctionConfig, Runtime};
use crate::store::{FunctionRecord, Store, StoreError, Write};

/// Rebuilds the runtime's configuration of a function from its stored Lambda fields.
pub fn function_config(meta: &Value) -> FunctionConfig {
    let mut config = FunctionConfig::default();
    if let Some(m) = meta["MemorySize"].as_u64() {
        config.memory_mb = m as u32;
    }
    if let Some(t) = meta["Timeout"].as_u64() {
        config.timeout_seconds = t as u32;
    }
    if let Some(vars) = meta["Environment"]["Variables"].as_object() {
        config.environment = vars
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
    }
    if let Some(list) = config.environment.get(ALLOWED_CALLS_VARIABLE) {
        config.allowed_calls = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    config
}

/// The environment variable that says what a function deployed through the Lambda API may
/// reach with `call`: ARNs, or prefixes ending in `*`, separated by commas. (Lambda decides
/// this by the function's IAM role; this host has no IAM.) Without it, no call is allowed.
pub const ALLOWED_CALLS_VARIABLE: &str = "STEPWISE_ALLOWED_CALLS";

/// Every function's Lambda fields, by name. Writes go to the store first, then to memory.
pub struct Functions {
    store: Arc<dyn Store>,
    runtime: Arc<Runtime>,
    metas: RwLock<BTreeMap<String, Value>>,
}

impl std::fmt::Debug for Functions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Functions").finish_non_exhaustive()
    }
}

impl Functions {
    /// Deploys the stored functions into `runtime`. One this host cannot load any more (a
    /// newer world version, say) is logged and left out; the rest of the host still starts.
    pub fn load(store: Arc<dyn Store>, runtime: Arc<Runtime>, stored: Vec<FunctionRecord>) -> Self {
        let mut metas = BTreeMap::new();
        for f in stored {
            match runtime.deploy(&f.name, &f.code, function_config(&f.meta)) {
                Ok(_) => {
                    metas.insert(f.name, f.meta);
                }
                Err(e) => {
                    tracing::error!(function = %f.name, error = %e, "cannot load a stored function")
                }
            }
        }
        Functions {
            store,
            runtime,
            metas: RwLock::new(metas),
        }
    }

    /// The runtime the functions are deployed in.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// A function's stored Lambda fields.
    pub fn meta(&self, name: &str) -> Option<Value> {
        self.read().get(name).cloned()
    }

    /// Every function's stored Lambda fields, by name.
    pub fn metas(&self) -> Vec<Value> {
        self.read().values().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Value>> {
        self.metas.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a function the runtime has just deployed: with its code, or (`None`) a new
    /// configuration for the code already stored.
    pub async fn put(
        &self,
        name: &str,
        code: Option<Vec<u8>>,
        meta: Value,
    ) -> Result<(), StoreError> {
        let write = match code {
            Some(code) => Write::PutFunction(FunctionRecord {
                name: name.to_owned(),
                code,
                meta: meta.clone(),
            }),
            None => Write::SetFunctionMeta {
                name: name.to_owned(),
                meta: meta.clone(),
            },
        };
        self.store.commit(vec![write]).await?;
        self.metas
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned(), meta);
        Ok(())
    }

    /// Forgets a function.
    pub async fn delete(&self, name: &str) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::DeleteFunction(name.to_owned())])
            .await?;
        self.metas
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        self.runtime.remove(name);
        Ok(())
    }
}

//! The one wasmtime [`Engine`] configuration, and the ticker that drives epoch deadlines.
//!
//! Compiling and loading precompiled components must use the same configuration (a
//! precompiled artifact only loads into an engine configured like the one that made it), so it
//! lives here and nowhere else.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. A running guest checks its deadline, and yields to the async
/// executor, once per tick: timeouts are enforced to within this, and a guest that computes
/// without end still lets the host's other work (and a Stop or a state timeout) run.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Instances the pool holds at once: the most invocations that can run concurrently. Each slot
/// only reserves address space until it is used.
const POOL_INSTANCES: u32 = 1000;

/// A Rust component has a few core instances (the program and the shims that lower WASI calls);
/// this leaves room for components from other toolchains.
const CORE_INSTANCES_PER_COMPONENT: u32 = 8;

/// A wasm32 memory cannot grow past 4 GiB, so no function's memory setting can exceed it;
/// each function's own cap (128 MB by default) is enforced by its store's limiter.
const MAX_MEMORY_BYTES: usize = 4 << 30;

/// Memory and tables kept resident in a reused slot instead of being returned to the kernel:
/// resetting them with a copy is cheaper than faulting the pages back in on every call
/// (measured on a 2-core machine: 26 µs per call without this, about 8 µs with it).
const KEEP_RESIDENT_BYTES: usize = 1 << 20;

/// The wasm stack a guest may use; a deeper recursion traps with a stack overflow. The
/// fiber the guest runs on gets this much and room for host calls on top.
const MAX_WASM_STACK: usize = 512 << 10;
const ASYNC_STACK: usize = 2 << 20;

/// Builds the engine every component is compiled for and run in.
pub fn new_engine() -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(POOL_INSTANCES)
        .total_core_instances(POOL_INSTANCES * CORE_INSTANCES_PER_COMPONENT)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .total_memories(POOL_INSTANCES * 2)
        .total_tables(POOL_INSTANCES * CORE_INSTANCES_PER_COMPONENT)
        .total_stacks(POOL_INSTANCES)
        .max_memory_size(MAX_MEMORY_BYTES)
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(KEEP_RESIDENT_BYTES)
        .pagemap_scan(Enabled::Auto);

    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        // Async component-model calls cost 1.5-2 µs more each with this on, and tasks do not
        // use the component model's own concurrency.
        .concurrency_support(false)
        .max_wasm_stack(MAX_WASM_STACK)
        .async_stack_size(ASYNC_STACK)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on a thread of its own, until dropped.
pub struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    /// Starts ticking `engine`.
    pub fn start(engine: Engine) -> std::io::Result<EpochTicker> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("stepwise-epoch".into())
            .spawn(move || {
                // Ends when the sender is dropped (Disconnected); a timeout is a tick.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                    engine.increment_epoch();
                }
            })?;
        Ok(EpochTicker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

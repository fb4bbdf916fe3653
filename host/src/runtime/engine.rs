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

/// Core instances one component may hold. A Rust component has 3 (the program, the WASI
/// adapter and the shim between them); a componentize-js 0.23 component 4; a componentize-py
/// 0.25 one 14 (CPython and each library it links dynamically, its libc, the WASI adapter
/// and the shims). Room beyond the largest for a toolchain's next release.
const CORE_INSTANCES_PER_COMPONENT: u32 = 20;

/// Core instances of all invocations at once. The pool is shared and most invocations are of
/// small components, so this budgets 8 per invocation on average (a slot costs only address
/// space until it is used); when Python invocations alone fill it, at most 570 of them run at
/// once and the next is throttled (`Lambda.TooManyRequestsException`).
const TOTAL_CORE_INSTANCES: u32 = POOL_INSTANCES * 8;

/// Linear memories of all invocations at once. Each of the three toolchains' components
/// defines one memory (CPython's libraries share it); two per invocation leaves room. Each slot
/// reserves address space for the largest memory (4 GiB and its guard), not physical memory.
const TOTAL_MEMORIES: u32 = POOL_INSTANCES * 2;

/// Tables of all invocations at once: each toolchain's components define two.
const TOTAL_TABLES: u32 = POOL_INSTANCES * 4;

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
        .total_core_instances(TOTAL_CORE_INSTANCES)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .total_memories(TOTAL_MEMORIES)
        .total_tables(TOTAL_TABLES)
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

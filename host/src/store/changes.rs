//! Which executions a durable commit changed, told to whoever watches one: the console's live
//! view of an execution. The store owns it because the store is the one place every commit
//! passes, whichever driver (or, with a shared database, whichever host) made it.
//!
//! A watcher registers the execution it watches and hears only that one's commits; a commit
//! with nobody watching costs one atomic load, so the write path pays nothing for a console
//! that is not open.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use super::Write;

/// The executions watched now, each with a counter its commits move.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Execution `seq` -> a counter of its commits; its receivers are the watches.
    watched: Mutex<HashMap<u64, watch::Sender<u64>>>,
    /// How many watches are open: none, and a commit looks no further.
    watches: AtomicUsize,
}

impl Inner {
    fn watched(&self) -> MutexGuard<'_, HashMap<u64, watch::Sender<u64>>> {
        // Plain counters: a panic elsewhere leaves nothing half-done behind.
        self.watched.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Changes {
    /// Watches the execution with this `seq` from now on.
    pub fn watch(&self, seq: u64) -> Watch {
        let mut watched = self.inner.watched();
        let rx = watched
            .entry(seq)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        self.inner.watches.fetch_add(1, Ordering::Relaxed);
        Watch {
            changes: self.inner.clone(),
            seq,
            rx,
        }
    }

    /// How many watches are open.
    pub fn watchers(&self) -> usize {
        self.inner.watches.load(Ordering::Relaxed)
    }

    /// Tells the watches of the executions `writes` changed, once they are durable.
    pub fn committed(&self, writes: &[Write]) {
        if self.inner.watches.load(Ordering::Relaxed) == 0 {
            return;
        }
        let watched = self.inner.watched();
        for w in writes {
            let seq = match w {
                Write::AppendSteps { execution, .. } => *execution,
                Write::InsertExecution(e) | Write::PutExecution(e) => e.seq,
                _ => continue,
            };
            if let Some(tx) = watched.get(&seq) {
                tx.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }
}

/// One watch of one execution; closed when dropped.
#[derive(Debug)]
pub struct Watch {
    changes: Arc<Inner>,
    seq: u64,
    rx: watch::Receiver<u64>,
}

impl Watch {
    /// Waits for a commit of the execution since the last look (at once if one came
    /// meanwhile: none is missed, several count as one).
    pub async fn changed(&mut self) {
        // The sender lives as long as this watch does: it cannot close under us.
        let _ = self.rx.changed().await;
    }

    /// Whether a commit came since the last look; looks.
    pub fn seen(&mut self) -> bool {
        let changed = self.rx.has_changed().unwrap_or(false);
        self.rx.mark_unchanged();
        changed
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut watched = self.changes.watched();
        // This watch's receiver is the last one (it goes right after this).
        if watched
            .get(&self.seq)
            .is_some_and(|tx| tx.receiver_count() == 1)
        {
            watched.remove(&self.seq);
        }
        self.changes.watches.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_execution_is_forgotten_when_its_last_watch_closes() {
        let changes = Changes::default();
        let (first, second) = (changes.watch(7), changes.watch(7));
        drop(first);
        assert_eq!(changes.inner.watched().len(), 1, "one watch is still open");
        drop(second);
        assert!(changes.inner.watched().is_empty());
        assert_eq!(changes.watchers(), 0);
    }
}

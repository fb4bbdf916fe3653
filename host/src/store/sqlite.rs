//! The embedded store: one SQLite database in the data directory, in WAL mode.
//!
//! One writer thread owns the write connection. Commits from every execution queue up while the
//! previous transaction is being synced, and the writer takes all that are waiting into the next
//! transaction (group commit), each inside its own savepoint so that one bad batch fails alone.
//! `synchronous=FULL` makes every commit an fsync of the log: a commit that has been
//! acknowledged survives a crash or power loss. Reads use their own connection, which WAL lets
//! run beside the writer.

use std::path::Path;
use std::sync::{Mutex, mpsc};
use std::thread;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;
use tokio::sync::oneshot;

use super::{
    ActivityRecord, Changes, CommitFuture, ExecutionQuery, ExecutionRecord, FunctionRecord, Loaded,
    MachineRecord, ParkRecord, StepRecord, Store, StoreError, Write, history_events,
};

/// Most batches the writer folds into one transaction; bounds the latency of the first.
const MAX_BATCHES_PER_COMMIT: usize = 4096;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS machines (arn TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS activities (arn TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS functions (name TEXT PRIMARY KEY, meta TEXT NOT NULL, code BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS definitions (id TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
    seq INTEGER PRIMARY KEY,
    arn TEXT NOT NULL UNIQUE,
    machine_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (machine_arn, seq);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status) WHERE status = 'RUNNING';
-- Rows in the order they are written, found by a small index: keyed by (execution, seq)
-- itself, every step of a running execution landed in the middle of the table, whose pages
-- split and stayed a quarter full, and each commit rewrote several of them.
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY,
    execution INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    now_ms INTEGER NOT NULL,
    event TEXT NOT NULL,
    history TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS steps_by_execution ON steps (execution, seq);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parked (
    execution INTEGER PRIMARY KEY,
    steps INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
";

struct Batch {
    writes: Vec<Write>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The SQLite store.
pub struct SqliteStore {
    writer: mpsc::Sender<Batch>,
    reader: Mutex<Connection>,
    changes: Changes,
}

fn db(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict(e.to_string()),
        _ => StoreError::Database(e.to_string()),
    }
}

fn corrupt(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn to_text<T: serde::Serialize>(value: &T) -> String {
    // Records are plain data with string keys: serialising them cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(db)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(db)?;
    // Checkpoint the log every 32 MiB instead of every 4: each checkpoint writes a page once
    // however often it changed since the last.
    conn.pragma_update(None, "wal_autocheckpoint", 8192)
        .map_err(db)?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut conn = open(path)?;
        create_schema(&mut conn)?;
        let reader = open(path)?;
        let (tx, rx) = mpsc::channel::<Batch>();
        let changes = Changes::default();
        let told = changes.clone();
        thread::Builder::new()
            .name("stepwise-store".into())
            .spawn(move || write_loop(&mut conn, rx, &told))
            .map_err(|e| StoreError::Database(format!("starting the writer thread: {e}")))?;
        Ok(SqliteStore {
            writer: tx,
            reader: Mutex::new(reader),
            changes,
        })
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn)
    }
}

/// Creates the tables, and moves the steps of a database made before steps were kept in
/// write order into the new table (once, in the same transaction: a crash midway leaves the
/// database as it was).
fn create_schema(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(db)?;
    let keyed: Option<String> = tx
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'steps'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    let keyed = keyed.is_some_and(|sql| sql.contains("WITHOUT ROWID"));
    if keyed {
        tx.execute_batch("ALTER TABLE steps RENAME TO steps_by_key")
            .map_err(db)?;
    }
    tx.execute_batch(SCHEMA).map_err(db)?;
    if keyed {
        tx.execute_batch(
            "INSERT INTO steps (execution, seq, now_ms, event, history)
                 SELECT execution, seq, now_ms, event, history FROM steps_by_key
                 ORDER BY execution, seq;
             DROP TABLE steps_by_key;",
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

fn write_loop(conn: &mut Connection, rx: mpsc::Receiver<Batch>, changes: &Changes) {
    while let Ok(first) = rx.recv() {
        let mut batches = vec![first];
        while batches.len() < MAX_BATCHES_PER_COMMIT {
            match rx.try_recv() {
                Ok(b) => batches.push(b),
                Err(_) => break,
            }
        }
        let began = std::time::Instant::now();
        let results = commit_batches(conn, &batches);
        crate::metrics::committed(batches.len(), began.elapsed());
        for (batch, result) in batches.into_iter().zip(results) {
            if result.is_ok() {
                changes.committed(&batch.writes);
            }
            // The committer may have gone away (its request was dropped): nothing to tell.
            let _ = batch.done.send(result);
        }
    }
}

/// Commits every batch in one transaction; a batch that fails is rolled back alone.
fn commit_batches(conn: &mut Connection, batches: &[Batch]) -> Vec<Result<(), StoreError>> {
    // The common case: every batch is good, and one transaction without savepoints holds them
    // all (a savepoint per batch costs as much as the batch's own rows).
    if commit_all(conn, batches).is_ok() {
        return vec![Ok(()); batches.len()];
    }
    // Some batch is bad (or the disk is): again, each batch in a savepoint of its own.
    let n = batches.len();
    let failed_all = |e: rusqlite::Error| vec![Err(db(e)); n];
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return failed_all(e),
    };
    let results = batches
        .iter()
        .map(|batch| apply_batch(&mut tx, &batch.writes))
        .collect();
    match tx.commit() {
        Ok(()) => results,
        Err(e) => failed_all(e),
    }
}

fn commit_all(conn: &mut Connection, batches: &[Batch]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for batch in batches {
        for w in &batch.writes {
            apply(&tx, w)?;
        }
    }
    tx.commit()
}

fn apply_batch(tx: &mut Transaction<'_>, writes: &[Write]) -> Result<(), StoreError> {
    let sp = tx.savepoint().map_err(db)?;
    for w in writes {
        // Dropping the savepoint on error rolls this batch back.
        apply(&sp, w).map_err(db)?;
    }
    sp.commit().map_err(db)
}

fn apply(conn: &Connection, write: &Write) -> rusqlite::Result<()> {
    match write {
        Write::PutMachine(m) => {
            conn.prepare_cached("INSERT OR REPLACE INTO machines (arn, record) VALUES (?1, ?2)")?
                .execute(params![m.arn, to_text(&m)])?;
        }
        Write::DeleteMachine(arn) => {
            conn.prepare_cached("DELETE FROM machines WHERE arn = ?1")?
                .execute(params![arn])?;
        }
        Write::PutActivity(a) => {
            conn.prepare_cached("INSERT OR REPLACE INTO activities (arn, record) VALUES (?1, ?2)")?
                .execute(params![a.arn, to_text(&a)])?;
        }
        Write::DeleteActivity(arn) => {
            conn.prepare_cached("DELETE FROM activities WHERE arn = ?1")?
                .execute(params![arn])?;
        }
        Write::PutFunction(f) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO functions (name, meta, code) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![f.name, to_text(&f.meta), f.code])?;
        }
        Write::SetFunctionMeta { name, meta } => {
            conn.prepare_cached("UPDATE functions SET meta = ?2 WHERE name = ?1")?
                .execute(params![name, to_text(&meta)])?;
        }
        Write::DeleteFunction(name) => {
            conn.prepare_cached("DELETE FROM functions WHERE name = ?1")?
                .execute(params![name])?;
        }
        Write::PutDefinition { id, text } => {
            conn.prepare_cached("INSERT OR IGNORE INTO definitions (id, text) VALUES (?1, ?2)")?
                .execute(params![id, text])?;
        }
        // No REPLACE for a new execution: its ARN is unique for good, and the UNIQUE
        // constraint is what enforces it.
        Write::InsertExecution(e) => put_execution(
            conn,
            "INSERT INTO executions (seq, arn, machine_arn, status, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            e,
        )?,
        // An update in place when the row exists: an execution's ARN and where it is listed
        // never change, so their indexes are left alone (a REPLACE would delete and insert
        // the row again, and dirty a page of each index).
        Write::PutExecution(e) => put_execution(
            conn,
            "INSERT INTO executions (seq, arn, machine_arn, status, record) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (seq) DO UPDATE SET status = excluded.status, record = excluded.record",
            e,
        )?,
        Write::AppendSteps { execution, steps } => {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO steps (execution, seq, now_ms, event, history) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for s in steps {
                stmt.execute(params![
                    *execution as i64,
                    s.seq as i64,
                    s.now_ms,
                    s.event,
                    s.history
                ])?;
            }
        }
        Write::Park(p) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO parked (execution, steps, record) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![p.execution as i64, p.steps as i64, to_text(p)])?;
        }
        Write::Unpark(execution) => {
            conn.prepare_cached("DELETE FROM parked WHERE execution = ?1")?
                .execute(params![*execution as i64])?;
        }
        Write::PutSetting { key, value } => {
            conn.prepare_cached("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")?
                .execute(params![key, value])?;
        }
        Write::PutObject { kind, key, value } => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO objects (kind, key, value) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![kind, key, value])?;
        }
        Write::DeleteObject { kind, key } => {
            conn.prepare_cached("DELETE FROM objects WHERE kind = ?1 AND key = ?2")?
                .execute(params![kind, key])?;
        }
    }
    Ok(())
}

fn put_execution(conn: &Connection, sql: &str, e: &ExecutionRecord) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute(params![
        e.seq as i64,
        e.arn,
        e.listed_under(),
        e.status.as_str(),
        to_text(e)
    ])?;
    Ok(())
}

fn records<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    what: &str,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare(sql).map_err(db)?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(db)?;
    let mut out = Vec::new();
    for text in rows {
        out.push(serde_json::from_str(&text.map_err(db)?).map_err(|e| corrupt(what, e))?);
    }
    Ok(out)
}

fn execution_from(text: &str) -> Result<ExecutionRecord, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("an execution", e))
}

fn steps_of(conn: &Connection, execution: u64) -> Result<Vec<StepRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, now_ms, event, history FROM steps WHERE execution = ?1 ORDER BY seq",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![execution as i64], |row| {
            Ok(StepRecord {
                seq: row.get::<_, i64>(0)? as u64,
                now_ms: row.get(1)?,
                event: row.get(2)?,
                history: row.get(3)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

impl Store for SqliteStore {
    fn commit(&self, writes: Vec<Write>) -> CommitFuture {
        let (done, rx) = oneshot::channel();
        let sent = self.writer.send(Batch { writes, done });
        Box::pin(async move {
            sent.map_err(|_| StoreError::Closed)?;
            rx.await.map_err(|_| StoreError::Closed)?
        })
    }

    fn load(&self) -> Result<Loaded, StoreError> {
        self.read(|conn| {
            let machines: Vec<MachineRecord> =
                records(conn, "SELECT record FROM machines", "a state machine")?;
            let activities: Vec<ActivityRecord> =
                records(conn, "SELECT record FROM activities", "an activity")?;
            let mut functions = Vec::new();
            let mut stmt = conn
                .prepare("SELECT name, meta, code FROM functions")
                .map_err(db)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Vec<u8>>(2)?,
                    ))
                })
                .map_err(db)?;
            for row in rows {
                let (name, meta, code) = row.map_err(db)?;
                let meta = serde_json::from_str(&meta).map_err(|e| corrupt("a function", e))?;
                functions.push(FunctionRecord { name, code, meta });
            }
            // A parked record holds while its execution has the steps it had then.
            let parks: Vec<ParkRecord> = records(
                conn,
                "SELECT p.record FROM parked p JOIN executions e ON e.seq = p.execution
                 WHERE e.status = 'RUNNING' AND p.steps =
                     (SELECT COALESCE(MAX(s.seq) + 1, 0) FROM steps s WHERE s.execution = p.execution)
                 ORDER BY p.execution",
                "a parked execution",
            )?;
            // Both in seq order: each running record meets its parked record, if any, in turn.
            let mut parks = parks.into_iter().peekable();
            // Row by row into where each goes: a restart may hold a hundred thousand of them.
            let mut stmt = conn
                .prepare("SELECT record FROM executions WHERE status = 'RUNNING' ORDER BY seq")
                .map_err(db)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
            let mut running = Vec::new();
            let mut parked = Vec::with_capacity(parks.len());
            for text in rows {
                let e = execution_from(&text.map_err(db)?)?;
                match parks.next_if(|p| p.execution == e.seq) {
                    Some(park) => parked.push((e, park)),
                    None => {
                        let steps = steps_of(conn, e.seq)?;
                        running.push((e, steps));
                    }
                }
            }
            let last_execution_seq = conn
                .query_row("SELECT COALESCE(MAX(seq), 0) FROM executions", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(db)? as u64;
            let mut settings = std::collections::BTreeMap::new();
            let mut stmt = conn
                .prepare("SELECT key, value FROM settings")
                .map_err(db)?;
            let rows = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(db)?;
            for row in rows {
                let (k, v): (String, String) = row.map_err(db)?;
                settings.insert(k, v);
            }
            let mut objects: std::collections::BTreeMap<_, std::collections::BTreeMap<_, _>> =
                std::collections::BTreeMap::new();
            let mut stmt = conn
                .prepare("SELECT kind, key, value FROM objects")
                .map_err(db)?;
            let rows = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .map_err(db)?;
            for row in rows {
                let (kind, key, value): (String, String, String) = row.map_err(db)?;
                objects.entry(kind).or_default().insert(key, value);
            }
            Ok(Loaded {
                machines,
                activities,
                functions,
                running,
                parked,
                last_execution_seq,
                settings,
                objects,
            })
        })
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        self.read(|conn| {
            let text: Option<String> = conn
                .prepare_cached("SELECT record FROM executions WHERE arn = ?1")
                .map_err(db)?
                .query_row(params![arn], |r| r.get(0))
                .optional()
                .map_err(db)?;
            text.map(|t| execution_from(&t)).transpose()
        })
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError> {
        self.read(|conn| {
            let below = query.before_seq.map_or(i64::MAX, |s| s as i64);
            let status = query.status.map(|s| s.as_str());
            let mut stmt = conn
                .prepare_cached(
                    "SELECT record FROM executions
                     WHERE machine_arn = ?1 AND seq < ?2 AND (?3 IS NULL OR status = ?3)
                     ORDER BY seq DESC LIMIT ?4",
                )
                .map_err(db)?;
            let rows = stmt
                .query_map(
                    params![query.machine_arn, below, status, query.limit as i64],
                    |r| r.get::<_, String>(0),
                )
                .map_err(db)?;
            let mut out = Vec::new();
            for text in rows {
                out.push(execution_from(&text.map_err(db)?)?);
            }
            Ok(out)
        })
    }

    fn history(&self, execution: u64) -> Result<Vec<Value>, StoreError> {
        self.read(|conn| {
            let mut events = Vec::new();
            for step in steps_of(conn, execution)? {
                events.extend(history_events(&step.history)?);
            }
            Ok(events)
        })
    }

    fn steps(&self, execution: u64) -> Result<Vec<StepRecord>, StoreError> {
        self.read(|conn| steps_of(conn, execution))
    }

    fn definition(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached("SELECT text FROM definitions WHERE id = ?1")
                .map_err(db)?
                .query_row(params![id], |r| r.get(0))
                .optional()
                .map_err(db)
        })
    }

    fn changes(&self) -> &Changes {
        &self.changes
    }
}

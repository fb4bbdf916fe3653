//! The store contract, checked against both implementations.

use std::collections::BTreeMap;

use serde_json::json;

use super::memory::MemoryStore;
use super::sqlite::SqliteStore;
use super::*;

fn machine(name: &str) -> MachineRecord {
    MachineRecord {
        arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}"),
        name: name.into(),
        definition: r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#.into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        kind: MachineType::Standard,
        created_ms: 1,
        updated_ms: None,
        revision_id: "r1".into(),
        description: None,
        logging: None,
        tracing: None,
        tags: BTreeMap::from([("team".into(), "core".into())]),
        version_of: None,
        next_version: 0,
    }
}

fn execution(seq: u64, machine: &str, status: ExecutionStatus) -> ExecutionRecord {
    ExecutionRecord {
        seq,
        arn: format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:e{seq}"),
        name: format!("e{seq}"),
        machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"),
        definition_id: "d".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        seed: seq,
        status,
        input: "{}".into(),
        output: None,
        error: None,
        cause: None,
        start_ms: seq as i64,
        stop_ms: None,
        test_case: None,
        version_arn: None,
        alias_arn: None,
        redrive_count: 0,
        redrive_ms: None,
        map_run: None,
    }
}

fn step(seq: u64, events: serde_json::Value) -> StepRecord {
    StepRecord {
        seq,
        now_ms: seq as i64,
        event: "\"Start\"".into(),
        history: events.to_string(),
    }
}

/// A watch of an execution hears its commits once they are durable, and nothing of other
/// executions' or of writes that touch no execution.
fn changes_are_told_once_durable(store: &dyn Store) {
    let mut watched = store.changes().watch(40);
    let mut other = store.changes().watch(41);
    assert_eq!(store.changes().watchers(), 2);
    block(store.commit(vec![Write::PutSetting {
        key: "quiet".into(),
        value: "1".into(),
    }]))
    .unwrap();
    assert!(!watched.seen(), "a setting changes no execution");
    block(store.commit(vec![
        Write::InsertExecution(execution(40, "watched", ExecutionStatus::Running)),
        Write::AppendSteps {
            execution: 40,
            steps: vec![step(0, json!([{"id": 1}]))],
        },
    ]))
    .unwrap();
    // What the watcher then reads is what was told.
    assert!(watched.seen());
    assert_eq!(store.history(40).unwrap(), vec![json!({"id": 1})]);
    assert!(!watched.seen(), "seen once");
    assert!(!other.seen(), "another execution's commit");
    block(store.commit(vec![Write::AppendSteps {
        execution: 40,
        steps: vec![step(1, json!([{"id": 2}]))],
    }]))
    .unwrap();
    block(watched.changed());
    drop((watched, other));
    assert_eq!(store.changes().watchers(), 0);
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn contract(store: &dyn Store) {
    use ExecutionStatus::*;
    let m = machine("m");
    let mut writes = vec![
        Write::PutMachine(m.clone()),
        Write::PutDefinition {
            id: definition_id("x"),
            text: "x".into(),
        },
        Write::PutDefinition {
            id: definition_id("x"),
            text: "ignored: same id".into(),
        },
        Write::PutSetting {
            key: "k".into(),
            value: "v".into(),
        },
    ];
    for seq in 1..=5 {
        let status = if seq % 2 == 0 { Succeeded } else { Running };
        writes.push(Write::PutExecution(execution(seq, "m", status)));
    }
    writes.push(Write::PutExecution(execution(6, "other", Running)));
    writes.push(Write::AppendSteps {
        execution: 1,
        steps: vec![step(0, json!([{"id": 1}, {"id": 2}])), step(1, json!([]))],
    });
    writes.push(Write::AppendSteps {
        execution: 1,
        steps: vec![step(2, json!([{"id": 3}]))],
    });
    for (kind, key) in [
        ("sqs.queue", "q"),
        ("sqs.message", "m1"),
        ("sqs.message", "m2"),
    ] {
        writes.push(Write::PutObject {
            kind: kind.into(),
            key: key.into(),
            value: format!("{kind}/{key}"),
        });
    }
    writes.push(Write::DeleteObject {
        kind: "sqs.message".into(),
        key: "m1".into(),
    });
    block(store.commit(writes)).unwrap();

    let loaded = store.load().unwrap();
    let messages: Vec<(&String, &String)> = loaded.objects["sqs.message"].iter().collect();
    assert_eq!(messages, [(&"m2".to_owned(), &"sqs.message/m2".to_owned())]);
    assert_eq!(loaded.objects["sqs.queue"]["q"], "sqs.queue/q");
    assert_eq!(loaded.machines, vec![m]);
    assert_eq!(loaded.last_execution_seq, 6);
    assert_eq!(loaded.settings["k"], "v");
    let running: Vec<u64> = loaded.running.iter().map(|(e, _)| e.seq).collect();
    assert_eq!(running, vec![1, 3, 5, 6]);
    assert_eq!(loaded.running[0].1.len(), 3);
    assert_eq!(store.definition(&definition_id("x")).unwrap().unwrap(), "x");
    assert_eq!(store.definition("nope").unwrap(), None);

    let query = |status, before_seq, limit| ExecutionQuery {
        machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
        status,
        before_seq,
        limit,
    };
    let seqs = |q| -> Vec<u64> {
        store
            .executions(&q)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert_eq!(seqs(query(None, None, 10)), vec![5, 4, 3, 2, 1]);
    assert_eq!(seqs(query(None, Some(4), 2)), vec![3, 2]);
    assert_eq!(seqs(query(Some(Running), None, 10)), vec![5, 3, 1]);
    assert_eq!(seqs(query(Some(Succeeded), Some(4), 10)), vec![2]);

    let e1 = &execution(1, "m", Running).arn;
    assert_eq!(
        store.history(1).unwrap(),
        vec![json!({"id": 1}), json!({"id": 2}), json!({"id": 3})]
    );
    assert!(store.history(99).unwrap().is_empty());
    assert_eq!(store.steps(1).unwrap().len(), 3);
    assert!(store.steps(99).unwrap().is_empty());
    assert_eq!(store.execution(e1).unwrap().unwrap().seed, 1);

    // Ending an execution replaces its record.
    let mut done = execution(1, "m", Succeeded);
    done.output = Some("{\"ok\":true}".into());
    block(store.commit(vec![Write::PutExecution(done.clone())])).unwrap();
    assert_eq!(store.execution(e1).unwrap(), Some(done));
    assert_eq!(seqs(query(Some(Running), None, 10)), vec![5, 3]);

    // An execution's ARN is taken for good: inserting it again fails the whole batch.
    let again = block(store.commit(vec![
        Write::InsertExecution(execution(9, "m", Running)),
        Write::PutSetting {
            key: "k".into(),
            value: "changed".into(),
        },
        Write::InsertExecution(execution(1, "m", Running)),
    ]));
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.load().unwrap().settings["k"], "v");
    assert_eq!(
        store.execution(&execution(9, "m", Running).arn).unwrap(),
        None
    );

    block(store.commit(vec![Write::DeleteMachine(machine("m").arn)])).unwrap();
    assert!(store.load().unwrap().machines.is_empty());

    changes_are_told_once_durable(store);
    parked_records_hold_until_the_next_step(store);
}

/// A parked execution's record is loaded instead of its steps, until a step follows it.
fn parked_records_hold_until_the_next_step(store: &dyn Store) {
    let (kept, stepped, ended) = (
        execution(101, "park", ExecutionStatus::Running),
        execution(102, "park", ExecutionStatus::Running),
        execution(103, "park", ExecutionStatus::Running),
    );
    let park = |e: &ExecutionRecord, steps: u64| ParkRecord {
        execution: e.seq,
        steps,
        next_timer_ms: Some(86_400_000),
        queued: vec![QueuedActivityTask {
            activity: "work".into(),
            token: format!("token-{}", e.seq),
            input: "{\"n\":1}".into(),
        }],
    };
    let mut writes = Vec::new();
    for e in [&kept, &stepped, &ended] {
        writes.push(Write::InsertExecution(e.clone()));
        writes.push(Write::AppendSteps {
            execution: e.seq,
            steps: vec![step(0, json!([{"type": "ExecutionStarted"}]))],
        });
        writes.push(Write::Park(park(e, 1)));
    }
    block(store.commit(writes)).unwrap();
    // One steps on (woken, and not parked since); one ends.
    let mut done = ended.clone();
    done.status = ExecutionStatus::Succeeded;
    block(store.commit(vec![
        Write::AppendSteps {
            execution: stepped.seq,
            steps: vec![step(1, json!([{"type": "TaskStateEntered"}]))],
        },
        Write::PutExecution(done),
        Write::Unpark(ended.seq),
    ]))
    .unwrap();
    let loaded = store.load().unwrap();
    let parked: Vec<_> = loaded
        .parked
        .iter()
        .map(|(e, p)| (e.seq, p.clone()))
        .collect();
    assert_eq!(parked, [(kept.seq, park(&kept, 1))]);
    let running: Vec<_> = loaded
        .running
        .iter()
        .filter(|(e, _)| e.machine_arn.ends_with(":park"))
        .map(|(e, steps)| (e.seq, steps.len()))
        .collect();
    assert_eq!(
        running,
        [(stepped.seq, 2)],
        "a stale record is replayed instead"
    );
}

#[test]
fn memory_store_keeps_the_contract() {
    contract(&MemoryStore::new());
}

#[test]
fn sqlite_store_keeps_the_contract() {
    let dir = tempdir("contract");
    contract(&SqliteStore::open(&dir.join("db")).unwrap());
}

#[test]
fn sqlite_store_keeps_everything_across_a_reopen() {
    let dir = tempdir("reopen");
    let path = dir.join("db");
    {
        let store = SqliteStore::open(&path).unwrap();
        let f = FunctionRecord {
            name: "f".into(),
            code: vec![0, 97, 115, 109],
            meta: json!({"MemorySize": 256}),
        };
        block(store.commit(vec![
            Write::PutFunction(f),
            Write::PutExecution(execution(7, "m", ExecutionStatus::Running)),
            Write::AppendSteps {
                execution: 7,
                steps: vec![step(0, json!([{"id": 1}]))],
            },
        ]))
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded.functions[0].code, vec![0, 97, 115, 109]);
    assert_eq!(loaded.functions[0].meta, json!({"MemorySize": 256}));
    assert_eq!(loaded.running[0].0.seq, 7);
    assert_eq!(loaded.running[0].1, vec![step(0, json!([{"id": 1}]))]);
}

/// A database whose steps were keyed by (execution, seq), as before they were kept in write
/// order, opens with its steps moved, and steps go on from where they were.
#[test]
fn sqlite_store_moves_steps_of_the_earlier_shape() {
    let dir = tempdir("steps-shape");
    let path = dir.join("db");
    {
        let store = SqliteStore::open(&path).unwrap();
        block(store.commit(vec![
            Write::PutExecution(execution(7, "m", ExecutionStatus::Running)),
            Write::AppendSteps {
                execution: 7,
                steps: vec![step(0, json!([{"id": 1}])), step(1, json!([{"id": 2}]))],
            },
        ]))
        .unwrap();
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE steps_by_key (
                 execution INTEGER NOT NULL, seq INTEGER NOT NULL, now_ms INTEGER NOT NULL,
                 event TEXT NOT NULL, history TEXT NOT NULL, PRIMARY KEY (execution, seq)
             ) WITHOUT ROWID;
             INSERT INTO steps_by_key SELECT execution, seq, now_ms, event, history FROM steps;
             DROP TABLE steps;
             ALTER TABLE steps_by_key RENAME TO steps;",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.steps(7).unwrap(),
        vec![step(0, json!([{"id": 1}])), step(1, json!([{"id": 2}]))]
    );
    let append = |seq| Write::AppendSteps {
        execution: 7,
        steps: vec![step(seq, json!([{"id": seq + 1}]))],
    };
    block(store.commit(vec![append(2)])).unwrap();
    // The key still refuses a step written twice.
    assert!(matches!(
        block(store.commit(vec![append(1)])),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.steps(7).unwrap().len(), 3);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'steps'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!sql.contains("WITHOUT ROWID"), "{sql}");
}

#[test]
fn a_failing_batch_does_not_take_its_neighbours_down() {
    let dir = tempdir("savepoint");
    let store = SqliteStore::open(&dir.join("db")).unwrap();
    let append = |seq| Write::AppendSteps {
        execution: 1,
        steps: vec![step(seq, json!([{"id": seq}]))],
    };
    block(store.commit(vec![
        Write::PutExecution(execution(1, "m", ExecutionStatus::Running)),
        append(0),
    ]))
    .unwrap();
    // Queued together, these land in one transaction; the duplicate step fails alone.
    let (a, b, c) = block(async {
        let a = store.commit(vec![append(1)]);
        let b = store.commit(vec![append(2), append(0)]);
        let c = store.commit(vec![append(3)]);
        (a.await, b.await, c.await)
    });
    assert!(a.is_ok() && c.is_ok(), "{a:?} {c:?}");
    assert!(matches!(b, Err(StoreError::Conflict(_))), "{b:?}");
    let ids: Vec<_> = store
        .history(1)
        .unwrap()
        .into_iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![0, 1, 3]);
}

/// A fresh directory under the system temp dir, removed first if a previous run left it.
fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwise-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

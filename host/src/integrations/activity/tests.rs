//! Tests of `activity`.

use super::*;

/// A poll's deadline, `wait` from now.
fn within(wait: Duration) -> tokio::time::Instant {
    tokio::time::Instant::now() + wait
}

fn task(n: u32) -> ActivityTask {
    ActivityTask {
        token: format!("t{n}"),
        input: format!("{{\"n\":{n}}}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_waiting_worker_takes_a_task_scheduled_later() {
    let queues = Arc::new(ActivityQueues::default());
    queues.open("a");
    let q = queues.clone();
    let worker = tokio::spawn(async move { q.take("a", within(MAX_POLL)).await });
    tokio::task::yield_now().await;
    queues.schedule("a", task(1)).unwrap();
    assert_eq!(worker.await.unwrap().unwrap(), Some(task(1)));
}

#[tokio::test(start_paused = true)]
async fn a_task_is_queued_once_handed_out_oldest_first_and_withdrawn_ones_are_skipped() {
    let queues = ActivityQueues::default();
    queues.open("a");
    for n in [1, 2, 1, 3] {
        queues.schedule("a", task(n)).unwrap();
    }
    assert_eq!(queues.depths(), [("a".to_string(), 3)]);
    queues.withdraw("a", "t2");
    assert_eq!(
        queues.take("a", within(MAX_POLL)).await.unwrap(),
        Some(task(1))
    );
    assert_eq!(
        queues.take("a", within(MAX_POLL)).await.unwrap(),
        Some(task(3))
    );
    let start = tokio::time::Instant::now();
    assert_eq!(
        queues
            .take("a", within(Duration::from_secs(5)))
            .await
            .unwrap(),
        None
    );
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    // Taken, it may be queued again (its execution rebuilt before the worker told it).
    queues.schedule("a", task(1)).unwrap();
    assert_eq!(
        queues.take("a", within(MAX_POLL)).await.unwrap(),
        Some(task(1))
    );
}

#[tokio::test(start_paused = true)]
async fn a_queue_mostly_withdrawn_is_compacted() {
    let queues = ActivityQueues::default();
    queues.open("a");
    for n in 0..1_000 {
        queues.schedule("a", task(n)).unwrap();
    }
    for n in 0..999 {
        queues.withdraw("a", &format!("t{n}"));
    }
    let queue = queues.queue("a").unwrap();
    assert!(
        queue.lock().order.len() < 100,
        "withdrawn entries are dropped"
    );
    assert_eq!(
        queues.take("a", within(MAX_POLL)).await.unwrap(),
        Some(task(999))
    );
}

#[tokio::test]
async fn unknown_and_deleted_activities() {
    let queues = ActivityQueues::default();
    assert!(queues.take("nope", within(Duration::ZERO)).await.is_err());
    assert!(queues.schedule("nope", task(1)).is_err());
    queues.open("a");
    queues.schedule("a", task(1)).unwrap();
    queues.schedule("a", task(2)).unwrap();
    assert_eq!(
        queues.close("a"),
        [task(1), task(2)],
        "what waited is given back"
    );
    assert!(queues.schedule("a", task(3)).is_err());
}

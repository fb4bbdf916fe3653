//! Tests of `activity`.

use super::*;

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
    let worker = tokio::spawn(async move { q.take("a", Some("w1".into()), MAX_POLL).await });
    tokio::task::yield_now().await;
    let taken_by = queues.schedule("a", task(1)).await.unwrap();
    assert_eq!(taken_by.as_deref(), Some("w1"));
    assert_eq!(worker.await.unwrap().unwrap(), Some(task(1)));
}

#[tokio::test(start_paused = true)]
async fn withdrawn_tasks_are_skipped_and_an_empty_poll_times_out() {
    let queues = Arc::new(ActivityQueues::default());
    queues.open("a");
    let q = queues.clone();
    let withdrawn = tokio::spawn(async move { q.schedule("a", task(1)).await });
    tokio::task::yield_now().await;
    withdrawn.abort();
    let _ = withdrawn.await;
    let q = queues.clone();
    let kept = tokio::spawn(async move { q.schedule("a", task(2)).await });
    tokio::task::yield_now().await;
    let got = queues.take("a", None, MAX_POLL).await.unwrap();
    assert_eq!(got, Some(task(2)));
    assert_eq!(kept.await.unwrap().unwrap(), None);
    let start = tokio::time::Instant::now();
    assert_eq!(
        queues
            .take("a", None, Duration::from_secs(5))
            .await
            .unwrap(),
        None
    );
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test]
async fn unknown_and_deleted_activities() {
    let queues = ActivityQueues::default();
    assert!(queues.take("nope", None, Duration::ZERO).await.is_err());
    assert!(queues.schedule("nope", task(1)).await.is_err());
}

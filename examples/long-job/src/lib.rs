//! Works through a batch slowly, sending a heartbeat after each item so that the state's
//! HeartbeatSeconds does not expire while the whole job takes longer than that.
use std::time::Duration;

use serde::{Deserialize, Serialize};
use stepwise_guest::{Context, TaskError};

#[derive(Deserialize)]
struct Job {
    items: Vec<String>,
    #[serde(default = "default_ms_per_item")]
    ms_per_item: u64,
}

fn default_ms_per_item() -> u64 {
    500
}

#[derive(Serialize)]
struct Report {
    processed: Vec<String>,
    heartbeats: usize,
}

fn handler(job: Job, ctx: &Context) -> Result<Report, TaskError> {
    let mut processed = Vec::with_capacity(job.items.len());
    for item in job.items {
        if ctx.remaining() < Duration::from_millis(job.ms_per_item) {
            return Err(TaskError::new(
                "OutOfTime",
                format!("stopped before {item}: not enough time left"),
            ));
        }
        // Stands in for real work on the item.
        std::thread::sleep(Duration::from_millis(job.ms_per_item));
        processed.push(item.to_uppercase());
        ctx.heartbeat();
    }
    let heartbeats = processed.len();
    Ok(Report {
        processed,
        heartbeats,
    })
}

stepwise_guest::export_task!(handler);

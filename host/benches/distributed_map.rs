//! A Distributed Map over a JSON Lines object in S3 (`moto_server` on loopback, as the tests
//! start it), Express children with one Pass state each, MaxConcurrency 1000: items per
//! second from StartExecution to the parent's end, and the process's peak memory (VmHWM,
//! reset once the object is put, so that it is the Map Run's), for 10,000, 100,000 and
//! 1,000,000 items, so that what grows with the item count shows; then 100,000 again with a
//! ResultWriter (JSON Lines, COMPACT) writing the results to S3. The parent is a Standard
//! execution on SQLite (fsync per group commit), as `serve` runs it.
//!
//! `cargo bench -p stepwise --bench distributed_map` (needs `moto[server]`: `.ci/run`
//! installs it).

#[path = "../tests/all/moto.rs"]
mod moto;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_credential_types::provider::SharedCredentialsProvider;
use serde_json::{Value, json};
use stepwise::host::{Host, HostConfig};
use stepwise::integrations::aws::endpoint::Endpoints;
use stepwise::integrations::aws::{AwsClient, AwsConfig};
use stepwise::store::sqlite::SqliteStore;
use support::Conn;

// The allocator `stepwise serve` runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BUCKET: &str = "bench-items";

fn aws(endpoint: &str) -> AwsConfig {
    AwsConfig {
        region: Some("us-east-1".into()),
        endpoints: Endpoints {
            default: Some(endpoint.to_owned()),
            ..Endpoints::default()
        },
        credentials: Some(SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("testing", "testing", None, None, "bench"),
        )),
        attempt_timeout: Some(Duration::from_secs(60)),
        forward: Vec::new(),
    }
}

/// kB of the process's memory: `VmHWM` (its peak) or `VmRSS` (now).
fn memory_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn call(conn: &mut Conn, action: &str, body: Value) -> Value {
    let (status, answer) = conn.call(action, &body.to_string()).await;
    let answer: Value = serde_json::from_slice(answer).unwrap_or(Value::Null);
    assert_eq!(status, 200, "{action}: {answer}");
    answer
}

/// Puts an object of `n` JSON lines and runs a Distributed Map over it (its results written
/// to S3 if `write`); the seconds it took.
async fn run(endpoint: &str, conn: &mut Conn, n: usize, write: bool) -> f64 {
    let key = format!("items-{n}.jsonl");
    put_items(endpoint, &key, n);
    let mut definition = json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "Label": "Items", "MaxConcurrency": 1000, "ResultPath": null, "End": true,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "JSONL"},
                       "Parameters": {"Bucket": BUCKET, "Key": key}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": true}}}
    }}});
    if write {
        definition["States"]["Map"]["ResultWriter"] = json!({
            "Resource": "arn:aws:states:::s3:putObject",
            "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"},
            "Parameters": {"Bucket": BUCKET, "Prefix": "results"}});
    }
    let machine = call(
        conn,
        "CreateStateMachine",
        json!({"name": format!("map-{n}-{write}"), "roleArn": "arn:aws:iam::123456789012:role/bench",
               "definition": definition.to_string()}),
    )
    .await["stateMachineArn"]
        .as_str()
        .unwrap()
        .to_owned();
    // The peak from here on is the Map Run's, not the object's put.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let began = Instant::now();
    let execution = call(
        conn,
        "StartExecution",
        json!({"stateMachineArn": machine, "input": "{}"}),
    )
    .await["executionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    loop {
        let d = call(
            conn,
            "DescribeExecution",
            json!({"executionArn": execution}),
        )
        .await;
        match d["status"].as_str() {
            Some("RUNNING") => tokio::time::sleep(Duration::from_millis(20)).await,
            Some("SUCCEEDED") => break,
            other => panic!("the map ended {other:?}: {d}"),
        }
    }
    began.elapsed().as_secs_f64()
}

fn main() {
    let runtime = support::runtime();
    let endpoint = moto::moto();
    runtime.block_on(async {
        let dir = tempdir();
        let store = Arc::new(SqliteStore::open(&dir.join("stepwise.db")).expect("store"));
        let server = Host::start(
            store,
            HostConfig {
                aws: aws(endpoint),
                ..HostConfig::default()
            },
        )
        .await
        .expect("server");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = format!("http://{}/", listener.local_addr().unwrap());
        let serving = server.clone();
        tokio::spawn(async move {
            let _ = stepwise::api::serve(listener, serving, std::future::pending()).await;
        });
        let client = AwsClient::new(aws(endpoint), "us-east-1");
        let s3 = stepwise_aws::service("s3").unwrap().unwrap();
        client
            .call(
                &s3,
                s3.operation("createBucket").unwrap(),
                &json!({"Bucket": BUCKET}),
                None,
                None,
            )
            .await
            .expect("the bucket");
        let mut conn = Conn::open(&api).await;
        println!("before: rss {} MB", memory_kb("VmRSS:") / 1024);
        for (n, write) in [
            (10_000, false),
            (100_000, false),
            (1_000_000, false),
            (100_000, true),
        ] {
            let cpu = support::cpu_seconds();
            let seconds = run(endpoint, &mut conn, n, write).await;
            let cpu = support::cpu_seconds() - cpu;
            let writer = if write { ", ResultWriter" } else { "" };
            println!(
                "distributed map, {n} JSONL items, Express children (a Pass each){writer}: {seconds:.2} s = {:.0} items/s ({:.0} items per CPU second), peak memory {} MB, rss after {} MB, load {}",
                n as f64 / seconds,
                n as f64 / cpu,
                memory_kb("VmHWM:") / 1024,
                memory_kb("VmRSS:") / 1024,
                support::load_average()
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}

/// Puts an object of `n` JSON lines from another process (boto3, which `moto[server]`
/// brings), so that this one's peak memory is the Map Run's, not the object's.
fn put_items(endpoint: &str, key: &str, n: usize) {
    let script = format!(
        "import boto3\n\
         s3 = boto3.client('s3', endpoint_url='{endpoint}', region_name='us-east-1',\n\
             aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         body = ''.join('{{\"id\":%d,\"sku\":\"item-%d\"}}\\n' % (i, i) for i in range({n}))\n\
         s3.put_object(Bucket='{BUCKET}', Key='{key}', Body=body.encode())\n"
    );
    let status = std::process::Command::new("python3")
        .args(["-c", &script])
        .status()
        .expect("python3");
    assert!(status.success(), "put the items");
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwise-bench-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

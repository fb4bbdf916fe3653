//! The AWS SDK integration's own cost: a DynamoDB GetItem through the host's AWS client
//! (request built from the model, SigV4-signed, sent, answer parsed) against a stub endpoint on
//! loopback, beside the bare HTTP round trip of the same request and answer on the same
//! connection pool. The difference is the host's CPU per call beyond the round trip (goal
//! ≤ 50 µs median).
//!
//! `cargo bench -p stepwise --bench aws_sdk`.

use std::time::{Duration, Instant};

use aws_credential_types::provider::SharedCredentialsProvider;
use serde_json::json;
use stepwise::integrations::aws::endpoint::Endpoints;
use stepwise::integrations::aws::transport::Transport;
use stepwise::integrations::aws::{AwsClient, AwsConfig};

/// DynamoDB's answer to a GetItem of a small item.
const ANSWER: &str =
    r#"{"Item":{"id":{"S":"order-1"},"total":{"N":"42"},"items":{"L":[{"S":"a"},{"S":"b"}]}}}"#;

const CALLS: usize = 2_000;
const ROUNDS: usize = 5;

async fn stub() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async {
        (
            [
                ("content-type", "application/x-amz-json-1.0"),
                ("x-amzn-requestid", "bench"),
            ],
            ANSWER,
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let endpoint = stub().await;
        let client = AwsClient::new(
            AwsConfig {
                region: Some("us-east-1".into()),
                endpoints: Endpoints {
                    default: Some(endpoint.clone()),
                    ..Endpoints::default()
                },
                credentials: Some(SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new("AKID", "SECRET", None, None, "bench"),
                )),
                attempt_timeout: None,
                forward: Vec::new(),
            },
            "us-east-1",
        );
        let ddb = stepwise_aws::service("dynamodb").unwrap().unwrap();
        let get = ddb.operation("getItem").unwrap();
        let params = json!({"TableName": "orders", "Key": {"id": {"S": "order-1"}}});
        let request = stepwise_aws::protocol::build_request(&ddb, get, &params).unwrap();
        let transport = Transport::default();
        let url = format!("{endpoint}/");
        let mut headers = request.headers.clone();
        headers.push(("host".into(), endpoint.trim_start_matches("http://").into()));
        let timeout = Duration::from_secs(10);

        // Warm both paths (connections, credentials cache).
        for _ in 0..200 {
            client.call(&ddb, get, &params, None, None).await.unwrap();
            transport
                .send("POST", &url, &headers, request.body.clone(), timeout)
                .await
                .unwrap();
        }
        let mut via_client = Vec::new();
        let mut bare = Vec::new();
        let mut differences = Vec::new();
        for _ in 0..ROUNDS {
            let started = Instant::now();
            for _ in 0..CALLS {
                let out = client.call(&ddb, get, &params, None, None).await.unwrap();
                std::hint::black_box(out);
            }
            let call = started.elapsed().as_secs_f64() * 1e6 / CALLS as f64;
            let started = Instant::now();
            for _ in 0..CALLS {
                let out = transport
                    .send("POST", &url, &headers, request.body.clone(), timeout)
                    .await
                    .unwrap();
                std::hint::black_box(out);
            }
            let trip = started.elapsed().as_secs_f64() * 1e6 / CALLS as f64;
            println!("round: call {call:.1} µs, bare round trip {trip:.1} µs, host cost {:.1} µs", call - trip);
            via_client.push(call);
            bare.push(trip);
            differences.push(call - trip);
        }
        println!(
            "aws_sdk getItem: call {:.1} µs, bare round trip {:.1} µs, host cost beyond the round trip {:.1} µs (medians of {ROUNDS} rounds of {CALLS})",
            median(via_client),
            median(bare),
            median(differences)
        );
    });
}

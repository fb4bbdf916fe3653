//! The cost of letting a request in with `serve --credentials`: verifying the SigV4 signature
//! of a StartExecution with about 250 bytes of body (the signature computed again over what
//! arrived, and compared).
//!
//! `cargo bench -p stepwise --bench auth`

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use criterion::{Criterion, criterion_group, criterion_main};
use stepwise::api::auth::{Keys, verify};
use stepwise::integrations::aws::signing::{Scope, Unsigned, signature_headers};

// The same allocator as the `stepwise` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BODY: &str = r#"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:orders","name":"order-7f3a9c2e","input":"{\"orderId\":\"ord-7f3a9c2e\",\"customer\":{\"id\":\"cust-1042\",\"tier\":\"gold\"},\"total\":28.25,\"currency\":\"EUR\"}"}"#;

fn bench(c: &mut Criterion) {
    let keys = Keys::parse(
        "[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\n",
        "us-east-1",
    )
    .expect("keys");
    let now = SystemTime::now();
    let base = vec![
        ("host".to_owned(), "127.0.0.1:8083".to_owned()),
        (
            "x-amz-target".to_owned(),
            "AWSStepFunctions.StartExecution".to_owned(),
        ),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.0".to_owned(),
        ),
    ];
    let credentials =
        aws_credential_types::Credentials::new("AKIDTEAM", "team-secret", None, None, "bench");
    let signed = signature_headers(
        &Unsigned {
            method: "POST",
            url: "http://127.0.0.1:8083/",
            headers: &base,
            body: BODY.as_bytes(),
        },
        &Scope {
            service: "states",
            region: "us-east-1",
            time: now,
        },
        &credentials,
    )
    .expect("signed");
    let mut headers = HeaderMap::new();
    for (n, v) in base.iter().chain(signed.iter()) {
        headers.insert(
            HeaderName::from_bytes(n.as_bytes()).expect("name"),
            HeaderValue::from_str(v).expect("value"),
        );
    }
    let mut group = c.benchmark_group("auth");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("verify_start_execution", |b| {
        b.iter(|| {
            verify(&keys, "POST", "/", &headers, BODY.as_bytes(), "states", now)
                .expect("the signature is good")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

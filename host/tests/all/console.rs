//! The web console: its page and files served by the host, the live history feed (server-sent
//! events) read as a browser reads it, the sign-in that lets a browser in when the host checks
//! signatures, and the pages themselves in Debian's chromium driven by Playwright
//! (`tests/console/console.test.mjs`), with a screenshot of each page under
//! `target/tmp/console-screenshots`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use stepwise::api::auth::Keys;
use stepwise::host::HostConfig;
use stepwise::store::memory::MemoryStore;
use stepwise_test_artifacts as guest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{self, Host};

const FILE: &str =
    "[team]\naws_access_key_id = AKIDCONSOLE\naws_secret_access_key = console-secret\n";

/// An HTTP/1.1 answer, read to its end.
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One request on a fresh connection, as a browser sends it (no signature).
async fn request(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Answer {
        status,
        head: head.to_owned(),
        body: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

fn states_call<'a>(action: &'a str, cookie: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amz-target", action),
    ];
    if let Some(c) = cookie {
        headers.push(("cookie", c));
    }
    headers
}

/// The messages of a server-sent event stream: (event, id, data).
fn sse_messages(stream: &str) -> Vec<(String, String, Value)> {
    stream
        .split("\n\n")
        .filter(|m| m.lines().any(|l| l.starts_with("data:")))
        .map(|m| {
            let field = |name: &str| {
                m.lines()
                    .filter_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim_start().to_owned())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            (
                field("event:"),
                field("id:"),
                serde_json::from_str(&field("data:")).unwrap(),
            )
        })
        .collect()
}

/// Every history event of the messages, in the order sent.
fn events_of(messages: &[(String, String, Value)]) -> Vec<Value> {
    messages
        .iter()
        .flat_map(|(_, _, data)| data["events"].as_array().unwrap().clone())
        .collect()
}

#[tokio::test]
async fn the_host_serves_the_console_and_its_files() {
    let host = Host::in_memory().await;
    let page = request(&host.endpoint, "GET", "/", &[], "").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.body.contains("/console/app.js"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
    for (path, kind) in [
        ("/console/app.js", "text/javascript"),
        ("/console/graph.js", "text/javascript"),
        ("/console/vendor/dagre.min.js", "text/javascript"),
        ("/console/style.css", "text/css"),
    ] {
        let file = request(&host.endpoint, "GET", path, &[], "").await;
        assert_eq!(file.status, 200, "{path}");
        assert!(
            file.header("content-type").unwrap().starts_with(kind),
            "{path}"
        );
        // A browser that has it asks again with its ETag and gets no body.
        let etag = file.header("etag").unwrap().to_owned();
        let again = request(&host.endpoint, "GET", path, &[("if-none-match", &etag)], "").await;
        assert_eq!(again.status, 304, "{path}");
    }
    assert_eq!(
        request(&host.endpoint, "GET", "/console/nothing.js", &[], "")
            .await
            .status,
        404
    );
    // Without credentials the console has nothing to sign in to.
    let session = request(&host.endpoint, "GET", "/console/session", &[], "").await;
    assert_eq!(
        session.json(),
        json!({"signInRequired": false, "signedIn": true})
    );
    host.stop().await;
}

#[tokio::test]
async fn the_history_feed_pushes_each_commit_and_ends_with_the_execution() {
    let host = Host::in_memory().await;
    let definition = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "B"},
        "B": {"Type": "Pass", "End": true}}});
    let machine = common::create_machine(&host.sfn, "fed", &definition).await;
    let execution = common::start_execution(&host.sfn, &machine, &json!({"n": 1})).await;
    let path = format!("/console/history?executionArn={}", percent(&execution));
    // Read to its end: the feed ends by itself once the execution has.
    let feed = tokio::time::timeout(
        Duration::from_secs(20),
        request(&host.endpoint, "GET", &path, &[], ""),
    )
    .await
    .expect("the feed ends when the execution does");
    assert_eq!(feed.status, 200);
    assert_eq!(feed.header("content-type"), Some("text/event-stream"));
    let messages = sse_messages(&feed.body);
    assert!(
        messages.len() >= 2,
        "pushed while it ran, then at its end: {}",
        feed.body
    );
    assert!(messages.iter().all(|(event, _, _)| event == "history"));
    assert_eq!(messages[0].2["status"], "RUNNING");
    assert_eq!(messages.last().unwrap().2["status"], "SUCCEEDED");
    let events = events_of(&messages);
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    let api = host
        .sfn
        .get_execution_history()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ids,
        (1..=api.events().len() as u64).collect::<Vec<_>>(),
        "every event once, in order"
    );
    let types: Vec<String> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    let api_types: Vec<String> = api
        .events()
        .iter()
        .map(|e| e.r#type().as_str().to_owned())
        .collect();
    assert_eq!(types, api_types);
    // Each message's id is its last event's, which a reconnecting EventSource sends back.
    for (_, id, data) in &messages {
        let last = data["events"]
            .as_array()
            .unwrap()
            .last()
            .map(|e| e["id"].to_string());
        assert_eq!(Some(id.clone()), last);
    }

    let n = ids.len();
    let after = (n - 2).to_string();
    let resumed = request(
        &host.endpoint,
        "GET",
        &path,
        &[("last-event-id", &after)],
        "",
    )
    .await;
    let resumed = sse_messages(&resumed.body);
    assert_eq!(resumed.len(), 1);
    let ids: Vec<u64> = events_of(&resumed)
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![n as u64 - 1, n as u64]);
    // A page that follows again (after a redrive) says where it is in the query.
    let again = request(
        &host.endpoint,
        "GET",
        &format!("{path}&after={after}"),
        &[],
        "",
    )
    .await;
    assert_eq!(sse_messages(&again.body), resumed);

    let missing = format!(
        "/console/history?executionArn={}",
        percent(&format!("{execution}-nope"))
    );
    let answer = request(&host.endpoint, "GET", &missing, &[], "").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["__type"], "ExecutionDoesNotExist");
    let answer = request(&host.endpoint, "GET", "/console/history", &[], "").await;
    assert_eq!(answer.json()["__type"], "ValidationException");
    host.stop().await;
}

#[tokio::test]
async fn a_feed_on_a_waiting_execution_lets_the_server_shut_down() {
    let host = Host::in_memory().await;
    let definition =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let machine = common::create_machine(&host.sfn, "long", &definition).await;
    let execution = common::start_execution(&host.sfn, &machine, &json!({})).await;
    let endpoint = host.endpoint.clone();
    let path = format!("/console/history?executionArn={}", percent(&execution));
    let feed = tokio::spawn(async move { request(&endpoint, "GET", &path, &[], "").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::time::timeout(Duration::from_secs(10), host.stop())
        .await
        .expect("an open feed does not hold the shutdown");
    let feed = feed.await.unwrap();
    let messages = sse_messages(&feed.body);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].2["status"], "RUNNING");
}

fn percent(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The console's sign-in form, sent.
async fn sign_in(endpoint: &str, id: &str, secret: &str) -> Answer {
    let form = json!({"accessKeyId": id, "secretAccessKey": secret}).to_string();
    let headers = [("content-type", "application/json")];
    request(endpoint, "POST", "/console/sign-in", &headers, &form).await
}

#[tokio::test]
async fn with_credentials_the_console_signs_in_and_its_cookie_opens_only_what_a_page_can_ask() {
    let keys = Keys::parse(FILE, "us-east-1").unwrap();
    let host = Host::with_keys(Arc::new(MemoryStore::new()), keys).await;
    let e = host.endpoint.clone();
    let list = "AWSStepFunctions.ListStateMachines";

    // The page and its files are open; what they show is not.
    assert_eq!(request(&e, "GET", "/", &[], "").await.status, 200);
    assert_eq!(
        request(&e, "GET", "/console/app.js", &[], "").await.status,
        200
    );
    let session = request(&e, "GET", "/console/session", &[], "").await;
    assert_eq!(
        session.json(),
        json!({"signInRequired": true, "signedIn": false})
    );
    let unsigned = request(&e, "POST", "/", &states_call(list, None), "{}").await;
    assert_eq!(
        unsigned.json()["__type"],
        "MissingAuthenticationTokenException"
    );

    // A wrong secret, and an unknown key, get one answer and no cookie.
    for (id, secret) in [("AKIDCONSOLE", "wrong"), ("AKIDNOBODY", "console-secret")] {
        let refused = sign_in(&e, id, secret).await;
        assert_eq!(refused.status, 400);
        assert_eq!(refused.json()["__type"], "UnrecognizedClientException");
        assert!(refused.header("set-cookie").is_none());
    }
    let signed = sign_in(&e, "AKIDCONSOLE", "console-secret").await;
    assert_eq!(signed.status, 200);
    let set = signed.header("set-cookie").unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();

    // The JSON API and reads take the cookie.
    let listed = request(&e, "POST", "/", &states_call(list, Some(&cookie)), "{}").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json(), json!({"stateMachines": []}));
    let functions = request(
        &e,
        "GET",
        "/2015-03-31/functions/",
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(functions.status, 200);
    let session = request(&e, "GET", "/console/session", &[("cookie", &cookie)], "").await;
    assert_eq!(session.json()["signedIn"], true);

    // What a cross-site form could send (no X-Amz-Target) is not let in on the cookie.
    let sns = request(
        &e,
        "POST",
        "/",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &cookie),
        ],
        "Action=CreateTopic&Name=forged&Version=2010-03-31",
    )
    .await;
    assert_eq!(sns.status, 403, "{}", sns.body);
    let lambda = request(
        &e,
        "POST",
        "/2015-03-31/functions",
        &[("content-type", "application/json"), ("cookie", &cookie)],
        "{}",
    )
    .await;
    assert_eq!(lambda.status, 403);
    // A forged cookie is nobody's.
    let forged = request(
        &e,
        "POST",
        "/",
        &states_call(list, Some("stepwise_session=00ff")),
        "{}",
    )
    .await;
    assert_eq!(
        forged.json()["__type"],
        "MissingAuthenticationTokenException"
    );

    // Signed out, the cookie opens nothing.
    let out = request(&e, "POST", "/console/sign-out", &[("cookie", &cookie)], "").await;
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = request(&e, "POST", "/", &states_call(list, Some(&cookie)), "{}").await;
    assert_eq!(
        after.json()["__type"],
        "MissingAuthenticationTokenException"
    );
    host.stop().await;
}

/// Where `scripts/console-test-deps` puts playwright-core, and the browser.
fn browser() -> (PathBuf, PathBuf) {
    let home = std::env::var_os("HOME").expect("HOME");
    let deps = Path::new(&home).join(".cache/stepwise/toolchains/console");
    assert!(
        deps.join("node_modules/playwright-core/package.json")
            .exists(),
        "playwright-core is not installed: run ./scripts/console-test-deps"
    );
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.exists(),
        "{} is missing: apt-get install chromium (or set CHROMIUM)",
        chromium.display()
    );
    (deps, chromium)
}

/// Runs one scenario of `tests/console/console.test.mjs` against `endpoint`.
async fn in_the_browser(scenario: &str, endpoint: &str, env: Vec<(&'static str, String)>) {
    let (deps, chromium) = browser();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console/console.test.mjs");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let mut command = std::process::Command::new("node");
    command
        .arg(script)
        .arg(scenario)
        .env("CONSOLE_DEPS", deps)
        .env("CHROMIUM", chromium)
        .env("STEPWISE_URL", endpoint)
        .env("SCREENSHOTS", &shots)
        .envs(env);
    let out = tokio::task::spawn_blocking(move || command.output().expect("node runs"))
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the {scenario} scenario failed (screenshots in {}):\n{text}",
        shots.display()
    );
    println!("{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_browser_draws_runs_stops_and_redrives() {
    let host = Host::with_config(
        Arc::new(MemoryStore::new()),
        HostConfig {
            // Retries and waits ten times faster: the page still sees the Wait running.
            wait_time_scale: Some(0.1),
            ..HostConfig::default()
        },
    )
    .await;
    common::deploy(&host.lambda, "flaky", guest::FLAKY, None).await;
    let machine =
        common::create_machine(&host.sfn, "tour", &common::example("tour/tour.asl.json")).await;
    host.sfn
        .create_activity()
        .name("review")
        .send()
        .await
        .unwrap();
    let express = host
        .sfn
        .create_state_machine()
        .name("quick")
        .role_arn(common::ROLE)
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .definition(
            json!({"QueryLanguage": "JSONata", "StartAt": "Hi?", "States": {
                "Hi?": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.say = 'hi' %}", "Next": "Echo"}], "Default": "Other"},
                "Echo": {"Type": "Pass", "Output": {"said": "{% $states.input.say %}"}, "End": true},
                "Other": {"Type": "Succeed"}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let caught_map = common::create_machine(
        &host.sfn,
        "caught-map",
        &json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.cards",
                     "ItemProcessor": {"StartAt": "Pay", "States": {"Pay": {"Type": "Task",
                         "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky", "End": true}}},
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}], "End": true},
            "Handled": {"Type": "Pass", "End": true}}}),
    )
    .await;
    in_the_browser(
        "tour",
        &host.endpoint,
        vec![
            ("MACHINE_ARN", machine),
            ("EXPRESS_ARN", express),
            ("CAUGHT_MAP_ARN", caught_map),
        ],
    )
    .await;
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_browser_signs_in_with_a_key_pair() {
    let keys = Keys::parse(FILE, "us-east-1").unwrap();
    let store = Arc::new(MemoryStore::new());
    // A machine to see once signed in, created before the host checks signatures.
    {
        let open = Host::start(store.clone(), None).await;
        let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
        common::create_machine(&open.sfn, "signed", &definition).await;
        open.stop().await;
    }
    let host = Host::with_keys(store, keys).await;
    in_the_browser(
        "sign-in",
        &host.endpoint,
        vec![
            ("ACCESS_KEY_ID", "AKIDCONSOLE".to_owned()),
            ("SECRET_ACCESS_KEY", "console-secret".to_owned()),
        ],
    )
    .await;
    host.stop().await;
}

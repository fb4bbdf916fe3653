//! The built-in SQS queues and SNS topics end to end: the real server on a free loopback port,
//! driven by `aws-sdk-sqs`, `aws-sdk-sns` and `aws-sdk-sfn` as a user's program would drive AWS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};
use serde_json::{Value, json};

use stepwise::store::Store;
use stepwise::store::sqlite::SqliteStore;

use crate::common::{Host, example};

/// What these tests do often.
impl Host {
    async fn queue(&self, name: &str, visibility: Option<&str>) -> String {
        let mut create = self.sqs.create_queue().queue_name(name);
        if let Some(v) = visibility {
            create = create.attributes(QueueAttributeName::VisibilityTimeout, v);
        }
        create.send().await.unwrap().queue_url.unwrap()
    }

    async fn queue_arn(&self, url: &str) -> String {
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        attrs.attributes.unwrap()[&QueueAttributeName::QueueArn].clone()
    }

    /// Receives up to `max` messages, long polling up to `wait` seconds.
    async fn receive(&self, url: &str, max: i32, wait: i32) -> Vec<aws_sdk_sqs::types::Message> {
        self.sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max)
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default()
    }

    /// Runs a one-Task machine over `input` to its end.
    async fn run_task(
        &self,
        name: &str,
        task: Value,
        input: Value,
    ) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
        let mut definition =
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "End": true}}});
        for (k, v) in task.as_object().unwrap() {
            definition["States"]["T"][k] = v.clone();
        }
        let machine = common::create_machine(&self.sfn, name, &definition).await;
        let exec = common::start_execution(&self.sfn, &machine, &input).await;
        common::ended(&self.sfn, &exec).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_sent_received_redelivered_after_its_visibility_timeout_and_deleted() {
    let host = Host::in_memory().await;
    let url = host.queue("jobs", Some("1")).await;
    assert!(url.ends_with("/123456789012/jobs"), "{url}");
    // CreateQueue with the same attributes is idempotent.
    assert_eq!(host.queue("jobs", Some("1")).await, url);
    let found = host
        .sqs
        .get_queue_url()
        .queue_name("jobs")
        .send()
        .await
        .unwrap();
    assert_eq!(found.queue_url.as_deref(), Some(url.as_str()));
    let listed = host
        .sqs
        .list_queues()
        .queue_name_prefix("jo")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.queue_urls(), std::slice::from_ref(&url));

    let sent = host
        .sqs
        .send_message()
        .queue_url(&url)
        .message_body("hello")
        .message_attributes(
            "kind",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value("greeting")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.md5_of_message_body(),
        Some("5d41402abc4b2a76b9719d911017c592")
    );

    let got = host.receive(&url, 10, 0).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("hello"));
    assert_eq!(got[0].message_id(), sent.message_id());
    assert_eq!(
        got[0].md5_of_message_attributes(),
        sent.md5_of_message_attributes()
    );
    assert_eq!(
        got[0].message_attributes().unwrap()["kind"].string_value(),
        Some("greeting")
    );
    let count = |m: &aws_sdk_sqs::types::Message| {
        m.attributes().unwrap()[&MessageSystemAttributeName::ApproximateReceiveCount].clone()
    };
    assert_eq!(count(&got[0]), "1");
    assert!(
        host.receive(&url, 10, 0).await.is_empty(),
        "hidden while in flight"
    );

    // The consumer never deletes: after the 1 s visibility timeout the message is back.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = host.receive(&url, 10, 0).await;
    assert_eq!(again.len(), 1);
    assert_eq!(count(&again[0]), "2");
    host.sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle(again[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    let attrs = host
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(attrs[&QueueAttributeName::ApproximateNumberOfMessages], "0");
    assert_eq!(
        attrs[&QueueAttributeName::ApproximateNumberOfMessagesNotVisible],
        "0"
    );
    assert_eq!(attrs[&QueueAttributeName::VisibilityTimeout], "1");

    // AWS-shaped errors.
    let missing = host
        .sqs
        .get_queue_url()
        .queue_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(
        missing
            .as_service_error()
            .unwrap()
            .is_queue_does_not_exist(),
        "{missing:?}"
    );
    let big = host
        .sqs
        .send_message()
        .queue_url(&url)
        .message_body("x".repeat(262_145))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        big.as_service_error().unwrap().code(),
        Some("InvalidParameterValue")
    );
    let other = host
        .sqs
        .create_queue()
        .queue_name("jobs")
        .attributes(QueueAttributeName::VisibilityTimeout, "7")
        .send()
        .await
        .unwrap_err();
    assert!(
        other.as_service_error().unwrap().is_queue_name_exists(),
        "{other:?}"
    );

    host.sqs
        .delete_queue()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    let gone = host
        .sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .send()
        .await
        .unwrap_err();
    assert!(gone.as_service_error().unwrap().is_queue_does_not_exist());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_returns_as_soon_as_a_message_is_sent() {
    let host = Host::in_memory().await;
    let url = host.queue("poll", None).await;
    let poller = {
        let (sqs, url) = (host.sqs.clone(), url.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let got = sqs
                .receive_message()
                .queue_url(url)
                .wait_time_seconds(20)
                .send()
                .await
                .unwrap();
            (got.messages.unwrap_or_default(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    host.sqs
        .send_message()
        .queue_url(&url)
        .message_body("wake")
        .send()
        .await
        .unwrap();
    let (got, waited) = poller.await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("wake"));
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_ends_long_polls_at_once() {
    let host = Host::in_memory().await;
    let url = host.queue("quiet", None).await;
    let poll = host
        .sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(20);
    let poller = tokio::spawn(poll.send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    host.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let answered = poller.await.unwrap().unwrap();
    assert!(answered.messages.unwrap_or_default().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeleted_message_survives_a_restart_and_a_deleted_one_does_not() {
    let dir = std::env::temp_dir().join(format!("stepwise-sqs-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let open = || -> Arc<dyn Store> { Arc::new(SqliteStore::open(&dir.join("db")).unwrap()) };
    let host = Host::start(open(), None).await;
    let url = host.queue("durable", None).await;
    for body in ["kept", "deleted"] {
        host.sqs
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let got = host.receive(&url, 10, 0).await;
    assert_eq!(got.len(), 2);
    let deleted = got.iter().find(|m| m.body() == Some("deleted")).unwrap();
    host.sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle(deleted.receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    host.stop().await;

    // In-flight visibility is not durable: after the restart the kept message is visible.
    let host = Host::start(open(), None).await;
    let got = host.receive(&url, 10, 1).await;
    assert_eq!(
        got.iter().map(|m| m.body().unwrap()).collect::<Vec<_>>(),
        ["kept"]
    );
    host.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_machine_sends_a_message_with_sqs_send_message() {
    let host = Host::in_memory().await;
    let url = host.queue("from-machine", None).await;
    let task = json!({
        "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl.$": "$.url", "MessageBody": {"hello.$": "$.who"}},
    });
    let done = host
        .run_task("sender", task.clone(), json!({"url": url, "who": "world"}))
        .await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    let got = host.receive(&url, 1, 1).await;
    assert_eq!(got[0].body(), Some(r#"{"hello":"world"}"#));
    assert_eq!(output["MessageId"].as_str(), got[0].message_id());
    assert_eq!(output["MD5OfMessageBody"].as_str(), got[0].md5_of_body());
    assert_eq!(output["SdkHttpMetadata"]["HttpStatusCode"], 200);

    let missing = url.replace("from-machine", "missing");
    let failed = host
        .run_task("sender-2", task, json!({"url": missing, "who": "x"}))
        .await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(failed.error(), Some("SQS.QueueDoesNotExistException"));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_token_example_waits_for_a_consumer_that_answers_with_send_task_success() {
    let host = Host::in_memory().await;
    // The example's QueueUrl names port 8083; any URL ending in /ACCOUNT/NAME finds the queue.
    let url = host.queue("credit-checks", None).await;
    let machine = common::create_machine(
        &host.sfn,
        "credit-check",
        &example("sqs-callback/sqs-callback.asl.json"),
    )
    .await;

    // An external worker: receives the message with an SQS client, answers with the token.
    let (sqs, sfn, worker_url) = (host.sqs.clone(), host.sfn.clone(), url.clone());
    let worker = tokio::spawn(async move {
        for _ in 0..2 {
            let got = sqs
                .receive_message()
                .queue_url(&worker_url)
                .wait_time_seconds(20)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default();
            let message = &got[0];
            let body: Value = serde_json::from_str(message.body().unwrap()).unwrap();
            assert_eq!(body["Message"], "Hello from Step Functions!");
            let token = body["TaskToken"].as_str().unwrap();
            let approved = sfn
                .send_task_success()
                .task_token(token)
                .output(json!({"approved": true}).to_string())
                .send()
                .await;
            approved.unwrap();
            sqs.delete_message()
                .queue_url(&worker_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    });
    let first = common::start_execution(&host.sfn, &machine, &json!({"applicant": "Ada"})).await;
    let second = common::start_execution(&host.sfn, &machine, &json!({"applicant": "Grace"})).await;
    for exec in [first, second] {
        let d = common::ended(&host.sfn, &exec).await;
        assert_eq!(d.status, ExecutionStatus::Succeeded, "{d:?}");
        assert_eq!(d.output(), Some(r#"{"approved":true}"#));
    }
    worker.await.unwrap();
    // Everything was consumed and deleted: nothing is visible, and nothing is in flight either
    // (an undeleted message would be hidden from a receive for its visibility timeout).
    let attrs = host
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(attrs[&QueueAttributeName::ApproximateNumberOfMessages], "0");
    assert_eq!(
        attrs[&QueueAttributeName::ApproximateNumberOfMessagesNotVisible],
        "0"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_heartbeat_example_lives_on_heartbeats_and_times_out_without_them() {
    let host = Host::in_memory().await;
    let url = host.queue("pushed", None).await;
    // The example as written waits 600 s for a heartbeat; the test shortens only that.
    let mut definition = example("sqs-heartbeat/sqs-heartbeat.asl.json");
    definition["States"]["Push to SQS"]["HeartbeatSeconds"] = json!(1);
    let machine = common::create_machine(&host.sfn, "heartbeat", &definition).await;

    // A consumer that heartbeats every 400 ms for 2 s, then answers: the task lives.
    let exec = common::start_execution(&host.sfn, &machine, &json!({"order": 7})).await;
    let got = host.receive(&url, 1, 10).await;
    let body: Value = serde_json::from_str(got[0].body().unwrap()).unwrap();
    let token = body["myTaskToken"].as_str().unwrap().to_owned();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        host.sfn
            .send_task_heartbeat()
            .task_token(&token)
            .send()
            .await
            .unwrap();
    }
    host.sfn
        .send_task_success()
        .task_token(&token)
        .output(r#"{"shipped": true}"#)
        .send()
        .await
        .unwrap();
    let d = common::ended(&host.sfn, &exec).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(d.output().unwrap()).unwrap();
    assert_eq!(output, json!({"order": 7, "SQS": {"shipped": true}}));

    // A consumer that never answers: the heartbeat timeout fails the task, and a late
    // answer or heartbeat is refused.
    let exec = common::start_execution(&host.sfn, &machine, &json!({"order": 8})).await;
    let got = host.receive(&url, 1, 10).await;
    let body: Value = serde_json::from_str(got[0].body().unwrap()).unwrap();
    let token = body["myTaskToken"].as_str().unwrap().to_owned();
    let d = common::ended(&host.sfn, &exec).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    // As AWS records a heartbeat expiry (aws-recordings/v2/timeouts/test_heartbeats).
    assert_eq!(d.error(), Some("States.Timeout"));
    let events = host
        .sfn
        .get_execution_history()
        .execution_arn(&exec)
        .send()
        .await
        .unwrap()
        .events;
    assert!(
        events
            .iter()
            .any(|e| e.r#type == aws_sdk_sfn::types::HistoryEventType::TaskTimedOut)
    );
    let late = host
        .sfn
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_sfn::error::ProvideErrorMetadata::code(&late),
        Some("TaskTimedOut")
    );
    let late = host
        .sfn
        .send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_sfn::error::ProvideErrorMetadata::code(&late),
        Some("TaskTimedOut")
    );
    host.stop().await;
}

/// The SNS envelope in a queue message's body.
fn envelope(m: &aws_sdk_sqs::types::Message) -> Value {
    serde_json::from_str(m.body().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_delivers_to_a_subscribed_queue_from_the_sdk_and_from_a_machine() {
    let host = Host::in_memory().await;
    let topic = host
        .sns
        .create_topic()
        .name("myTopic")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    assert_eq!(topic, "arn:aws:sns:us-east-1:123456789012:myTopic");
    let listed = host.sns.list_topics().send().await.unwrap();
    assert_eq!(listed.topics().len(), 1);
    let url = host.queue("inbox", None).await;
    let queue_arn = host.queue_arn(&url).await;
    let sub = host
        .sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .send()
        .await
        .unwrap()
        .subscription_arn
        .unwrap();
    let subs = host
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap();
    assert_eq!(
        subs.subscriptions()[0].subscription_arn(),
        Some(sub.as_str())
    );
    assert_eq!(subs.subscriptions()[0].endpoint(), Some(queue_arn.as_str()));

    let published = host
        .sns
        .publish()
        .topic_arn(&topic)
        .subject("greeting")
        .message("hi <there> & all")
        .send()
        .await
        .unwrap();
    let got = host.receive(&url, 1, 1).await;
    let e = envelope(&got[0]);
    assert_eq!(e["Type"], "Notification");
    assert_eq!(e["TopicArn"], topic);
    assert_eq!(e["Subject"], "greeting");
    assert_eq!(e["Message"], "hi <there> & all");
    assert_eq!(e["MessageId"].as_str(), published.message_id());

    let publisher = common::create_machine(
        &host.sfn,
        "publisher",
        &example("sns-publish/sns-publish.asl.json"),
    )
    .await;
    let done = common::ended(
        &host.sfn,
        &common::start_execution(&host.sfn, &publisher, &json!({})).await,
    )
    .await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    let got = host.receive(&url, 1, 1).await;
    let e = envelope(&got[0]);
    assert_eq!(e["Message"], "Hello from Step Functions!");
    assert_eq!(e["MessageId"], output["MessageId"]);

    let missing = host
        .sns
        .publish()
        .topic_arn("arn:aws:sns:us-east-1:123456789012:nope")
        .message("x")
        .send()
        .await
        .unwrap_err();
    assert!(
        missing.as_service_error().unwrap().is_not_found_exception(),
        "{missing:?}"
    );
    let failed = host
        .run_task(
            "publisher-2",
            json!({
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:nope", "Message": "x"},
            }),
            json!({}),
        )
        .await;
    assert_eq!(failed.error(), Some("SNS.NotFoundException"));

    host.sns
        .unsubscribe()
        .subscription_arn(&sub)
        .send()
        .await
        .unwrap();
    host.sns
        .publish()
        .topic_arn(&topic)
        .message("unheard")
        .send()
        .await
        .unwrap();
    // Given the second a delivery may take (the receives above long-poll for it).
    assert!(host.receive(&url, 1, 1).await.is_empty());
    host.sns
        .delete_topic()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap();
    assert!(
        host.sns
            .list_topics()
            .send()
            .await
            .unwrap()
            .topics()
            .is_empty()
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_posts_the_envelope_to_an_http_subscriber() {
    let host = Host::in_memory().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let tx = tx.clone();
            async move {
                let kind = headers["x-amz-sns-message-type"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                let _ = tx.send((kind, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });

    let topic = host
        .sns
        .create_topic()
        .name("hooks")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    host.sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint(&hook_url)
        .send()
        .await
        .unwrap();
    let published = host
        .sns
        .publish()
        .topic_arn(&topic)
        .message("ping")
        .send()
        .await
        .unwrap();
    let (kind, body) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("delivered")
        .unwrap();
    assert_eq!(kind, "Notification");
    let e: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["Message"], "ping");
    assert_eq!(e["MessageId"].as_str(), published.message_id());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_visibility_changes_and_purge() {
    use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
    let host = Host::in_memory().await;
    let url = host.queue("batch", None).await;
    let entries: Vec<_> = (0..3)
        .map(|i| {
            SendMessageBatchRequestEntry::builder()
                .id(format!("e{i}"))
                .message_body(format!("m{i}"))
                .build()
                .unwrap()
        })
        .collect();
    let sent = host
        .sqs
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(entries))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.successful().len(), 3);
    assert!(sent.failed().is_empty());
    let too_many: Vec<_> = (0..11)
        .map(|i| {
            SendMessageBatchRequestEntry::builder()
                .id(format!("e{i}"))
                .message_body("x")
                .build()
                .unwrap()
        })
        .collect();
    let err = host
        .sqs
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(too_many))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_too_many_entries_in_batch_request(),
        "{err:?}"
    );

    let got = host.receive(&url, 10, 0).await;
    assert_eq!(got.len(), 3);
    // Visibility 0 hands one message straight back.
    host.sqs
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(got[0].receipt_handle().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let back = host.receive(&url, 10, 0).await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].body(), got[0].body());
    let deletes: Vec<_> = got[1..]
        .iter()
        .chain(&back)
        .enumerate()
        .map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{i}"))
                .receipt_handle(m.receipt_handle().unwrap())
                .build()
                .unwrap()
        })
        .collect();
    let deleted = host
        .sqs
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(deletes))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.successful().len(), 3);
    let bad = host
        .sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle("not-a-handle")
        .send()
        .await
        .unwrap_err();
    assert!(
        bad.as_service_error()
            .unwrap()
            .is_receipt_handle_is_invalid(),
        "{bad:?}"
    );

    host.sqs
        .send_message()
        .queue_url(&url)
        .message_body("doomed")
        .send()
        .await
        .unwrap();
    host.sqs.purge_queue().queue_url(&url).send().await.unwrap();
    assert!(host.receive(&url, 10, 0).await.is_empty());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_message_delivery_forwards_the_message_and_its_attributes() {
    let host = Host::in_memory().await;
    let topic = host
        .sns
        .create_topic()
        .name("raw")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let url = host.queue("raw-inbox", None).await;
    let queue_arn = host.queue_arn(&url).await;
    host.sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap();
    host.sns
        .publish()
        .topic_arn(&topic)
        .message("plain")
        .message_attributes(
            "color",
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value("blue")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let got = host.receive(&url, 1, 1).await;
    assert_eq!(got[0].body(), Some("plain"));
    assert_eq!(
        got[0].message_attributes().unwrap()["color"].string_value(),
        Some("blue")
    );
    // Switched off again, the queue gets the envelope.
    let sub = host
        .sns
        .list_subscriptions()
        .send()
        .await
        .unwrap()
        .subscriptions()[0]
        .subscription_arn()
        .unwrap()
        .to_owned();
    host.sns
        .set_subscription_attributes()
        .subscription_arn(&sub)
        .attribute_name("RawMessageDelivery")
        .attribute_value("false")
        .send()
        .await
        .unwrap();
    let attrs = host
        .sns
        .get_subscription_attributes()
        .subscription_arn(&sub)
        .send()
        .await
        .unwrap();
    assert_eq!(attrs.attributes().unwrap()["RawMessageDelivery"], "false");
    host.sns
        .publish()
        .topic_arn(&topic)
        .message("wrapped")
        .send()
        .await
        .unwrap();
    let got = host.receive(&url, 1, 1).await;
    assert_eq!(envelope(&got[0])["Message"], "wrapped");

    let bad = host
        .sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("email")
        .endpoint("someone@example.com")
        .send()
        .await
        .unwrap_err();
    assert!(
        bad.as_service_error()
            .unwrap()
            .is_invalid_parameter_exception(),
        "{bad:?}"
    );
    host.stop().await;
}

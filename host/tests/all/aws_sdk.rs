//! The AWS SDK integration against a real AWS-compatible endpoint: `moto_server` (PyPI
//! `moto[server]`, installed by `.ci/run`), started by these tests on a loopback port, reached
//! as `AWS_ENDPOINT_URL` would send calls there. One protocol at least per test: `json`
//! (DynamoDB 1.0, Secrets Manager and EventBridge 1.1), `rest-xml` (S3), `query` (IAM), `ec2`,
//! `rest-json` (API Gateway).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_credential_types::provider::SharedCredentialsProvider;
use serde_json::{Value, json};
use stepwise::host::HostConfig;
use stepwise::integrations::aws::AwsConfig;
use stepwise::integrations::aws::endpoint::Endpoints;
use stepwise::store::memory::MemoryStore;

use crate::common::{Host, create_machine, ended, start_execution};
use crate::moto::moto;

fn credentials() -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
        "testing", "testing", None, None, "tests",
    ))
}

/// AWS calls to `endpoint`, in us-east-1, with moto's test credentials.
fn aws_config(endpoint: &str) -> AwsConfig {
    AwsConfig {
        region: Some("us-east-1".into()),
        endpoints: Endpoints {
            default: Some(endpoint.to_owned()),
            ..Endpoints::default()
        },
        credentials: Some(credentials()),
        attempt_timeout: Some(Duration::from_secs(10)),
        forward: Vec::new(),
    }
}

/// A host whose AWS SDK calls go to `endpoint`.
async fn host_calling(endpoint: &str) -> Host {
    host_forwarding(endpoint, &[]).await
}

/// The same, with the built-in integrations `forward` sent there too.
async fn host_forwarding(endpoint: &str, forward: &[&str]) -> Host {
    let config = HostConfig {
        aws: AwsConfig {
            forward: forward.iter().map(|f| f.to_string()).collect(),
            ..aws_config(endpoint)
        },
        ..HostConfig::default()
    };
    Host::with_config(Arc::new(MemoryStore::new()), config).await
}

/// Runs `definition` on `input` to its end: the status and the output (or the error).
async fn run(host: &Host, name: &str, definition: Value, input: Value) -> (String, Value) {
    let machine = create_machine(&host.sfn, name, &definition).await;
    let execution = start_execution(&host.sfn, &machine, &input).await;
    let d = ended(&host.sfn, &execution).await;
    let status = d.status.as_str().to_owned();
    let output = match d.output {
        Some(text) => serde_json::from_str(&text).unwrap(),
        None => json!({"error": d.error, "cause": d.cause}),
    };
    (status, output)
}

fn task(resource: &str, parameters: Value, result_path: &str, next: &str) -> Value {
    json!({
        "Type": "Task",
        "Resource": format!("arn:aws:states:::aws-sdk:{resource}"),
        "Parameters": parameters,
        "ResultPath": result_path,
        "Next": next,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_put_get_update_and_a_failed_condition_that_is_caught() {
    let host = host_calling(moto()).await;
    let table = json!({"TableName.$": "$.table"});
    let with = |extra: Value| {
        let mut p = table.clone();
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        p
    };
    let mut conditional = task(
        "dynamodb:putItem",
        with(
            json!({"Item": {"id": {"S": "id1"}}, "ConditionExpression": "attribute_not_exists(id)"}),
        ),
        "$.conditional",
        "Done",
    );
    conditional["Catch"] = json!([{
        "ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
        "ResultPath": "$.caught",
        "Next": "Done"
    }]);
    let definition = json!({"StartAt": "Create", "States": {
        "Create": task("dynamodb:createTable", with(json!({
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        })), "$.created", "Put"),
        "Put": task("dynamodb:putItem", with(json!({
            "Item": {"id": {"S": "id1"}, "data": {"S": "HelloWorld"}, "n": {"N": "7"}}
        })), "$.put", "Update"),
        "Update": task("dynamodb:updateItem", with(json!({
            "Key": {"id": {"S": "id1"}},
            "UpdateExpression": "set #d = :r",
            "ExpressionAttributeNames": {"#d": "data"},
            "ExpressionAttributeValues": {":r": {"S": "Updated"}},
            "ReturnValues": "UPDATED_NEW"
        })), "$.updated", "Get"),
        "Get": task("dynamodb:getItem", with(json!({"Key": {"id": {"S": "id1"}}})), "$.got", "Conditional"),
        "Conditional": conditional,
        "Done": {"Type": "Pass", "Next": "Optimized"},
        // The optimized integration, on the same table.
        "Optimized": {
            "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": with(json!({"Key": {"id": {"S": "id1"}}})),
            "ResultPath": "$.optimized", "Next": "NoTable"
        },
        "NoTable": {
            "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "no-such-table", "Item": {"id": {"S": "x"}}},
            "Catch": [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "ResultPath": "$.noTable", "Next": "Events"}],
            "Next": "Events"
        },
        "Events": {
            "Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {"Entries": [{"Source": "orders", "DetailType": "created", "Detail": {"id": 1}}]},
            "ResultPath": "$.events", "Next": "End"
        },
        "End": {"Type": "Succeed"}
    }});
    let (status, out) = run(&host, "ddb", definition, json!({"table": "orders-ddb"})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(
        out["created"]["TableDescription"]["TableName"],
        "orders-ddb"
    );
    assert_eq!(out["put"], json!({}));
    // moto adds ConsumedCapacity, which AWS gives only when asked for.
    assert_eq!(
        out["updated"]["Attributes"],
        json!({"data": {"S": "Updated"}})
    );
    assert_eq!(
        out["got"]["Item"],
        json!({"id": {"S": "id1"}, "data": {"S": "Updated"}, "n": {"N": "7"}})
    );
    assert!(out.get("conditional").is_none(), "{out:#}");
    assert_eq!(
        out["caught"]["Error"],
        "DynamoDb.ConditionalCheckFailedException"
    );
    let cause = out["caught"]["Cause"].as_str().unwrap();
    assert!(
        cause.contains("(Service: DynamoDb, Status Code: 400, Request ID: "),
        "{cause}"
    );
    assert_eq!(out["optimized"]["Item"]["data"]["S"], "Updated");
    assert_eq!(out["optimized"]["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert!(
        out["optimized"]["SdkResponseMetadata"]["RequestId"].is_string(),
        "{out:#}"
    );
    assert_eq!(
        out["noTable"]["Error"],
        "DynamoDB.ResourceNotFoundException"
    );
    assert!(
        out["noTable"]["Cause"].as_str().unwrap().contains(
            "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException;"
        ),
        "{out:#}"
    );
    assert_eq!(out["events"]["FailedEntryCount"], 0);
    host.stop().await;
}

/// A Distributed Map reading its items from S3 (moto's): a JSON Lines object up to MaxItems,
/// a CSV object with its header row and another delimiter, every page of a listed prefix in
/// batches, and a missing object, whose States.ItemReaderFailed a Catch takes.
#[tokio::test(flavor = "multi_thread")]
async fn distributed_maps_read_their_items_from_s3_objects_and_listings() {
    let host = host_calling(moto()).await;
    let put = |key: &str, body: &str, next: &str| {
        task(
            "s3:putObject",
            json!({"Bucket.$": "$.bucket", "Key": key, "Body": body}),
            "$.put",
            next,
        )
    };
    let map = |reader: Value, extra: Value, result_path: &str, next: &str| {
        // State names are unique across the machine: each Map's is named after its result.
        let echo = format!("Echo {result_path}");
        let mut state = json!({
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": echo, "States": {echo.clone(): {"Type": "Pass", "End": true}}
            },
            "ItemReader": reader,
            "ResultPath": result_path,
            "Next": next
        });
        state
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        state
    };
    let object = |key: &str, config: Value| {
        json!({"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config,
               "Parameters": {"Bucket.$": "$.bucket", "Key": key}})
    };
    let definition = json!({"StartAt": "Create", "States": {
        "Create": task("s3:createBucket", json!({"Bucket.$": "$.bucket"}), "$.created", "Lines"),
        "Lines": put("items.jsonl", "{\"n\":1}\n{\"n\":2}\n\n{\"n\":3}\n", "Rows"),
        "Rows": put("rows.csv", "name;qty\nbolt;3\n\"nut;m4\";10\n", "Data1"),
        "Data1": put("data/1.txt", "one", "Data2"),
        "Data2": put("data/2.txt", "two", "Data3"),
        "Data3": put("data/3.txt", "three", "ReadLines"),
        "ReadLines": map(object("items.jsonl", json!({"InputType": "JSONL", "MaxItems": 2})),
                         json!({}), "$.lines", "ReadRows"),
        "ReadRows": map(object("rows.csv", json!({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW",
                                                   "CSVDelimiter": "SEMICOLON"})),
                        json!({"ItemSelector": {"row.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"}}),
                        "$.rows", "ReadListing"),
        "ReadListing": map(json!({"Resource": "arn:aws:states:::s3:listObjectsV2",
                                  "Parameters": {"Bucket.$": "$.bucket", "Prefix": "data/", "MaxKeys": 2}}),
                           json!({"ItemBatcher": {"MaxItemsPerBatch": 2}}), "$.listing", "ReadMissing"),
        "ReadMissing": map(object("no-such.json", json!({"InputType": "JSON"})),
                           json!({"Catch": [{"ErrorEquals": ["States.ItemReaderFailed"],
                                             "ResultPath": "$.missing", "Next": "Done"}]}),
                           "$.never", "Done"),
        "Done": {"Type": "Succeed"}
    }});
    let (status, out) = run(
        &host,
        "map-reader",
        definition,
        json!({"bucket": "map-items"}),
    )
    .await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["lines"], json!([{"n": 1}, {"n": 2}]));
    assert_eq!(
        out["rows"],
        json!([{"row": {"name": "bolt", "qty": "3"}, "index": 0},
               {"row": {"name": "nut;m4", "qty": "10"}, "index": 1}])
    );
    // Three objects over two pages of two, in batches of two.
    let batches = out["listing"].as_array().unwrap();
    assert_eq!(batches.len(), 2, "{out:#}");
    let keys: Vec<&str> = batches
        .iter()
        .flat_map(|b| b["Items"].as_array().unwrap())
        .map(|o| o["Key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["data/1.txt", "data/2.txt", "data/3.txt"]);
    let first = &batches[0]["Items"][0];
    assert_eq!(first["Size"], 3);
    assert!(first["Etag"].as_str().unwrap().starts_with('"'), "{first}");
    assert!(first["LastModified"].as_i64().unwrap() > 1_600_000_000);
    assert_eq!(first["StorageClass"], "STANDARD");
    assert_eq!(out["missing"]["Error"], "States.ItemReaderFailed");
    let cause = out["missing"]["Cause"].as_str().unwrap();
    assert!(cause.starts_with("S3.NoSuchKeyException: "), "{cause}");
    assert!(out.get("never").is_none());
    host.stop().await;
}

/// S3 (moto's) called directly, through the host's own AWS client, to put and get what the
/// machines read and write.
pub struct S3 {
    client: stepwise::integrations::aws::AwsClient,
    model: std::sync::Arc<stepwise_aws::Service>,
}

impl S3 {
    pub fn new(endpoint: &str) -> S3 {
        S3 {
            client: stepwise::integrations::aws::AwsClient::new(aws_config(endpoint), "us-east-1"),
            model: stepwise_aws::service("s3").unwrap().unwrap(),
        }
    }

    pub async fn call(&self, operation: &str, parameters: Value) -> Value {
        let op = self.model.operation(operation).unwrap();
        self.client
            .call(&self.model, op, &parameters, None, None)
            .await
            .unwrap_or_else(|e| panic!("{operation}: {e:?}"))
    }

    /// The text of an object.
    #[allow(dead_code)]
    pub async fn text(&self, bucket: &str, key: &str) -> String {
        let op = self.model.operation("getObject").unwrap();
        let got = self
            .client
            .fetch(
                &self.model,
                op,
                &json!({"Bucket": bucket, "Key": key}),
                None,
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        String::from_utf8(got.body.to_vec()).unwrap()
    }
}

/// A ResultWriter writes a file of results each time 5 MiB of them are held, while the
/// children run, and the manifest names every file: each child's result is in exactly one.
#[tokio::test(flavor = "multi_thread")]
async fn a_result_writer_writes_a_large_map_run_in_several_files() {
    const N: usize = 400;
    let endpoint = moto();
    let host = host_calling(endpoint).await;
    let s3 = S3::new(endpoint);
    let bucket = "many-results";
    s3.call("createBucket", json!({"Bucket": bucket})).await;
    let pad = "r".repeat(30_000);
    let lines: String = (0..N)
        .map(|n| format!("{{\"n\":{n},\"pad\":\"{pad}\"}}\n"))
        .collect();
    s3.call(
        "putObject",
        json!({"Bucket": bucket, "Key": "in.jsonl", "Body": lines}),
    )
    .await;
    let definition = json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "End": true, "MaxConcurrency": 50,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                          "StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}},
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "JSONL"},
                       "Parameters": {"Bucket": bucket, "Key": "in.jsonl"}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"},
                         "Parameters": {"Bucket": bucket, "Prefix": "out"}}}}});
    let (status, out) = run(&host, "many-results", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    let key = out["ResultWriterDetails"]["Key"].as_str().unwrap();
    let manifest: Value = serde_json::from_str(&s3.text(bucket, key).await).unwrap();
    let files = manifest["ResultFiles"]["SUCCEEDED"].as_array().unwrap();
    // About 12 MB of outputs (COMPACT: only they are held and written): files of 5 MiB
    // and one result, the last one less, named in the order written.
    assert_eq!(files.len(), 3, "{manifest:#}");
    let mut seen = vec![0; N];
    for (index, file) in files.iter().enumerate() {
        let key = file["Key"].as_str().unwrap();
        assert!(key.ends_with(&format!("/SUCCEEDED_{index}.jsonl")), "{key}");
        let text = s3.text(bucket, key).await;
        assert_eq!(file["Size"], text.len(), "{key}");
        assert!(
            text.len() < 5 * 1024 * 1024 + 40_000,
            "{key}: {}",
            text.len()
        );
        if index + 1 < files.len() {
            assert!(
                text.len() >= 5 * 1024 * 1024 - 40_000,
                "{key}: {}",
                text.len()
            );
        }
        for line in text.lines() {
            let output: Value = serde_json::from_str(line).unwrap();
            seen[output["n"].as_u64().unwrap() as usize] += 1;
        }
    }
    assert!(
        seen.iter().all(|n| *n == 1),
        "each result in exactly one file"
    );
    assert_eq!(manifest["ResultFiles"]["FAILED"], json!([]));
    host.stop().await;
}

/// A Distributed Map reads objects many times larger than one ranged read (256 KiB) a page
/// at a time: every JSON Lines line, JSON element and CSV row (quoted, with the delimiter and
/// newlines inside) once and in order, whatever record a read cuts, and MaxItems stops the
/// reading in the middle of a page.
#[tokio::test(flavor = "multi_thread")]
async fn distributed_maps_read_large_objects_a_page_at_a_time() {
    const N: usize = 5_000;
    let endpoint = moto();
    let host = host_calling(endpoint).await;
    let s3 = S3::new(endpoint);
    let call = |operation, parameters| s3.call(operation, parameters);
    let bucket = "large-items";
    call("createBucket", json!({"Bucket": bucket})).await;
    let pad = "x".repeat(300);
    let lines: String = (0..N)
        .map(|n| format!("{{\"n\":{n},\"pad\":\"{pad}\"}}\n"))
        .collect();
    let elements: Vec<String> = (0..N)
        .map(|n| format!("{{\"pad\": [\"{pad}\", {{\"b\": \"],\"}}], \"n\": {n}}}"))
        .collect();
    let array = format!("[\n{}\n]", elements.join(",\n"));
    let rows: String = std::iter::once("n,pad\n".to_owned())
        .chain((0..N).map(|n| format!("{n},\"{pad}, and\n\"\"more\"\"\"\r\n")))
        .collect();
    for (key, body) in [
        ("items.jsonl", &lines),
        ("items.json", &array),
        ("items.csv", &rows),
    ] {
        assert!(body.len() > 5 * 256 * 1024, "{key} spans many reads");
        call(
            "putObject",
            json!({"Bucket": bucket, "Key": key, "Body": body}),
        )
        .await;
    }
    let map = |key: &str, config: Value, next: &str| {
        let child = format!("N of {key}");
        json!({
            "Type": "Map", "MaxConcurrency": 500,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": child,
                "States": {child.clone(): {"Type": "Pass", "OutputPath": "$.n", "End": true}}
            },
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config,
                           "Parameters": {"Bucket": bucket, "Key": key}},
            "ResultPath": format!("$.{}", key.replace('.', "_")),
            "Next": next
        })
    };
    let definition = json!({"StartAt": "Lines", "States": {
        "Lines": map("items.jsonl", json!({"InputType": "JSONL"}), "Array"),
        "Array": map("items.json", json!({"InputType": "JSON", "MaxItems": N - 123}), "Rows"),
        "Rows": map("items.csv", json!({"InputType": "CSV"}), "Done"),
        "Done": {"Type": "Succeed"}
    }});
    let (status, out) = run(&host, "large-items", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    let numbers: Vec<Value> = (0..N).map(|n| json!(n)).collect();
    assert_eq!(out["items_jsonl"], Value::Array(numbers.clone()));
    assert_eq!(out["items_json"], Value::Array(numbers[..N - 123].to_vec()));
    let texts: Vec<Value> = (0..N).map(|n| json!(n.to_string())).collect();
    assert_eq!(out["items_csv"], Value::Array(texts));
    host.stop().await;
}

/// The body of object `key` in `bucket`, read by a machine of `reader` (S3 wants signed
/// requests: the host's AWS SDK integration signs them).
async fn object(host: &Host, reader: &str, bucket: &str, key: &str) -> String {
    let execution =
        start_execution(&host.sfn, reader, &json!({"bucket": bucket, "key": key})).await;
    let d = ended(&host.sfn, &execution).await;
    assert_eq!(d.status.as_str(), "SUCCEEDED", "{key}: {:?}", d.cause);
    let out: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    out["Body"].as_str().unwrap().to_owned()
}

/// Distributed Maps over a JSON Lines object (Standard children) and over a listed prefix
/// (Express children), in batches, their results written to S3 by a ResultWriter and checked
/// object by object: the manifest, and the result files it names, as AWS lays them out.
#[tokio::test(flavor = "multi_thread")]
async fn distributed_maps_write_their_results_to_s3() {
    let host = host_calling(moto()).await;
    let bucket = "map-results";
    let put = |key: &str, body: &str, next: &str| {
        task(
            "s3:putObject",
            json!({"Bucket.$": "$.bucket", "Key": key, "Body": body}),
            "$.put",
            next,
        )
    };
    let lines: String = (1..=5).map(|n| format!("{{\"n\":{n}}}\n")).collect();
    let processor = |execution_type: &str, name: &str| {
        json!({
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
            "StartAt": name,
            "States": {name: {"Type": "Pass", "End": true, "Parameters": {
                "count.$": "States.ArrayLength($.Items)", "first.$": "$.Items[0]"}}}
        })
    };
    let definition = json!({"StartAt": "Create", "States": {
        "Create": task("s3:createBucket", json!({"Bucket.$": "$.bucket"}), "$.created", "Lines"),
        "Lines": put("in/items.jsonl", &lines, "Data1"),
        "Data1": put("data/a", "1", "Data2"),
        "Data2": put("data/b", "22", "Data3"),
        "Data3": put("data/c", "333", "Batches"),
        "Batches": {
            "Type": "Map", "Label": "Batches",
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "JSONL"},
                           "Parameters": {"Bucket.$": "$.bucket", "Key": "in/items.jsonl"}},
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "ItemProcessor": processor("STANDARD", "CountBatch"),
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket.$": "$.bucket", "Prefix": "results"}},
            "ResultPath": "$.batches",
            "Next": "Listing"
        },
        "Listing": {
            "Type": "Map", "Label": "Listing",
            "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2",
                           "Parameters": {"Bucket.$": "$.bucket", "Prefix": "data/"}},
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "ItemProcessor": processor("EXPRESS", "CountListed"),
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket.$": "$.bucket", "Prefix": "listed/"},
                             "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"}},
            "ResultPath": "$.listed",
            "End": true
        }
    }});
    let (status, out) = run(&host, "map-writer", definition, json!({"bucket": bucket})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    let reader = create_machine(
        &host.sfn,
        "read-object",
        &json!({"StartAt": "Get", "States": {"Get": {"Type": "Task", "End": true,
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.key"}}}}),
    )
    .await;
    let object = |bucket: &'static str, key: String| {
        let (host, reader) = (&host, reader.clone());
        async move { object(host, &reader, bucket, &key).await }
    };

    // JSON Lines in batches of two, Standard children, Transformation NONE.
    let details = &out["batches"]["ResultWriterDetails"];
    assert_eq!(details["Bucket"], bucket);
    let map_run = out["batches"]["MapRunArn"].as_str().unwrap();
    let id = map_run.rsplit(':').next().unwrap();
    assert_eq!(details["Key"], format!("results/{id}/manifest.json"));
    let manifest: Value =
        serde_json::from_str(&object(bucket, details["Key"].as_str().unwrap().to_owned()).await)
            .unwrap();
    assert_eq!(manifest["DestinationBucket"], bucket);
    assert_eq!(manifest["MapRunArn"], map_run);
    assert_eq!(manifest["ResultFiles"]["FAILED"], json!([]));
    assert_eq!(manifest["ResultFiles"]["PENDING"], json!([]));
    let file = &manifest["ResultFiles"]["SUCCEEDED"][0];
    assert_eq!(file["Key"], format!("results/{id}/SUCCEEDED_0.json"));
    let body = object(bucket, file["Key"].as_str().unwrap().to_owned()).await;
    assert_eq!(file["Size"], body.len());
    let entries: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(entries.len(), 3, "5 items in batches of 2");
    let mut counts = Vec::new();
    for entry in &entries {
        assert_eq!(entry["Status"], "SUCCEEDED");
        assert!(
            entry["StateMachineArn"]
                .as_str()
                .unwrap()
                .ends_with(":stateMachine:map-writer/Batches")
        );
        assert_eq!(entry["InputDetails"], json!({"Included": true}));
        assert!(entry["StartDate"].as_str().unwrap().ends_with('Z'));
        let output: Value = serde_json::from_str(entry["Output"].as_str().unwrap()).unwrap();
        let input: Value = serde_json::from_str(entry["Input"].as_str().unwrap()).unwrap();
        assert_eq!(output["first"], input["Items"][0]);
        counts.push((
            output["first"]["n"].as_i64().unwrap(),
            output["count"].as_i64().unwrap(),
        ));
        // Each entry is a child execution this host describes.
        let child = host
            .sfn
            .describe_execution()
            .execution_arn(entry["ExecutionArn"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(child.map_run_arn.as_deref(), Some(map_run));
    }
    counts.sort_unstable();
    assert_eq!(counts, [(1, 2), (3, 2), (5, 1)]);

    // A listed prefix, Express children, JSON Lines of their outputs (COMPACT).
    let listed = &out["listed"]["ResultWriterDetails"];
    let id = out["listed"]["MapRunArn"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap();
    assert_eq!(listed["Key"], format!("listed/{id}/manifest.json"));
    let manifest: Value =
        serde_json::from_str(&object(bucket, listed["Key"].as_str().unwrap().to_owned()).await)
            .unwrap();
    let file = &manifest["ResultFiles"]["SUCCEEDED"][0];
    assert_eq!(file["Key"], format!("listed/{id}/SUCCEEDED_0.jsonl"));
    let body = object(bucket, file["Key"].as_str().unwrap().to_owned()).await;
    // In the order the children ended.
    let mut outputs: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    outputs.sort_by_key(|o| o["first"]["Key"].as_str().unwrap_or_default().to_owned());
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[0]["count"], 2);
    assert_eq!(outputs[0]["first"]["Key"], "data/a");
    assert_eq!(outputs[0]["first"]["Size"], 1);
    assert_eq!(outputs[1]["count"], 1);
    assert_eq!(outputs[1]["first"]["Key"], "data/c");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_put_get_list_with_paging_and_a_missing_key() {
    let host = host_calling(moto()).await;
    let bucket = json!({"Bucket.$": "$.bucket"});
    let with = |extra: Value| {
        let mut p = bucket.clone();
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        p
    };
    let mut missing = task(
        "s3:getObject",
        with(json!({"Key": "no/such key"})),
        "$.missing",
        "Done",
    );
    missing["Catch"] = json!([{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.caught", "Next": "Done"}]);
    let definition = json!({"StartAt": "Create", "States": {
        "Create": task("s3:createBucket", with(json!({})), "$.created", "PutText"),
        "PutText": task("s3:putObject", with(json!({"Key": "a/b c.txt", "Body": "text data"})), "$.put", "PutJson"),
        "PutJson": task("s3:putObject", with(json!({"Key": "doc.json", "Body": {"Dict": "Value"}})), "$.put", "PutThird"),
        "PutThird": task("s3:putObject", with(json!({"Key": "z", "Body": "", "Metadata": {"owner": "tests"}})), "$.put", "GetText"),
        "GetText": task("s3:getObject", with(json!({"Key": "a/b c.txt"})), "$.text", "GetJson"),
        "GetJson": task("s3:getObject", with(json!({"Key": "doc.json"})), "$.json", "GetThird"),
        "GetThird": task("s3:getObject", with(json!({"Key": "z"})), "$.third", "Page1"),
        "Page1": task("s3:listObjectsV2", with(json!({"MaxKeys": 2})), "$.page1", "Page2"),
        "Page2": task("s3:listObjectsV2", with(json!({
            "MaxKeys": 2, "ContinuationToken.$": "$.page1.NextContinuationToken"
        })), "$.page2", "Missing"),
        "Missing": missing,
        "Done": {"Type": "Succeed"}
    }});
    let (status, out) = run(&host, "s3", definition, json!({"bucket": "orders-s3"})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["text"]["Body"], "text data");
    assert_eq!(out["text"]["ContentLength"], 9);
    assert!(out["text"]["ETag"].as_str().unwrap().starts_with('"'));
    assert!(out["text"]["LastModified"].as_str().unwrap().ends_with('Z'));
    assert_eq!(out["text"]["Metadata"], json!({}));
    assert_eq!(out["json"]["Body"], r#"{"Dict":"Value"}"#);
    assert_eq!(out["third"]["Body"], "");
    assert_eq!(out["third"]["Metadata"], json!({"owner": "tests"}));
    let keys = |page: &Value| -> Vec<String> {
        page["Contents"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|o| o["Key"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(keys(&out["page1"]), ["a/b c.txt", "doc.json"]);
    assert_eq!(out["page1"]["IsTruncated"], true);
    assert_eq!(keys(&out["page2"]), ["z"]);
    assert_eq!(out["page2"]["IsTruncated"], false);
    assert_eq!(out["caught"]["Error"], "S3.NoSuchKeyException");
    assert!(
        out["caught"]["Cause"]
            .as_str()
            .unwrap()
            .contains("(Service: S3, Status Code: 404")
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn query_ec2_rest_json_and_json_1_1_services() {
    let host = host_calling(moto()).await;
    let mut no_user = task(
        "iam:getUser",
        json!({"UserName": "nobody-here"}),
        "$.nobody",
        "Done",
    );
    no_user["Catch"] = json!([{"ErrorEquals": ["Iam.NoSuchEntityException"], "ResultPath": "$.caught", "Next": "Done"}]);
    let definition = json!({"StartAt": "CreateUser", "States": {
        // query
        "CreateUser": task("iam:createUser", json!({"UserName": "alice", "Tags": [{"Key": "team", "Value": "a"}]}), "$.user", "GetUser"),
        "GetUser": task("iam:getUser", json!({"UserName": "alice"}), "$.got", "CreateVpc"),
        // ec2
        "CreateVpc": task("ec2:createVpc", json!({"CidrBlock": "10.7.0.0/16"}), "$.vpc", "DescribeVpcs"),
        "DescribeVpcs": task("ec2:describeVpcs", json!({"VpcIds.$": "States.Array($.vpc.Vpc.VpcId)"}), "$.vpcs", "CreateApi"),
        // rest-json
        "CreateApi": task("apigateway:createRestApi", json!({"Name": "orders-api"}), "$.api", "GetApi"),
        "GetApi": task("apigateway:getRestApi", json!({"RestApiId.$": "$.api.Id"}), "$.gotApi", "PutEvents"),
        // json 1.1
        "PutEvents": task("eventbridge:putEvents", json!({"Entries": [
            {"Source": "orders", "DetailType": "created", "Detail": "{\"id\": 1}"}
        ]}), "$.events", "CreateSecret"),
        "CreateSecret": task("secretsmanager:createSecret", json!({"Name": "orders-secret", "SecretString": "s3cr3t"}), "$.secret", "GetSecret"),
        "GetSecret": task("secretsmanager:getSecretValue", json!({"SecretId": "orders-secret"}), "$.value", "NoUser"),
        "NoUser": no_user,
        "Done": {"Type": "Succeed"}
    }});
    let (status, out) = run(&host, "protocols", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["user"]["User"]["UserName"], "alice");
    assert_eq!(out["got"]["User"]["UserName"], "alice");
    assert!(
        out["got"]["User"]["CreateDate"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let vpc = out["vpc"]["Vpc"]["VpcId"].as_str().unwrap();
    assert!(vpc.starts_with("vpc-"), "{vpc}");
    assert_eq!(out["vpcs"]["Vpcs"][0]["VpcId"], vpc);
    assert_eq!(out["vpcs"]["Vpcs"][0]["CidrBlock"], "10.7.0.0/16");
    assert_eq!(out["gotApi"]["Name"], "orders-api");
    assert_eq!(out["gotApi"]["Id"], out["api"]["Id"]);
    assert_eq!(out["events"]["FailedEntryCount"], 0);
    assert!(out["events"]["Entries"][0]["EventId"].is_string());
    assert_eq!(out["value"]["SecretString"], "s3cr3t");
    assert_eq!(out["caught"]["Error"], "Iam.NoSuchEntityException");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_a_task_error_that_catch_handles() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = host_calling(&format!("http://127.0.0.1:{port}")).await;
    let mut get = task(
        "dynamodb:getItem",
        json!({"TableName": "t", "Key": {"id": {"S": "1"}}}),
        "$.got",
        "Done",
    );
    get["Catch"] = json!([{"ErrorEquals": ["DynamoDb.SdkClientException"], "ResultPath": "$.caught", "Next": "Done"}]);
    let definition = json!({"StartAt": "Get", "States": {"Get": get, "Done": {"Type": "Succeed"}}});
    let started = Instant::now();
    let (status, out) = run(&host, "unreachable", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["caught"]["Error"], "DynamoDb.SdkClientException");
    assert!(
        out["caught"]["Cause"]
            .as_str()
            .unwrap()
            .contains("Unable to execute HTTP request"),
        "{out:#}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_state_machine_refuses_unknown_services_and_actions_with_a_suggestion() {
    let host = Host::in_memory().await;
    for (resource, expected) in [
        ("aws-sdk:s3:getObjekt", "did you mean 'getObject'?"),
        ("aws-sdk:dynamo:putItem", "did you mean 'dynamodb'?"),
        ("aws-sdk:s3:getObject.sync", "does not support"),
        (
            "aws-sdk:cloudwatchomni:listThings",
            "speaks only smithy-rpc-v2-cbor",
        ),
    ] {
        let definition = json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": format!("arn:aws:states:::{resource}"), "End": true
        }}});
        let err = host
            .sfn
            .create_state_machine()
            .name("refused")
            .role_arn(crate::common::ROLE)
            .definition(definition.to_string())
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_invalid_definition(), "{resource}: {err:?}");
        let message = err.meta().message().unwrap_or_default().to_owned();
        assert!(message.contains(expected), "{resource}: {message}");
        assert!(message.contains(resource), "{resource}: {message}");
    }
    host.stop().await;
}

/// `examples/aws-orders/`: its setup, then an order, then the same order again.
#[tokio::test(flavor = "multi_thread")]
async fn example_aws_orders_runs_against_an_aws_compatible_endpoint() {
    let host = host_calling(moto()).await;
    let setup = crate::common::example("aws-orders/setup.asl.json");
    let (status, out) = run(&host, "aws-orders-setup", setup, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["table"]["Table"], "orders");

    let orders = crate::common::example("aws-orders/orders.asl.json");
    let machine = create_machine(&host.sfn, "aws-orders", &orders).await;
    let order = json!({"orderId": "o-1", "customer": "ana", "total": 42});
    let first = ended(
        &host.sfn,
        &start_execution(&host.sfn, &machine, &order).await,
    )
    .await;
    assert_eq!(first.status.as_str(), "SUCCEEDED", "{first:?}");
    let out: Value = serde_json::from_str(first.output.as_deref().unwrap()).unwrap();
    assert!(
        out["receipt"]["ETag"].as_str().unwrap().starts_with('"'),
        "{out:#}"
    );
    assert!(out["event"]["EventId"].is_string(), "{out:#}");

    // What the workflow wrote, read back through the AWS SDK integration.
    let check = json!({"StartAt": "Item", "States": {
        "Item": task("dynamodb:getItem", json!({"TableName": "orders", "Key": {"orderId": {"S": "o-1"}}}), "$.item", "Receipt"),
        "Receipt": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": "orders-receipts", "Key": "receipts/o-1.json"},
            "ResultPath": "$.receipt", "End": true
        }
    }});
    let (status, out) = run(&host, "aws-orders-check", check, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["item"]["Item"]["total"], json!({"N": "42"}));
    let receipt: Value = serde_json::from_str(out["receipt"]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(receipt, order);
    assert_eq!(out["receipt"]["ContentType"], "application/json");

    let again = ended(
        &host.sfn,
        &start_execution(&host.sfn, &machine, &order).await,
    )
    .await;
    assert_eq!(again.status.as_str(), "FAILED");
    assert_eq!(again.error.as_deref(), Some("OrderAlreadyPlaced"));
    host.stop().await;
}

/// `serve --forward sqs`: `sqs:sendMessage` goes to the endpoint's SQS, answered as AWS's SQS
/// integration answers; the message is then there to receive.
#[tokio::test(flavor = "multi_thread")]
async fn a_forwarded_sqs_sends_to_the_endpoint() {
    let host = host_forwarding(moto(), &["sqs"]).await;
    let definition = json!({"StartAt": "Create", "States": {
        "Create": task("sqs:createQueue", json!({"QueueName": "forwarded-orders"}), "$.queue", "Send"),
        "Send": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl.$": "$.queue.QueueUrl", "MessageBody": {"order": 7}},
            "ResultPath": "$.sent", "Next": "Receive"
        },
        "Receive": task("sqs:receiveMessage", json!({"QueueUrl.$": "$.queue.QueueUrl", "WaitTimeSeconds": 1}), "$.received", "Done"),
        "Done": {"Type": "Succeed"}
    }});
    let (status, out) = run(&host, "forwarded", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert!(out["sent"]["MessageId"].is_string(), "{out:#}");
    assert!(out["sent"]["MD5OfMessageBody"].is_string(), "{out:#}");
    assert_eq!(out["sent"]["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(out["received"]["Messages"][0]["Body"], r#"{"order":7}"#);
    assert_eq!(
        out["received"]["Messages"][0]["MessageId"],
        out["sent"]["MessageId"]
    );
    host.stop().await;
}

/// `.sync` on AWS jobs: an Athena query and a Glue job run, each waited for by polling the
/// service, with the job's description as the result.
#[tokio::test(flavor = "multi_thread")]
async fn athena_and_glue_jobs_run_to_their_end_with_sync() {
    let host = host_calling(moto()).await;
    let definition = json!({"StartAt": "Query", "States": {
        "Query": {
            "Type": "Task", "Resource": "arn:aws:states:::athena:startQueryExecution.sync",
            "Parameters": {
                "QueryString": "SELECT 1",
                "ResultConfiguration": {"OutputLocation": "s3://athena-results/"}
            },
            "ResultPath": "$.query", "Next": "CreateJob"
        },
        "CreateJob": task("glue:createJob", json!({
            "Name": "orders-etl", "Role": "arn:aws:iam::123456789012:role/glue",
            "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/etl.py"}
        }), "$.job", "Run"),
        "Run": {
            "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "orders-etl"},
            "ResultPath": "$.run", "Next": "Started"
        },
        "Started": {
            "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun",
            "Parameters": {"JobName": "orders-etl"},
            "ResultPath": "$.started", "End": true
        }
    }});
    let (status, out) = run(&host, "jobs", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(
        out["query"]["QueryExecution"]["Status"]["State"], "SUCCEEDED",
        "{out:#}"
    );
    assert_eq!(out["query"]["QueryExecution"]["Query"], "SELECT 1");
    assert_eq!(out["run"]["JobName"], "orders-etl", "{out:#}");
    assert_eq!(out["run"]["JobRunState"], "SUCCEEDED");
    // Request-response answers at once, with what AWS's integration adds.
    assert!(out["started"]["JobRunId"].is_string(), "{out:#}");
    assert_eq!(out["started"]["SdkHttpMetadata"]["HttpStatusCode"], 200);
    host.stop().await;
}

/// An API on loopback for `apigateway:invoke` and a Bedrock runtime stand-in: each answers
/// with what it was asked.
async fn echo_api() -> String {
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    async fn echo(request: Request) -> axum::response::Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        if parts.uri.path().ends_with("/forbidden") {
            return (
                StatusCode::FORBIDDEN,
                r#"{"message":"Missing Authentication Token"}"#,
            )
                .into_response();
        }
        let answer = json!({
            "path": parts.uri.path(),
            "query": parts.uri.query(),
            "method": parts.method.as_str(),
            "body": String::from_utf8_lossy(&body),
            "signed": parts.headers.contains_key("authorization"),
        });
        ([("content-type", "application/json")], answer.to_string()).into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(echo))
            .await
            .unwrap()
    });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn api_gateway_invoke_and_bedrock_invoke_model() {
    let api = echo_api().await;
    let config = HostConfig {
        aws: AwsConfig {
            region: Some("us-east-1".into()),
            endpoints: Endpoints {
                services: [("bedrockruntime".to_owned(), api.clone())].into(),
                default: None,
            },
            credentials: Some(credentials()),
            attempt_timeout: Some(Duration::from_secs(10)),
            forward: Vec::new(),
        },
        ..HostConfig::default()
    };
    let host = Host::with_config(Arc::new(MemoryStore::new()), config).await;
    let definition = json!({"StartAt": "Invoke", "States": {
        "Invoke": {
            "Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke",
            "Parameters": {
                "ApiEndpoint": api, "Method": "POST", "Stage": "prod", "Path": "orders",
                "QueryParameters": {"id": ["7"]}, "RequestBody": {"total": 42},
                "AuthType": "IAM_ROLE"
            },
            "ResultPath": "$.api", "Next": "Forbidden"
        },
        "Forbidden": {
            "Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke",
            "Parameters": {"ApiEndpoint": api, "Method": "GET", "Path": "forbidden"},
            "Catch": [{"ErrorEquals": ["ApiGateway.403"], "ResultPath": "$.denied", "Next": "Model"}],
            "Next": "Model"
        },
        "Model": {
            "Type": "Task", "Resource": "arn:aws:states:::bedrock:invokeModel",
            "Parameters": {"ModelId": "anthropic.claude-v2", "Body": {"prompt": "hi"}, "ContentType": "application/json"},
            "ResultPath": "$.model", "End": true
        }
    }});
    let (status, out) = run(&host, "invoke", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["api"]["StatusCode"], 200);
    assert_eq!(out["api"]["StatusText"], "OK");
    assert_eq!(out["api"]["ResponseBody"]["path"], "/prod/orders");
    assert_eq!(out["api"]["ResponseBody"]["query"], "id=7");
    assert_eq!(out["api"]["ResponseBody"]["body"], r#"{"total":42}"#);
    assert_eq!(out["api"]["ResponseBody"]["signed"], true);
    assert_eq!(
        out["api"]["Headers"]["Content-Type"],
        json!(["application/json"])
    );
    assert_eq!(out["denied"]["Error"], "ApiGateway.403");
    assert_eq!(
        out["denied"]["Cause"],
        r#"{"message":"Missing Authentication Token"}"#
    );
    // InvokeModel's answer body, given to the state parsed.
    assert_eq!(
        out["model"]["Body"]["path"], "/model/anthropic.claude-v2/invoke",
        "{out:#}"
    );
    assert_eq!(out["model"]["Body"]["body"], r#"{"prompt":"hi"}"#);
    host.stop().await;
}

/// ECS: a container instance for moto to place tasks on, a task run request-response, then one
/// run with `.sync` that ends when a Parallel branch beside it stops it.
#[tokio::test(flavor = "multi_thread")]
async fn ecs_run_task_request_response_and_sync() {
    let host = host_calling(moto()).await;
    let run_task = |resource: &str| {
        json!({
            "Type": "Task", "Resource": format!("arn:aws:states:::ecs:{resource}"),
            "Parameters": {"Cluster": "orders-ecs", "TaskDefinition": "orders-worker"},
            "End": true
        })
    };
    let definition = json!({"StartAt": "Instance", "States": {
        "Instance": task("ec2:runInstances", json!({"ImageId": "ami-12c6146b", "MinCount": 1, "MaxCount": 1}), "$.instance", "Document"),
        "Document": {
            "Type": "Pass",
            "Parameters": {"instanceId.$": "$.instance.Instances[0].InstanceId"},
            "ResultPath": "$.document", "Next": "Cluster"
        },
        "Cluster": task("ecs:createCluster", json!({"ClusterName": "orders-ecs"}), "$.cluster", "Register"),
        "Register": task("ecs:registerContainerInstance", json!({
            "Cluster": "orders-ecs",
            "InstanceIdentityDocument.$": "States.JsonToString($.document)"
        }), "$.registered", "Definition"),
        "Definition": task("ecs:registerTaskDefinition", json!({
            "Family": "orders-worker",
            "ContainerDefinitions": [{"Name": "worker", "Image": "busybox", "Memory": 128}]
        }), "$.definition", "Run"),
        "Run": {
            "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
            "Parameters": {"Cluster": "orders-ecs", "TaskDefinition": "orders-worker"},
            "ResultPath": "$.run", "Next": "RunToEnd"
        },
        "RunToEnd": {
            "Type": "Parallel", "ResultPath": "$.branches", "End": true,
            "Branches": [
                {"StartAt": "Sync", "States": {"Sync": run_task("runTask.sync")}},
                {"StartAt": "Later", "States": {
                    "Later": {"Type": "Wait", "Seconds": 1, "Next": "List"},
                    "List": task("ecs:listTasks", json!({"Cluster": "orders-ecs", "DesiredStatus": "RUNNING"}), "$.listed", "Stop"),
                    "Stop": {
                        "Type": "Map", "ItemsPath": "$.listed.TaskArns", "End": true,
                        "ItemProcessor": {"StartAt": "StopOne", "States": {"StopOne": {
                            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ecs:stopTask",
                            "Parameters": {"Cluster": "orders-ecs", "Task.$": "$"}, "End": true
                        }}}
                    }
                }}
            ]
        }
    }});
    let (status, out) = run(&host, "ecs", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert!(out["run"]["Tasks"][0]["TaskArn"].is_string(), "{out:#}");
    assert_eq!(out["run"]["SdkHttpMetadata"]["HttpStatusCode"], 200);
    let synced = &out["branches"][0];
    assert_eq!(synced["LastStatus"], "STOPPED", "{out:#}");
    assert!(synced["TaskArn"].is_string());
    host.stop().await;
}

/// Step Functions itself through the AWS SDK integration (moto's): a machine created with a
/// definition given as an object (sent as its JSON text, as AWS does), then started.
#[tokio::test(flavor = "multi_thread")]
async fn step_functions_through_the_aws_sdk_integration() {
    let host = host_calling(moto()).await;
    let definition = json!({"StartAt": "Create", "States": {
        "Create": task("sfn:createStateMachine", json!({
            "Name": "remote-hello",
            "RoleArn": "arn:aws:iam::123456789012:role/sfn",
            "Definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
        }), "$.machine", "Start"),
        "Start": task("sfn:startExecution", json!({
            "StateMachineArn.$": "$.machine.StateMachineArn",
            "Input": {"key": "value"}
        }), "$.started", "List"),
        "List": task("sfn:listStateMachines", json!({}), "$.listed", "Done"),
        "Done": {"Type": "Succeed"}
    }});
    let (status, out) = run(&host, "sfn-sdk", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert!(
        out["machine"]["StateMachineArn"]
            .as_str()
            .unwrap()
            .ends_with(":remote-hello")
    );
    assert!(
        out["machine"]["CreationDate"]
            .as_str()
            .unwrap()
            .ends_with('Z'),
        "{out:#}"
    );
    assert!(out["started"]["ExecutionArn"].is_string(), "{out:#}");
    assert!(out["started"]["StartDate"].is_string());
    let names: Vec<&str> = out["listed"]["StateMachines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"remote-hello"), "{names:?}");
    host.stop().await;
}

/// EMR's actions as Step Functions names them, on moto: a cluster created and waited for, a
/// step added, protection lifted, the cluster terminated and waited for.
#[tokio::test(flavor = "multi_thread")]
async fn emr_cluster_and_step_actions() {
    let host = host_calling(moto()).await;
    let emr = |action: &str, parameters: Value, result: &str, next: Option<&str>| {
        let mut state = json!({
            "Type": "Task", "Resource": format!("arn:aws:states:::elasticmapreduce:{action}"),
            "Parameters": parameters, "ResultPath": result,
        });
        match next {
            Some(next) => state["Next"] = json!(next),
            None => state["End"] = json!(true),
        }
        state
    };
    let definition = json!({"StartAt": "Create", "States": {
        "Create": emr("createCluster.sync", json!({
            "Name": "orders-emr", "ReleaseLabel": "emr-6.0.0",
            "Instances": {"InstanceCount": 1, "MasterInstanceType": "m5.xlarge", "KeepJobFlowAliveWhenNoSteps": true},
            "JobFlowRole": "EMR_EC2_DefaultRole", "ServiceRole": "EMR_DefaultRole"
        }), "$.cluster", Some("Step")),
        "Step": emr("addStep", json!({
            "ClusterId.$": "$.cluster.Id",
            "Step": {"Name": "count", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["echo", "hi"]}}
        }), "$.step", Some("Unprotect")),
        "Unprotect": emr("setClusterTerminationProtection", json!({
            "ClusterId.$": "$.cluster.Id", "TerminationProtected": false
        }), "$.unprotected", Some("Terminate")),
        "Terminate": emr("terminateCluster.sync", json!({"ClusterId.$": "$.cluster.Id"}), "$.terminated", None)
    }});
    let (status, out) = run(&host, "emr", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["cluster"]["Name"], "orders-emr", "{out:#}");
    assert_eq!(out["cluster"]["Status"]["State"], "WAITING");
    assert!(
        out["step"]["StepId"].as_str().unwrap().starts_with("s-"),
        "{out:#}"
    );
    assert_eq!(out["step"]["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        out["terminated"]["Status"]["State"], "TERMINATED",
        "{out:#}"
    );
    host.stop().await;
}

/// A Resource that names a region calls that region: a table made in eu-west-1 is there and
/// not in the host's region.
#[tokio::test(flavor = "multi_thread")]
async fn a_resource_region_is_where_the_call_goes() {
    let host = host_calling(moto()).await;
    let in_region = |action: &str, region: &str, parameters: Value, result: &str, next: &str| {
        json!({
            "Type": "Task",
            "Resource": format!("arn:aws:states:{region}::aws-sdk:dynamodb:{action}"),
            "Parameters": parameters, "ResultPath": result, "Next": next
        })
    };
    let mut elsewhere = in_region(
        "describeTable",
        "us-east-1",
        json!({"TableName": "regional"}),
        "$.home",
        "Done",
    );
    elsewhere["Catch"] = json!([{"ErrorEquals": ["DynamoDb.ResourceNotFoundException"], "ResultPath": "$.notHome", "Next": "Done"}]);
    let definition = json!({"StartAt": "Create", "States": {
        "Create": in_region("createTable", "eu-west-1", json!({
            "TableName": "regional",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        }), "$.created", "There"),
        "There": in_region("describeTable", "eu-west-1", json!({"TableName": "regional"}), "$.there", "Elsewhere"),
        "Elsewhere": elsewhere,
        "Done": {"Type": "Succeed"}
    }});
    let (status, out) = run(&host, "regional", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert!(
        out["there"]["Table"]["TableArn"]
            .as_str()
            .unwrap()
            .contains(":eu-west-1:"),
        "{out:#}"
    );
    assert_eq!(
        out["notHome"]["Error"], "DynamoDb.ResourceNotFoundException",
        "{out:#}"
    );
    host.stop().await;
}

/// `serve --forward lambda states batch`: `lambda:invoke`, `states:startExecution.sync:2` and
/// `batch:submitJob.sync` go to another Stepwise host, through its AWS APIs, as they would go
/// to AWS.
#[tokio::test(flavor = "multi_thread")]
async fn forwarded_lambda_step_functions_and_batch_reach_another_host() {
    use stepwise_test_artifacts as guest;
    let remote = Host::in_memory().await;
    crate::common::deploy(&remote.lambda, "echo", guest::ECHO, Some(5)).await;
    crate::common::deploy(&remote.lambda, "broken", guest::PANIC, Some(5)).await;
    let child = create_machine(
        &remote.sfn,
        "child",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.a"}, "End": true}}}),
    )
    .await;
    let config = HostConfig {
        aws: AwsConfig {
            region: Some("us-east-1".into()),
            endpoints: Endpoints {
                services: ["sfn", "lambda", "batch"]
                    .map(|s| (s.to_owned(), remote.endpoint.clone()))
                    .into(),
                default: None,
            },
            credentials: Some(credentials()),
            attempt_timeout: Some(Duration::from_secs(10)),
            forward: ["lambda", "states", "batch"].map(str::to_owned).into(),
        },
        ..HostConfig::default()
    };
    let host = Host::with_config(Arc::new(MemoryStore::new()), config).await;
    let definition = json!({"StartAt": "Invoke", "States": {
        "Invoke": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "echo", "Payload": {"x": 1}},
            "ResultPath": "$.invoked", "Next": "Broken"
        },
        "Broken": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "broken", "Payload": {}},
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.broken", "Next": "Child"}],
            "Next": "Child"
        },
        "Child": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": child, "Input": {"a": 1}},
            "ResultPath": "$.child", "Next": "Job"
        },
        "Job": {
            "Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
            "Parameters": {"JobDefinition": "echo", "JobName": "forwarded", "JobQueue": "q"},
            "ResultPath": "$.job", "End": true
        }
    }});
    let (status, out) = run(&host, "forwarding", definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{out:#}");
    assert_eq!(out["invoked"]["Payload"], json!({"x": 1}), "{out:#}");
    assert_eq!(out["invoked"]["StatusCode"], 200);
    assert_eq!(out["invoked"]["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert!(
        out["broken"]["Cause"]
            .as_str()
            .unwrap()
            .contains("errorMessage"),
        "{out:#}"
    );
    assert_eq!(out["child"]["Status"], "SUCCEEDED", "{out:#}");
    assert_eq!(out["child"]["Output"], json!({"got": 1}));
    assert_eq!(out["job"]["Status"], "SUCCEEDED", "{out:#}");
    assert_eq!(out["job"]["JobName"], "forwarded");
    host.stop().await;
    remote.stop().await;
}

//! What the end-to-end tests share: AWS SDK clients pointed at a local endpoint.

use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_sfn::error::BoxError;

use std::io::{BufRead, BufReader};
use std::sync::Arc;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use stepwise::host::{Host as Composed, HostConfig};
use stepwise::store::Store;
use stepwise::store::memory::MemoryStore;

/// A `stepwise serve` process that is killed when dropped, so that a test that fails (panics)
/// leaves no server behind; a test that stops it itself (`kill`, SIGTERM and `wait`) is
/// unaffected.
pub struct Served(Child);

impl std::ops::Deref for Served {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Served {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // An exited child is not killed again (its pid may be another process's by now).
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts the `stepwise serve` binary on a free port with `data_dir` and `args`; returns the
/// process and its endpoint, read from the line it prints once it listens.
pub fn serve(data_dir: &Path, args: &[&str]) -> (Served, String) {
    serve_with_env(data_dir, args, &[])
}

/// The same, with `env` set for the server.
pub fn serve_with_env(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Served, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (Served(child), endpoint)
}

/// Runs `stepwise serve` with `args`, expecting it to refuse to start: what it wrote to stderr.
pub fn refused(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("serve")
        .args(args)
        .output()
        .expect("the server runs");
    assert!(!out.status.success(), "the server started with {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// AWS SDKs send StartSyncExecution to `sync-<host>`, which does not resolve for 127.0.0.1;
/// this puts the request back on the endpoint (see the README).
#[derive(Debug)]
pub struct NoSyncPrefix;

impl Intercept for NoSyncPrefix {
    fn name(&self) -> &'static str {
        "NoSyncPrefix"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().replacen("://sync-", "://", 1);
        request.set_uri(uri)?;
        Ok(())
    }
}

pub fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "tests")
}

pub fn sfn_client(endpoint: &str) -> aws_sdk_sfn::Client {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .interceptor(NoSyncPrefix)
        .build();
    aws_sdk_sfn::Client::from_conf(config)
}

pub fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// Asserts that history `events` are numbered 1, 2, 3, ...: no gap, no duplicate.
pub fn assert_no_gap(events: &[aws_sdk_sfn::types::HistoryEvent], execution: &str) {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        (1..=ids.len() as i64).collect::<Vec<_>>(),
        "{execution}: gap or duplicate"
    );
}

/// A server on a free port, with clients pointed at it.
pub struct Host {
    pub sfn: aws_sdk_sfn::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub batch: aws_sdk_batch::Client,
    pub endpoint: String,
    /// The host behind the endpoint.
    pub server: Composed,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl Host {
    pub async fn start(store: Arc<dyn Store>, cache: Option<std::path::PathBuf>) -> Host {
        Host::with_config(
            store,
            HostConfig {
                cache_dir: cache,
                ..HostConfig::default()
            },
        )
        .await
    }

    /// A server on `store` set up as `config` says.
    pub async fn with_config(store: Arc<dyn Store>, config: HostConfig) -> Host {
        Host::serving(store, config, None).await
    }

    /// A server that lets in only requests signed by one of `keys`.
    pub async fn with_keys(store: Arc<dyn Store>, keys: stepwise::api::auth::Keys) -> Host {
        Host::serving(store, HostConfig::default(), Some(Arc::new(keys))).await
    }

    async fn serving(
        store: Arc<dyn Store>,
        config: HostConfig,
        keys: Option<Arc<stepwise::api::auth::Keys>>,
    ) -> Host {
        let server = Composed::start(store, config)
            .await
            .expect("the server starts");
        let server_handle = server.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(async move {
            stepwise::api::serve_with(listener, server, keys, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Host {
            sfn: sfn_client(&endpoint),
            lambda: lambda_client(&endpoint),
            sqs: sqs_client(&endpoint),
            sns: sns_client(&endpoint),
            batch: batch_client(&endpoint),
            endpoint,
            shutdown: Some(tx),
            served: Some(served),
            server: server_handle,
        }
    }

    pub async fn in_memory() -> Host {
        Host::start(Arc::new(MemoryStore::new()), None).await
    }

    /// Stops serving and lets go of every execution, as a host that stops does: a host
    /// started next on the same store is the only one running them.
    pub async fn stop(mut self) {
        let _ = self.shutdown.take().map(|tx| tx.send(()));
        if let Some(s) = self.served.take() {
            s.await.unwrap();
        }
        self.server.shutdown(std::time::Duration::ZERO).await;
    }
}

pub fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

pub fn sns_client(endpoint: &str) -> aws_sdk_sns::Client {
    let config = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sns::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sns::Client::from_conf(config)
}

pub fn batch_client(endpoint: &str) -> aws_sdk_batch::Client {
    let config = aws_sdk_batch::Config::builder()
        .behavior_version(aws_sdk_batch::config::BehaviorVersion::latest())
        .region(aws_sdk_batch::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_batch::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_batch::Client::from_conf(config)
}

/// The role machines are created with.
pub const ROLE: &str = "arn:aws:iam::123456789012:role/test";

/// Polls until the execution has left RUNNING; its description.
pub async fn ended(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    for _ in 0..1000 {
        let d = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if d.status != aws_sdk_sfn::types::ExecutionStatus::Running {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{arn} did not end");
}

/// Deploys the component at `path` as function `name`, with a Lambda `timeout` if given.
pub async fn deploy(lambda: &aws_sdk_lambda::Client, name: &str, path: &str, timeout: Option<i32>) {
    let code = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    lambda
        .create_function()
        .function_name(name)
        .role(ROLE)
        .set_timeout(timeout)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(code))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("deploying {name}: {:?}", e.into_service_error()));
}

/// Creates a Standard machine; its ARN.
pub async fn create_machine(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    definition: &serde_json::Value,
) -> String {
    sfn.create_state_machine()
        .name(name)
        .role_arn(ROLE)
        .definition(definition.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {:?}", e.into_service_error()))
        .state_machine_arn
}

/// Starts an execution of `machine` on `input`; its ARN.
pub async fn start_execution(
    sfn: &aws_sdk_sfn::Client,
    machine: &str,
    input: &serde_json::Value,
) -> String {
    sfn.start_execution()
        .state_machine_arn(machine)
        .input(input.to_string())
        .send()
        .await
        .unwrap()
        .execution_arn
}

/// An example's definition, from `examples/`.
pub fn example(path: &str) -> serde_json::Value {
    let path = format!("{}/../examples/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A Python or JavaScript task built from `project` by `stepwise build`, cached by source hash
/// in the target directory.
pub fn foreign_guest(project: &str) -> Vec<u8> {
    stepwise_test_artifacts::foreign_guest(
        Path::new(env!("CARGO_BIN_EXE_stepwise")),
        project,
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("foreign-guests"),
    )
}

/// Where the tests keep precompiled components, so that a large Python or JavaScript one is
/// compiled once rather than by every test that deploys it.
pub fn compiled_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled")
}

/// `GET path` on `endpoint` with no signature and no SDK (as Prometheus scrapes): the whole
/// answer, status line and headers included.
pub async fn get(endpoint: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

//! `stepwise serve`: the API server on a data directory, with optional functions and machines
//! deployed at start (what the README's quick start uses for the examples).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use serde_json::json;

use axum::extract::FromRef;
use stepwise::api;
use stepwise::host::{Host, HostConfig};
use stepwise::integrations::aws::AwsConfig;
use stepwise::integrations::aws::endpoint::Endpoints;
use stepwise::store::Store;
use stepwise::store::memory::MemoryStore;
use stepwise::store::sqlite::SqliteStore;

/// What `serve` was asked to do.
#[derive(clap::Args)]
pub struct Options {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8083")]
    pub listen: SocketAddr,
    /// Where state machines, executions and functions are kept.
    #[arg(long, default_value = "./.stepwise")]
    pub data_dir: PathBuf,
    /// Keep everything in memory instead (lost when the server stops).
    #[arg(long)]
    pub in_memory: bool,
    /// Deploy a component as function NAME at start (repeatable); an existing function
    /// gets the new code.
    #[arg(long = "function", value_name = "NAME=PATH.wasm", value_parser = crate::parse_function_arg)]
    pub functions: Vec<(String, PathBuf)>,
    /// Create (or update) Standard state machine NAME from a definition at start
    /// (repeatable).
    #[arg(long = "machine", value_name = "NAME=PATH.asl.json", value_parser = crate::parse_function_arg)]
    pub machines: Vec<(String, PathBuf)>,
    /// Create (or update) Express state machine NAME from a definition at start
    /// (repeatable).
    #[arg(long = "express-machine", value_name = "NAME=PATH.asl.json", value_parser = crate::parse_function_arg)]
    pub express: Vec<(String, PathBuf)>,
    /// Let HTTP Tasks (`arn:aws:states:::http:invoke`) call HOST (any port) or HOST:PORT
    /// (repeatable). No host may be called unless listed.
    #[arg(long = "allow-http-host", value_name = "HOST[:PORT]")]
    pub allow_http_hosts: Vec<String>,
    /// Send AWS SDK integration calls of SERVICE (as in `aws-sdk:SERVICE:action`, say
    /// `dynamodb`) to URL instead of AWS (repeatable). Overrides `AWS_ENDPOINT_URL_<SERVICE>`
    /// and `AWS_ENDPOINT_URL`, which are read as AWS SDKs read them.
    #[arg(long = "aws-endpoint", value_name = "SERVICE=URL")]
    pub aws_endpoints: Vec<String>,
    /// Send a built-in integration out like the other AWS services instead of serving it
    /// here (repeatable): `sqs` (`sqs:sendMessage` to real SQS), `sns`, `lambda`
    /// (`lambda:invoke`), `states` (`states:startExecution`) or `batch` (`batch:submitJob`).
    #[arg(long = "forward", value_name = "SERVICE", value_parser = ["sqs", "sns", "lambda", "states", "batch"])]
    pub forward: Vec<String>,
    /// Step Functions Local's mock file (default: `SFN_MOCK_CONFIG`): StartExecution of
    /// `stateMachineArn#TestCase` runs that test case with its mocked responses.
    #[arg(long = "mock-config", value_name = "FILE")]
    pub mock_config: Option<PathBuf>,
    /// Scale every wait (Wait states, retry intervals, timeouts, heartbeats) by F: 0.01 runs
    /// a day-long workflow in about 15 minutes. For tests.
    #[arg(long = "wait-time-scale", value_name = "F", value_parser = parse_scale)]
    pub wait_time_scale: Option<f64>,
    /// Let in only requests signed (AWS SigV4) by a key pair of FILE, in the AWS
    /// shared-credentials format (`[name]` sections with `aws_access_key_id` and
    /// `aws_secret_access_key`).
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Listen on an address other than loopback without --credentials: anyone who can reach
    /// it may then run state machines and functions here.
    #[arg(long)]
    pub insecure: bool,
    /// Export traces (a span per execution, state and task) over OTLP/HTTP to the collector at
    /// URL, e.g. http://127.0.0.1:4318. Off without it.
    #[arg(long = "otlp-endpoint", value_name = "URL")]
    pub otlp_endpoint: Option<String>,
}

/// The mock file: the one given, else `SFN_MOCK_CONFIG` (when set and not empty), as Step
/// Functions Local reads it.
pub fn mock_config(given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(|| {
        std::env::var_os("SFN_MOCK_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// A wait-time scale: a positive finite number.
pub fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!("'{text}' is not a positive number")),
    }
}

/// The role given to machines created from the command line.
const ROLE: &str = "arn:aws:iam::123456789012:role/stepwise";

pub fn run(options: Options) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(options))
}

async fn serve(options: Options) -> Result<()> {
    let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    let keys = match &options.credentials {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the credentials file {}", path.display()))?;
            // Clients sign for the region of this host's ARNs.
            let region = HostConfig::default().identity.region;
            let keys = api::auth::Keys::parse(&text, &region)
                .with_context(|| format!("the credentials file {}", path.display()))?;
            Some(Arc::new(keys))
        }
    };
    if !options.listen.ip().is_loopback() && keys.is_none() && !options.insecure {
        return Err(anyhow!(
            "refusing to listen on {} without --credentials: anyone who could reach it could run state machines and functions here. Give --credentials FILE to let in only signed requests, or --insecure if an open server is what you want",
            options.listen
        ));
    }
    let traces = match &options.otlp_endpoint {
        Some(endpoint) => Some(stepwise::otlp::start(endpoint)?),
        None => None,
    };
    let (store, cache): (Arc<dyn Store>, _) = if options.in_memory {
        (Arc::new(MemoryStore::new()), None)
    } else {
        std::fs::create_dir_all(&options.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                options.data_dir.display()
            )
        })?;
        let db = options.data_dir.join("stepwise.db");
        let store = SqliteStore::open(&db)
            .with_context(|| format!("cannot open the store {}", db.display()))?;
        (Arc::new(store), Some(options.data_dir.join("components")))
    };
    let endpoints = Endpoints::from_env_and_flags(std::env::vars(), &options.aws_endpoints)
        .map_err(|e| anyhow!(e))?;
    let host = Host::start(
        store,
        HostConfig {
            cache_dir: cache,
            http_allowed_hosts: options.allow_http_hosts.clone(),
            aws: AwsConfig {
                region,
                endpoints,
                forward: options.forward.clone(),
                ..AwsConfig::default()
            },
            mock_config: mock_config(options.mock_config.clone()),
            wait_time_scale: options.wait_time_scale,
            ..HostConfig::default()
        },
    )
    .await?;
    preload(&host, &options).await?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        %address,
        data_dir = %options.data_dir.display(),
        in_memory = options.in_memory,
        running = host.executions.running_count(),
        "stepwise is serving"
    );
    // The address on stdout, so that a script (or a test) that asked for port 0 can find it.
    println!("listening on http://{address}");
    api::serve_with(listener, host.clone(), keys, shutdown_signal()).await?;
    // Express executions started asynchronously outlive their requests: they get the same
    // grace as the sync ones had, then are aborted (nothing of them is kept, as on AWS).
    host.shutdown(api::EXPRESS_GRACE).await;
    if let Some(traces) = traces {
        // Sending the last spans blocks until the collector answers (or times out).
        let _ = tokio::task::spawn_blocking(move || traces.shutdown()).await;
    }
    tracing::info!("stopped; running executions resume at the next start");
    Ok(())
}

async fn preload(host: &Host, options: &Options) -> Result<()> {
    for (name, path) in &options.functions {
        let code = read(path)?;
        api::lambda::deploy_code(&FromRef::from_ref(host), name, code)
            .await
            .map_err(|e| anyhow!("cannot deploy {} as function '{name}': {e}", path.display()))?;
    }
    let machines = options.machines.iter().map(|m| (m, "STANDARD"));
    let express = options.express.iter().map(|m| (m, "EXPRESS"));
    for ((name, path), kind) in machines.chain(express) {
        let definition = String::from_utf8(read(path)?)
            .with_context(|| format!("{} is not UTF-8", path.display()))?;
        let arn = host.identity.states_arn("stateMachine", name);
        let input = json!({"stateMachineArn": arn, "definition": definition});
        let machines = FromRef::from_ref(host);
        let result = if host.machines.get(&arn).is_some() {
            api::machines::update(&machines, input.to_string().as_bytes()).await
        } else {
            let input =
                json!({"name": name, "definition": definition, "roleArn": ROLE, "type": kind});
            api::machines::create(&machines, input.to_string().as_bytes()).await
        };
        result.map_err(|e| {
            anyhow!(
                "cannot create state machine '{name}' from {}: {e}",
                path.display()
            )
        })?;
        tracing::info!(machine = %arn, "state machine ready");
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down: finishing requests in flight");
}

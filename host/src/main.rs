//! The `stepwise` command line: `validate` a definition, `run` one in-process, `serve` the
//! API, `deploy` a function to a running server.

mod cli {
    pub mod build;
    pub mod deploy;
    pub mod serve;
}

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use stepwise::asl::validate;
use stepwise::executor::{self, Clock, Ended, Run, TaskRunner};
use stepwise::host::mocks::{MockedRunner, Mocks};
use stepwise::integrations::{TaskResources, lambda};
use stepwise::interp::{Execution, ExecutionInfo, MAX_PAYLOAD_BYTES, Program, Status};
use stepwise::runtime::{FunctionConfig, Runtime};

/// JSON values are allocated and freed on every transition; mimalloc serves that pattern far
/// faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "stepwise",
    version,
    about = "Run Amazon States Language state machines locally"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a definition and print its diagnostics (exit 0 valid, 2 invalid).
    Validate {
        /// The definition, as a JSON file.
        definition: PathBuf,
    },
    /// Run a state machine in-process and print its result as one JSON object.
    Run {
        /// The definition, as a JSON file.
        definition: PathBuf,
        /// The execution input: JSON text, or @FILE to read it from a file.
        #[arg(long, default_value = "{}")]
        input: String,
        /// Include the execution history in the output.
        #[arg(long)]
        history: bool,
        /// Deploy a WebAssembly component as Lambda function NAME for this run (repeatable):
        /// Task states reach it as arn:aws:lambda:REGION:ACCOUNT:function:NAME or through
        /// arn:aws:states:::lambda:invoke.
        #[arg(long = "function", value_name = "NAME=PATH.wasm", value_parser = parse_function_arg)]
        functions: Vec<(String, PathBuf)>,
        #[command(flatten)]
        testing: RunTesting,
    },
    /// Serve the Step Functions and Lambda APIs (AWS JSON 1.0 / REST) over HTTP.
    Serve(cli::serve::Options),
    /// Deploy a WebAssembly component as a function of a running server (creates it, or
    /// replaces its code).
    Deploy(cli::deploy::Options),
    /// Build a task project (Rust, Python or JavaScript) into a component; prints its path.
    Build(cli::build::Options),
}

/// How `stepwise run` tests a workflow: a mock file's test case, and scaled waits.
#[derive(clap::Args, Default)]
struct RunTesting {
    /// Step Functions Local's mock file (default: `SFN_MOCK_CONFIG`); needs --test-case.
    #[arg(long = "mock-config", value_name = "FILE")]
    mock_config: Option<PathBuf>,
    /// Run this test case of the mock file: its mocked states get their mocked responses.
    #[arg(long = "test-case", value_name = "NAME")]
    test_case: Option<String>,
    /// The machine's name in the mock file (default: the definition file's stem,
    /// `orders.asl.json` → `orders`).
    #[arg(long = "machine-name", value_name = "NAME")]
    machine_name: Option<String>,
    /// Scale every wait (Wait states, retry intervals, timeouts, heartbeats) by F.
    #[arg(long = "wait-time-scale", value_name = "F", value_parser = cli::serve::parse_scale)]
    wait_time_scale: Option<f64>,
}

/// Exit code for a bad definition or bad input (1 is a failed execution).
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A server says what it does; a one-shot command keeps stderr for problems.
    init_logging(match cli.command {
        Command::Serve(_) => "info",
        _ => "warn,stepwise::guest=info",
    });
    let result = match cli.command {
        Command::Validate { definition } => validate_command(&definition),
        Command::Run {
            definition,
            input,
            history,
            functions,
            testing,
        } => run_command(&definition, &input, history, &functions, &testing),
        Command::Serve(options) => cli::serve::run(options).map(|()| ExitCode::SUCCESS),
        Command::Deploy(options) => cli::deploy::run(&options).map(|config| {
            print_json(&config);
            ExitCode::SUCCESS
        }),
        Command::Build(options) => cli::build::run(&options).map(|path| {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stepwise: {e:#}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn print_json(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    );
}

fn validate_command(definition: &Path) -> Result<ExitCode> {
    let bytes = read_file(definition)?;
    match validate::parse_definition(&bytes) {
        Ok(_) => {
            print_json(&json!({"result": "OK", "diagnostics": []}));
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            print_json(&json!({"result": "FAIL", "diagnostics": diagnostics}));
            Ok(ExitCode::from(BAD_INPUT))
        }
    }
}

fn parse_input(arg: &str) -> Result<Value> {
    let text = match arg.strip_prefix('@') {
        Some(file) => String::from_utf8(read_file(Path::new(file))?)
            .with_context(|| format!("{file} is not UTF-8 text"))?,
        None => arg.to_owned(),
    };
    if text.len() > MAX_PAYLOAD_BYTES {
        bail!(
            "the input is {} bytes; the limit is {MAX_PAYLOAD_BYTES} bytes (256 KiB)",
            text.len()
        );
    }
    serde_json::from_str(&text).context("the input is not valid JSON")
}

/// Logs go to stderr (stdout carries the result), at `default` unless `RUST_LOG` says otherwise.
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Reads `NAME=PATH` (for `--function`, `--machine`, `--express-machine`).
pub(crate) fn parse_function_arg(arg: &str) -> Result<(String, PathBuf), String> {
    match arg.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_owned(), PathBuf::from(path)))
        }
        _ => Err(format!("expected NAME=PATH.wasm, got '{arg}'")),
    }
}

/// Where `stepwise run` keeps precompiled components between runs.
fn component_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("stepwise").join("components"))
}

/// The task resources for a local run: the given components as Lambda functions.
fn local_resources(functions: &[(String, PathBuf)]) -> Result<TaskResources> {
    let runtime = Runtime::new(component_cache_dir())?;
    for (name, path) in functions {
        let code = read_file(path)?;
        runtime
            .deploy(name, &code, FunctionConfig::default())
            .with_context(|| format!("cannot deploy {} as function '{name}'", path.display()))?;
    }
    Ok(TaskResources::new(Arc::new(runtime)))
}

fn run_command(
    definition: &Path,
    input: &str,
    with_history: bool,
    functions: &[(String, PathBuf)],
    testing: &RunTesting,
) -> Result<ExitCode> {
    let bytes = read_file(definition)?;
    let machine = match validate::parse_definition(&bytes) {
        Ok(m) => m,
        Err(diagnostics) => {
            for d in diagnostics.iter() {
                eprintln!("{d}");
            }
            bail!(
                "{} is not a valid state machine ({} problem(s))",
                definition.display(),
                diagnostics.len()
            );
        }
    };
    let input = parse_input(input)?;
    let resources = local_resources(functions)?;
    let program = Arc::new(Program::compile(&machine)?);
    // `orders.asl.json` is machine `orders`.
    let stem = definition
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("machine");
    let name = stem.strip_suffix(".asl").unwrap_or(stem);
    let resources: Arc<dyn TaskRunner> = Arc::new(resources);
    let runner = match &testing.test_case {
        None => resources,
        Some(case) => {
            let file = cli::serve::mock_config(testing.mock_config.clone())
                .context("--test-case needs a mock file: --mock-config FILE or SFN_MOCK_CONFIG")?;
            let machine = testing.machine_name.as_deref().unwrap_or(name);
            let case = Mocks::load(file)?.test_case(machine, case)?;
            Arc::new(MockedRunner::new(resources, case))
        }
    };
    let clock = Clock::system();
    let info = ExecutionInfo::local(
        name,
        &uuid::Uuid::new_v4().to_string(),
        input,
        clock.now_ms(),
    );
    let mut exec = Execution::new(program, info, stepwise::host::rand_seed());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let run =
        Run::in_memory(runner, clock).with_wait_time_scale(testing.wait_time_scale.unwrap_or(1.0));
    if let Ended::Stuck = runtime.block_on(executor::drive(&mut exec, run, None, None)) {
        bail!("the execution did not finish: it waits on nothing");
    }

    let mut out = match &exec.status {
        Status::Succeeded(output) => json!({"status": "SUCCEEDED", "output": output}),
        Status::Failed(f) => json!({"status": "FAILED", "error": f.error, "cause": f.cause}),
        Status::TimedOut => {
            json!({"status": "TIMED_OUT", "error": "States.Timeout", "cause": Value::Null})
        }
        Status::Aborted(f) => json!({"status": "ABORTED", "error": f.error, "cause": f.cause}),
        Status::Running => bail!("the execution did not finish"),
    };
    if with_history {
        out["history"] = serde_json::to_value(&exec.history)?;
    }
    if let Status::Failed(f) = &exec.status
        && f.error.as_deref() == Some(lambda::NOT_FOUND)
    {
        eprintln!(
            "stepwise: hint: give each Lambda function the machine calls with --function NAME=PATH.wasm"
        );
    }
    print_json(&out);
    Ok(if matches!(exec.status, Status::Succeeded(_)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

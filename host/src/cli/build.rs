//! `stepwise build [PROJECT]`: one command from a task's source to its component, whatever the
//! language. The project says which toolchain it needs: a `Cargo.toml` is Rust (cargo, for
//! `wasm32-wasip2`), a `package.json` or a `.js`/`.mjs` file is JavaScript (componentize-js), a
//! `.py` file is Python (componentize-py). Python and JavaScript build against the WIT world
//! and with the SDK this binary carries, so a project needs nothing but its own source.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The contract, as this host implements it.
const WIT: &str = include_str!("../../../wit/task.wit");
/// `stepwise_task`, the Python SDK.
const PYTHON_SDK: &str = include_str!("../../../guest-sdk/python/stepwise_task/__init__.py");
/// `stepwise-task`, the JavaScript SDK.
const JS_SDK: &str = include_str!("../../../guest-sdk/js/index.js");
const JS_SDK_PACKAGE: &str = include_str!("../../../guest-sdk/js/package.json");

/// The toolchain versions the SDKs are written and tested against (`.ci/run` and
/// `scripts/guest-toolchains` install exactly these).
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";
pub const COMPONENTIZE_JS_VERSION: &str = "0.23.0";

/// What `build` was asked to do.
#[derive(clap::Args)]
pub struct Options {
    /// The project: a directory, or one `.py`, `.js` or `.mjs` file.
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Where to write the component (default: PROJECT/build/NAME.wasm; for Rust, cargo's own
    /// target path).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// A task project, as found on disk.
#[derive(Debug, PartialEq, Eq)]
enum Project {
    /// A crate: its directory.
    Rust { dir: PathBuf },
    /// A module `module` in `dir`.
    Python { dir: PathBuf, module: String },
    /// An ES module `entry` (relative to `dir`).
    JavaScript { dir: PathBuf, entry: PathBuf },
}

/// Builds the project; returns the component's path: `-o`, else `PROJECT/build/NAME.wasm`
/// for Python and JavaScript, and cargo's own target path for Rust.
pub fn run(options: &Options) -> Result<PathBuf> {
    let in_build = |dir: &Path, name: &str| dir.join("build").join(format!("{name}.wasm"));
    match detect(&options.project)? {
        Project::Rust { dir } => {
            if let Some(o) = &options.output {
                create_parent(o)?;
            }
            build_rust(&dir, options.output.as_deref())
        }
        Project::Python { dir, module } => {
            let output = options
                .output
                .clone()
                .unwrap_or_else(|| in_build(&dir, &module));
            create_parent(&output)?;
            build_python(&dir, &module, &output)?;
            Ok(output)
        }
        Project::JavaScript { dir, entry } => {
            let output = options.output.clone().unwrap_or_else(|| {
                let stem = entry
                    .file_stem()
                    .map_or_else(|| "task".into(), |s| s.to_string_lossy());
                in_build(&dir, &stem)
            });
            create_parent(&output)?;
            build_js(&dir, &entry, &output)?;
            Ok(output)
        }
    }
}

/// Makes the directory a file is to be written in.
fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display())),
        _ => Ok(()),
    }
}

/// Which language the project is written in, and its entry point.
fn detect(path: &Path) -> Result<Project> {
    if path.is_file() {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        return match path.extension().and_then(|e| e.to_str()) {
            Some("py") => Ok(Project::Python { dir, module: stem }),
            Some("js" | "mjs") => Ok(Project::JavaScript {
                dir,
                entry: PathBuf::from(path.file_name().unwrap_or_default()),
            }),
            _ => bail!(
                "{} is not a .py, .js or .mjs file, nor a project directory",
                path.display()
            ),
        };
    }
    if !path.is_dir() {
        bail!("{} does not exist", path.display());
    }
    let dir = path.to_path_buf();
    if dir.join("Cargo.toml").is_file() {
        return Ok(Project::Rust { dir });
    }
    if dir.join("package.json").is_file() {
        let entry = js_entry(&dir)?;
        return Ok(Project::JavaScript { dir, entry });
    }
    let files = |ext: &[&str]| -> Vec<String> {
        let mut found: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| {
                Path::new(n)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| ext.contains(&e))
            })
            .collect();
        found.sort();
        found
    };
    let python = files(&["py"]);
    if !python.is_empty() {
        let module = ["app.py", "handler.py", "main.py"]
            .iter()
            .find(|n| python.iter().any(|p| p == *n))
            .map(|n| n.to_string())
            .or_else(|| (python.len() == 1).then(|| python[0].clone()));
        let Some(module) = module else {
            bail!(
                "{} has several Python modules ({}) and none is app.py, handler.py or main.py: name the one that defines the task (stepwise build {}/MODULE.py)",
                dir.display(),
                python.join(", "),
                dir.display()
            );
        };
        let module = module.trim_end_matches(".py").to_owned();
        return Ok(Project::Python { dir, module });
    }
    let js = files(&["js", "mjs"]);
    if let Some(entry) = ["index.js", "index.mjs", "app.js", "handler.js"]
        .iter()
        .find(|n| js.iter().any(|j| j == *n))
        .map(|n| n.to_string())
        .or_else(|| (js.len() == 1).then(|| js[0].clone()))
    {
        return Ok(Project::JavaScript {
            dir,
            entry: PathBuf::from(entry),
        });
    }
    bail!(
        "{} is not a task project: it has no Cargo.toml (Rust), package.json or .js file (JavaScript), or .py file (Python)",
        dir.display()
    )
}

/// A package's entry: its `main`, else index.js.
fn js_entry(dir: &Path) -> Result<PathBuf> {
    let text = std::fs::read_to_string(dir.join("package.json"))
        .with_context(|| format!("cannot read {}/package.json", dir.display()))?;
    let package: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}/package.json is not JSON", dir.display()))?;
    let main = package["main"].as_str().unwrap_or("index.js");
    if !dir.join(main).is_file() {
        bail!(
            "{}/package.json names {main} as its main module, and there is no such file",
            dir.display()
        );
    }
    Ok(PathBuf::from(main))
}

fn build_rust(dir: &Path, output: Option<&Path>) -> Result<PathBuf> {
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot run cargo")?;
    if !out.status.success() {
        bail!(
            "cargo build failed ({}); if it says the wasm32-wasip2 target is missing, run `rustup target add wasm32-wasip2`",
            out.status
        );
    }
    // The component is the artifact that ends in .wasm.
    let built = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .rfind(|f| f.extension().is_some_and(|e| e == "wasm"))
        .context("cargo built no .wasm file: is the crate a cdylib or a binary?")?;
    match output {
        Some(o) => {
            std::fs::copy(&built, o)
                .with_context(|| format!("cannot copy {} to {}", built.display(), o.display()))?;
            Ok(o.to_path_buf())
        }
        None => Ok(built),
    }
}

/// A toolchain program: `$VAR`, else the pinned one `scripts/guest-toolchains` installs, else
/// one on PATH.
fn tool(var: &str, program: &str, installed: &str, install: &str) -> Result<OsString> {
    if let Some(p) = std::env::var_os(var) {
        return Ok(p);
    }
    if let Some(home) = std::env::var_os("HOME") {
        let pinned = PathBuf::from(home)
            .join(".cache/stepwise/toolchains")
            .join(installed);
        if pinned.is_file() {
            return Ok(pinned.into_os_string());
        }
    }
    let on_path = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()));
    if on_path {
        return Ok(program.into());
    }
    bail!(
        "{program} was not found: install it with `{install}` (or run ./scripts/guest-toolchains), or set {var} to its path"
    )
}

/// A temporary directory holding the WIT world.
fn wit_dir(scratch: &Path) -> Result<PathBuf> {
    let dir = scratch.join("wit");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("task.wit"), WIT)?;
    Ok(dir)
}

fn scratch_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("stepwise-build-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Removes the scratch directory however the build ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_tool(mut command: Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot run {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

fn build_python(dir: &Path, module: &str, output: &Path) -> Result<()> {
    let program = tool(
        "STEPWISE_COMPONENTIZE_PY",
        "componentize-py",
        "python/bin/componentize-py",
        &format!("pip install componentize-py=={COMPONENTIZE_PY_VERSION}"),
    )?;
    let scratch = Scratch(scratch_dir()?);
    let wit = wit_dir(&scratch.0)?;
    let sdk = scratch.0.join("sdk");
    std::fs::create_dir_all(sdk.join("stepwise_task"))?;
    std::fs::write(sdk.join("stepwise_task/__init__.py"), PYTHON_SDK)?;
    let mut command = Command::new(program);
    command
        .arg("-d")
        .arg(&wit)
        .args(["-w", "task", "componentize", module, "-p"])
        .arg(dir)
        .arg("-p")
        .arg(&sdk)
        .arg("-o")
        .arg(output);
    run_tool(command, "componentize-py")
}

fn build_js(dir: &Path, entry: &Path, output: &Path) -> Result<()> {
    let program = tool(
        "STEPWISE_COMPONENTIZE_JS",
        "componentize-js",
        "js/node_modules/.bin/componentize-js",
        &format!("npm install -g @bytecodealliance/componentize-js@{COMPONENTIZE_JS_VERSION}"),
    )?;
    // componentize-js loads modules by path and resolves no packages, so the project is
    // bundled first, by the rolldown that componentize-js itself depends on.
    let rolldown = Path::new(&program)
        .parent()
        .map(|bin| bin.join("rolldown"))
        .filter(|r| r.is_file())
        .map(PathBuf::into_os_string)
        .map_or_else(
            || {
                tool(
                    "STEPWISE_ROLLDOWN",
                    "rolldown",
                    "js/node_modules/.bin/rolldown",
                    "./scripts/guest-toolchains",
                )
            },
            Ok,
        )?;
    let scratch = Scratch(scratch_dir()?);
    let wit = wit_dir(&scratch.0)?;
    // The project's files beside a node_modules that has the SDK (and the project's own
    // packages, linked), so that `import ... from 'stepwise-task'` resolves.
    let src = scratch.0.join("src");
    copy_sources(dir, &src)?;
    let modules = src.join("node_modules");
    std::fs::create_dir_all(modules.join("stepwise-task"))?;
    std::fs::write(modules.join("stepwise-task/index.js"), JS_SDK)?;
    std::fs::write(modules.join("stepwise-task/package.json"), JS_SDK_PACKAGE)?;
    if let Ok(entries) = std::fs::read_dir(dir.join("node_modules")) {
        for e in entries.flatten() {
            let name = e.file_name();
            if name != "stepwise-task" {
                link(&e.path(), &modules.join(&name))?;
            }
        }
    }
    // Named after the entry, so that stack traces name the task's file.
    let bundle = scratch
        .0
        .join("bundle")
        .join(entry.file_name().unwrap_or_default())
        .with_extension("js");
    let mut command = Command::new(rolldown);
    command
        .arg(src.join(entry))
        .args(["--format", "esm", "--platform", "neutral", "--file"])
        .arg(&bundle)
        // The host's interface is the component's import, not a package.
        .args(["--external", "stepwise:task/host@0.1.0"])
        .stdout(std::process::Stdio::null());
    run_tool(command, "rolldown")?;
    let output = std::path::absolute(output)?;
    let mut command = Command::new(program);
    // No wasi:http: tasks have no sockets, and this host does not provide it. The list of
    // disabled features comes last: the option takes every argument after it.
    command
        .arg(&bundle)
        .arg("--wit")
        .arg(&wit)
        .args(["-n", "task", "-o"])
        .arg(&output)
        .args(["--disable", "http", "fetch-event"]);
    run_tool(command, "componentize-js")
}

/// Copies a project's files, without its node_modules and build output.
fn copy_sources(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let e = e?;
        let name = e.file_name();
        if name == "node_modules" || name == "build" || name == ".git" {
            continue;
        }
        let path = e.path();
        if e.file_type()?.is_dir() {
            copy_sources(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name))
                .with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn link(from: &Path, to: &Path) -> Result<()> {
    std::os::unix::fs::symlink(std::path::absolute(from)?, to)
        .with_context(|| format!("cannot link {}", from.display()))
}

#[cfg(not(unix))]
fn link(from: &Path, to: &Path) -> Result<()> {
    copy_sources(from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[&str]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("stepwise-detect-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in files {
            std::fs::write(dir.join(f), "").unwrap();
        }
        dir
    }

    #[test]
    fn the_project_names_its_language() {
        let d = project(&["Cargo.toml", "app.py"]);
        assert_eq!(detect(&d).unwrap(), Project::Rust { dir: d.clone() });
        let d = project(&["app.py", "util.py"]);
        assert_eq!(
            detect(&d).unwrap(),
            Project::Python {
                dir: d.clone(),
                module: "app".into()
            }
        );
        let d = project(&["greeter.py"]);
        assert_eq!(
            detect(&d).unwrap(),
            Project::Python {
                dir: d.clone(),
                module: "greeter".into()
            }
        );
        let d = project(&["a.py", "b.py"]);
        let e = detect(&d).unwrap_err().to_string();
        assert!(e.contains("several Python modules (a.py, b.py)"), "{e}");
        let d = project(&["task.mjs"]);
        assert_eq!(
            detect(&d).unwrap(),
            Project::JavaScript {
                dir: d.clone(),
                entry: "task.mjs".into()
            }
        );
        let d = project(&["README.md"]);
        assert!(
            detect(&d)
                .unwrap_err()
                .to_string()
                .contains("not a task project")
        );
        let file = d.join("x.py");
        std::fs::write(&file, "").unwrap();
        assert_eq!(
            detect(&file).unwrap(),
            Project::Python {
                dir: d.clone(),
                module: "x".into()
            }
        );
    }

    #[test]
    fn a_package_json_names_the_entry() {
        let d = project(&["package.json", "main.js"]);
        std::fs::write(d.join("package.json"), r#"{"main": "main.js"}"#).unwrap();
        assert_eq!(
            detect(&d).unwrap(),
            Project::JavaScript {
                dir: d.clone(),
                entry: "main.js".into()
            }
        );
        std::fs::write(d.join("package.json"), r#"{"main": "gone.js"}"#).unwrap();
        assert!(detect(&d).unwrap_err().to_string().contains("gone.js"));
    }
}

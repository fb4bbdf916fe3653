//! Compiles the guest components the tests need, from source, for `wasm32-wasip2`, and writes a
//! Rust constant with the path of each. A test that names a guest that does not exist fails to
//! compile; no `.wasm` file is ever committed.
//!
//! The guests are built by a nested `cargo build` into their own target directory beside the
//! outer one: sharing the outer directory would wait forever on the lock the outer build holds.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The guest packages, and whether each makes binaries (one component per scenario) or a
/// `cdylib` (one component named after the library).
const PACKAGES: &[(&str, &str)] = &[
    ("stepwise-test-guests", "tests/guests"),
    ("stepwise-test-foreign-guests", "tests/foreign-guests"),
    ("greeter", "examples/greeter"),
    ("credit-check", "examples/credit-check"),
    ("long-job", "examples/long-job"),
    ("flaky", "examples/flaky"),
];

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists");
    for watched in ["wit", "guest-sdk", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    for (_, dir) in PACKAGES {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = guest_target_dir(&out_dir);
    add_rustup_target();

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(&root)
        .args(["build", "--release", "--locked", "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir);
    for (package, _) in PACKAGES {
        build.args(["-p", package]);
    }
    // What the outer build set for itself must not leak into the guests' build: clippy's
    // wrapper, host rustflags, a forced target or target dir.
    for var in [
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        build.env_remove(var);
    }
    let output = build
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the test guests: {e}"));
    if !output.status.success() {
        panic!(
            "building the guest components for {TARGET} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let wasm_dir = target_dir.join(TARGET).join("release");
    let mut consts = String::new();
    for (package, dir) in PACKAGES {
        for component in components_of(&root.join(dir)) {
            let path = wasm_dir.join(format!("{component}.wasm"));
            assert!(
                path.exists(),
                "{package} built, but {} is missing",
                path.display()
            );
            writeln!(
                consts,
                "/// `{component}.wasm`, built from `{dir}`.\npub const {}: &str = {:?};",
                component.to_uppercase(),
                path.display().to_string()
            )
            .expect("writing to a String");
        }
    }
    std::fs::write(out_dir.join("artifacts.rs"), consts).expect("OUT_DIR is writable");
}

/// The components a package makes: one per `src/bin/*.rs`, or its library's.
fn components_of(package_dir: &Path) -> Vec<String> {
    let bins = package_dir.join("src/bin");
    if bins.is_dir() {
        let mut names: Vec<String> = std::fs::read_dir(&bins)
            .expect("src/bin is readable")
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "rs")
                    .then(|| path.file_stem()?.to_str().map(str::to_owned))
                    .flatten()
            })
            .collect();
        names.sort();
        names
    } else {
        let name = package_dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a package folder has a UTF-8 name");
        vec![name.replace('-', "_")]
    }
}

/// `<outer target dir>/wasm-guests`: found from OUT_DIR, which is
/// `<target>/<profile>/build/<package>-<hash>/out`. Sharing one directory across profiles and
/// between `cargo clippy` and `cargo test` means the guests are compiled once.
fn guest_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .find(|dir| dir.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .map(|target| target.join("wasm-guests"))
        .unwrap_or_else(|| out_dir.join("wasm-guests"))
}

/// rustup does not add a target that rust-toolchain.toml lists to a toolchain that is already
/// installed; do it here so that `cargo test` works on a fresh machine. Quick when present.
fn add_rustup_target() {
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", TARGET]);
    if let Some(toolchain) = env::var_os("RUSTUP_TOOLCHAIN") {
        rustup.arg("--toolchain").arg(toolchain);
    }
    // Without rustup (a distribution's rustc, say) the target must already be there; the
    // build below says so clearly if it is not.
    let _ = rustup.output();
}

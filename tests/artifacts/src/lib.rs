//! Paths of the guest components the tests run, built from source by this crate's build
//! script: the test guests (`tests/guests`, `tests/foreign-guests`) and the examples; and
//! [`foreign_guest`], which builds a Python or JavaScript task the way a user does.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A Python or JavaScript task built from `project` (a directory relative to the repository,
/// such as `tests/polyglot/python`) by `stepwise build` (the binary at `stepwise`), as a user
/// builds one. Kept in `cache` under the hash of everything the build reads, so that a warm
/// run does not rebuild it: the project's files, the SDKs, the WIT world and the pinned
/// toolchains.
pub fn foreign_guest(stepwise: &Path, project: &str, cache: &Path) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    // Tests run in parallel threads of one binary: one build at a time.
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let root = root();
    let dir = root.join(project);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    inputs.sort();
    for fixed in [
        "wit/task.wit",
        "guest-sdk/python/stepwise_task/__init__.py",
        "guest-sdk/js/index.js",
        "scripts/guest-toolchains",
        "scripts/toolchains/package-lock.json",
    ] {
        inputs.push(root.join(fixed));
    }
    let mut hash = Sha256::new();
    for path in &inputs {
        hash.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        hash.update(std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let out = cache.join(format!("{digest}.wasm"));
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    if let Ok(bytes) = std::fs::read(&out) {
        return bytes;
    }
    std::fs::create_dir_all(cache).unwrap_or_else(|e| panic!("{}: {e}", cache.display()));
    let partial = out.with_extension(format!("partial-{}", std::process::id()));
    let status = std::process::Command::new(stepwise)
        .arg("build")
        .arg(&dir)
        .arg("-o")
        .arg(&partial)
        .status()
        .unwrap_or_else(|e| panic!("{}: {e}", stepwise.display()));
    assert!(status.success(), "stepwise build {project}: {status}");
    std::fs::rename(&partial, &out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    std::fs::read(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()))
}

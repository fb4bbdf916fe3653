//! The jsonata-js reference test suite (MIT-licensed JSON case files, `groups/`, `skip/` and
//! `datasets/`), run against this engine and held to a committed list of the cases it passes.
//!
//! The case files are not in this repository. CI takes them from the `jsonata-rs` 0.3.4 crate
//! on crates.io, which ships a copy of the suite under `tests/testsuite/`, and sets
//! `JSONATA_SUITE` to that directory. Locally:
//! `JSONATA_SUITE=/path/to/testsuite cargo test -p stepwise --lib asl::jsonata::suite -- --nocapture`.
//!
//! With `JSONATA_SUITE` set, the test fails when the directory has no cases, when a case named in
//! `suite_passes.txt` is missing from it, or when such a case no longer passes; it prints how
//! many cases outside the list now pass. `JSONATA_SUITE_VERBOSE=1` names every failing case;
//! `JSONATA_SUITE_UPDATE=1` rewrites the list with the cases that pass now. Without
//! `JSONATA_SUITE` it checks only that the list is well formed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{Bindings, Environment, Evaluated, Expression};

/// The cases this engine is known to pass, one name (`groups/<group>/<file>` with `[i]` for the
/// i-th case of a file holding an array) per line; `#` starts a comment line.
const EXPECTED_PASSES: &str = include_str!("suite_passes.txt");

/// Numbers compare by value: the suite writes `1e7` where the engine answers `10000000`.
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p == q || ((p - q) / q).abs() < 1e-14,
            _ => false,
        },
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (x, y) => x == y,
    }
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(case: &serde_json::Value, dir: &Path, case_dir: &Path) -> Outcome {
    let expr = match (case.get("expr"), case.get("expr-file")) {
        (Some(serde_json::Value::String(e)), _) => e.clone(),
        (_, Some(serde_json::Value::String(f))) => {
            match std::fs::read_to_string(case_dir.join(f)) {
                Ok(e) => e,
                Err(e) => return Outcome::Fail(format!("cannot read expr-file: {e}")),
            }
        }
        _ => return Outcome::Fail("no expression".into()),
    };
    let data: Option<serde_json::Value> = match case.get("dataset") {
        Some(serde_json::Value::String(name)) => {
            let path = dir.join("datasets").join(format!("{name}.json"));
            match std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
            {
                Some(d) => Some(d),
                None => return Outcome::Fail(format!("cannot read dataset {name}")),
            }
        }
        _ => case.get("data").cloned(),
    };
    let mut bindings = Bindings::new();
    if let Some(serde_json::Value::Object(b)) = case.get("bindings") {
        for (k, v) in b {
            bindings.insert(k, v);
        }
    }
    let env = Environment {
        now_ms: 1_500_000_000_000,
        seed: 7,
    };
    let result = Expression::parse(&expr).and_then(|e| e.evaluate(data.as_ref(), &bindings, &env));
    let describe = |r: &Result<Evaluated, super::Error>| match r {
        Ok(Evaluated::Value(v)) => v.to_string(),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("error {}: {}", e.code, e.message),
    };
    let code = case
        .get("code")
        .or_else(|| case.get("error").and_then(|e| e.get("code")))
        .and_then(|c| c.as_str());
    if let Some(code) = code {
        return match &result {
            Err(e) if e.code == code => Outcome::Pass,
            r => Outcome::Fail(format!(
                "{expr}\n    expected error {code}, got {}",
                describe(r)
            )),
        };
    }
    if case.get("undefinedResult").and_then(|u| u.as_bool()) == Some(true) {
        return match &result {
            Ok(Evaluated::Undefined) => Outcome::Pass,
            r => Outcome::Fail(format!(
                "{expr}\n    expected undefined, got {}",
                describe(r)
            )),
        };
    }
    if let Some(expected) = case.get("result") {
        let ok = match &result {
            Ok(Evaluated::Value(v)) => {
                if case.get("unordered").and_then(|u| u.as_bool()) == Some(true) {
                    match (v, expected) {
                        (serde_json::Value::Array(x), serde_json::Value::Array(y)) => {
                            x.len() == y.len() && y.iter().all(|e| x.iter().any(|a| same(a, e)))
                        }
                        _ => same(v, expected),
                    }
                } else {
                    same(v, expected)
                }
            }
            _ => false,
        };
        return if ok {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "{expr}\n    expected {expected}, got {}",
                describe(&result)
            ))
        };
    }
    if let Some(re) = case.get("result_re").and_then(|r| r.as_str()) {
        let ok = match (&result, regress::Regex::new(re)) {
            (Ok(Evaluated::Value(serde_json::Value::String(s))), Ok(r)) => r.find(s).is_some(),
            (Ok(Evaluated::Value(v)), Ok(r)) => r.find(&v.to_string()).is_some(),
            _ => false,
        };
        return if ok {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "{expr}\n    result_re {re}, got {}",
                describe(&result)
            ))
        };
    }
    match &result {
        Ok(Evaluated::Undefined) => Outcome::Pass,
        r => Outcome::Fail(format!(
            "{expr}\n    expected undefined (no result given), got {}",
            describe(r)
        )),
    }
}

/// Every case file, as (`groups/<group>` or `skip/<group>`, path), sorted.
fn case_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for sub in ["groups", "skip"] {
        let Ok(groups) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for group in groups.flatten() {
            let name = format!("{sub}/{}", group.file_name().to_string_lossy());
            let Ok(files) = std::fs::read_dir(group.path()) else {
                continue;
            };
            for f in files.flatten() {
                let p = f.path();
                if p.extension().is_some_and(|e| e == "json") {
                    out.push((name.clone(), p));
                }
            }
        }
    }
    out.sort();
    out
}

/// Runs every case under `dir`: (case name, group, outcome).
fn run_suite(dir: &Path) -> Vec<(String, String, Outcome)> {
    let mut results = Vec::new();
    for (group, path) in case_files(dir) {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let json = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()));
        let cases = match json {
            Ok(serde_json::Value::Array(cases)) => cases
                .into_iter()
                .enumerate()
                .map(|(i, case)| (format!("{group}/{stem}[{i}]"), case))
                .collect(),
            Ok(case) => vec![(format!("{group}/{stem}"), case)],
            Err(e) => {
                let why = format!("unreadable case file: {e}");
                results.push((format!("{group}/{stem}"), group, Outcome::Fail(why)));
                continue;
            }
        };
        let case_dir = path.parent().unwrap_or(dir).to_path_buf();
        for (name, case) in cases {
            let outcome = std::panic::catch_unwind(|| run_case(&case, dir, &case_dir))
                .unwrap_or_else(|_| Outcome::Fail("panicked".into()));
            results.push((name, group.clone(), outcome));
        }
    }
    results
}

/// The names in [`EXPECTED_PASSES`].
fn expected_passes() -> BTreeSet<&'static str> {
    EXPECTED_PASSES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn expected_passes_are_well_formed() {
    let lines: Vec<&str> = EXPECTED_PASSES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(lines.len() >= 1500, "only {} expected passes", lines.len());
    assert_eq!(
        lines.len(),
        expected_passes().len(),
        "a case is listed twice"
    );
    for name in lines {
        assert!(
            name.starts_with("groups/") || name.starts_with("skip/"),
            "{name}"
        );
    }
}

#[test]
fn reference_suite() {
    let Some(dir) = std::env::var_os("JSONATA_SUITE").map(PathBuf::from) else {
        eprintln!("JSONATA_SUITE is not set: the jsonata-js suite was not run");
        return;
    };
    let verbose = std::env::var_os("JSONATA_SUITE_VERBOSE").is_some();
    let results = run_suite(&dir);
    assert!(
        !results.is_empty(),
        "JSONATA_SUITE={} holds no groups/*/*.json case files",
        dir.display()
    );
    if std::env::var_os("JSONATA_SUITE_UPDATE").is_some() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/asl/jsonata/suite_passes.txt");
        let mut text = String::from(
            "# The jsonata-js test suite cases this engine passes (see suite.rs), one per line.\n",
        );
        for (name, _, outcome) in &results {
            if matches!(outcome, Outcome::Pass) {
                text.push_str(name);
                text.push('\n');
            }
        }
        std::fs::write(&path, text).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }

    let expected = expected_passes();
    let found: BTreeSet<&str> = results.iter().map(|(name, _, _)| name.as_str()).collect();
    let missing: Vec<&str> = expected.difference(&found).copied().collect();
    let mut regressions = Vec::new();
    let mut newly_passing = Vec::new();
    let mut per_group: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (name, group, outcome) in &results {
        let entry = per_group.entry(group).or_default();
        entry.1 += 1;
        let listed = expected.contains(name.as_str());
        match outcome {
            Outcome::Pass => {
                entry.0 += 1;
                if !listed {
                    newly_passing.push(name.as_str());
                }
            }
            Outcome::Fail(why) => {
                if listed {
                    regressions.push(format!("{name}: {why}"));
                } else if verbose {
                    eprintln!("FAIL {name}: {why}");
                }
            }
        }
    }
    let passed: usize = per_group.values().map(|(p, _)| p).sum();
    let mut failing: Vec<_> = per_group.iter().filter(|(_, (p, t))| p < t).collect();
    failing.sort_by_key(|(_, (p, t))| std::cmp::Reverse(t - p));
    for (group, (p, t)) in failing {
        eprintln!("{group:40} {p:4}/{t:4}");
    }
    eprintln!(
        "reference suite: {passed}/{} passed; {} listed; {} pass but are not listed{}",
        results.len(),
        expected.len(),
        newly_passing.len(),
        if newly_passing.is_empty() {
            ""
        } else {
            " (add them: JSONATA_SUITE_UPDATE=1)"
        }
    );
    for name in &newly_passing {
        eprintln!("  now passes: {name}");
    }
    assert!(
        missing.is_empty(),
        "{} listed cases are not in {} (another suite version?): {missing:?}",
        missing.len(),
        dir.display()
    );
    assert!(
        regressions.is_empty(),
        "{} listed cases no longer pass:\n{}",
        regressions.len(),
        regressions.join("\n")
    );
}

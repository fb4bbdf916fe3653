//! The jsonata-js reference test suite (MIT licensed JSON case files), run from a local copy
//! when one is present: the files are not part of this repository. Run with
//! `cargo test -p stepwise --lib asl::jsonata::suite -- --ignored --nocapture`; set
//! `JSONATA_SUITE` to the suite's directory (the one holding `groups/` and `datasets/`) and
//! `JSONATA_SUITE_VERBOSE=1` to list every failing case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Bindings, Environment, Evaluated, Expression};

const DEFAULT_DIR: &str = "/tmp/jr/jsonata-rs-0.3.4/tests/testsuite";

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

fn case_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for sub in ["groups", "skip"] {
        let Ok(groups) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for group in groups.flatten() {
            let name = group.file_name().to_string_lossy().to_string();
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

#[test]
#[ignore = "needs a local copy of the jsonata-js test suite"]
fn reference_suite() {
    let dir = PathBuf::from(std::env::var("JSONATA_SUITE").unwrap_or_else(|_| DEFAULT_DIR.into()));
    let verbose = std::env::var("JSONATA_SUITE_VERBOSE").is_ok();
    let only = std::env::var("JSONATA_SUITE_GROUP").ok();
    let files = case_files(&dir);
    if files.is_empty() {
        eprintln!("no suite at {}", dir.display());
        return;
    }
    let mut per_group: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut passed, mut total) = (0, 0);
    for (group, path) in files {
        if only.as_deref().is_some_and(|g| g != group) {
            continue;
        }
        let Some(json) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        let cases = match json {
            serde_json::Value::Array(cases) => cases,
            case => vec![case],
        };
        for case in cases {
            let case_dir = path.parent().unwrap_or(&dir).to_path_buf();
            let outcome = std::panic::catch_unwind(|| run_case(&case, &dir, &case_dir))
                .unwrap_or_else(|_| Outcome::Fail("panicked".into()));
            let entry = per_group.entry(group.clone()).or_default();
            entry.1 += 1;
            total += 1;
            match outcome {
                Outcome::Pass => {
                    entry.0 += 1;
                    passed += 1;
                }
                Outcome::Fail(why) => {
                    if verbose {
                        eprintln!(
                            "FAIL {group} {}: {why}",
                            path.file_name()
                                .map(|f| f.to_string_lossy())
                                .unwrap_or_default()
                        );
                    }
                }
            }
        }
    }
    let mut failing: Vec<_> = per_group.iter().filter(|(_, (p, t))| p < t).collect();
    failing.sort_by_key(|(_, (p, t))| std::cmp::Reverse(t - p));
    for (group, (p, t)) in failing {
        eprintln!("{group:32} {p:4}/{t:4}");
    }
    eprintln!("reference suite: {passed}/{total} passed");
}

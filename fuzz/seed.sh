#!/usr/bin/env bash
# Seeds the fuzz corpora from the conformance cases (tests/conformance/cases/*.json):
#   corpus/definition/  every case's definition;
#   corpus/jsonpath/    every JSONPath found in a definition, a newline, then the case's input;
#   corpus/intrinsics/  every intrinsic call found in a definition, a newline, the case's input.
# Files are named by content hash, so running it twice adds nothing. The corpora are not
# committed (see .gitignore); run this once before `cargo +nightly fuzz run`.
set -euo pipefail
cd "$(dirname "$0")"
exec python3 - ../tests/conformance/cases corpus <<'PY'
import hashlib, json, pathlib, sys

cases, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
written = {}

def put(target, text):
    data = text.encode()
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    name = d / hashlib.sha1(data).hexdigest()
    if not name.exists():
        name.write_bytes(data)
        written[target] = written.get(target, 0) + 1

def strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value

for path in sorted(cases.glob("*.json")):
    case = json.loads(path.read_text())
    definition = case.get("definition")
    if definition is None:
        continue
    put("definition", json.dumps(definition, indent=1))
    document = json.dumps(case.get("input", {}))
    for s in set(strings(definition)):
        if s.startswith("States.") and "(" in s:
            put("intrinsics", s + "\n" + document)
        elif s.startswith("$"):
            put("jsonpath", s + "\n" + document)
        elif s.startswith("{%") and s.endswith("%}"):
            put("jsonata", s[2:-2] + "\n" + document)

for target in ("definition", "jsonpath", "intrinsics", "jsonata"):
    print(f"{target}: {written.get(target, 0)} new seed files in {out / target}")
PY

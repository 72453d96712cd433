#!/usr/bin/env bash
# `ebb decide` as a black box: each tests/fixtures/decide/*.json holds an
# "input" for stdin and an "expect" map of dotted paths into the output
# (conditions are addressed by type: conditions.ScalingActive.reason).
# Many cases are HPA's own replica_calculator_test.go cases.
set -uo pipefail
EBB=${EBB:-build/ebb}
n=0; bad=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

check() { # name, expect-json, output-file
  python3 - "$2" "$3" <<'PY'
import json, sys
expect = json.loads(sys.argv[1]); out = json.load(open(sys.argv[2]))
def get(o, path):
    for k in path.split("."):
        if isinstance(o, list) and k.isdigit(): o = o[int(k)]
        elif isinstance(o, list): o = next(c for c in o if c.get("type") == k)
        else: o = o[k]
    return o
errs = []
for k, v in expect.items():
    try: got = get(out, k)
    except Exception: got = "<missing>"
    if got != v: errs.append(f"{k}: want {v!r}, got {got!r}")
if errs:
    print("; ".join(errs) + " | reason: " + str(out.get("reason"))); sys.exit(1)
PY
}

for f in tests/fixtures/decide/*.json; do
  name=$(basename "$f" .json)
  n=$((n + 1))
  python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["input"], sys.stdout)' "$f" > "$tmp/in.json"
  expect=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["expect"]))' "$f")
  if ! "$EBB" decide "$tmp/in.json" > "$tmp/out.json" 2> "$tmp/err"; then
    echo "not ok $n - $name: ebb decide failed: $(head -5 "$tmp/err")"; bad=$((bad + 1)); continue
  fi
  if msg=$(check "$name" "$expect" "$tmp/out.json"); then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name: $msg"; bad=$((bad + 1))
  fi
done

# Chaining: the status printed by one decision, fed back, is the history of the next.
n=$((n + 1))
f=tests/fixtures/decide/band-for-not-met.json
python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["input"], sys.stdout)' "$f" > "$tmp/in1.json"
"$EBB" decide --compact "$tmp/in1.json" > "$tmp/out1.json" 2>"$tmp/err"
python3 - "$tmp/in1.json" "$tmp/out1.json" > "$tmp/in2.json" <<'PY'
import json, sys
inp = json.load(open(sys.argv[1])); out = json.load(open(sys.argv[2]))
inp["policy"]["status"] = out["status"]
inp["now"] = "2026-11-27T12:05:00Z"   # the band's 5 minutes have passed
json.dump(inp, sys.stdout)
PY
if "$EBB" decide "$tmp/in2.json" > "$tmp/out2.json" 2>"$tmp/err" &&
   msg=$(check chain '{"desiredReplicas": 6}' "$tmp/out2.json"); then
  echo "ok $n - chained decisions: the band timer survives through status"
else
  echo "not ok $n - chained decisions: ${msg:-$(head -3 "$tmp/err")}"; bad=$((bad + 1))
fi

# Bad input: a clear message naming the field, exit 1, never a crash.
bad_input() { # description, json, expected-substring
  n=$((n + 1))
  out=$(printf '%s' "$2" | "$EBB" decide 2>&1); rc=$?
  if [ $rc -eq 1 ] && grep -qF -- "$3" <<<"$out"; then echo "ok $n - rejects $1"
  else echo "not ok $n - rejects $1: rc=$rc out=$out"; bad=$((bad + 1)); fi
}
bad_input "non-JSON" '{"now": ' "not JSON"
bad_input "a missing now" '{"target":{"replicas":1}}' "now: Required value"
bad_input "an unknown top-level field" '{"now":"2026-11-27T12:00:00Z","bogus":1}' 'bogus: unknown field "bogus"'
bad_input "a negative replica count" '{"now":"2026-11-27T12:00:00Z","target":{"replicas":-2}}' "target.replicas: must be an integer >= 0"
f=tests/fixtures/decide/hpa-scale-up.json
bad_input "a bad pod phase" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["pods"][0]["phase"]="Runing"; print(json.dumps(d))' "$f")" "pods[0].phase: Unsupported value"
bad_input "a sample for an unknown pod" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["metrics"]["cpu"]["pods"]["ghost"]={"usage":"1"}; print(json.dumps(d))' "$f")" "metrics.cpu.pods.ghost: no pod of that name"
bad_input "a malformed quantity" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["metrics"]["cpu"]["pods"]["web-0"]["usage"]="3OOm"; print(json.dumps(d))' "$f")" "metrics.cpu.pods.web-0.usage"
bad_input "an invalid policy" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["policy"]["spec"]["maxReplicas"]=0; print(json.dumps(d))' "$f")" "policy.spec.maxReplicas"

n=$((n + 1))
out=$("$EBB" decide a.json b.json 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -qF "one input at a time" <<<"$out"; then echo "ok $n - two input files are a usage error"
else echo "not ok $n - two input files: rc=$rc out=$out"; bad=$((bad + 1)); fi

echo "# decide: $((n - bad)) passed, $bad failed"
[ $bad -eq 0 ]

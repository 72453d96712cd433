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
bad_input "a negative replica count" '{"now":"2026-11-27T12:00:00Z","target":{"replicas":-2}}' "target.replicas: must be an integer between 0 and 2147483647, got -2"
bad_input "a replica count beyond int32" '{"now":"2026-11-27T12:00:00Z","target":{"replicas":3000000000}}' "target.replicas: must be an integer between 0 and 2147483647, got 3000000000"
f=tests/fixtures/decide/hpa-scale-up.json
bad_input "a bad pod phase" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["pods"][0]["phase"]="Runing"; print(json.dumps(d))' "$f")" "pods[0].phase: Unsupported value"
bad_input "a sample for an unknown pod" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["metrics"]["cpu"]["pods"]["ghost"]={"usage":"1"}; print(json.dumps(d))' "$f")" "metrics.cpu.pods.ghost: no pod of that name"
bad_input "a malformed quantity" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["metrics"]["cpu"]["pods"]["web-0"]["usage"]="3OOm"; print(json.dumps(d))' "$f")" "metrics.cpu.pods.web-0.usage"
bad_input "an invalid policy" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; d["policy"]["spec"]["maxReplicas"]=0; print(json.dumps(d))' "$f")" "policy.spec.maxReplicas"

n=$((n + 1))
out=$("$EBB" decide a.json b.json 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -qF "one input at a time" <<<"$out"; then echo "ok $n - two input files are a usage error"
else echo "not ok $n - two input files: rc=$rc out=$out"; bad=$((bad + 1)); fi

# edit <fixture> <python statement on d, the input>: the edited input as JSON.
edit() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["input"]; exec(sys.argv[2]); print(json.dumps(d))' "$1" "$2"; }
# Like bad_input, and the output must not contain $4.
bad_input_without() { # description, json, expected-substring, unwanted-substring
  n=$((n + 1))
  out=$(printf '%s' "$2" | "$EBB" decide 2>&1); rc=$?
  if [ $rc -eq 1 ] && grep -qF -- "$3" <<<"$out" && ! grep -qF -- "$4" <<<"$out"; then echo "ok $n - $1"
  else echo "not ok $n - $1: rc=$rc out=$out"; bad=$((bad + 1)); fi
}
bad_input "a negative usage" "$(edit "$f" 'd["metrics"]["cpu"]["pods"]["web-0"]["usage"]="-5m"')" "metrics.cpu.pods.web-0.usage: must be greater than or equal to 0"
bad_input "a negative request" "$(edit "$f" 'd["metrics"]["cpu"]["pods"]["web-1"]["request"]=-1')" "metrics.cpu.pods.web-1.request: must be greater than or equal to 0"
bad_input "a duplicate pod name" "$(edit "$f" 'd["pods"][2]["name"]="web-0"')" 'pods[2].name: Duplicate value: "web-0"'
bad_input "a policy of another kind" "$(edit "$f" 'd["policy"]["kind"]="HorizontalPodAutoscaler"')" 'policy.kind: Unsupported value: "HorizontalPodAutoscaler"'
bad_input "a policy of another apiVersion" "$(edit "$f" 'd["policy"]["apiVersion"]="autoscaling/v2"')" 'policy.apiVersion: Unsupported value: "autoscaling/v2"'
bad_input "a policy without apiVersion" "$(edit "$f" 'del d["policy"]["apiVersion"]')" 'policy.apiVersion: Required value'
bad_input "value on a Resource sample" "$(edit "$f" 'd["metrics"]["cpu"]["pods"]["web-0"]["value"]="1"')" "metrics.cpu.pods.web-0.value: unknown field \"value\": a Resource metric's samples take usage and request"
bad_input "value on a Resource metric" "$(edit "$f" 'd["metrics"]["cpu"]["value"]=3')" 'metrics.cpu.value: unknown field "value": a Resource metric takes per-pod samples in "pods"'
bad_input "a negative config.tolerance" "$(edit "$f" 'd["config"]={"tolerance":"-0.1"}')" "config.tolerance: must be greater than or equal to 0"
pods_metric='d["policy"]["spec"]["metrics"]=[{"name":"qps","type":"Pods","pods":{"metric":{"name":"qps"}},"target":{"type":"AverageValue","averageValue":"10"}}]'
bad_input "usage on a Pods sample" "$(edit "$f" "$pods_metric"'; d["metrics"]={"qps":{"pods":{"web-0":{"usage":"5"}}}}')" "metrics.qps.pods.web-0.usage: unknown field \"usage\": a Pods metric's samples take value"
bad_input "request on a Pods sample" "$(edit "$f" "$pods_metric"'; d["metrics"]={"qps":{"pods":{"web-0":{"value":"5","request":"1"}}}}')" "metrics.qps.pods.web-0.request: unknown field"
bad_input "a negative Pods value" "$(edit "$f" "$pods_metric"'; d["metrics"]={"qps":{"pods":{"web-0":{"value":"-5"}}}}')" "metrics.qps.pods.web-0.value: must be greater than or equal to 0"
bad_input "pods on an External metric" "$(edit "$f" 'd["policy"]["spec"]["metrics"]=[{"name":"queue","type":"External","external":{"metric":{"name":"q"}},"target":{"type":"Value","value":"10"}}]; d["metrics"]={"queue":{"value":5,"pods":{}}}')" 'metrics.queue.pods: unknown field "pods": an External metric takes one "value"'
# A decode error does not hide validation errors, and is not repeated by them.
both='d["policy"]["spec"]["maxReplicas"]="ten"; d["policy"]["spec"]["metrics"][0]["target"]["averageUtilization"]=0'
bad_input "a decode error and a validation error, both" "$(edit "$f" "$both")" "policy.spec.metrics[0].target.averageUtilization: must be greater than 0"
bad_input_without "a decode error is not repeated by validation" "$(edit "$f" "$both")" "policy.spec.maxReplicas: must be an integer" "policy.spec.maxReplicas: Required value"
typo='d["policy"]["spec"]["metrics"][0]["type"]="Resorce"; d["policy"]["spec"]["minReplicas"]=-1'
bad_input_without "an unsupported value is not followed by Required value" "$(edit "$f" "$typo")" "policy.spec.minReplicas: must be greater than or equal to 0" "policy.spec.metrics[0].type: Required value"

echo "# decide: $((n - bad)) passed, $bad failed"
[ $bad -eq 0 ]

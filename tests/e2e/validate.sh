#!/usr/bin/env bash
# `ebb validate` end to end: the examples are valid, every invalid policy of
# the shared table is refused with FILE:LINE: path: message, and bad files
# get clear errors, never a crash.
set -uo pipefail
EBB=${EBB:-build/ebb}
n=0; bad=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
t() { # description, expected rc, expected substring ('' = none), command...
  local desc=$1 want_rc=$2 want=$3; shift 3
  n=$((n + 1))
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want_rc" ] && { [ -z "$want" ] || grep -qF -- "$want" <<<"$out"; }; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc (rc=$rc, want $want_rc; output: $(head -c 600 <<<"$out"))"; bad=$((bad + 1))
  fi
}

t "the examples are valid" 0 "valid" "$EBB" validate examples/*.yaml
for f in tests/fixtures/policies/valid-*.yaml; do
  t "$(basename "$f") is valid" 0 "" "$EBB" validate --quiet "$f"
done
for f in tests/fixtures/policies/invalid-*.yaml; do
  want=$(sed -n 's/^# expect: \(.*\)$/\1/p' "$f" | head -1)
  path=${want%%:*}
  t "$(basename "$f") is refused at $path" 1 "$f:" "$EBB" validate "$f"
  t "$(basename "$f") names $path" 1 "$path" "$EBB" validate "$f"
done

cat > "$tmp/typo.yaml" <<'Y'
apiVersion: ebb.dev/v1alpha1
kind: ScalingPolicy
metadata: {name: web}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics:
  - name: cpu
    type: Resource
    resource: {name: cpu}
    target: {type: Utilization, averageUtilisation: 60}
Y
t "an unknown field is an error with its line" 1 "$tmp/typo.yaml:11: spec.metrics[0].target.averageUtilisation: unknown field" "$EBB" validate "$tmp/typo.yaml"

# One decode error does not hide the validation errors, nor is it repeated by them.
cat > "$tmp/both.yaml" <<'Y'
apiVersion: ebb.dev/v1alpha1
kind: ScalingPolicy
metadata: {name: web}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 0
  maxReplicas: ten
  metrics:
  - name: cpu
    type: Resorce
    resource: {name: cpu}
    target: {type: Utilization, averageUtilization: 0}
Y
t "a decode error is reported" 1 "$tmp/both.yaml:7: spec.maxReplicas: must be an integer" "$EBB" validate "$tmp/both.yaml"
t "... and validation still runs" 1 "$tmp/both.yaml:12: spec.metrics[0].target.averageUtilization: must be greater than 0" "$EBB" validate "$tmp/both.yaml"
n=$((n + 1)); out=$("$EBB" validate "$tmp/both.yaml" 2>&1)
if grep -q "spec.maxReplicas: Required value" <<<"$out" || grep -q "spec.metrics\[0\].type: Required value" <<<"$out"; then
  echo "not ok $n - validation does not repeat a decode error: $out"; bad=$((bad + 1))
else echo "ok $n - validation does not repeat a decode error"; fi

printf 'apiVersion: ebb.dev/v1alpha1\nkind: ScalingPolicy\nspec: [unclosed\n' > "$tmp/syntax.yaml"
t "a YAML syntax error names the line" 1 "$tmp/syntax.yaml:" "$EBB" validate "$tmp/syntax.yaml"

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' > "$tmp/cm.yaml"
t "a file with no ScalingPolicy is an error" 1 "no ScalingPolicy" "$EBB" validate "$tmp/cm.yaml"

sed 's/timeZone: .*/timeZone: Europe\/Atlantis/' examples/queue-worker.yaml > "$tmp/tz.yaml"
t "an unknown time zone is refused" 1 "Europe/Atlantis" "$EBB" validate "$tmp/tz.yaml"

t "a missing file is an error" 1 "nope.yaml" "$EBB" validate "$tmp/nope.yaml"
t "stdin is read with -" 0 "valid" sh -c "'$EBB' validate - < examples/web.yaml"
t "no file is a usage error" 2 "no files given" "$EBB" validate
t "an unknown flag is a usage error" 2 "unknown flag" "$EBB" validate --strict examples/web.yaml
t "--help explains the output" 0 "FILE:LINE" "$EBB" validate --help
head -c 3000 /dev/urandom > "$tmp/garbage.yaml"
n=$((n + 1)); "$EBB" validate "$tmp/garbage.yaml" >/dev/null 2>&1; rc=$?
if [ $rc -eq 1 ]; then echo "ok $n - random bytes are refused, not a crash"; else echo "not ok $n - random bytes: rc=$rc"; bad=$((bad + 1)); fi

echo "# validate: $((n - bad)) passed, $bad failed"
[ $bad -eq 0 ]

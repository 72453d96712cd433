#!/usr/bin/env bash
# simulate.sh -- `ebb simulate` end to end: each example trace replayed with
# its example policy, the summary checked against what the policy promises,
# the --out and --svg files checked, and bad inputs rejected with the right
# exit code and message. Prints TAP lines; exits non-zero if any check fails.
#
#   EBB=build/ebb bash tests/e2e/simulate.sh
set -uo pipefail

EBB=${EBB:-build/ebb}
case $EBB in /*) ;; *) EBB=$PWD/$EBB ;; esac
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  [ $# -gt 1 ] && printf '#   %s\n' "$2"
  return 0
}
check() { # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then ok "$d"; else not_ok "$d" "failed: $*"; fi
}

# The value of summary row LABEL in FILE: column 1 = ebb, 2 = hpa.
value() { # value FILE LABEL [COLUMN]
  awk -v l="$2" -v c="${3:-1}" 'index($0, l) == 1 {
      rest = substr($0, length(l) + 1); split(rest, f, " ")
      for (i = 1; i in f; i++) if (f[i] ~ /^[-0-9.]+$/) { k++; if (k == c) { print f[i]; exit } }
    }' "$1"
}
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
xml_ok() { python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$1"; }

if [ ! -x "$EBB" ]; then
  not_ok "ebb binary at $EBB" "build it first (make)"
  exit 1
fi

# --- help --------------------------------------------------------------------
"$EBB" simulate --help >"$tmp/help" 2>&1
rc=$?
check "--help exits 0" test $rc -eq 0
check "--help documents the trace header and columns" \
  grep -q 'time,load' "$tmp/help"
check "--help lists every flag" \
  bash -c "for f in --policy --trace --hpa --quiet --out --svg --step --startup; do
    grep -q -- \"\$f\" '$tmp/help' || exit 1; done"

# --- Black Friday --------------------------------------------------------------
bf=$tmp/bf
"$EBB" simulate --policy examples/black-friday.yaml --trace examples/traces/black-friday.csv \
  --hpa --quiet --out "$bf.csv" --svg "$bf.svg" >"$bf.txt" 2>"$bf.err"
rc=$?
check "black-friday: exits 0" test $rc -eq 0
check "black-friday: --quiet prints the summary only" \
  bash -c "[ \$(grep -c '^20[0-9][0-9]-.*T.*Z  ' '$bf.txt') -eq 0 ] &&
    grep -q '^scale events up' '$bf.txt'"
decisions=$(sed -n 's/.*: \([0-9]*\) decisions, one every 15s$/\1/p' "$bf.txt")
check "black-friday: one decision every 15s for 8 days (46081)" test "${decisions:-0}" -eq 46081
rows=$(($(wc -l <"$bf.csv") - 1))
check "black-friday: --out has one row per decision" test "$rows" -eq "${decisions:-0}"
check "black-friday: --out has the header" \
  grep -q '^time,load,utilization,ready,replicas,desired,min_replicas,max_replicas,needed,'\
'schedule,event,hpa_ready,hpa_replicas,hpa_desired,hpa_event,reason$' "$bf.csv"
bfmin=$(awk -F, '$10 == "black-friday" { if (m == "" || $6 < m) m = $6 } END { print m }' "$bf.csv")
check "black-friday: Ebb holds the schedule's minimum (12) while it is active (min $bfmin)" \
  ge "${bfmin:-0}" 12
hpamin=$(awk -F, '$10 == "black-friday" { if (m == "" || $14 < m) m = $14 } END { print m }' \
  "$bf.csv")
check "black-friday: HPA, without schedules, drops below it ($hpamin)" lt "${hpamin:-99}" 12
check "black-friday: the summary shows the schedule's floor (ebb 12, hpa below)" \
  bash -c "[ '$(value "$bf.txt" 'min replicas while a schedule is on' 1)' = 12 ] &&
    [ '$(value "$bf.txt" 'min replicas while a schedule is on' 2)' -lt 12 ]"
check "black-friday: Ebb's peak reaches maxReplicas 60" \
  test "$(value "$bf.txt" 'max replicas' 1)" = 60
check "black-friday: normal days go down to minReplicas-ish (<= 8)" \
  ge 8 "$(value "$bf.txt" 'min replicas' 1)"
e_rev=$(value "$bf.txt" 'reversals within 10m' 1)
h_rev=$(value "$bf.txt" 'reversals within 10m' 2)
check "black-friday: Ebb reverses no more often than HPA ($e_rev <= $h_rev)" \
  ge "${h_rev:-0}" "${e_rev:-99}"
check "black-friday: the plot is well-formed XML" xml_ok "$bf.svg"
check "black-friday: the plot has no script" bash -c "! grep -qi '<script' '$bf.svg'"
check "black-friday: the plot names the policy and shades the schedule" \
  bash -c "grep -q 'policy shop' '$bf.svg' && grep -q '>black-friday</text>' '$bf.svg'"

# --- flapping ------------------------------------------------------------------
fl=$tmp/flap
"$EBB" simulate --policy examples/web.yaml --trace examples/traces/flapping.csv --hpa --quiet \
  >"$fl.txt" 2>&1
check "flapping: exits 0" test $? -eq 0
e_rev=$(value "$fl.txt" 'reversals within 10m' 1)
h_rev=$(value "$fl.txt" 'reversals within 10m' 2)
check "flapping: Ebb reverses less often than HPA ($e_rev < $h_rev)" lt "${e_rev:-99}" "${h_rev:-0}"
e_ev=$(($(value "$fl.txt" 'scale events up' 1) + $(value "$fl.txt" 'scale events down' 1)))
h_ev=$(($(value "$fl.txt" 'scale events up' 2) + $(value "$fl.txt" 'scale events down' 2)))
check "flapping: Ebb scales less often than HPA ($e_ev < $h_ev)" lt "$e_ev" "$h_ev"

# --- step spike ----------------------------------------------------------------
st=$tmp/step
"$EBB" simulate --policy examples/web.yaml --trace examples/traces/step-spike.csv \
  --out "$st.csv" >"$st.txt" 2>&1
check "step-spike: exits 0" test $? -eq 0
check "step-spike: prints one line per decision (721) and a header" \
  test "$(grep -c '^2026-03-10T[^ ]*Z  ' "$st.txt")" -eq 721
# web.yaml's band holds a scale-up until CPU has been above 70% for 5 minutes.
first_up=$(awk -F, '$11 == "up" && $1 >= "2026-03-10T13:00:00Z" { print $1; exit }' "$st.csv")
check "step-spike: scales up within 6 minutes of the 13:00 spike ($first_up)" \
  bash -c "[ -n '$first_up' ] && [[ '$first_up' < '2026-03-10T13:06:00Z' ]]"
peak=$(awk -F, 'NR > 1 && $6 > m { m = $6 } END { print m }' "$st.csv")
check "step-spike: reaches at least 3x the starting replicas (peak $peak)" ge "${peak:-0}" 9
last=$(tail -1 "$st.csv" | cut -d, -f6)
check "step-spike: comes back down after the spike (ends at $last < $peak)" \
  lt "${last:-99}" "${peak:-0}"

# --- day/night -----------------------------------------------------------------
dn=$tmp/dn
"$EBB" simulate --policy examples/web.yaml --trace examples/traces/day-night.csv --quiet \
  --svg "$dn.svg" >"$dn.txt" 2>&1
check "day-night: exits 0" test $? -eq 0
check "day-night: scales both ways every day (>= 3 up, >= 3 down)" \
  bash -c "[ $(value "$dn.txt" 'scale events up' 1) -ge 3 ] &&
    [ $(value "$dn.txt" 'scale events down' 1) -ge 3 ]"
check "day-night: the plot is well-formed XML" xml_ok "$dn.svg"

# --- queue worker: a Prometheus metric fed the load ---------------------------------
qw=$tmp/qw
"$EBB" simulate --policy examples/queue-worker.yaml --trace examples/traces/step-spike.csv \
  --pod-capacity 60 --quiet >"$qw.txt" 2>&1
check "queue-worker: exits 0" test $? -eq 0
check "queue-worker: scales on its Prometheus metric, fed the load (max > min)" \
  lt "$(value "$qw.txt" 'min replicas' 1)" "$(value "$qw.txt" 'max replicas' 1)"
check "queue-worker: one worker per 50 (240 tasks/s needs 5)" \
  test "$(value "$qw.txt" 'max replicas' 1)" = 5

# --- flags override the trace's model parameters -------------------------------
"$EBB" simulate --policy examples/web.yaml --trace examples/traces/step-spike.csv --quiet \
  --step 1m --startup 2m --pod-capacity 40 --cpu-request 1 --initial-replicas 4 >"$tmp/fl.txt" 2>&1
check "flags: exits 0" test $? -eq 0
check "flags: --step 1m gives 181 decisions" \
  grep -q ': 181 decisions, one every 1m0s$' "$tmp/fl.txt"
check "flags: model parameters come from the flags" \
  grep -q '^model: pod capacity 40 tasks/s at cpu request 1, startup 2m0s, 4 initial replicas$' \
  "$tmp/fl.txt"

# --- bad input -----------------------------------------------------------------
expect() { # expect DESCRIPTION CODE PATTERN ARGS...
  local d=$1 code=$2 pat=$3; shift 3
  "$EBB" simulate "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne "$code" ]; then
    not_ok "$d" "exit $rc, want $code: $(head -3 "$tmp/err")"
  elif ! grep -qF -- "$pat" "$tmp/err"; then
    not_ok "$d" "stderr lacks '$pat': $(head -3 "$tmp/err")"
  else
    ok "$d"
  fi
}
pol=examples/web.yaml
printf 'time,load\n2026-03-10T12:00:00Z,1\n2026-03-10T12:01:00Z,abc\n' >"$tmp/bad-load.csv"
printf 'time,load\n2026-03-10T12:00:00Z,1\n2026-03-10T11:59:00Z,2\n' >"$tmp/backwards.csv"
printf 'time,load\n2026-03-10T12:00:00Z,-3\n' >"$tmp/negative.csv"
printf 'time,load\n2026-03-10T12:00:00Z,nan\n' >"$tmp/nan.csv"
printf 'time,load\n2026-03-10 12:00,1\n' >"$tmp/bad-time.csv"
printf 'when,load\n' >"$tmp/bad-header.csv"
printf '# pod_capacty: 3\ntime,load\n' >"$tmp/typo.csv"
cat >"$tmp/bad.yaml" <<'EOF'
apiVersion: ebb.dev/v1alpha1
kind: ScalingPolicy
metadata: {name: x}
spec:
  maxReplicas: 0
EOF

expect "no flags: usage, exit 2" 2 "--policy is required"
expect "no --trace: exit 2" 2 "--trace is required" --policy "$pol"
expect "unknown flag: exit 2" 2 "unknown flag --speed" --policy "$pol" --trace x --speed 10
expect "stray argument: exit 2" 2 'unexpected argument "extra"' --policy "$pol" --trace x extra
expect "flag without its value: exit 2" 2 "--step needs a value" --policy "$pol" --trace x --step
expect "bad --step: exit 2" 2 '--step "soon"' --policy "$pol" --trace x --step soon
expect "--step out of range: exit 2" 2 "must be between 1s and 1h0m0s" \
  --policy "$pol" --trace x --step 2h
expect "bad --pod-capacity: exit 2" 2 "--pod-capacity: -1 must be greater than 0" \
  --policy "$pol" --trace x --pod-capacity -1
expect "missing trace file: exit 1" 1 "cannot open $tmp/none.csv" \
  --policy "$pol" --trace "$tmp/none.csv"
expect "missing policy file: exit 1" 1 "$tmp/none.yaml" \
  --policy "$tmp/none.yaml" --trace "$tmp/nan.csv"
expect "invalid policy: FILE:LINE: path: message, exit 1" 1 "$tmp/bad.yaml:5: spec.maxReplicas" \
  --policy "$tmp/bad.yaml" --trace examples/traces/step-spike.csv
expect "malformed load: FILE:LINE and the field, exit 1" 1 \
  "$tmp/bad-load.csv:3: load \"abc\" is not a number" --policy "$pol" --trace "$tmp/bad-load.csv"
expect "time going backwards: exit 1" 1 \
  "$tmp/backwards.csv:3: time 2026-03-10T11:59:00Z is not after the previous row's" \
  --policy "$pol" --trace "$tmp/backwards.csv"
expect "negative load: exit 1" 1 "$tmp/negative.csv:2: load -3 is negative" \
  --policy "$pol" --trace "$tmp/negative.csv"
expect "NaN load: exit 1" 1 "$tmp/nan.csv:2: load \"nan\" is not a finite number" \
  --policy "$pol" --trace "$tmp/nan.csv"
expect "bad time: exit 1" 1 "$tmp/bad-time.csv:2: time \"2026-03-10 12:00\" is not an RFC 3339" \
  --policy "$pol" --trace "$tmp/bad-time.csv"
expect "bad header: exit 1" 1 "$tmp/bad-header.csv:1: the first row must be the header" \
  --policy "$pol" --trace "$tmp/bad-header.csv"
expect "misspelt model parameter: exit 1" 1 'unknown model parameter "pod_capacty"' \
  --policy "$pol" --trace "$tmp/typo.csv"
expect "unwritable --out: exit 1" 1 "cannot write $tmp/no/dir.csv" \
  --policy "$pol" --trace examples/traces/step-spike.csv --quiet --out "$tmp/no/dir.csv"

echo "1..$n"
[ "$failed" -eq 0 ]

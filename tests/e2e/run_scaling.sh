#!/usr/bin/env bash
# `ebb run` against kubesim over TLS: scaling behaviour (issue 5 point 9).
# One kubesim, one `ebb run` on namespace e2e (sync period 1 s) and one
# `ebb run --dry-run` on namespace dry; each scenario has its own workload
# and policy, set up at the start so their clocks run side by side:
#   1. cpu: a load step, the band's `for`, the scale-up cooldown, scale-down
#   2. nocpu: pods without CPU requests -> the metric is invalid, count held
#   3. two: cpu + an External series that does not exist: up yes, down no
#   4. ext: an External metric (sum of the matching series) drives the count
#   5. db: a StatefulSet target, pods db-<ordinal>
#   6. zero: scale to zero and from zero on an External metric
#   7. paused-spec, paused-ann, dry/web: decide and report, never patch
#   8. amb-a + amb-b on one Deployment, amb-h + an HPA: AmbiguousTarget
#   9. bad-tz, bad-cron: accepted by the API, refused by ebb -> InvalidSpec
#  10. del: deleting a policy leaves its target alone
#  11. events are aggregated (one Event, a growing series, per fact)
# Every check prints one TAP line; the script exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/run_lib.sh

tmp=$(mktemp -d)
trap 'run_stop_all; ks_stop; if [ -n "${KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi' EXIT
ks_start "$tmp" --metrics-resolution 1 --pod-startup 1 --pod-grace 1 --noise 0
NS=e2e

# ms RFC3339: unix milliseconds of a timestamp (empty in, empty out).
ms() {
  [ -n "$1" ] || return 1
  python3 -c 'import sys,datetime; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace("Z","+00:00")).timestamp()*1000))' "$1"
}
now_ms() { date +%s%3N; }
# ge A B NAME-OF-A NAME-OF-B: A >= B, or say why not.
ge() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -ge "$2" ] || { echo "$3=$1 is not >= $4=$2"; return 1; }; }
# rep_is KIND NS NAME N / rep_not ...: the target's spec.replicas is (not) N.
rep_is() { [ "$(replicas "$1" "$2" "$3")" = "$4" ]; }
rep_not() { ! rep_is "$@"; }
# has_event NS POLICY REASON REGEX: an Event with that reason whose note
# matches, within 5 s (Events are written after the status, asynchronously).
has_event() {
  local end=$(( $(date +%s) + 5 ))
  until sp_events "$1" "$2" "$3" | grep -Eq -- "$4"; do
    [ "$(date +%s)" -ge "$end" ] && { echo "no $3 event matching $4 in: $(sp_events "$1" "$2")"; return 1; }
    sleep 0.3
  done
}
# wait_sp_jq SECS NS NAME JQ: until jq -e JQ holds on the policy's JSON.
wait_sp_jq() {
  local secs=$1 ns=$2 name=$3 q=$4
  local end=$(( $(date +%s) + secs ))
  until kc get scalingpolicies.ebb.dev -n "$ns" "$name" -o json | jq -e "$q" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$end" ] && { echo "timeout: $q on $(kc get scalingpolicies.ebb.dev -n "$ns" "$name" -o json | jq -c .status)"; return 1; }
    sleep 0.3
  done
}

# workload KIND NAME REPLICAS CPU-REQUEST(or "none") [NS]: its YAML
workload() {
  local kind=$1 name=$2 n=$3 cpu=$4 ns=${5:-$NS} res="" svc=""
  [ "$cpu" = none ] || res="
        resources: {requests: {cpu: $cpu}}"
  [ "$kind" = StatefulSet ] && svc="
  serviceName: $name"
  cat <<EOF
---
apiVersion: apps/v1
kind: $kind
metadata: {name: $name, namespace: $ns}
spec:
  replicas: $n$svc
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec:
      containers:
      - name: app
        image: nginx:1.25$res
EOF
}

# ---------------------------------------------------------------- setup
ok "apply the ScalingPolicy CRD" kc apply -f crds/ebb.dev_scalingpolicies.yaml
ok "the CRD is Established" kc wait --for condition=established --timeout=20s crd/scalingpolicies.ebb.dev
ok "create namespaces" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig create namespace $NS && kubectl --kubeconfig $KS_DIR/kubeconfig create namespace dry"

{
  workload Deployment cpu 2 100m
  workload Deployment nocpu 2 none
  workload Deployment two 2 100m
  workload Deployment ext 1 none
  workload StatefulSet db 2 100m
  workload Deployment zero 1 none
  workload Deployment paused-spec 2 100m
  workload Deployment paused-ann 2 100m
  workload Deployment web 2 100m dry
  workload Deployment amb 2 100m
  workload Deployment amb-hpa 2 100m
  workload Deployment bad-tz 2 100m
  workload Deployment bad-cron 2 100m
  workload Deployment del 2 100m
} >"$tmp/workloads.yaml"
ok "create the workloads" kc apply -f "$tmp/workloads.yaml"
# Offered loads (rps; a pod serves 100 rps at 100% of its request, +2% idle).
# 90 rps on 2 pods is 47% of a 50% target: within the tolerance, no change.
for w in cpu del; do ks_load $NS $w constant:90; done
ks_load $NS two constant:40        # 22%: the cpu metric alone would scale down
for w in nocpu paused-spec paused-ann amb amb-hpa bad-tz bad-cron; do
  ks_load $NS $w constant:300      # 152%: would scale up, if anything acted
done
ks_load $NS db constant:300
ks_load dry web constant:300
ks_load $NS ext constant:10
ks_load $NS zero constant:10
ok "the workloads' pods become ready" wait_for 30 sh -c '
  for w in cpu nocpu two paused-spec paused-ann amb amb-hpa bad-tz bad-cron del; do
    [ "$(kubectl --kubeconfig '"$KS_DIR"'/kubeconfig get deploy -n '"$NS"' $w -o jsonpath={.status.readyReplicas})" = 2 ] || exit 1
  done
  [ "$(kubectl --kubeconfig '"$KS_DIR"'/kubeconfig get sts -n '"$NS"' db -o jsonpath={.status.readyReplicas})" = 2 ]'

# policy NAME TARGET-KIND TARGET-NAME MIN MAX METRICS-YAML [EXTRA-SPEC-YAML] [NS] [METADATA-EXTRA]
policy() {
  cat <<EOF
---
apiVersion: ebb.dev/v1alpha1
kind: ScalingPolicy
metadata:
  name: $1
  namespace: ${8:-$NS}${9:-}
spec:
  targetRef: {apiVersion: apps/v1, kind: $2, name: $3}
  minReplicas: $4
  maxReplicas: $5
  syncPeriod: 1s
  metrics:
$6
${7:-}
EOF
}
CPU50='  - name: cpu
    type: Resource
    resource: {name: cpu}
    target: {type: Utilization, averageUtilization: 50}'
FAST='  behavior:
    scaleUp: {stabilizationWindow: 0s, policies: [{type: Pods, value: 2, period: 1s}]}
    scaleDown: {stabilizationWindow: 0s}'

{
  # 1: bands of 4 s, scale-up cooldown 8 s, at most +2 pods a second.
  policy cpu Deployment cpu 1 10 "$CPU50
    scaleUp: {above: 60, for: 4s}
    scaleDown: {below: 30, for: 4s}" '  behavior:
    scaleUp: {cooldown: 8s, stabilizationWindow: 0s, policies: [{type: Pods, value: 2, period: 1s}]}
    scaleDown: {cooldown: 3s, stabilizationWindow: 0s}'
  policy nocpu Deployment nocpu 1 10 "$CPU50" "$FAST"
  policy two Deployment two 1 10 "$CPU50
  - name: backlog
    type: External
    external: {metric: {name: no_such_series}}
    target: {type: AverageValue, averageValue: '10'}" "$FAST"
  policy ext Deployment ext 1 10 '  - name: queue
    type: External
    external: {metric: {name: queue_length, selector: {matchLabels: {queue: jobs}}}}
    target: {type: AverageValue, averageValue: "10"}' "$FAST"
  policy db StatefulSet db 1 4 "$CPU50" "$FAST"
  policy zero Deployment zero 0 10 '  - name: jobs
    type: External
    external: {metric: {name: jobs_waiting}}
    target: {type: AverageValue, averageValue: "5"}' "$FAST"
  policy paused-spec Deployment paused-spec 1 10 "$CPU50" "$FAST
  paused: true"
  policy paused-ann Deployment paused-ann 1 10 "$CPU50" "$FAST" $NS '
  annotations: {ebb.dev/paused: "true"}'
  policy web Deployment web 1 10 "$CPU50" "$FAST" dry
  policy amb-a Deployment amb 1 10 "$CPU50" "$FAST"
  policy amb-b Deployment amb 1 10 "$CPU50" "$FAST"
  policy amb-h Deployment amb-hpa 1 10 "$CPU50" "$FAST"
  policy bad-tz Deployment bad-tz 1 10 "$CPU50" "$FAST
  schedules:
  - {name: peak, cron: '0 8 * * *', duration: 1h, timeZone: Mars/Olympus_Mons, minReplicas: 3}"
  policy bad-cron Deployment bad-cron 1 10 "$CPU50" "$FAST
  schedules:
  - {name: never, cron: '0 0 31 2 *', duration: 1h, minReplicas: 3}"
  policy del Deployment del 1 10 "$CPU50" "$FAST"
} >"$tmp/policies.yaml"
cat >"$tmp/hpa.yaml" <<EOF
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: amb-hpa, namespace: $NS}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: amb-hpa}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
EOF
ok "create an HPA on amb-hpa" kc apply -f "$tmp/hpa.yaml"
ok "the API server accepts every policy" kc apply -f "$tmp/policies.yaml"
ks_external $NS queue_length 25 '{"queue":"jobs","shard":"a"}'
ks_external $NS queue_length 20 '{"queue":"jobs","shard":"b"}'
ks_external $NS queue_length 1000 '{"queue":"other"}'
ks_external $NS jobs_waiting 0

declare -A GEN0
for app in paused-spec paused-ann amb amb-hpa bad-tz bad-cron nocpu; do
  GEN0[$app]=$(kc get deploy -n $NS $app -o 'jsonpath={.metadata.generation}')
done
GEN0[dry]=$(kc get deploy -n dry web -o 'jsonpath={.metadata.generation}')

run_start main --namespace $NS --kube-api-qps 200 --kube-api-burst 200
run_start dry --namespace dry --dry-run
ok "ebb run (namespace $NS) becomes ready" run_wait_ready main 20
ok "ebb run --dry-run (namespace dry) becomes ready" run_wait_ready dry 20

echo "# 1. cpu: load step, band for, cooldown, scale-down"
ok "cpu: the metric is read (ScalingActive=True ValidMetricFound)" wait_cond 15 $NS cpu ScalingActive True ValidMetricFound
eq "cpu: 90 rps on 2 pods is 47%" 47 sp_get $NS cpu '{.status.currentMetrics[?(@.name=="cpu")].value}'
eq "cpu: desiredReplicas 2" 2 sp_get $NS cpu '{.status.desiredReplicas}'
eq "cpu: no ScaledUp event yet" 0 sp_event_count $NS cpu ScaledUp
# The step: 40 -> 300 rps one second after the PUT (a step curve).
t_step=$(( $(now_ms) + 1000 ))
ok "cpu: PUT a step load curve step:90,300@1" ks_load $NS cpu 'step:90,300@1'
# 300 rps on 2 pods is 152% > 60%: up only after it has stayed above for 4 s.
ok "cpu: nothing scales while the band's 4 s run (until 3.5 s after the step)" \
  never_for $(( (t_step + 3500 - $(now_ms)) / 1000 )) rep_not deploy $NS cpu 2
ok "cpu: the first scale-up comes (2 -> 4, at most +2 pods/s)" wait_replicas 15 deploy $NS cpu 4
ok "cpu: status.scaleEvents records 2 -> 4" wait_sp_jq 5 $NS cpu '[.status.scaleEvents[]? | select(.from == 2 and .to == 4)] | length == 1'
up1=$(ms "$(sp_get $NS cpu '{.status.lastScaleUpTime}')")
ok "cpu: lastScaleUpTime is at least 4 s after the step" ge "$up1" $((t_step + 4000)) lastScaleUpTime step+4s
ok "cpu: a ScaledUp event says 2 -> 4 on cpu" has_event $NS cpu ScaledUp 'cpu.*2 -> 4'
ok "cpu: the second scale-up comes (4 -> 6)" wait_replicas 20 deploy $NS cpu 6
ok "cpu: status.scaleEvents records 4 -> 6" wait_sp_jq 5 $NS cpu '[.status.scaleEvents[]? | select(.from == 4 and .to == 6)] | length == 1'
up2=$(ms "$(sp_get $NS cpu '{.status.lastScaleUpTime}')")
ok "cpu: the 8 s cooldown spaces the two scale-ups" ge "$up2" $((up1 + 8000)) second first+8s
ok "cpu: the second scale-up follows the cooldown closely (< 12 s)" ge $((up1 + 12000)) "$up2" first+12s second
ok "cpu: a ScaledUp event says 4 -> 6" has_event $NS cpu ScaledUp '4 -> 6'
eq "cpu: two ScaledUp occurrences" 2 sp_event_total $NS cpu ScaledUp
ok "cpu: status.currentReplicas becomes 6" wait_sp 10 $NS cpu '{.status.currentReplicas}' 6
eq "cpu: AbleToScale=True" True sp_cond $NS cpu AbleToScale
# The drop: 300 -> 20 rps; 20/6 + 2 = 5% < 30% -> down after the 4 s band.
t_drop=$(now_ms)
ok "cpu: PUT the load down to constant:20" ks_load $NS cpu constant:20
ok "cpu: nothing scales down during the band (3 s)" never_for 3 rep_not deploy $NS cpu 6
ok "cpu: the scale-down comes (6 -> 1)" wait_replicas 20 deploy $NS cpu 1
ok "cpu: status.scaleEvents records 6 -> 1" wait_sp_jq 5 $NS cpu '[.status.scaleEvents[]? | select(.from == 6 and .to == 1)] | length == 1'
down=$(ms "$(sp_get $NS cpu '{.status.lastScaleDownTime}')")
ok "cpu: lastScaleDownTime is at least 4 s after the drop" ge "$down" $((t_drop + 4000)) lastScaleDownTime drop+4s
ok "cpu: a ScaledDown event says 6 -> 1" has_event $NS cpu ScaledDown '6 -> 1'
eq "cpu: lastScaleTime is the scale-down" "$(sp_get $NS cpu '{.status.lastScaleDownTime}')" sp_get $NS cpu '{.status.lastScaleTime}'
eq "cpu: desiredReplicas 1" 1 sp_get $NS cpu '{.status.desiredReplicas}'

# unchanged NS NAME KEY: the Deployment's generation is still GEN0[KEY] (no write to its spec).
unchanged() {
  local g; g=$(kc get deploy -n "$1" "$2" -o 'jsonpath={.metadata.generation}')
  [ "$g" = "${GEN0[$3]}" ] || { echo "generation ${GEN0[$3]} -> $g"; return 1; }
}

echo "# 2. nocpu: pods without CPU requests hold the count"
ok "nocpu: ScalingActive=False" wait_cond 5 $NS nocpu ScalingActive False
ok "nocpu: its message names a pod and the missing cpu request" \
  sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; sp_cond $NS nocpu ScalingActive message | grep -E 'pod nocpu-[a-z0-9]+-[a-z0-9]+ .*cpu request'"
eq "nocpu: ScalingActive reason" FailedGetResourceMetric sp_cond $NS nocpu ScalingActive reason
eq "nocpu: currentMetrics[cpu] has no value" "" sp_get $NS nocpu '{.status.currentMetrics[?(@.name=="cpu")].value}'
eq "nocpu: replicas stay 2 under 300 rps" 2 replicas deploy $NS nocpu
ok "nocpu: the Deployment's spec was never written" unchanged $NS nocpu nocpu
ok "nocpu: a FailedGetMetrics Warning names the pod" has_event $NS nocpu FailedGetMetrics 'pod nocpu-.*cpu request'

echo "# 3. two: one metric failing blocks a scale-down, not a scale-up"
eq "two: 22% on cpu alone would scale down, yet replicas stay 2" 2 replicas deploy $NS two
eq "two: the cpu metric proposes 1" 1 sp_get $NS two '{.status.currentMetrics[?(@.name=="cpu")].proposal}'
eq "two: ScalingActive=False" False sp_cond $NS two ScalingActive
ok "two: its message names the missing series" \
  sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; sp_cond $NS two ScalingActive message | grep 'backlog.*no_such_series'"
ok "two: a FailedGetMetrics Warning names the metric" has_event $NS two FailedGetMetrics 'metric backlog'
ok "two: load 300 rps" ks_load $NS two constant:300
ok "two: the scale-up still happens on cpu" wait_for 15 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS two -o jsonpath={.spec.replicas})\" -ge 6 ]"
ok "two: a ScaledUp event" has_event $NS two ScaledUp 'cpu .* 2 -> '
ok "two: it settles at 6 (300 rps / 6 pods = 52%)" wait_replicas 10 deploy $NS two 6
ok "two: load back to 40 rps" ks_load $NS two constant:40
ok "two: no scale-down while backlog cannot be read (5 s)" never_for 5 rep_not deploy $NS two 6
ok "two: the series appears (value 0)" ks_external $NS no_such_series 0
ok "two: now the scale-down happens" wait_replicas 15 deploy $NS two 1
ok "two: ScalingActive=True once both metrics read" wait_cond 5 $NS two ScalingActive True
ok "two: a ScaledDown event from 6" has_event $NS two ScaledDown '6 -> [12]'

echo "# 4. ext: an External metric (sum of the matching series) drives the count"
eq "ext: queue=jobs sums 25 + 20 = 45 -> 5 (the queue=other series is left out)" 5 replicas deploy $NS ext
eq "ext: desiredReplicas 5" 5 sp_get $NS ext '{.status.desiredReplicas}'
eq "ext: ScalingActive reason" ValidMetricFound sp_cond $NS ext ScalingActive reason
ok "ext: a ScaledUp event names queue 45" has_event $NS ext ScaledUp 'queue 45 .*1 -> '
echo "# ext: shard a drops to 5, shard b to 0"
ks_external $NS queue_length 5 '{"queue":"jobs","shard":"a"}'
ks_external $NS queue_length 0 '{"queue":"jobs","shard":"b"}'
ok "ext: scaled down to 1" wait_replicas 10 deploy $NS ext 1
ok "ext: a ScaledDown event 5 -> 1" has_event $NS ext ScaledDown 'queue .*5 -> 1'
ok "ext: the pods follow" wait_for 10 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=ext -o name | wc -l)\" = 1 ]"

echo "# 5. db: a StatefulSet target"
eq "db: scaled to its maxReplicas 4" 4 replicas sts $NS db
ok "db: its pods are db-0 .. db-3" wait_for 10 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=db -o name | sed 's|pod/||' | sort | tr '\n' ' ')\" = 'db-0 db-1 db-2 db-3 ' ]"
eq "db: ScalingLimited=True" True sp_cond $NS db ScalingLimited
eq "db: ScalingLimited reason" TooManyReplicas sp_cond $NS db ScalingLimited reason
eq "db: status.currentReplicas" 4 sp_get $NS db '{.status.currentReplicas}'
ok "db: a ScaledUp event 2 -> 4" has_event $NS db ScaledUp '2 -> 4'
ok "db: load down to 10 rps" ks_load $NS db constant:10
ok "db: scaled down to 1" wait_replicas 15 sts $NS db 1
ok "db: the highest ordinals leave: db-0 remains" wait_for 15 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=db -o name)\" = pod/db-0 ]"

echo "# 6. zero: to zero and from zero on an External metric"
eq "zero: jobs_waiting 0 -> scaled to 0" 0 replicas deploy $NS zero
ok "zero: no pods" wait_for 10 sh -c "[ -z \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=zero -o name)\" ]"
ok "zero: a ScaledDown event 1 -> 0" has_event $NS zero ScaledDown '1 -> 0'
eq "zero: ScalingActive=True" True sp_cond $NS zero ScalingActive
ok "zero: 12 jobs arrive" ks_external $NS jobs_waiting 12
ok "zero: from zero to 3 (12 / 5 per pod)" wait_replicas 10 deploy $NS zero 3
ok "zero: a ScaledUp event from 0 (0 -> 2 at +2 pods/s)" has_event $NS zero ScaledUp 'jobs 12 .*0 -> 2'
ok "zero: three pods become ready" wait_for 15 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS zero -o jsonpath={.status.readyReplicas})\" = 3 ]"
ok "zero: the queue drains" ks_external $NS jobs_waiting 0
ok "zero: back to 0" wait_replicas 10 deploy $NS zero 0

echo "# 7. paused and dry-run: decide and report, never patch"
for p in paused-spec paused-ann; do
  eq "$p: replicas stay 2 under 300 rps" 2 replicas deploy $NS $p
  ok "$p: the Deployment's spec was never written" unchanged $NS $p $p
  eq "$p: ScalingActive reason Paused" Paused sp_cond $NS $p ScalingActive reason
  ok "$p: status.desiredReplicas reports the decision (> 2)" \
    sh -c "d=\$(kubectl --kubeconfig $KS_DIR/kubeconfig get sp -n $NS $p -o jsonpath={.status.desiredReplicas}); [ \"\${d:-0}\" -gt 2 ] || { echo desiredReplicas=\$d; exit 1; }"
  ok "$p: the cpu metric is evaluated (status value 152)" wait_sp 1 $NS $p '{.status.currentMetrics[?(@.name=="cpu")].value}' 152
  eq "$p: no Warning Event claims a metric failed" 0 sp_event_count $NS $p FailedGetMetrics
done
ok "paused-spec: unpause (spec.paused false)" kc patch sp -n $NS paused-spec --type merge -p '{"spec":{"paused":false}}'
ok "paused-spec: now it scales" wait_for 10 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS paused-spec -o jsonpath={.spec.replicas})\" -gt 2 ]"
ok "paused-ann: remove the annotation" kc annotate sp -n $NS paused-ann ebb.dev/paused-
ok "paused-ann: now it scales" wait_for 10 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS paused-ann -o jsonpath={.spec.replicas})\" -gt 2 ]"
eq "dry/web: replicas stay 2 under 300 rps" 2 replicas deploy dry web
ok "dry/web: the Deployment's spec was never written" unchanged dry web dry
ok "dry/web: status.desiredReplicas reports the decision (4, +2 pods/s)" wait_sp 5 dry web '{.status.desiredReplicas}' 4
eq "dry/web: status.currentReplicas 2" 2 sp_get dry web '{.status.currentReplicas}'
ok "dry/web: the log says it would scale" run_logged dry 'dry/web: dry-run: would scale 2 -> 4'
ok "dry/web: an Event reports the held decision 2 -> 4" sh -c "$(declare -f kc sp_events); KS_DIR=$KS_DIR; sp_events dry web | grep -q '2 -> 4'"
ok "dry/web: AbleToScale does not claim the size matches" \
  sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; ! sp_cond dry web AbleToScale message | grep -q 'matches current size'"
ok "the dry-run ebb never touched namespace $NS" sh -c "! grep -q ' $NS/' $(run_log dry)"
ok "the main ebb never touched namespace dry" sh -c "! grep -q ' dry/' $(run_log main)"

echo "# 8. ambiguous targets"
ok "amb-a: ScalingActive=False AmbiguousTarget" wait_cond 5 $NS amb-a ScalingActive False AmbiguousTarget
ok "amb-a: the message names e2e/amb-b" sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; sp_cond $NS amb-a ScalingActive message | grep -q 'ScalingPolicy $NS/amb-b'"
ok "amb-b: the message names e2e/amb-a" sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; sp_cond $NS amb-b ScalingActive message | grep -q 'ScalingPolicy $NS/amb-a'"
ok "amb-h: AmbiguousTarget naming the HPA" sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; [ \"\$(sp_cond $NS amb-h ScalingActive reason)\" = AmbiguousTarget ] && sp_cond $NS amb-h ScalingActive message | grep -q 'HorizontalPodAutoscaler $NS/amb-hpa'"
for d in amb amb-hpa; do
  eq "$d: replicas stay 2 under 300 rps" 2 replicas deploy $NS $d
  ok "$d: the Deployment's spec was never written" unchanged $NS $d $d
done
ok "amb-a: an AmbiguousTarget Warning" has_event $NS amb-a AmbiguousTarget 'amb-b'
ok "delete amb-b" kc delete sp -n $NS amb-b
ok "amb-a: now alone, it scales amb" wait_for 10 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS amb -o jsonpath={.spec.replicas})\" -gt 2 ]"
ok "amb-a: ScalingActive=True" wait_cond 5 $NS amb-a ScalingActive True
ok "delete the HPA" kc delete hpa -n $NS amb-hpa
ok "amb-h: now alone, it scales amb-hpa" wait_for 10 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS amb-hpa -o jsonpath={.spec.replicas})\" -gt 2 ]"

echo "# 9. invalid policies the API server accepts"
ok "bad-tz: Ready=False InvalidSpec" wait_cond 5 $NS bad-tz Ready False InvalidSpec
ok "bad-tz: the message names the time zone" sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; sp_cond $NS bad-tz Ready message | grep -q 'timeZone.*Mars/Olympus_Mons'"
ok "bad-cron: Ready=False InvalidSpec" wait_cond 5 $NS bad-cron Ready False InvalidSpec
ok "bad-cron: the message names the cron field" sh -c "$(declare -f kc sp_get sp_cond); KS_DIR=$KS_DIR; sp_cond $NS bad-cron Ready message | grep -q 'schedules\[0\].cron.*never matches'"
ok "bad-cron: an InvalidSpec Warning" has_event $NS bad-cron InvalidSpec 'cron'
for d in bad-tz bad-cron; do
  eq "$d: replicas stay 2 under 300 rps" 2 replicas deploy $NS $d
  ok "$d: the Deployment's spec was never written" unchanged $NS $d $d
done
eq "ebb validate refuses the same time zone" 1 sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get sp -n $NS bad-tz -o yaml > $tmp/bad-tz.yaml; $EBB validate $tmp/bad-tz.yaml >/dev/null 2>&1; echo \$?"

echo "# 10. deleting a policy leaves its target alone"
ok "del: load 200 rps" ks_load $NS del constant:200
ok "del: scaled to 4 (200 rps / 4 pods = 52%)" wait_replicas 15 deploy $NS del 4
ok "del: it stays at 4 (2 s)" never_for 2 rep_not deploy $NS del 4
GEN0[del]=$(kc get deploy -n $NS del -o 'jsonpath={.metadata.generation}')
ev_del=$(sp_events $NS del | wc -l)
ok "delete the policy del" kc delete sp -n $NS del
ok "del: load 800 rps" ks_load $NS del constant:800
ok "del: replicas stay 4 (6 s)" never_for 6 rep_not deploy $NS del 4
ok "del: the Deployment's spec was not written after the deletion" unchanged $NS del del
eq "del: no Event about it after the deletion" "$ev_del" sh -c "$(declare -f kc sp_events); KS_DIR=$KS_DIR; sp_events $NS del | wc -l"
ok "del: ebb logs that the policy was deleted" run_logged main "$NS/del: policy deleted"
eq "del: ebb logs no decision about it after that" 0 \
  sh -c "sed -n '\\|$NS/del: policy deleted|,\$p' $(run_log main) | grep -c '$NS/del: current'"

echo "# 11. events are aggregated"
for pe in nocpu:FailedGetMetrics two:FailedGetMetrics amb-a:AmbiguousTarget amb-h:AmbiguousTarget bad-tz:InvalidSpec bad-cron:InvalidSpec; do
  p=${pe%%:*} r=${pe#*:}
  eq "$p: one $r Event after dozens of syncs" 1 sp_event_count $NS $p $r
done
eq "nocpu: kubectl get events (core/v1) shows one FailedGetMetrics" 1 \
  sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get events -n $NS --field-selector involvedObject.name=nocpu,reason=FailedGetMetrics -o name | wc -l"
eq "ebb run (main) is still running" yes sh -c "kill -0 $(run_pid main) && echo yes"
run_stop main
eq "ebb run exits 0 on SIGTERM" 0 echo "$RUN_STATUS"
ok "ebb run: SIGTERM lets in-flight reconciles finish (none cancelled)" sh -c "! grep -E 'cancelling [1-9][0-9]* reconcile' $(run_log main)"
run_stop dry
eq "ebb run --dry-run exits 0 on SIGTERM" 0 echo "$RUN_STATUS"
if [ -n "${KEEP:-}" ]; then
  kc get sp -A -o yaml >"$tmp/sp.yaml"; kc get events.v1.events.k8s.io -A -o yaml >"$tmp/events.yaml"
  kc get deploy,sts -A >"$tmp/workloads.txt"
fi
echo "1..$ks_n"
[ "$ks_bad" -eq 0 ]

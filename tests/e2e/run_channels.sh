#!/usr/bin/env bash
# `ebb run` against kubesim over TLS: channel port ranges (issue 6 point 6).
# One kubesim, one `ebb run` (sync period 1 s); the replica counts are driven
# by edits of minReplicas/maxReplicas (deterministic: the clamp acts at once):
#   1. examples/flow8/ applied as is: the StatefulSet flow8 gets ranges by
#      ordinal, scaled 3 -> 8 -> 2 -> 5;
#   2. a Deployment scaled up and down with pods killed in between: a new
#      pod takes the lowest free slot and keeps it;
#   3. a policy naming another pool whose ports intersect flow8's:
#      Ready=False PortRangeConflict, nothing assigned, a Warning event;
#   4. a second Deployment sharing the Deployment's pool, which is full:
#      ScalingLimited=True PortPoolExhausted and a Warning event;
#   5. a restart of ebb run changes nothing (the assignment is rebuilt
#      from the API, not memory).
# After each step: every live pod's annotation, the ConfigMap's ranges.yaml
# and status.channelPorts agree, and no two ranges of a pool intersect.
# Every check prints one TAP line; the script exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/run_lib.sh

tmp=$(mktemp -d)
trap 'run_stop_all; ks_stop; if [ -n "${KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi' EXIT
ks_start "$tmp" --metrics-resolution 1 --pod-startup 1 --pod-grace 1 --noise 0
NS=e2e

# agree NS POLICY KIND TARGET N [BASE SIZE]: the target has N live pods, each
# annotated; annotations, ConfigMap and status.channelPorts list the same
# (pod, range); StatefulSet pods hold base + ordinal*size; no two ranges of
# the pods checked intersect. Prints why not.
cat >"$tmp/agree.py" <<'EOF'
import json, subprocess, sys, yaml
kc, ns, pol, kind, target, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
base = int(sys.argv[7]) if len(sys.argv) > 7 else None
size = int(sys.argv[8]) if len(sys.argv) > 8 else None
def get(*a):
    return json.loads(subprocess.check_output(["kubectl", "--kubeconfig", kc, "-n", ns, "get", *a, "-o", "json"]))
pods = [p for p in get("pods", "-l", "app=" + target)["items"]
        if p.get("status", {}).get("phase") not in ("Failed", "Succeeded")]
live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
if len(live) != n:
    sys.exit(f"{len(live)} live pods, want {n}")
ann = {}
for p in pods:
    r = p["metadata"].get("annotations", {}).get("ebb.dev/channel-ports")
    if r is None:
        sys.exit(f"pod {p['metadata']['name']} has no range")
    ann[p["metadata"]["name"]] = r
spans = sorted(tuple(map(int, r.split("-"))) + (name,) for name, r in ann.items())
for a, b in zip(spans, spans[1:]):
    if b[0] <= a[1]:
        sys.exit(f"{a[2]} {a[0]}-{a[1]} and {b[2]} {b[0]}-{b[1]} intersect")
if kind == "StatefulSet":
    for name, r in ann.items():
        o = int(name.rsplit("-", 1)[1])
        want = f"{base + o * size}-{base + (o + 1) * size - 1}"
        if r != want:
            sys.exit(f"{name} holds {r}, its ordinal's slot is {want}")
st = {e["pod"]: e["range"] for e in get("scalingpolicies.ebb.dev", pol).get("status", {}).get("channelPorts", [])}
if st != ann:
    sys.exit(f"status.channelPorts {st} != annotations {ann}")
cm = get("configmap", pol + "-channel-ranges")
text = cm["data"]["ranges.yaml"]
ranges = yaml.safe_load(text) or []
if {e["pod"]: e["range"] for e in ranges} != ann:
    sys.exit(f"ranges.yaml {ranges} != annotations {ann}")
if [e["replica"] for e in ranges] != sorted(e["replica"] for e in ranges):
    sys.exit(f"ranges.yaml is not sorted by replica: {text}")
for e in ranges:
    if f'  range: "{e["range"]}"' not in text.splitlines():
        sys.exit(f"ranges.yaml does not quote the range as \"A-B\": {text}")
lab = cm["metadata"].get("labels", {})
if lab.get("app.kubernetes.io/managed-by") != "ebb" or lab.get("ebb.dev/policy") != pol:
    sys.exit(f"ConfigMap labels {lab}")
refs = cm["metadata"].get("ownerReferences", [])
if not any(r["kind"] == "ScalingPolicy" and r["name"] == pol and r.get("controller") and r.get("blockOwnerDeletion") for r in refs):
    sys.exit(f"ConfigMap ownerReferences {refs}")
EOF
agree() { python3 "$tmp/agree.py" "$KS_DIR/kubeconfig" "$@"; }
# wait_agree SECS ARGS...: until agree holds; then one last run prints why not.
wait_agree() {
  local secs=$1; shift
  wait_for "$secs" agree "$@" || agree "$@"
}
# range_of NS POD: its annotation.
range_of() { kc get pod -n "$1" "$2" -o "jsonpath={.metadata.annotations.ebb\.dev/channel-ports}"; }
# set_count NS POLICY N: minReplicas = maxReplicas = N (max first when growing).
set_count() {
  kc patch scalingpolicies.ebb.dev -n "$1" "$2" --type merge -p "{\"spec\":{\"minReplicas\":$3,\"maxReplicas\":$3}}" >/dev/null
}
# live_pods NS APP: names of the pods not being deleted, sorted.
live_pods() {
  kc get pods -n "$1" -l "app=$2" -o json |
    jq -r '.items[] | select(.metadata.deletionTimestamp == null) | .metadata.name' | sort
}
has_event() {
  local end=$(( $(date +%s) + 10 ))
  until sp_events "$1" "$2" "$3" | grep -Eq -- "$4"; do
    [ "$(date +%s)" -ge "$end" ] && { echo "no $3 event matching $4 in: $(sp_events "$1" "$2")"; return 1; }
    sleep 0.3
  done
}

# ---------------------------------------------------------------- setup
ok "apply the ScalingPolicy CRD" kc apply -f crds/ebb.dev_scalingpolicies.yaml
ok "the CRD is Established" kc wait --for condition=established --timeout=20s crd/scalingpolicies.ebb.dev
ok "kubectl apply -f examples/flow8/" kc apply -f examples/flow8/
ok "create namespace $NS" kc create namespace $NS
# The example's policy uses CPU; make its count follow min/max at once.
ok "flow8: fast behavior for the test" kc patch scalingpolicies.ebb.dev -n flow8 flow8 --type merge -p \
  '{"spec":{"syncPeriod":"1s","behavior":{"scaleUp":{"stabilizationWindow":"0s","policies":[{"type":"Pods","value":10,"periodSeconds":1}]},"scaleDown":{"stabilizationWindow":"0s","policies":[{"type":"Pods","value":10,"periodSeconds":1}]}}}}'
ok "flow8: minReplicas = maxReplicas = 3" set_count flow8 flow8 3

deployment() { # NAME REPLICAS
  cat <<EOF
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: $NS}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers:
      - {name: app, image: nginx:1.25, resources: {requests: {cpu: 100m}}}
EOF
}
policy() { # NAME TARGET-KIND TARGET MIN MAX POOL BASE SIZE LIMIT
  cat <<EOF
---
apiVersion: ebb.dev/v1alpha1
kind: ScalingPolicy
metadata: {name: $1, namespace: $NS}
spec:
  targetRef: {apiVersion: apps/v1, kind: $2, name: $3}
  minReplicas: $4
  maxReplicas: $5
  syncPeriod: 1s
  metrics:
  - name: cpu
    type: Resource
    resource: {name: cpu}
    target: {type: Utilization, averageUtilization: 60}
  behavior:
    scaleUp: {stabilizationWindow: 0s, policies: [{type: Pods, value: 10, period: 1s}]}
    scaleDown: {stabilizationWindow: 0s, policies: [{type: Pods, value: 10, period: 1s}]}
  channelPorts: {pool: $6, base: $7, rangeSize: $8, limit: $9}
EOF
}
{
  deployment dep 3
  policy dep Deployment dep 3 3 dep 20000 10 20049     # 5 slots: 20000-20009 ... 20040-20049
} >"$tmp/dep.yaml"
ok "create the Deployment dep and its policy" kc apply -f "$tmp/dep.yaml"

run_start main
ok "ebb run is ready" run_wait_ready main 30

# ---------------------------------------------------------------- 1. StatefulSet
echo "# 1. flow8 (StatefulSet, examples/flow8/): 3 -> 8 -> 2 -> 5"
ok "flow8 at 3: annotations, ConfigMap and status agree" wait_agree 40 flow8 flow8 StatefulSet flow8 3 7700 100
eq "flow8-1 holds 7800-7899" 7800-7899 range_of flow8 flow8-1
ok "kubectl get cm flow8-channel-ranges -o yaml shows the ranges (README)" \
  sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get cm -n flow8 flow8-channel-ranges -o yaml | grep -q 'range: \"7700-7799\"'"
eq "ranges.yaml reads as the README shows" '- replica: 0
  pod: flow8-0
  range: "7700-7799"
- replica: 1
  pod: flow8-1
  range: "7800-7899"
- replica: 2
  pod: flow8-2
  range: "7900-7999"' kc get cm -n flow8 flow8-channel-ranges -o 'jsonpath={.data.ranges\.yaml}'
ok "README: kubectl get pods -o custom-columns shows the ranges" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n flow8 -o custom-columns='POD:.metadata.name,PORTS:.metadata.annotations.ebb\\.dev/channel-ports' | grep -Eq '^flow8-1 +7800-7899'"
ok "README: kubectl get sp -o jsonpath shows status.channelPorts" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get sp flow8 -n flow8 -o jsonpath='{.status.channelPorts}' | grep -q '\"pod\":\"flow8-0\",\"range\":\"7700-7799\",\"slot\":0'"
ok "flow8: 3 -> 8" set_count flow8 flow8 8
ok "flow8 at 8: agree, slot = ordinal" wait_agree 60 flow8 flow8 StatefulSet flow8 8 7700 100
eq "flow8-7 holds 8400-8499" 8400-8499 range_of flow8 flow8-7
ok "flow8: 8 -> 2" set_count flow8 flow8 2
ok "flow8 at 2: agree (the removed ordinals' ranges are gone)" wait_agree 60 flow8 flow8 StatefulSet flow8 2 7700 100
ok "flow8: 2 -> 5" set_count flow8 flow8 5
ok "flow8 at 5: agree, ordinals 2-4 get their slots back" wait_agree 60 flow8 flow8 StatefulSet flow8 5 7700 100
eq "flow8-4 holds 8100-8199" 8100-8199 range_of flow8 flow8-4

# ---------------------------------------------------------------- 2. Deployment
echo "# 2. dep (Deployment): lowest free slot, kept for life"
ok "dep at 3: agree" wait_agree 40 $NS dep Deployment dep 3
eq "dep's 3 pods hold the 3 lowest slots" "20000-20009 20010-20019 20020-20029" \
  sh -c "for p in \$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=dep -o jsonpath='{.items[*].metadata.name}'); do kubectl --kubeconfig $KS_DIR/kubeconfig get pod -n $NS \$p -o jsonpath='{.metadata.annotations.ebb\.dev/channel-ports}'; echo; done | sort | xargs"
# The pod of slot 1 is killed: its replacement takes slot 1 (lowest free).
victim=$(for p in $(live_pods $NS dep); do [ "$(range_of $NS "$p")" = 20010-20019 ] && echo "$p"; done)
keep=$(for p in $(live_pods $NS dep); do [ "$p" != "$victim" ] && echo "$p:$(range_of $NS "$p")"; done | xargs)
# A pod being deleted still holds its range (its process still runs): the
# slot is free once the pod is gone. --force makes it gone at once.
ok "kill dep's pod of slot 1 ($victim)" kc delete pod -n $NS "$victim" --grace-period=0 --force
ok "dep back at 3: agree" wait_agree 40 $NS dep Deployment dep 3
ok "the replacement took the freed slot 1 (20010-20019)" sh -c "
  for p in \$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=dep -o jsonpath='{.items[*].metadata.name}'); do
    [ \$p = $victim ] && continue
    kubectl --kubeconfig $KS_DIR/kubeconfig get pod -n $NS \$p -o jsonpath='{.metadata.annotations.ebb\.dev/channel-ports}'; echo
  done | grep -qx 20010-20019"
ok "the other pods kept their ranges" sh -c "for pr in $keep; do
  [ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get pod -n $NS \${pr%%:*} -o jsonpath='{.metadata.annotations.ebb\.dev/channel-ports}')\" = \"\${pr#*:}\" ] || exit 1; done"
ok "dep: 3 -> 5" set_count $NS dep 5
ok "dep at 5: agree (the pool is full)" wait_agree 40 $NS dep Deployment dep 5
ok "dep: 5 -> 2" set_count $NS dep 2
ok "dep at 2: agree" wait_agree 40 $NS dep Deployment dep 2
# The three scaled away hold their slots until they are gone (grace 1 s).
ok "dep's scaled-away pods are gone" wait_for 20 sh -c "[ \$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=dep -o name | wc -l) -eq 2 ]"
kept2=$(for p in $(live_pods $NS dep); do echo "$p:$(range_of $NS "$p")"; done | xargs)
# Kill one of the two survivors too, then grow to 4: the free slots are
# handed out lowest first, whatever slots the survivor holds.
ok "kill one of dep's two pods" kc delete pod -n $NS "${kept2%%:*}" --grace-period=0 --force
ok "dep: 2 -> 4" set_count $NS dep 4
ok "dep at 4: agree" wait_agree 40 $NS dep Deployment dep 4
survivor=${kept2#* }
eq "dep at 4 holds the 4 lowest slots but the survivor's own" "$(python3 -c "
s=int('${survivor#*:}'.split('-')[0]); want=sorted(set([s]+[x for x in range(20000,20050,10) if x!=s][:3]))
print(' '.join(f'{x}-{x+9}' for x in want))")" \
  sh -c "for p in \$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=dep -o json | jq -r '.items[] | select(.metadata.deletionTimestamp == null) | .metadata.name'); do kubectl --kubeconfig $KS_DIR/kubeconfig get pod -n $NS \$p -o jsonpath='{.metadata.annotations.ebb\.dev/channel-ports}'; echo; done | sort | xargs"
eq "the survivor kept its range" "${survivor#*:}" range_of $NS "${survivor%%:*}"

# ---------------------------------------------------------------- 3. conflict
echo "# 3. clash: another pool whose ports intersect flow8's"
{
  deployment clash 1
  policy clash Deployment clash 1 2 other 8000 10 8019
} >"$tmp/clash.yaml"
ok "create clash (pool other, ports 8000-8019)" kc apply -f "$tmp/clash.yaml"
ok "clash: Ready=False PortRangeConflict" wait_cond 30 $NS clash Ready False PortRangeConflict
ok "clash: the message names flow8" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get sp -n $NS clash -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].message}' | grep -q 'flow8/flow8'"
ok "clash: a PortRangeConflict Warning event" has_event $NS clash PortRangeConflict flow8
eq "clash: its pod gets no range" "" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=clash -o jsonpath='{.items[*].metadata.annotations.ebb\.dev/channel-ports}'"
eq "clash: status.channelPorts is empty" "" sp_get $NS clash '{.status.channelPorts}'
ok "flow8 is untouched (still 5, agree)" agree flow8 flow8 StatefulSet flow8 5 7700 100

# ---------------------------------------------------------------- 4. exhaustion
echo "# 4. dep2 shares dep's pool (5 slots), dep holds 4: PortPoolExhausted"
# 300 rps on one pod is 300% of its request against a 60% target: the
# metric asks for 5, maxReplicas 3, the pool has room for 1.
{
  deployment dep2 1
  policy dep2 Deployment dep2 1 3 dep 20000 10 20049
} >"$tmp/dep2.yaml"
ks_load $NS dep2 constant:300
ok "create dep2 (pool dep, load for 5, max 3)" kc apply -f "$tmp/dep2.yaml"
ok "dep2: ScalingLimited=True PortPoolExhausted" wait_cond 30 $NS dep2 ScalingLimited True PortPoolExhausted
ok "dep2: a PortPoolExhausted Warning event" has_event $NS dep2 PortPoolExhausted .
ok "dep2 stays at 1 replica (the one free slot)" never_for 3 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS dep2 -o jsonpath={.spec.replicas})\" != 1 ]"
ok "dep2 at 1: agree" wait_agree 20 $NS dep2 Deployment dep2 1
ok "dep and dep2 never overlap" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l 'app in (dep,dep2)' -o json | jq -r '.items[].metadata.annotations[\"ebb.dev/channel-ports\"]' | sort | uniq -d | grep -c . | grep -qx 0"
ok "dep: 4 -> 2 frees two slots" set_count $NS dep 2
ok "dep2 grows to 3 once slots are free" wait_replicas 40 deploy $NS dep2 3
ok "dep2 at 3: agree" wait_agree 40 $NS dep2 Deployment dep2 3
ok "dep at 2: agree" wait_agree 40 $NS dep Deployment dep 2
# The three scaled away hold their slots until they are gone (grace 1 s).
ok "dep's scaled-away pods are gone" wait_for 20 sh -c "[ \$(kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l app=dep -o name | wc -l) -eq 2 ]"
ok "dep2: ScalingLimited is no longer PortPoolExhausted" sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get sp -n $NS dep2 -o jsonpath='{.status.conditions[?(@.type==\"ScalingLimited\")].reason}')\" != PortPoolExhausted ]"
ok "dep and dep2 never overlap" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l 'app in (dep,dep2)' -o json | jq -r '.items[].metadata.annotations[\"ebb.dev/channel-ports\"]' | sort | uniq -d | grep -c . | grep -qx 0"

# ---------------------------------------------------------------- 5. restart
echo "# 5. a restart changes nothing"
before=$(kc get pods -A -o json | jq -r '.items[] | "\(.metadata.name) \(.metadata.annotations["ebb.dev/channel-ports"] // "-")"' | sort)
cmrv=$(kc get cm -n flow8 flow8-channel-ranges -o jsonpath='{.metadata.resourceVersion}')
run_stop main
eq "ebb run exits 0 on SIGTERM" 0 echo "$RUN_STATUS"
run_start again
ok "ebb run (restarted) is ready" run_wait_ready again 30
sleep 3
eq "no pod's range changed" "$before" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get pods -A -o json | jq -r '.items[] | \"\\(.metadata.name) \\(.metadata.annotations[\"ebb.dev/channel-ports\"] // \"-\")\"' | sort"
eq "the ConfigMap was not rewritten" "$cmrv" kc get cm -n flow8 flow8-channel-ranges -o jsonpath='{.metadata.resourceVersion}'
ok "flow8 still agrees" agree flow8 flow8 StatefulSet flow8 5 7700 100
ok "deleting the policy deletes its ConfigMap (ownerReferences)" sh -c "
  kubectl --kubeconfig $KS_DIR/kubeconfig delete sp -n $NS dep2 >/dev/null &&
  for i in \$(seq 1 50); do kubectl --kubeconfig $KS_DIR/kubeconfig get cm -n $NS dep2-channel-ranges >/dev/null 2>&1 || exit 0; sleep 0.2; done; exit 1"
# dep2's Deployment runs on, its pods keep their ranges: the pool's other
# policy must not hand those slots out while they live.
echo "# 6. the pods of a deleted policy keep their slots until they are gone"
ok "dep: 2 -> 5 with dep2's three pods still holding their ranges" set_count $NS dep 5
ok "dep: ScalingLimited=True PortPoolExhausted (dep2's pods hold 3 of 5)" wait_cond 30 $NS dep ScalingLimited True PortPoolExhausted
ok "dep stays at 2" never_for 3 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS dep -o jsonpath={.spec.replicas})\" != 2 ]"
ok "dep and dep2's pods never overlap" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig get pods -n $NS -l 'app in (dep,dep2)' -o json | jq -r '.items[].metadata.annotations[\"ebb.dev/channel-ports\"]' | sort | uniq -d | grep -c . | grep -qx 0"
ok "delete dep2's Deployment (its pods go)" kc delete deploy -n $NS dep2 --grace-period=0
ok "dep grows to 5 once they are gone" wait_replicas 60 deploy $NS dep 5
ok "dep at 5: agree" wait_agree 40 $NS dep Deployment dep 5
run_stop again
eq "ebb run exits 0 on SIGTERM" 0 echo "$RUN_STATUS"
echo "1..$ks_n"
[ "$ks_bad" -eq 0 ]

#!/usr/bin/env bash
# ebb's cost with N unrelated pods in its target's namespace (issue 5:
# "a cluster with 100,000 unrelated pods costs nothing"): kubesim with the
# demo's shop Deployment and policy (syncPeriod 15s) plus a Deployment
# "noise" of N pods labelled app=noise, which no selector matches. Prints
# ebb's VmHWM, its CPU over 3 sync periods after 40 s of warm-up, and its
# CPU in those first 40 s. Usage: bench/unrelated_pods.sh N (from the
# repository's root, after make; 100,000 pods take kubesim about 3 GB and
# a few minutes to create). Not run by make bench.
set -u
cd "$(dirname "$0")/.."
N=$1
. tests/e2e/run_lib.sh
d=$(mktemp -d /tmp/ebb-unrelated-XXXX)
ks_start "$d" --metrics-resolution 15 --pod-startup 1
kc apply -f crds/ >/dev/null
kc apply -f examples/demo/deployment.yaml >/dev/null
sed 's/syncPeriod: 1s/syncPeriod: 15s/' examples/demo/policy.yaml | kc apply -f - >/dev/null
cat <<Y | kc apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: noise, namespace: shop}
spec:
  replicas: $N
  selector: {matchLabels: {app: noise}}
  template:
    metadata: {labels: {app: noise, tier: batch}}
    spec:
      containers:
      - {name: noise, image: busybox, resources: {requests: {cpu: 10m}}}
Y
for _ in $(seq 1 600); do
  r=$(kc get deploy noise -n shop -o jsonpath='{.status.readyReplicas}' 2>/dev/null)
  [ "${r:-0}" -ge "$N" ] && break
  sleep 1
done
echo "noise ready: ${r:-0}/$N pods; kubesim VmRSS $(grep VmRSS /proc/$KS_PID/status | awk '{print $2/1024}') MB"
run_start a --sync-period 15s --log-level info
p=$(run_pid a)
sleep 40
t0=$(awk '{print $14+$15}' /proc/$p/stat)
sleep 45
t1=$(awk '{print $14+$15}' /proc/$p/stat)
tck=$(getconf CLK_TCK)
echo "N=$N: ebb VmHWM $(grep VmHWM /proc/$p/status | awk '{print $2/1024}') MB, CPU over 3 periods $(echo "($t1-$t0)/$tck" | bc -l | cut -c1-5) s, start CPU (first 40 s) $(echo "$t0/$tck" | bc -l | cut -c1-5) s"
kc get scalingpolicy shop -n shop -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")].reason}'; echo
run_stop a
ks_stop
rm -rf "$d"

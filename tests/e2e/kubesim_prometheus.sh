#!/usr/bin/env bash
# A real Prometheus (Debian's, installed by scripts/prometheus.sh) scrapes
# kubesim's exposition over HTTPS every second: everything
# (/kubesim/metrics, over HTTP/2), one workload's path (over HTTP/1.1) and
# one pod's path. The values it stores must be what /kubesim/v1/state
# reports, and the sum over a workload's pods of their requests per second
# must be its offered load, before and after the load changes. Skipped, and
# says why, only when the prometheus package cannot be installed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/kubesim_lib.sh

if ! PROM=$(scripts/prometheus.sh 2>/tmp/kubesim-prom-install.$$); then
  echo "ok 1 - a real Prometheus scrapes kubesim # SKIP prometheus cannot be installed: $(tail -1 /tmp/kubesim-prom-install.$$)"
  rm -f /tmp/kubesim-prom-install.$$
  exit 0
fi
rm -f /tmp/kubesim-prom-install.$$

tmp=$(mktemp -d)
PROM_PID=
prom_stop() {
  [ -n "$PROM_PID" ] || return 0
  kill -TERM "$PROM_PID" 2>/dev/null
  wait "$PROM_PID" 2>/dev/null
  PROM_PID=
}
trap 'prom_stop; ks_stop; rm -rf "$tmp"' EXIT

ks_start "$tmp" --metrics-resolution 1 --pod-startup 1 --pod-grace 1 --noise 0 \
  --load default/web=constant:150 --load default/api=constant:40
K="kubectl --kubeconfig $tmp/kubeconfig --request-timeout=20s"
KS_URL="https://127.0.0.1:$KS_PORT"

# state: kubesim's own view, as the admin.
state() {
  curl -sf --cacert "$tmp/ca.crt" -H "Authorization: Bearer $(cat "$tmp/token-admin")" \
    "$KS_URL/kubesim/v1/state"
}

# A free port for Prometheus (the kernel's pick, released just before use).
PROM_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PROM_URL="http://127.0.0.1:$PROM_PORT"

# pq QUERY: the instant query's result vector, one "labels-json value" a line.
pq() {
  curl -sfG "$PROM_URL/api/v1/query" --data-urlencode "query=$1" |
    jq -r 'select(.status == "success") | .data.result[] | "\(.metric | tojson) \(.value[1])"'
}
# pl QUERY LABEL: that label of each series of the result, one a line.
pl() {
  pq "$1" | cut -d' ' -f1 | jq -r ".$2 // empty"
}
# pv QUERY: the value of a query that must give exactly one series.
pv() {
  local out
  out=$(pq "$1") || return 1
  [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || { echo "want 1 series for $1, got: $out"; return 1; }
  printf '%s\n' "${out##* }"
}
# near GOT WANT: equal within 1e-6 (relative; absolute below 1).
near() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") exit 1
    d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1
    exit !(d <= 1e-6 * m) }' || { echo "got \"$1\", want \"$2\""; return 1; }
}
# prom_is QUERY WANT: the query's one value is WANT.
prom_is() {
  local got
  got=$(pv "$1") || { echo "$got"; return 1; }
  near "$got" "$2"
}

cat >"$tmp/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        resources:
          requests: {cpu: 200m}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: nginx:1.25
        resources:
          requests: {cpu: 500m}
EOF
ok "apply two Deployments with CPU requests" $K apply -f "$tmp/deploy.yaml"
ok "web's rollout completes" $K rollout status deployment/web --timeout=30s
ok "api's rollout completes" $K rollout status deployment/api --timeout=30s

web_serving() { # both web pods ready and sampled, serving 150 between them
  state | jq -e '[.workloads[] | select(.name == "web") | .podMetrics[]
    | select(.ready and .requestsPerSecond > 0) | .requestsPerSecond] as $r
    | ($r | length) == 2 and (($r | add) - 150 | fabs) < 1e-6' >/dev/null
}
ok "kubesim samples both web pods serving the load" wait_for 15 web_serving
pod=$(state | jq -r '.workloads[] | select(.name == "web") | .podMetrics[0].name')

job() { # name metrics_path [extra line]
  cat <<EOF
  - job_name: $1
    scheme: https
    metrics_path: $2
    tls_config:
      ca_file: $tmp/ca.crt
    static_configs:
      - targets: ['127.0.0.1:$KS_PORT']
${3:+    $3}
EOF
}
{
  printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n'
  job kubesim /kubesim/metrics
  job kubesim-web /kubesim/metrics/namespaces/default/workloads/web "enable_http2: false"
  job kubesim-pod "/kubesim/metrics/namespaces/default/pods/$pod"
} >"$tmp/prometheus.yml"
mkdir -p "$tmp/prom-data"
"$PROM" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
  >"$tmp/prometheus.out" 2>"$tmp/prometheus.err" &
PROM_PID=$!

bad_before=$ks_bad
ok "prometheus starts and is ready" \
  wait_for 20 curl -sf "$PROM_URL/-/ready"
if [ "$ks_bad" -ne "$bad_before" ]; then
  echo "Bail out! prometheus: $(tail -3 "$tmp/prometheus.err" | tr '\n' ' ')"
  exit 1
fi

targets_up() { # every target scraped once at least, without an error
  curl -sf "$PROM_URL/api/v1/targets" | jq -e '.data.activeTargets as $t
    | ($t | length) == 3 and all($t[]; .health == "up" and .lastError == "")' >/dev/null
}
targets_report() {
  wait_for 20 targets_up && return 0
  curl -sf "$PROM_URL/api/v1/targets" |
    jq -r '.data.activeTargets[] | "\(.scrapePool): \(.health) \(.lastError)"'
  return 1
}
ok "the three kubesim targets are up, no scrape error" targets_report
samples_in() { # the job's last scrape read samples
  [ "$(pv "scrape_samples_scraped{job=\"$1\"}")" -gt 0 ] 2>/dev/null
}
ok "the full scrape has samples" wait_for 10 samples_in kubesim
ok "the workload scrape has samples" wait_for 10 samples_in kubesim-web
ok "the pod scrape has samples" wait_for 10 samples_in kubesim-pod

offered() { state | jq -r ".workloads[] | select(.name == \"$1\") | .load"; }
eq "state reports web's offered load" "150" offered web
ok "kubesim_offered_load of web equals state's load" \
  prom_is 'kubesim_offered_load{job="kubesim",namespace="default",workload="web"}' "$(offered web)"
ok "kubesim_offered_load of api equals state's load" \
  prom_is 'kubesim_offered_load{job="kubesim",namespace="default",workload="api"}' "$(offered api)"
ok "kubesim_workload_ready_replicas of web is 2" \
  prom_is 'kubesim_workload_ready_replicas{job="kubesim",workload="web"}' 2

pods_match() { # every pod of state's workloads: rps, cpu and ready as scraped
  local s line name rps cpu ready
  s=$(state) || return 1
  while read -r line; do
    read -r name rps cpu ready <<<"$line"
    prom_is "kubesim_pod_requests_per_second{job=\"kubesim\",pod=\"$name\"}" "$rps" || return 1
    prom_is "kubesim_pod_cpu_usage_cores{job=\"kubesim\",pod=\"$name\"}" "$cpu" || return 1
    prom_is "kubesim_pod_ready{job=\"kubesim\",pod=\"$name\"}" "$ready" || return 1
  done < <(printf '%s' "$s" | jq -r '.workloads[].podMetrics[]
    | "\(.name) \(.requestsPerSecond) \(.cpu) \(if .ready then 1 else 0 end)"')
}
ok "each pod's rps, cpu and readiness equal state's" pods_match
count() { pq "$1" | grep -c .; }
eq "three pods scraped" "3" count 'kubesim_pod_ready{job="kubesim"}'
ok "a web pod's CPU is its 200m request times state's utilization" \
  prom_is "kubesim_pod_cpu_usage_cores{job=\"kubesim\",pod=\"$pod\"}" \
  "$(state | jq ".workloads[].podMetrics[] | select(.name == \"$pod\") | 0.2 * .utilization / 100")"
ok "sum over web's pods of rps equals its offered load" \
  prom_is 'sum(kubesim_pod_requests_per_second{job="kubesim",workload="web"})' "$(offered web)"
ok "sum over api's pods of rps equals its offered load" \
  prom_is 'sum(kubesim_pod_requests_per_second{job="kubesim",workload="api"})' "$(offered api)"

# The workload path: web's series only.
eq "the workload path: only web's offered load" "web" pl 'kubesim_offered_load{job="kubesim-web"}' workload
eq "the workload path: web's two pods, no other" "2" count 'kubesim_pod_requests_per_second{job="kubesim-web"}'
ok "the workload path: its sum of rps equals the load" \
  prom_is 'sum(kubesim_pod_requests_per_second{job="kubesim-web"})' "$(offered web)"
# The pod path: that pod's series only, no workload series.
ok "the pod path: that pod's rps equals the full scrape's" \
  prom_is "kubesim_pod_requests_per_second{job=\"kubesim-pod\",pod=\"$pod\"}" \
  "$(pv "kubesim_pod_requests_per_second{job=\"kubesim\",pod=\"$pod\"}")"
pods_in() { pl "$1" pod | sort -u; }
eq "the pod path: that pod only" "$pod" pods_in '{job="kubesim-pod",__name__=~"kubesim_pod_.*"}'
eq "the pod path: no workload series" "0" \
  count '{job="kubesim-pod",__name__=~"kubesim_offered_load|kubesim_workload_.*"}'

# A new load through the control endpoint reaches Prometheus within seconds.
ok "set web's load to 90 through the control endpoint" \
  curl -sf --cacert "$tmp/ca.crt" -H "Authorization: Bearer $(cat "$tmp/token-admin")" \
  -X PUT -H 'Content-Type: application/json' -d '{"curve":"constant:90"}' \
  "$KS_URL/kubesim/v1/load/default/web"
ok "Prometheus sees the new offered load" \
  wait_for 10 prom_is 'kubesim_offered_load{job="kubesim",workload="web"}' 90
ok "and the sum over web's pods follows it" \
  wait_for 10 prom_is 'sum(kubesim_pod_requests_per_second{job="kubesim",workload="web"})' 90
ok "each pod still equals state's" wait_for 5 pods_match
ok "no scrape error after all that" targets_up

prom_stop
ks_stop
eq "kubesim exits 0 on SIGTERM" "0" echo "$KS_STATUS"
[ "$ks_bad" -eq 0 ]

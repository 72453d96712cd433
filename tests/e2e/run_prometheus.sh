#!/usr/bin/env bash
# `ebb run` against kubesim over TLS with metrics of type Prometheus,
# answered by a real Prometheus (Debian's, installed by scripts/prometheus.sh)
# that scrapes kubesim's exposition /kubesim/metrics over HTTPS every second
# (issue 5 point 9). One kubesim, one Prometheus, two `ebb run`:
#   main  on namespace prom,   --prometheus-address = the Prometheus
#   bare  on namespace noaddr, no --prometheus-address
# Policies (each its own Deployment, under load from the start):
#   web    sum(kubesim_pod_requests_per_second{workload="web"}), AverageValue
#          40 per pod, no address (the flag's default): a load step scales
#          it as the HPA formula says; Prometheus killed: the count is held;
#          started again: scaling resumes
#   multi  the same series without sum(): several samples -> invalid
#   none   a series that does not exist: no sample -> invalid
#   away   names an address where nothing listens (port 1): the metric's
#          own address wins over the flag's default
#   path   names the Prometheus under a wrong path: HTTP 404, said so
#   bare   (namespace noaddr) no address, and its ebb has no flag -> invalid
#   named  (namespace noaddr) names the Prometheus itself -> scales
# Then --prometheus-bearer-token-file, --prometheus-ca-file and
# --prometheus-timeout against an HTTPS stub (python3 http.server + ssl, a
# self-signed certificate made here) that answers /api/v1/query with one
# sample, 300, only to "Authorization: Bearer <its token>" (else 401), and
# under /slow/ only after 3 s. Three more `ebb run`, one namespace each:
#   tls      token + CA + 1s timeout: scales; the slow path times out; the
#            stub's token rotated: 401, then the token file rewritten: it is
#            re-read and scaling goes on
#   notoken  CA, no token: HTTP 401, said so
#   badca    token, another CA: the TLS failure, named
# Every check prints one TAP line; the script exits non-zero on a failure.
# Skipped, and says why, only when the prometheus package cannot be installed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/run_lib.sh

if ! PROM=$(scripts/prometheus.sh 2>/tmp/run-prom-install.$$); then
  echo "ok 1 - ebb run with a Prometheus metric # SKIP prometheus cannot be installed: $(tail -1 /tmp/run-prom-install.$$)"
  echo "1..1"
  rm -f /tmp/run-prom-install.$$
  exit 0
fi
rm -f /tmp/run-prom-install.$$

tmp=$(mktemp -d)
PROM_PID=
prom_kill() { # prom_kill [SIGNAL]: stop the Prometheus we started
  [ -n "$PROM_PID" ] || return 0
  kill -"${1:-TERM}" "$PROM_PID" 2>/dev/null
  { wait "$PROM_PID"; } 2>/dev/null # no "Killed" line from the shell
  PROM_PID=
}
STUB_PID=
stub_kill() { [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null; { wait "$STUB_PID"; } 2>/dev/null; STUB_PID=; }
trap 'run_stop_all; prom_kill; stub_kill; ks_stop; if [ -n "${KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi' EXIT
ks_start "$tmp" --metrics-resolution 1 --pod-startup 1 --pod-grace 1 --noise 0
NS=prom

# A free port for Prometheus (the kernel's pick, released just before use).
PROM_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PROM_URL="http://127.0.0.1:$PROM_PORT"

# pv QUERY: the one value of an instant query (fails on 0 or several series).
pv() {
  curl -sfG "$PROM_URL/api/v1/query" --data-urlencode "query=$1" |
    jq -er 'select(.status == "success") | .data.result | select(length == 1) | .[0].value[1]'
}
# prom_is QUERY WANT: its value is WANT (within 1e-9: a sum of floats).
prom_is() {
  local got; got=$(pv "$1") || return 1
  awk -v a="$got" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }' ||
    { echo "got $got, want $2"; return 1; }
}

# prom_start: Prometheus on PROM_PORT, data in $tmp/prom-data (kept across
# a restart, as a real server's would be), scraping all of kubesim each second.
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kubesim
    scheme: https
    metrics_path: /kubesim/metrics
    tls_config:
      ca_file: $tmp/ca.crt
    static_configs:
      - targets: ['127.0.0.1:$KS_PORT']
EOF
mkdir -p "$tmp/prom-data"
prom_start() {
  "$PROM" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
    >>"$tmp/prometheus.out" 2>>"$tmp/prometheus.err" &
  PROM_PID=$!
}
prom_up() { # ready, and kubesim's target scraped without an error
  curl -sf "$PROM_URL/-/ready" >/dev/null &&
    curl -sf "$PROM_URL/api/v1/targets" | jq -e '.data.activeTargets
      | length == 1 and all(.[]; .health == "up" and .lastError == "")' >/dev/null
}

# has_event NS POLICY REASON REGEX: an Event with that reason whose note
# matches, within 5 s (Events are written after the status, asynchronously).
has_event() {
  local end=$(( $(date +%s) + 5 ))
  until sp_events "$1" "$2" "$3" | grep -Eq -- "$4"; do
    [ "$(date +%s)" -ge "$end" ] && { echo "no $3 event matching $4 in: $(sp_events "$1" "$2")"; return 1; }
    sleep 0.3
  done
}
# cond_msg NS POLICY REGEX: ScalingActive's message matches.
cond_msg() {
  local m; m=$(sp_cond "$1" "$2" ScalingActive message)
  printf '%s\n' "$m" | grep -Eq -- "$3" || { echo "ScalingActive message: $m"; return 1; }
}
rep_is() { [ "$(replicas deploy "$1" "$2")" = "$3" ]; }
rep_not() { ! rep_is "$@"; }
# unchanged NS NAME: the Deployment's generation is still 1 (spec never written).
unchanged() {
  local g; g=$(kc get deploy -n "$1" "$2" -o 'jsonpath={.metadata.generation}')
  [ "$g" = 1 ] || { echo "generation 1 -> $g"; return 1; }
}

# workload NAME NS REPLICAS
workload() {
  cat <<EOF
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: $2}
spec:
  replicas: $3
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        resources: {requests: {cpu: 100m}}
EOF
}
# policy NAME NS QUERY [ADDRESS]: Deployment NAME on a Prometheus metric
# "rps", 40 per pod (AverageValue: ceil(value / 40) replicas, as HPA's
# External/AverageValue), at most +10 pods a second, no stabilization.
policy() {
  cat <<EOF
---
apiVersion: ebb.dev/v1alpha1
kind: ScalingPolicy
metadata: {name: $1, namespace: $2}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: $1}
  minReplicas: 1
  maxReplicas: 10
  syncPeriod: 1s
  metrics:
  - name: rps
    type: Prometheus
    prometheus:
      query: '$3'${4:+
      address: $4}
    target: {type: AverageValue, averageValue: "40"}
  behavior:
    scaleUp: {stabilizationWindow: 0s, policies: [{type: Pods, value: 10, period: 1s}]}
    scaleDown: {stabilizationWindow: 0s}
EOF
}
rps() { echo "sum(kubesim_pod_requests_per_second{namespace=\"$1\",workload=\"$2\"})"; }

# ---------------------------------------------------------------- setup
ok "apply the ScalingPolicy CRD" kc apply -f crds/ebb.dev_scalingpolicies.yaml
ok "the CRD is Established" kc wait --for condition=established --timeout=20s crd/scalingpolicies.ebb.dev
ok "create namespaces $NS and noaddr" sh -c "kubectl --kubeconfig $KS_DIR/kubeconfig create namespace $NS && kubectl --kubeconfig $KS_DIR/kubeconfig create namespace noaddr"
{
  workload web $NS 2; workload multi $NS 2; workload none $NS 2; workload away $NS 2
  workload path $NS 2
  workload bare noaddr 2; workload named noaddr 2
} >"$tmp/workloads.yaml"
ok "create the workloads" kc apply -f "$tmp/workloads.yaml"
# web: 50 rps on 2 pods -> ceil(50 / 40) = 2, as it is. The others: 300 rps,
# ceil(300 / 40) = 8 if anything acted.
ks_load $NS web constant:50
for w in multi none away path; do ks_load $NS $w constant:300; done
ks_load noaddr bare constant:300
ks_load noaddr named constant:120
ok "the workloads' pods become ready" wait_for 30 sh -c '
  for w in prom/web prom/multi prom/none prom/away prom/path noaddr/bare noaddr/named; do
    [ "$(kubectl --kubeconfig '"$KS_DIR"'/kubeconfig get deploy -n ${w%/*} ${w#*/} -o jsonpath={.status.readyReplicas})" = 2 ] || exit 1
  done'

prom_start
bad_before=$ks_bad
ok "prometheus starts and scrapes kubesim without an error" wait_for 20 prom_up
if [ "$ks_bad" -ne "$bad_before" ]; then
  echo "Bail out! prometheus: $(tail -3 "$tmp/prometheus.err" | tr '\n' ' ')"
  exit 1
fi
ok "Prometheus answers web's query: 50" wait_for 10 prom_is "$(rps $NS web)" 50
ok "Prometheus answers named's query: 120" wait_for 10 prom_is "$(rps noaddr named)" 120

{
  policy web $NS "$(rps $NS web)"
  policy multi $NS "kubesim_pod_requests_per_second{namespace=\"$NS\",workload=\"multi\"}"
  policy none $NS 'kubesim_pod_requests_per_second{workload="no-such-workload"}'
  policy away $NS "$(rps $NS away)" "http://127.0.0.1:1"
  policy path $NS "$(rps $NS path)" "$PROM_URL/nope"
  policy bare noaddr "$(rps noaddr bare)"
  policy named noaddr "$(rps noaddr named)" "$PROM_URL"
} >"$tmp/policies.yaml"
ok "create the policies" kc apply -f "$tmp/policies.yaml"

run_start main --namespace $NS --prometheus-address "$PROM_URL"
run_start bare --namespace noaddr
ok "ebb run (main) becomes ready" run_wait_ready main
ok "ebb run (bare, no --prometheus-address) becomes ready" run_wait_ready bare

echo "# 1. web: a load step on a Prometheus metric"
ok "web: status.currentMetrics shows 50 / 2 replicas = 25 (AverageValue, as HPA)" \
  wait_sp 10 $NS web '{.status.currentMetrics[?(@.name=="rps")].value}' 25
eq "web: the metric proposes 2 (ceil(50 / 40))" 2 sp_get $NS web '{.status.currentMetrics[?(@.name=="rps")].proposal}'
eq "web: ScalingActive reason ValidMetricFound" ValidMetricFound sp_cond $NS web ScalingActive reason
ok "web: replicas stay 2 at 50 rps (2 s)" never_for 2 rep_not $NS web 2
ok "web: PUT a load step to 250 rps" ks_load $NS web constant:250
ok "web: Prometheus sees 250" wait_for 10 prom_is "$(rps $NS web)" 250
ok "web: scaled to ceil(250 / 40) = 7" wait_replicas 10 deploy $NS web 7
ok "web: status.currentMetrics shows 250 / 7 = 35.715 (35715m)" wait_sp 10 $NS web '{.status.currentMetrics[?(@.name=="rps")].value}' 35715m
eq "web: the metric proposes 7" 7 sp_get $NS web '{.status.currentMetrics[?(@.name=="rps")].proposal}'
eq "web: desiredReplicas 7" 7 sp_get $NS web '{.status.desiredReplicas}'
ok "web: a ScaledUp event names the metric: rps 125 (250 / 2 pods), 2 -> 7" has_event $NS web ScaledUp 'rps 125 above target 40: 2 -> 7'
ok "web: seven pods become ready" wait_for 15 sh -c "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get deploy -n $NS web -o jsonpath={.status.readyReplicas})\" = 7 ]"
ok "web: the sum over its seven pods is still 250" wait_for 5 prom_is "$(rps $NS web)" 250
ok "web: it stays at 7 (2 s)" never_for 2 rep_not $NS web 7

echo "# 2. a query that does not give exactly one sample is invalid"
ok "multi: ScalingActive=False FailedGetPrometheusMetric" wait_cond 5 $NS multi ScalingActive False FailedGetPrometheusMetric
ok "multi: the message says two series came back, with their labels" \
  cond_msg $NS multi 'rps: the query returned 2 series \(\{\.\.\., pod="multi-[a-z0-9-]+"\}, \{\.\.\., pod="multi-[a-z0-9-]+"\}\); it must return one'
ok "multi: a FailedGetMetrics Warning says so" has_event $NS multi FailedGetMetrics 'metric rps: the query returned 2 series'
eq "multi: currentMetrics[rps] has no value" "" sp_get $NS multi '{.status.currentMetrics[?(@.name=="rps")].value}'
eq "multi: replicas stay 2 under 300 rps" 2 replicas deploy $NS multi
ok "multi: the Deployment's spec was never written" unchanged $NS multi
ok "none: ScalingActive=False FailedGetPrometheusMetric" wait_cond 5 $NS none ScalingActive False FailedGetPrometheusMetric
ok "none: the message says no series came back" cond_msg $NS none 'rps: the query returned no series'
ok "none: a FailedGetMetrics Warning says so" has_event $NS none FailedGetMetrics 'the query returned no series'
eq "none: replicas stay 2 under 300 rps" 2 replicas deploy $NS none
ok "none: the Deployment's spec was never written" unchanged $NS none
ok "multi: fix the query with sum()" kc patch sp -n $NS multi --type json \
  -p "[{\"op\":\"replace\",\"path\":\"/spec/metrics/0/prometheus/query\",\"value\":\"$(rps $NS multi | sed 's/"/\\"/g')\"}]"
ok "multi: now it scales to ceil(300 / 40) = 8" wait_replicas 10 deploy $NS multi 8
ok "multi: ScalingActive=True" wait_cond 5 $NS multi ScalingActive True

echo "# 3. Prometheus killed: the count is held; started again: scaling resumes"
prom_kill KILL # here, not under ok: that would run it in a subshell
ok "kill -9 Prometheus: it no longer answers" sh -c "! curl -s -o /dev/null $PROM_URL/-/ready"
ok "web: ScalingActive=False FailedGetPrometheusMetric" wait_cond 10 $NS web ScalingActive False FailedGetPrometheusMetric
ok "web: the message says the query could not connect" cond_msg $NS web 'rps: Prometheus query failed: .*connect'
ok "web: a FailedGetMetrics Warning" has_event $NS web FailedGetMetrics 'metric rps: Prometheus query failed'
ok "web: load down to 100 rps (ceil(100 / 40) = 3 if it could read it)" ks_load $NS web constant:100
ok "web: replicas held at 7 while Prometheus is down (4 s)" never_for 4 rep_not $NS web 7
ok "web: still FailedGetPrometheusMetric" wait_cond 1 $NS web ScalingActive False FailedGetPrometheusMetric
eq "web: ebb run (main) is still running" yes sh -c "kill -0 $(run_pid main) && echo yes"
prom_start
ok "Prometheus starts again (same data) and scrapes" wait_for 20 prom_up
ok "web: scaling resumes: 7 -> 3" wait_replicas 15 deploy $NS web 3
ok "web: ScalingActive=True" wait_cond 5 $NS web ScalingActive True
ok "web: status.currentMetrics shows 100 / 3 = 33.334 (33334m)" wait_sp 10 $NS web '{.status.currentMetrics[?(@.name=="rps")].value}' 33334m
ok "web: a ScaledDown event rps 14.286 (100 / 7 pods), 7 -> 3" has_event $NS web ScaledDown 'rps 14.286 below target 40: 7 -> 3'
# outage_events: the FailedGetMetrics Events saying the connection failed:
# one, for an outage of several syncs (a fact that lasts is reported once).
outage_events() {
  local n
  n=$(sp_events $NS web FailedGetMetrics | grep -c 'Prometheus query failed: Couldn.t connect')
  [ "$n" = 1 ] || { echo "$n Events: $(sp_events $NS web FailedGetMetrics)"; return 1; }
}
ok "web: one FailedGetMetrics Event for the whole outage, not one per sync" outage_events

echo "# 4. the address: a metric's own, else --prometheus-address"
eq "web names no address" "" sp_get $NS web '{.spec.metrics[0].prometheus.address}'
ok "web: so it was read through --prometheus-address (ValidMetricFound)" \
  wait_cond 5 $NS web ScalingActive True ValidMetricFound
ok "away: its own address wins over the default: connection refused" \
  wait_cond 5 $NS away ScalingActive False FailedGetPrometheusMetric
ok "away: the message names the failed query" cond_msg $NS away 'rps: Prometheus query failed: .*connect'
eq "away: replicas stay 2 under 300 rps" 2 replicas deploy $NS away
ok "bare: no address and no --prometheus-address: invalid" \
  wait_cond 5 noaddr bare ScalingActive False FailedGetPrometheusMetric
ok "bare: the message says so" cond_msg noaddr bare 'no Prometheus address: the metric names none and --prometheus-address is unset'
ok "bare: a FailedGetMetrics Warning" has_event noaddr bare FailedGetMetrics 'no Prometheus address'
eq "bare: replicas stay 2 under 300 rps" 2 replicas deploy noaddr bare
ok "bare: the Deployment's spec was never written" unchanged noaddr bare
ok "named: its own address works without the flag: ceil(120 / 40) = 3" wait_replicas 10 deploy noaddr named 3
ok "named: a ScaledUp event rps 60 (120 / 2 pods), 2 -> 3" has_event noaddr named ScaledUp 'rps 60 above target 40: 2 -> 3'
ok "path: a wrong path on the Prometheus: invalid" \
  wait_cond 5 $NS path ScalingActive False FailedGetPrometheusMetric
ok "path: the message says HTTP 404 and what came back" \
  cond_msg $NS path 'rps: Prometheus answered HTTP 404: something that is not JSON .*404 page not found'
eq "path: replicas stay 2 under 300 rps" 2 replicas deploy $NS path

echo "# 5. bearer token, CA and timeout (an HTTPS stub)"
# stub.crt is its own CA (self-signed, for 127.0.0.1); other.crt a CA that
# did not sign it.
for c in stub other; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$tmp/$c.key" -out "$tmp/$c.crt" -subj "/CN=ebb-test-$c" \
    -addext subjectAltName=IP:127.0.0.1 2>>"$tmp/openssl.err"
done
printf 's3cret-1\n' >"$tmp/stub-token" # what the stub accepts (read on each request)
printf 's3cret-1\n' >"$tmp/ebb-token"  # what ebb sends
cat >"$tmp/stub.py" <<'EOF'
import http.server, json, os, ssl, sys, time
port_file, crt, key, token_file = sys.argv[1:5]

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def setup(self):
        self.request.do_handshake()  # here, in the request's thread
        super().setup()
    def reply(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/slow/"):
            time.sleep(3)
            path = path[5:]
        if path != "/api/v1/query":
            return self.reply(404, "text/plain", b"404 page not found\n")
        with open(token_file) as f:
            want = f.read().strip()
        if self.headers.get("Authorization") != "Bearer " + want:
            return self.reply(401, "text/plain", b"Unauthorized\n")
        v = {"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"job": "stub"}, "value": [time.time(), "300"]}]}}
        self.reply(200, "application/json", json.dumps(v).encode())

class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        pass  # a client that refuses our certificate: expected here

srv = S(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
EOF
python3 "$tmp/stub.py" "$tmp/stub.port" "$tmp/stub.crt" "$tmp/stub.key" "$tmp/stub-token" \
  2>>"$tmp/stub.err" &
STUB_PID=$!
ok "the HTTPS stub starts" wait_for 10 test -s "$tmp/stub.port"
STUB_URL="https://127.0.0.1:$(cat "$tmp/stub.port" 2>/dev/null)"
# stub_q TOKEN [CA]: what the stub answers, as curl sees it.
stub_q() {
  curl -s --cacert "${2:-$tmp/stub.crt}" -H "Authorization: Bearer $1" \
    -o /dev/null -w '%{http_code}' "$STUB_URL/api/v1/query?query=x"
}
eq "the stub answers its token with 200" 200 stub_q s3cret-1
eq "the stub answers another token with 401" 401 stub_q nope

ok "create namespaces tls, notoken and badca" sh -c \
  "for n in tls notoken badca; do kubectl --kubeconfig $KS_DIR/kubeconfig create namespace \$n || exit 1; done"
{
  workload secure tls 2; workload slow tls 2; workload secure notoken 2; workload secure badca 2
  policy secure tls 'stub_value'
  policy slow tls 'stub_value' "$STUB_URL/slow"
  policy secure notoken 'stub_value'
  policy secure badca 'stub_value'
} >"$tmp/tls.yaml"
ok "create their workloads and policies" kc apply -f "$tmp/tls.yaml"
run_start tls --namespace tls --prometheus-address "$STUB_URL" --prometheus-timeout 1s \
  --prometheus-ca-file "$tmp/stub.crt" --prometheus-bearer-token-file "$tmp/ebb-token"
run_start notoken --namespace notoken --prometheus-address "$STUB_URL" \
  --prometheus-ca-file "$tmp/stub.crt"
run_start badca --namespace badca --prometheus-address "$STUB_URL" \
  --prometheus-ca-file "$tmp/other.crt" --prometheus-bearer-token-file "$tmp/ebb-token"
for n in tls notoken badca; do ok "ebb run ($n) becomes ready" run_wait_ready $n; done
ok "tls: the start is logged with the token file and the CA" \
  run_logged tls "Prometheus: default $STUB_URL, timeout 1s, bearer token from --prometheus-bearer-token-file, CAs of --prometheus-ca-file"

ok "tls: with the token and the CA it scales to ceil(300 / 40) = 8" wait_replicas 15 deploy tls secure 8
ok "tls: ScalingActive=True ValidMetricFound" wait_cond 5 tls secure ScalingActive True ValidMetricFound
ok "tls: a ScaledUp event rps 150 (300 / 2 pods) above target 40: 2 -> 8" \
  has_event tls secure ScaledUp 'rps 150 above target 40: 2 -> 8'
eq "tls: the metric proposes 8" 8 sp_get tls secure '{.status.currentMetrics[?(@.name=="rps")].proposal}'
ok "tls: status.currentMetrics shows 300 / 8 = 37.5 (37500m)" \
  wait_sp 10 tls secure '{.status.currentMetrics[?(@.name=="rps")].value}' 37500m

ok "slow: past --prometheus-timeout 1s: FailedGetPrometheusMetric" \
  wait_cond 10 tls slow ScalingActive False FailedGetPrometheusMetric
ok "slow: the message says no answer came within 1s" \
  cond_msg tls slow 'rps: Prometheus query failed: no answer within 1s \(--prometheus-timeout\)'
eq "slow: replicas stay 2" 2 replicas deploy tls slow
eq "slow: status.currentMetrics[rps].target is the spec's 40, not 0" 40 \
  sp_get tls slow '{.status.currentMetrics[?(@.name=="rps")].target}'

ok "notoken: no token: FailedGetPrometheusMetric" \
  wait_cond 10 notoken secure ScalingActive False FailedGetPrometheusMetric
ok "notoken: the message says HTTP 401 and that no token was sent" \
  cond_msg notoken secure 'rps: Prometheus answered HTTP 401: .*Unauthorized.*no bearer token was sent: set --prometheus-bearer-token-file'
ok "notoken: a FailedGetMetrics Warning says 401" has_event notoken secure FailedGetMetrics 'HTTP 401'
eq "notoken: replicas stay 2" 2 replicas deploy notoken secure

ok "badca: another CA: FailedGetPrometheusMetric" \
  wait_cond 10 badca secure ScalingActive False FailedGetPrometheusMetric
ok "badca: the message names the TLS failure" \
  cond_msg badca secure 'rps: Prometheus query failed: TLS: SSL certificate problem: self.signed certificate \(check --prometheus-ca-file'
eq "badca: replicas stay 2" 2 replicas deploy badca secure

# The token rotated: first at the server (ebb's token is refused), then in
# ebb's file, replaced as the kubelet does (a new file renamed over it).
printf 's3cret-2\n' >"$tmp/stub-token"
ok "tls: the stub's token rotated: HTTP 401" wait_cond 10 tls secure ScalingActive False FailedGetPrometheusMetric
ok "tls: the message says the token was refused" \
  cond_msg tls secure 'rps: Prometheus answered HTTP 401: .*the token of --prometheus-bearer-token-file was refused'
printf 's3cret-2\n' >"$tmp/ebb-token.new" && mv "$tmp/ebb-token.new" "$tmp/ebb-token"
ok "tls: the new token file is re-read without a restart: ValidMetricFound" \
  wait_cond 10 tls secure ScalingActive True ValidMetricFound
ok "tls: the re-read is logged" run_logged tls 'prometheus-bearer-token-file: .* changed: token re-read'
eq "tls: replicas still 8" 8 replicas deploy tls secure
rm -f "$tmp/ebb-token"
ok "tls: the token file removed: a warning, the token read before kept" \
  wait_for 5 run_logged tls 'warn .*prometheus-bearer-token-file: .*No such file or directory; still using the token read before'
ok "tls: ... so it still reads the metric (3 s)" never_for 3 sh -c \
  "[ \"\$(kubectl --kubeconfig $KS_DIR/kubeconfig get sp -n tls secure -o 'jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].status}')\" != True ]"
eq "tls: the warning is logged once" 1 sh -c "grep -c 'still using the token read before' '$(run_log tls)'"
eq "tls: ebb run (tls) is still the same process" yes sh -c "kill -0 $(run_pid tls) && echo yes"

for n in tls notoken badca; do
  run_stop $n
  eq "ebb run ($n) exits 0 on SIGTERM" 0 echo "$RUN_STATUS"
done
stub_kill

echo "# shutdown"
run_stop main
eq "ebb run (main) exits 0 on SIGTERM" 0 echo "$RUN_STATUS"
run_stop bare
eq "ebb run (bare) exits 0 on SIGTERM" 0 echo "$RUN_STATUS"
if [ -n "${KEEP:-}" ]; then
  kc get sp -A -o yaml >"$tmp/sp.yaml"; kc get events.v1.events.k8s.io -A -o yaml >"$tmp/events.yaml"
fi
echo "1..$ks_n"
[ "$ks_bad" -eq 0 ]

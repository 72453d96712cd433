#!/usr/bin/env bash
# Replays every recorded kube-apiserver exchange (tests/fixtures/kube-api/, a copy of ../shared/fixtures/kube-api/)
# against a fresh kubesim, in number order, and compares status codes, Status
# bodies (reason, code, details, causes, message), objects, lists, watch
# events and framing: one TAP line per fixture (tests/e2e/kubesim_fixtures.py).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/kubesim_lib.sh
FIXTURES=${FIXTURES:-tests/fixtures/kube-api}
if [ ! -d "$FIXTURES" ]; then
  echo "not ok 1 - no fixtures at $FIXTURES"
  exit 1
fi
tmp=$(mktemp -d); trap 'ks_stop; rm -rf "$tmp"' EXIT

ks_start "$tmp" --pod-startup 1 --pod-grace 1
python3 tests/e2e/kubesim_fixtures.py "$KS_PORT" "$tmp" "$FIXTURES"
rc=$?
ks_stop
if [ "$KS_STATUS" != 0 ]; then
  echo "# kubesim exited $KS_STATUS on SIGTERM: $(tail -3 "$tmp/kubesim.err" | tr '\n' ' ')"
  rc=1
fi
exit $rc

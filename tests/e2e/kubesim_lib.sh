# Sourced by the kubesim end-to-end scripts: start/stop a kubesim on a free
# port in a temporary folder, and a TAP helper. Not a test by itself (the
# runner only runs *.sh files that do not end in _lib.sh).
KUBESIM=${KUBESIM:-build/kubesim}
ks_n=0; ks_bad=0

# ks_start DIR [flags...]: starts kubesim, waits for DIR/port, sets KS_PID,
# KS_PORT, KS_DIR, KUBECONFIG_ADMIN.
ks_start() {
  KS_DIR=$1; shift
  rm -f "$KS_DIR/port"
  "$KUBESIM" --dir "$KS_DIR" "$@" >"$KS_DIR/kubesim.out" 2>"$KS_DIR/kubesim.err" &
  KS_PID=$!
  for _ in $(seq 1 200); do
    [ -s "$KS_DIR/port" ] && break
    kill -0 "$KS_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -s "$KS_DIR/port" ]; then
    echo "Bail out! kubesim did not start: $(head -5 "$KS_DIR/kubesim.err")"
    exit 1
  fi
  KS_PORT=$(cat "$KS_DIR/port")
  KUBECONFIG_ADMIN="$KS_DIR/kubeconfig"
}

ks_stop() {
  [ -n "${KS_PID:-}" ] || return 0
  kill -TERM "$KS_PID" 2>/dev/null
  wait "$KS_PID" 2>/dev/null
  KS_STATUS=$?
  KS_PID=
}

# ok NAME CMD...: one TAP line for a command that must succeed.
ok() {
  local name=$1; shift
  ks_n=$((ks_n + 1))
  if out=$("$@" 2>&1); then
    echo "ok $ks_n - $name"
  else
    echo "not ok $ks_n - $name: $(printf '%s' "$out" | tail -5 | tr '\n' ' ')"
    ks_bad=$((ks_bad + 1))
  fi
}

# fails NAME PATTERN CMD...: the command must fail and print PATTERN.
fails() {
  local name=$1 pat=$2; shift 2
  ks_n=$((ks_n + 1))
  if out=$("$@" 2>&1); then
    echo "not ok $ks_n - $name: succeeded: $(printf '%s' "$out" | tail -3 | tr '\n' ' ')"
    ks_bad=$((ks_bad + 1))
  elif printf '%s' "$out" | grep -q -- "$pat"; then
    echo "ok $ks_n - $name"
  else
    echo "not ok $ks_n - $name: no \"$pat\" in: $(printf '%s' "$out" | tail -3 | tr '\n' ' ')"
    ks_bad=$((ks_bad + 1))
  fi
}

# eq NAME WANT CMD...: the command's output (trimmed) must equal WANT.
eq() {
  local name=$1 want=$2; shift 2
  ks_n=$((ks_n + 1))
  got=$("$@" 2>&1 | tr -d '\r')
  if [ "$got" = "$want" ]; then
    echo "ok $ks_n - $name"
  else
    echo "not ok $ks_n - $name: want \"$want\", got \"$(printf '%s' "$got" | tail -3 | tr '\n' ' ')\""
    ks_bad=$((ks_bad + 1))
  fi
}

# wait_for SECS CMD...: retries CMD until it succeeds.
wait_for() {
  local secs=$1; shift
  local end=$(( $(date +%s) + secs ))
  while ! "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.2
  done
}

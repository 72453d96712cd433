#!/usr/bin/env bash
# Runs every unit test program in BUILD/tests and every command-line test in
# tests/e2e/*.sh, then prints one closing line: "tests: N passed, M failed".
set -uo pipefail
build=${1:-build}
export EBB="$build/ebb"
export KUBESIM="$build/kubesim"
passed=0
failed=0
failures=()

for t in "$build"/tests/*_test; do
  [ -x "$t" ] || continue
  # cmocka writes its summary to stderr and the rest to stdout: with both in
  # one pipe the lines can interleave, so the counts are taken anywhere in a
  # line and re-printed on lines of their own.
  # A hung test program fails after 5 minutes instead of stalling the run.
  out=$(timeout 300 "$t" 2>&1)
  rc=$?
  [ $rc -eq 124 ] && out="$out
$(basename "$t"): timed out after 300 s"
  p=$(printf '%s\n' "$out" | grep -o '\[  PASSED  \] [0-9]* test(s)' | tail -1 | grep -o '[0-9][0-9]*')
  f=$(printf '%s\n' "$out" | grep -o '\[  FAILED  \] [0-9]* test(s), listed below' | tail -1 | grep -o '[0-9][0-9]*')
  echo "[==========] $(basename "$t")"
  [ -n "$p" ] && echo "[  PASSED  ] $p test(s)."
  [ -n "$f" ] && echo "[  FAILED  ] $f test(s)."
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ]; then
    [ -z "$f" ] && failed=$((failed + 1))
    failures+=("$(basename "$t")")
    printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Assert|runtime error|Sanitizer|[0-9]+: ' | head -40
  fi
done

for s in tests/e2e/*.sh; do
  [ -f "$s" ] || continue
  case "$s" in *_lib.sh) continue ;; esac
  out=$(timeout 600 bash "$s" 2>&1)
  rc=$?
  p=$(printf '%s\n' "$out" | sed -n 's/^ok \([0-9]*\).*/x/p' | wc -l)
  f=$(printf '%s\n' "$out" | sed -n 's/^not ok \([0-9]*\).*/x/p' | wc -l)
  passed=$((passed + p))
  failed=$((failed + f))
  echo "[ e2e ] $(basename "$s"): $p passed, $f failed"
  if [ $rc -ne 0 ]; then
    [ "$f" -eq 0 ] && failed=$((failed + 1))
    failures+=("$(basename "$s")")
    printf '%s\n' "$out" | grep -v '^ok ' | tail -40
  fi
done

[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]

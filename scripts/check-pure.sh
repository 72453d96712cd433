#!/usr/bin/env bash
# The purity checks of DESIGN.md section 4, enforced rather than hoped for:
#  1. libcore.a links into a program with libc and libm alone, so a pure
#     module that reaches for curl, OpenSSL, libwebsockets, libyaml or cJSON
#     fails here;
#  2. libcore.a defines no writable global (no symbol in .data or .bss);
#  3. pure sources include no I/O library header and read no clock.
set -euo pipefail
lib=$1; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

echo 'int main(void) { return 0; }' > "$tmp/main.c"
if ! cc -o "$tmp/linkcheck" "$tmp/main.c" -Wl,--whole-archive "$lib" -Wl,--no-whole-archive -lm 2>"$tmp/err"; then
  echo "check-pure: $lib does not link with libc alone:" >&2
  grep -o "undefined reference to \`[^']*'" "$tmp/err" | sort -u | head -20 >&2
  exit 1
fi

# Writable data sections only: .data.rel.ro holds const tables of pointers,
# which the loader relocates and then makes read-only.
globals=$(objdump -t "$lib" | awk '$0 ~ / (\.data|\.bss|\.data\.rel|\.data\.rel\.local|COMMON)([. ][^r]|[ \t])/ && $0 !~ /\.data\.rel\.ro/ && $NF !~ /^\./ {print}' || true)
if [ -n "$globals" ]; then
  echo "check-pure: writable globals in $lib:" >&2
  echo "$globals" >&2
  exit 1
fi

bad=$(grep -nE '#include <(curl|openssl|libwebsockets|yaml|cjson)|clock_gettime|gettimeofday|[^_a-z]time\(NULL|[^a-z_]fopen\(|getenv\(' \
  $(find "$@" -name '*.[ch]') || true)
if [ -n "$bad" ]; then
  echo "check-pure: I/O or clock in pure code:" >&2
  echo "$bad" >&2
  exit 1
fi

banned=$(grep -nE '[^_a-z](sprintf|strcpy|strcat|strtok|atoi|gets|sscanf)\(' $(find cmd pkg -name '*.[ch]') || true)
if [ -n "$banned" ]; then
  echo "check-pure: banned function (use snprintf, strbuf, strtol):" >&2
  echo "$banned" >&2
  exit 1
fi
echo "check-pure: libcore.a links with libc alone, has no writable globals, reads no clock"

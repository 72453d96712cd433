#!/bin/sh
# Installs Debian's prometheus package when it is missing, without starting
# its system service, and prints the path of the prometheus binary. Used by
# tests/e2e/kubesim_prometheus.sh; exits non-zero (reason on stderr) when the
# package cannot be installed, e.g. with no network.
set -eu

find_bin() {
    command -v prometheus 2>/dev/null && return 0
    [ -x /usr/bin/prometheus ] && { echo /usr/bin/prometheus; return 0; }
    return 1
}

if find_bin; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "prometheus.sh: prometheus is not installed and installing it needs root" >&2
    exit 1
fi
# policy-rc.d exit 101 keeps the package's postinst from starting the
# service; only ours, and only for the install.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    own_policy=1
fi
cleanup() { if [ $own_policy = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update >/tmp/prometheus-apt.$$ 2>&1; then
    echo "prometheus.sh: apt-get update failed: $(tail -1 /tmp/prometheus-apt.$$)" >&2
    rm -f /tmp/prometheus-apt.$$
    exit 1
fi
if ! apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 \
    prometheus >/tmp/prometheus-apt.$$ 2>&1; then
    echo "prometheus.sh: apt-get install prometheus failed: $(tail -1 /tmp/prometheus-apt.$$)" >&2
    rm -f /tmp/prometheus-apt.$$
    exit 1
fi
rm -f /tmp/prometheus-apt.$$
find_bin || { echo "prometheus.sh: installed, but no prometheus binary found" >&2; exit 1; }

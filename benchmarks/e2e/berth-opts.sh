#!/usr/bin/env bash
# Prints the JVM options the launcher (./berth) runs berth with by default, as this machine's
# launcher computes them (the block between JVM-OPTIONS-BEGIN and JVM-OPTIONS-END), so that the
# benchmarks measure what `./berth serve` runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck disable=SC1090
source <(sed -n '/^# JVM-OPTIONS-BEGIN/,/^# JVM-OPTIONS-END/p' "$ROOT/berth")
echo "$default_opts"

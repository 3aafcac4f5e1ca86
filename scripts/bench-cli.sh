#!/usr/bin/env bash
# Times `dstack-audit verify` as a whole process on a real attestation (release build).
# Usage: scripts/bench-cli.sh [RUNS]   — prints the mean wall time per run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
cargo build --release --quiet
bin=target/release/dstack-audit
args=(verify fixtures/dstack/near-mpc-dstack-dev-0.5.8/public_data.json
      --reference fixtures/reference/near-mpc-dstack-dev-0.5.8.json --at 2026-09-01T00:00:00Z --format json)
"$bin" "${args[@]}" >/dev/null || [ $? -eq 3 ]
start=$(date +%s%N)
for _ in $(seq "$runs"); do "$bin" "${args[@]}" >/dev/null || true; done
end=$(date +%s%N)
echo "verify (whole process, release): $(( (end - start) / runs / 1000 )) µs per run over $runs runs"

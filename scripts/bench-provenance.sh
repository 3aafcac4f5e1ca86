#!/usr/bin/env bash
# Times `dstack-audit provenance` next to sigstore-python's `sigstore verify identity --offline` on
# the same public-good bundle (sigstore-conformance happy-path-v0.3), whole processes, in one run.
# sigstore-python comes from PyPI into a virtual environment this script makes (target/bench-venv).
# Usage: scripts/bench-provenance.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
case_dir=fixtures/sigstore/sigstore-conformance/happy-path-v0.3
bundle=$case_dir/bundle.sigstore.json
artifact=fixtures/sigstore/sigstore-conformance/a.txt
root=fixtures/sigstore/sigstore-python/trusted_root.json
identity="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
issuer="https://token.actions.githubusercontent.com"

cargo build --release --quiet
venv=target/bench-venv
if [ ! -x "$venv/bin/sigstore" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "sigstore==4.5.1"
fi
# sigstore-python wants a client trust config wrapping the trusted root.
config=target/bench-trust-config.json
python3 - "$root" "$config" <<'PY'
import json, sys
root = json.load(open(sys.argv[1]))
json.dump({"mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
           "trustedRoot": root,
           "signingConfig": {"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                             "caUrls": [], "oidcUrls": [], "rekorTlogUrls": [], "tsaUrls": [],
                             "rekorTlogConfig": {"selector": "ANY"}, "tsaConfig": {"selector": "ANY"}}},
          open(sys.argv[2], "w"))
PY

ours=(target/release/dstack-audit provenance --bundle "$bundle" --trusted-root "$root"
      --identity "$identity" --issuer "$issuer" --any-predicate "$artifact")
theirs=("$venv/bin/sigstore" --trust-config "$config" verify identity --offline --bundle "$bundle"
        --cert-identity "$identity" --cert-oidc-issuer "$issuer" "$artifact")
"${ours[@]}" >/dev/null
"${theirs[@]}" >/dev/null 2>&1

time_it() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}
a=$(time_it "${ours[@]}")
b=$(time_it "${theirs[@]}")
echo "dstack-audit provenance: ${a} µs per run; sigstore-python verify identity --offline: ${b} µs per run ($runs runs each)"
echo "ratio (sigstore-python / dstack-audit): $(python3 -c "print(round($b / $a, 1))")"

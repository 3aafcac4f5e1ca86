#!/bin/sh
# Entry point for the sigstore-conformance harness (its `verify-bundle` protocol):
#   verify-bundle [--staging] --bundle B (--certificate-identity I --certificate-oidc-issuer U | --key K)
#                 [--trusted-root R] ARTIFACT_OR_DIGEST
# Maps it onto `dstack-audit provenance`. The embedded roots include Sigstore public-good, which is
# what the harness means when it gives no --trusted-root. Signing and staging are not supported.
# DSTACK_AUDIT may name the binary (default: dstack-audit on PATH).
[ "$1" = verify-bundle ] || { echo "only verify-bundle is supported" >&2; exit 1; }
shift
[ "$1" = --staging ] && { echo "--staging is not supported offline" >&2; exit 1; }
exec "${DSTACK_AUDIT:-dstack-audit}" provenance --any-predicate "$@"

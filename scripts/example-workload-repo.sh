#!/usr/bin/env bash
# Creates the example workload repository that fixtures/synthetic/git-launcher pins: one
# commit with an entrypoint.sh, made with fixed names and dates so its commit id is always
# 1d6918c65fc08f781f61f47255e91702f05278b3 (the id in the fixture's launcher config).
# Usage: scripts/example-workload-repo.sh DIR  (DIR must not exist yet)
set -euo pipefail
dir=${1:?usage: $0 DIR}
if [ -e "$dir" ]; then
  echo "$0: $dir exists; give a directory that does not exist yet" >&2
  exit 1
fi
mkdir -p "$dir"
cd "$dir"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="dstack-audit example" GIT_AUTHOR_EMAIL="example@example.invalid"
export GIT_COMMITTER_NAME="dstack-audit example" GIT_COMMITTER_EMAIL="example@example.invalid"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
git init -q -b main .
printf '#!/bin/sh\n# The workload that the synthetic git-launcher deployment pins.\nexec echo "hello from the pinned workload"\n' > entrypoint.sh
chmod 755 entrypoint.sh
git add entrypoint.sh
git commit -q -m "Example workload for dstack-audit's synthetic git-launcher deployment"
git rev-parse HEAD

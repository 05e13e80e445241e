#!/usr/bin/env bash
# Write the engine source archives that config/engines.yaml pins, from local git clones, for a machine that cannot
# reach github.com: each is the tree of the pinned commit as GitHub's /archive/<commit>.tar.gz serves it
# (one top folder <repo>-<commit>/). `tinyperf engine fetch --mirror DIR` then takes them over file:// and checks
# each extracted tree against the pinned git tree hash, exactly as it checks a download.
#
#   tools/pack_engine_sources.sh OUT_DIR GIT_DIR...   (a GIT_DIR is a clone or a bare mirror of a pinned repo)
set -euo pipefail
out=$1; shift
mkdir -p "$out"
pins=$(dirname "$0")/../config/engines.yaml
for gitdir in "$@"; do
    for line in $(grep -E '^\s+commit:' "$pins" | awk '{print $2}'); do
        git --git-dir="$gitdir" cat-file -e "$line^{commit}" 2>/dev/null || continue
        name=$(grep -B8 "commit: $line" "$pins" | grep -E '^\s+repo:' | tail -1 | awk '{print $2}')
        repo=${name#*/}
        archive="$out/$repo-$line.tar.gz"
        [ -f "$archive" ] && continue
        git --git-dir="$gitdir" archive --format=tar.gz --prefix="$repo-$line/" -o "$archive.part" "$line"
        mv "$archive.part" "$archive"
        echo "$archive"
    done
done

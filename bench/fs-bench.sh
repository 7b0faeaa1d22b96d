#!/usr/bin/env bash
# Measures, side by side in one run, `vmfs put` and `vmfs get` of a 2 GiB file against `cp` of the
# same bytes and against `debugvmfs cat`, and writes the ratios into bench/RESULTS.md.
# Usage: bench/fs-bench.sh [WORKDIR]   (needs about 8 GiB free in WORKDIR; default: a temp dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/vmfs-bench.XXXXXX")}"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
runs=3
size_mib=2048

"$root/vmfs" --version >/dev/null   # builds the CLI jar if needed, outside the timings
src="$work/src.bin"
dd if=/dev/urandom of="$src" bs=8M count=$((size_mib / 8)) status=none
img="$work/ds.img"

# Best of $runs wall-clock seconds for a command (page cache warm: every contender reads cached data).
best() {
  local best_time=""
  for ((i = 0; i < runs; i++)); do
    eval "${PREP:-true}"
    local start end
    start=$(date +%s.%N)
    eval "$1" >/dev/null
    end=$(date +%s.%N)
    local t; t=$(echo "$end - $start" | bc -l)
    if [[ -z "$best_time" ]] || (($(echo "$t < $best_time" | bc -l))); then best_time=$t; fi
  done
  printf '%.3f' "$best_time"
}

cat "$src" >/dev/null
PREP="rm -f '$work/cp.bin'" t_cp=$(best "cp '$src' '$work/cp.bin'")
PREP="rm -f '$img'; '$root/vmfs' mkfs '$img' --size 3G --seed 1 >/dev/null" t_put=$(best "'$root/vmfs' put '$img' '$src' /file.bin")
PREP="rm -f '$work/get.bin'" t_get=$(best "'$root/vmfs' get '$img' /file.bin '$work/get.bin'")
cmp "$src" "$work/get.bin"
t_debugvmfs="n/a"
if command -v debugvmfs >/dev/null; then
  PREP="rm -f '$work/dv.bin'" t_debugvmfs=$(best "debugvmfs '$img' cat /file.bin > '$work/dv.bin'")
  cmp "$src" "$work/dv.bin"
fi
ratio() { if [[ "$1" == n/a ]]; then echo n/a; else printf '%.2f' "$(echo "$1 / $t_cp" | bc -l)"; fi; }

section=$(cat <<MD
## File system (issue 2)

\`bench/fs-bench.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores, 2 GiB of random data, page cache warm,
best of $runs runs, wall clock including JVM start. \`get\` writes through \`FileChannel.transferTo\`
(the kernel copies), holes are skipped. \`put\` ends with an fsync of the image, so the time
includes writing the 2 GiB to the disk; \`cp\` does not sync (its data may still be in the page
cache when it exits), so the put ratio depends on the disk's write speed.

| operation | seconds | ratio to cp |
|---|---|---|
| \`cp\` of the 2 GiB file (host to host) | $t_cp | 1.00 |
| \`vmfs put\` (host to datastore) | $t_put | $(ratio "$t_put") |
| \`vmfs get\` (datastore to host) | $t_get | $(ratio "$t_get") |
| \`debugvmfs cat > file\` | $t_debugvmfs | $(ratio "$t_debugvmfs") |

Target: \`get\` within 1.25x of \`cp\`.
MD
)
"$root/bench/update-results.sh" "## File system (issue 2)" "$section"
echo "$section"

#!/usr/bin/env bash
# Mount benchmark (issue 6): time `cp` of a 2 GiB random file out of a `vmfs mount` of a 3 GiB
# volume, against `cp` of the same bytes on the host and `cp` out of a vmfs-fuse (vmfs-tools)
# mount of the same image, in one run; writes a table under "## Mount (issue 6)" in
# bench/RESULTS.md (other sections are kept).
#
# Usage: bench/mount-bench.sh [WORKDIR]   (default /tmp/vmfs-mount-bench; needs ~5 GiB there)
# Env:   RUNS (default 5) timed rounds; each source's median is reported.
#
# Page cache: every source is read once before timing, so all three copy from a warm page cache
# and the numbers compare the file-system layers, not the disk (this sandbox does not allow
# dropping caches). Copies go to /dev/shm so the destination is the same for all.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/vmfs-mount-bench}"
runs="${RUNS:-5}"
results="$root/bench/RESULTS.md"
vmfs="$root/vmfs"
image="$work/ds.img"
source="$work/random.bin"
ours="$work/mnt-vmfs"
theirs="$work/mnt-vmfs-fuse"
dest="/dev/shm/vmfs-mount-bench.out"
ours_pid=""

for tool in vmfs-fuse fusermount3 fusermount mountpoint; do
  command -v "$tool" >/dev/null || { echo "mount-bench: $tool is missing (apt-get install vmfs-tools fuse3)" >&2; exit 1; }
done
[[ -e /dev/fuse ]] || { echo "mount-bench: /dev/fuse is missing" >&2; exit 1; }

cleanup() {
  mountpoint -q "$theirs" 2>/dev/null && { fusermount -u "$theirs" 2>/dev/null || umount "$theirs" 2>/dev/null || true; }
  mountpoint -q "$ours" 2>/dev/null && { "$vmfs" umount "$ours" >/dev/null 2>&1 || fusermount3 -uz "$ours" || true; }
  # SIGTERM makes a vmfs mount that is still starting unmount itself and exit.
  [[ -n "$ours_pid" ]] && { kill -TERM "$ours_pid" 2>/dev/null || true; wait "$ours_pid" 2>/dev/null || true; }
  rm -f "$dest"
}
trap cleanup EXIT

echo "mount-bench: building the CLI" >&2
(cd "$root" && JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}" ./mvnw -B -q -DskipTests -Dmaven.test.skip=true -Dmaven.source.skip -Dmaven.javadoc.skip package -pl vmfs-cli -am)
rm -f "$root/vmfs-cli/target/vmfs.jsa" # made for the old jar; the JVM would only complain about it

mkdir -p "$work" "$ours" "$theirs"
rm -f "$image"
echo "mount-bench: 3 GiB volume, 2 GiB random file" >&2
"$vmfs" mkfs "$image" --size 3G --label bench --seed 6 >/dev/null
[[ -f "$source" && $(stat -c %s "$source") -eq $((2 << 30)) ]] || head -c $((2 << 30)) /dev/urandom >"$source"
"$vmfs" put "$image" "$source" /random.bin >/dev/null

"$vmfs" mount "$image" "$ours" 2>"$work/mount.log" &
ours_pid=$!
for _ in $(seq 600); do mountpoint -q "$ours" && break; kill -0 "$ours_pid" 2>/dev/null || break; sleep 0.2; done
mountpoint -q "$ours" || { cat "$work/mount.log" >&2; echo "mount-bench: vmfs mount did not come up" >&2; exit 1; }
vmfs-fuse "$image" "$theirs"
for _ in $(seq 50); do mountpoint -q "$theirs" && break; sleep 0.2; done
mountpoint -q "$theirs" || { echo "mount-bench: vmfs-fuse did not mount" >&2; exit 1; }

want="$(sha256sum <"$source" | cut -d' ' -f1)"
for file in "$ours/random.bin" "$theirs/random.bin"; do
  got="$(sha256sum <"$file" | cut -d' ' -f1)" # also warms the page cache under each mount
  [[ "$got" == "$want" ]] || { echo "mount-bench: $file has the wrong bytes" >&2; exit 1; }
done
cat "$image" >/dev/null

# Appends the wall-clock seconds of one run of "$@" to the array named by $1.
timed() {
  local -n into="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  into+=("$(echo "$end - $start" | bc -l)")
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
copy() { rm -f "$dest"; cp "$1" "$dest"; }
drain() { cat "$1" >/dev/null; }

# The three sources take turns in every round, so background load hits them alike.
echo "mount-bench: timing ($runs rounds)" >&2
cp_host=(); cp_ours=(); cp_theirs=(); cat_host=(); cat_ours=(); cat_theirs=()
for _ in $(seq "$runs"); do
  timed cp_host copy "$source"; timed cp_ours copy "$ours/random.bin"; timed cp_theirs copy "$theirs/random.bin"
  timed cat_host drain "$source"; timed cat_ours drain "$ours/random.bin"; timed cat_theirs drain "$theirs/random.bin"
done
rm -f "$dest"
host_s="$(median "${cp_host[@]}")"; ours_s="$(median "${cp_ours[@]}")"; theirs_s="$(median "${cp_theirs[@]}")"
host_r="$(median "${cat_host[@]}")"; ours_r="$(median "${cat_ours[@]}")"; theirs_r="$(median "${cat_theirs[@]}")"

mib=2048
ratio() { printf '%.2fx' "$(echo "$1 / $2" | bc -l)"; }
row() {
  printf '| %s | %s | %.0f | %s | %s | %s |\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)" "$(ratio "$2" "$host_s")" "$3" "$(ratio "$3" "$host_r")"
}
section="$(
  echo "## Mount (issue 6)"
  echo
  echo "\`bench/mount-bench.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), $("${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" -version 2>&1 | head -1 | tr -d '"')."
  echo "\`cp\` of one 2 GiB random file to /dev/shm (the issue's measure), and \`cat\` of it to /dev/null"
  echo "(the source alone, without the destination's write cost); medians of $runs interleaved rounds,"
  echo "warm page cache for all three sources. Target: \`vmfs mount\` cp within 1.5x of host cp."
  echo
  echo "| source | cp s | cp MiB/s | cp vs host | cat s | cat vs host |"
  echo "|---|---|---|---|---|---|"
  row "host file" "$host_s" "$host_r"
  row "vmfs mount (jfuse)" "$ours_s" "$ours_r"
  row "vmfs-fuse (vmfs-tools)" "$theirs_s" "$theirs_r"
  echo
  echo "All runs (s): cp host ${cp_host[*]}; cp ours ${cp_ours[*]}; cp vmfs-fuse ${cp_theirs[*]};"
  echo "cat host ${cat_host[*]}; cat ours ${cat_ours[*]}; cat vmfs-fuse ${cat_theirs[*]}."
  echo
  if (( $(echo "$ours_s <= 1.5 * $host_s" | bc -l) )); then echo "cp target met."; else echo "cp target missed."; fi
)"
echo "$section"

# Replace (or append) only our section of RESULTS.md.
touch "$results"
python3 - "$results" "$section" <<'EOF'
import re, sys
path, section = sys.argv[1], sys.argv[2].rstrip("\n") + "\n"
text = open(path).read()
pattern = re.compile(r"^## Mount \(issue 6\)\n.*?(?=^## |\Z)", re.S | re.M)
if pattern.search(text):
    text = pattern.sub(lambda _: section + "\n", text, count=1)
else:
    if text and not text.endswith("\n\n"):
        text = text.rstrip("\n") + "\n\n"
    text = (text or "# Benchmarks\n\n") + section
open(path, "w").write(text.rstrip("\n") + "\n")
EOF
echo "mount-bench: wrote $results" >&2

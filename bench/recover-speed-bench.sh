#!/usr/bin/env bash
# Recovery speed benchmark (issue 14): `vmfs recover` (through the ./vmfs launcher, as a user runs
# it) on a sparse 16 GiB datastore holding one VM with a 1 GiB disk written full and a 300 MiB
# vmfsSparse delta deleted by a mistaken revert, against the floor an analyst would otherwise pay:
# `sha256sum IMAGE` plus a `cp` of the bytes recover writes. Target: recover within 1.3x of that sum.
# The page cache is dropped before each timed step where the host allows it (root, not in a
# read-only /proc). Usage: bench/recover-speed-bench.sh [work dir] (default /tmp/recover-speed-bench;
# needs ~3.5 GiB of real disk).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/find-jdk.sh
work="${1:-/tmp/recover-speed-bench}"
mkdir -p "$work"
image="$work/ds-16g.img"
out="$work/recovered"

./mvnw -B -q -pl vmfs-fs,vmfs-recovery test-compile
./vmfs --help > /dev/null  # builds the CLI jar when the sources are newer

repo="${MAVEN_REPO:-$HOME/.m2/repository}"
jar() { find "$repo/$1" -name "$2" | sort | tail -n 1; }
cp_path="vmfs-fs/target/classes:vmfs-recovery/target/classes:vmfs-recovery/target/test-classes"
cp_path+=":$(jar com/google/guava/guava/33.4.8-jre 'guava-*.jar')"
cp_path+=":$(jar com/google/guava/failureaccess 'failureaccess-*.jar')"
cp_path+=":$(jar it/unimi/dsi/fastutil-core/8.5.15 'fastutil-core-*.jar')"
built=$("$JAVA_HOME/bin/java" -Xmx2g -cp "$cp_path" org.vmfskit.recovery.RecoverSpeedBench "$image" 300)
expected=$(sed -n 's/^expected //p' <<<"$built")
delta_bytes=$(sed -n 's/^deltaBytes //p' <<<"$built")

drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null && echo dropped || echo kept; }
now() { date +%s.%N; }

cache1=$(drop); load1=$(cut -d' ' -f1-3 /proc/loadavg)
# CPU seconds (user + sys) next to wall time: on a shared machine they say more than the clock.
cpu() { local f="$1"; shift; /usr/bin/time -f '%U %S' -o "$f" "$@"; }
t0=$(now); cpu "$work/cpu.sha" sha256sum "$image" > "$work/image.sha256"; t1=$(now)
rm -rf "$out" "$work/copy"
cache2=$(drop)
t2=$(now); cpu "$work/cpu.rec" ./vmfs recover "$image" --out "$out" --json --quiet > "$work/report.json"; t3=$(now)
load2=$(cut -d' ' -f1-3 /proc/loadavg)
cache3=$(drop)
mkdir -p "$work/copy"
t4=$(now); cpu "$work/cpu.cp" sh -c 'cp --sparse=always "$1"/*.vmdk "$2"/ && sync "$2"/*' cp "$out" "$work/copy"; t5=$(now)
rm -rf "$work/copy"
actual=$(sha256sum "$out/vm-000001-recovered-full-flat.vmdk" | cut -d' ' -f1)

python3 - "$work/report.json" "$work/image.sha256" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$expected" "$actual" "$delta_bytes" \
    "$cache1/$cache2/$cache3" "$load1" "$load2" "$(du -k "$image" | cut -f1)" "$(cat "$work/cpu.sha")" "$(cat "$work/cpu.rec")" \
    "$(cat "$work/cpu.cp")" <<'PY'
import json, sys, os, platform, datetime, subprocess
report = json.load(open(sys.argv[1]))
image_sha = open(sys.argv[2]).read().split()[0]
t0, t1, t2, t3, t4, t5 = map(float, sys.argv[3:9])
expected, actual, delta_bytes, caches, load1, load2, alloc_kib = sys.argv[9:16]
cpu_sha, cpu_rec, cpu_cp = (sum(map(float, v.split())) for v in sys.argv[16:19])
sha, rec, cp = t1 - t0, t3 - t2, t5 - t4
floor = sha + cp
outputs = [f for r in report["recovered"] for f in r["outputs"]]
written = sum(f["bytes"] for f in outputs)
ratio = rec / floor
lines = ["## Recovery speed (issue 14)", "",
  f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `bench/recover-speed-bench.sh` on {os.cpu_count()} cores ({platform.machine()}); "
  f"load average {load1} before and {load2} after the recover (other jobs shared the machine); page cache dropped before each step: {caches}.",
  f"Image: sparse 16 GiB VMFS5 datastore ({int(alloc_kib)/1024/1024:.2f} GiB allocated on the host), one VM with a 1 GiB thin disk written full "
  f"and a vmfsSparse delta of 300 x 1 MiB guest writes ({int(delta_bytes)/2**20:.0f} MiB file) deleted by a revert.", "",
  "| Step | Wall time | CPU time (user + sys) |", "|---|---|---|",
  f"| `sha256sum IMAGE` | {sha:.1f} s | {cpu_sha:.1f} s |",
  f"| `cp` of recover's outputs ({written/2**20:.0f} MiB, {len(outputs)} files) | {cp:.1f} s | {cpu_cp:.1f} s |",
  f"| floor: sum of the two | {floor:.1f} s | {cpu_sha + cpu_cp:.1f} s |",
  f"| `./vmfs recover IMAGE --out DIR` (JVM start included) | {rec:.1f} s | {cpu_rec:.1f} s |",
  f"| ratio recover / floor (target <= 1.3) | {ratio:.2f} {'(met)' if ratio <= 1.3 else '(NOT met)'} | {cpu_rec / (cpu_sha + cpu_cp):.2f} |",
  "",
  f"Image SHA-256 in the report equals `sha256sum`: {report['imageSha256'] == image_sha}; the flattened disk equals the disk before the revert: "
  f"{expected == actual}; image unchanged: {report['imageUnchanged']} ({report['unchangedProof']}).",
  "Before issue 14 (two full hashes, C1-only JIT, chain + flattened disk written and read back): 336 s against 33 s + 2 s (9.8x).",
  ""]
section = "\n".join(lines)
subprocess.run(["bench/update-results.sh", "## Recovery speed (issue 14)", section], check=True)
print(section)
if report["imageSha256"] != image_sha or expected != actual:
    sys.exit("recover-speed-bench: wrong hash")
PY

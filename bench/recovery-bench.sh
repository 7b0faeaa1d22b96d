#!/usr/bin/env bash
# Recovery scan benchmark (issue 5): vmfs scan of a sparse 1 TiB datastore holding 100 GiB of
# allocated files (ten 10 GiB zeroedthick disks: blocks allocated and flagged to-be-zeroed, no
# data written) and a ~2 GiB vmfsSparse delta deleted by a revert. Reports bytes read by the scan
# (target: under 1 % of the volume) and its time, next to `cat IMAGE > /dev/null` on the same image.
# Usage: bench/recovery-bench.sh [work dir]   (default /tmp/recovery-bench; needs ~2.5 GiB of real disk)
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
work="${1:-/tmp/recovery-bench}"
mkdir -p "$work"
image="$work/ds-1t.img"

./mvnw -B -q -pl vmfs-fs,vmfs-recovery test-compile
./mvnw -B -q -DskipTests -Dmaven.test.skip=true package -pl vmfs-cli -am

repo="${MAVEN_REPO:-$HOME/.m2/repository}"
jar() { find "$repo/$1" -name "$2" | sort | tail -n 1; }
cp_path="vmfs-fs/target/classes:vmfs-recovery/target/classes:vmfs-recovery/target/test-classes"
cp_path+=":$(jar com/google/guava/guava/33.4.8-jre 'guava-*.jar')"
cp_path+=":$(jar com/google/guava/failureaccess 'failureaccess-*.jar')"
cp_path+=":$(jar it/unimi/dsi/fastutil-core/8.5.15 'fastutil-core-*.jar')"

build_log=$("$JAVA_HOME/bin/java" -Xmx2g -XX:+UseParallelGC -cp "$cp_path" org.vmfskit.recovery.RecoveryBench "$image" 2048)
echo "$build_log"
allocated=$(du -k "$image" | cut -f1)

t0=$(date +%s.%N)
"$JAVA_HOME/bin/java" -jar vmfs-cli/target/vmfs.jar scan "$image" --json > "$work/scan.json"
t1=$(date +%s.%N)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
t2=$(date +%s.%N)
cat "$image" > /dev/null
t3=$(date +%s.%N)

python3 - "$work/scan.json" "$t0" "$t1" "$t2" "$t3" "$allocated" "$build_log" <<'PY'
import json, sys, re, platform, os, datetime
scan = json.load(open(sys.argv[1]))
t0, t1, t2, t3 = map(float, sys.argv[2:6])
alloc_kib = int(sys.argv[6]); build = sys.argv[7]
c = scan["candidates"]
lines = ["## Recovery scan (issue 5)", "",
  f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `bench/recovery-bench.sh` on {os.cpu_count()} cores ({platform.machine()}).",
  "Image: sparse 1 TiB VMFS5 datastore (1 MiB blocks), ten 10 GiB zeroedthick base disks (100 GiB of blocks allocated and",
  "flagged to-be-zeroed: `VirtualDisk.createBase(..., ZEROED_THICK)` = `VmfsFile.preallocate(..., TO_BE_ZEROED)`, no data written),",
  "and a VM whose vmfsSparse delta (2048 random 1 MiB guest writes over a 16 GiB thin disk) was deleted by a revert.",
  f"`{build.strip()}`; {alloc_kib/1024/1024:.2f} GiB really allocated on the host.", "",
  "| Measure | Value |", "|---|---|",
  f"| volume size | {scan['volumeBytes']} bytes |",
  f"| `vmfs scan --json` wall time (JVM start included) | {t1-t0:.2f} s |",
  f"| scan time inside the JVM | {scan['elapsedMillis']/1000:.2f} s |",
  f"| bytes read by the scan | {scan['bytesRead']} ({scan['bytesReadPercent']:.4f} % of the volume; target < 1 %) |",
  f"| `cat IMAGE > /dev/null` | {t3-t2:.2f} s |",
  f"| free MAPs / empty / free FDs / free blocks carved | {scan['freeMapsExamined']} / {scan['freeMapsEmpty']} / {scan['freeFdsExamined']} / {scan['freeBlocksCarved']} |",
  f"| candidates | {len(c)}: " + "; ".join(f"{x['id']} {x['source']} {x['fileBlocksFound']}/{x['fileBlocks']} blocks, {x['grainsUsed']} grains, {len(x['maps'])} MAPs, parent {x['match']['parentDescriptor'] if x['match'] else '-'} ({x['match']['confidence'] if x['match'] else '-'})" for x in c) + " |",
  ""]
section = "\n".join(lines) + "\n"
path = "bench/RESULTS.md"
text = open(path).read() if os.path.exists(path) else "# Benchmark results\n\n"
m = re.search(r"^## Recovery scan \(issue 5\)\n.*?(?=^## |\Z)", text, re.S | re.M)
text = text[:m.start()] + section + text[m.end():] if m else text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
print(section)
PY

#!/usr/bin/env bash
# Virtual-disk benchmark (issue 3): our raw export vs qemu-img convert vs cp on a 1 GiB base plus a
# 10 % vmfsSparse delta, and chain read throughput at depths 1, 8 and 32. Writes bench/RESULTS.md.
# Usage: bench/vmdk-bench.sh [work dir]   (default: /tmp/vmdk-bench; needs ~3.5 GiB free)
# BENCH_MODE=quick prints only our export and read times (no qemu-img, no cp, no RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
work="${1:-/tmp/vmdk-bench}"
command -v qemu-img >/dev/null || { echo "qemu-img is required" >&2; exit 2; }

./mvnw -q -pl vmfs-fs -am test-compile

repo="${MAVEN_REPO:-$HOME/.m2/repository}"
jar() { find "$repo/$1" -name "$2" | sort | tail -n 1; }
cp_path="vmfs-fs/target/classes:vmfs-fs/target/test-classes"
cp_path+=":$(jar com/google/guava/guava/33.4.8-jre 'guava-*.jar')"
cp_path+=":$(jar com/google/guava/failureaccess 'failureaccess-*.jar')"
cp_path+=":$(jar it/unimi/dsi/fastutil-core/8.5.15 'fastutil-core-*.jar')"

"$JAVA_HOME/bin/java" -Xmx2g -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -cp "$cp_path" org.vmfskit.fs.vmdk.VmdkBench "$work" bench/RESULTS.md "${BENCH_MODE:-full}"

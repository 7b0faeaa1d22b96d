#!/usr/bin/env bash
# Builds a self-contained runtime image of the vmfs command with jlink: the JDK modules the shaded
# CLI jar needs (found by jdeps --print-module-deps) plus the jar itself on the class path, and a
# bin/vmfs launcher. The jar stays on the class path because fastutil-core is only an automatic
# module, which jlink cannot link; the JDK part is what jlink trims (about 50 MB instead of 300).
#
# Usage: scripts/jlink-image.sh [OUTPUT]   (default vmfs-cli/target/vmfs-image; builds the jar if
#        missing). Then: OUTPUT/bin/vmfs --help, OUTPUT/bin/vmfs info IMAGE, ...
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/find-jdk.sh"
jar="$root/vmfs-cli/target/vmfs.jar"
out="${1:-$root/vmfs-cli/target/vmfs-image}"

if [[ ! -f "$jar" ]]; then
  (cd "$root" && ./mvnw -B -q -DskipTests -Dmaven.source.skip -Dmaven.javadoc.skip package -pl vmfs-cli -am)
fi

modules="$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 "$jar")"
[[ -n "$modules" ]] || { echo "jlink-image: jdeps found no modules in $jar" >&2; exit 1; }
rm -rf "$out"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$out"
mkdir -p "$out/lib/vmfs"
cp "$jar" "$out/lib/vmfs/vmfs.jar"
cat >"$out/bin/vmfs" <<'EOF'
#!/bin/sh
# The vmfs command on this image's own Java runtime (the same JVM flags as ./vmfs).
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$here/../lib/vmfs/vmfs.jar" "$@"
EOF
chmod +x "$out/bin/vmfs"
echo "jlink-image: $out ($(du -sh "$out" | cut -f1), modules $modules)" >&2

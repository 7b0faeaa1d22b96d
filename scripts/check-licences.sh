#!/usr/bin/env bash
# Licence gate (issue 15): no AGPL/GPL artifact may ship. Two checks:
#  1. every runtime dependency of the three modules (mvn dependency:list) has a row in NOTICE's
#     third-party table, and no row names an AGPL or GPL licence (LGPL is allowed: jfuse);
#  2. every jar under */target/ is scanned: each bundled artifact (META-INF/maven/*/*/pom.properties)
#     must be ours or in the table, and no bundled pom.xml may declare an Affero or (non-Lesser)
#     GNU General Public licence.
# Usage: scripts/check-licences.sh   (after ./build package; exits 1 on a violation)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

declare -A licence
while read -r artifact spdx _; do
  licence[$artifact]="$spdx"
done < <(grep -E '^  [A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+ +[A-Za-z0-9.+-]+' NOTICE)
((${#licence[@]})) || { echo "check-licences: no third-party table in NOTICE" >&2; exit 1; }

forbidden() { [[ "$1" =~ ^(AGPL|GPL) ]]; }
failed=0
for artifact in "${!licence[@]}"; do
  if forbidden "${licence[$artifact]}"; then
    echo "check-licences: $artifact is ${licence[$artifact]}: not allowed in a shipped jar" >&2; failed=1
  fi
done

# 1. The resolved runtime dependencies.
list="$(mktemp)"; trap 'rm -f "$list"' EXIT
# (package in the same Maven run, so vmfs-cli resolves its sibling modules from this reactor
# rather than from ~/.m2, which on a fresh machine holds none of them.)
./build -B -q -DskipTests -Dmaven.source.skip -Dmaven.javadoc.skip package org.apache.maven.plugins:maven-dependency-plugin:3.9.0:list -pl vmfs-cli -am \
  -DincludeScope=runtime -DexcludeGroupIds=org.vmfskit -DoutputFile="$list" -DappendOutput=true >/dev/null \
  || { echo "check-licences: mvn dependency:list failed (run it without -q to see why)" >&2; exit 1; }
count=0
while read -r coordinates; do
  artifact="$(cut -d: -f1,2 <<<"$coordinates")"
  count=$((count + 1))
  if [[ -z "${licence[$artifact]:-}" ]]; then
    echo "check-licences: runtime dependency $coordinates has no licence row in NOTICE" >&2; failed=1
  fi
done < <(grep -oE '^ +[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:jar:[^: ]+(:[^: ]+)?:(compile|runtime)' "$list" | tr -d ' ' | sort -u)
((count)) || { echo "check-licences: dependency:list found no runtime dependencies" >&2; exit 1; }

# 2. What the built jars really contain.
shopt -s nullglob
jars=(*/target/*.jar)
((${#jars[@]})) || { echo "check-licences: no jars under */target (run ./build -B package first)" >&2; exit 1; }
for jar in "${jars[@]}"; do
  while read -r entry; do
    [[ "$entry" =~ ^META-INF/maven/([^/]+)/([^/]+)/pom\.properties$ ]] || continue
    artifact="${BASH_REMATCH[1]}:${BASH_REMATCH[2]}"
    [[ "${BASH_REMATCH[1]}" == org.vmfskit ]] && continue
    if [[ -z "${licence[$artifact]:-}" ]]; then
      echo "check-licences: $jar bundles $artifact, which has no licence row in NOTICE" >&2; failed=1
    fi
  done < <(unzip -Z1 "$jar")
  if unzip -p "$jar" 'META-INF/maven/*/pom.xml' 2>/dev/null \
      | grep -iE '<name>[^<]*(Affero|(^|[^r] )General Public License)' | grep -viq 'Lesser'; then
    echo "check-licences: $jar bundles a pom.xml that declares an AGPL/GPL licence" >&2; failed=1
  fi
done

((failed == 0)) || exit 1
echo "check-licences: OK: $count runtime dependencies and ${#jars[@]} jars, all under licences listed in NOTICE (no AGPL/GPL)"

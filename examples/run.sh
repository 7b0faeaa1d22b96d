#!/usr/bin/env bash
# Builds and tests the examples project against vmfskit as installed artifacts, as a library user
# would: installs the reactor (without its tests) into a private local repository, then runs the
# examples' tests on the module path and on the class path. Nothing goes into ~/.m2.
#   examples/run.sh                 # repository in examples/target/m2
#   M2_REPO=/some/dir examples/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
repo="${M2_REPO:-$here/target/m2}"
mkdir -p "$repo"
# Seed from the user's repository when there is one, so an offline machine can build.
if [ -d "$HOME/.m2/repository" ] && [ ! -e "$repo/.seeded" ]; then
  cp -r "$HOME/.m2/repository/." "$repo/" && touch "$repo/.seeded"
fi
offline=()
if [ -n "${OFFLINE:-}" ]; then offline=(-o); fi
"$root/build" -B -q "${offline[@]}" -f "$root/pom.xml" -Dmaven.repo.local="$repo" -DskipTests install
"$root/build" -B "${offline[@]}" -f "$here/pom.xml" -Dmaven.repo.local="$repo" verify
for reports in "$here/target/surefire-reports" "$here/target/surefire-reports-class-path"; do
  grep -h "Tests run" "$reports"/*.txt
done

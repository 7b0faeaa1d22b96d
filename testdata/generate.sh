#!/usr/bin/env bash
# Regenerates the sample datastore: testdata/sample-datastore.img.gz and the expected hash of
# its recovered disk (testdata/sample-datastore.expected). The recipe is in
# vmfs-cli/src/main/java/org/vmfskit/cli/SampleDatastore.java; the seed is SampleDatastore.SEED.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/vmfs" --version >/dev/null   # builds the CLI jar if needed
source "$root/scripts/find-jdk.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sha=$("$JAVA_HOME/bin/java" -cp "$root/vmfs-cli/target/vmfs.jar" org.vmfskit.cli.SampleDatastore "$work/sample-datastore.img")
gzip -9 -n -c "$work/sample-datastore.img" > "$root/testdata/sample-datastore.img.gz"
cat > "$root/testdata/sample-datastore.expected" <<TXT
# SHA-256 of /payroll-vm's disk just before the mistaken revert (64 MiB, raw): a complete
# recovery's flattened disk (recovered/payroll-vm-000001-recovered-full-flat.vmdk) has it.
$sha  payroll-vm-000001-recovered-full-flat.vmdk
TXT
echo "sample: $(du -h "$root/testdata/sample-datastore.img.gz" | cut -f1) compressed; expected disk SHA-256 $sha"

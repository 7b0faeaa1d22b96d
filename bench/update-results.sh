#!/usr/bin/env bash
# Replaces (or appends) one "## heading" section of bench/RESULTS.md with new text.
# Usage: bench/update-results.sh "## Heading" "full section text starting with the heading"
set -euo pipefail
file="$(cd "$(dirname "$0")" && pwd)/RESULTS.md"
heading="$1"
text="$2"
[[ -f "$file" ]] || printf '# Benchmark results\n\nEach section is written by the script it names; rerun the script to refresh it.\n' > "$file"
python3 - "$file" "$heading" "$text" <<'PY'
import sys, re
path, heading, text = sys.argv[1], sys.argv[2], sys.argv[3].rstrip() + "\n"
content = open(path).read()
parts = re.split(r'(?m)^(?=## )', content)
out, replaced = [], False
for part in parts:
    if part.startswith(heading + "\n") or part.rstrip() == heading:
        out.append(text + "\n"); replaced = True
    else:
        out.append(part)
if not replaced:
    if not out[-1].endswith("\n\n"): out[-1] = out[-1].rstrip("\n") + "\n\n"
    out.append(text)
open(path, "w").write("".join(out).rstrip("\n") + "\n")
PY

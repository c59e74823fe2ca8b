#!/usr/bin/env bash
# The docexport command line on the bundled seed. Run from the project root.
set -euo pipefail
out="${1:-$(mktemp -d)/dataset}"

# All three formats; the summary line goes to stderr.
docexport convert seeds/ --out "$out" --format parquet,jsonl,csv

ls "$out" "$out/data"
# The counts that must add up: inputs = records + duplicates + rejects.
python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counts'])" "$out/manifest.json"

# One record, pretty JSON on stdout (the token list left out to keep it short).
docexport parse seeds/000_6cb851ef0d431e0c.txt --no-tokens | head -n 20

#!/usr/bin/env bash
# The main job end to end on a generated sample: simulate a small world with planted operations
# (written as raw IO-archive CSV files, as an investigator would receive them), then `unmask run`:
# ingest, coordination, forensics, verdicts with evidence, and the offline HTML report; finally
# score the verdicts against the world's truth. Installs what it needs; prints where results are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-demo-output}
rm -rf "$OUT"
mkdir -p "$OUT"
U=.venv/bin/unmask
echo "== 1/3 simulate a small world with known truth (seed 1), as raw IO-archive files"
$U simulate -o "$OUT/world" --profile small --seed 1 --format io-archive
echo "== 2/3 unmask run: ingest → coordination → forensics → verdicts → report"
$U run "$OUT"/world/input/* -o "$OUT/case"
echo "== 3/3 how the verdicts compare with the truth (kept apart from the data)"
$U evaluate "$OUT/case/result" --truth "$OUT/world/truth"
echo
echo "Results:"
echo "  report     $OUT/case/report.html   (open in a browser; works offline)"
echo "  verdicts   $OUT/case/result        (accounts.parquet, clusters.parquet, evidence/, summary.json)"
echo "  dataset    $OUT/case/dataset       (manifest.json, posts/, accounts/, rejects/)"
echo "  truth      $OUT/world/truth"
echo "  one account:  $U explain $OUT/case/result <handle or id>"

#!/usr/bin/env bash
# The main job end to end on a generated sample: simulate a small world with planted operations
# (written as raw IO-archive CSV files, as an investigator would receive them), ingest it, find
# coordination, run forensics on the clusters. Installs what it needs; prints where results are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-demo-output}
rm -rf "$OUT"
mkdir -p "$OUT"
U=.venv/bin/unmask
echo "== 1/5 simulate a small world with known truth (seed 1)"
$U simulate -o "$OUT/world" --profile small --seed 1 --format io-archive
echo "== 2/5 ingest the raw files"
$U ingest "$OUT"/world/input/* -o "$OUT/dataset"
echo "== 3/5 what is in the dataset"
$U info "$OUT/dataset"
echo "== 4/5 coordination signals, significance and clusters"
$U coordinate "$OUT/dataset" -o "$OUT/result"
echo "== 5/5 forensics of the clusters found"
$U forensics "$OUT/dataset" --cluster "$OUT/result/clusters.parquet" -o "$OUT/forensics"
echo
echo "Results:"
echo "  dataset    $OUT/dataset   (manifest.json, posts/, accounts/, rejects/)"
echo "  network    $OUT/result    (edges.parquet, clusters.parquet, graph.gexf, graph.graphml)"
echo "  forensics  $OUT/forensics"
echo "  truth      $OUT/world/truth (kept apart from the data)"

#!/usr/bin/python3
"""Runs ``logowatch eval`` (the service's own pipeline: grid or detector proposals, embedder, catalog
prototypes, matcher) on a dataset for one or more embedders, catalog aggregations and
margins, and summarises each run as the best image-level F1 whose precision reaches a floor,
with the threshold that gives it.

    /usr/bin/python3 training/embedder/evaluate.py --dataset /tmp/dev \
        --model trained=models/logo-embedder --aggregations mean,max --margins 0.05 --out /tmp/eval
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
JAVA = os.environ.get("LOGOWATCH_JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
GRID = (0.15, 0.25, 0.4)


def config_text(model: Path, state: Path, aggregation: str, threshold: float, margin: float,
                grid: tuple[float, ...], stride: float, detector: Path | None = None,
                min_score: float = 0.3, crop_padding: float = 0.2) -> str:
    sizes = ", ".join(str(s) for s in grid)
    models = f"embedder: {model.resolve()}" + (f", detector: {detector.resolve()}" if detector else "")
    if detector:
        proposer = f"proposer: {{kind: detector, min-score: {min_score}, crop-padding: {crop_padding}}}\n"
    else:
        # Every window of every image: eval frames are one stream, and max-proposals
        # below the window count would give each image only a slice of the grid.
        proposer = f"proposer: {{kind: grid, max-proposals: 1024, grid: {{sizes: [{sizes}], stride: {stride}}}}}\n"
    return (f"device: {{id: eval, state-dir: {state}}}\n"
            f"models: {{{models}}}\n"
            "mqtt: {broker: embedded, embedded-port: 0}\n"
            f"catalog: {{aggregation: {aggregation}, threshold: {threshold}, margin: {margin}}}\n"
            + proposer)


def best_at_precision(report: dict, floor: float) -> dict | None:
    ok = [r for r in report["sweep"] if r["precision"] >= floor and r["recall"] > 0]
    return max(ok, key=lambda r: (r["f1"], -r["threshold"])) if ok else None


def run(dataset: Path, name: str, model: Path, aggregation: str, threshold: float, margin: float,
        grid, stride: float, out: Path, jar: Path, detector: Path | None = None, min_score: float = 0.3,
        crop_padding: float = 0.2) -> dict:
    tag = f"{name}-{aggregation}-m{margin:g}" + (f"-det{min_score:g}-pad{crop_padding:g}" if detector else "")
    config = out / f"{tag}.yaml"
    config.write_text(config_text(model, out / f"state-{name}", aggregation, threshold, margin, grid, stride,
                                  detector, min_score, crop_padding))
    report_file = out / f"{tag}.json"
    started = time.monotonic()
    proc = subprocess.run([JAVA, "-jar", str(jar), "eval", str(dataset), "--config", str(config),
                           "--report-json", str(report_file)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"logowatch eval failed for {tag}: {proc.stderr[-2000:]}")
    (out / f"{tag}.txt").write_text(proc.stdout)
    report = json.loads(report_file.read_text())
    return {"model": name, "proposer": f"detector {min_score:g} pad {crop_padding:g}" if detector else "grid",
            "aggregation": aggregation, "margin": margin, "threshold": threshold,
            "at_threshold": report["overall"]["image"], "report": report_file.name,
            "seconds": round(time.monotonic() - started, 1), "images": report["images"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--model", action="append", required=True, metavar="NAME=DIR",
                    help="an embedder folder; repeat to compare")
    ap.add_argument("--aggregations", default="mean,trimmed-mean,max")
    ap.add_argument("--margins", default="0.05")
    ap.add_argument("--threshold", type=float, default=0.75,
                    help="threshold of the configured (non-sweep) figures")
    ap.add_argument("--precision-floor", type=float, default=0.85)
    ap.add_argument("--grid", default=",".join(str(g) for g in GRID), help="grid window sizes")
    ap.add_argument("--stride", type=float, default=0.5)
    ap.add_argument("--detector", type=Path, help="a detector folder: proposals from it instead of the grid")
    ap.add_argument("--min-score", type=float, default=0.3, help="detector score below which boxes are dropped")
    ap.add_argument("--crop-padding", type=float, default=0.2,
                    help="share of a detector box's size added on each side of the crop embedded (default 0.2)")
    ap.add_argument("--out", type=Path, required=True, help="folder for configs, reports and summary.json")
    ap.add_argument("--jar", type=Path, default=REPO / "app" / "target" / "logowatch.jar")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    grid = tuple(float(g) for g in a.grid.split(","))
    rows = []
    summary_file = a.out / "summary.json"
    if summary_file.exists():
        rows = json.loads(summary_file.read_text())["runs"]
    for spec in a.model:
        name, _, folder = spec.partition("=")
        for aggregation in a.aggregations.split(","):
            for margin in (float(m) for m in a.margins.split(",")):
                r = run(a.dataset, name, Path(folder), aggregation, a.threshold, margin, grid, a.stride, a.out, a.jar,
                        a.detector, a.min_score, a.crop_padding)
                report = json.loads((a.out / r["report"]).read_text())
                r["best"] = best_at_precision(report, a.precision_floor)
                rows = [x for x in rows if x["report"] != r["report"]] + [r]
                summary_file.write_text(json.dumps({"dataset": str(a.dataset), "grid": list(grid), "stride": a.stride,
                                                    "precision_floor": a.precision_floor, "runs": rows}, indent=1))
                b = r["best"] or {}
                print(f"{name:10s} {r['proposer']:18s} {aggregation:12s} margin {margin:.2f}: at {a.threshold:.2f} "
                      f"P {r['at_threshold']['precision']:.3f} R {r['at_threshold']['recall']:.3f} "
                      f"F1 {r['at_threshold']['f1']:.3f}; best F1 with P>={a.precision_floor}: "
                      f"{b.get('f1', 0):.3f} (P {b.get('precision', 0):.3f} R {b.get('recall', 0):.3f} "
                      f"at {b.get('threshold', float('nan')):.2f}) [{r['seconds']} s]", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

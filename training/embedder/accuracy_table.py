#!/usr/bin/python3
"""The accuracy table of ``docs/accuracy.md``: for each embedder, catalog aggregation and
margin, ``evaluate.py``'s run (threshold sweep at image level), then a second run at the
threshold that gives the best image-level F1 with precision at or above the floor, for the
box-level figures there (the sweep is image-level only). Prints the table as Markdown.

    /usr/bin/python3 training/embedder/accuracy_table.py --dataset /tmp/dev --out /tmp/eval \
        --baseline --model trained=models/logo-embedder \
        --aggregations mean,trimmed-mean,max --margins 0,0.05

Runs whose report is already in ``--out`` are not repeated, so an interrupted table resumes.
``--baseline`` adds the ImageNet MobileNetV3-Small features read from
``../shared/models/`` (never copied: the model folder written under ``--out`` links to it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedder import evaluate  # noqa: E402

SHARED_ONNX = evaluate.REPO.parent / "shared" / "models" / "mobilenet_v3_small_imagenet_features.onnx"
SHARED_SHA256 = "f4288158ae24fa8f3b78ee1b3c74cb7b73d98674bdea5a693d103ab742d39a98"
SWEEP_AT = 0.75  # the configured threshold of the sweep run; the service's default


def baseline_model(out: Path) -> Path:
    """A model folder for the ImageNet features: 224x224 letterbox, 576-d average-pool output."""
    if not SHARED_ONNX.is_file():
        raise SystemExit(f"accuracy_table: --baseline needs {SHARED_ONNX} (see ../shared/models/README.md)")
    folder = out / "imagenet-model"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "model.onnx"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(SHARED_ONNX)
    manifest = {
        "name": "mobilenet-v3-small-imagenet", "task": "embed", "file": "model.onnx", "sha256": SHARED_SHA256,
        "input": {"name": "input", "layout": "NCHW", "size": [224, 224], "color": "RGB",
                  "scale": 1 / 255, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                  "resize": "letterbox", "pad": [124, 116, 104]},
        "output": {"kind": "embedding", "name": "mean_9", "dim": 576},
        "license": "BSD-3-Clause (torchvision ImageNet weights); a baseline for comparison, not shipped",
    }
    (folder / "model.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return folder


def run(a, name: str, model: Path, aggregation: str, threshold: float, margin: float, grid, out: Path) -> dict:
    """``evaluate.run``, or the report a previous, interrupted invocation already wrote there."""
    tag = f"{name}-{aggregation}-m{margin:g}" + (f"-det{a.min_score:g}" if a.detector else "")
    report = out / f"{tag}.json"
    if report.is_file():
        done = json.loads(report.read_text())
        if done.get("images"):
            return {"report": report.name, "seconds": done["seconds"], "images": done["images"]}
    return evaluate.run(a.dataset, name, model, aggregation, threshold, margin, grid, a.stride, out, a.jar,
                        a.detector, a.min_score)


def figures(counts: dict | None) -> str:
    if not counts:
        return "– | – | –"
    return f"{counts['precision']:.3f} | {counts['recall']:.3f} | {counts['f1']:.3f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--model", action="append", default=[], metavar="NAME=DIR")
    ap.add_argument("--baseline", action="store_true", help="add the shared ImageNet features as 'imagenet'")
    ap.add_argument("--aggregations", default="mean,trimmed-mean,max")
    ap.add_argument("--margins", default="0,0.05")
    ap.add_argument("--precision-floor", type=float, default=0.85)
    ap.add_argument("--grid", default=",".join(str(g) for g in evaluate.GRID))
    ap.add_argument("--stride", type=float, default=0.5)
    ap.add_argument("--detector", type=Path, help="a detector folder: its proposals instead of the grid's")
    ap.add_argument("--min-score", type=float, default=0.3, help="detector score below which boxes are dropped")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--jar", type=Path, default=evaluate.REPO / "app" / "target" / "logowatch.jar")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    if a.detector and a.baseline:
        ap.error("--baseline compares embedders on grid proposals; leave out --detector")
    models = [tuple(spec.split("=", 1)) for spec in a.model]
    if a.baseline:
        models.append(("imagenet", str(baseline_model(a.out))))
    if not models:
        ap.error("no embedder: give --model NAME=DIR and/or --baseline")
    grid = tuple(float(g) for g in a.grid.split(","))
    (a.out / "sweep").mkdir(exist_ok=True)
    rows = []
    for name, folder in models:
        for aggregation in a.aggregations.split(","):
            for margin in (float(m) for m in a.margins.split(",")):
                sweep = run(a, name, Path(folder), aggregation, SWEEP_AT, margin, grid, a.out / "sweep")
                report = json.loads((a.out / "sweep" / sweep["report"]).read_text())
                best = evaluate.best_at_precision(report, a.precision_floor)
                row = {"model": name, "proposer": f"detector {a.min_score:g}" if a.detector else "grid",
                       "aggregation": aggregation, "margin": margin, "best": best,
                       "sweep_seconds": sweep["seconds"], "images": sweep["images"]}
                if best:
                    full = report
                    if abs(best["threshold"] - SWEEP_AT) > 1e-9:
                        # The sweep does not depend on the configured threshold; the box figures do.
                        at = a.out / f"at-{best['threshold']:.2f}"
                        at.mkdir(exist_ok=True)
                        again = run(a, name, Path(folder), aggregation, best["threshold"], margin, grid, at)
                        full = json.loads((at / again["report"]).read_text())
                    row["image"] = full["overall"]["image"]
                    row["box"] = full["overall"].get("box")
                rows.append(row)
                (a.out / "table.json").write_text(json.dumps(
                    {"dataset": str(a.dataset), "grid": list(grid), "stride": a.stride,
                     "precision_floor": a.precision_floor, "rows": rows}, indent=1) + "\n")
                print(f"{name} {row['proposer']} {aggregation} margin {margin:g}: "
                      + (f"threshold {best['threshold']:.2f} image {figures(row['image'])} box {figures(row['box'])}"
                         if best else f"no threshold reaches precision {a.precision_floor}")
                      + f" [{sweep['seconds']:.0f} s]", flush=True)
    print()
    print("| embedder | proposals | aggregation | margin | threshold | image P | image R | image F1 "
          "| box P | box R | box F1 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t = f"{r['best']['threshold']:.2f}" if r["best"] else "–"
        print(f"| {r['model']} | {r['proposer']} | {r['aggregation']} | {r['margin']:g} | {t} | "
              f"{figures(r.get('image'))} | {figures(r.get('box'))} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

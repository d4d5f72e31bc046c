#!/usr/bin/python3
"""Exports trained detector weights (``train.py``'s final.pt) to ONNX in the DETR output
convention and writes the model folder the service loads: model.onnx and model.json
(preprocessing, sha256 of the file, licence and provenance).

    /usr/bin/python3 training/detector/export.py --weights RUN/final.pt --out models/logo-detector
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import onnx  # noqa: E402
import torch  # noqa: E402

from detector.model import HEIGHT, TOP_K, WIDTH, Exported, LogoDetector  # noqa: E402
from embedder.preprocess import MEAN, PAD, SCALE, STD  # noqa: E402

NAME = "logo-detector-v3"
OPSET = 17

LICENSE = ("BSD-3-Clause. Weights derived from torchvision's ImageNet weights for MobileNetV3-Small "
           "(BSD-3-Clause), trained by this project's training/detector on brand marks from the npm "
           "package simple-icons (CC0-1.0 entries only) composited onto Debian opencv-doc sample "
           "footage and photos (Apache-2.0 AND BSD-3-Clause).")


def trained_on(frames: dict) -> str:
    if "sets" in frames:
        return " and ".join(trained_on(f) for f in frames["sets"])
    if "simple_icons" in frames:
        return f"{frames['count']} synthetic frames of simple-icons {frames['simple_icons']} training-split brands"
    groups = frames.get("train_groups") or []
    if len(groups) > 12:
        # Photo-level groups (one per LogoDet photo): the marks they show say more than the list.
        marks = sorted({g.split("_")[0] for g in groups})
        which = f"{len(groups)} photo groups of {len(marks)} marks ({', '.join(marks)})"
    elif groups:
        which = f"groups {', '.join(groups)}"
    else:
        which = f"brands {', '.join(frames.get('train_brands', []))}"
    return (f"{frames['count']} real photos of {frames.get('source')} @ {frames.get('commit')}, {which} "
            "(realdata/detector_frames.py)")


def licence(frames: dict) -> str:
    sets = frames.get("sets", [frames])
    real = sorted({f["source"] for f in sets if "source" in f})
    if not real:
        return LICENSE
    return (LICENSE + " Also trained on real photos of " + ", ".join(real) + " (data cards: "
            "training/realdata/README.md); those photos' own rights are unknown, so they are used for "
            "training only and never redistributed.")


def portable(init: str) -> str:
    """An init naming an earlier run by its cache path, shortened to the run folder and file."""
    return re.sub(r"/\S*/(run-[^/\s]+/[^/\s]+\.pt)", r"\1", init)


def manifest(data: bytes, summary: dict, width: int, height: int) -> dict:
    frames = summary["frames"]
    return {
        "name": NAME, "task": "detect", "file": "model.onnx", "sha256": hashlib.sha256(data).hexdigest(),
        "input": {"name": "input", "layout": "NCHW", "size": [height, width], "color": "RGB", "scale": SCALE,
                  "mean": list(MEAN), "std": list(STD), "resize": "letterbox", "pad": list(PAD)},
        "output": {"kind": "detr", "names": ["logits", "pred_boxes"], "dim": 2},
        "license": licence(frames),
        "trained_from": (f"{portable(summary['init'])}; the ImageNet copy was saved by a third party (see "
                         f"../shared/models/README.md). Trained {summary['steps']} steps "
                         f"({summary['train_minutes']} min on 2 CPU cores, seed {summary['settings']['seed']}) "
                         f"as a one-class CenterNet on {trained_on(frames)}; the top {TOP_K} heatmap peaks are "
                         "emitted as DETR queries inside the graph; see MODEL_CARD.md."),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", type=Path, required=True, help="final.pt written by train.py")
    ap.add_argument("--out", type=Path, required=True, help="model folder to write")
    ap.add_argument("--input", default=f"{WIDTH}x{HEIGHT}",
                    help=f"input WxH, multiples of 32 (default {WIDTH}x{HEIGHT}, the scale of training; 960x544 "
                         "finds more marks under 24 px but fewer large ones, and recognises fewer brands "
                         "end to end: docs/accuracy.md)")
    a = ap.parse_args(argv)
    width, height = (int(v) for v in a.input.lower().split("x"))
    if width % 32 or height % 32:
        ap.error("--input sides must be multiples of 32")
    saved = torch.load(a.weights, map_location="cpu")
    detector = LogoDetector()
    detector.load_state_dict(saved["model"])
    model = Exported(detector).eval()
    a.out.mkdir(parents=True, exist_ok=True)
    onnx_file = a.out / "model.onnx"
    dummy = torch.zeros(2, 3, height, width)
    torch.onnx.export(model, dummy, str(onnx_file), input_names=["input"], output_names=["logits", "pred_boxes"],
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"},
                                    "pred_boxes": {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(onnx_file)))
    data = onnx_file.read_bytes()
    (a.out / "model.json").write_text(json.dumps(manifest(data, saved["summary"], width, height), indent=2) + "\n")
    print(f"export: {onnx_file} ({len(data) / 1e6:.1f} MB, opset {OPSET}), {a.out / 'model.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

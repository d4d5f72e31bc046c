#!/usr/bin/python3
"""Exports trained weights (``train.py``'s final.pt) to ONNX and writes the model folder the
service loads: model.onnx and model.json (preprocessing from ``preprocess.py``, sha256 of the
file, licence and provenance).

    /usr/bin/python3 training/embedder/export.py --weights RUN/final.pt --out models/logo-embedder
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import onnx  # noqa: E402
import torch  # noqa: E402

from embedder.model import DIM, LogoEmbedder  # noqa: E402
from embedder.preprocess import SIZE, manifest_input  # noqa: E402

NAME = "logo-embedder-v1"
NAME_REAL = "logo-embedder-v2"  # trained with real photo crops (train.py --real-views)
OPSET = 17

LICENSE = ("BSD-3-Clause. Weights derived from torchvision's ImageNet weights for MobileNetV3-Small "
           "(BSD-3-Clause), fine-tuned by this project's training/embedder on brand marks from the npm "
           "package simple-icons (CC0-1.0 entries only) composited onto Debian opencv-doc sample "
           "footage and photos (Apache-2.0 AND BSD-3-Clause).")
LICENSE_REAL = (" Also trained on crops of real photos from public repositories whose own rights are unknown "
                "(used for training only, never redistributed): Zhe-cz/logo-detection-project (repository "
                "MIT) and jordane95/yologo-dataset (repository GPL-3.0).")


def trained_from(summary: dict) -> str:
    views = summary["views"]
    return (f"{summary['init']}; the ImageNet copy was saved by a third party (see "
            f"../shared/models/README.md). Fine-tuned {summary['steps']} steps "
            f"({summary['train_minutes']} min on 2 CPU cores, seed {summary['settings']['seed']}) with a "
            f"supervised contrastive loss on {views['count']} rendered views of {views['train_brands']} "
            f"simple-icons {views['simple_icons']} training-split brands" + real_from(summary) + "; see MODEL_CARD.md.")


def real_from(summary: dict) -> str:
    real = summary.get("real_views")
    if not real:
        return ""
    src = real["sources"]
    marks = ("no brand marks (real backgrounds only)" if summary["settings"].get("real_per_brand") == 0 else
             f"marks of {len(real['brands'])} sportswear brands ({', '.join(real['brands'])})")
    return (f", and {real['count']} crops of real photos: {marks} (Zhe-cz/logo-detection-project @ "
            f"{src['sportswear'][:7]}) and background crops of facade photos (jordane95/yologo-dataset @ {src['yologo'][:7]}, groups "
            f"1, 2, 4, 5); never the open dev brands ({', '.join(real['never_read']['brands'])}) nor yologo "
            f"groups {', '.join(real['never_read']['yologo_groups'])}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", type=Path, required=True, help="final.pt written by train.py")
    ap.add_argument("--out", type=Path, required=True, help="model folder to write")
    a = ap.parse_args(argv)
    saved = torch.load(a.weights, map_location="cpu")
    model = LogoEmbedder()
    model.load_state_dict(saved["model"])
    model.eval()
    a.out.mkdir(parents=True, exist_ok=True)
    onnx_file = a.out / "model.onnx"
    dummy = torch.zeros(2, 3, SIZE, SIZE)
    torch.onnx.export(model, dummy, str(onnx_file), input_names=["input"], output_names=["embedding"],
                      dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=OPSET,
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(onnx_file)))
    data = onnx_file.read_bytes()
    manifest = {
        "name": NAME_REAL if "real_views" in saved["summary"] else NAME, "task": "embed", "file": "model.onnx", "sha256": hashlib.sha256(data).hexdigest(),
        "input": manifest_input(),
        "output": {"kind": "embedding", "name": "embedding", "dim": DIM},
        "license": LICENSE + (LICENSE_REAL if "real_views" in saved["summary"] else ""),
        "trained_from": trained_from(saved["summary"]),
    }
    (a.out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"export: {onnx_file} ({len(data) / 1e6:.1f} MB, opset {OPSET}), {a.out / 'model.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

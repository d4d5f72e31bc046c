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
OPSET = 17

LICENSE = ("BSD-3-Clause. Weights derived from torchvision's ImageNet weights for MobileNetV3-Small "
           "(BSD-3-Clause), fine-tuned by this project's training/embedder on brand marks from the npm "
           "package simple-icons (CC0-1.0 entries only) composited onto Debian opencv-doc sample "
           "footage and photos (Apache-2.0 AND BSD-3-Clause).")


def trained_from(summary: dict) -> str:
    views = summary["views"]
    return (f"{summary['init']}; the ImageNet copy was saved by a third party (see "
            f"../shared/models/README.md). Fine-tuned {summary['steps']} steps "
            f"({summary['train_minutes']} min on 2 CPU cores, seed {summary['settings']['seed']}) with a "
            f"supervised contrastive loss on {views['count']} rendered views of {views['train_brands']} "
            f"simple-icons {views['simple_icons']} training-split brands; see MODEL_CARD.md.")


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
        "name": NAME, "task": "embed", "file": "model.onnx", "sha256": hashlib.sha256(data).hexdigest(),
        "input": manifest_input(),
        "output": {"kind": "embedding", "name": "embedding", "dim": DIM},
        "license": LICENSE,
        "trained_from": trained_from(saved["summary"]),
    }
    (a.out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"export: {onnx_file} ({len(data) / 1e6:.1f} MB, opset {OPSET}), {a.out / 'model.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

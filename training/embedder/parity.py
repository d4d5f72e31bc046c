#!/usr/bin/python3
"""Checks that the Java engine, reading model.json, feeds the model exactly what training
fed it: embeds a few images of varied shape (square renders, a wide banner, a tall strip, a
video frame) once with ``logowatch eval`` (its reference-embedding cache) and once with this
package's preprocessing and the PyTorch weights, and compares the vectors.

    /usr/bin/python3 training/embedder/parity.py --model models/logo-embedder --weights RUN/final.pt \
        --dataset /tmp/dev
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from embedder.model import LogoEmbedder  # noqa: E402
from embedder.preprocess import letterbox, normalise, on_white  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
JAVA = os.environ.get("LOGOWATCH_JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")


def read_cache(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    magic, fmt = struct.unpack(">ii", raw[:8])
    assert magic == 0x4C575245 and fmt == 1, "not an embedding cache"
    n = struct.unpack(">H", raw[8:10])[0]
    pos = 10 + n
    dim, count = struct.unpack(">ii", raw[pos:pos + 8])
    pos += 8
    out = {}
    for _ in range(count):
        key = raw[pos:pos + 32].hex()
        out[key] = np.frombuffer(raw[pos + 32:pos + 32 + 4 * dim], ">f4").astype(np.float32)
        pos += 32 + 4 * dim
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="model folder (model.json, model.onnx)")
    ap.add_argument("--weights", type=Path, required=True, help="the final.pt it was exported from")
    ap.add_argument("--dataset", type=Path, required=True, help="an eval dataset to take images from")
    ap.add_argument("--jar", type=Path, default=REPO / "app" / "target" / "logowatch.jar")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="logowatch-parity-") as tmp:
        tmp = Path(tmp)
        files = []
        refs = sorted((a.dataset / "catalog").glob("*/*.png"))[:4]
        frame = sorted((a.dataset / "images").glob("*.jpg"))[0]
        big = Image.open(frame).convert("RGB")
        folder = tmp / "data" / "catalog" / "parity"
        folder.mkdir(parents=True)
        for i, r in enumerate(refs):
            files.append(folder / f"ref{i}.png")
            shutil.copy(r, files[-1])
        for name, box in (("banner.png", (100, 200, 460, 290)), ("strip.png", (600, 50, 650, 400))):
            big.crop(box).save(folder / name)
            files.append(folder / name)
        files.append(folder / "frame.jpg")
        shutil.copy(frame, files[-1])
        (tmp / "data" / "images").mkdir()
        shutil.copy(frame, tmp / "data" / "images" / "a.jpg")
        (tmp / "data" / "labels.jsonl").write_text(json.dumps({"image": "images/a.jpg", "brands": []}) + "\n")
        config = tmp / "config.yaml"
        config.write_text(f"device: {{id: parity, state-dir: {tmp / 'state'}}}\n"
                          f"models: {{embedder: {a.model.resolve()}}}\n"
                          "mqtt: {broker: embedded, embedded-port: 0}\n"
                          "proposer: {kind: grid, max-proposals: 4, grid: {sizes: [0.9], stride: 1.0}}\n")
        subprocess.run([JAVA, "-jar", str(a.jar), "eval", str(tmp / "data"), "--config", str(config)],
                       check=True, capture_output=True, timeout=600)
        cache = read_cache(next((tmp / "state" / "embedding-cache").glob("embeddings-*.bin")))
        model = LogoEmbedder()
        model.load_state_dict(torch.load(a.weights, map_location="cpu")["model"])
        model.eval()
        worst = 1.0
        for f in files:
            java = cache[hashlib.sha256(f.read_bytes()).hexdigest()]
            java = java / np.linalg.norm(java)
            with torch.no_grad():
                py = model(normalise(letterbox(on_white(Image.open(f)))[None]))[0].numpy()
            cos = float(java @ py)
            worst = min(worst, cos)
            print(f"parity: {f.name:12s} {Image.open(f).size} cosine(java, python) {cos:.5f}")
    ok = worst > 0.995
    print(f"parity: {'OK' if ok else 'MISMATCH'} (lowest cosine {worst:.5f})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Box recall and precision of the detector on an eval dataset (``make_dataset.py`` /
``embedder/devset.py`` format), by mark size, from the PyTorch weights or through the same
decoding as the exported graph. Every mark counts, catalog brands and look-alike decoys alike
(the detector has one class); recall is reported for marks whose long side is at least
24 px in the dataset's frames, and in size bands.

    /usr/bin/python3 training/detector/evaluate.py --weights RUN/final.pt --dataset /tmp/dev
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from detector.model import HEIGHT, WIDTH, LogoDetector, decode  # noqa: E402
from detector.train import match_counts  # noqa: E402
from embedder.preprocess import PAD, normalise  # noqa: E402

BANDS = ((0, 24), (24, 48), (48, 96), (96, 10_000))


def letterbox(image: Image.Image, width: int = WIDTH, height: int = HEIGHT) -> tuple[np.ndarray, float, int, int]:
    w, h = image.size
    s = min(width / w, height / h)
    cw, ch = max(1, int(w * s + 0.5)), max(1, int(h * s + 0.5))
    left, top = (width - cw) // 2, (height - ch) // 2
    canvas = Image.new("RGB", (width, height), PAD)
    canvas.paste(image.convert("RGB").resize((cw, ch), Image.BILINEAR), (left, top))
    return np.asarray(canvas, np.uint8), s, left, top


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", type=Path, required=True)
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--scores", default="0.2,0.3,0.4,0.5", help="score thresholds to report")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--input", default=f"{WIDTH}x{HEIGHT}",
                    help=f"model input WxH, multiples of 32 (default {WIDTH}x{HEIGHT}, what export.py writes)")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    model = LogoDetector()
    model.load_state_dict(torch.load(a.weights, map_location="cpu")["model"])
    model.eval()
    decoys = {}
    if (a.dataset / "decoys.jsonl").exists():
        for line in (a.dataset / "decoys.jsonl").read_text().splitlines():
            d = json.loads(line)
            decoys[d["image"]] = [b["box"] for b in d["boxes"]]
    items = [json.loads(line) for line in (a.dataset / "labels.jsonl").read_text().splitlines() if line.strip()]
    thresholds = [float(s) for s in a.scores.split(",")]
    width, height = (int(v) for v in a.input.lower().split("x"))
    totals = {t: {"found": np.zeros(len(BANDS), int), "count": np.zeros(len(BANDS), int), "true": 0, "pred": 0,
                  "found24": 0, "count24": 0} for t in thresholds}
    with torch.no_grad():
        for item in items:
            image = Image.open(a.dataset / item["image"])
            arr, s, left, top = letterbox(image, width, height)
            truth = np.array([b["box"] for b in item["boxes"]] + decoys.get(item["image"], []), np.float32).reshape(-1, 4)
            scores, boxes = decode(*model(normalise(arr[None])))
            scores, boxes = scores[0].numpy(), boxes[0].numpy()
            b = boxes * [width, height, width, height]
            xyxy = np.stack([(b[:, 0] - b[:, 2] / 2 - left) / s, (b[:, 1] - b[:, 3] / 2 - top) / s,
                             (b[:, 0] + b[:, 2] / 2 - left) / s, (b[:, 1] + b[:, 3] / 2 - top) / s], 1)
            long = np.maximum(truth[:, 2] - truth[:, 0], truth[:, 3] - truth[:, 1]) if len(truth) else np.zeros(0)
            for t in thresholds:
                keep = xyxy[scores >= t]
                tot = totals[t]
                f, c, tp, p = match_counts(keep, truth, 24)
                tot["found24"] += f
                tot["count24"] += c
                tot["true"] += tp
                tot["pred"] += p
                for k, (lo, hi) in enumerate(BANDS):
                    sel = (long >= lo) & (long < hi)
                    if sel.any():
                        f, c, _, _ = match_counts(keep, truth[sel], 0)
                        tot["found"][k] += f
                        tot["count"][k] += c
    report = {"dataset": str(a.dataset), "images": len(items), "input": [width, height], "iou": 0.5, "by_score": []}
    for t in thresholds:
        tot = totals[t]
        report["by_score"].append({
            "min_score": t,
            "recall_ge24px": round(tot["found24"] / max(1, tot["count24"]), 4),
            "precision": round(tot["true"] / max(1, tot["pred"]), 4),
            "boxes_per_image": round(tot["pred"] / max(1, len(items)), 2),
            "recall_by_size": {f"{lo}-{hi if hi < 10_000 else ''}px": round(int(f) / max(1, int(c)), 4)
                               for (lo, hi), f, c in zip(BANDS, tot["found"], tot["count"])},
            "marks_by_size": {f"{lo}-{hi if hi < 10_000 else ''}px": int(c) for (lo, hi), c in zip(BANDS, tot["count"])},
        })
    text = json.dumps(report, indent=1)
    print(text)
    if a.json:
        a.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

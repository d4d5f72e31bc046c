#!/usr/bin/python3
"""Renders the detector's training frames once, before training: synthetic venue frames of
1280x720 (``synth.SampleGenerator``) scaled to the detector's 640x360 the way the engine
scales a camera frame, with the box of every mark in them, look-alike decoys included (the
detector has one class, "logo"; which brand is the embedder's business).

    /usr/bin/python3 training/detector/prerender.py --out ~/.cache/logowatch/detector/frames

Writes ``frames.u8`` (N x 360 x 640 x 3 uint8), ``boxes.npz`` (all boxes as x1, y1, x2, y2
in 640x360 pixels, and each frame's first box index) and ``frames.json`` (what it was made
from). Brands are the "train" split of ``synth`` and backgrounds the "train" sources of
``embedder.backgrounds_split``: held-out brands and backgrounds stay unseen for the dev set.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from synth import backgrounds as bgs  # noqa: E402
from synth.compose import SampleGenerator, SynthParams  # noqa: E402
from synth.icons import IconSet  # noqa: E402
from synth.select import pick_brands  # noqa: E402

from embedder import backgrounds_split  # noqa: E402

SOURCE = (1280, 720)   # rendered like a venue camera frame
WIDTH, HEIGHT = 640, 360  # then scaled to what the detector sees
CHUNK = 250            # frames drawn from one set of brands
BRANDS_PER_CHUNK = 120

_state: dict = {}


def _chunk(chunk: int) -> list[tuple[np.ndarray, np.ndarray]]:
    icons, seed = _state["icons"], _state["seed"]
    rng = np.random.default_rng([seed, 11, chunk])
    brands = pick_brands(icons, "train", BRANDS_PER_CHUNK, rng)
    # More marks per frame than the eval sets: boxes are what the detector learns from.
    params = SynthParams(size=SOURCE, negatives=0.08, max_brands=5, decoy_rate=0.0)
    generator = SampleGenerator(icons, brands, (), _state["backgrounds"], params, seed * 1000 + chunk)
    out = []
    sx, sy = WIDTH / SOURCE[0], HEIGHT / SOURCE[1]
    for i in range(CHUNK):
        s = generator.sample(i)
        small = Image.fromarray(s.image).resize((WIDTH, HEIGHT), Image.BILINEAR, reducing_gap=None)
        boxes = np.array([[o.box[0] * sx, o.box[1] * sy, o.box[2] * sx, o.box[3] * sy] for o in s.objects],
                         np.float32).reshape(-1, 4)
        out.append((np.asarray(small, np.uint8), boxes))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--frames", type=int, default=4500, help="frames to render (default 4500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--icons", help="unpacked simple-icons folder (default: the cache training/setup.sh fills)")
    a = ap.parse_args(argv)
    out: Path = a.out
    if (out / "frames.json").exists():
        print(f"prerender: {out} is complete already; delete it to render again")
        return 0
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    _state.update(icons=IconSet(a.icons), seed=a.seed, backgrounds=backgrounds_split.pool("train"))
    chunks = range((a.frames + CHUNK - 1) // CHUNK)
    all_boxes, first = [], []
    count = 0
    tmp = out / "frames.u8.part"
    with open(tmp, "wb") as data, multiprocessing.get_context("fork").Pool(a.workers) as workers:
        for done, frames in enumerate(workers.imap(_chunk, chunks), 1):
            for image, boxes in frames:
                data.write(np.ascontiguousarray(image).tobytes())
                first.append(sum(len(b) for b in all_boxes))
                all_boxes.append(boxes)
                count += 1
            print(f"prerender: {count} frames, {sum(len(b) for b in all_boxes)} boxes, "
                  f"{time.monotonic() - started:.0f} s", flush=True)
    tmp.rename(out / "frames.u8")
    np.savez(out / "boxes.npz", boxes=np.concatenate(all_boxes), first=np.array(first + [sum(map(len, all_boxes))]))
    info = {
        "count": count, "size": [WIDTH, HEIGHT], "rendered_at": list(SOURCE), "seed": a.seed,
        "brands_per_chunk": BRANDS_PER_CHUNK, "frames_per_chunk": CHUNK,
        "simple_icons": _state["icons"].version,
        "backgrounds": {"package": "Debian opencv-doc", "license": bgs.LICENSE,
                        "files": [p for p, _ in backgrounds_split.sources("train")]},
        "seconds": round(time.monotonic() - started),
    }
    (out / "frames.json").write_text(json.dumps(info, indent=1) + "\n")  # last: marks a complete render
    print(f"prerender: {count} frames in {info['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

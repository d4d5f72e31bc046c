#!/usr/bin/python3
"""Writes a labelled dataset in the ``logowatch eval`` format:

    <out>/catalog/<brand>/{color_on_white,white_on_color,mono}.png, brand.json
    <out>/images/000000.jpg ...
    <out>/labels.jsonl      {"image", "brands", "boxes": [{"brand", "box"}], "exhaustive": true}
    <out>/decoys.jsonl      where the look-alike decoys are (not catalog brands, not labelled)
    <out>/dataset.json      what it was made from and with which options

Run with Debian's python3 (numpy, Pillow) after training/setup.sh, for example:

    /usr/bin/python3 training/synth/make_dataset.py --out /tmp/dev --images 200
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the synth package importable
    sys.dont_write_bytecode = True  # and keep __pycache__ out of the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from synth import backgrounds as bgs  # noqa: E402
from synth.compose import SampleGenerator, SynthParams  # noqa: E402
from synth.icons import IconSet  # noqa: E402
from synth.select import SPLITS, pick_brands, pick_decoys  # noqa: E402
from synth.styles import REFERENCE_STYLES, reference_image  # noqa: E402

_generator: SampleGenerator | None = None  # shared with forked workers


def _render(args: tuple[int, int]) -> tuple[int, bytes, list, list]:
    index, quality = args
    s = _generator.sample(index)
    buf = io.BytesIO()
    Image.fromarray(s.image).save(buf, "JPEG", quality=quality)
    boxes = [{"brand": o.brand, "box": list(o.box)} for o in s.objects if not o.decoy]
    decoys = [{"brand": o.brand, "box": list(o.box)} for o in s.objects if o.decoy]
    return index, buf.getvalue(), boxes, decoys


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size '{text}' is not WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (64 <= w <= 4096 and 64 <= h <= 4096):
        raise argparse.ArgumentTypeError(f"size '{text}' outside 64..4096 pixels")
    return w, h


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path, help="output folder (replaced if it holds a dataset)")
    ap.add_argument("--brands", type=int, default=20, help="number of catalog brands (default 20)")
    ap.add_argument("--brand-list", help="comma-separated simple-icons slugs instead of a drawn set")
    ap.add_argument("--split", choices=SPLITS, default="heldout",
                    help="draw brands (and decoys) from this split of simple-icons slugs (default heldout, "
                         "which training never uses)")
    ap.add_argument("--images", type=int, default=200, help="number of test images (default 200)")
    ap.add_argument("--negatives", type=float, default=0.15,
                    help="share of clean frames with no catalog brand (default 0.15)")
    ap.add_argument("--decoys", type=int, default=4,
                    help="look-alike brands outside the catalog shown unlabelled (default 4, 0 = none)")
    ap.add_argument("--references", type=int, choices=(2, 3), default=3,
                    help="reference renders per brand (default 3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=parse_size, default=(1280, 720), help="image size WxH (default 1280x720)")
    ap.add_argument("--quality", type=int, default=90, help="JPEG quality of the images (default 90)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--icons", help="unpacked simple-icons folder (default: the cache training/setup.sh fills)")
    ap.add_argument("--opencv-doc", type=Path, default=bgs.OPENCV_DOC, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if not 0 <= a.negatives <= 1:
        ap.error("--negatives must be within 0..1")
    if a.images < 1 or a.brands < 1:
        ap.error("--images and --brands must be at least 1")

    started = time.monotonic()
    icons = IconSet(a.icons)
    rng = np.random.default_rng([a.seed, 7])
    if a.brand_list:
        brands = [s.strip() for s in a.brand_list.split(",") if s.strip()]
        for slug in brands:
            icons[slug]  # fails early, naming the missing slug
    else:
        brands = pick_brands(icons, a.split, a.brands, rng)
    decoys = pick_decoys(icons, brands, a.split, a.decoys, rng)

    out: Path = a.out
    if out.exists():
        if any(out.iterdir()) and not (out / "labels.jsonl").exists():
            ap.error(f"{out} exists, is not empty and holds no dataset; not replacing it")
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    styles = REFERENCE_STYLES[:a.references]
    for slug in brands:
        d = out / "catalog" / slug
        d.mkdir(parents=True)
        for style in styles:
            reference_image(icons.mask(slug), icons[slug], style).save(d / f"{style}.png", optimize=True)
        (d / "brand.json").write_text(json.dumps({"display_name": icons[slug].title}) + "\n")

    global _generator
    params = SynthParams(size=a.size, negatives=a.negatives)
    pool = bgs.BackgroundPool(a.opencv_doc)
    _generator = SampleGenerator(icons, brands, decoys, pool, params, a.seed)
    jobs = [(i, a.quality) for i in range(a.images)]
    results = {}
    if a.workers > 1:
        with multiprocessing.get_context("fork").Pool(a.workers) as workers:
            for r in workers.imap_unordered(_render, jobs, chunksize=4):
                results[r[0]] = r
    else:
        for job in jobs:
            r = _render(job)
            results[r[0]] = r

    with open(out / "labels.jsonl", "w") as labels, open(out / "decoys.jsonl", "w") as decoy_file:
        for i in range(a.images):
            _, jpg, boxes, decoy_boxes = results[i]
            name = f"images/{i:06d}.jpg"
            (out / name).write_bytes(jpg)
            present = sorted({b["brand"] for b in boxes})
            labels.write(json.dumps({"image": name, "brands": present, "boxes": boxes,
                                     "exhaustive": True}) + "\n")
            if decoy_boxes:
                decoy_file.write(json.dumps({"image": name, "boxes": decoy_boxes}) + "\n")

    positives = sum(1 for r in results.values() if r[2])
    info = {
        "generator": "training/synth/make_dataset.py",
        "seed": a.seed, "size": list(a.size), "images": a.images, "negatives": a.negatives,
        "split": "list" if a.brand_list else a.split,
        "brands": {s: icons[s].title for s in brands},
        "decoys": {s: icons[s].title for s in decoys},
        "reference_styles": list(styles),
        "sources": {
            "brand_marks": f"npm simple-icons {icons.version} (CC0-1.0; icons with their own "
                           "non-CC0 licence entry are excluded)",
            "backgrounds": {"package": "Debian opencv-doc", "license": bgs.LICENSE, "files": pool.files},
        },
        "seconds": round(time.monotonic() - started, 1),
    }
    (out / "dataset.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"make_dataset: wrote {a.images} images ({positives} with catalog brands) for "
          f"{len(brands)} brands and {len(decoys)} decoys to {out} in {info['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

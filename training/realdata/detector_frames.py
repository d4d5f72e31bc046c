#!/usr/bin/python3
"""Turns the real street-photo set (``yologo.py``) into detector training frames, keeping
whole photo groups out for measuring.

The set's photos come in six groups by the image search that found them (``1_google_*`` to
``6_google_*``: facades of one kind each); photos within a group repeat shops, angles and
watermarks, so the split is by group, never by photo. Groups in ``--dev-groups`` are not
written as frames; their labels go to ``OUT/dev/labels.jsonl`` (images linked, not copied)
for ``logowatch eval --proposals``. The rest become frames in ``prerender.py``'s format,
so ``detector/train.py --frames OUT/frames`` trains on them as it does on synthetic ones:

    OUT/frames/frames.u8    N x 360 x 640 x 3 uint8, each photo fitted inside and padded
    OUT/frames/boxes.npz    boxes (x1, y1, x2, y2 in 640x360 pixels) and each frame's first box
    OUT/frames/frames.json  count, size, source and split (written last: a complete set)

Usage: detector_frames.py --set ~/.cache/logowatch/real/yologo-proposals --out ~/.cache/logowatch/real/yologo-detector
       detector_frames.py --set ~/.cache/logowatch/real/sportswear --out ~/.cache/logowatch/real/sportswear-detector \
           --dev-brands adidas,lining,newbalance,nike,puma
"""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from embedder.preprocess import PAD  # noqa: E402

WIDTH, HEIGHT = 640, 360
MIN_SIDE_PX = 4  # a box smaller than this in the 640x360 frame cannot be learned from


def group(image: str) -> str:
    return Path(image).name.rsplit("_", 1)[0]


def fitted(path: Path):
    """The photo fitted inside 640x360 (aspect kept, centred on the padding colour), and the
    scale and offset that map its pixels there."""
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    s = min(WIDTH / img.width, HEIGHT / img.height)
    w, h = max(1, round(img.width * s)), max(1, round(img.height * s))
    canvas = Image.new("RGB", (WIDTH, HEIGHT), PAD)
    x0, y0 = (WIDTH - w) // 2, (HEIGHT - h) // 2
    canvas.paste(img.resize((w, h), Image.BILINEAR), (x0, y0))
    return np.asarray(canvas), s, x0, y0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, required=True, help="folder written by yologo.py")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--dev-groups", default="3_google,6_google",
                    help="photo groups kept out of training, comma-separated ('' for none)")
    ap.add_argument("--dev-brands", default=None,
                    help="for a brand-labelled set: the brands kept out of training, comma-separated; "
                         "their photos and the brandless negatives form the dev set, with their references")
    a = ap.parse_args(argv)
    rows = [json.loads(line) for line in (a.set / "labels.jsonl").read_text().splitlines() if line.strip()]
    if a.dev_brands:
        dev_brands = set(a.dev_brands.split(","))
        unknown = dev_brands - {b for r in rows for b in r["brands"]}
        if unknown:
            sys.exit(f"detector_frames: no photo of brand {sorted(unknown)} in {a.set}")
        # Negatives go to the dev side: they are someone else's held-out photos (see the set's card).
        held = [not r["brands"] or bool(dev_brands & set(r["brands"])) for r in rows]
        dev_groups = set()
    else:
        dev_brands = set()
        dev_groups = set(filter(None, a.dev_groups.split(",")))  # "": every photo trains
        unknown = dev_groups - {group(r["image"]) for r in rows}
        if unknown:
            sys.exit(f"detector_frames: no photo group {sorted(unknown)} in {a.set}")
        held = [group(r["image"]) in dev_groups for r in rows]
    train = [r for r, h in zip(rows, held) if not h]
    dev = [r for r, h in zip(rows, held) if h]

    (a.out / "dev").mkdir(parents=True, exist_ok=True)
    with open(a.out / "dev" / "labels.jsonl", "w") as f:
        for r in dev:
            f.write(json.dumps(r) + "\n")
    images = a.out / "dev" / "images"
    if not images.exists():
        os.symlink((a.set / "images").resolve(), images)
    (a.out / "dev" / "catalog").mkdir(exist_ok=True)
    for brand in sorted(dev_brands):
        link = a.out / "dev" / "catalog" / brand
        if not link.exists():
            os.symlink((a.set / "catalog" / brand).resolve(), link)

    frames_dir = a.out / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    (frames_dir / "frames.json").unlink(missing_ok=True)
    data = np.memmap(frames_dir / "frames.u8", np.uint8, "w+", shape=(len(train), HEIGHT, WIDTH, 3))
    all_boxes, first, dropped = [], [], 0
    for i, r in enumerate(train):
        pixels, s, x0, y0 = fitted(a.set / r["image"])
        data[i] = pixels
        kept = []
        for b in r["boxes"]:
            x1, y1, x2, y2 = b["box"]
            box = (x1 * s + x0, y1 * s + y0, x2 * s + x0, y2 * s + y0)
            if max(box[2] - box[0], box[3] - box[1]) < MIN_SIDE_PX:
                dropped += 1
                continue
            kept.append(box)
        first.append(sum(map(len, all_boxes)))
        all_boxes.append(np.array(kept, np.float32).reshape(-1, 4))
    data.flush()
    np.savez(frames_dir / "boxes.npz", boxes=np.concatenate(all_boxes),
             first=np.array(first + [sum(map(len, all_boxes))]))
    # A set split into parts (logodet_clothes.py's train/) keeps its card one folder up.
    cards = [f for f in (a.set / "card.json", a.set.parent / "card.json") if f.exists()]
    card = json.loads(cards[0].read_text()) if cards else {}
    info = {"count": len(train), "size": [WIDTH, HEIGHT], "source": card.get("source"), "commit": card.get("commit"),
            "train_groups": sorted({group(r["image"]) for r in train}) if not dev_brands else [],
            "dev_groups": sorted(dev_groups),
            "train_brands": sorted({b for r in train for b in r.get("brands", [])}), "dev_brands": sorted(dev_brands),
            "train_boxes": int(sum(map(len, all_boxes))), "boxes_too_small": dropped,
            "dev_photos": len(dev), "dev_boxes": sum(len(r.get("boxes", [])) for r in dev)}
    (frames_dir / "frames.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"detector_frames: {len(train)} training photos ({info['train_boxes']} boxes, {dropped} too small), "
          f"{len(dev)} dev photos ({info['dev_boxes']} boxes) of {sorted(dev_groups or dev_brands)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

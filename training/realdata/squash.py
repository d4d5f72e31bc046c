#!/usr/bin/python3
"""Rebuilds the real broadcast probe from Michae1457/YOLO_Sponsor_Detection_Pipeline_by_Michae14.

`datasets/squash-sponsor-detection_v2` is a Roboflow export (CC BY 4.0) of 80 frames of a
squash broadcast (the 2025 China Squash Open final, screen-captured at 2940x1912 with black
bars), with polygons around 16 sponsors' marks on the glass walls, boards and floor, and a
17th class "Logos" for marks of no named sponsor. What comes out is a dataset in the eval
format with brand labels, for `logowatch eval`:

    OUT/catalog/<sponsor>/  reference crops of the sponsor's marks, cut from reference frames
    OUT/images/             the other frames, each once
    OUT/labels.jsonl        {"image", "brands", "boxes": [{"brand", "box": [x1,y1,x2,y2]}]}
    OUT/card.json           source, commit, licence, counts, what was left out and why

Frames of one match look alike, so references and test frames are split by time, not at
random: for each sponsor, its largest marks in the earliest frames that show it are the
references, and every frame that gave a reference is left out of the test frames. That is
how an installer would build a catalog at a venue: from the venue's own camera, before the
match being measured. Polygons become their bounding boxes; "Logos" boxes are dropped (they
name no brand). Some visible sponsor marks are not labelled in the source, so a right name
on an unlabelled mark counts as wrong here: precision on this probe is a lower bound.

Usage: squash.py --repo /path/to/YOLO_Sponsor_Detection_Pipeline_by_Michae14.git \
           --out ~/.cache/logowatch/real/squash
"""
import argparse
import io
import json
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apparel import crop, size_buckets, start, write_labels  # noqa: E402
from yologo import Blobs, tree  # noqa: E402

COMMIT = "7f90beb495208253e86755049f2b9c66afcce0a4"
ROOT = "datasets/squash-sponsor-detection_v2"
SPLITS = ("train", "valid")
LICENCE = "CC BY 4.0 (data.yaml: Roboflow Universe cvframeslabelling/squash-sponsor-detection v4)"
# data.yaml's class list, in order; None for the class that names no brand.
CLASSES = ("cib", None, "cgg", "citicbank", "cso", "dunlop", "head", "joyus", "jusssports",
           "mitsubishielectric", "molifang", "nike", "parkway", "princeton", "psa", "shanghaisports",
           "squashtv")
DISPLAY = {"cib": "Industrial Bank (CIB)", "cgg": "CGG", "citicbank": "China CITIC Bank", "cso": "CSO",
           "dunlop": "Dunlop", "head": "HEAD", "joyus": "Joyus", "jusssports": "Juss Sports",
           "mitsubishielectric": "Mitsubishi Electric", "molifang": "Molifang", "nike": "Nike",
           "parkway": "Parkway", "princeton": "Princeton", "psa": "PSA", "shanghaisports": "Shanghai Sports",
           "squashtv": "SQUASHTV"}
MIN_REFERENCE_SIDE = 24  # smaller side, in frame pixels: smaller marks make no useful reference


def frame_number(name: str) -> int:
    m = re.match(r"frame_(\d+)_", name)
    if not m:
        raise ValueError(f"squash.py: unexpected image name {name!r} (frame_<n>_jpg.rf.<hash>.jpg)")
    return int(m.group(1))


def boxes_of(label_text: str, w: int, h: int) -> tuple[list[dict], int]:
    """Brand boxes of the polygons (or boxes) in a YOLO label, and how many unnamed ones were dropped."""
    boxes, unnamed = [], 0
    for line in label_text.splitlines():
        parts = line.split()
        if not parts:
            continue
        cls, coords = int(parts[0]), [float(v) for v in parts[1:]]
        if len(coords) == 4:  # a few marks were drawn as boxes: centre x, centre y, width, height
            cx, cy, bw, bh = coords
            coords = [cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2]
        elif len(coords) < 6 or len(coords) % 2:
            raise ValueError(f"squash.py: a label line holds {len(coords)} coordinates, neither a box nor a polygon")
        if CLASSES[cls] is None:
            unnamed += 1
            continue
        xs, ys = np.array(coords[0::2]) * w, np.array(coords[1::2]) * h
        x1, y1 = max(0.0, float(xs.min())), max(0.0, float(ys.min()))
        x2, y2 = min(float(w), float(xs.max())), min(float(h), float(ys.max()))
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            boxes.append({"brand": CLASSES[cls], "box": [round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)]})
    return boxes, unnamed


def side(b: dict) -> float:
    return min(b["box"][2] - b["box"][0], b["box"][3] - b["box"][1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path, help="git directory of the repository's snapshot")
    ap.add_argument("--references", type=int, default=3, help="reference crops per sponsor (default 3)")
    ap.add_argument("--negatives", type=Path, help="the yologo set (yologo.py --out), for --negative-count")
    ap.add_argument("--negative-count", type=int, default=0, help="clean negatives to add (default none)")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    if a.negative_count and not a.negatives:
        sys.exit("squash.py: --negative-count needs --negatives (the yologo set)")
    commit = start(a.repo, COMMIT, a.out, "squash.py", "Michae1457/YOLO_Sponsor_Detection_Pipeline_by_Michae14")

    blobs = Blobs(a.repo)
    frames = {}  # frame number -> (path, image, boxes)
    left_out = {"label file missing": 0, "unnamed 'Logos' boxes": 0, "frames without a sponsor box": 0}
    try:
        for split in SPLITS:
            images = tree(a.repo, commit, f"{ROOT}/{split}/images")
            labels = tree(a.repo, commit, f"{ROOT}/{split}/labels")
            for name, blob in sorted(images.items()):
                label = labels.get(Path(name).stem + ".txt")
                if label is None:
                    left_out["label file missing"] += 1
                    continue
                n = frame_number(name)
                if n in frames:
                    sys.exit(f"squash.py: frame {n} appears twice ({frames[n][0]} and {split}/{name})")
                data = blobs.read(blob)
                if data is None:
                    sys.exit(f"squash.py: the snapshot lacks {ROOT}/{split}/images/{name}")
                im = Image.open(io.BytesIO(data))
                im.load()
                boxes, unnamed = boxes_of(blobs.read(label).decode("utf-8", "replace"), im.width, im.height)
                left_out["unnamed 'Logos' boxes"] += unnamed
                if not boxes:
                    left_out["frames without a sponsor box"] += 1
                    continue
                frames[n] = (f"{ROOT}/{split}/images/{name}", im.convert("RGB"), boxes)
    finally:
        blobs.close()

    # References: per sponsor, its largest usable mark in each of the earliest frames that show it.
    reference_frames, references = set(), {}
    for brand in (c for c in CLASSES if c):
        picks = []
        for n in sorted(frames):
            marks = [b for b in frames[n][2] if b["brand"] == brand and side(b) >= MIN_REFERENCE_SIDE]
            if marks:
                picks.append((n, max(marks, key=lambda b: (b["box"][2] - b["box"][0]) * (b["box"][3] - b["box"][1]))))
            if len(picks) == a.references:
                break
        if picks:
            references[brand] = picks
            reference_frames |= {n for n, _ in picks}
    for brand, picks in references.items():
        d = a.out / "catalog" / brand
        d.mkdir(parents=True)
        for n, b in picks:
            crop(frames[n][1], b["box"]).save(d / f"frame_{n:05d}.png")
        (d / "brand.json").write_text(json.dumps({"display_name": DISPLAY[brand]}) + "\n")

    rows, by_brand, unreferenced = [], {}, {}
    for n in sorted(frames):
        if n in reference_frames:
            continue
        path, im, boxes = frames[n]
        name = f"frame_{n:05d}.jpg"
        im.save(a.out / "images" / name, "JPEG", quality=95)
        brands = sorted({b["brand"] for b in boxes})
        for b in brands:
            if b not in references:
                unreferenced[b] = unreferenced.get(b, 0) + 1
        rows.append({"image": f"images/{name}", "brands": brands, "boxes": boxes, "source": path})
    if unreferenced:
        # A labelled brand with no reference could never be named: leave its labels out of the test.
        for r in rows:
            r["boxes"] = [b for b in r["boxes"] if b["brand"] in references]
            r["brands"] = [b for b in r["brands"] if b in references]
    for r in rows:
        for b in r["brands"]:
            by_brand[b] = by_brand.get(b, 0) + 1
    negatives = write_labels(a.out, rows, a.negatives, a.negative_count)
    sizes = np.array([side(b) for r in rows for b in r.get("boxes", [])])
    w, h = next(iter(frames.values()))[1].size
    card = {
        "name": "squash",
        "source": "https://github.com/Michae1457/YOLO_Sponsor_Detection_Pipeline_by_Michae14",
        "commit": commit,
        "paths": [f"{ROOT}/{s}/images" for s in SPLITS] + [f"{ROOT}/{s}/labels" for s in SPLITS],
        "licence": LICENCE,
        "what": f"squash broadcast frames ({w}x{h} screen captures, black bars above and below), sponsor polygons",
        "frames": len(frames),
        "reference_frames": sorted(reference_frames),
        "references": {b: [n for n, _ in p] for b, p in references.items()},
        "sponsors_without_reference": {b: f"labels dropped from {n} test frames" for b, n in unreferenced.items()},
        "test_images": {"with_brand": len(rows) - len(negatives), "clean_negatives": len(negatives),
                        "by_brand": dict(sorted(by_brand.items()))},
        "boxes": int(len(sizes)),
        "boxes_by_smaller_side": size_buckets(sizes),
        "left_out": left_out,
        "independent_sets_checked": "squash, not football: not SoccerAA's frames; file names are frame_<n> "
                                    "Roboflow copies, not Flickr ids; sponsors are not the FlickrLogos-27/32 list",
        "caveats": "some visible sponsor marks are not labelled, so precision is a lower bound; one match, one "
                   "venue, frames close in time look alike",
    }
    (a.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"squash.py: {len(rows)} test frames, {len(sizes)} boxes, {len(references)} sponsors in the catalog "
          f"({len(reference_frames)} reference frames) in {a.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Rebuilds the real brand-labelled sportswear set from Zhe-cz/logo-detection-project at a pinned commit.

The repository holds web and shop photos of shoes, caps and clothes of ten sportswear brands
(361, adidas, anta, erke, kappa, li-ning, new balance, nike, puma, xtep), with Pascal VOC
boxes of every mark. What comes out is a dataset in the eval format, for `logowatch eval`:

    OUT/catalog/<brand>/       reference crops, cut from photos that are not test images
    OUT/images/                the other photos (exact duplicates once), and clean negatives
    OUT/labels.jsonl           {"image", "brands", "boxes": [{"brand", "box": [x1,y1,x2,y2]}]}
    OUT/sources.jsonl          where each test image came from
    OUT/card.json              source, commit, licence, counts, what was left out and why

Clean negatives are street photos from the held-out groups of the yologo set (`yologo.py`,
groups 3 and 6), real facades full of other logos.

Usage: sportswear.py --repo /path/to/logo-detection-project.git \
           --negatives ~/.cache/logowatch/real/yologo-proposals --out ~/.cache/logowatch/real/sportswear
"""
import argparse
import hashlib
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apparel import crop, decoded, rank, size_buckets, start, write_labels  # noqa: E402
from yologo import Blobs, tree  # noqa: E402

COMMIT = "49f366c8c1b76ebac5b220d47f6ca611675e209d"
ROOT = "logo-detection/VOCdevkit/VOC2007"
LICENCE = ("repository MIT; the photos were collected from the web and shops and their own rights are "
           "unknown: use to measure and train, never redistribute")
# Label spellings in the annotations -> catalog slugs.
BRANDS = {"361": "361", "adidas": "adidas", "anta": "anta", "erke": "erke", "kappa": "kappa",
          "lining": "lining", "nb": "newbalance", "nike": "nike", "puma": "puma", "xtep": "xtep"}
DISPLAY = {"361": "361°", "adidas": "Adidas", "anta": "Anta", "erke": "Erke", "kappa": "Kappa",
           "lining": "Li-Ning", "newbalance": "New Balance", "nike": "Nike", "puma": "Puma", "xtep": "Xtep"}


def objects(xml: bytes, w: int, h: int, unknown: dict) -> list[dict]:
    boxes = []
    for o in ET.fromstring(xml).iter("object"):
        name = (o.findtext("name") or "").strip().lower()
        if name not in BRANDS:
            unknown[name] = unknown.get(name, 0) + 1
            continue
        b = o.find("bndbox")
        x1, y1, x2, y2 = (float(b.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
        x1, y1, x2, y2 = max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(h), y2)
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            boxes.append({"brand": BRANDS[name], "box": [x1, y1, x2, y2]})
    return boxes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path, help="git directory of the repository's snapshot")
    ap.add_argument("--negatives", required=True, type=Path, help="the yologo set (yologo.py --out)")
    ap.add_argument("--negative-count", type=int, default=200, help="clean negatives to add (default 200)")
    ap.add_argument("--references", type=int, default=5, help="reference crops per brand (default 5)")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    commit = start(a.repo, COMMIT, a.out, "sportswear.py", "Zhe-cz/logo-detection-project")

    images = tree(a.repo, commit, f"{ROOT}/JPEGImages")
    labels = tree(a.repo, commit, f"{ROOT}/Annotations")
    by_stem = {Path(n).stem: n for n in images}
    left_out = {"annotation without photo": 0, "photo absent from the snapshot (4 MiB or more)": 0,
                "unreadable photo": 0, "no box": 0, "exact duplicate": 0}
    unknown = {}
    photos, seen = [], set()
    blobs = Blobs(a.repo)
    try:
        for label in sorted(labels):
            name = by_stem.get(Path(label).stem)
            if name is None:
                left_out["annotation without photo"] += 1
                continue
            data = blobs.read(images[name])
            if data is None:
                left_out["photo absent from the snapshot (4 MiB or more)"] += 1
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                left_out["exact duplicate"] += 1
                continue
            im = decoded(data)
            if im is None:
                left_out["unreadable photo"] += 1
                continue
            boxes = objects(blobs.read(labels[label]), im.width, im.height, unknown)
            if not boxes:
                left_out["no box"] += 1
                continue
            seen.add(digest)
            photos.append((name, data, im, boxes))
    finally:
        blobs.close()

    references = {}
    for brand in sorted(set(BRANDS.values())):
        single = sorted((p for p in photos if {b["brand"] for b in p[3]} == {brand}), key=lambda p: rank(p[0]))
        if len(single) < a.references:
            sys.exit(f"sportswear.py: only {len(single)} photos of {brand} alone, {a.references} references asked")
        references[brand] = single[:a.references]
        d = a.out / "catalog" / brand
        d.mkdir(parents=True)
        for name, _, im, boxes in references[brand]:
            biggest = max(boxes, key=lambda b: (b["box"][2] - b["box"][0]) * (b["box"][3] - b["box"][1]))
            crop(im, biggest["box"]).save(d / (Path(name).stem.replace("(", "_").replace(")", "") + ".png"))
        (d / "brand.json").write_text(json.dumps({"display_name": DISPLAY[brand]}) + "\n")
    used = {p[0] for v in references.values() for p in v}

    rows, by_brand, sizes = [], {}, []
    for name, data, im, boxes in photos:
        if name in used:
            continue
        out_name = Path(name).stem.replace("(", "_").replace(")", "").replace(" ", "_") + ".jpg"
        if data[:3] == b"\xff\xd8\xff":
            (a.out / "images" / out_name).write_bytes(data)
        else:
            im.save(a.out / "images" / out_name, "JPEG", quality=95)
        brands = sorted({b["brand"] for b in boxes})
        for b in brands:
            by_brand[b] = by_brand.get(b, 0) + 1
        sizes += [min(b["box"][2] - b["box"][0], b["box"][3] - b["box"][1]) for b in boxes]
        rows.append({"image": f"images/{out_name}", "brands": brands, "boxes": boxes,
                     "source": f"{ROOT}/JPEGImages/{name}"})
    negatives = write_labels(a.out, rows, a.negatives, a.negative_count)
    sizes = np.array(sizes)
    card = {
        "name": "sportswear",
        "source": "https://github.com/Zhe-cz/logo-detection-project",
        "commit": commit,
        "paths": [f"{ROOT}/JPEGImages", f"{ROOT}/Annotations"],
        "licence": LICENCE,
        "what": "web and shop photos of sportswear (shoes, caps, clothes) of 10 brands, VOC boxes of every mark",
        "photos": len(photos),
        "reference_photos": {b: [p[0] for p in v] for b, v in references.items()},
        "test_images": {"with_brand": len(rows) - len(negatives), "clean_negatives": len(negatives),
                        "by_brand": dict(sorted(by_brand.items()))},
        "boxes": int(len(sizes)),
        "boxes_by_smaller_side": size_buckets(sizes),
        "negatives_from": "yologo-proposals groups 3_google and 6_google (see yologo.py)",
        "left_out": left_out,
        "unknown_label_names": unknown,
        "independent_sets_checked": "file names are <brand>_<n>(<k>).jpg, not numeric Flickr ids; ten sportswear "
                                    "brands of which only adidas, nike and puma are in the FlickrLogos-27/32 list; "
                                    "product photos, not SoccerAA broadcast frames nor logohunter's set",
    }
    (a.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"sportswear.py: {len(rows)} test images ({len(rows) - len(negatives)} with a brand, {len(negatives)} "
          f"negatives), {len(sizes)} boxes, {len(references)} brands in {a.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Rebuilds the real brand-labelled apparel set from kishan-1721/Task-Detect-Puma-and-Adidas-Logos-in-a-Video.

The repository is a Roboflow export (CC BY 4.0) of product photos of sportswear (shorts,
shirts, hoodies, shoes) with YOLO boxes of Adidas and Puma marks. What comes out is a dataset
in the eval format with brand labels, for `logowatch eval`:

    OUT/catalog/adidas|puma/   reference crops of the brand's marks, cut from photos that are not test images
    OUT/catalog/<distractor>/  look-alike sportswear brands from simple-icons (never in the photos)
    OUT/images/                one copy of each remaining photo, and clean negatives
    OUT/labels.jsonl           {"image", "brands", "boxes": [{"brand", "box": [x1,y1,x2,y2]}]}
    OUT/card.json              source, commit, licence, counts, what was left out and why

Roboflow stored three augmented copies of every training photo (`<name>_jpg.rf.<hash>.jpg`:
rotated, flipped); only one copy of each photo is kept, the one least rotated (fewest black
fill pixels on its border), so the same photo is never both a reference and a test image,
nor counted three times. The validation and test splits hold one unaugmented copy each;
references are cut from those only, so no reference is mirrored or rotated.

Clean negatives are street photos from the held-out groups of the yologo set
(`yologo.py`, groups 3 and 6): real facades full of other logos, none of them sportswear.

Usage: apparel.py --repo /path/to/Task-Detect-Puma-and-Adidas-Logos-in-a-Video.git \
           --negatives ~/.cache/logowatch/real/yologo-proposals --out ~/.cache/logowatch/real/apparel
"""
import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from yologo import Blobs, git, tree  # noqa: E402

COMMIT = "1c57b217a5dd1b4b811a70bb80d5d10f1bfb1453"
SPLITS = ("train", "valid", "test")
CLASSES = {0: "adidas", 1: "puma"}
LICENCE = "CC BY 4.0 (data.yaml: Roboflow Universe kishan21/brand_logo_detection-vpsgw v3)"
DISTRACTORS = ("nike", "reebok", "underarmour", "newbalance", "fila")
REFERENCE_PADDING = 0.08


def original(name: str) -> str:
    """The photo a Roboflow copy was made from: `img_a_10_jpg.rf.<hash>.jpg` -> `img_a_10`."""
    stem = name.split(".rf.")[0]
    return stem[:-4] if stem.endswith(("_jpg", "_png")) else stem


def rotation_fill(im: Image.Image) -> int:
    """Black fill pixels on the border: Roboflow's rotations leave black corners."""
    a = np.asarray(im.convert("L"))
    border = np.concatenate([a[:3].ravel(), a[-3:].ravel(), a[:, :3].ravel(), a[:, -3:].ravel()])
    return int((border < 6).sum())


def rank(key: str) -> str:
    return hashlib.sha256(("logowatch-apparel:" + key).encode()).hexdigest()


def boxes_of(label_text: str, w: int, h: int) -> list[dict]:
    boxes = []
    for line in label_text.splitlines():
        parts = line.split()
        if len(parts) != 5 or int(parts[0]) not in CLASSES:
            continue
        cx, cy, bw, bh = (float(v) for v in parts[1:])
        x1, y1 = max(0.0, (cx - bw / 2) * w), max(0.0, (cy - bh / 2) * h)
        x2, y2 = min(float(w), (cx + bw / 2) * w), min(float(h), (cy + bh / 2) * h)
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            boxes.append({"brand": CLASSES[int(parts[0])],
                          "box": [round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)]})
    return boxes


def decoded(data: bytes) -> Image.Image | None:
    """The photo in ``data`` as RGB, or None when it cannot be decoded."""
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
        return im.convert("RGB")
    except Exception:
        return None


def crop(im: Image.Image, box: list[float]) -> Image.Image:
    x1, y1, x2, y2 = box
    px, py = (x2 - x1) * REFERENCE_PADDING, (y2 - y1) * REFERENCE_PADDING
    return im.crop((int(max(0, x1 - px)), int(max(0, y1 - py)),
                    int(min(im.width, x2 + px + 0.5)), int(min(im.height, y2 + py + 0.5))))


def start(repo: Path, commit: str, out: Path, script: str, source: str) -> str:
    """The full id of the pinned ``commit`` in ``repo``, and ``out`` emptied for a fresh set
    (refused when it holds something that is not a set). Exits with a message otherwise."""
    try:
        full = git(repo, "rev-parse", "--verify", commit + "^{commit}").decode().strip()
    except subprocess.CalledProcessError:
        sys.exit(f"{script}: {repo} does not hold commit {commit} (fetch {source})")
    if out.exists():
        if any(out.iterdir()) and not (out / "card.json").exists():
            sys.exit(f"{script}: {out} exists, is not empty and holds no set; not replacing it")
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    return full


def size_buckets(sizes: np.ndarray) -> dict:
    """Boxes counted by their smaller side, for the data card."""
    return {"<24": int((sizes < 24).sum()), "24-48": int(((sizes >= 24) & (sizes < 48)).sum()),
            "48-96": int(((sizes >= 48) & (sizes < 96)).sum()), ">=96": int((sizes >= 96).sum())}


def held_out_negatives(folder: Path, count: int) -> list[dict]:
    """`count` yologo photos from the groups the detector never trained on (3 and 6)."""
    if count == 0:
        return []
    labels = folder / "labels.jsonl"
    if not labels.is_file():
        sys.exit(f"apparel.py: {folder} holds no labels.jsonl (build it with yologo.py)")
    rows = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    held = [r for r in rows if Path(r["image"]).name.startswith(("3_google", "6_google"))]
    held.sort(key=lambda r: rank(r["image"]))
    return held[:count]


def write_labels(out: Path, rows: list[dict], negatives_set: Path, count: int) -> list[dict]:
    """Adds ``count`` clean negatives from ``negatives_set`` to ``rows`` (copied into
    ``out/images``), then writes ``labels.jsonl`` and, apart, where each image came from
    (``sources.jsonl``). Returns the negatives' rows of the yologo set."""
    negatives = held_out_negatives(negatives_set, count)
    for r in negatives:
        src = negatives_set / r["image"]
        shutil.copyfile(src, out / "images" / src.name)
        rows.append({"image": f"images/{src.name}", "brands": [], "source": f"yologo:{r['image']}"})
    with open(out / "labels.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps({k: v for k, v in r.items() if k != "source"}) + "\n")
    with open(out / "sources.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps({"image": r["image"], "source": r["source"]}) + "\n")
    return negatives


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path, help="git directory of the repository's snapshot")
    ap.add_argument("--negatives", required=True, type=Path, help="the yologo set (yologo.py --out)")
    ap.add_argument("--negative-count", type=int, default=130, help="clean negatives to add (default 130)")
    ap.add_argument("--references", type=int, default=5, help="reference crops per brand (default 5)")
    ap.add_argument("--distractors", default=",".join(DISTRACTORS),
                    help="simple-icons slugs added to the catalog as look-alikes ('' = none)")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    commit = start(a.repo, COMMIT, a.out, "apparel.py", "kishan-1721/Task-Detect-Puma-and-Adidas-Logos-in-a-Video")

    blobs = Blobs(a.repo)
    photos = {}  # original -> list of (split, name, image, boxes)
    left_out = {"label file missing": 0, "no box": 0}
    try:
        for split in SPLITS:
            images = tree(a.repo, commit, f"data/{split}/images")
            labels = tree(a.repo, commit, f"data/{split}/labels")
            for name, blob in sorted(images.items()):
                label = labels.get(Path(name).stem + ".txt")
                if label is None:
                    left_out["label file missing"] += 1
                    continue
                im = Image.open(io.BytesIO(blobs.read(blob)))
                im.load()
                boxes = boxes_of(blobs.read(label).decode("utf-8", "replace"), im.width, im.height)
                if not boxes:
                    left_out["no box"] += 1
                    continue
                photos.setdefault(original(name), []).append((split, name, im, boxes))
    finally:
        blobs.close()
    copies = sum(len(v) for v in photos.values())

    # References: cut from unaugmented (valid/test) photos, a.references photos per brand.
    reference_photos = {}
    for brand in CLASSES.values():
        candidates = sorted((o for o, v in photos.items()
                             if v[0][0] != "train" and {b["brand"] for b in v[0][3]} == {brand}), key=rank)
        if len(candidates) < a.references:
            sys.exit(f"apparel.py: only {len(candidates)} unaugmented photos of {brand}, "
                     f"{a.references} references asked")
        reference_photos[brand] = candidates[:a.references]
    for brand, originals in reference_photos.items():
        d = a.out / "catalog" / brand
        d.mkdir(parents=True)
        for o in originals:
            _, name, im, boxes = photos[o][0]
            biggest = max(boxes, key=lambda b: (b["box"][2] - b["box"][0]) * (b["box"][3] - b["box"][1]))
            crop(im.convert("RGB"), biggest["box"]).save(d / f"{o}.png")
        (d / "brand.json").write_text(json.dumps({"display_name": brand.capitalize()}) + "\n")
    distractors = [s for s in a.distractors.split(",") if s]
    if distractors:
        from synth.icons import IconSet
        from synth.styles import reference_image
        icons = IconSet()
        for slug in distractors:
            d = a.out / "catalog" / slug
            d.mkdir(parents=True)
            for style in ("color_on_white", "mono"):
                reference_image(icons.mask(slug), icons[slug], style).save(d / f"{style}.png")
            (d / "brand.json").write_text(json.dumps({"display_name": icons[slug].title}) + "\n")

    rows, by_brand, sizes = [], {b: 0 for b in CLASSES.values()}, []
    used_as_reference = {o for v in reference_photos.values() for o in v}
    for o in sorted(photos):
        if o in used_as_reference:
            continue
        split, name, im, boxes = min(photos[o], key=lambda c: (rotation_fill(c[2]), c[1]))
        out_name = f"{o}.jpg"
        src = next(p for p in photos[o] if p[1] == name)
        buf = io.BytesIO()
        src[2].convert("RGB").save(buf, "JPEG", quality=95)
        (a.out / "images" / out_name).write_bytes(buf.getvalue())
        brands = sorted({b["brand"] for b in boxes})
        for b in brands:
            by_brand[b] += 1
        sizes += [min(b["box"][2] - b["box"][0], b["box"][3] - b["box"][1]) for b in boxes]
        rows.append({"image": f"images/{out_name}", "brands": brands, "boxes": boxes,
                     "source": f"data/{split}/images/{name}"})
    negatives = write_labels(a.out, rows, a.negatives, a.negative_count)
    sizes = np.array(sizes)
    card = {
        "name": "apparel",
        "source": "https://github.com/kishan-1721/Task-Detect-Puma-and-Adidas-Logos-in-a-Video",
        "commit": commit,
        "paths": [f"data/{s}/images" for s in SPLITS] + [f"data/{s}/labels" for s in SPLITS],
        "licence": LICENCE,
        "what": "product photos of Adidas and Puma sportswear (512x512, Roboflow-resized), brand boxes",
        "photos": len(photos),
        "copies_in_repository": copies,
        "reference_photos": {b: v for b, v in reference_photos.items()},
        "distractors": distractors,
        "test_images": {"with_brand": len(rows) - len(negatives), "clean_negatives": len(negatives),
                        "by_brand": by_brand},
        "boxes": int(len(sizes)),
        "boxes_by_smaller_side": size_buckets(sizes),
        "negatives_from": "yologo-proposals groups 3_google and 6_google (see yologo.py)",
        "left_out": left_out,
        "independent_sets_checked": "file names are img_a_<n>/img_p_<n> (Roboflow copies), not numeric Flickr "
                                    "ids; two classes (Adidas, Puma), not the FlickrLogos-27/32 list; product "
                                    "photos, not SoccerAA broadcast frames nor logohunter's set",
        "caveats": "training-split photos exist only as augmented copies (rotations, flips): the kept copy is the "
                   "least rotated, and may be mirrored",
    }
    (a.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"apparel.py: {len(rows)} test images ({len(rows) - len(negatives)} with a brand, {len(negatives)} "
          f"negatives), {len(sizes)} boxes, catalog {sorted(CLASSES.values()) + distractors} in {a.out}")


if __name__ == "__main__":
    main()

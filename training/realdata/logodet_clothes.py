#!/usr/bin/python3
"""Rebuilds a real brand-labelled set from the "Clothes" category of LogoDet-3K, as committed in
leaaumagy/Logo-detection-with-yolov8-on-youtube-videos at a pinned commit.

The repository holds 6,386 web and product photos of 45 clothing and fashion marks (one folder
per mark, Pascal VOC boxes). Marks of one brand (`louis_vuitton_1`, `louis_vuitton_2`; `timberland`,
`the_timberland`) form one brand group, and groups are split by a hash of their name:

    OUT/train/   the training groups, in the eval format (catalog/, images/, labels.jsonl): what
                 `training/embedder/realviews.py --logodet` cuts embedder views from
    OUT/dev/     the held-out groups, in the eval format, with clean negatives: an open-set dev
                 set of brands no model trained on
    OUT/card.json  source, commit, licence, counts, the split, what was left out and why

Left out entirely: `Adidas_SB` and `new_balance_1/2`, brands of the sportswear open dev set
(`sportswear.py`), so no model trains on them. Each mark's references are 5 crops cut from photos
that are not test images. Clean negatives are street photos of the held-out yologo groups 3 and 6.

Usage: logodet_clothes.py --repo /path/to/Logo-detection-with-yolov8-on-youtube-videos.git \
           --negatives ~/.cache/logowatch/real/yologo-proposals --out ~/.cache/logowatch/real/logodet-clothes
"""
import argparse
import hashlib
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apparel import crop, decoded, size_buckets, start, write_labels  # noqa: E402
from yologo import Blobs, git, tree  # noqa: E402

COMMIT = "637a6d258e17852d4b1ac7cea66669b99032bdbf"
ROOT = "Yolov8/Dataset/Clothes"
LICENCE = ("LogoDet-3K (Wang et al., 2022), research use; the repository has no licence file and credits the "
           "Kaggle copy of LogoDet-3K; the photos were collected from the web and their own rights are unknown: "
           "use to measure and train, never redistribute")
# Brands of the sportswear open dev set: never read, so no model trains on them.
EXCLUDED = {"Adidas_SB": "adidas is an open dev brand of sportswear.py",
            "new_balance_1": "new balance is an open dev brand of sportswear.py",
            "new_balance_2": "new balance is an open dev brand of sportswear.py"}
SAME_BRAND = {"the_timberland": "timberland"}
DEV_SHARE = 0.25
# The folders hold near copies of a photo under other names; a dev image this close to one of
# its mark's reference photos would measure the copy, not recognition, and is left out. On the
# dev marks the distances fall in two groups, 0-7 bits (copies) and 14 or more.
NEAR_COPY_BITS = 10


def slug(folder: str) -> str:
    return folder.lower().replace("_", "-")


def group(folder: str) -> str:
    """The brand a mark belongs to: `louis_vuitton_2` -> `louis-vuitton`."""
    folder = SAME_BRAND.get(folder, folder)
    return re.sub(r"-\d+$", "", slug(folder))


def held_out(brand_group: str) -> bool:
    digest = hashlib.sha256(("logowatch-logodet:" + brand_group).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2 ** 32 < DEV_SHARE


def rank(key: str) -> str:
    return hashlib.sha256(("logowatch-logodet-ref:" + key).encode()).hexdigest()


def display(folder: str) -> str:
    return re.sub(r"\s+\d+$", "", folder.replace("_", " ")).title()


def dhash(im: Image.Image) -> np.ndarray:
    """256-bit difference hash: near copies of one photo (resized, recompressed) differ in few bits."""
    g = np.asarray(im.convert("L").resize((17, 16), Image.BILINEAR), dtype=np.int16)
    return (g[:, 1:] > g[:, :-1]).ravel()


def objects(xml: bytes, w: int, h: int, brand: str) -> list[dict]:
    boxes = []
    for o in ET.fromstring(xml).iter("object"):
        b = o.find("bndbox")
        x1, y1, x2, y2 = (float(b.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
        x1, y1, x2, y2 = max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(h), y2)
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            boxes.append({"brand": brand, "box": [x1, y1, x2, y2]})
    return boxes


def read_marks(repo: Path, commit: str, left_out: dict) -> dict:
    """{mark slug: [(file name, bytes, image, boxes)]}, exact duplicates kept once overall."""
    folders = [line.split("\t", 1)[1].rsplit("/", 1)[1]
               for line in git(repo, "ls-tree", commit, f"{ROOT}/").decode().splitlines() if line.split()[1] == "tree"]
    marks, seen, duplicates = {}, {}, {}
    blobs = Blobs(repo)
    try:
        for folder in sorted(folders):
            if folder in EXCLUDED:
                continue
            files = tree(repo, commit, f"{ROOT}/{folder}")
            brand = slug(folder)
            photos = []
            for name in sorted(n for n in files if n.endswith(".xml")):
                image = name[:-4] + ".jpg"
                if image not in files:
                    left_out["annotation without photo"] += 1
                    continue
                data = blobs.read(files[image])
                if data is None:
                    left_out["photo absent from the snapshot (4 MiB or more)"] += 1
                    continue
                digest = hashlib.sha256(data).hexdigest()
                if digest in seen:
                    left_out["exact duplicate"] += 1
                    dup_of = seen[digest]
                    duplicates[(folder, dup_of)] = duplicates.get((folder, dup_of), 0) + 1
                    continue
                im = decoded(data)
                if im is None:
                    left_out["unreadable photo"] += 1
                    continue
                boxes = objects(blobs.read(files[name]), im.width, im.height, brand)
                if not boxes:
                    left_out["no box"] += 1
                    continue
                seen[digest] = folder
                photos.append((f"{folder}/{image}", data, im, boxes))
            if photos:
                marks[brand] = (folder, photos)
    finally:
        blobs.close()
    for (folder, of), n in sorted(duplicates.items()):
        left_out.setdefault("duplicates by mark", {})[f"{folder} (of {of})"] = n
    return marks


def write_set(out: Path, marks: dict, references: int, negatives: Path | None, negative_count: int,
              drop_near_copies: bool) -> dict:
    (out / "images").mkdir(parents=True)
    rows, refs, sizes, by_brand, near_copies = [], {}, [], {}, {}
    for brand, (folder, photos) in sorted(marks.items()):
        ranked = sorted(photos, key=lambda p: rank(p[0]))
        chosen, rest = ranked[:references], ranked[references:]
        if len(chosen) < references:
            sys.exit(f"logodet_clothes.py: only {len(photos)} photos of {folder}, {references} references asked")
        d = out / "catalog" / brand
        d.mkdir(parents=True)
        for name, _, im, boxes in chosen:
            biggest = max(boxes, key=lambda b: (b["box"][2] - b["box"][0]) * (b["box"][3] - b["box"][1]))
            crop(im, biggest["box"]).save(d / (Path(name).stem + ".png"))
        (d / "brand.json").write_text(json.dumps({"display_name": display(folder)}) + "\n")
        refs[brand] = [p[0] for p in chosen]
        ref_hashes = [dhash(p[2]) for p in chosen]
        kept = [p for p in rest if not drop_near_copies
                or min(int((dhash(p[2]) != h).sum()) for h in ref_hashes) > NEAR_COPY_BITS]
        near_copies[brand] = len(rest) - len(kept)
        for name, data, im, boxes in kept:
            out_name = f"{brand}_{Path(name).stem}.jpg"
            if data[:3] == b"\xff\xd8\xff":
                (out / "images" / out_name).write_bytes(data)
            else:
                im.save(out / "images" / out_name, "JPEG", quality=95)
            sizes += [min(b["box"][2] - b["box"][0], b["box"][3] - b["box"][1]) for b in boxes]
            by_brand[brand] = by_brand.get(brand, 0) + 1
            rows.append({"image": f"images/{out_name}", "brands": [brand], "boxes": boxes,
                         "source": f"{ROOT}/{name}"})
    if negatives is not None:
        added = write_labels(out, rows, negatives, negative_count)
    else:
        added = write_labels(out, rows, out, 0)
    return {"brands": sorted(marks), "reference_photos": refs,
            "test_images": {"with_brand": len(rows) - len(added), "clean_negatives": len(added),
                            "by_brand": by_brand},
            "boxes": len(sizes), "boxes_by_smaller_side": size_buckets(np.array(sizes)),
            "left_out_as_near_copies_of_a_reference": {b: n for b, n in near_copies.items() if n}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path, help="git directory of the repository's snapshot")
    ap.add_argument("--negatives", required=True, type=Path, help="the yologo set (yologo.py --out)")
    ap.add_argument("--negative-count", type=int, default=200, help="clean negatives in dev/ (default 200)")
    ap.add_argument("--references", type=int, default=5, help="reference crops per mark (default 5)")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    commit = start(a.repo, COMMIT, a.out, "logodet_clothes.py",
                   "leaaumagy/Logo-detection-with-yolov8-on-youtube-videos")
    (a.out / "images").rmdir()  # the set is in train/ and dev/
    left_out = {"annotation without photo": 0, "photo absent from the snapshot (4 MiB or more)": 0,
                "unreadable photo": 0, "no box": 0, "exact duplicate": 0}
    marks = read_marks(a.repo, commit, left_out)
    dev = {b: v for b, v in marks.items() if held_out(group(v[0]))}
    train = {b: v for b, v in marks.items() if b not in dev}
    card = {
        "name": "logodet-clothes",
        "source": "https://github.com/leaaumagy/Logo-detection-with-yolov8-on-youtube-videos",
        "commit": commit,
        "paths": [f"{ROOT}/<mark>/<n>_<mark>.jpg", f"{ROOT}/<mark>/<n>_<mark>.xml"],
        "licence": LICENCE,
        "what": "LogoDet-3K 'Clothes': web and product photos of 45 fashion marks, VOC boxes of the folder's mark",
        "photos": sum(len(v[1]) for v in marks.values()),
        "excluded_marks": EXCLUDED,
        "split": f"brand groups by sha256('logowatch-logodet:' + group), {DEV_SHARE:.0%} held out",
        "train": write_set(a.out / "train", train, a.references, None, 0, False),  # copies only weigh training
        "dev": write_set(a.out / "dev", dev, a.references, a.negatives, a.negative_count, True),
        "negatives_from": "yologo-proposals groups 3_google and 6_google (see yologo.py), in dev/ only",
        "left_out": left_out,
        "independent_sets_checked": "file names are <n>_<mark>.jpg, not numeric Flickr ids; none of the 45 marks is "
                                    "in the FlickrLogos-27/32 brand list; product photos, not SoccerAA broadcast "
                                    "frames nor logohunter's set",
    }
    (a.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    for part in ("train", "dev"):
        c = card[part]
        print(f"logodet_clothes.py: {part}: {len(c['brands'])} marks, {c['test_images']['with_brand']} images with a "
              f"brand, {c['test_images']['clean_negatives']} negatives, {c['boxes']} boxes")


if __name__ == "__main__":
    main()

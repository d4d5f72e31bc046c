#!/usr/bin/python3
"""Rebuilds the real venue set from vtcong21/angelhack-heineken.

The repository holds three Roboflow exports (COCO boxes, CC BY 4.0), one per annotator
(`binh`, `khoa`, `kong`), of photos taken in Vietnamese bars, restaurants and shops: tables
with cans and bottles, stacked cartons, fridges, promoters, shop fronts, with boxes around
the marks of seven beer and cider brands (Bia Viet, Bivina, Edelweiss, Heineken, Larue,
Strongbow, Tiger) and around objects (cans, crates, drinkers) that name no brand. What comes
out is a dataset in the eval format with brand labels, for `logowatch eval`:

    OUT/catalog/<brand>/   reference crops of the brand's marks, cut from photos that are not test images
    OUT/images/            one upright copy of each remaining photo with a brand, and clean negatives
    OUT/labels.jsonl       {"image", "brands", "boxes": [{"brand", "box": [x1,y1,x2,y2]}]}
    OUT/card.json          source, commit, licence, counts, what was left out and why

Roboflow stretched every photo to 640x640 and stored three copies of it
(`<name>_jpg.rf.<hash>.jpg`), each turned by none, a quarter clockwise or a quarter
anticlockwise at random. One copy of each photo is kept, the upright one, told by the shapes
of its boxes: cans, bottles, people and fridges stand taller than wide, brand marks lie
wider than tall. A photo with no upright copy is left out (a camera is not mounted sideways).
A photo in two annotators' exports is kept once.

References are five clean marks per brand, in photos listed in REFERENCES (picked by eye: the
labels are noisy); those photos are not test images. Objects that name no brand are dropped.
Brand marks were labelled densely but not always (a can's small mark often is not), and some
boxes name the wrong brand, so a right name can count as wrong: precision and recall here are
lower bounds. Clean negatives are street
photos from the held-out groups of the yologo set (`yologo.py`, groups 3 and 6).

Usage: beer.py --repo /path/to/angelhack-heineken.git \
           --negatives ~/.cache/logowatch/real/yologo-proposals --out ~/.cache/logowatch/real/beer
"""
import argparse
import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apparel import crop, original, rank, size_buckets, start, write_labels  # noqa: E402
from yologo import Blobs, git, tree  # noqa: E402

COMMIT = "256092890e3bdf751bce01f4c856b106280630f8"
# (annotations, images): each export's COCO file and the folder its file names are in.
EXPORTS = (("binh/_annotations.coco.json", "binh/train"),
           ("khoa/train/_annotations.coco.json", "khoa/train"),
           ("khoa/valid/_annotations.coco.json", "khoa/valid"),
           ("khoa/test/_annotations.coco.json", "khoa/test"),
           ("kong/_annotations.coco.json", "kong/train"))
LICENCE = "CC BY 4.0 (each export's _annotations.coco.json: licenses)"
BRANDS = {"bia_viet": "Bia Viet", "bivina": "Bivina", "edelweiss": "Edelweiss", "heineken": "Heineken",
          "larue": "Larue", "strongbow": "Strongbow", "tiger": "Tiger"}
# Objects that stand upright in a photo taken the right way up.
STANDING = {"beer_bottle", "beer_can", "drinker", "promoter", "fridge", "display_stand"}
# Per brand, the photos whose largest mark of it is a reference. Picked by eye among the first
# twenty candidates in the order of `rank` (largest mark of 32 px or more): the labels are
# noisy, and about one candidate in four was another brand's mark, a person or a caption
# (a HEINEKEN badge and a LARUE carton labelled strongbow, Heineken cartons labelled bia_viet).
REFERENCES = {
    "bia_viet": ["391580552_1017446269377653_4375064474277920130_n", "393781278_1511959316307987_8586680716151433942_n",
                 "429761848_1655269878545378_2410783101779906375_n", "432012179_1612181392852756_6300683129831659207_n",
                 "393985492_297097909935964_4151170934303147948_n"],
    "bivina": ["Ice-box-cooler", "images-6-_jpeg", "66501542_1706783379061",
               "394629093_1344858183063329_5040501765125694558_n", "66504488_1706014267557"],
    "edelweiss": ["beer-3916373_27ecb_hd_jpeg", "edelweiss", "images-1-", "ta-i-xuo-ng-3-",
                  "395149275_1468226743910776_7122217409120890786_n"],
    "heineken": ["bia-heineken-thung-24-lon-330ml-3-11", "66501431_1705485180833", "66501542_1706012188235",
                 "275621346-519198216494146-4323989966934748116-n", "heineken-silver"],
    "larue": ["420242772_1626585574747142_5685620285943566036_n", "66502587_1706532187339", "66501431_1705485180833",
              "66502830_1708611241615", "images_jpeg"],
    "strongbow": ["Ice-bucket-1-", "strongbow-20221130", "395149275_1468226743910776_7122217409120890786_n",
                  "391540824_694363129492225_2021772818145568283_n", "430870668_784715143790356_254256838319747407_n"],
    "tiger": ["66502587_1706532187339", "Wall-Signage", "391589640_1013538949768385_4735573816770585856_n",
              "66502830_1708611241615", "tiger-normal"],
}
MIN_REFERENCE_SIDE = 32  # smaller side, in pixels: smaller marks make no useful reference
FLICKR_ID = re.compile(r"^\d{6,11}(_[0-9a-f]{10})?(_[a-z])?$")


def uprightness(boxes: list[dict]) -> float:
    """Above 0 when standing objects are taller than wide and marks wider than tall."""
    score = 0.0
    for b in boxes:
        x1, y1, x2, y2 = b["box"]
        tall = math.log((y2 - y1) / (x2 - x1))
        if b["class"] in STANDING:
            score += tall
        elif b["class"] in BRANDS:
            score -= tall
    return score


def boxes_of(coco: dict) -> dict:
    """{file name: [{"class", "box": [x1,y1,x2,y2]}]} of one COCO export, boxes clipped to the image."""
    names = {c["id"]: c["name"] for c in coco["categories"]}
    images = {i["id"]: i for i in coco["images"]}
    out = {i["file_name"]: [] for i in coco["images"]}
    for a in coco["annotations"]:
        im = images[a["image_id"]]
        x, y, w, h = a["bbox"]
        x1, y1 = max(0.0, x), max(0.0, y)
        x2, y2 = min(float(im["width"]), x + w), min(float(im["height"]), y + h)
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            out[im["file_name"]].append({"class": names[a["category_id"]],
                                         "box": [round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)]})
    return out


def area(b: dict) -> float:
    return (b["box"][2] - b["box"][0]) * (b["box"][3] - b["box"][1])


def side(b: dict) -> float:
    return min(b["box"][2] - b["box"][0], b["box"][3] - b["box"][1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path, help="git directory of the repository's snapshot")
    ap.add_argument("--negatives", required=True, type=Path, help="the yologo set (yologo.py --out)")
    ap.add_argument("--negative-count", type=int, default=200, help="clean negatives to add (default 200)")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    commit = start(a.repo, COMMIT, a.out, "beer.py", "vtcong21/angelhack-heineken")

    copies = {}  # original -> [(path, file name, blob, boxes)]
    owner = {}  # original -> the export it is kept from
    left_out = {"copy in a second export": 0, "image absent from the snapshot": 0, "no brand box": 0,
                "no upright copy": 0, "unreadable image": 0}
    for annotations, folder in EXPORTS:
        coco = json.loads(git(a.repo, "show", f"{commit}:{annotations}"))
        files = tree(a.repo, commit, folder)
        for name, boxes in sorted(boxes_of(coco).items()):
            o = original(name)
            if owner.setdefault(o, folder) != folder:
                left_out["copy in a second export"] += 1
                continue
            if name not in files:
                left_out["image absent from the snapshot"] += 1
                continue
            copies.setdefault(o, []).append((f"{folder}/{name}", name, files[name], boxes))

    photos = {}  # original -> (path, boxes of brands) of its upright copy
    for o, versions in sorted(copies.items()):
        if not any(b["class"] in BRANDS for b in versions[0][3]):
            left_out["no brand box"] += 1
            continue
        best = max(versions, key=lambda v: (uprightness(v[3]), v[1]))
        if uprightness(best[3]) <= 0:
            left_out["no upright copy"] += 1
            continue
        photos[o] = (best[0], best[2], [{"brand": b["class"], "box": b["box"]} for b in best[3]
                                        if b["class"] in BRANDS])
    suspicious = sorted(o for o in photos if FLICKR_ID.match(o))
    if suspicious:
        sys.exit(f"beer.py: {len(suspicious)} photo names look like Flickr ids ({suspicious[:3]}); "
                 "FlickrLogos is kept for independent evaluation")

    blobs = Blobs(a.repo)
    try:
        def image(o: str) -> Image.Image | None:
            data = blobs.read(photos[o][1])
            try:
                im = Image.open(io.BytesIO(data))
                im.load()
                return im.convert("RGB")
            except Exception:
                return None

        reference_photos, used = {}, set()
        for brand, originals in REFERENCES.items():
            picks = []
            for o in originals:
                marks = [b for b in photos.get(o, (None, None, []))[2]
                         if b["brand"] == brand and side(b) >= MIN_REFERENCE_SIDE]
                if not marks:
                    sys.exit(f"beer.py: reference photo {o} holds no mark of {brand} of {MIN_REFERENCE_SIDE} px "
                             "or more (not the pinned commit?)")
                picks.append((o, max(marks, key=area)))
            reference_photos[brand] = picks
            used |= set(originals)
        for brand, picks in reference_photos.items():
            d = a.out / "catalog" / brand
            d.mkdir(parents=True)
            for o, b in picks:
                im = image(o)
                if im is None:
                    sys.exit(f"beer.py: reference photo {photos[o][0]} cannot be decoded")
                crop(im, b["box"]).save(d / f"{o[:60]}.png")
            (d / "brand.json").write_text(json.dumps({"display_name": BRANDS[brand]}) + "\n")

        rows, by_brand = [], {b: 0 for b in BRANDS}
        for o in sorted(photos):
            if o in used:
                continue
            path, _, boxes = photos[o]
            im = image(o)
            if im is None:
                left_out["unreadable image"] += 1
                continue
            out_name = f"{rank(o)[:16]}.jpg"
            im.save(a.out / "images" / out_name, "JPEG", quality=95)
            brands = sorted({b["brand"] for b in boxes})
            for b in brands:
                by_brand[b] += 1
            rows.append({"image": f"images/{out_name}", "brands": brands, "boxes": boxes, "source": path})
    finally:
        blobs.close()
    with_brand = len(rows)
    negatives = write_labels(a.out, rows, a.negatives, a.negative_count)
    sizes = np.array([side(b) for r in rows for b in r.get("boxes", [])])
    card = {
        "name": "beer",
        "source": "https://github.com/vtcong21/angelhack-heineken",
        "commit": commit,
        "paths": [e[0] for e in EXPORTS] + [e[1] for e in EXPORTS],
        "licence": LICENCE,
        "what": "photos in bars, restaurants and shops in Vietnam (stretched to 640x640 by Roboflow), boxes of "
                "seven beer and cider brands' marks",
        "photos_with_a_brand": len(photos),
        "copies_in_repository": sum(len(v) for v in copies.values()),
        "reference_photos": {b: [o for o, _ in p] for b, p in reference_photos.items()},
        "test_images": {"with_brand": with_brand, "clean_negatives": len(negatives), "by_brand": by_brand},
        "boxes": int(len(sizes)),
        "boxes_by_smaller_side": size_buckets(sizes),
        "negatives_from": "yologo-proposals groups 3_google and 6_google (see yologo.py)",
        "left_out": left_out,
        "independent_sets_checked": "photo names are Facebook/Zalo uploads and shop image names, none a numeric "
                                    "Flickr id (checked); seven Vietnamese-market brands, of which only Heineken "
                                    "is on the FlickrLogos-32 list; venue photos, not SoccerAA broadcast frames "
                                    "nor logohunter's set",
        "caveats": "photos were stretched to a square; marks are labelled densely but not exhaustively, so "
                   "precision is a lower bound; about one box in four among the largest names the wrong brand or no mark "
                   "(references were picked by eye for that reason), so recall is one too; the upright copy is "
                   "told by box shapes",
    }
    (a.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"beer.py: {len(rows)} test images ({with_brand} with a brand, {len(negatives)} negatives), "
          f"{len(sizes)} boxes, {len(BRANDS)} brands in the catalog; left out {left_out}; in {a.out}")


if __name__ == "__main__":
    main()

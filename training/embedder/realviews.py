#!/usr/bin/python3
"""Training views cut from real photos, in the layout ``prerender.py`` writes, so ``train.py
--real-views`` can mix them into every batch beside the synthetic views.

- Brands: the sportswear set's training brands only (``training/realdata/sportswear.py``;
  361, anta, erke, kappa, xtep). Their catalog crops are the references; every labelled mark
  in their photos gives grid-like windows and detector-like tight crops, as ``views.py`` cuts
  them from rendered frames.
- With ``--logodet``: the training marks of the LogoDet-3K clothes set as well
  (``training/realdata/logodet_clothes.py``, its ``train/`` part; the held-out marks in ``dev/``
  are never read), cut the same way.
- Backgrounds (no brand): the marks of the yologo facade photos of the training groups
  (1, 2, 4, 5; other shops' signs, text-heavy boards, the look-alikes a venue is full of),
  windows of those photos away from every mark, and windows of the sportswear photos away
  from their marks (shoes, fabric, shop shelves). ``train.py`` mines the hardest of them.

Nothing of the open dev brands (adidas, li-ning, new balance, nike, puma) or of the held-out
yologo groups (3, 6; the dev set's negatives) is read. Deterministic for a given seed.

    /usr/bin/python3 training/embedder/realviews.py --sportswear ~/.cache/logowatch/real/sportswear \
        --yologo ~/.cache/logowatch/real/yologo-proposals --out ~/.cache/logowatch/embedder/real-views
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedder import views as V  # noqa: E402
from embedder.preprocess import SIZE, letterbox  # noqa: E402

TRAIN_BRANDS = ("361", "anta", "erke", "kappa", "xtep")
DEV_BRANDS = ("adidas", "lining", "newbalance", "nike", "puma")
TRAIN_GROUPS = ("1", "2", "4", "5")
MIN_SIDE = 12  # marks smaller than this either way carry too few pixels to learn from


def labels(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "labels.jsonl").read_text().splitlines() if line.strip()]


def image_rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")])


def mark_views(image: Image.Image, targets: list, boxes: list, rng: np.random.Generator, windows: int, tight: int):
    """Windows around and tight crops of each target box (the kinds views.py gives rendered
    marks); windows that would show much of another of ``boxes`` are skipped."""
    wh = image.size
    for b in targets:
        if b[2] - b[0] < MIN_SIDE or b[3] - b[1] < MIN_SIDE:
            continue
        others = [o for o in boxes if o is not b]
        for _ in range(windows):
            win = V.window(b, others, wh, rng)
            if win is not None:
                yield letterbox(image, win), V.SCENE_WINDOW
        for _ in range(tight):
            yield letterbox(image, V.tight(b, wh, rng)), V.SCENE_TIGHT


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sportswear", type=Path, required=True, help="set written by training/realdata/sportswear.py")
    ap.add_argument("--yologo", type=Path, required=True, help="set written by training/realdata/yologo.py")
    ap.add_argument("--logodet", type=Path, help="set written by training/realdata/logodet_clothes.py (its train/ is read)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--windows", type=int, default=2, help="windows per real mark")
    ap.add_argument("--tight", type=int, default=2, help="tight crops per real mark")
    ap.add_argument("--backgrounds", type=int, default=2, help="mark-free windows per photo")
    a = ap.parse_args(argv)
    started = time.monotonic()
    if (a.out / "views.json").exists():
        print(f"realviews: {a.out} is complete already; delete it to cut again")
        return 0
    a.out.mkdir(parents=True, exist_ok=True)
    sets = [(a.sportswear, TRAIN_BRANDS)]
    if a.logodet is not None:
        logodet = a.logodet / "train"
        sets.append((logodet, tuple(sorted(p.name for p in (logodet / "catalog").iterdir() if p.is_dir()))))
    brands = [b for _, names in sets for b in names]
    label_of = {b: i for i, b in enumerate(brands)}
    rows: list[tuple[int, int]] = []  # (label, kind) per written view
    photos = {"sportswear": 0, "logodet": 0, "yologo": 0}
    tmp = a.out / "views.u8.part"
    with open(tmp, "wb") as data:
        def put(view: np.ndarray, label: int, kind: int) -> None:
            data.write(np.ascontiguousarray(view).tobytes())
            rows.append((label, kind))

        for folder, names in sets:
            source = "sportswear" if folder == a.sportswear else "logodet"
            for brand in names:
                for ref in sorted((folder / "catalog" / brand).glob("*.png")):
                    put(letterbox(Image.open(ref).convert("RGB")), label_of[brand], V.REFERENCE)
            for item in labels(folder):
                if not item["brands"] or not set(item["brands"]) <= set(names):
                    continue  # clean negatives are held-out yologo photos; dev brands are never read
                image = Image.open(folder / item["image"]).convert("RGB")
                rng = image_rng(a.seed, f"{source}:{item['image']}" if source != "sportswear" else item["image"])
                photos[source] += 1
                all_boxes = [b["box"] for b in item["boxes"]]
                for brand in sorted({b["brand"] for b in item["boxes"]}):
                    targets = [b for b, o in zip(all_boxes, item["boxes"]) if o["brand"] == brand]
                    for view, kind in mark_views(image, targets, all_boxes, rng, a.windows, a.tight):
                        put(view, label_of[brand], kind)
                for _ in range(a.backgrounds):
                    win = V.background_window(all_boxes, image.size, rng)
                    if win is not None:
                        put(letterbox(image, win), -1, V.BACKGROUND)
        for item in labels(a.yologo):
            name = Path(item["image"]).name
            if name.split("_", 1)[0] not in TRAIN_GROUPS:
                continue
            image = Image.open(a.yologo / item["image"]).convert("RGB")
            rng = image_rng(a.seed, item["image"])
            photos["yologo"] += 1
            boxes = [b["box"] for b in item["boxes"]]
            for view, _ in mark_views(image, boxes, boxes, rng, 1, 1):
                put(view, -1, V.BACKGROUND)
            for _ in range(a.backgrounds):
                win = V.background_window(boxes, image.size, rng)
                if win is not None:
                    put(letterbox(image, win), -1, V.BACKGROUND)
    tmp.rename(a.out / "views.u8")
    label = np.array([r[0] for r in rows], np.int32)
    kind = np.array([r[1] for r in rows], np.int8)
    np.savez(a.out / "views.npz", label=label, kind=kind, origin=np.zeros(len(rows), np.int32))
    counts = {name: int((kind == k).sum()) for k, name in enumerate(V.KIND_NAMES)}
    per_brand = {b: int((label == i).sum()) for b, i in label_of.items()}
    info = {
        "size": SIZE, "count": len(rows), "seed": a.seed, "brands": brands,
        "train_brands": len(brands), "val_brands": 0, "neighbours": {}, "kinds": counts,
        "per_brand": per_brand, "photos": photos, "never_read": {"brands": list(DEV_BRANDS), "yologo_groups": ["3", "6"],
                                                    "logodet": "dev/ (held-out marks)"},
        "sources": {s: json.loads((d / "card.json").read_text()).get("commit")
                    for s, d in (("sportswear", a.sportswear), ("yologo", a.yologo), ("logodet", a.logodet))
                    if d is not None},
        "seconds": round(time.monotonic() - started),
    }
    (a.out / "views.json").write_text(json.dumps(info, indent=1) + "\n")  # last: marks a complete cut
    print(f"realviews: {len(rows)} views from {photos} photos in {info['seconds']} s: {counts}; per brand {per_brand}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

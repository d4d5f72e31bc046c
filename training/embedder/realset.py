#!/usr/bin/python3
"""A small labelled set of real camera images from Debian's opencv-doc, in the
``logowatch eval`` format: a printed package photographed in a cluttered scene, with the
package's flat front scan as its catalog reference.

    /usr/bin/python3 training/embedder/realset.py --out /tmp/real --catalog-from /tmp/dev/catalog

- ``catalog/bastoncini/box.png``: ``examples/data/box.png``, the front of a biscuit box
  (greyscale scan);
- ``images/box_in_scene.png`` (positive): ``examples/data/box_in_scene.png``, the same box
  photographed in a pile of packages, turned and seen in perspective, its top right corner
  behind another box;
- ``images/box_mp4_*.png`` (negatives): one frame a second of ``opencv4/html/box.mp4``,
  another printed box (a different product) held over a table; labelled with no brand.

How the box is labelled: four corners of the package were measured by hand on the photo;
the script then refines them so that the reference, warped by the homography they define,
matches the photo best (normalised cross-correlation over the left 60 % of the reference,
the part no other box hides; a coordinate search down to a quarter pixel). The label is the
bounding box of the refined quadrilateral. The script refuses to write labels when the
correlation stays below 0.7 (it reaches 0.81 with opencv-doc 4.6.0).

``--catalog-from`` adds the brands of another dataset's catalog (for example a dev set's
held-out simple-icons brands) as distractors, so the margin over the runner-up brand and
false matches on real packaging count.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synth import backgrounds as bgs  # noqa: E402

BRAND = "bastoncini"
REFERENCE = "examples/data/box.png"
SCENE = "examples/data/box_in_scene.png"
NEGATIVE_CLIP = "opencv4/html/box.mp4.gz"
# Hand-measured corners of the box front in the scene: top left, top right (hidden; where
# the edges would meet), bottom right, bottom left, for the reference's (0,0), (w,0), (w,h), (0,h).
MEASURED = ((119.0, 162.0), (275.0, 185.0), (268.0, 298.0), (95.0, 258.0))
VISIBLE = 0.6  # the left share of the reference that no other box covers in the scene
MIN_NCC = 0.7


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3x3 homography taking four points ``src`` to ``dst`` (direct linear transform)."""
    rows = []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    h = np.linalg.svd(np.asarray(rows))[2][-1].reshape(3, 3)
    return h / h[2, 2]


def bilinear(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    inside = (x0 >= 0) & (y0 >= 0) & (x0 < img.shape[1] - 1) & (y0 < img.shape[0] - 1)
    x0 = np.clip(x0, 0, img.shape[1] - 2)
    y0 = np.clip(y0, 0, img.shape[0] - 2)
    fx, fy = x - x0, y - y0
    v = (img[y0, x0] * (1 - fx) * (1 - fy) + img[y0, x0 + 1] * fx * (1 - fy)
         + img[y0 + 1, x0] * (1 - fx) * fy + img[y0 + 1, x0 + 1] * fx * fy)
    return v, inside


class Alignment:
    """Normalised cross-correlation between the reference's visible part and the scene
    under the homography that puts the reference's corners at given points."""

    def __init__(self, reference: np.ndarray, scene: np.ndarray):
        h, w = reference.shape
        self.scene = scene
        self.corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], float)
        ys, xs = np.mgrid[2:h - 2:2, 2:int(w * VISIBLE):2]
        self.points = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
        self.values = reference[ys.ravel(), xs.ravel()]

    def score(self, dst: np.ndarray) -> float:
        p = homography(self.corners, dst) @ self.points
        v, inside = bilinear(self.scene, p[0] / p[2], p[1] / p[2])
        if inside.mean() < 0.9:
            return -1.0
        a = self.values[inside] - self.values[inside].mean()
        b = v[inside] - v[inside].mean()
        return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))

    def refine(self, dst: np.ndarray) -> tuple[np.ndarray, float]:
        """Moves one corner coordinate at a time while the correlation grows, in steps of
        4 px down to 1/4 px; deterministic."""
        best = self.score(dst)
        for step in (4.0, 2.0, 1.0, 0.5, 0.25):
            improved = True
            rounds = 0
            while improved and rounds < 200:
                improved = False
                rounds += 1
                for i in range(4):
                    for j in range(2):
                        for s in (step, -step):
                            d = dst.copy()
                            d[i, j] += s
                            v = self.score(d)
                            if v > best + 1e-6:
                                best, dst, improved = v, d, True
        return dst, best


def grey(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"), np.float64)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output folder (replaced if it holds a dataset)")
    ap.add_argument("--catalog-from", type=Path, help="a catalog folder whose brands are added as distractors")
    ap.add_argument("--every", type=float, default=1.0, help="seconds between negative frames of box.mp4")
    ap.add_argument("--opencv-doc", type=Path, default=bgs.OPENCV_DOC)
    a = ap.parse_args(argv)

    reference_path = bgs.source_path(REFERENCE, a.opencv_doc)
    scene_path = bgs.source_path(SCENE, a.opencv_doc)
    reference = grey(reference_path)
    align = Alignment(reference, grey(scene_path))
    measured = np.array(MEASURED, float)
    start = align.score(measured)
    corners, ncc = align.refine(measured)
    if ncc < MIN_NCC:
        raise SystemExit(f"realset: the box in {scene_path} could not be located (correlation {ncc:.3f} < {MIN_NCC}); "
                         "labels not written")
    scene_w, scene_h = Image.open(scene_path).size
    x1, y1 = np.floor(corners.min(0)).astype(int)
    x2, y2 = np.ceil(corners.max(0)).astype(int)
    box = [max(0, int(x1)), max(0, int(y1)), min(scene_w, int(x2)), min(scene_h, int(y2))]

    if (a.out / "labels.jsonl").exists():
        shutil.rmtree(a.out)
    (a.out / "images").mkdir(parents=True, exist_ok=True)
    brand_dir = a.out / "catalog" / BRAND
    brand_dir.mkdir(parents=True, exist_ok=True)
    # Greyscale files become 3-channel RGB: the engine reads colour images.
    Image.open(reference_path).convert("RGB").save(brand_dir / "box.png")
    (brand_dir / "brand.json").write_text(json.dumps({"display_name": "Bastoncini"}) + "\n")
    distractors = []
    if a.catalog_from:
        for d in sorted(p for p in a.catalog_from.iterdir() if p.is_dir()):
            if d.name == BRAND:
                raise SystemExit(f"realset: {a.catalog_from} already has a brand '{BRAND}'")
            shutil.copytree(d, a.out / "catalog" / d.name)
            distractors.append(d.name)

    labels = []
    Image.open(scene_path).convert("RGB").save(a.out / "images" / "box_in_scene.png")
    labels.append({"image": "images/box_in_scene.png", "brands": [BRAND],
                   "boxes": [{"brand": BRAND, "box": box}], "exhaustive": True})
    with tempfile.TemporaryDirectory(prefix="logowatch-real-") as tmp:
        clip = bgs.plain_copy(bgs.source_path(NEGATIVE_CLIP, a.opencv_doc), Path(tmp))
        frames = bgs.read_frames(clip, a.every)
    for i, frame in enumerate(frames):
        name = f"images/box_mp4_{i * a.every:05.1f}s.png"
        Image.fromarray(frame).save(a.out / name)
        labels.append({"image": name, "brands": [], "boxes": [], "exhaustive": True})
    (a.out / "labels.jsonl").write_text("".join(json.dumps(x) + "\n" for x in labels))
    (a.out / "dataset.json").write_text(json.dumps({
        "generator": "training/embedder/realset.py",
        "brand": BRAND, "reference": REFERENCE, "scene": SCENE, "negatives": NEGATIVE_CLIP, "every": a.every,
        "distractors": distractors,
        "labelling": {"measured_corners": MEASURED, "refined_corners": corners.round(2).tolist(),
                      "ncc_measured": round(start, 4), "ncc_refined": round(ncc, 4), "box": box},
        "license": bgs.LICENSE,
    }, indent=1) + "\n")
    print(f"realset: {len(labels)} images (1 with the box, {len(frames)} without), "
          f"{1 + len(distractors)} catalog brands; box {box}, correlation {start:.3f} -> {ncc:.3f}; wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Rebuilds the real street-photo proposal set from jordane95/yologo-dataset at a pinned commit.

The repository's photos of shop, pharmacy, restaurant and hotel facades carry YOLO boxes of
every logo, by shape class; here every class is one class, "logo". What comes out is a
dataset in the eval format with class-agnostic boxes, for `logowatch eval --proposals`:

    OUT/images/<name>.jpg      the labelled photos, as committed (never re-encoded)
    OUT/labels.jsonl           {"image", "brands": ["logo"], "boxes": [{"brand": "logo", "box": [x1,y1,x2,y2]}]}
    OUT/catalog/               empty: proposal recall needs no catalog
    OUT/card.json              source, commit, licence, counts, what was left out and why

The source is a git snapshot of the repository (its git directory), as given by a mirror
of https://github.com/jordane95/yologo-dataset; nothing is downloaded here. Images are read
from the pinned commit only, so the set is the same on every machine.

Usage: yologo.py --repo /path/to/yologo-dataset.git --out ~/.cache/logowatch/real/yologo-proposals
"""
import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

COMMIT = "0c7dd0c091ef301fe53e39df3ba3a787a28a8f82"
IMAGES = "datasets/logo/images/train"
LABELS = "datasets/logo/labels/train"
LICENCE = ("repository GPL-3.0; the photos were crawled from a web image search and their own rights "
           "are unknown: use to measure and train, never redistribute")


def git(repo, *args, data=None):
    return subprocess.run(["git", "--git-dir", str(repo), *args], input=data, capture_output=True, check=True).stdout


def tree(repo, commit, path):
    """{file name: blob id} of the files directly under path at commit."""
    out = git(repo, "ls-tree", "-z", f"{commit}:{path}")
    files = {}
    for entry in out.split(b"\0"):
        if entry:
            meta, name = entry.split(b"\t", 1)
            _, kind, blob = meta.split(b" ")
            if kind == b"blob":
                files[name.decode()] = blob.decode()
    return files


class Blobs:
    """Reads blobs through one `git cat-file --batch`; None for blobs the snapshot lacks."""

    def __init__(self, repo):
        self.proc = subprocess.Popen(["git", "--git-dir", str(repo), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, blob):
        self.proc.stdin.write(blob.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)
        return data

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path, help="git directory of a yologo-dataset snapshot")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()
    try:
        commit = git(a.repo, "rev-parse", "--verify", COMMIT + "^{commit}").decode().strip()
    except subprocess.CalledProcessError:
        sys.exit(f"yologo.py: {a.repo} does not hold commit {COMMIT} (fetch jordane95/yologo-dataset)")
    images = tree(a.repo, commit, IMAGES)
    labels = tree(a.repo, commit, LABELS)
    out_images = a.out / "images"
    out_images.mkdir(parents=True, exist_ok=True)
    (a.out / "catalog").mkdir(exist_ok=True)
    by_stem = {Path(n).stem: n for n in images}
    blobs = Blobs(a.repo)
    left_out = {"no label file": len(set(by_stem) - {Path(n).stem for n in labels}),
                "image absent from the snapshot (4 MiB or more)": 0, "unreadable image": 0,
                "no box inside the picture": 0, "label file without image": 0}
    rows, boxes_total = [], 0
    try:
        for label_name in sorted(labels):
            stem = Path(label_name).stem
            image_name = by_stem.get(stem)
            if image_name is None:
                left_out["label file without image"] += 1
                continue
            data = blobs.read(images[image_name])
            if data is None:
                left_out["image absent from the snapshot (4 MiB or more)"] += 1
                continue
            try:
                with Image.open(io.BytesIO(data)) as im:
                    w, h = im.size
                    im.verify()
            except Exception:
                left_out["unreadable image"] += 1
                continue
            boxes = []
            for line in blobs.read(labels[label_name]).decode("utf-8", "replace").splitlines():
                parts = line.split()
                if len(parts) != 5:
                    continue
                cx, cy, bw, bh = (float(v) for v in parts[1:])
                x1, y1 = max(0.0, (cx - bw / 2) * w), max(0.0, (cy - bh / 2) * h)
                x2, y2 = min(float(w), (cx + bw / 2) * w), min(float(h), (cy + bh / 2) * h)
                if x2 - x1 >= 1 and y2 - y1 >= 1:
                    boxes.append({"brand": "logo", "box": [round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)]})
            if not boxes:
                left_out["no box inside the picture"] += 1
                continue
            (out_images / image_name).write_bytes(data)
            rows.append({"image": f"images/{image_name}", "brands": ["logo"], "boxes": boxes})
            boxes_total += len(boxes)
    finally:
        blobs.close()
    with open(a.out / "labels.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    card = {
        "name": "yologo-proposals",
        "source": "https://github.com/jordane95/yologo-dataset",
        "commit": commit,
        "paths": [IMAGES, LABELS],
        "licence": LICENCE,
        "what": "street photos of shop, pharmacy, restaurant and hotel facades and signboards; YOLO logo "
                "boxes by shape class, all taken as one class 'logo'",
        "images": len(rows),
        "boxes": boxes_total,
        "left_out": left_out,
        "independent_sets_checked": "file names are <query>_google_<n>, not numeric Flickr ids; no brand "
                                    "labels at all, so no FlickrLogos-27/32 brand list; not SoccerAA or "
                                    "logohunter",
    }
    (a.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"yologo.py: {len(rows)} images, {boxes_total} boxes in {a.out}; left out {left_out}")


if __name__ == "__main__":
    main()

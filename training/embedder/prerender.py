#!/usr/bin/python3
"""Renders the training views of every training brand to disk, once, before training:
rendering a view costs more than training on it, and each view is seen several times.

    /usr/bin/python3 training/embedder/prerender.py --out ~/.cache/logowatch/embedder-views

Writes ``views.u8`` (N x SIZE x SIZE x 3 uint8, row-major), ``views.npz`` (per view: label
index into ``brands`` or -1 for background, kind, brand index of the frame it came from) and
``views.json`` (brands, look-alike lists, validation brands, what it was made from). Brands
are the "train" split of ``synth`` (held-out brands never appear, not even as look-alikes);
backgrounds are the "train" background sources of ``backgrounds_split``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from synth import backgrounds as bgs  # noqa: E402
from synth.icons import IconSet  # noqa: E402
from synth.select import pool, usable  # noqa: E402

from embedder import backgrounds_split, views  # noqa: E402
from embedder.preprocess import SIZE  # noqa: E402

VAL_BRANDS = 100  # training-split brands kept out of training to watch progress on

_state: dict = {}


def _signature(slug: str) -> tuple[str, bool, np.ndarray | None]:
    icons = _state["icons"]
    if not usable(icons, slug):
        return slug, False, None
    return slug, True, views.signature(icons, slug)


def _render(job: tuple[int, str, list[str]]):
    index, slug, neighbours = job
    out = views.brand_views(_state["icons"], slug, neighbours, _state["backgrounds"], _state["seed"],
                            _state["plan"])
    return index, out


def is_val(slug: str) -> bool:
    return hashlib.sha256(("logowatch-val:" + slug).encode()).digest()[0] < 256 * VAL_BRANDS // 2300


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--frames", type=int, default=views.ViewPlan.frames, help="rendered frames per brand")
    ap.add_argument("--limit", type=int, default=0, help="only the first N brands (quick trials)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--icons", help="unpacked simple-icons folder (default: the cache training/setup.sh fills)")
    a = ap.parse_args(argv)
    started = time.monotonic()
    out: Path = a.out
    if (out / "views.json").exists():
        print(f"prerender: {out} is complete already; delete it to render again")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    icons = IconSet(a.icons)
    _state.update(icons=icons, seed=a.seed, plan=views.ViewPlan(frames=a.frames))
    candidates = [b.slug for b in pool(icons, "train")]
    if a.limit:
        candidates = candidates[:a.limit]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(a.workers) as workers:
        sigs = list(workers.imap(_signature, candidates, chunksize=16))
    slugs = [s for s, ok, _ in sigs if ok]
    signatures = {s: sig for s, ok, sig in sigs if ok}
    train = [s for s in slugs if not is_val(s)]
    val = [s for s in slugs if is_val(s)]
    near = views.lookalikes(train, np.stack([signatures[s] for s in train]))
    neighbours = {s: [train[j] for j in near[i]] for i, s in enumerate(train)}
    print(f"prerender: {len(train)} training and {len(val)} validation brands "
          f"({len(candidates) - len(slugs)} unusable marks left out); signatures in "
          f"{time.monotonic() - started:.0f} s", flush=True)

    brands = train + val
    label_of = {s: i for i, s in enumerate(brands)}
    _state["backgrounds"] = backgrounds_split.pool("train")
    jobs = [(i, s, neighbours.get(s, [])) for i, s in enumerate(brands)]
    labels, kinds, origins = [], [], []
    tmp = out / "views.u8.part"
    with open(tmp, "wb") as data, ctx.Pool(a.workers) as workers:
        for done, (index, vs) in enumerate(workers.imap(_render, jobs, chunksize=2), 1):
            for image, slug, kind in vs:
                data.write(np.ascontiguousarray(image).tobytes())
                labels.append(-1 if slug is None else label_of[slug])
                kinds.append(kind)
                origins.append(index)
            if done % 100 == 0 or done == len(jobs):
                print(f"prerender: {done}/{len(jobs)} brands, {len(labels)} views, "
                      f"{time.monotonic() - started:.0f} s", flush=True)
    tmp.rename(out / "views.u8")
    np.savez(out / "views.npz", label=np.array(labels, np.int32), kind=np.array(kinds, np.int8),
             origin=np.array(origins, np.int32))
    counts = {name: int((np.array(kinds) == k).sum()) for k, name in enumerate(views.KIND_NAMES)}
    info = {
        "size": SIZE, "count": len(labels), "seed": a.seed, "plan": vars(views.ViewPlan(frames=a.frames)),
        "frame_size": list(views.FRAME_SIZE), "brands": brands, "train_brands": len(train),
        "val_brands": len(val), "neighbours": {s: neighbours[s] for s in train}, "kinds": counts,
        "simple_icons": icons.version,
        "backgrounds": {"package": "Debian opencv-doc", "license": bgs.LICENSE,
                        "files": [p for p, _ in backgrounds_split.sources("train")]},
        "seconds": round(time.monotonic() - started),
    }
    # Written last: its presence marks a complete render.
    (out / "views.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"prerender: {len(labels)} views of {len(brands)} brands in {info['seconds']} s: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

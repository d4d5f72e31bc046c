"""Choosing brands for a dataset: usable marks from one split, and look-alike decoys."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .icons import Brand, IconSet, mark_stats, shape_signature

SPLITS = ("heldout", "train", "all")


def usable(icons: IconSet, slug: str) -> bool:
    """A mark a camera can show: not a thin line or a near-empty outline, and not a white
    brand colour (it would vanish on white boards and reads as no brand colour at all)."""
    aspect, fill = mark_stats(icons.mask(slug))
    return aspect <= 4.0 and fill >= 0.08 and min(icons[slug].rgb) < 235


def pool(icons: IconSet, split: str) -> list[Brand]:
    """Redistributable brands of a split ("heldout", "train" or "all"), sorted by slug."""
    if split not in SPLITS:
        raise ValueError(f"unknown split '{split}', expected one of {', '.join(SPLITS)}")
    return sorted((b for b in icons.redistributable() if split == "all" or b.split == split),
                  key=lambda b: b.slug)


def pick_brands(icons: IconSet, split: str, count: int, rng: np.random.Generator) -> list[str]:
    """``count`` usable brands of the split, drawn in a seeded order."""
    candidates = pool(icons, split)
    chosen = []
    for i in rng.permutation(len(candidates)):
        slug = candidates[int(i)].slug
        if usable(icons, slug):
            chosen.append(slug)
            if len(chosen) == count:
                return chosen
    raise ValueError(f"split '{split}' has only {len(chosen)} usable brands, {count} asked")


def pick_decoys(icons: IconSet, catalog: Sequence[str], split: str, count: int,
                rng: np.random.Generator, candidates_per_brand: int = 12) -> list[str]:
    """``count`` brands outside the catalog that look like catalog brands: for catalog
    brands in turn, the closest of the nearest-coloured candidates by mark shape."""
    taken = set(catalog)
    others = [b for b in pool(icons, split) if b.slug not in taken]
    if not others or count <= 0:
        return []
    colors = np.array([b.rgb for b in others], np.float32)
    decoys: list[str] = []
    for slug in [catalog[int(i)] for i in rng.permutation(len(catalog))]:
        if len(decoys) == count:
            break
        target = np.array(icons[slug].rgb, np.float32)
        dist = np.abs(colors - target).sum(axis=1)
        sig = shape_signature(icons.mask(slug))
        best, best_score = None, -1e9
        for i in np.argsort(dist, kind="stable")[:candidates_per_brand * 2]:
            cand = others[int(i)].slug
            if cand in decoys or not usable(icons, cand):
                continue
            shape = 1.0 - float(np.abs(shape_signature(icons.mask(cand)) - sig).mean()) * 2
            score = shape - float(dist[i]) / 765.0
            if score > best_score:
                best, best_score = cand, score
        if best is not None:
            decoys.append(best)
    return decoys

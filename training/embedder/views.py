"""Training views of a brand: what the catalog holds (clean reference renders) and what a
venue camera shows (the mark composited by ``synth`` onto real footage, cropped as the grid
proposer or a detector would crop it), plus crops of the same footage with no mark at all.

Each brand gets its own seeded frames, so a view set is a pure function of (seed, brand).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from synth.compose import SampleGenerator, SynthParams
from synth.icons import IconSet, shape_signature
from synth.styles import REFERENCE_STYLES, compose_patch, reference_image, resize_mask, style_colors

from .preprocess import SIZE, letterbox

# Frames are rendered at a quarter of 720p's pixels: four times faster, and crops are
# taken relative to the mark, so only the smallest marks (12 px either way) lose nothing.
FRAME_SIZE = (640, 360)

# View kinds, stored with every view.
SCENE_WINDOW = 0   # a square window around the mark, as the grid proposer cuts it
SCENE_TIGHT = 1    # the mark's box with a little margin, as a detector would cut it
NEIGHBOUR = 2      # a window around a look-alike brand shown in the same frame
REFERENCE = 3      # a clean catalog render (the styles make_dataset writes)
REFERENCE_VARIANT = 4  # a clean render with another plate shape and margin
BACKGROUND = 5     # a window of the frame that holds no mark (label -1)
KIND_NAMES = ("scene_window", "scene_tight", "neighbour", "reference", "reference_variant", "background")


@dataclass(frozen=True)
class ViewPlan:
    frames: int = 8               # rendered frames per brand
    windows: int = 2              # grid-like windows per mark of the brand itself
    tight: int = 1                # detector-like crops per mark
    neighbour_windows: int = 1    # windows per look-alike mark in the brand's frames
    backgrounds: int = 1          # mark-free windows per frame
    reference_variants: int = 2


def brand_seed(seed: int, slug: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{slug}".encode()).digest()[:4], "big")


def signature(icons: IconSet, slug: str) -> np.ndarray:
    """Shape thumbnail (24 x 24) and brand colour, what look-alikes are found by."""
    return np.concatenate([shape_signature(icons.mask(slug)).ravel(),
                           np.array(icons[slug].rgb, np.float32) / 255.0]).astype(np.float32)


def lookalikes(slugs: list[str], signatures: np.ndarray, count: int = 10) -> list[list[int]]:
    """For each brand, the indices of the ``count`` brands most alike by mark shape and
    colour (the measure ``synth.select.pick_decoys`` uses), plus brands whose slugs share a
    six-letter prefix (families such as googledrive/googledocs)."""
    shapes, colors = signatures[:, :-3], signatures[:, -3:]
    out: list[list[int]] = []
    for start in range(0, len(slugs), 256):
        s = shapes[start:start + 256]
        shape_d = np.abs(s[:, None, :] - shapes[None, :, :]).mean(axis=2) * 2
        color_d = np.abs(colors[start:start + 256, None, :] - colors[None, :, :]).sum(axis=2) / 3
        d = shape_d + color_d
        for row, i in enumerate(range(start, min(start + 256, len(slugs)))):
            d[row, i] = np.inf
            out.append([int(j) for j in np.argsort(d[row], kind="stable")[:count]])
    families: dict[str, list[int]] = {}
    for i, slug in enumerate(slugs):
        if len(slug) >= 6:
            families.setdefault(slug[:6], []).append(i)
    for members in families.values():
        if 1 < len(members) <= 30:
            for i in members:
                out[i] += [j for j in members if j != i and j not in out[i]][:5]
    return out


def window(box, others, frame_wh, rng):
    """A square window holding the mark, its side 1-7 times the mark's long side (mostly up
    to 3), placed at random around it; None if it would show much of another mark."""
    fw, fh = frame_wh
    x1, y1, x2, y2 = box
    long_side = max(x2 - x1, y2 - y1)
    if rng.random() < 0.65:
        ratio = math.exp(rng.uniform(0.0, math.log(3.0)))
    else:
        ratio = math.exp(rng.uniform(math.log(3.0), math.log(7.0)))
    side = int(round(min(min(fw, fh), max(long_side * ratio, 8))))
    # Grid windows rarely centre a mark; allow up to a tenth of it outside the window.
    slack_x, slack_y = 0.1 * (x2 - x1), 0.1 * (y2 - y1)
    lo_x, hi_x = max(0, x2 - slack_x - side), min(fw - side, x1 + slack_x)
    lo_y, hi_y = max(0, y2 - slack_y - side), min(fh - side, y1 + slack_y)
    wx = int(round(rng.uniform(lo_x, hi_x))) if hi_x >= lo_x else int(np.clip((x1 + x2 - side) / 2, 0, fw - side))
    wy = int(round(rng.uniform(lo_y, hi_y))) if hi_y >= lo_y else int(np.clip((y1 + y2 - side) / 2, 0, fh - side))
    win = (wx, wy, wx + side, wy + side)
    for o in others:
        if _inter(win, o) > 0.3 * max(1, (o[2] - o[0]) * (o[3] - o[1])):
            return None
    return win


def tight(box, frame_wh, rng):
    fw, fh = frame_wh
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * rng.uniform(0, 0.2), (y2 - y1) * rng.uniform(0, 0.2)
    return (max(0, x1 - mx), max(0, y1 - my), min(fw, x2 + mx), min(fh, y2 + my))


def background_window(boxes, frame_wh, rng):
    fw, fh = frame_wh
    for _ in range(12):
        side = int(round(min(fw, fh) * math.exp(rng.uniform(math.log(0.1), math.log(0.6)))))
        wx, wy = int(rng.integers(0, fw - side + 1)), int(rng.integers(0, fh - side + 1))
        win = (wx, wy, wx + side, wy + side)
        if all(_inter(win, (b[0] - 2, b[1] - 2, b[2] + 2, b[3] + 2)) == 0 for b in boxes):
            return win
    return None


def _inter(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def reference_variant(icons: IconSet, slug: str, rng: np.random.Generator) -> Image.Image:
    """A clean render as a sponsor might hand it over: one of the catalog styles on a plate
    of another shape (square to banner) and margin, transparent corners on white."""
    brand = icons[slug]
    mark_rgb, plate_rgb = style_colors(brand, str(rng.choice(REFERENCE_STYLES)))
    mask = resize_mask(icons.mask(slug), int(rng.integers(48, 200)))
    patch = compose_patch(mask, mark_rgb, plate_rgb, pad=(rng.uniform(0.05, 0.9), rng.uniform(0.05, 0.4)),
                          radius=rng.uniform(0, 0.2))
    a = patch.alpha[..., None]
    rgb = patch.rgb * a + (1 - a)
    return Image.fromarray((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")


def brand_views(icons: IconSet, slug: str, neighbours: list[str], backgrounds, seed: int,
                plan: ViewPlan = ViewPlan()) -> list[tuple[np.ndarray, str | None, int]]:
    """Every view of one brand: (SIZE x SIZE x 3 uint8, brand slug or None, kind)."""
    rng = np.random.default_rng([brand_seed(seed, slug), 1])
    views: list[tuple[np.ndarray, str | None, int]] = []
    for style in REFERENCE_STYLES:
        views.append((letterbox(reference_image(icons.mask(slug), icons[slug], style)), slug, REFERENCE))
    for _ in range(plan.reference_variants):
        views.append((letterbox(reference_variant(icons, slug, rng)), slug, REFERENCE_VARIANT))
    decoys = [n for n in neighbours[:4]]
    rng.shuffle(decoys)
    params = SynthParams(size=FRAME_SIZE, negatives=0.0, max_brands=1, decoy_rate=0.5)
    gen = SampleGenerator(icons, [slug], decoys[:2], backgrounds, params, brand_seed(seed, slug))
    for f in range(plan.frames):
        sample = gen.sample(f)
        image = Image.fromarray(sample.image)
        boxes = [o.box for o in sample.objects]
        for o in sample.objects:
            others = [b for b in boxes if b is not o.box]
            n_windows = plan.neighbour_windows if o.decoy else plan.windows
            for _ in range(n_windows):
                win = window(o.box, others, FRAME_SIZE, rng)
                if win is not None:
                    views.append((letterbox(image, win), o.brand, NEIGHBOUR if o.decoy else SCENE_WINDOW))
            if not o.decoy:
                for _ in range(plan.tight):
                    views.append((letterbox(image, tight(o.box, FRAME_SIZE, rng)), o.brand, SCENE_TIGHT))
        for _ in range(plan.backgrounds):
            win = background_window(boxes, FRAME_SIZE, rng)
            if win is not None:
                views.append((letterbox(image, win), None, BACKGROUND))
    assert all(v[0].shape == (SIZE, SIZE, 3) for v in views)
    return views

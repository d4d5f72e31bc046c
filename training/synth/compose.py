"""Labelled synthetic frames: brand marks placed on boards, shirts, screens and walls in
real footage, with exact pixel boxes.

Every sample is a pure function of (seed, index): the generator draws from
``numpy.random.default_rng([seed, index])``, so a dataset regenerates bit for bit and
workers can share the indices of one run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

from . import effects, geometry
from .backgrounds import BackgroundPool
from .icons import IconSet
from .styles import (BLACK, WHITE, brand_color, compose_patch, luminance, resize_mask,
                     style_colors)

SURFACES = ("board", "shirt", "screen", "wall")

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Placed:
    """One mark in a sample. ``box`` is [x1, y1, x2, y2) in pixels around the visible part
    of the mark (x2, y2 exclusive); ``decoy`` marks a brand that is not in the catalog."""

    brand: str
    box: Box
    decoy: bool
    surface: str
    style: str
    occluded: bool


@dataclass
class Sample:
    image: np.ndarray  # H x W x 3 uint8 RGB
    objects: list[Placed]
    background: str

    @property
    def labels(self) -> list[tuple[str, Box]]:
        """(brand, box) of every catalog brand in the image; decoys are not labelled."""
        return [(o.brand, o.box) for o in self.objects if not o.decoy]


@dataclass(frozen=True)
class SynthParams:
    """Knobs of the generator; the defaults aim at fixed venue cameras at 720p."""

    size: tuple[int, int] = (1280, 720)     # width, height
    negatives: float = 0.1                  # share of samples without any catalog brand
    max_brands: int = 3                     # catalog marks per positive sample, at most
    decoy_rate: float = 0.4                 # chance a sample also shows 1-2 decoys
    min_px: int = 12                        # smallest mark, longer side in pixels
    max_frac: float = 0.45                  # largest mark, share of the frame's height
    small_share: float = 0.3                # share of marks drawn 12-32 px
    occlusion: float = 0.25                 # chance a mark is partly hidden
    surfaces: tuple[float, ...] = (0.4, 0.2, 0.2, 0.2)  # weights of SURFACES


@dataclass
class _Canvas:
    frame: np.ndarray
    taken: list[Box] = field(default_factory=list)


class SampleGenerator:
    """Makes :class:`Sample` objects for a fixed set of catalog brands and decoys."""

    def __init__(self, icons: IconSet, brands: Sequence[str], decoys: Sequence[str] = (),
                 backgrounds: BackgroundPool | None = None, params: SynthParams = SynthParams(),
                 seed: int = 0):
        if not brands:
            raise ValueError("no catalog brands given")
        self.icons = icons
        self.brands = list(brands)
        self.decoys = list(decoys)
        self.backgrounds = backgrounds or BackgroundPool()
        self.params = params
        self.seed = seed
        for slug in self.brands + self.decoys:  # render every mask before any fork
            icons.mask(slug)
            icons.mask(slug, outline=True)

    def sample(self, index: int) -> Sample:
        rng = np.random.default_rng([self.seed, index])
        p = self.params
        frame, bg_name = self.backgrounds.pick(rng, p.size)
        canvas = _Canvas(frame)
        chosen: list[tuple[str, bool]] = []
        if rng.random() >= p.negatives:
            n = 1 + int(rng.choice(p.max_brands, p=_falling(p.max_brands)))
            for slug in rng.choice(self.brands, size=min(n, len(self.brands)), replace=False):
                chosen.append((str(slug), False))
        if self.decoys and rng.random() < p.decoy_rate:
            n = min(len(self.decoys), 1 + int(rng.random() < 0.3))
            for slug in rng.choice(self.decoys, size=n, replace=False):
                chosen.append((str(slug), True))
        objects = []
        for slug, decoy in chosen:
            placed = self._place(canvas, rng, slug, decoy)
            if placed is not None:
                objects.append(placed)
        image = self._camera(canvas.frame, rng)
        return Sample(effects.to_uint8(image), objects, bg_name)

    def __iter__(self) -> Iterator[Sample]:
        index = 0
        while True:
            yield self.sample(index)
            index += 1

    # one mark

    def _place(self, canvas: _Canvas, rng: np.random.Generator, slug: str, decoy: bool):
        p = self.params
        fh, fw = canvas.frame.shape[:2]
        surface = SURFACES[int(rng.choice(len(SURFACES), p=np.array(p.surfaces) / sum(p.surfaces)))]
        # Shirts and painted marks are smaller than boards and screens can be.
        largest = p.max_frac * fh * {"board": 1.0, "screen": 1.0, "shirt": 0.4, "wall": 0.7}[surface]
        if rng.random() < p.small_share:
            long_px = rng.uniform(p.min_px, 32)
        else:
            long_px = math.exp(rng.uniform(math.log(32), math.log(max(33.0, largest))))
        patch, style = self._dress(rng, slug, surface, long_px)
        ph, pw = patch.shape
        # The patch is at mark resolution; its own long side in the frame scales with it.
        mys, mxs = np.nonzero(patch.mark > 0.5)
        mark_long = max(np.ptp(mys), np.ptp(mxs)) + 1 if len(mxs) else max(pw, ph)
        patch_long = max(pw, ph) * long_px / mark_long
        yaw_max, pitch_max = {"board": (1.0, 0.5), "shirt": (0.5, 0.35),
                              "screen": (0.8, 0.35), "wall": (0.9, 0.6)}[surface]
        for _ in range(25):
            yaw = rng.uniform(-yaw_max, yaw_max) * rng.random()
            pitch = rng.uniform(-pitch_max, pitch_max) * rng.random()
            roll = rng.normal(0, 0.08)
            cx, cy = rng.uniform(0, fw), rng.uniform(0, fh)
            quad = geometry.pose_quad(pw, ph, (cx, cy), patch_long, yaw, pitch, roll, focal=1.1 * fw)
            bx = (quad[:, 0].min(), quad[:, 1].min(), quad[:, 0].max(), quad[:, 1].max())
            if bx[0] < 2 or bx[1] < 2 or bx[2] > fw - 2 or bx[3] > fh - 2:
                continue
            if any(_overlap(bx, t, 6) for t in canvas.taken):
                continue
            break
        else:
            return None
        warped = geometry.warp(patch, quad, (fh, fw))
        if warped is None:
            return None
        x0, y0, layers = warped
        h, w = layers.shape[:2]
        region = canvas.frame[y0:y0 + h, x0:x0 + w]
        if surface == "screen":
            if rng.random() < 0.7:
                effects.led_board(layers, rng.uniform(2.0, max(2.5, min(7.0, w / 12))), rng)
        elif surface == "wall":
            effects.shade_like(layers, region, rng.uniform(0.3, 0.7))
        else:
            effects.light_gradient(layers, rng, rng.uniform(0.0, 0.5))
        # Pasted marks are sharper than the footage around them; soften them to match.
        layers = effects.gaussian_blur(layers, rng.uniform(0.3, 1.1))
        effects.apply_over(canvas.frame, x0, y0, layers)
        visible = layers[..., 4].copy()
        occluded = False
        if rng.random() < p.occlusion:
            occluded = self._occlude(canvas, rng, x0, y0, visible)
        ys, xs = np.nonzero(visible > 0.5)
        if len(xs) < 6:
            return None
        box = (int(x0 + xs.min()), int(y0 + ys.min()), int(x0 + xs.max() + 1), int(y0 + ys.max() + 1))
        canvas.taken.append(tuple(int(v) for v in bx))
        return Placed(slug, box, decoy, surface, style, occluded)

    def _dress(self, rng: np.random.Generator, slug: str, surface: str, long_px: float):
        brand = self.icons[slug]
        if surface == "board":
            style = str(rng.choice(["color_on_white", "white_on_color", "mono", "outline"],
                                   p=[0.45, 0.35, 0.1, 0.1]))
        elif surface == "screen":
            style = str(rng.choice(["white_on_color", "color_on_white", "color_on_dark"],
                                   p=[0.45, 0.25, 0.3]))
        elif surface == "shirt":
            style = str(rng.choice(["color", "white", "mono", "outline"], p=[0.4, 0.3, 0.2, 0.1]))
        else:
            style = str(rng.choice(["color", "white", "mono"], p=[0.5, 0.25, 0.25]))
        outline = style == "outline"
        # Outlines vanish when small; draw them only at a readable size.
        if outline and long_px < 40:
            outline, style = False, ("color_on_white" if surface == "board" else "color")
        mask = resize_mask(self.icons.mask(slug, outline=outline), max(3, int(round(long_px))))
        color = brand_color(brand)
        if surface in ("board", "screen"):
            if style == "color_on_dark":
                mark_rgb, plate_rgb = (color if luminance(color) > 0.15 else WHITE), BLACK
            else:
                mark_rgb, plate_rgb = style_colors(brand, style)
            banner = rng.random() < 0.5 if surface == "board" else rng.random() < 0.3
            pad_x = rng.uniform(0.6, 1.6) if banner else rng.uniform(0.1, 0.3)
            patch = compose_patch(mask, mark_rgb, plate_rgb, pad=(pad_x, rng.uniform(0.1, 0.3)),
                                  radius=rng.uniform(0, 0.15),
                                  offset=(rng.uniform(0.1, 0.9) if banner else 0.5, 0.5))
            return patch, style
        # Shirts and walls: the mark itself, coloured to stand out from what is behind it.
        if style in ("color", "outline"):
            # A shirt's fabric is picked to contrast with the mark; paint on a wall is not.
            mark_rgb = color if surface == "shirt" or luminance(color) < 0.7 else BLACK
        elif style == "white":
            mark_rgb = WHITE
        else:
            mark_rgb = BLACK if rng.random() < 0.7 else WHITE
        if surface == "shirt":
            fabric = _fabric_color(rng, mark_rgb)
            patch = compose_patch(mask, mark_rgb, fabric, pad=(rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.6)),
                                  radius=0.5, feather=min(3.0, max(1.0, long_px / 14)))
            patch = geometry.curl(patch, rng.uniform(0.3, 1.1), rng.uniform(-0.08, 0.08))
            return patch, style
        return compose_patch(mask, mark_rgb, None), style

    def _occlude(self, canvas: _Canvas, rng, x0: int, y0: int, visible: np.ndarray) -> bool:
        """Hides 15-45 % of the mark behind a pole, a head or a piece of the scene itself,
        updating ``visible`` (the mark coverage in the layer's frame)."""
        ys, xs = np.nonzero(visible > 0.5)
        if len(xs) == 0:
            return False
        mx0, my0, mx1, my1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        mw, mh = mx1 - mx0, my1 - my0
        h, w = visible.shape
        occ = np.zeros((h, w), np.float32)
        kind = rng.integers(3)
        share = rng.uniform(0.15, 0.45)
        if kind == 0:  # a vertical pole
            bw = max(2, int(round(mw * share)))
            bx = int(rng.integers(mx0, max(mx0 + 1, mx1 - bw + 1)))
            occ[:, bx:bx + bw] = 1
        elif kind == 1:  # a head or shoulder from below
            r = max(3.0, math.sqrt(share * mw * mh / math.pi) * 1.3)
            cx, cy = rng.uniform(mx0, mx1), my1 + r * rng.uniform(0.2, 0.7)
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            occ = np.clip(r - np.hypot((xx - cx) * 0.8, yy - cy) + 0.5, 0, 1)
        else:  # a slab (railing, another board) over the left, right or bottom part
            side = rng.integers(3)
            if side == 0:
                occ[:, :mx0 + int(round(mw * share))] = 1
            elif side == 1:
                occ[:, mx1 - int(round(mw * share)):] = 1
            else:
                occ[my1 - int(round(mh * share)):, :] = 1
        fh, fw = canvas.frame.shape[:2]
        region = canvas.frame[y0:y0 + h, x0:x0 + w]
        # The occluder wears a texture taken from elsewhere in the same frame.
        sx, sy = int(rng.integers(0, max(1, fw - w))), int(rng.integers(0, max(1, fh - h)))
        texture = canvas.frame[sy:sy + h, sx:sx + w].copy()
        if rng.random() < 0.5:
            texture = texture * 0.35 + np.array(rng.uniform(0, 0.4, 3), np.float32)
        o = occ[..., None]
        region[...] = region * (1 - o) + texture * o
        visible *= 1 - occ
        return True

    def _camera(self, frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        img = frame
        if rng.random() < 0.5:
            img = effects.color_cast(img, np.array(rng.uniform(0.85, 1.15, 3), np.float32),
                                     rng.uniform(0.8, 1.25))
        r = rng.random()
        if r < 0.2:
            img = effects.motion_blur(img, rng.uniform(2, 9), rng.uniform(0, math.pi))
        elif r < 0.4:
            img = effects.gaussian_blur(img, rng.uniform(0.5, 1.6))
        if rng.random() < 0.6:
            img = effects.sensor_noise(img, rng.uniform(0.005, 0.03), rng)
        if rng.random() < 0.6:
            img = effects.jpeg(img, int(rng.integers(30, 90)))
        return img


def samples(icons: IconSet, brands: Sequence[str], decoys: Sequence[str] = (), count: int | None = None,
            seed: int = 0, params: SynthParams = SynthParams(),
            backgrounds: BackgroundPool | None = None) -> Iterator[tuple[np.ndarray, list[tuple[str, Box]]]]:
    """Yields (image, [(brand, box), ...]) pairs, ``count`` of them or without end.

    ``image`` is H x W x 3 uint8 RGB; boxes are [x1, y1, x2, y2) pixels around the visible
    mark of each catalog brand. Decoys appear in the images but not in the labels.
    """
    gen = SampleGenerator(icons, brands, decoys, backgrounds, params, seed)
    index = 0
    while count is None or index < count:
        s = gen.sample(index)
        yield s.image, s.labels
        index += 1


def _falling(n: int) -> np.ndarray:
    w = np.array([0.5 ** i for i in range(n)])
    return w / w.sum()


def _overlap(a, b, margin: float) -> bool:
    return not (a[2] + margin <= b[0] or b[2] + margin <= a[0] or a[3] + margin <= b[1] or b[3] + margin <= a[1])


def _fabric_color(rng: np.random.Generator, mark_rgb: np.ndarray) -> np.ndarray:
    """A shirt colour that the mark stands out from."""
    palette = np.array([[0.92, 0.92, 0.9], [0.08, 0.08, 0.1], [0.1, 0.14, 0.3], [0.45, 0.46, 0.48],
                        [0.6, 0.08, 0.1], [0.1, 0.35, 0.15], [0.85, 0.75, 0.2], [0.2, 0.4, 0.75]],
                       np.float32)
    ok = [c for c in palette if abs(luminance(c) - luminance(mark_rgb)) > 0.3]
    return ok[int(rng.integers(len(ok)))] if ok else palette[0]

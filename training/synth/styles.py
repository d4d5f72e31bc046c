"""How a brand mark is dressed at a venue: colours, plates, sizes.

A :class:`Patch` is a small RGBA picture of a mark (and the plate it is printed on) at the
resolution it will have in the frame, plus the mark's own coverage, which is what boxes
are measured on: a box always bounds the mark, never its board or shirt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .icons import Brand

STYLES = ("color_on_white", "white_on_color", "mono", "outline")

# Styles of the clean catalog references (what a sponsor hands over).
REFERENCE_STYLES = ("color_on_white", "white_on_color", "mono")

WHITE = np.array([1.0, 1.0, 1.0], np.float32)
BLACK = np.array([0.06, 0.06, 0.07], np.float32)


@dataclass
class Patch:
    """Float32 layers of one rendered mark, all the same height and width.

    ``rgb`` is not premultiplied; ``alpha`` covers mark and plate; ``mark`` covers the mark.
    """

    rgb: np.ndarray
    alpha: np.ndarray
    mark: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.alpha.shape


def brand_color(brand: Brand) -> np.ndarray:
    return np.array(brand.rgb, np.float32) / 255.0


def luminance(rgb: np.ndarray) -> float:
    return float(0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2])


def style_colors(brand: Brand, style: str) -> tuple[np.ndarray, np.ndarray]:
    """(mark colour, plate colour) of a style. A light brand colour (Shell's yellow) would
    vanish on white, so it goes on black instead, and under "white_on_color" the mark on
    its plate is black, as printers do."""
    color = brand_color(brand)
    light = luminance(color) >= 0.7
    if style == "color_on_white" or style == "outline":
        return color, (BLACK if light else WHITE)
    if style == "white_on_color":
        return (BLACK if light else WHITE), color
    if style == "mono":
        return BLACK, WHITE
    raise ValueError(f"unknown style '{style}', expected one of {', '.join(STYLES)}")


def resize_mask(mask: np.ndarray, long_side: int) -> np.ndarray:
    """The mask scaled so its longer side is ``long_side`` pixels (area-averaged)."""
    h, w = mask.shape
    s = long_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    im = Image.fromarray(mask.astype(np.float32), mode="F")
    return np.asarray(im.resize(size, Image.BOX if s < 1 else Image.BILINEAR), np.float32)


def rounded_rect(h: int, w: int, radius: float, feather: float = 0.0) -> np.ndarray:
    """Coverage of a rounded rectangle filling an h x w canvas (radius in pixels)."""
    scale = 4
    im = Image.new("L", (w * scale, h * scale), 0)
    ImageDraw.Draw(im).rounded_rectangle(
        (0, 0, w * scale - 1, h * scale - 1), radius=int(radius * scale), fill=255)
    out = np.asarray(im.resize((w, h), Image.BOX), np.float32) / 255.0
    if feather > 0:
        out = np.asarray(Image.fromarray((out * 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(feather)), np.float32) / 255.0
    return out


def compose_patch(mark_mask: np.ndarray, mark_rgb: np.ndarray, plate_rgb: np.ndarray | None,
                  pad: tuple[float, float] = (0.15, 0.15), radius: float = 0.1,
                  offset: tuple[float, float] = (0.5, 0.5), feather: float = 0.0) -> Patch:
    """A mark on an optional plate. ``pad`` is the plate margin (x, y) as a share of the
    mark's width and height; ``offset`` places the mark inside the plate (0.5 = centred)."""
    mh, mw = mark_mask.shape
    if plate_rgb is None:
        rgb = np.broadcast_to(mark_rgb, (mh, mw, 3)).astype(np.float32)
        return Patch(rgb, mark_mask.copy(), mark_mask.copy())
    px, py = max(1, round(mw * pad[0])), max(1, round(mh * pad[1]))
    h, w = mh + 2 * py, mw + 2 * px
    y0 = int(round(2 * py * offset[1]))
    x0 = int(round(2 * px * offset[0]))
    mark = np.zeros((h, w), np.float32)
    mark[y0:y0 + mh, x0:x0 + mw] = mark_mask
    plate = rounded_rect(h, w, radius * min(h, w), feather)
    m = mark[..., None]
    rgb = plate_rgb * (1 - m) + mark_rgb * m
    return Patch(rgb.astype(np.float32), np.maximum(plate, mark), mark * (plate > 0.5))


def reference_image(mask: np.ndarray, brand: Brand, style: str, size: int = 256) -> Image.Image:
    """A clean catalog reference: the mark centred on a square plate that fills the image."""
    mark_rgb, plate_rgb = style_colors(brand, style)
    inner = int(size * 0.76)
    m = resize_mask(mask, inner)
    canvas = np.zeros((size, size), np.float32)
    y0, x0 = (size - m.shape[0]) // 2, (size - m.shape[1]) // 2
    canvas[y0:y0 + m.shape[0], x0:x0 + m.shape[1]] = m
    c = canvas[..., None]
    rgb = plate_rgb * (1 - c) + mark_rgb * c
    return Image.fromarray((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")

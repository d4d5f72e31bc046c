"""Brand marks from the simple-icons npm package: metadata, train/held-out split, rendering.

Each icon is one single-colour SVG path on a 24x24 view box plus a brand colour in
``data/simple-icons.json``. Marks are rendered once per brand as an alpha mask with
``rsvg-convert`` (Debian ``librsvg2-bin``) and coloured later, so one render serves every
style and size.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

DEFAULT_CACHE = Path.home() / ".cache" / "logowatch" / "simple-icons"

# Share of all slugs that the split reserves for evaluation. Fixed: changing it would move
# brands between the splits and let training see evaluation brands.
HELD_OUT_PERCENT = 15

MASK_SIZE = 384  # render resolution; marks are resized down from it


@dataclass(frozen=True)
class Brand:
    """One simple-icons entry. ``hex`` is the brand colour without '#'."""

    slug: str
    title: str
    hex: str
    license: str | None  # per-icon licence from the data file, None when it names none

    @property
    def rgb(self) -> tuple[int, int, int]:
        return tuple(int(self.hex[i:i + 2], 16) for i in (0, 2, 4))

    @property
    def split(self) -> str:
        return brand_split(self.slug)


def brand_split(slug: str) -> str:
    """Deterministic split of a slug into "train" or "heldout" by a hash of its name.

    Training code takes only "train" brands; evaluation sets built from "heldout" brands
    are therefore never seen during training, whatever the simple-icons version.
    """
    digest = hashlib.sha256(("logowatch-split:" + slug).encode()).digest()
    return "heldout" if int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT else "train"


def locate(path: str | os.PathLike | None = None) -> Path:
    """The unpacked simple-icons package: ``path``, $LOGOWATCH_SIMPLE_ICONS/current, or the
    default cache that ``training/setup.sh`` fills."""
    if path is None:
        env = os.environ.get("LOGOWATCH_SIMPLE_ICONS")
        path = Path(env) / "current" if env else DEFAULT_CACHE / "current"
    root = Path(path).expanduser()
    if (root / "current" / "data").is_dir():
        root = root / "current"
    if not (root / "data" / "simple-icons.json").is_file():
        raise FileNotFoundError(
            f"simple-icons not found at {root} (no data/simple-icons.json); "
            "run training/setup.sh to fetch it, or pass its folder")
    return root


class IconSet:
    """The brands of one unpacked simple-icons package, with cached mask renders."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = locate(root)
        self.version = json.loads((self.root / "package.json").read_text())["version"]
        entries = json.loads((self.root / "data" / "simple-icons.json").read_text())
        self.brands: dict[str, Brand] = {}
        for e in entries:
            lic = (e.get("license") or {}).get("type")
            self.brands[e["slug"]] = Brand(e["slug"], e["title"], e["hex"].upper(), lic)
        self._masks: dict[tuple[str, bool], np.ndarray] = {}

    def __getitem__(self, slug: str) -> Brand:
        try:
            return self.brands[slug]
        except KeyError:
            raise KeyError(f"no simple-icons slug '{slug}' in version {self.version}") from None

    def redistributable(self) -> list[Brand]:
        """Brands whose data entry names no licence or CC0; the others carry their own
        terms (attribution, share-alike, non-commercial) and are left out of datasets."""
        return [b for b in self.brands.values() if b.license in (None, "CC0-1.0")]

    def svg_path(self, slug: str) -> Path:
        return self.root / "icons" / f"{slug}.svg"

    def mask(self, slug: str, outline: bool = False) -> np.ndarray:
        """Alpha mask (float32 in [0, 1], MASK_SIZE square, tight-cropped to the mark).

        ``outline`` strokes the path instead of filling it (a stroke about 1/40 of the
        view box), the look of an outlined or embroidered variant.
        """
        key = (slug, outline)
        if key not in self._masks:
            self._masks[key] = _tight(_render_alpha(self.svg_path(slug).read_text(), outline))
        return self._masks[key]


def _render_alpha(svg: str, outline: bool) -> np.ndarray:
    if outline:
        attrs = 'fill="none" stroke="#000000" stroke-width="0.6" stroke-linejoin="round"'
        # Paths that draw their own fill ignore the root attribute; strip any such fill.
        svg = re.sub(r'\sfill="[^"]*"', "", svg)
    else:
        attrs = 'fill="#000000"'
    svg = svg.replace("<svg ", f"<svg {attrs} ", 1)
    try:
        png = subprocess.run(
            ["rsvg-convert", "-w", str(MASK_SIZE), "-h", str(MASK_SIZE), "-f", "png"],
            input=svg.encode(), capture_output=True, check=True, timeout=30).stdout
    except FileNotFoundError:
        raise RuntimeError("rsvg-convert not found; install Debian librsvg2-bin "
                           "(training/setup.sh does)") from None
    im = Image.open(io.BytesIO(png)).convert("RGBA")
    return np.asarray(im, dtype=np.float32)[:, :, 3] / 255.0


def _tight(alpha: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(alpha > 0.02)
    if len(xs) == 0:
        return alpha
    return np.ascontiguousarray(alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def shape_signature(mask: np.ndarray) -> np.ndarray:
    """A 24x24 thumbnail of a mask, padded to a square, used to compare mark shapes."""
    h, w = mask.shape
    side = max(h, w)
    sq = np.zeros((side, side), np.float32)
    sq[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = mask
    thumb = Image.fromarray((sq * 255).astype(np.uint8)).resize((24, 24), Image.BILINEAR)
    return np.asarray(thumb, dtype=np.float32) / 255.0


def mark_stats(mask: np.ndarray) -> tuple[float, float]:
    """(aspect ratio long/short side, share of the bounding box the mark covers)."""
    h, w = mask.shape
    return max(h, w) / max(1, min(h, w)), float(mask.mean())

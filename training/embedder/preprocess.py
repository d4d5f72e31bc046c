"""The model's input preprocessing, identical to what the Java engine does from model.json
(``dev.logowatch.engine.InputBatch``): the crop is clipped to the image, scaled with its
aspect ratio kept so it fits SIZE x SIZE (antialiased bilinear, as PIL and the engine both
resample), centred, and the rest padded with PAD; then RGB, /255, ImageNet mean/std.

Training stores views as uint8 after the letterbox step; ``normalise`` does the rest on the fly.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

SIZE = 128                       # input height and width
MEAN = (0.485, 0.456, 0.406)     # ImageNet, RGB
STD = (0.229, 0.224, 0.225)
SCALE = 1 / 255
# The ImageNet mean as bytes: padding normalises to about zero, the neutral input.
PAD = (124, 116, 104)


def _round(v: float) -> int:
    return int(math.floor(v + 0.5))  # Java's Math.round, not Python's banker's rounding


def letterbox(image: Image.Image, box: tuple[float, float, float, float] | None = None,
              size: int = SIZE) -> np.ndarray:
    """``box`` (x1, y1, x2, y2 in pixels, default the whole image) of an RGB image as a
    size x size x 3 uint8 array, fitted the way the engine fits a letterbox crop."""
    w, h = image.size
    x1, y1, x2, y2 = box if box is not None else (0, 0, w, h)
    x1, y1, x2, y2 = max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(h), y2)
    if x2 - x1 < 0.5 or y2 - y1 < 0.5:
        raise ValueError(f"crop {box} does not overlap the {w}x{h} image")
    cw, ch = x2 - x1, y2 - y1
    s = min(size / cw, size / ch)
    content_w = min(size, max(1, _round(cw * s)))
    content_h = min(size, max(1, _round(ch * s)))
    left, top = (size - content_w) // 2, (size - content_h) // 2
    content = image.resize((content_w, content_h), Image.BILINEAR, box=(x1, y1, x2, y2))
    if content_w == size and content_h == size:
        return np.asarray(content, np.uint8)
    canvas = Image.new("RGB", (size, size), PAD)
    canvas.paste(content, (left, top))
    return np.asarray(canvas, np.uint8)


def on_white(rgba: Image.Image) -> Image.Image:
    """Transparency composited on white, as the engine reads reference images with alpha."""
    if rgba.mode in ("RGBA", "LA", "P"):
        rgba = rgba.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return rgba.convert("RGB")


def normalise(batch_uint8):
    """N x H x W x 3 uint8 (numpy or torch) to the N x 3 x H x W float tensor the model takes."""
    import torch
    x = torch.as_tensor(np.array(batch_uint8, copy=True)).permute(0, 3, 1, 2).float()
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x * SCALE - mean) / std


def manifest_input() -> dict:
    """The ``input`` section of model.json that reproduces this preprocessing."""
    return {"name": "input", "layout": "NCHW", "size": [SIZE, SIZE], "color": "RGB",
            "scale": SCALE, "mean": list(MEAN), "std": list(STD), "resize": "letterbox", "pad": list(PAD)}

"""Camera and display effects, on float32 RGB in [0, 1] (H x W x 3) unless noted.

Layer effects take the premultiplied H x W x 5 stack from :mod:`geometry` (RGB, alpha,
mark) and change only its colour, so boxes measured on the mark channel stay exact.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image


def to_uint8(img: np.ndarray) -> np.ndarray:
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def to_float(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float32) / 255.0


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Defocus: a separable Gaussian over the first two axes of any H x W x C array."""
    if sigma <= 0.05:
        return img
    r = max(1, int(math.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2).astype(np.float32)
    k /= k.sum()
    out = img
    for axis in (0, 1):
        n = out.shape[axis]
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="edge")
        acc = np.zeros_like(out)
        for i, kv in enumerate(k):
            acc += kv * np.take(padded, np.arange(i, i + n), axis=axis)
        out = acc
    return out


def motion_blur(img: np.ndarray, length: float, angle: float) -> np.ndarray:
    """Blur along a line of ``length`` pixels at ``angle`` (radians): camera pan or shake."""
    steps = max(2, int(round(length)))
    if length < 1.0:
        return img
    h, w = img.shape[:2]
    pad = steps + 1
    padded = np.pad(img, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    acc = np.zeros_like(img)
    for i in range(steps):
        t = (i / (steps - 1) - 0.5) * length
        dx, dy = int(round(t * math.cos(angle))), int(round(t * math.sin(angle)))
        acc += padded[pad + dy:pad + dy + h, pad + dx:pad + dx + w]
    return acc / steps


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """Round trip through JPEG at ``quality`` (blocking and ringing of a cheap encoder)."""
    buf = io.BytesIO()
    Image.fromarray(to_uint8(img)).save(buf, "JPEG", quality=int(quality))
    buf.seek(0)
    return to_float(np.asarray(Image.open(buf).convert("RGB")))


def sensor_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise, stronger in the dark as on a small camera sensor."""
    if sigma <= 0:
        return img
    n = rng.standard_normal(img.shape, dtype=np.float32) * sigma
    return img + n * (1.3 - 0.6 * img)


def color_cast(img: np.ndarray, gains: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """White balance off by per-channel ``gains``, then a gamma (exposure) change."""
    out = np.clip(img * gains, 0, 1)
    return out ** gamma if abs(gamma - 1) > 1e-3 else out


def light_gradient(layers: np.ndarray, rng: np.random.Generator, strength: float) -> None:
    """In place: uneven light across a layer (a spotlight, a shadow edge)."""
    h, w = layers.shape[:2]
    a = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = ((xs / max(1, w - 1) - 0.5) * math.cos(a) + (ys / max(1, h - 1) - 0.5) * math.sin(a))
    layers[..., :3] *= (1 + strength * ramp)[..., None]


def shade_like(layers: np.ndarray, background: np.ndarray, strength: float) -> None:
    """In place: the layer takes on the lighting and texture of the surface it is painted
    on (bricks, fabric folds): its colour is scaled by the surface's relative brightness."""
    lum = background.mean(axis=2)
    rel = lum / max(1e-3, float(lum.mean()))
    layers[..., :3] *= (1 - strength + strength * np.clip(rel, 0.4, 1.6))[..., None]


def led_board(layers: np.ndarray, pitch: float, rng: np.random.Generator) -> None:
    """In place: shows the layer as an LED board seen by a camera: colours quantised to
    cells of ``pitch`` pixels, each cell a glowing dot with dark gaps, brighter overall,
    plus a faint moire-like scan band."""
    h, w = layers.shape[:2]
    p = max(2, int(round(pitch)))
    gh, gw = -(-h // p), -(-w // p)
    padded = np.zeros((gh * p, gw * p, 3), np.float32)
    padded[:h, :w] = layers[..., :3]
    cells = padded.reshape(gh, p, gw, p, 3).mean(axis=(1, 3))
    cells = np.round(cells * 12) / 12  # few brightness levels, as cheap drivers show
    up = np.repeat(np.repeat(cells, p, axis=0), p, axis=1)[:h, :w]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy = ((yy % p) + 0.5) / p - 0.5
    cx = ((xx % p) + 0.5) / p - 0.5
    dots = np.exp(-(cx ** 2 + cy ** 2) / 0.09)
    band = 1 + 0.12 * np.sin(yy / max(h, 1) * rng.uniform(2, 9) * math.pi + rng.uniform(0, 6.3))
    alpha = layers[..., 3:4]
    glow = up * (0.35 + 0.95 * dots)[..., None] * band[..., None] * 1.15
    # Dark LED cells still light up a little: a board is never pure black.
    layers[..., :3] = np.maximum(glow, 0.04 * alpha)


def apply_over(frame: np.ndarray, x0: int, y0: int, layers: np.ndarray) -> None:
    """In place: premultiplied ``layers`` composited over ``frame`` at (x0, y0)."""
    h, w = layers.shape[:2]
    region = frame[y0:y0 + h, x0:x0 + w]
    a = layers[..., 3:4]
    region[...] = layers[..., :3] + region * (1 - a)

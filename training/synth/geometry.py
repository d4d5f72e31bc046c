"""Putting a flat patch into a frame: 3-D pose, perspective warp, cylinder curl.

All warps are inverse mappings with bilinear sampling in numpy, so they run on Debian's
numpy alone; outside the source every layer reads as zero (transparent).
"""

from __future__ import annotations

import math

import numpy as np

from .styles import Patch


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3x3 matrix that maps the four ``src`` points onto the four ``dst`` points."""
    a, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    h = np.linalg.solve(np.array(a, np.float64), np.array(b, np.float64))
    return np.append(h, 1.0).reshape(3, 3)


def bilinear(layers: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Samples ``layers`` (H x W x C) at float pixel coordinates (pixel centres at +0.5)."""
    h, w = layers.shape[:2]
    padded = np.zeros((h + 2, w + 2, layers.shape[2]), np.float32)
    padded[1:-1, 1:-1] = layers
    x = np.clip(xs - 0.5 + 1, 0, w + 1 - 1e-4)
    y = np.clip(ys - 0.5 + 1, 0, h + 1 - 1e-4)
    x0, y0 = np.floor(x).astype(np.int32), np.floor(y).astype(np.int32)
    x1, y1 = np.minimum(x0 + 1, w + 1), np.minimum(y0 + 1, h + 1)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    top = padded[y0, x0] * (1 - fx) + padded[y0, x1] * fx
    bottom = padded[y1, x0] * (1 - fx) + padded[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def stack(patch: Patch) -> np.ndarray:
    """Premultiplied RGB, alpha and mark coverage as one H x W x 5 array."""
    return np.dstack([patch.rgb * patch.alpha[..., None], patch.alpha, patch.mark]).astype(np.float32)


def unstack(layers: np.ndarray) -> Patch:
    alpha = layers[..., 3]
    rgb = layers[..., :3] / np.maximum(alpha, 1e-6)[..., None]
    return Patch(np.clip(rgb, 0, 1), alpha, layers[..., 4])


def curl(patch: Patch, bend: float, bow: float = 0.0) -> Patch:
    """Wraps the patch around a vertical cylinder seen from the front.

    ``bend`` is the half angle the patch spans on the cylinder (radians, 0 = flat, ~1.2 =
    a chest seen from the front); columns near the edges are squeezed and shaded as they
    turn away. ``bow`` (share of height) curves horizontal lines, as when the camera looks
    down on a torso.
    """
    if bend < 1e-3:
        return patch
    h, w = patch.shape
    s = math.sin(bend)
    pad_y = int(math.ceil(abs(bow) * h)) + 1
    ys, xs = np.mgrid[0:h + 2 * pad_y, 0:w].astype(np.float32) + 0.5
    screen = (xs / w) * 2 - 1  # -1 .. 1 across the output
    theta = np.arcsin(np.clip(screen * s, -1, 1))
    src_x = (theta / bend + 1) / 2 * w
    src_y = ys - pad_y - bow * h * (1 - np.cos(theta)) / (1 - math.cos(bend))
    out = bilinear(stack(patch), src_x, src_y)
    shade = (0.55 + 0.45 * np.cos(theta))[..., None]
    out[..., :3] *= shade
    return unstack(out)


def pose_quad(w: float, h: float, center: tuple[float, float], long_side_px: float,
              yaw: float, pitch: float, roll: float, focal: float) -> np.ndarray:
    """Corners (TL, TR, BR, BL) of a w x h plane turned by yaw/pitch/roll (radians) and
    projected by a pinhole camera with ``focal`` pixels so that its longer side spans
    about ``long_side_px`` pixels around ``center``."""
    scale = long_side_px / max(w, h)
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]],
                   np.float64) * scale
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    r_yaw = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    r_pitch = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    r_roll = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    p = pts @ (r_roll @ r_pitch @ r_yaw).T
    z = p[:, 2] + focal
    return np.stack([p[:, 0] * focal / z + center[0], p[:, 1] * focal / z + center[1]], axis=1)


def warp(patch: Patch, quad: np.ndarray, frame_hw: tuple[int, int]):
    """Warps the patch so its corners land on ``quad`` (TL, TR, BR, BL, frame pixels).

    Returns (x0, y0, layers) where layers is the H x W x 5 premultiplied stack covering the
    quad's bounding box clipped to the frame, or None when nothing lands inside.
    """
    fh, fw = frame_hw
    x0 = max(0, int(math.floor(quad[:, 0].min())))
    y0 = max(0, int(math.floor(quad[:, 1].min())))
    x1 = min(fw, int(math.ceil(quad[:, 0].max())) + 1)
    y1 = min(fh, int(math.ceil(quad[:, 1].max())) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    h, w = patch.shape
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    inv = np.linalg.inv(homography(src, quad))
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64) + 0.5
    d = inv[2, 0] * xs + inv[2, 1] * ys + inv[2, 2]
    u = (inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]) / d
    v = (inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]) / d
    return x0, y0, bilinear(stack(patch), u.astype(np.float32), v.astype(np.float32))

#!/usr/bin/python3
"""Builds the demo clip samples/demo.mp4, its catalog and samples/demo-truth.json.

Real footage from Debian's opencv-doc (vtest.avi: people walking on a campus; box.mp4: a
box held over a table) with simple-icons brand marks placed on an LED screen, a street
board, a van, a shirt and the box, each shown for known stretches of time, plus two
look-alike decoys that are not in the catalog. Deterministic: the same inputs give the
same frames. Called by make_samples.sh, which says where the inputs come from.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))

from synth import effects, geometry  # noqa: E402
from synth.backgrounds import OPENCV_DOC, plain_copy, read_frames, source_path  # noqa: E402
from synth.icons import IconSet  # noqa: E402
from synth.styles import (BLACK, WHITE, Patch, brand_color, compose_patch,  # noqa: E402
                          reference_image, resize_mask)

FPS = 25
W, H = 1280, 720
CATALOG = ("spotify", "shell", "toyota", "ikea", "starbucks")
DECOYS = ("mcdonalds", "whatsapp")  # yellow like Shell, a green round mark like Spotify

# Scene A: vtest.avi (768x576, 10 fps), 0-36 s, a 640x360 window panning right and back.
SCENE_A = (0.0, 36.0)
VTEST_FPS = 10.0
# Scene B: box.mp4 (640x480, 29.97 fps) from its 4th second, 36-44 s, fixed 640x360 window.
SCENE_B = (36.0, 44.0)
BOX_START = 4.0
BOX_WINDOW = (0, 10)


def pan_window(t: float) -> tuple[float, float]:
    """Top-left corner of the scene-A window in vtest pixels at time t."""
    return 64.0 - 64.0 * math.cos(2 * math.pi * t / 36.0), 20.0


@dataclass
class Element:
    """One mark in the clip: where it is (a source-pixel quad per time), when it shows."""

    brand: str
    surface: str
    where: str
    patch: Patch
    quad: Callable[[float], np.ndarray | None]  # output-pixel quad (TL, TR, BR, BL)
    shows: list[tuple[float, float]]
    led: float = 0.0         # LED cell pitch in output pixels, 0 = printed
    housing: Patch | None = None  # drawn whenever the element's scene runs (the screen itself)
    occluder: Callable[[float], np.ndarray] | None = None  # source-pixel coverage of what is in front
    boxes: list[tuple[float, tuple[int, int, int, int], bool]] = field(default_factory=list)

    def showing(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.shows)


def to_out(quad_src: np.ndarray, window: tuple[float, float], scale: float = 2.0) -> np.ndarray:
    return (quad_src - np.array(window)) * scale


def box_quad(cx: float, cy: float, w: float, h: float) -> np.ndarray:
    return np.array([[cx - w / 2, cy - h / 2], [cx + w / 2, cy - h / 2],
                     [cx + w / 2, cy + h / 2], [cx - w / 2, cy + h / 2]])


# person tracking (scene A shirt)

def median_background(path: Path) -> np.ndarray:
    return np.median(read_frames(path, every=1.25), axis=0).astype(np.int16)


def foreground(frame: np.ndarray, bg: np.ndarray) -> np.ndarray:
    return np.abs(frame.astype(np.int16) - bg).max(axis=2) > 35


def track_person(frames: np.ndarray, bg: np.ndarray, i0: int, box, step: int, limit: int):
    """Follows one walker by the centre of the moving pixels around where it is expected
    (mean shift with a constant-velocity guess; coasts while it overlaps someone).
    Returns {frame index: (centre x, top y, bottom y)} in vtest pixels."""
    x0, y0, x1, y1 = box
    cx, top, bot, w = (x0 + x1) / 2, float(y0), float(y1), x1 - x0
    vx = vy = 0.0
    area = None
    out = {}
    for k in range(limit):
        i = i0 + k * step
        if not 0 <= i < len(frames):
            break
        m = foreground(frames[i], bg)
        px, pt, pb = cx + vx, top + vy, bot + vy
        wx0, wx1 = int(max(0, px - w / 2 - 6)), int(min(m.shape[1], px + w / 2 + 6))
        wy0, wy1 = int(max(0, pt - 8)), int(min(m.shape[0], pb + 8))
        ys, xs = np.nonzero(m[wy0:wy1, wx0:wx1])
        area = area or len(xs)
        if len(xs) < 0.35 * area or wx1 - wx0 < w:
            break
        if len(xs) > 1.6 * area:
            cx, top, bot = px, pt, pb
        else:
            area = 0.9 * area + 0.1 * len(xs)
            xs, ys = xs + wx0, ys + wy0
            ncx, nt, nb = float(np.median(xs)), float(np.percentile(ys, 2)), float(np.percentile(ys, 98))
            vx = 0.8 * vx + 0.2 * (ncx - cx)
            vy = 0.8 * vy + 0.2 * ((nt + nb) / 2 - (top + bot) / 2)
            cx, top, bot = 0.5 * px + 0.5 * ncx, 0.6 * pt + 0.4 * nt, 0.6 * pb + 0.4 * nb
        out[i] = (cx, top, bot)
    return out


def smooth_track(track: dict[int, tuple[float, float, float]], radius: int = 3):
    keys = sorted(track)
    arr = np.array([track[k] for k in keys])
    out = {}
    for j, k in enumerate(keys):
        lo, hi = max(0, j - radius), min(len(keys), j + radius + 1)
        out[k] = tuple(arr[lo:hi].mean(axis=0))
    return out


# box tracking (scene B sticker)

def box_top_face(frame: np.ndarray) -> np.ndarray | None:
    """Corners (left, back, right, front) of the top face of the yellow box, from the
    extreme points of its colour mask; None when the box is not found."""
    f = frame.astype(np.int16)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    m = (r > 140) & (g > 90) & (b < 110) & (r - b > 90) & (g - b > 40)
    ys, xs = np.nonzero(m)
    if len(xs) < 2000:
        return None
    left = np.array([xs, ys])[:, np.argmin(xs + 0.5 * ys)]
    back = np.array([xs, ys])[:, np.argmin(ys - 0.1 * xs)]
    right = np.array([xs, ys])[:, np.argmax(xs - 0.3 * ys)]
    front = left + right - back
    return np.array([left, back, right, front], np.float64)


def face_sticker(face: np.ndarray, along: float, across: float) -> np.ndarray:
    """A quad inside the top face covering shares ``along`` its long edge and ``across``
    its short edge, its top edge on the far side so that it reads upright."""
    left, back, right, front = face
    c = face.mean(axis=0)
    L, S = (right - back) * along / 2, (left - back) * across / 2
    return np.array([c - L - S, c + L - S, c + L + S, c - L + S])


# rendering

def mark_patch(icons: IconSet, slug: str, long_px: int, mark_rgb, plate_rgb, pad=(0.15, 0.15),
               radius=0.1, outline=False) -> Patch:
    mask = resize_mask(icons.mask(slug, outline=outline), long_px)
    return compose_patch(mask, np.asarray(mark_rgb, np.float32),
                         None if plate_rgb is None else np.asarray(plate_rgb, np.float32), pad, radius)


def screen_patch(icons: IconSet, slug: str | None, w: int, h: int, style: str) -> Patch:
    """The content of a 16:7 LED screen: a mark centred on black or on its brand colour."""
    rgb = np.zeros((h, w, 3), np.float32) + BLACK
    mark = np.zeros((h, w), np.float32)
    if slug is not None:
        color = brand_color(icons[slug])
        if style == "white_on_color":
            rgb[:] = color
            fg = WHITE
        else:
            fg = color
        full = icons.mask(slug)
        scale = min(0.7 * w / full.shape[1], 0.72 * h / full.shape[0])
        m = resize_mask(full, int(max(full.shape) * scale))
        y0, x0 = (h - m.shape[0]) // 2, (w - m.shape[1]) // 2
        mark[y0:y0 + m.shape[0], x0:x0 + m.shape[1]] = m
        rgb = rgb * (1 - mark[..., None]) + fg * mark[..., None]
    return Patch(rgb.astype(np.float32), np.ones((h, w), np.float32), mark)


def draw(frame: np.ndarray, el_patch: Patch, quad: np.ndarray, led: float, blur: float,
         occ: np.ndarray | None = None, gain: float = 0.92):
    """Warps and composites one patch. Returns (visible mark box, share of the mark
    hidden by ``occ``) or None when no mark pixel shows."""
    warped = geometry.warp(el_patch, quad, frame.shape[:2])
    if warped is None:
        return None
    x0, y0, layers = warped
    layers[..., :3] *= gain
    if led:
        effects.led_board(layers, led, np.random.default_rng(0))
    layers = effects.gaussian_blur(layers, blur)
    whole = float((layers[..., 4] > 0.5).sum())
    if occ is not None:
        h, w = layers.shape[:2]
        keep = 1 - occ[y0:y0 + h, x0:x0 + w]
        layers[..., :4] *= keep[..., None]
        layers[..., 4] *= keep
    effects.apply_over(frame, x0, y0, layers)
    ys, xs = np.nonzero(layers[..., 4] > 0.5)
    if len(xs) < 4:
        return None
    box = int(x0 + xs.min()), int(y0 + ys.min()), int(x0 + xs.max() + 1), int(y0 + ys.max() + 1)
    return box, 1 - len(xs) / max(1.0, whole)


def in_frame(quad: np.ndarray) -> bool:
    """At least 60 % of the mark's quad (by its bounding box) lies inside the picture."""
    x1, y1 = quad.min(axis=0)
    x2, y2 = quad.max(axis=0)
    inside = max(0.0, min(x2, W) - max(x1, 0)) * max(0.0, min(y2, H) - max(y1, 0))
    return inside >= 0.6 * (x2 - x1) * (y2 - y1)


def build(out_dir: Path, icons: IconSet, crf: int, preview: list[float] | None = None) -> dict:
    vtest = source_path("examples/data/vtest.avi")
    frames_a = read_frames(vtest, duration=SCENE_A[1] - SCENE_A[0] + 0.2)
    bg = median_background(vtest)
    with tempfile.TemporaryDirectory(prefix="logowatch-demo-") as tmp:
        box_mp4 = plain_copy(source_path("opencv4/html/box.mp4.gz"), Path(tmp))
        frames_b = read_frames(box_mp4, start=BOX_START, duration=SCENE_B[1] - SCENE_B[0] + 0.5)
    box_fps = len(frames_b) / (SCENE_B[1] - SCENE_B[0] + 0.5)

    # The walker in the striped jumper: enters from the right about 13 s in, walks left.
    seed_i, seed_box = 150, (592, 232, 628, 316)
    walker = track_person(frames_a, bg, seed_i, seed_box, -1, 60)
    walker.update(track_person(frames_a, bg, seed_i, seed_box, 1, 200))
    walker = smooth_track(walker)

    faces = {}
    for i, f in enumerate(frames_b):
        face = box_top_face(f[BOX_WINDOW[1]:BOX_WINDOW[1] + 360, BOX_WINDOW[0]:BOX_WINDOW[0] + 640])
        if face is not None:
            faces[i] = face
    face_keys = sorted(faces)
    # Temporal median over 5 frames: the hand sometimes bites into a corner of the mask.
    faces = {k: np.median([faces[j] for j in face_keys[max(0, n - 2):n + 3]], axis=0)
             for n, k in enumerate(face_keys)}

    def a_window(t):
        return pan_window(t - SCENE_A[0])

    def vtest_index(t):
        return min(len(frames_a) - 1, int((t - SCENE_A[0]) * VTEST_FPS))

    def box_index(t):
        return min(len(frames_b) - 1, int(round((t - SCENE_B[0]) * box_fps)))

    screen_src = np.array([[452, 30], [566, 33], [566, 80], [452, 78]], np.float64)
    board_src = np.array([[172, 160], [302, 172], [302, 204], [172, 192]], np.float64)
    ikea_aspect = icons.mask("ikea").shape[1] / icons.mask("ikea").shape[0]
    van_src = box_quad(703, 64, 16, 16 / ikea_aspect)

    def screen_quad(t):
        return to_out(screen_src, a_window(t)) if SCENE_A[0] <= t < SCENE_A[1] else None

    def board_quad(t):
        return to_out(board_src, a_window(t)) if SCENE_A[0] <= t < SCENE_A[1] else None

    def van_quad(t):
        return to_out(van_src, a_window(t)) if SCENE_A[0] <= t < SCENE_A[1] else None

    def shirt_quad(t):
        if not SCENE_A[0] <= t < SCENE_A[1]:
            return None
        i = vtest_index(t)
        if i not in walker:
            return None
        cx, top, bot = walker[i]
        h = bot - top
        return to_out(box_quad(cx - 1, top + 0.33 * h, 0.27 * h, 0.27 * h), a_window(t))

    def sticker_quad(t):
        if not SCENE_B[0] <= t < SCENE_B[1]:
            return None
        i = box_index(t)
        near = min(faces, key=lambda k: abs(k - i)) if faces else None
        if near is None or abs(near - i) > 5:
            return None
        face = faces[near]
        long_side = np.linalg.norm(face[2] - face[1])
        short_side = np.linalg.norm(face[0] - face[1])
        share = 0.7
        return face_sticker(face, share, share * long_side / (sticker_aspect * short_side)) * 2.0

    lawn_src = np.array([[52, 88], [104, 91], [104, 108], [52, 105]], np.float64)

    def lawn_quad(t):
        return to_out(lawn_src, a_window(t)) if SCENE_A[0] <= t < SCENE_A[1] else None

    def people_in_front(t):
        """Walkers in front of the street board: moving pixels in the board's columns
        whose legs reach below the board's foot."""
        i = vtest_index(t)
        m = foreground(frames_a[i], bg)
        foot = int(board_src[:, 1].max())
        cols = m[foot + 3:foot + 30].any(axis=0)
        occ = (m & cols[None, :]).astype(np.float32)
        occ[foot + 1:] = 0
        return occ

    sticker = mark_patch(icons, "ikea", 200, brand_color(icons["ikea"]), WHITE, pad=(0.08, 0.12), radius=0.08)
    sticker_aspect = sticker.shape[1] / sticker.shape[0]
    sh, sw = 120, 270
    led_pitch = 4.0
    screen_housing = screen_patch(icons, None, sw, sh, "")
    spotify = icons["spotify"]
    elements = [
        Element("shell", "screen", "LED screen on the building, top centre", screen_patch(icons, "shell", sw, sh, "on_dark"),
                screen_quad, [(2.0, 10.0), (29.0, 35.0)], led_pitch, screen_housing),
        Element("toyota", "screen", "LED screen on the building, top centre",
                screen_patch(icons, "toyota", sw, sh, "white_on_color"), screen_quad, [(12.0, 19.0)], led_pitch),
        Element("mcdonalds", "screen", "LED screen on the building, top centre",
                screen_patch(icons, "mcdonalds", sw, sh, "on_dark"), screen_quad, [(21.0, 27.0)], led_pitch),
        Element("spotify", "board", "street board beyond the path, left of centre; walkers pass in front",
                mark_patch(icons, "spotify", 54, brand_color(spotify), WHITE, pad=(2.0, 0.12), radius=0.05),
                board_quad, [SCENE_A], occluder=people_in_front),
        Element("ikea", "van", "small decal on the parked white van, top right (in view while the camera pans right)",
                mark_patch(icons, "ikea", 30, brand_color(icons["ikea"]), None), van_quad, [SCENE_A]),
        Element("starbucks", "shirt", "print on the chest of a walker crossing from right to left",
                geometry.curl(mark_patch(icons, "starbucks", 48, WHITE, None), 0.7, 0.04),
                shirt_quad, [SCENE_A]),
        Element("ikea", "sticker", "large sticker on the lid of the box carried over the table",
                sticker, sticker_quad, [SCENE_B]),
        Element("whatsapp", "board", "board on the far lawn, top left (in view while the camera looks left)",
                mark_patch(icons, "whatsapp", 24, brand_color(icons["whatsapp"]), WHITE, pad=(1.0, 0.1), radius=0.05),
                lawn_quad, [SCENE_A]),
    ]

    out_dir.mkdir(parents=True, exist_ok=True)
    if preview:
        for t in preview:
            frame = render_frame(t, elements, a_window, vtest_index, box_index, frames_a, frames_b)
            Image.fromarray(effects.to_uint8(frame)).save(out_dir / f"preview-{t:05.1f}.png")
        return truth(elements, icons)
    video = out_dir / "demo.mp4"
    enc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}",
         "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset", "slow", "-crf", str(crf),
         "-pix_fmt", "yuv420p", "-g", str(2 * FPS), "-threads", "2", "-movflags", "+faststart",
         "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", str(video)],
        stdin=subprocess.PIPE)
    total = int(round(SCENE_B[1] * FPS))
    try:
        for n in range(total):
            frame = render_frame(n / FPS, elements, a_window, vtest_index, box_index, frames_a, frames_b)
            enc.stdin.write(effects.to_uint8(frame).tobytes())
    finally:
        enc.stdin.close()
        if enc.wait() != 0:
            raise RuntimeError("ffmpeg failed to encode the demo clip")
    return truth(elements, icons)


def render_frame(t, elements, a_window, vtest_index, box_index, frames_a, frames_b) -> np.ndarray:
    """One output frame at time t (float32 RGB); records each element's visible box."""
    if t < SCENE_A[1]:
        window = a_window(t)
        src = Image.fromarray(frames_a[vtest_index(t)])
    else:
        window = BOX_WINDOW
        src = Image.fromarray(frames_b[box_index(t)])
    wx, wy = window
    frame = np.array(src.resize((W, H), Image.BILINEAR, box=(wx, wy, wx + W / 2, wy + H / 2)),
                     np.float32) / 255.0
    drawn_housing = set()
    for el in elements:
        quad = el.quad(t)
        if quad is None:
            continue
        if el.housing is not None and id(el.housing) not in drawn_housing:
            draw(frame, el.housing, quad, el.led, 0.8)
            drawn_housing.add(id(el.housing))
        if not el.showing(t):
            continue
        occ = occluder_to_out(el.occluder(t), window, 2.0) if el.occluder is not None else None
        drawn = draw(frame, el.patch, quad, el.led, 0.8, occ)
        if drawn is not None and in_frame(quad):
            el.boxes.append((t, drawn[0], drawn[1] > 0.05))
    return frame


def occluder_to_out(src_occ: np.ndarray, window, scale: float) -> np.ndarray:
    wx, wy = window
    im = Image.fromarray((src_occ * 255).astype(np.uint8))
    out = im.resize((W, H), Image.BILINEAR, box=(wx, wy, wx + W / scale, wy + H / scale))
    return np.asarray(out, np.float32) / 255.0


def truth(elements: list[Element], icons: IconSet) -> dict:
    """Visible stretches (a mark counts as visible in a frame when its mark box is at
    least 60 % inside the picture), with a box every second as a rough 'where'."""
    step = 1.0 / FPS
    appearances = []
    for el in elements:
        runs: list[list] = []
        for t, box, occluded in el.boxes:
            # Gaps under half a second (a walker at the window's edge) do not split a run.
            if runs and t - runs[-1][-1][0] < 0.5:
                runs[-1].append((t, box, occluded))
            else:
                runs.append([(t, box, occluded)])
        for run in runs:
            start, end = run[0][0], run[-1][0] + step
            if end - start < 0.5:
                continue
            sizes = [max(b[2] - b[0], b[3] - b[1]) for _, b, _ in run]
            appearances.append({
                "brand": el.brand,
                "display_name": icons[el.brand].title,
                "in_catalog": el.brand in CATALOG,
                "surface": el.surface,
                "where": el.where,
                "start": round(start, 2), "end": round(end, 2), "seconds": round(end - start, 2),
                "size_px": [min(sizes), max(sizes)],
                "partly_occluded_seconds": round(sum(step for _, _, o in run if o), 2),
                "boxes": [{"t": round(t, 2), "box": list(b)} for t, b, _ in run
                          if abs((t * FPS) % FPS) < 1e-6 or t == run[0][0]],
            })
    appearances.sort(key=lambda a: (a["start"], a["brand"]))
    return {
        "video": "demo.mp4", "width": W, "height": H, "fps": FPS, "seconds": SCENE_B[1],
        "box_format": "[x1, y1, x2, y2] pixels of the visible mark, x2/y2 exclusive",
        "visible_when": "at least 60 % of the mark inside the picture; gaps under 0.5 s do not "
                        "end an appearance; partly_occluded_seconds counts frames with more "
                        "than 5 % of the mark hidden",
        "scenes": [
            {"start": SCENE_A[0], "end": SCENE_A[1], "source": "opencv-doc examples/data/vtest.avi 0-36 s",
             "camera": "640x360 window of the 768x576 footage, scaled 2x, panning right until 18 s and back"},
            {"start": SCENE_B[0], "end": SCENE_B[1], "source": "opencv-doc opencv4/html/box.mp4.gz 4-12 s",
             "camera": "fixed 640x360 window, scaled 2x"},
        ],
        "catalog": list(CATALOG), "decoys": list(DECOYS),
        "appearances": appearances,
    }


def write_catalog(out_dir: Path, icons: IconSet) -> None:
    for slug in CATALOG:
        d = out_dir / "catalog" / slug
        d.mkdir(parents=True, exist_ok=True)
        for style in ("color_on_white", "white_on_color", "mono"):
            reference_image(icons.mask(slug), icons[slug], style).save(d / f"{style}.png", optimize=True)
        (d / "brand.json").write_text(json.dumps({"display_name": icons[slug].title}) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Builds samples/demo.mp4, samples/catalog/ and samples/demo-truth.json.")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--icons", help="unpacked simple-icons folder (default: the cache training/setup.sh fills)")
    ap.add_argument("--crf", type=int, default=22, help="x264 quality (lower is larger; default 22)")
    ap.add_argument("--preview", type=float, nargs="+", metavar="SECONDS",
                    help="write only these frames as preview-*.png (no clip, no truth file)")
    a = ap.parse_args(argv)
    icons = IconSet(a.icons)
    if not OPENCV_DOC.is_dir():
        raise SystemExit(f"{OPENCV_DOC} not found; run training/setup.sh")
    if a.preview:
        build(a.out, icons, a.crf, a.preview)
        return 0
    write_catalog(a.out, icons)
    result = build(a.out, icons, a.crf)
    result["sources"] = {
        "brand_marks": f"npm simple-icons {icons.version}",
        "footage": ["opencv-doc examples/data/vtest.avi", "opencv-doc opencv4/html/box.mp4.gz"],
    }
    text = json.dumps(result, indent=1)
    # One line per box sample keeps the file readable.
    text = re.sub(r"\[\s+([-\d.]+),\s+([-\d.]+),\s+([-\d.]+),\s+([-\d.]+)\s+\]", r"[\1, \2, \3, \4]", text)
    text = re.sub(r"\{\s+(\"t\": [\d.]+),\s+(\"box\": \[[^\]]*\])\s+\}", r"{\1, \2}", text)
    text = re.sub(r"\[\s+(\d+),\s+(\d+)\s+\]", r"[\1, \2]", text)
    (a.out / "demo-truth.json").write_text(text + "\n")
    print(f"make_demo: wrote {a.out / 'demo.mp4'}, {len(result['appearances'])} appearances")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Real backgrounds: footage and photos from Debian's opencv-doc sample media.

opencv-doc ships OpenCV's sample data under Apache-2.0 / BSD-3-Clause (see
/usr/share/doc/opencv-doc/copyright). Only files without brand marks of their own are
used: the list below leaves out LinuxLogo.jpg, WindowsLogo.jpg, the OpenCV logos, the
football photo messi5.jpg (shirt sponsors, pitch-side boards), the car photo
licenseplate_motion.jpg (a maker's badge), the book covers left.jpg and the film clip
Megamind.avi, so a "negative" frame really holds no logo.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

OPENCV_DOC = Path("/usr/share/doc/opencv-doc")

# (path under opencv-doc, seconds between sampled frames; None for a still image)
SOURCES: tuple[tuple[str, float | None], ...] = (
    ("examples/data/vtest.avi", 1.5),          # people walking past buildings, 768x576
    ("opencv4/html/box.mp4.gz", 1.0),          # a box held over a table indoors, 640x480
    ("opencv4/html/cup.mp4.gz", 1.0),          # a hand with a cup against a wall, 640x480
    ("examples/data/tree.avi", 3.0),           # a tree through a window, 320x240
    ("examples/data/home.jpg", None),
    ("examples/data/building.jpg", None),
    ("examples/data/leuvenA.jpg", None),
    ("examples/data/leuvenB.jpg", None),
    ("examples/data/aero1.jpg", None),
    ("examples/data/aero3.jpg", None),
    ("examples/data/aloeL.jpg", None),
    ("examples/data/stuff.jpg", None),
    ("examples/data/rubberwhale1.png", None),
    ("examples/data/board.jpg", None),
    ("examples/data/butterfly.jpg", None),
    ("examples/data/squirrel_cls.jpg", None),
    ("examples/data/fruits.jpg", None),
    ("examples/data/apple.jpg", None),
    ("examples/data/orange.jpg", None),
    ("examples/data/baboon.jpg", None),
    ("examples/data/ela_original.jpg", None),
    ("examples/data/graf1.png", None),
    ("examples/data/starry_night.jpg", None),
    ("examples/data/Blender_Suzanne1.jpg", None),
    ("examples/data/box_in_scene.png", None),
    ("examples/data/smarties.png", None),
)

LICENSE = "Apache-2.0 AND BSD-3-Clause (OpenCV sample data, Debian package opencv-doc)"


def source_path(relative: str, root: Path = OPENCV_DOC) -> Path:
    path = root / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found; install Debian opencv-doc (training/setup.sh does)")
    return path


def plain_copy(path: Path, workdir: Path) -> Path:
    """The file itself, or for ``*.gz`` its decompressed copy in ``workdir``
    (ffmpeg cannot seek in a gzip stream)."""
    if path.suffix != ".gz":
        return path
    out = workdir / path.stem
    with gzip.open(path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


def probe_size(path: Path) -> tuple[int, int]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True, timeout=60).stdout.split(",")
    return int(out[0]), int(out[1])


def read_frames(path: Path, every: float | None = None, start: float = 0.0,
                duration: float | None = None) -> np.ndarray:
    """Decoded RGB frames (N x H x W x 3 uint8) of a video, one every ``every`` seconds
    (all frames when None), through the ffmpeg command line."""
    w, h = probe_size(path)
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-ss", f"{start:.3f}", "-i", str(path)]
    if duration is not None:
        cmd += ["-t", f"{duration:.3f}"]
    if every is not None:
        cmd += ["-vf", f"fps=1/{every}"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    run = subprocess.run(cmd, capture_output=True, timeout=600)
    if run.returncode != 0 or not run.stdout:
        raise RuntimeError(f"ffmpeg could not decode {path}: {run.stderr.decode(errors='replace')[-300:]}")
    return np.frombuffer(run.stdout, np.uint8).reshape(-1, h, w, 3)


@dataclass(frozen=True)
class Background:
    image: np.ndarray  # H x W x 3 uint8 RGB
    name: str          # source file and, for video, the time: "vtest.avi@12.0s"


class BackgroundPool:
    """Every background frame, decoded once and kept in memory (about 100 frames)."""

    def __init__(self, root: Path = OPENCV_DOC, sources=SOURCES):
        self.items: list[Background] = []
        self.files: list[str] = []
        with tempfile.TemporaryDirectory(prefix="logowatch-bg-") as tmp:
            for relative, every in sources:
                path = source_path(relative, root)
                self.files.append(relative)
                if every is None:
                    img = np.asarray(Image.open(path).convert("RGB"))
                    self.items.append(Background(img, path.name))
                    continue
                frames = read_frames(plain_copy(path, Path(tmp)), every)
                name = path.name.removesuffix(".gz")
                for i, f in enumerate(frames):
                    self.items.append(Background(f, f"{name}@{i * every:.1f}s"))

    def pick(self, rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, str]:
        """A random crop of a random background, resized to ``size`` (width, height),
        flipped half the time; float32 RGB."""
        bg = self.items[int(rng.integers(len(self.items)))]
        return crop_to(bg.image, size, rng), bg.name


def crop_to(img: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    ih, iw = img.shape[:2]
    target = w / h
    # Largest crop of the target aspect, then zoom into 55-100 % of it.
    cw, ch = (iw, iw / target) if iw / ih <= target else (ih * target, ih)
    zoom = rng.uniform(0.55, 1.0) ** 0.5
    cw, ch = cw * zoom, ch * zoom
    x0 = rng.uniform(0, iw - cw)
    y0 = rng.uniform(0, ih - ch)
    im = Image.fromarray(img).resize((w, h), Image.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
    if rng.random() < 0.5:
        im = im.transpose(Image.FLIP_LEFT_RIGHT)
    return np.asarray(im, np.float32) / 255.0

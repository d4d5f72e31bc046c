#!/usr/bin/python3
"""Trains the class-agnostic logo detector on pre-rendered frames (``prerender.py``):
CenterNet targets (a Gaussian peak at each mark's centre, its log size and sub-cell offset)
on random crops of the letterboxed frames, rescaled by up to 1.4x either way so marks
appear at more sizes than the renders drew.

Batches are a pure function of (seed, step), checkpoints are written every few minutes, and
a run started again with the same --out resumes where it stopped:

    /usr/bin/python3 training/detector/train.py --frames ~/.cache/logowatch/detector/frames-seed0 \
        --out ~/.cache/logowatch/detector/run --steps 2500
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from detector.model import HEIGHT, STRIDE, WIDTH, LogoDetector, decode  # noqa: E402
from embedder.model import load_imagenet  # noqa: E402
from embedder.preprocess import PAD, normalise  # noqa: E402
from embedder.train import lr_at, save  # noqa: E402

VAL_FRAMES = 256   # the last frames of the render (a tenth of a small one), kept out of training
MIN_VAL_PX = 12    # boxes counted in validation recall: 24 px and up in a 1280x720 frame


class Frames:
    """The pre-rendered frames, memory-mapped, with their boxes in 640x360 pixels."""

    def __init__(self, folder: Path):
        info_file = folder / "frames.json"
        if not info_file.exists():
            raise FileNotFoundError(f"{folder} holds no complete frame render (no frames.json); run prerender.py")
        self.info = json.loads(info_file.read_text())
        w, h = self.info["size"]
        self.images = np.memmap(folder / "frames.u8", np.uint8, "r", shape=(self.info["count"], h, w, 3))
        meta = np.load(folder / "boxes.npz")
        self.all_boxes, self.first = meta["boxes"], meta["first"]
        self.count = self.info["count"]
        self.train_count = self.count - min(VAL_FRAMES, self.count // 10)

    def boxes(self, i: int) -> np.ndarray:
        return self.all_boxes[self.first[i]:self.first[i + 1]]

    def letterboxed(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame i as the model sees a 16:9 camera frame (centred, padded rows), and its boxes."""
        img = self.images[i]
        top = (HEIGHT - img.shape[0]) // 2
        out = np.empty((HEIGHT, WIDTH, 3), np.uint8)
        out[:] = PAD
        out[top:top + img.shape[0]] = img
        b = self.boxes(i).copy()
        b[:, [1, 3]] += top
        return out, b


class FrameSets:
    """Several frame folders trained on as one (synthetic renders beside real photos): training
    frames are drawn uniformly from all of them; each keeps its own validation frames."""

    def __init__(self, sets: list[Frames], names: list[str]):
        self.sets, self.names = sets, names
        self.starts = np.cumsum([0] + [f.train_count for f in sets])
        self.train_count = int(self.starts[-1])
        self.info = {"count": sum(f.count for f in sets), "sets": [dict(f.info, folder=n) for f, n in zip(sets, names)]}

    def letterboxed(self, i: int):
        k = int(np.searchsorted(self.starts, i, side="right")) - 1
        return self.sets[k].letterboxed(i - int(self.starts[k]))


def targets(boxes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CenterNet targets on a size/STRIDE square grid: heatmap [g, g], and per box its centre
    cell index, log size in cells and offset in the cell."""
    g = size // STRIDE
    heat = np.zeros((g, g), np.float32)
    ys, xs = np.mgrid[0:g, 0:g].astype(np.float32)
    cells, sizes, offsets = [], [], []
    for x1, y1, x2, y2 in boxes:
        w, h = (x2 - x1) / STRIDE, (y2 - y1) / STRIDE
        cx, cy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE
        ix, iy = min(g - 1, int(cx)), min(g - 1, int(cy))
        sx, sy = max(0.5, 0.54 * w / 6 * 2), max(0.5, 0.54 * h / 6 * 2)
        peak = np.exp(-((xs - ix) ** 2 / (2 * sx * sx) + (ys - iy) ** 2 / (2 * sy * sy)))
        np.maximum(heat, peak, out=heat)
        cells.append(iy * g + ix)
        sizes.append((math.log(max(w, 0.25)), math.log(max(h, 0.25))))
        offsets.append((cx - ix, cy - iy))
    return heat, np.array(cells, np.int64), np.array(sizes, np.float32).reshape(-1, 2), \
        np.array(offsets, np.float32).reshape(-1, 2)


def crop(frames: Frames, i: int, rng: np.random.Generator, size: int, zoom_out: float = 1.4):
    """A random square crop of frame i, scaled to size x size, and the marks mostly inside it.
    Its side is 0.7 to ``zoom_out`` times ``size`` frame pixels; a side beyond the frame's
    height takes the frame shrunk onto a padded square, so marks larger than ``size`` are seen
    whole (otherwise they would only ever be cut, and learnt as background)."""
    img, boxes = frames.letterboxed(i)
    side = int(round(size * float(np.exp(rng.uniform(math.log(0.7), math.log(zoom_out))))))
    if side > HEIGHT:
        big = min(side, WIDTH)
        canvas = np.empty((big, max(big, WIDTH), 3), np.uint8)
        canvas[:] = PAD
        dy = int(rng.integers(0, big - HEIGHT + 1))
        canvas[dy:dy + HEIGHT, :WIDTH] = img
        img, boxes, side = canvas, boxes + np.array([0, dy, 0, dy], np.float32), big
    x0 = int(rng.integers(0, img.shape[1] - side + 1))
    y0 = int(rng.integers(0, img.shape[0] - side + 1))
    patch = torch.from_numpy(np.ascontiguousarray(img[y0:y0 + side, x0:x0 + side])).permute(2, 0, 1).float()
    patch = F.interpolate(patch[None], size=(size, size), mode="bilinear", align_corners=False,
                          antialias=side > size)[0]
    s = size / side
    kept = []
    for x1, y1, x2, y2 in boxes:
        a = (x2 - x1) * (y2 - y1)
        cx1, cy1, cx2, cy2 = max(x1, x0), max(y1, y0), min(x2, x0 + side), min(y2, y0 + side)
        if cx2 <= cx1 or cy2 <= cy1 or (cx2 - cx1) * (cy2 - cy1) < 0.6 * a:
            continue
        kept.append(((cx1 - x0) * s, (cy1 - y0) * s, (cx2 - x0) * s, (cy2 - y0) * s))
    return patch.permute(1, 2, 0).clamp(0, 255).round().to(torch.uint8).numpy(), np.array(kept, np.float32).reshape(-1, 4)


def focal(pred: torch.Tensor, heat: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, per positive."""
    p = torch.sigmoid(pred).clamp(1e-4, 1 - 1e-4)
    pos = heat.eq(1).float()
    pos_loss = (torch.log(p) * (1 - p) ** 2 * pos).sum()
    neg_loss = (torch.log(1 - p) * p ** 2 * (1 - heat) ** 4 * (1 - pos)).sum()
    return -(pos_loss + neg_loss) / pos.sum().clamp(min=1)


def batch(frames: Frames, step: int, seed: int, count: int, size: int, zoom_out: float = 1.4):
    rng = np.random.default_rng([seed, step])
    picks = rng.integers(0, frames.train_count, count)
    images, heats, cells, sizes, offsets, items = [], [], [], [], [], []
    for n, i in enumerate(picks):
        img, boxes = crop(frames, int(i), rng, size, zoom_out)
        heat, c, sz, off = targets(boxes, size)
        images.append(img)
        heats.append(heat)
        cells.append(c)
        sizes.append(sz)
        offsets.append(off)
        items.append(np.full(len(c), n))
    return (normalise(np.stack(images)), torch.from_numpy(np.stack(heats))[:, None],
            torch.from_numpy(np.concatenate(items)), torch.from_numpy(np.concatenate(cells)),
            torch.from_numpy(np.concatenate(sizes)), torch.from_numpy(np.concatenate(offsets)))


def loss_of(model, x, heat, items, cells, sizes, offsets):
    h, sz, off = model(x)
    n, _, gh, gw = h.shape
    hm = focal(h, heat)
    if len(cells):
        psz = sz.reshape(n, 2, gh * gw)[items, :, cells]
        poff = off.reshape(n, 2, gh * gw)[items, :, cells]
        reg = F.l1_loss(psz, sizes) + F.l1_loss(poff, offsets)
    else:
        reg = h.sum() * 0
    return hm + reg, float(hm), float(reg)


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])  # noqa: E731
    return inter / np.maximum(1e-9, area(a)[:, None] + area(b)[None, :] - inter)


def match_counts(pred: np.ndarray, truth: np.ndarray, min_px: float, threshold: float = 0.5):
    """(found, counted) truth boxes with long side >= min_px, and (true, all) predictions,
    greedy one-to-one at IoU >= threshold in score order (pred rows sorted best first)."""
    counted = (np.maximum(truth[:, 2] - truth[:, 0], truth[:, 3] - truth[:, 1]) >= min_px) if len(truth) else \
        np.zeros(0, bool)
    if len(pred) == 0 or len(truth) == 0:
        return 0, int(counted.sum()), 0, len(pred)
    m = iou(pred, truth)
    taken = np.zeros(len(truth), bool)
    true_pred = 0
    for r in range(len(pred)):
        j = int(np.argmax(np.where(taken, -1, m[r])))
        if not taken[j] and m[r, j] >= threshold:
            taken[j] = True
            true_pred += 1
    return int((taken & counted).sum()), int(counted.sum()), true_pred, len(pred)


@torch.no_grad()
def validate(model, frames: Frames, min_score: float = 0.3) -> dict:
    model.eval()
    found = counted = true_pred = preds = 0
    for start in range(frames.train_count, frames.count, 16):
        idx = range(start, min(frames.count, start + 16))
        pairs = [frames.letterboxed(i) for i in idx]
        scores, boxes = decode(*model(normalise(np.stack([p[0] for p in pairs]))))
        for (img, truth), s, b in zip(pairs, scores.numpy(), boxes.numpy()):
            keep = s >= min_score
            b = b[keep] * [WIDTH, HEIGHT, WIDTH, HEIGHT]
            xyxy = np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + b[:, 2] / 2,
                             b[:, 1] + b[:, 3] / 2], 1)
            f, c, t, p = match_counts(xyxy, truth, MIN_VAL_PX)
            found, counted, true_pred, preds = found + f, counted + c, true_pred + t, preds + p
    return {"recall_ge24px": round(found / max(1, counted), 4), "precision": round(true_pred / max(1, preds), 4),
            "boxes_per_frame": round(preds / (frames.count - frames.train_count), 2), "min_score": min_score}


def described(info: dict) -> dict:
    """What a frame folder (or several) was made from, for the summary and the model card."""
    if "sets" in info:
        return {"count": info["count"], "sets": [described(i) for i in info["sets"]]}
    # Synthetic renders and real photo sets (realdata/detector_frames.py) describe themselves differently.
    return {k: info[k] for k in ("count", "size", "rendered_at", "seed", "brands_per_chunk", "simple_icons",
                                 "backgrounds", "source", "commit", "train_groups", "dev_groups", "train_brands",
                                 "dev_brands", "folder")
            if k in info}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=Path, nargs="+", required=True,
                    help="folder written by prerender.py (or realdata/detector_frames.py); several are mixed")
    ap.add_argument("--out", type=Path, required=True, help="run folder: checkpoint, log, final weights")
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=16, help="crops per step")
    ap.add_argument("--crop", type=int, default=256, help="crop side in model pixels (a multiple of 32)")
    ap.add_argument("--lr", type=float, default=2e-3, help="head learning rate; the backbone gets half")
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-minutes", type=float, default=4.0)
    ap.add_argument("--validate-every", type=int, default=500)
    ap.add_argument("--zoom-out", type=float, default=1.4,
                    help="largest crop side as a multiple of --crop (above 360/crop: frames shrunk onto a padded "
                         "square, so large marks are learnt whole)")
    ap.add_argument("--init", type=Path,
                    help="final.pt of an earlier run to start from (fine-tuning) instead of the ImageNet weights")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="stop after this step, keeping the schedule of --steps (resumable; used to check that "
                         "a run's first steps are reproduced)")
    a = ap.parse_args(argv)
    if a.crop % 32:
        ap.error("--crop must be a multiple of 32")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    a.out.mkdir(parents=True, exist_ok=True)
    frames = Frames(a.frames[0]) if len(a.frames) == 1 else FrameSets([Frames(f) for f in a.frames],
                                                                      [f"{f.parent.name}/{f.name}" for f in a.frames])
    model = LogoDetector()
    backbone = [p for p in model.backbone.parameters()]
    ids = {id(p) for p in backbone}
    optimizer = torch.optim.AdamW([
        {"params": backbone, "lr": a.lr / 2, "base": a.lr / 2},
        {"params": [p for p in model.parameters() if id(p) not in ids], "lr": a.lr, "base": a.lr}],
        weight_decay=a.weight_decay)
    ckpt_file = a.out / "checkpoint.pt"
    log = open(a.out / "train.log", "a")
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()}
    settings["frames"] = str(a.frames[0]) if len(a.frames) == 1 else [str(f) for f in a.frames]
    if ckpt_file.exists():
        ckpt = torch.load(ckpt_file, map_location="cpu")
        fixed = ("frames", "out", "threads", "checkpoint_minutes", "validate_every", "stop_at")
        changed = sorted(k for k in settings if k not in fixed and ckpt["settings"].get(k) != settings[k])
        if changed:
            sys.exit(f"train: {ckpt_file} is from a run with other {', '.join(changed)}; use another --out")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        step, seconds, init, history = ckpt["step"], ckpt["seconds"], ckpt["init"], ckpt["history"]
        print(f"train: resuming at step {step} ({seconds / 60:.1f} min trained so far)", file=log, flush=True)
    else:
        if a.init is not None:
            if not a.init.is_file():
                sys.exit(f"train: --init {a.init} does not exist")
            model.load_state_dict(torch.load(a.init, map_location="cpu")["model"])
            digest = hashlib.sha256(a.init.read_bytes()).hexdigest()
            init = f"fine-tuned from {a.init} (sha256 {digest})"
        else:
            init = load_imagenet(model)
        step, seconds, history = 0, 0.0, []
        print(f"train: {json.dumps(settings)}\ntrain: init {init}; {frames.train_count} training frames, "
              f"{frames.info['count'] - frames.train_count} validation frames", file=log, flush=True)
    model.train()
    last_ckpt = time.monotonic()
    window_start, window_items, window_loss = time.monotonic(), 0, []
    stop = min(a.steps, a.stop_at) if a.stop_at > 0 else a.steps
    while step < stop:
        t0 = time.monotonic()
        x, heat, items, cells, sizes, offsets = batch(frames, step, a.seed, a.batch, a.crop, a.zoom_out)
        scale = lr_at(step, a.steps, a.warmup)
        for g in optimizer.param_groups:
            g["lr"] = g["base"] * scale
        loss, hm, reg = loss_of(model, x, heat, items, cells, sizes, offsets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        seconds += time.monotonic() - t0
        window_items += len(x)
        window_loss.append((hm, reg))
        if step % 20 == 0 or step == a.steps:
            rate = window_items / max(1e-6, time.monotonic() - window_start)
            hm_mean, reg_mean = np.mean(window_loss, axis=0)
            print(f"step {step}/{a.steps} heat {hm_mean:.4f} box {reg_mean:.4f} lr {scale * a.lr:.2e} "
                  f"{rate:.1f} crops/s trained {seconds / 60:.1f} min", file=log, flush=True)
            window_start, window_items, window_loss = time.monotonic(), 0, []
        if step % a.validate_every == 0 or step == a.steps:
            t1 = time.monotonic()
            if isinstance(frames, FrameSets):
                per_set = {n: validate(model, f) for n, f in zip(frames.names, frames.sets)}
                v = {**per_set[frames.names[0]], "sets": per_set}
            else:
                v = validate(model, frames)
            model.train()
            seconds += time.monotonic() - t1
            history.append({"step": step, **v})
            print(f"validate step {step}: {json.dumps(v)}", file=log, flush=True)
        if step == stop or time.monotonic() - last_ckpt > a.checkpoint_minutes * 60:
            save(ckpt_file, {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                             "seconds": seconds, "init": init, "history": history, "settings": settings})
            last_ckpt = time.monotonic()
    if step < a.steps:
        print(f"train: stopped at step {step} of {a.steps} (--stop-at)", file=log, flush=True)
        return 0
    summary = {"steps": a.steps, "train_minutes": round(seconds / 60, 1), "init": init, "settings": settings,
               # Synthetic renders and real photo sets (realdata/detector_frames.py) describe themselves differently.
               "frames": described(frames.info),
               "validation": history}
    save(a.out / "final.pt", {"model": model.state_dict(), "summary": summary})
    (a.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"train: done, {seconds / 60:.1f} min; {json.dumps(history[-1]) if history else ''}", file=log, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

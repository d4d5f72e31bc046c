#!/usr/bin/python3
"""Trains the logo embedder on pre-rendered views (``prerender.py``) with a supervised
contrastive loss over brands.

Each batch holds P brands x (1 catalog render + K venue views) plus mark-free background
crops. Half of the brands are drawn at random and each brings a look-alike (nearest by mark
shape and colour, or of the same name family), so the loss has to tell similar marks apart.
Background crops have no positives and only push brands away from scenery; they are the
hardest of a larger random draw (most similar to a catalog render in the batch under the
current weights), because plain scenery matched to a brand is what a grid of windows over
a frame produces most.

With ``--real-views`` (``realviews.py``) every batch also holds each real brand (a catalog
crop and photo crops of it) and the hardest of a draw of real background crops (other shops'
signs, facade text, fabric), so the marks of real photos and their look-alikes shape the
embedding too, not only rendered ones.

Batches are a pure function of (seed, step), checkpoints are written every few minutes, and
a run started again with the same --out resumes where it stopped:

    /usr/bin/python3 training/embedder/train.py --views ~/.cache/logowatch/embedder/views-seed0 \
        --out ~/.cache/logowatch/embedder/run --steps 2000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from embedder import views as V  # noqa: E402
from embedder.model import LogoEmbedder, load_imagenet  # noqa: E402
from embedder.preprocess import normalise  # noqa: E402


class Views:
    """The pre-rendered views, memory-mapped, indexed by brand and kind."""

    def __init__(self, folder: Path):
        info_file = folder / "views.json"
        if not info_file.exists():
            raise FileNotFoundError(f"{folder} holds no complete view render (no views.json); run prerender.py")
        self.info = json.loads(info_file.read_text())
        s = self.info["size"]
        self.images = np.memmap(folder / "views.u8", np.uint8, "r", shape=(self.info["count"], s, s, 3))
        meta = np.load(folder / "views.npz")
        self.label, self.kind, self.origin = meta["label"], meta["kind"], meta["origin"]
        self.brands: list[str] = self.info["brands"]
        self.train_count = self.info["train_brands"]
        order = np.argsort(self.label, kind="stable")
        bounds = np.searchsorted(self.label[order], np.arange(-1, len(self.brands) + 1))
        self.by_brand = [order[bounds[b + 1]:bounds[b + 2]] for b in range(len(self.brands))]
        bg = order[bounds[0]:bounds[1]]
        self.backgrounds = {"train": bg[self.origin[bg] < self.train_count],
                            "val": bg[self.origin[bg] >= self.train_count]}
        idx = {s: i for i, s in enumerate(self.brands)}
        self.neighbours = [[idx[n] for n in self.info["neighbours"].get(s, [])] for s in self.brands]

    def of(self, brand: int, kinds: tuple[int, ...]) -> np.ndarray:
        rows = self.by_brand[brand]
        return rows[np.isin(self.kind[rows], kinds)]


def batch_indices(views: Views, step: int, seed: int, brands: int, per_brand: int,
                  background_candidates: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows and labels of the brand views of the batch for ``step`` (the first row of each
    brand is its catalog render), and the background rows to mine negatives from."""
    rng = np.random.default_rng([seed, step])
    chosen: list[int] = []
    for b in rng.permutation(views.train_count)[:brands // 2]:
        b = int(b)
        if b not in chosen:
            chosen.append(b)
        near = views.neighbours[b]
        if near:
            n = int(near[int(rng.integers(len(near)))])
            if n not in chosen and len(chosen) < brands:
                chosen.append(n)
    while len(chosen) < brands:
        b = int(rng.integers(views.train_count))
        if b not in chosen:
            chosen.append(b)
    rows, labels = [], []
    for b in chosen[:brands]:
        exact = views.of(b, (V.REFERENCE,))
        variants = views.of(b, (V.REFERENCE_VARIANT,))
        refs = exact if rng.random() < 0.7 or len(variants) == 0 else variants
        rows.append(int(rng.choice(refs)))
        scenes = views.of(b, (V.SCENE_WINDOW, V.SCENE_TIGHT, V.NEIGHBOUR))
        rows += [int(r) for r in rng.choice(scenes, per_brand, replace=len(scenes) < per_brand)]
        labels += [b] * (1 + per_brand)
    candidates = rng.choice(views.backgrounds["train"], background_candidates, replace=False)
    return np.array(rows), np.array(labels), np.sort(candidates)


@torch.no_grad()
def hardest(model, frozen, refs: np.ndarray, pools: list[tuple[np.ndarray, int]]) -> list[np.ndarray]:
    """For each pool of background crops (images, count), the indices of the ``count`` crops
    most similar to any catalog render in ``refs``: scenery the current model confuses with a
    brand, the false positives of a grid or a detector."""
    model.eval()
    e = model(normalise(np.concatenate([refs] + [images for images, _ in pools])))
    train_mode(model, frozen)
    score = (e[len(refs):] @ e[:len(refs)].t()).max(1).values
    out, start = [], 0
    for images, count in pools:
        part = score[start:start + len(images)]
        out.append(torch.argsort(part, descending=True)[:count].numpy())
        start += len(images)
    return out


def real_batch(real: Views, step: int, seed: int, per_brand: int, background_candidates: int,
               label_offset: int, brands: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows and labels of the real views of the batch for ``step``: every real brand (or
    ``brands`` of them drawn at random) with one catalog crop first and ``per_brand`` photo
    crops; and real background rows to mine from."""
    rng = np.random.default_rng([seed, step, 1])
    rows, labels = [], []
    chosen = range(real.train_count if per_brand > 0 else 0)  # 0: real backgrounds only
    if 0 < brands < len(chosen):
        chosen = sorted(int(b) for b in rng.choice(len(chosen), brands, replace=False))
    for b in chosen:
        rows.append(int(rng.choice(real.of(b, (V.REFERENCE,)))))
        scenes = real.of(b, (V.SCENE_WINDOW, V.SCENE_TIGHT))
        rows += [int(r) for r in rng.choice(scenes, per_brand, replace=len(scenes) < per_brand)]
        labels += [label_offset + b] * (1 + per_brand)
    candidates = rng.choice(real.backgrounds["train"], background_candidates, replace=False)
    return np.array(rows, np.int64), np.array(labels, np.int64), np.sort(candidates)


def supcon(z: torch.Tensor, labels: torch.Tensor, temperature: float) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al. 2020, "L_out"); anchors without positives
    (backgrounds, label -1) only appear in the other anchors' denominators."""
    sim = z @ z.t() / temperature
    n = z.shape[0]
    eye = torch.eye(n, dtype=torch.bool)
    sim = sim.masked_fill(eye, -1e9)
    log_prob = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~eye & (labels[:, None] >= 0)
    count = pos.sum(1)
    has = count > 0
    loss = -(log_prob * pos).sum(1)[has] / count[has]
    return loss.mean()


@torch.no_grad()
def validate(model, views: Views, batch: int = 256) -> dict:
    """On the validation brands (never trained on): each venue view is matched against the
    mean of its brand's three catalog renders among all validation brands; reports top-1,
    the similarity of right matches, and how similar mark-free crops come to any brand."""
    model.eval()
    val = range(views.train_count, len(views.brands))

    def embed(rows):
        rows = np.sort(rows)
        out = [model(normalise(views.images[rows[i:i + batch]])) for i in range(0, len(rows), batch)]
        return torch.cat(out) if out else torch.zeros(0, model.head[-1].out_features)

    protos = torch.nn.functional.normalize(
        torch.stack([embed(views.of(b, (V.REFERENCE,))).mean(0) for b in val]), dim=1)
    scene_rows, scene_labels = [], []
    for i, b in enumerate(val):
        r = views.of(b, (V.SCENE_WINDOW, V.SCENE_TIGHT))
        scene_rows.append(np.sort(r))
        scene_labels += [i] * len(r)
    scenes = embed(np.concatenate(scene_rows))
    labels = torch.tensor(scene_labels)
    sims = scenes @ protos.t()
    best, arg = sims.max(1)
    right = sims[torch.arange(len(labels)), labels]
    bg = embed(views.backgrounds["val"]) @ protos.t()
    bg_best = bg.max(1).values
    return {"top1": round(float((arg == labels).float().mean()), 4),
            "right_sim_median": round(float(right.median()), 4),
            "background_sim_p95": round(float(bg_best.quantile(0.95)), 4),
            "recall_at_bg_p99": round(float((right >= bg_best.quantile(0.99)).float().mean()), 4)}


def train_mode(model, frozen) -> None:
    """Training mode, except frozen blocks keep their ImageNet batch-norm statistics."""
    model.train()
    frozen.eval()


def lr_at(step: int, steps: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def save(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--views", type=Path, required=True, help="folder written by prerender.py")
    ap.add_argument("--out", type=Path, required=True, help="run folder: checkpoint, log, final weights")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--brands", type=int, default=32, help="brands per batch (P)")
    ap.add_argument("--views-per-brand", type=int, default=3, help="venue views per brand (K), plus one render")
    ap.add_argument("--backgrounds", type=int, default=32, help="mark-free crops per batch")
    ap.add_argument("--mine-from", type=int, default=3,
                    help="the batch's backgrounds are the hardest of this many times as many random ones")
    ap.add_argument("--lr", type=float, default=1e-3, help="head learning rate; the backbone gets half")
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--temperature", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--freeze-blocks", type=int, default=4,
                    help="leading backbone blocks kept at their ImageNet weights (stem and the 16/24-channel "
                         "stages: generic edges and colours; saves a third of the step time)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-minutes", type=float, default=4.0)
    ap.add_argument("--validate-every", type=int, default=500)
    ap.add_argument("--real-views", type=Path,
                    help="folder written by realviews.py: every batch also holds its brands and mined real backgrounds")
    ap.add_argument("--real-per-brand", type=int, default=3,
                    help="photo crops per real brand (with --real-views); 0: only the real backgrounds are used")
    ap.add_argument("--real-backgrounds", type=int, default=16, help="mined real backgrounds per batch")
    ap.add_argument("--real-brands", type=int, default=0,
                    help="real brands per batch, drawn at random (0: every real brand in every batch)")
    ap.add_argument("--stop-at", type=int, default=0,
                    help="stop after this step, keeping the schedule of --steps (resumable; used to check that "
                         "a run's first steps are reproduced)")
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    a.out.mkdir(parents=True, exist_ok=True)
    views = Views(a.views)
    real = Views(a.real_views) if a.real_views is not None else None
    model = LogoEmbedder()
    frozen = model.backbone[0][:a.freeze_blocks]
    for p in frozen.parameters():
        p.requires_grad = False
    head_params = list(model.head.parameters())
    optimizer = torch.optim.AdamW([
        {"params": [p for p in model.backbone.parameters() if p.requires_grad], "lr": a.lr / 2, "base": a.lr / 2},
        {"params": head_params, "lr": a.lr, "base": a.lr}], weight_decay=a.weight_decay)
    ckpt_file = a.out / "checkpoint.pt"
    log = open(a.out / "train.log", "a")
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()
                if a.real_views is not None or not k.startswith("real_")}  # runs without real views resume as before
    if ckpt_file.exists():
        ckpt = torch.load(ckpt_file, map_location="cpu")
        fixed = ("views", "out", "threads", "checkpoint_minutes", "validate_every", "stop_at")
        changed = sorted(k for k in settings if k not in fixed and ckpt["settings"].get(k) != settings[k])
        if changed:
            sys.exit(f"train: {ckpt_file} is from a run with other {', '.join(changed)}; use another --out")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        step, seconds, init = ckpt["step"], ckpt["seconds"], ckpt["init"]
        history = ckpt["history"]
        print(f"train: resuming at step {step} ({seconds / 60:.1f} min trained so far)", file=log, flush=True)
    else:
        init = load_imagenet(model)
        step, seconds, history = 0, 0.0, []
        print(f"train: {json.dumps(settings)}\ntrain: init {init}; {views.train_count} training brands, "
              f"{len(views.brands) - views.train_count} validation brands, {len(views.label)} views"
              + (f"; real: {real.train_count} brands, {len(real.label)} views" if real else ""), file=log, flush=True)
    train_mode(model, frozen)
    last_ckpt = time.monotonic()
    window_start, window_items, window_loss = time.monotonic(), 0, []
    stop = min(a.steps, a.stop_at) if a.stop_at > 0 else a.steps
    while step < stop:
        t0 = time.monotonic()
        rows, labels, candidates = batch_indices(views, step, a.seed, a.brands, a.views_per_brand,
                                                 a.backgrounds * a.mine_from)
        refs = [views.images[np.sort(rows[::1 + a.views_per_brand])]]
        pools = [(views.images[candidates], a.backgrounds)]
        if real is not None:
            r_rows, r_labels, r_candidates = real_batch(real, step, a.seed, a.real_per_brand,
                                                        a.real_backgrounds * a.mine_from, len(views.brands),
                                                        a.real_brands)
            if len(r_rows):
                refs.append(real.images[r_rows[::1 + a.real_per_brand]])
            pools.append((real.images[r_candidates], a.real_backgrounds))
        picked = hardest(model, frozen, np.concatenate(refs), pools)
        rows = np.concatenate([rows, candidates[picked[0]]])
        labels = np.concatenate([labels, np.full(len(picked[0]), -1)])
        order = np.argsort(rows)  # sorted reads from the memory map
        images, targets = [views.images[rows[order]]], [labels[order]]
        if real is not None:
            r_rows = np.concatenate([r_rows, r_candidates[picked[1]]])
            r_labels = np.concatenate([r_labels, np.full(len(picked[1]), -1)])
            order = np.argsort(r_rows)
            images.append(real.images[r_rows[order]])
            targets.append(r_labels[order])
        x = normalise(np.concatenate(images))
        y = torch.as_tensor(np.concatenate(targets))
        scale = lr_at(step, a.steps, a.warmup)
        for g in optimizer.param_groups:
            g["lr"] = g["base"] * scale
        loss = supcon(model(x), y, a.temperature)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        seconds += time.monotonic() - t0
        window_items += len(y)
        window_loss.append(float(loss))
        if step % 20 == 0 or step == a.steps:
            rate = window_items / max(1e-6, time.monotonic() - window_start)
            print(f"step {step}/{a.steps} loss {np.mean(window_loss):.4f} lr {scale * a.lr:.2e} "
                  f"{rate:.0f} img/s trained {seconds / 60:.1f} min", file=log, flush=True)
            window_start, window_items, window_loss = time.monotonic(), 0, []
        if step % a.validate_every == 0 or step == a.steps:
            t1 = time.monotonic()
            v = validate(model, views)
            train_mode(model, frozen)
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
               "views": {k: views.info[k] for k in ("count", "train_brands", "val_brands", "kinds", "simple_icons",
                                                     "backgrounds", "seed", "plan", "frame_size")},
               "validation": history}
    if real is not None:
        summary["real_views"] = {k: real.info[k] for k in ("count", "brands", "kinds", "per_brand", "photos",
                                                           "never_read", "sources")}
    save(a.out / "final.pt", {"model": model.state_dict(), "summary": summary})
    (a.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"train: done, {seconds / 60:.1f} min; {json.dumps(history[-1]) if history else ''}", file=log, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

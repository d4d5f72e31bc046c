"""Which opencv-doc background sources training may use and which are kept for evaluation.

``synth.backgrounds.SOURCES`` lists every usable background. Training composites marks only
onto the sources outside ``HELDOUT``, so the development sets (``devset.py``) show held-out
brands on footage and photos the embedder has never seen, background crops included.
"""

from __future__ import annotations

from synth import backgrounds as bgs

# Two indoor clips and eight photos of varied texture (street, aerial, fruit, fur,
# graffiti, chessboard, sweets, building): about a third of the background frames.
HELDOUT = frozenset({
    "opencv4/html/box.mp4.gz",
    "opencv4/html/cup.mp4.gz",
    "examples/data/building.jpg",
    "examples/data/leuvenB.jpg",
    "examples/data/aero3.jpg",
    "examples/data/fruits.jpg",
    "examples/data/baboon.jpg",
    "examples/data/graf1.png",
    "examples/data/board.jpg",
    "examples/data/smarties.png",
})


def sources(split: str) -> tuple[tuple[str, float | None], ...]:
    """The (path, seconds between frames) entries of ``synth.backgrounds.SOURCES`` in a split:
    "train" or "heldout"."""
    if split not in ("train", "heldout"):
        raise ValueError(f"unknown background split '{split}', expected train or heldout")
    known = {path for path, _ in bgs.SOURCES}
    missing = HELDOUT - known
    if missing:
        raise RuntimeError(f"held-out backgrounds {sorted(missing)} are no longer in synth.backgrounds.SOURCES; "
                           "update training/embedder/backgrounds_split.py")
    return tuple(s for s in bgs.SOURCES if (s[0] in HELDOUT) == (split == "heldout"))


def pool(split: str, root=bgs.OPENCV_DOC) -> bgs.BackgroundPool:
    return bgs.BackgroundPool(root, sources(split))

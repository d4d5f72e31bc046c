#!/usr/bin/python3
"""Writes an evaluation dataset like ``training/synth/make_dataset.py`` (same options, same
format), with the backgrounds restricted to the held-out background sources of
``backgrounds_split.py``: held-out brands on footage the embedder never saw in training.

    /usr/bin/python3 training/embedder/devset.py --out /tmp/dev --brands 30 --images 300 --seed 1
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synth import backgrounds as bgs  # noqa: E402
from synth import make_dataset  # noqa: E402

from embedder import backgrounds_split  # noqa: E402


def main(argv=None) -> int:
    # make_dataset builds its pool as bgs.BackgroundPool(root); bind the held-out sources.
    original = bgs.BackgroundPool
    bgs.BackgroundPool = functools.partial(original, sources=backgrounds_split.sources("heldout"))
    try:
        return make_dataset.main(argv)
    finally:
        bgs.BackgroundPool = original


if __name__ == "__main__":
    sys.exit(main())

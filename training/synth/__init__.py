"""Synthetic labelled frames of brand marks in real footage, from redistributable inputs.

Brand marks come from the npm package simple-icons (fetched by ``training/setup.sh``),
backgrounds from Debian's opencv-doc sample media. Typical use::

    from synth import IconSet, samples
    icons = IconSet()                        # ~/.cache/logowatch/simple-icons/current
    for image, labels in samples(icons, ["spotify", "shell"], count=10, seed=1):
        ...                                  # image: HxWx3 uint8 RGB; labels: [(brand, (x1, y1, x2, y2))]

See README.md beside this file.
"""

from .backgrounds import BackgroundPool
from .compose import Placed, Sample, SampleGenerator, SynthParams, samples
from .icons import Brand, IconSet, brand_split

__all__ = ["BackgroundPool", "Brand", "IconSet", "Placed", "Sample", "SampleGenerator",
           "SynthParams", "brand_split", "samples"]

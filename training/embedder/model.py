"""The embedder network: MobileNetV3-Small features (ImageNet-initialised when the shared
weights are at hand), a two-layer projection head, and L2 normalisation, so cosine
similarity is a plain dot product and the ONNX output is already unit length."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torchvision
from torch import nn
from torch.nn import functional as F

# ../shared/models beside the repository: the only pretrained weights at hand, never copied in.
SHARED_WEIGHTS = (Path(__file__).resolve().parents[3] / "shared" / "models"
                  / "mobilenet_v3_small_imagenet_features.pt")
SHARED_SHA256 = "282d4d1d3f1887c0af9f9259f7e46133d6d7cb2a7a6110c6251a73b046de300d"

DIM = 128
HIDDEN = 512


class LogoEmbedder(nn.Module):
    def __init__(self, dim: int = DIM):
        super().__init__()
        net = torchvision.models.mobilenet_v3_small()
        # features + avgpool, the module the shared state_dict was saved from
        self.backbone = nn.Sequential(*list(net.children())[:-1])
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(576, HIDDEN), nn.Hardswish(), nn.Linear(HIDDEN, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.head(self.backbone(x)), dim=1)


def load_imagenet(model: nn.Module, path: Path = SHARED_WEIGHTS) -> str:
    """Initialises ``model.backbone`` (MobileNetV3-Small features + average pool, as in
    ``LogoEmbedder`` and the detector) from the shared ImageNet weights; returns what was
    used. Without them training still runs, from random weights, and says so: the result is
    clearly worse and must not replace the committed model."""
    if not path.is_file():
        print(f"WARNING: {path} not found: training the backbone from scratch. The ImageNet "
              "initialisation is worth a lot here; see ../shared/models/README.md.", file=sys.stderr)
        return "random initialisation (ImageNet weights not found)"
    import hashlib
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    model.backbone.load_state_dict(torch.load(path, map_location="cpu"), strict=True)
    if digest != SHARED_SHA256:
        print(f"WARNING: {path} has sha256 {digest}, not the documented {SHARED_SHA256}", file=sys.stderr)
    return f"torchvision mobilenet_v3_small ImageNet weights ({path.name}, sha256 {digest})"

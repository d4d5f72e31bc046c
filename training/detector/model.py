"""The detector network: MobileNetV3-Small features (ImageNet-initialised when the shared
weights are at hand), a small feature pyramid merged at stride 8, and a CenterNet head:
a "logo centre" heatmap, the box size (log, in cells) and the centre's offset in its cell.

``Exported`` wraps it for ONNX: peaks of the heatmap (3x3 max), the top K, each emitted as
a DETR query, so the service's one decoder reads it like any DETR detector:
``logits [N, K, 2]`` (logo, no-object; softmax of (s, 0) is sigmoid(s), the peak's score)
and ``pred_boxes [N, K, 4]`` as (cx, cy, w, h) normalised to the input.
"""

from __future__ import annotations

import torch
import torchvision
from torch import nn
from torch.nn import functional as F

STRIDE = 8
WIDTH, HEIGHT = 640, 384   # model input: a 16:9 frame letterboxed to 640x360 plus 12 rows each side
CHANNELS = 64
TOP_K = 100


def _conv(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class LogoDetector(nn.Module):
    def __init__(self):
        super().__init__()
        net = torchvision.models.mobilenet_v3_small()
        # features + avgpool, the module the shared state_dict was saved from; avgpool unused
        self.backbone = nn.Sequential(*list(net.children())[:-1])
        f = self.backbone[0]
        self.c3, self.c4, self.c5 = f[:4], f[4:9], f[9:12]   # strides 8, 16, 32: 24, 48, 96 channels
        self.l3, self.l4, self.l5 = nn.Conv2d(24, CHANNELS, 1), nn.Conv2d(48, CHANNELS, 1), nn.Conv2d(96, CHANNELS, 1)
        self.neck = nn.Sequential(_conv(CHANNELS, CHANNELS), _conv(CHANNELS, CHANNELS))
        self.heat = nn.Conv2d(CHANNELS, 1, 1)
        self.size = nn.Conv2d(CHANNELS, 2, 1)
        self.offset = nn.Conv2d(CHANNELS, 2, 1)
        nn.init.constant_(self.heat.bias, -4.6)  # start near p = 0.01: almost every cell is background
        nn.init.zeros_(self.size.bias)

    def forward(self, x: torch.Tensor):
        c3 = self.c3(x)
        c4 = self.c4(c3)
        c5 = self.c5(c4)
        p = self.l5(c5)
        p = self.l4(c4) + F.interpolate(p, size=c4.shape[-2:], mode="nearest")
        p = self.l3(c3) + F.interpolate(p, size=c3.shape[-2:], mode="nearest")
        p = self.neck(p)
        return self.heat(p), self.size(p), self.offset(p)


def decode(heat: torch.Tensor, size: torch.Tensor, offset: torch.Tensor, k: int = TOP_K):
    """Top-k heatmap peaks as (scores [N, k], boxes [N, k, 4] cx, cy, w, h normalised to the input)."""
    n, _, h, w = heat.shape
    prob = torch.sigmoid(heat)
    peaks = prob * (F.max_pool2d(prob, 3, stride=1, padding=1) == prob).float()
    scores, index = torch.topk(peaks.reshape(n, h * w), k, dim=1)
    ys = torch.div(index, w, rounding_mode="floor").float()
    xs = (index % w).float()
    gather = index.unsqueeze(1).expand(n, 2, k)
    sz = torch.gather(size.reshape(n, 2, h * w), 2, gather)
    off = torch.gather(offset.reshape(n, 2, h * w), 2, gather)
    cx = (xs + off[:, 0]) / w
    cy = (ys + off[:, 1]) / h
    bw = torch.exp(sz[:, 0].clamp(max=6.0)) / w
    bh = torch.exp(sz[:, 1].clamp(max=6.0)) / h
    return scores, torch.stack([cx, cy, bw, bh], dim=2)


class Exported(nn.Module):
    def __init__(self, detector: LogoDetector, k: int = TOP_K):
        super().__init__()
        self.detector = detector
        self.k = k

    def forward(self, x: torch.Tensor):
        scores, boxes = decode(*self.detector(x), k=self.k)
        s = scores.clamp(1e-6, 1 - 1e-6)
        logits = torch.stack([torch.log(s) - torch.log1p(-s), torch.zeros_like(s)], dim=2)
        return logits, boxes

#!/usr/bin/env python3
"""Exports the image tower of a CLIP or SigLIP model to ONNX with a dynamic batch axis, and
writes its model.json with the preprocessing the model was trained with.

    python3 export_embedder.py --model openai/clip-vit-base-patch32 --out models/clip-b32 --license mit
    python3 export_embedder.py --model google/siglip-base-patch16-224 --out models/siglip-b16 --license apache-2.0
    python3 export_embedder.py --open-clip ViT-B-32:laion2b_s34b_b79k --out models/oc-b32 --license mit

Preprocessing is read from the model's own configuration, never typed in here:
- Hugging Face CLIP (CLIPImageProcessor): resize the shortest side to size.shortest_edge, centre
  crop crop_size, normalize with image_mean/image_std (OpenAI's 0.48145466, 0.4578275, 0.40821073 /
  0.26862954, 0.26130258, 0.27577711) -> "shortest-side-crop".
- Hugging Face SigLIP (SiglipImageProcessor): resize both sides to size.height x size.width
  without keeping the aspect ratio, normalize with mean = std = 0.5 -> "stretch".
- open_clip: model.visual.preprocess_cfg (resize_mode "shortest" -> shortest-side-crop,
  "squash" -> stretch, "longest" -> letterbox).
The output is the projected image embedding, not normalized (matching uses cosine similarity).
Run on a workstation with: torch, transformers and/or open_clip_torch, (optionally) onnxruntime.
"""
import argparse

import torch

from export_common import compare_with_onnxruntime, prepare_out, write_manifest


class HfClip(torch.nn.Module):
    def __init__(self, name):
        super().__init__()
        from transformers import CLIPVisionModelWithProjection
        self.model = CLIPVisionModelWithProjection.from_pretrained(name).eval()

    def forward(self, pixel_values):
        return self.model(pixel_values=pixel_values).image_embeds


class HfSiglip(torch.nn.Module):
    def __init__(self, name):
        super().__init__()
        from transformers import SiglipVisionModel
        self.model = SiglipVisionModel.from_pretrained(name).eval()

    def forward(self, pixel_values):
        return self.model(pixel_values=pixel_values).pooler_output


class OpenClipVisual(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.visual = model.visual

    def forward(self, pixel_values):
        return self.visual(pixel_values)


def hf_preprocessing(name):
    from transformers import AutoImageProcessor
    processor = AutoImageProcessor.from_pretrained(name)
    spec = {"layout": "NCHW", "color": "RGB", "scale": float(processor.rescale_factor),
            "mean": [float(m) for m in processor.image_mean], "std": [float(s) for s in processor.image_std]}
    if getattr(processor, "do_center_crop", False):
        crop = processor.crop_size
        spec.update(size=[crop["height"], crop["width"]], resize="shortest-side-crop")
    else:
        spec.update(size=[processor.size["height"], processor.size["width"]], resize="stretch")
    return spec


def open_clip_model(spec):
    import open_clip
    arch, _, pretrained = spec.partition(":")
    model, _, _ = open_clip.create_model_and_transforms(arch, pretrained=pretrained or None)
    cfg = model.visual.preprocess_cfg
    size = cfg["size"] if isinstance(cfg["size"], (list, tuple)) else (cfg["size"], cfg["size"])
    modes = {"shortest": "shortest-side-crop", "squash": "stretch", "longest": "letterbox"}
    pre = {"layout": "NCHW", "color": "RGB", "scale": 1 / 255, "size": [int(size[0]), int(size[1])],
           "mean": [float(m) for m in cfg["mean"]], "std": [float(s) for s in cfg["std"]],
           "resize": modes[cfg.get("resize_mode", "shortest")]}
    if pre["resize"] == "letterbox":
        pre["pad"] = [round(m * 255) for m in cfg["mean"]]
    return OpenClipVisual(model).eval(), pre


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="Hugging Face id or folder of a CLIP or SigLIP model")
    which.add_argument("--open-clip", help="open_clip ARCH:PRETRAINED, e.g. ViT-B-32:laion2b_s34b_b79k")
    p.add_argument("--out", required=True)
    p.add_argument("--name", default=None)
    p.add_argument("--license", required=True, help="licence of the weights, from the model card")
    p.add_argument("--opset", type=int, default=17)
    args = p.parse_args()

    out = prepare_out(args.out)
    if args.open_clip:
        module, pre = open_clip_model(args.open_clip)
        source = "open_clip " + args.open_clip
    else:
        from transformers import AutoConfig
        kind = AutoConfig.from_pretrained(args.model).model_type
        if kind == "clip":
            module = HfClip(args.model)
        elif kind in ("siglip", "siglip2"):
            module = HfSiglip(args.model)
        else:
            raise SystemExit(f"{args.model} is a {kind!r} model; this script exports clip and siglip")
        pre = hf_preprocessing(args.model)
        source = args.model

    height, width = pre["size"]
    example = torch.randn(2, 3, height, width)
    onnx_path = out / "model.onnx"
    torch.onnx.export(
        module, (example,), str(onnx_path), opset_version=args.opset, do_constant_folding=True,
        input_names=["pixel_values"], output_names=["embedding"],
        dynamic_axes={"pixel_values": {0: "batch"}, "embedding": {0: "batch"}})
    with torch.no_grad():
        embedding = module(example)
    compare_with_onnxruntime(onnx_path, {"pixel_values": example.numpy()}, {"embedding": embedding.numpy()},
                             tolerance=1e-3)

    pre["name"] = "pixel_values"
    manifest = write_manifest(
        out, args.name or source.replace(":", "-").split("/")[-1], "embed", pre,
        {"kind": "embedding", "names": ["embedding"], "dim": int(embedding.shape[-1])},
        args.license, source)
    print(f"wrote {onnx_path} ({embedding.shape[-1]}-d, {pre['resize']} {height}x{width}) and model.json "
          f"(sha256 {manifest['sha256'][:12]}…)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Exports a DETR detector (Hugging Face DetrForObjectDetection, e.g. one fine-tuned on logos)
to ONNX with a fixed input size and a dynamic batch axis, and writes its model.json.

    python3 export_detr.py --model ORG/detr-logos --out models/logo-detr --license apache-2.0

Outputs follow the DETR convention the device decodes: logits [N, Q, C+1] (last class is
no-object) and pred_boxes [N, Q, 4] as normalized (cx, cy, w, h) of the whole input tensor.
The model is traced without pixel_mask (all pixels valid), so letterbox padding is part of the
picture the model sees; it is filled with the mean colour, which normalizes to 0, the value
DETR's own padding has. Run on a workstation with: torch, transformers, (optionally) onnxruntime.
"""
import argparse

import torch
from transformers import AutoImageProcessor, DetrForObjectDetection

from export_common import compare_with_onnxruntime, prepare_out, write_manifest


class LogitsAndBoxes(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        out = self.model(pixel_values=pixel_values)
        return out.logits, out.pred_boxes


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="Hugging Face id or local folder of a DetrForObjectDetection")
    p.add_argument("--out", required=True, help="model folder to write (model.onnx, model.json)")
    p.add_argument("--size", type=int, default=800,
                   help="square input side in pixels (DETR trains with shortest side 800); smaller is faster")
    p.add_argument("--name", default=None, help="model name for model.json (default: from --model)")
    p.add_argument("--license", required=True, help="licence of the weights, from the model card")
    p.add_argument("--opset", type=int, default=17)
    args = p.parse_args()

    out = prepare_out(args.out)
    model = DetrForObjectDetection.from_pretrained(args.model).eval()
    processor = AutoImageProcessor.from_pretrained(args.model)
    mean = [float(m) for m in processor.image_mean]
    std = [float(s) for s in processor.image_std]
    scale = float(processor.rescale_factor)

    wrapper = LogitsAndBoxes(model).eval()
    example = torch.randn(2, 3, args.size, args.size)
    onnx_path = out / "model.onnx"
    torch.onnx.export(
        wrapper, (example,), str(onnx_path), opset_version=args.opset, do_constant_folding=True,
        input_names=["pixel_values"], output_names=["logits", "pred_boxes"],
        dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}, "pred_boxes": {0: "batch"}})
    with torch.no_grad():
        logits, boxes = wrapper(example)
    compare_with_onnxruntime(onnx_path, {"pixel_values": example.numpy()},
                             {"logits": logits.numpy(), "pred_boxes": boxes.numpy()}, tolerance=1e-3)

    classes = model.config.num_labels + 1
    manifest = write_manifest(
        out, args.name or args.model.rstrip("/").split("/")[-1], "detect",
        {"name": "pixel_values", "layout": "NCHW", "size": [args.size, args.size], "color": "RGB",
         "scale": scale, "mean": mean, "std": std, "resize": "letterbox",
         "pad": [round(m * 255) for m in mean]},
        {"kind": "detr", "names": ["logits", "pred_boxes"], "dim": classes},
        args.license, args.model)
    labels = ", ".join(model.config.id2label[i] for i in sorted(model.config.id2label))
    print(f"wrote {onnx_path} ({classes - 1} classes: {labels}) and model.json (sha256 {manifest['sha256'][:12]}…)")


if __name__ == "__main__":
    main()

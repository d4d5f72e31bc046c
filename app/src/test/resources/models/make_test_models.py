#!/usr/bin/env python3
"""Writes tiny ONNX models with model.json manifests for the engine, detect and embed tests.

Usage: make_test_models.py OUT_DIR

Creates, each in its own folder with model.onnx and model.json:
  embedder/         input [N,3,16,16] -> 3x3 conv -> ReLU -> global average pool -> matmul -> [N,8]
  embedder-batch4/  the same graph exported with a fixed batch of 4
  detr/             input [N,3,64,64] -> constant DETR outputs broadcast to the batch:
                    logits [N,5,3] (2 classes + no-object), pred_boxes [N,5,4] (cx, cy, w, h)
  detr-sized/       the same with free height and width, input [N,3,H,W] (manifest size 64x64)

Weights are fixed (seeded), so every run writes the same models. Needs python3-onnx and
python3-numpy (Debian packages).
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13

# DETR constants; DetrDecoderTest and DetectorProposerTest derive their expectations from these.
DETR_LOGITS = np.array([
    [4.0, 0.0, 0.0],    # query 0: class 0, p = e^4 / (e^4 + 2) = 0.9647
    [0.0, 3.0, 0.0],    # query 1: class 1, p = e^3 / (e^3 + 2) = 0.9094, overlaps query 0
    [0.0, 0.0, 5.0],    # query 2: no-object wins, p = 1 / (e^5 + 2) = 0.0066
    [3.0, 0.0, 0.0],    # query 3: p = 0.9094, but a tiny box
    [2.0, 1.0, 0.0],    # query 4: p = e^2 / (e^2 + e + 1) = 0.6652, separate box
], dtype=np.float32)
DETR_BOXES = np.array([
    [0.50, 0.50, 0.50, 0.25],
    [0.52, 0.50, 0.50, 0.25],
    [0.25, 0.25, 0.20, 0.20],
    [0.10, 0.50, 0.01, 0.01],
    [0.125, 0.375, 0.125, 0.125],
], dtype=np.float32)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(out_dir, name, model, manifest):
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    onnx.checker.check_model(model)
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    manifest = dict(manifest, file="model.onnx", sha256=sha256(path))
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)


def embedder(batch):
    rng = np.random.default_rng(7)
    conv_w = rng.normal(0, 0.5, size=(4, 3, 3, 3)).astype(np.float32)
    conv_b = rng.normal(0, 0.1, size=(4,)).astype(np.float32)
    proj = rng.normal(0, 1.0, size=(4, 8)).astype(np.float32)
    bias = np.full((8,), 0.05, dtype=np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "conv_w", "conv_b"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "proj"], ["projected"]),
        helper.make_node("Add", ["projected", "bias"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes, "test-embedder",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, 16, 16])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [batch, 8])],
        [numpy_helper.from_array(conv_w, "conv_w"), numpy_helper.from_array(conv_b, "conv_b"),
         numpy_helper.from_array(proj, "proj"), numpy_helper.from_array(bias, "bias")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def detr(height=64, width=64):
    queries, classes = DETR_LOGITS.shape
    nodes = [
        # zero [N,1,1] that depends on the input, so the constants follow the batch size
        helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Mul", ["mean", "zero"], ["zeros4"]),
        helper.make_node("Reshape", ["zeros4", "shape_n11"], ["zeros"]),
        helper.make_node("Add", ["zeros", "logits_const"], ["logits"]),
        helper.make_node("Add", ["zeros", "boxes_const"], ["pred_boxes"]),
    ]
    graph = helper.make_graph(
        nodes, "test-detr",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, height, width])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", queries, classes]),
         helper.make_tensor_value_info("pred_boxes", TensorProto.FLOAT, ["N", queries, 4])],
        [numpy_helper.from_array(np.zeros((1,), dtype=np.float32), "zero"),
         numpy_helper.from_array(np.array([-1, 1, 1], dtype=np.int64), "shape_n11"),
         numpy_helper.from_array(DETR_LOGITS, "logits_const"),
         numpy_helper.from_array(DETR_BOXES, "boxes_const")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_test_models.py OUT_DIR")
    out = sys.argv[1]
    embed_manifest = {
        "name": "test-embedder", "task": "embed",
        "input": {"name": "input", "layout": "NCHW", "size": [16, 16], "color": "RGB",
                  "scale": 1 / 255, "mean": [0.5, 0.4, 0.3], "std": [0.25, 0.2, 0.3],
                  "resize": "letterbox", "pad": [114, 114, 114]},
        "output": {"kind": "embedding", "names": ["embedding"], "dim": 8},
        "license": "CC0-1.0", "trained_from": "fixed random weights (test fixture)",
    }
    save(out, "embedder", embedder("N"), embed_manifest)
    save(out, "embedder-batch4", embedder(4), dict(embed_manifest, name="test-embedder-batch4"))
    detr_manifest = {
        "name": "test-detr", "task": "detect",
        "input": {"name": "images", "layout": "NCHW", "size": [64, 64], "color": "RGB",
                  "scale": 1 / 255, "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0],
                  "resize": "letterbox", "pad": [0, 0, 0]},
        "output": {"kind": "detr", "names": ["logits", "pred_boxes"], "dim": 3},
        "license": "CC0-1.0", "trained_from": "constant outputs (test fixture)",
    }
    save(out, "detr", detr(), detr_manifest)
    save(out, "detr-sized", detr("H", "W"), dict(detr_manifest, name="test-detr-sized"))


if __name__ == "__main__":
    main()

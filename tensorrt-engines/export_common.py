"""What the export scripts share: hashing, writing model.json, and checking the ONNX file
against the PyTorch model it came from."""
import hashlib
import json
import pathlib


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(out, name, task, input_spec, output_spec, license_name, trained_from, file="model.onnx"):
    """Writes out/model.json in the format the device reads (see ModelManifest in the app)."""
    manifest = {
        "name": name,
        "task": task,
        "file": file,
        "sha256": sha256(out / file),
        "input": input_spec,
        "output": output_spec,
        "license": license_name,
        "trained_from": trained_from,
    }
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def compare_with_onnxruntime(onnx_path, feeds, expected, tolerance):
    """Runs the exported file with ONNX Runtime (when installed) and compares every output with
    PyTorch's; a mismatch here means a broken export, not a precision difference."""
    try:
        import numpy as np
        import onnxruntime
    except ImportError:
        print("onnxruntime not installed: skipped the ONNX Runtime comparison (pip install onnxruntime)")
        return
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    results = session.run(list(expected), feeds)
    for (name, want), got in zip(expected.items(), results):
        diff = float(np.max(np.abs(want - got)))
        print(f"ONNX Runtime vs PyTorch, {name}: max abs difference {diff:.2e}")
        if diff > tolerance:
            raise SystemExit(f"export check failed: {name} differs by {diff} (> {tolerance})")


def prepare_out(path):
    out = pathlib.Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out

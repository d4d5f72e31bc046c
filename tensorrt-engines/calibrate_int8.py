#!/usr/bin/env python3
"""INT8 calibration cache for one model folder, on the device, with TensorRT's Python API.

    python3 tensorrt-engines/calibrate_int8.py --model-dir models/x --images DIR --cache FILE

Feeds up to --max-images images from DIR through the model's own preprocessing (read from its
model.json: resize mode, size, channel order, scale, mean, std, padding), lets TensorRT's
entropy calibrator pick INT8 ranges, and writes the calibration cache that
`trtexec --int8 --calib=FILE` (build_engines.sh --precision int8) uses. The images should look
like what the cameras see: venue frames for the detector, logo crops for an embedder.

Needs, on a Jetson: python3-libnvinfer (TensorRT's Python API, part of JetPack), python3-numpy,
python3-pil. Device memory is allocated through libcudart with ctypes, so no pycuda is needed.
"""
import argparse
import ctypes
import json
import pathlib
import sys

try:
    import numpy as np
    import tensorrt as trt
    from PIL import Image
except ImportError as e:
    sys.exit(f"calibrate_int8.py: {e}; install python3-libnvinfer python3-numpy python3-pil (JetPack has them)")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


class Cuda:
    """The three CUDA runtime calls calibration needs, without pycuda."""

    def __init__(self):
        for name in ("libcudart.so", "libcudart.so.12", "libcudart.so.13", "libcudart.so.11.0"):
            try:
                self.lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        else:
            sys.exit("calibrate_int8.py: libcudart not found (CUDA runtime; JetPack installs it)")
        self.lib.cudaMalloc.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
        self.lib.cudaMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        self.lib.cudaFree.argtypes = [ctypes.c_void_p]

    def malloc(self, size):
        ptr = ctypes.c_void_p()
        self._check(self.lib.cudaMalloc(ctypes.byref(ptr), size), "cudaMalloc")
        return ptr.value

    def upload(self, device, array):
        host_to_device = 1
        self._check(self.lib.cudaMemcpy(device, array.ctypes.data, array.nbytes, host_to_device), "cudaMemcpy")

    def free(self, device):
        self.lib.cudaFree(device)

    @staticmethod
    def _check(status, call):
        if status != 0:
            raise RuntimeError(f"{call} failed with CUDA error {status}")


def preprocess(path, spec):
    """One image as the model's input item, [3, H, W] float32, as model.json describes it."""
    height, width = (spec["size"][0], spec["size"][1]) if isinstance(spec["size"], list) \
        else (spec["size"]["height"], spec["size"]["width"])
    image = Image.open(path).convert("RGB")
    w, h = image.size
    resize = spec["resize"]
    if resize == "stretch":
        image = image.resize((width, height), Image.BILINEAR)
    elif resize == "letterbox":
        s = min(width / w, height / h)
        cw, ch = max(1, round(w * s)), max(1, round(h * s))
        pad = tuple(spec["pad"]) if spec["color"] == "RGB" else tuple(reversed(spec["pad"]))
        canvas = Image.new("RGB", (width, height), pad)
        canvas.paste(image.resize((cw, ch), Image.BILINEAR), ((width - cw) // 2, (height - ch) // 2))
        image = canvas
    elif resize == "shortest-side-crop":
        s = max(width / w, height / h)
        cw, ch = max(width, round(w * s)), max(height, round(h * s))
        image = image.resize((cw, ch), Image.BILINEAR)
        left, top = round((cw - width) / 2), round((ch - height) / 2)
        image = image.crop((left, top, left + width, top + height))
    else:
        raise ValueError(f"unknown input.resize {resize!r}")
    pixels = np.asarray(image, dtype=np.float32)  # H, W, RGB
    if spec["color"] == "BGR":
        pixels = pixels[:, :, ::-1]
    pixels = (pixels * spec["scale"] - np.array(spec["mean"], np.float32)) / np.array(spec["std"], np.float32)
    return np.ascontiguousarray(pixels.transpose(2, 0, 1), dtype=np.float32)


class Calibrator(trt.IInt8EntropyCalibrator2):
    def __init__(self, images, spec, batch, cache, cuda):
        super().__init__()
        self.images, self.spec, self.batch, self.cache, self.cuda = images, spec, batch, cache, cuda
        self.next = 0
        item = preprocess(images[0], spec)
        self.device = cuda.malloc(batch * item.nbytes)

    def get_batch_size(self):
        return self.batch

    def get_batch(self, names):
        if self.next + self.batch > len(self.images):
            return None
        chunk = self.images[self.next:self.next + self.batch]
        self.next += self.batch
        print(f"calibrating: images {self.next - self.batch + 1}-{self.next} of {len(self.images)}", flush=True)
        data = np.stack([preprocess(p, self.spec) for p in chunk])
        self.cuda.upload(self.device, data)
        return [int(self.device)]

    def read_calibration_cache(self):
        return None  # always calibrate afresh: the point of running this script

    def write_calibration_cache(self, cache):
        pathlib.Path(self.cache).write_bytes(bytes(cache))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, type=pathlib.Path)
    parser.add_argument("--images", required=True, type=pathlib.Path)
    parser.add_argument("--cache", required=True, type=pathlib.Path)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--max-images", type=int, default=512)
    args = parser.parse_args()

    manifest = json.loads((args.model_dir / "model.json").read_text())
    spec = manifest["input"]
    images = sorted(p for p in args.images.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[:args.max_images]
    if len(images) < args.batch:
        sys.exit(f"calibrate_int8.py: {args.images} has {len(images)} images; calibration needs at least "
                 f"{args.batch} (a few hundred is better)")

    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)
    onnx = trt.OnnxParser(network, logger)
    if not onnx.parse((args.model_dir / manifest["file"]).read_bytes()):
        errors = "\n".join(str(onnx.get_error(i)) for i in range(onnx.num_errors))
        sys.exit(f"calibrate_int8.py: TensorRT cannot parse {manifest['file']}:\n{errors}")

    config = builder.create_builder_config()
    config.set_flag(trt.BuilderFlag.INT8)
    height, width = (spec["size"][0], spec["size"][1]) if isinstance(spec["size"], list) \
        else (spec["size"]["height"], spec["size"]["width"])
    shape = (args.batch, 3, height, width)
    tensor = next(network.get_input(i) for i in range(network.num_inputs) if network.get_input(i).name == spec["name"])
    if -1 in tuple(tensor.shape):
        profile = builder.create_optimization_profile()
        profile.set_shape(spec["name"], shape, shape, shape)
        config.add_optimization_profile(profile)
        config.set_calibration_profile(profile)
    elif tensor.shape[0] != args.batch:
        args.batch = tensor.shape[0]
    cuda = Cuda()
    calibrator = Calibrator(images, spec, args.batch, args.cache, cuda)
    config.int8_calibrator = calibrator
    try:
        if builder.build_serialized_network(network, config) is None:
            sys.exit("calibrate_int8.py: TensorRT could not build the calibration network (see the log above)")
    finally:
        cuda.free(calibrator.device)
    if not args.cache.is_file():
        sys.exit("calibrate_int8.py: TensorRT finished without writing a calibration cache")
    print(f"wrote {args.cache} from {calibrator.next} images")


if __name__ == "__main__":
    main()

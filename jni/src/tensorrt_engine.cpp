#include "tensorrt_engine.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "messages.h"

namespace logowatch {
namespace {

// TensorRT explains failures only through its logger. Warnings and errors go to the calling
// thread's MessageCapture, so the exception of the call that failed carries them; lines logged
// outside any bridge call go to stderr (the service's journal).
class RecordingLogger final : public nvinfer1::ILogger {
public:
    void log(Severity severity, nvinfer1::AsciiChar const* message) noexcept override {
        if (severity > Severity::kWARNING) {
            return;
        }
        const char* level = severity == Severity::kWARNING ? "warning"
                : severity == Severity::kERROR ? "error" : "internal error";
        try {
            std::string line = std::string("TensorRT ") + level + ": " + message;
            if (!MessageCapture::record(line)) {
                std::fprintf(stderr, "logowatch_trt: %s\n", line.c_str());
            }
        } catch (...) {
            // Out of memory while logging: nothing sensible is left to do with the line.
        }
    }
};

// One logger for the process: TensorRT keeps a pointer to it for as long as anything it
// created is alive, and a function-local static outlives every engine.
RecordingLogger& logger() {
    static RecordingLogger instance;
    return instance;
}

void check(cudaError_t status, ErrorCode code, const std::string& what) {
    if (status != cudaSuccess) {
        fail(code, what + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
    }
}

Shape toShape(const nvinfer1::Dims& dims) {
    Shape shape;
    shape.rank = dims.nbDims < 0 ? 0 : dims.nbDims;
    for (int i = 0; i < shape.rank && i < kMaxRank; i++) {
        shape.dims[static_cast<size_t>(i)] = dims.d[i];
    }
    return shape;
}

nvinfer1::Dims toDims(const Shape& shape) {
    nvinfer1::Dims dims{};
    dims.nbDims = shape.rank;
    for (int i = 0; i < shape.rank; i++) {
        dims.d[i] = shape.dims[static_cast<size_t>(i)];
    }
    return dims;
}

// An output's shape for the input shapes set on the context; TensorRT answers nbDims -1 when
// the inputs do not determine it (and logs why).
Shape outputShape(nvinfer1::IExecutionContext& context, const std::string& name) {
    nvinfer1::Dims dims = context.getTensorShape(name.c_str());
    if (dims.nbDims < 0 || dims.nbDims > kMaxRank) {
        fail(ErrorCode::kShape, "TensorRT cannot infer the shape of output \"" + name + "\" from the input shapes");
    }
    return toShape(dims);
}

std::string versionString(int32_t version) {
    // getInferLibVersion() is (MAJOR * 100 + MINOR) * 100 + PATCH since TensorRT 10.
    return std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) + "."
            + std::to_string(version % 100);
}

cudaDeviceProp deviceProperties(int device) {
    int count = 0;
    cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess || count == 0) {
        std::string reason = status != cudaSuccess
                ? std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")"
                : std::string("no device found");
        fail(ErrorCode::kNoDevice, "no CUDA GPU is usable: " + reason
                + "; check that the GPU driver is loaded and this user may open /dev/nvidia* or /dev/nvhost-*"
                  " (groups video and render)");
    }
    cudaDeviceProp properties{};
    check(cudaGetDeviceProperties(&properties, device), ErrorCode::kNoDevice, "cudaGetDeviceProperties");
    return properties;
}

}  // namespace

// Host memory of one tensor and where the GPU sees it.
struct TensorRtEngine::Slot {
    void* host = nullptr;
    void* device = nullptr;
    size_t bytes = 0;
    bool separateDevice = false;

    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
        if (separateDevice && device != nullptr) {
            cudaFree(device);
        }
        if (host != nullptr) {
            cudaFreeHost(host);
        }
    }
};

struct TensorRtEngine::Context {
    std::vector<std::unique_ptr<Slot>> slots;
    cudaStream_t stream = nullptr;
    std::unique_ptr<nvinfer1::IExecutionContext> context;  // declared last: destroyed first
    std::vector<Shape> shapes;
    bool prepared = false;

    Context() = default;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context() {
        context.reset();
        if (stream != nullptr) {
            cudaStreamDestroy(stream);
        }
    }
};

Platform TensorRtEngine::platform() {
    cudaDeviceProp properties = deviceProperties(0);
    return Platform{versionString(getInferLibVersion()),
                    std::to_string(properties.major) + "." + std::to_string(properties.minor),
                    properties.name, properties.integrated != 0};
}

TensorRtEngine::TensorRtEngine(const std::string& path, int contexts) : path_(path) {
    cudaDeviceProp properties = deviceProperties(device_);
    check(cudaSetDevice(device_), ErrorCode::kNoDevice, "cudaSetDevice(0)");
    deviceName_ = properties.name;
    computeCapability_ = std::to_string(properties.major) + "." + std::to_string(properties.minor);
    integrated_ = properties.integrated != 0;
    mapped_ = integrated_ && properties.canMapHostMemory != 0;

    std::ifstream file(path, std::ios::binary);
    if (!file) {
        fail(ErrorCode::kLoad, "cannot open engine file " + path + ": " + std::strerror(errno));
    }
    std::vector<char> plan((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (plan.empty()) {
        fail(ErrorCode::kLoad, "engine file " + path + " is empty");
    }
    runtime_.reset(nvinfer1::createInferRuntime(logger()));
    if (!runtime_) {
        fail(ErrorCode::kInternal, "createInferRuntime failed");
    }
    engine_.reset(runtime_->deserializeCudaEngine(plan.data(), plan.size()));
    if (!engine_) {
        fail(ErrorCode::kLoad, "TensorRT " + versionString(getInferLibVersion()) + " cannot load engine " + path
                + " (a plan only loads with the TensorRT version and GPU it was built with)");
    }
    plan = std::vector<char>();  // the engine keeps its own copy; free ours before allocating buffers

    describeTensors();
    int profiles = engine_->getNbOptimizationProfiles();
    if (dynamic_ && contexts > profiles) {
        fail(ErrorCode::kInvalidArgument, "engine " + path + " has dynamic shapes and " + std::to_string(profiles)
                + " optimization profile(s); TensorRT runs one context per profile at a time, so it cannot serve "
                + std::to_string(contexts) + " contexts");
    }
    for (int i = 0; i < contexts; i++) {
        createContext(i);
    }
    createLocks(contexts);
    loadMessages_ = MessageCapture::current();
}

TensorRtEngine::~TensorRtEngine() {
    // Runs may not be in flight here (the Java side waits for them), but a stream may still
    // hold work if a run threw after enqueueing; finish it before buffers go away.
    for (auto& context : contexts_) {
        if (context->stream != nullptr) {
            cudaStreamSynchronize(context->stream);
        }
    }
    contexts_.clear();
    engine_.reset();
    runtime_.reset();
}

void TensorRtEngine::describeTensors() {
    int count = engine_->getNbIOTensors();
    for (int i = 0; i < count; i++) {
        const char* name = engine_->getIOTensorName(i);
        TensorDesc tensor;
        tensor.name = name;
        nvinfer1::TensorIOMode mode = engine_->getTensorIOMode(name);
        if (mode != nvinfer1::TensorIOMode::kINPUT && mode != nvinfer1::TensorIOMode::kOUTPUT) {
            continue;
        }
        tensor.input = mode == nvinfer1::TensorIOMode::kINPUT;
        int type = static_cast<int>(engine_->getTensorDataType(name));
        if (type < 0 || type > static_cast<int>(DataType::kFp4)) {
            fail(ErrorCode::kUnsupported, "tensor \"" + tensor.name + "\" has TensorRT data type " + std::to_string(type)
                    + ", which this bridge does not know");
        }
        tensor.type = static_cast<DataType>(type);
        if (engine_->getTensorLocation(name) != nvinfer1::TensorLocation::kDEVICE || engine_->isShapeInferenceIO(name)) {
            fail(ErrorCode::kUnsupported, "tensor \"" + tensor.name
                    + "\" is a shape tensor or lives in host memory; this bridge feeds image tensors only");
        }
        if (engine_->getTensorFormat(name) != nvinfer1::TensorFormat::kLINEAR) {
            fail(ErrorCode::kUnsupported, "tensor \"" + tensor.name + "\" has a vectorized format ("
                    + engine_->getTensorFormatDesc(name) + "); build the engine without --inputIOFormats/--outputIOFormats"
                      " so inputs and outputs stay linear");
        }
        tensor.shape = toShape(engine_->getTensorShape(name));
        tensor.min = tensor.opt = tensor.max = tensor.shape;
        if (tensor.input && tensor.shape.isDynamic()) {
            dynamic_ = true;
            tensor.min = toShape(engine_->getProfileShape(name, 0, nvinfer1::OptProfileSelector::kMIN));
            tensor.opt = toShape(engine_->getProfileShape(name, 0, nvinfer1::OptProfileSelector::kOPT));
            tensor.max = toShape(engine_->getProfileShape(name, 0, nvinfer1::OptProfileSelector::kMAX));
        }
        tensors_.push_back(tensor);
    }
    if (tensors_.empty()) {
        fail(ErrorCode::kLoad, "engine " + path_ + " has no input or output tensors");
    }
}

void TensorRtEngine::setInputs(nvinfer1::IExecutionContext& context, int profile, nvinfer1::OptProfileSelector which,
                               const std::string& purpose) {
    for (const TensorDesc& tensor : tensors_) {
        if (!tensor.input) {
            continue;
        }
        Shape shape = tensor.shape.isDynamic()
                ? toShape(engine_->getProfileShape(tensor.name.c_str(), profile, which))
                : tensor.shape;
        if (!context.setInputShape(tensor.name.c_str(), toDims(shape))) {
            fail(ErrorCode::kLoad, "cannot set input \"" + tensor.name + "\" to its " + purpose + " shape " + shape.str());
        }
    }
}

void TensorRtEngine::createContext(int index) {
    auto ctx = std::make_unique<Context>();
    check(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking), ErrorCode::kOutOfMemory, "cudaStreamCreate");
    ctx->context.reset(engine_->createExecutionContext());
    if (!ctx->context) {
        fail(ErrorCode::kOutOfMemory, "TensorRT cannot create execution context " + std::to_string(index)
                + " for " + path_ + " (not enough GPU memory for its activations?)");
    }
    int profile = dynamic_ ? index : 0;
    if (profile != 0) {
        if (!ctx->context->setOptimizationProfileAsync(profile, ctx->stream)) {
            fail(ErrorCode::kLoad, "cannot select optimization profile " + std::to_string(profile));
        }
        check(cudaStreamSynchronize(ctx->stream), ErrorCode::kLoad, "selecting optimization profile");
    }
    // Output shapes follow the inputs; walk min, opt, max so the description has all three
    // and the buffers end up sized for the largest.
    if (index == 0 && dynamic_) {
        setInputs(*ctx->context, 0, nvinfer1::OptProfileSelector::kMIN, "minimum");
        for (TensorDesc& t : tensors_) {
            if (!t.input) {
                t.min = outputShape(*ctx->context, t.name);
            }
        }
        setInputs(*ctx->context, 0, nvinfer1::OptProfileSelector::kOPT, "optimum");
        for (TensorDesc& t : tensors_) {
            if (!t.input) {
                t.opt = outputShape(*ctx->context, t.name);
            }
        }
    }
    setInputs(*ctx->context, profile, nvinfer1::OptProfileSelector::kMAX, "maximum");
    for (size_t i = 0; i < tensors_.size(); i++) {
        TensorDesc& t = tensors_[i];
        Shape largest = t.input
                ? (t.shape.isDynamic()
                        ? toShape(engine_->getProfileShape(t.name.c_str(), profile, nvinfer1::OptProfileSelector::kMAX))
                        : t.shape)
                : outputShape(*ctx->context, t.name);
        if (largest.isDynamic()) {
            fail(ErrorCode::kUnsupported, "output \"" + t.name + "\" has a data-dependent shape " + largest.str()
                    + "; this bridge needs output shapes that follow from the input shapes");
        }
        if (index == 0 && !t.input) {
            t.max = largest;
            if (!dynamic_) {
                t.min = t.opt = largest;
            }
        }
        auto slot = std::make_unique<Slot>();
        // A zero-sized tensor still needs a distinct, valid address.
        slot->bytes = bytesFor(t.type, largest);
        size_t allocate = slot->bytes == 0 ? 16 : slot->bytes;
        const std::string what = "allocating " + std::to_string(allocate) + " bytes for tensor \"" + t.name + "\"";
        if (mapped_) {
            check(cudaHostAlloc(&slot->host, allocate, cudaHostAllocMapped), ErrorCode::kOutOfMemory, what);
            check(cudaHostGetDevicePointer(&slot->device, slot->host, 0), ErrorCode::kInternal,
                  "cudaHostGetDevicePointer for \"" + t.name + "\"");
        } else {
            check(cudaHostAlloc(&slot->host, allocate, cudaHostAllocDefault), ErrorCode::kOutOfMemory, what);
            slot->separateDevice = true;
            check(cudaMalloc(&slot->device, allocate), ErrorCode::kOutOfMemory, what + " on the GPU");
        }
        if (!ctx->context->setTensorAddress(t.name.c_str(), slot->device)) {
            fail(ErrorCode::kInternal, "setTensorAddress failed for \"" + t.name + "\"");
        }
        ctx->slots.push_back(std::move(slot));
    }
    ctx->shapes.resize(tensors_.size());
    contexts_.push_back(std::move(ctx));
}

std::string TensorRtEngine::description() const {
    return "TensorRT " + versionString(getInferLibVersion()) + " on " + deviceName_ + " (compute " + computeCapability_
            + ", " + (integrated_ ? "integrated" : "discrete") + " GPU, "
            + (mapped_ ? "mapped page-locked memory, no copies" : "device buffers with async copies") + "), "
            + std::to_string(contexts_.size()) + " execution context(s), engine " + path_;
}

HostBuffer TensorRtEngine::buffer(int context, int tensor) {
    checkContext(context);
    checkTensor(tensor);
    Slot& slot = *contexts_[static_cast<size_t>(context)]->slots[static_cast<size_t>(tensor)];
    return HostBuffer{slot.host, slot.bytes};
}

void TensorRtEngine::prepare(int context, std::vector<Shape>& shapes) {
    checkContext(context);
    if (shapes.size() != tensors_.size()) {
        fail(ErrorCode::kInvalidArgument, "expected " + std::to_string(tensors_.size()) + " shapes, got "
                + std::to_string(shapes.size()));
    }
    Context& ctx = *contexts_[static_cast<size_t>(context)];
    ctx.prepared = false;
    for (size_t i = 0; i < tensors_.size(); i++) {
        const TensorDesc& t = tensors_[i];
        if (t.input) {
            if (!ctx.context->setInputShape(t.name.c_str(), toDims(shapes[i]))) {
                fail(ErrorCode::kShape, "input \"" + t.name + "\" does not accept shape " + shapes[i].str());
            }
            ctx.shapes[i] = shapes[i];
        }
    }
    for (size_t i = 0; i < tensors_.size(); i++) {
        const TensorDesc& t = tensors_[i];
        if (t.input) {
            continue;
        }
        Shape shape = outputShape(*ctx.context, t.name);
        if (shape.isDynamic()) {
            fail(ErrorCode::kShape, "TensorRT cannot infer the shape of output \"" + t.name + "\" from these inputs");
        }
        if (bytesFor(t.type, shape) > ctx.slots[i]->bytes) {
            fail(ErrorCode::kBufferSize, "output \"" + t.name + "\" of shape " + shape.str() + " needs "
                    + std::to_string(bytesFor(t.type, shape)) + " bytes, its buffer holds "
                    + std::to_string(ctx.slots[i]->bytes));
        }
        ctx.shapes[i] = shape;
        shapes[i] = shape;
    }
    ctx.prepared = true;
}

void TensorRtEngine::execute(int context) {
    checkContext(context);
    Context& ctx = *contexts_[static_cast<size_t>(context)];
    if (!ctx.prepared) {
        fail(ErrorCode::kInvalidArgument, "execute before prepare on context " + std::to_string(context));
    }
    // The current device is per host thread, and Java may call from any thread.
    check(cudaSetDevice(device_), ErrorCode::kNoDevice, "cudaSetDevice");
    if (!mapped_) {
        for (size_t i = 0; i < tensors_.size(); i++) {
            if (tensors_[i].input) {
                Slot& s = *ctx.slots[i];
                check(cudaMemcpyAsync(s.device, s.host, bytesFor(tensors_[i].type, ctx.shapes[i]), cudaMemcpyHostToDevice,
                                      ctx.stream), ErrorCode::kRun, "copying input \"" + tensors_[i].name + "\" to the GPU");
            }
        }
    }
    if (!ctx.context->enqueueV3(ctx.stream)) {
        cudaStreamSynchronize(ctx.stream);
        fail(ErrorCode::kRun, "enqueueV3 failed for engine " + path_);
    }
    if (!mapped_) {
        for (size_t i = 0; i < tensors_.size(); i++) {
            if (!tensors_[i].input) {
                Slot& s = *ctx.slots[i];
                check(cudaMemcpyAsync(s.host, s.device, bytesFor(tensors_[i].type, ctx.shapes[i]), cudaMemcpyDeviceToHost,
                                      ctx.stream), ErrorCode::kRun, "copying output \"" + tensors_[i].name + "\" from the GPU");
            }
        }
    }
    check(cudaStreamSynchronize(ctx.stream), ErrorCode::kRun,
          "running engine " + path_ + " (a CUDA error here leaves the GPU context unusable: restart the service)");
}

}  // namespace logowatch

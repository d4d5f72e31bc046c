#include "engine.h"

#include "cpu_test_engine.h"
#include "messages.h"
#ifdef LOGOWATCH_WITH_TENSORRT
#include "tensorrt_engine.h"
#endif

namespace logowatch {

int bitsOf(DataType type) noexcept {
    switch (type) {
        case DataType::kFloat32:
        case DataType::kInt32:
            return 32;
        case DataType::kFloat16:
        case DataType::kBFloat16:
            return 16;
        case DataType::kInt8:
        case DataType::kUInt8:
        case DataType::kBool:
        case DataType::kFp8:
            return 8;
        case DataType::kInt64:
            return 64;
        case DataType::kInt4:
        case DataType::kFp4:
            return 4;
    }
    return 0;
}

const char* nameOf(DataType type) noexcept {
    switch (type) {
        case DataType::kFloat32: return "float32";
        case DataType::kFloat16: return "float16";
        case DataType::kInt8: return "int8";
        case DataType::kInt32: return "int32";
        case DataType::kBool: return "bool";
        case DataType::kUInt8: return "uint8";
        case DataType::kFp8: return "fp8";
        case DataType::kBFloat16: return "bfloat16";
        case DataType::kInt64: return "int64";
        case DataType::kInt4: return "int4";
        case DataType::kFp4: return "fp4";
    }
    return "unknown";
}

bool Shape::isDynamic() const noexcept {
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) {
            return true;
        }
    }
    return false;
}

int64_t Shape::volume() const noexcept {
    int64_t v = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) {
            return -1;
        }
        v *= dims[i];
    }
    return v;
}

std::string Shape::str() const {
    std::string s = "[";
    for (int i = 0; i < rank; i++) {
        if (i > 0) {
            s += ",";
        }
        s += std::to_string(dims[i]);
    }
    return s + "]";
}

bool Shape::operator==(const Shape& other) const noexcept {
    if (rank != other.rank) {
        return false;
    }
    for (int i = 0; i < rank; i++) {
        if (dims[i] != other.dims[i]) {
            return false;
        }
    }
    return true;
}

size_t bytesFor(DataType type, const Shape& shape) {
    int64_t volume = shape.volume();
    if (volume < 0) {
        throw EngineError(ErrorCode::kInternal, "size of a shape with dynamic axes requested: " + shape.str());
    }
    return static_cast<size_t>((volume * bitsOf(type) + 7) / 8);
}

std::unique_lock<std::mutex> Engine::lock(int context) {
    checkContext(context);
    std::unique_lock<std::mutex> guard(*locks_[static_cast<size_t>(context)], std::try_to_lock);
    if (!guard.owns_lock()) {
        throw EngineError(ErrorCode::kBusy, "execution context " + std::to_string(context)
                + " is in use by another thread; each context serves one run at a time");
    }
    return guard;
}

void Engine::createLocks(int count) {
    for (int i = 0; i < count; i++) {
        locks_.push_back(std::make_unique<std::mutex>());
    }
}

void Engine::checkContext(int context) const {
    if (context < 0 || context >= contexts()) {
        throw EngineError(ErrorCode::kInvalidArgument, "execution context " + std::to_string(context)
                + " does not exist (the engine has " + std::to_string(contexts()) + ")");
    }
}

void Engine::checkTensor(int tensor) const {
    if (tensor < 0 || static_cast<size_t>(tensor) >= tensors().size()) {
        throw EngineError(ErrorCode::kInvalidArgument, "tensor " + std::to_string(tensor)
                + " does not exist (the engine has " + std::to_string(tensors().size()) + ")");
    }
}

std::vector<std::string> backends() {
    std::vector<std::string> names{"cpu-test"};
#ifdef LOGOWATCH_WITH_TENSORRT
    names.emplace_back("tensorrt");
#endif
    return names;
}

namespace {
[[noreturn]] void noBackend(const std::string& backend) {
    std::string built;
    for (const std::string& name : backends()) {
        built += built.empty() ? name : ", " + name;
    }
    if (backend == "tensorrt") {
        throw EngineError(ErrorCode::kNoBackend,
                "this liblogowatch_trt.so was built without TensorRT (it has: " + built
                + "); rebuild it on a device with TensorRT: cmake -S jni -B jni/build -DLOGOWATCH_TENSORRT=ON"
                  " && cmake --build jni/build");
    }
    throw EngineError(ErrorCode::kNoBackend, "unknown backend \"" + backend + "\" (this library has: " + built + ")");
}
}  // namespace

Platform platform(const std::string& backend) {
    if (backend == "cpu-test") {
        return CpuTestEngine::platform();
    }
#ifdef LOGOWATCH_WITH_TENSORRT
    if (backend == "tensorrt") {
        return TensorRtEngine::platform();
    }
#endif
    noBackend(backend);
}

std::unique_ptr<Engine> openEngine(const std::string& backend, const std::string& path, int contexts) {
    if (contexts < 1) {
        throw EngineError(ErrorCode::kInvalidArgument, "an engine needs at least one execution context, got "
                + std::to_string(contexts));
    }
    if (backend == "cpu-test") {
        return std::make_unique<CpuTestEngine>(path, contexts);
    }
#ifdef LOGOWATCH_WITH_TENSORRT
    if (backend == "tensorrt") {
        return std::make_unique<TensorRtEngine>(path, contexts);
    }
#endif
    noBackend(backend);
}

}  // namespace logowatch

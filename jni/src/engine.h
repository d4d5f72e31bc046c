// The backend-neutral engine interface the JNI layer is written against. Backends: the
// TensorRT runtime (tensorrt_engine.cpp, built only when TensorRT is found) and a tiny CPU
// test engine (cpu_test_engine.cpp) that lets machines without a GPU exercise everything
// above this interface.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace logowatch {

// The Java side maps these numbers to TensorRtException.Code; keep both in step.
enum class ErrorCode : int {
    kLoad = 1,             // the engine file cannot be read or deserialised
    kInvalidArgument = 2,  // a call that breaks the interface's contract
    kShape = 3,            // an input shape the engine does not accept
    kBufferSize = 4,       // a caller's buffer is smaller than the tensor it should hold
    kRun = 5,              // the engine failed while running
    kNoDevice = 6,         // no usable GPU
    kOutOfMemory = 7,
    kUnsupported = 8,      // an engine feature this bridge does not handle
    kBusy = 9,             // an execution context used by two threads at once
    kNoBackend = 10,       // the library was built without the requested backend
    kInternal = 11,
};

class EngineError : public std::runtime_error {
public:
    EngineError(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ErrorCode code() const noexcept { return code_; }

private:
    ErrorCode code_;
};

// Numbered as TensorRT's nvinfer1::DataType so a TensorRT engine reports its own values.
enum class DataType : int {
    kFloat32 = 0,
    kFloat16 = 1,
    kInt8 = 2,
    kInt32 = 3,
    kBool = 4,
    kUInt8 = 5,
    kFp8 = 6,
    kBFloat16 = 7,
    kInt64 = 8,
    kInt4 = 9,
    kFp4 = 10,
};

// Bits per element; 0 for a type this bridge does not know.
int bitsOf(DataType type) noexcept;
const char* nameOf(DataType type) noexcept;

constexpr int kMaxRank = 8;

struct Shape {
    int rank = 0;
    std::array<int64_t, kMaxRank> dims{};

    bool isDynamic() const noexcept;
    int64_t volume() const noexcept;  // -1 while any axis is dynamic
    std::string str() const;          // "[1,3,224,224]", dynamic axes as -1
    bool operator==(const Shape& other) const noexcept;
};

// Bytes a tensor of this type and shape occupies; sub-byte types are packed.
size_t bytesFor(DataType type, const Shape& shape);

struct TensorDesc {
    std::string name;
    bool input = false;
    DataType type = DataType::kFloat32;
    Shape shape;  // as declared, -1 on dynamic axes
    // Inputs: the accepted range (optimisation profile 0). Outputs: what they become when the
    // inputs are at min, opt and max. Equal to shape for static tensors.
    Shape min, opt, max;
};

struct HostBuffer {
    void* data = nullptr;
    size_t bytes = 0;
};

// One loaded engine with a fixed number of execution contexts. Each context owns host buffers,
// one per tensor, sized for the largest shape the engine accepts; the JNI layer exposes them to
// Java as direct ByteBuffers so inputs are written and outputs read without another copy. A
// context is used by one thread at a time: callers hold lock(context) around filling its
// buffers, prepare, execute and reading results. A second thread gets kBusy instead of
// corrupting the first one's data.
class Engine {
public:
    virtual ~Engine() = default;
    Engine() = default;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    virtual const std::vector<TensorDesc>& tensors() const = 0;
    virtual int contexts() const = 0;
    // What runs the engine, for logs: "TensorRT 10.3.0 on Orin (compute 8.7, integrated GPU, mapped memory)".
    virtual std::string description() const = 0;
    // Warnings the backend reported while loading (a plan built on another device model, ...).
    virtual std::vector<std::string> loadMessages() const = 0;

    // Host memory of one tensor in one context; valid until the engine is destroyed.
    virtual HostBuffer buffer(int context, int tensor) = 0;

    // Takes the context or throws kBusy; the returned lock releases it.
    std::unique_lock<std::mutex> lock(int context);

    // Sets the input shapes (entries of outputs are ignored) and fills in the output shapes.
    // Throws kShape with the backend's own explanation when an input shape is not accepted.
    virtual void prepare(int context, std::vector<Shape>& shapes) = 0;
    // Runs the context on the shapes of the last prepare; inputs are read from and outputs
    // written to the context's host buffers.
    virtual void execute(int context) = 0;

protected:
    void createLocks(int count);
    void checkContext(int context) const;
    void checkTensor(int tensor) const;

private:
    std::vector<std::unique_ptr<std::mutex>> locks_;
};

// Facts about the machine a backend runs on, checked against an engine's manifest before it
// is loaded.
struct Platform {
    std::string runtimeVersion;     // "10.3.0"
    std::string computeCapability;  // "8.7"
    std::string deviceName;         // "Orin"
    bool integrated = false;        // GPU shares memory with the CPU (Jetson)
};

// The backends this library was built with, e.g. {"cpu-test", "tensorrt"}.
std::vector<std::string> backends();
Platform platform(const std::string& backend);
std::unique_ptr<Engine> openEngine(const std::string& backend, const std::string& path, int contexts);

}  // namespace logowatch

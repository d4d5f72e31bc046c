// A serialized TensorRT engine (a plan file built by trtexec on this device) behind the Engine
// interface, on the TensorRT 10 runtime API: I/O tensors by name, setInputShape for dynamic
// axes, setTensorAddress once per context, enqueueV3 on a CUDA stream per context.
//
// Memory: on a GPU that shares memory with the CPU (every Jetson: cudaDeviceProp.integrated)
// each tensor lives in mapped, page-locked host memory; the GPU reads and writes it in place,
// so a run copies nothing. On a discrete GPU each tensor has page-locked host memory plus a
// device buffer, and a run copies the inputs' actual bytes in and the outputs' out, on the
// context's stream.
#pragma once

#include <NvInferRuntime.h>
#include <cuda_runtime_api.h>

#include <memory>
#include <string>
#include <vector>

#include "engine.h"

namespace logowatch {

class TensorRtEngine final : public Engine {
public:
    TensorRtEngine(const std::string& path, int contexts);
    ~TensorRtEngine() override;

    static Platform platform();

    const std::vector<TensorDesc>& tensors() const override { return tensors_; }
    int contexts() const override { return static_cast<int>(contexts_.size()); }
    std::string description() const override;
    std::vector<std::string> loadMessages() const override { return loadMessages_; }
    HostBuffer buffer(int context, int tensor) override;
    void prepare(int context, std::vector<Shape>& shapes) override;
    void execute(int context) override;

private:
    struct Slot;
    struct Context;

    void describeTensors();
    void createContext(int index);
    void setInputs(nvinfer1::IExecutionContext& context, int profile, nvinfer1::OptProfileSelector which,
                   const std::string& purpose);

    std::string path_;
    int device_ = 0;
    std::string deviceName_;
    std::string computeCapability_;
    bool integrated_ = false;
    bool mapped_ = false;
    bool dynamic_ = false;
    std::vector<TensorDesc> tensors_;
    std::vector<std::string> loadMessages_;
    // Destroyed in reverse order: contexts before the engine before the runtime.
    std::unique_ptr<nvinfer1::IRuntime> runtime_;
    std::unique_ptr<nvinfer1::ICudaEngine> engine_;
    std::vector<std::unique_ptr<Context>> contexts_;
};

}  // namespace logowatch

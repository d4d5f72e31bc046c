// An engine that runs on the CPU from a small text file, so the JNI layer and the Java engine
// above it can be tested on machines without a GPU or TensorRT. It behaves like a TensorRT
// engine where the bridge can tell: dynamic axes with a min/opt/max range, shapes refused with
// a logged explanation, one lock per execution context, and failures at run time.
//
// File format (one declaration per line, '#' starts a comment):
//
//   logowatch-test-engine 1
//   input  images float32 -1x3x4x4 min 1x3x4x4 opt 2x3x4x4 max 8x3x4x4
//   output scores float32 -1x3x4x4 affine images 2 1     scores = images * 2 + 1
//   output sums   float32 -1x1     sum images            sums[n] = sum of item n of images
//   delay-ms 50                                          every run sleeps this long
//
// A run fails (as a real engine fails on a bad kernel) when an input holds NaN.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine.h"

namespace logowatch {

class CpuTestEngine final : public Engine {
public:
    CpuTestEngine(const std::string& path, int contexts);

    static Platform platform();

    const std::vector<TensorDesc>& tensors() const override { return tensors_; }
    int contexts() const override { return static_cast<int>(contexts_.size()); }
    std::string description() const override;
    std::vector<std::string> loadMessages() const override { return {}; }
    HostBuffer buffer(int context, int tensor) override;
    void prepare(int context, std::vector<Shape>& shapes) override;
    void execute(int context) override;

private:
    enum class Op { kNone, kAffine, kSum };
    struct Rule {
        Op op = Op::kNone;
        int source = -1;  // input tensor index
        float scale = 1;
        float offset = 0;
    };
    struct Context {
        std::vector<std::vector<uint64_t>> memory;  // uint64_t keeps every tensor 8-byte aligned
        std::vector<Shape> shapes;
        bool prepared = false;
    };

    void parse(const std::string& path);
    Shape outputShape(const Rule& rule, const Shape& input) const;

    std::string path_;
    std::vector<TensorDesc> tensors_;
    std::vector<Rule> rules_;
    int delayMs_ = 0;
    std::vector<Context> contexts_;
};

}  // namespace logowatch

#include "cpu_test_engine.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "messages.h"

namespace logowatch {
namespace {

constexpr const char* kMagic = "logowatch-test-engine";

bool parseShape(const std::string& text, Shape& shape) {
    shape = Shape{};
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, 'x')) {
        if (shape.rank == kMaxRank || part.empty()) {
            return false;
        }
        size_t used = 0;
        long long value = 0;
        try {
            value = std::stoll(part, &used);
        } catch (const std::exception&) {
            return false;
        }
        if (used != part.size() || value < -1) {
            return false;
        }
        shape.dims[static_cast<size_t>(shape.rank++)] = value;
    }
    return shape.rank > 0;
}

bool parseType(const std::string& text, DataType& type) {
    for (int t = 0; t <= static_cast<int>(DataType::kFp4); t++) {
        if (text == nameOf(static_cast<DataType>(t))) {
            type = static_cast<DataType>(t);
            return true;
        }
    }
    return false;
}

bool fits(const Shape& declared, const Shape& concrete) {
    if (declared.rank != concrete.rank || concrete.isDynamic()) {
        return false;
    }
    for (int i = 0; i < declared.rank; i++) {
        if (declared.dims[i] >= 0 && declared.dims[i] != concrete.dims[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

CpuTestEngine::CpuTestEngine(const std::string& path, int contexts) : path_(path) {
    parse(path);
    contexts_.resize(static_cast<size_t>(contexts));
    for (Context& context : contexts_) {
        for (const TensorDesc& tensor : tensors_) {
            size_t bytes = bytesFor(tensor.type, tensor.max);
            context.memory.emplace_back((bytes + 7) / 8 + 1, 0);
        }
        context.shapes.resize(tensors_.size());
    }
    createLocks(contexts);
}

void CpuTestEngine::parse(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        fail(ErrorCode::kLoad, "cannot open test engine " + path + ": " + std::strerror(errno));
    }
    std::string line;
    int number = 0;
    bool magic = false;
    auto bad = [&](const std::string& reason) {
        fail(ErrorCode::kLoad, path + ":" + std::to_string(number) + ": " + reason);
    };
    while (std::getline(file, line)) {
        number++;
        line = line.substr(0, line.find('#'));
        std::stringstream in(line);
        std::vector<std::string> words;
        for (std::string w; in >> w;) {
            words.push_back(w);
        }
        if (words.empty()) {
            continue;
        }
        if (!magic) {
            if (words.size() != 2 || words[0] != kMagic || words[1] != "1") {
                bad(std::string("not a test engine (the first line must be \"") + kMagic + " 1\")");
            }
            magic = true;
            continue;
        }
        const std::string& kind = words[0];
        if (kind == "delay-ms") {
            if (words.size() != 2) {
                bad("expected: delay-ms MILLISECONDS");
            }
            delayMs_ = std::stoi(words[1]);
            continue;
        }
        if (kind != "input" && kind != "output") {
            bad("unknown declaration \"" + kind + "\" (known: input, output, delay-ms)");
        }
        if (words.size() < 4) {
            bad("expected: " + kind + " NAME TYPE SHAPE ...");
        }
        TensorDesc tensor;
        tensor.name = words[1];
        tensor.input = kind == "input";
        if (!parseType(words[2], tensor.type)) {
            bad("unknown data type \"" + words[2] + "\"");
        }
        if (!parseShape(words[3], tensor.shape)) {
            bad("bad shape \"" + words[3] + "\" (expected dimensions joined by x, -1 for dynamic)");
        }
        for (const TensorDesc& other : tensors_) {
            if (other.name == tensor.name) {
                bad("tensor \"" + tensor.name + "\" declared twice");
            }
        }
        Rule rule;
        if (tensor.input) {
            tensor.min = tensor.opt = tensor.max = tensor.shape;
            if (tensor.shape.isDynamic()) {
                if (words.size() != 10 || words[4] != "min" || words[6] != "opt" || words[8] != "max"
                        || !parseShape(words[5], tensor.min) || !parseShape(words[7], tensor.opt)
                        || !parseShape(words[9], tensor.max)) {
                    bad("a dynamic input needs: min SHAPE opt SHAPE max SHAPE");
                }
                if (!fits(tensor.shape, tensor.min) || !fits(tensor.shape, tensor.opt) || !fits(tensor.shape, tensor.max)) {
                    bad("min, opt and max must be concrete shapes that fit " + tensor.shape.str());
                }
                for (int i = 0; i < tensor.shape.rank; i++) {
                    if (tensor.min.dims[i] > tensor.opt.dims[i] || tensor.opt.dims[i] > tensor.max.dims[i]) {
                        bad("min <= opt <= max does not hold on axis " + std::to_string(i));
                    }
                }
            } else if (words.size() != 4) {
                bad("a static input takes no range");
            }
        } else {
            if (words.size() < 6) {
                bad("expected: output NAME TYPE SHAPE affine INPUT SCALE OFFSET | sum INPUT");
            }
            if (tensor.type != DataType::kFloat32) {
                bad("outputs are float32");
            }
            for (size_t i = 0; i < tensors_.size(); i++) {
                if (tensors_[i].input && tensors_[i].name == words[5]) {
                    rule.source = static_cast<int>(i);
                }
            }
            if (rule.source < 0) {
                bad("no input \"" + words[5] + "\" declared before this line");
            }
            if (tensors_[static_cast<size_t>(rule.source)].type != DataType::kFloat32) {
                bad("input \"" + words[5] + "\" must be float32 to compute from");
            }
            if (words[4] == "affine" && words.size() == 8) {
                rule.op = Op::kAffine;
                rule.scale = std::stof(words[6]);
                rule.offset = std::stof(words[7]);
            } else if (words[4] == "sum" && words.size() == 6) {
                rule.op = Op::kSum;
            } else {
                bad("expected: affine INPUT SCALE OFFSET | sum INPUT");
            }
            const TensorDesc& source = tensors_[static_cast<size_t>(rule.source)];
            tensor.min = outputShape(rule, source.min);
            tensor.opt = outputShape(rule, source.opt);
            tensor.max = outputShape(rule, source.max);
            if (!fits(tensor.shape, tensor.min) || !fits(tensor.shape, tensor.max)) {
                bad("declared shape " + tensor.shape.str() + " does not fit what the rule makes: "
                        + tensor.max.str());
            }
        }
        tensors_.push_back(tensor);
        rules_.push_back(rule);
    }
    if (!magic) {
        fail(ErrorCode::kLoad, path + ": empty file, not a test engine");
    }
}

Shape CpuTestEngine::outputShape(const Rule& rule, const Shape& input) const {
    if (rule.op == Op::kAffine) {
        return input;
    }
    Shape sums;
    sums.rank = 2;
    sums.dims[0] = input.dims[0];
    sums.dims[1] = 1;
    return sums;
}

Platform CpuTestEngine::platform() {
    return Platform{"cpu-test", "cpu", "CPU test engine", true};
}

std::string CpuTestEngine::description() const {
    return "CPU test engine from " + path_ + ", " + std::to_string(contexts_.size()) + " execution context(s)";
}

HostBuffer CpuTestEngine::buffer(int context, int tensor) {
    checkContext(context);
    checkTensor(tensor);
    const TensorDesc& desc = tensors_[static_cast<size_t>(tensor)];
    std::vector<uint64_t>& memory = contexts_[static_cast<size_t>(context)].memory[static_cast<size_t>(tensor)];
    return HostBuffer{memory.data(), bytesFor(desc.type, desc.max)};
}

void CpuTestEngine::prepare(int context, std::vector<Shape>& shapes) {
    checkContext(context);
    if (shapes.size() != tensors_.size()) {
        fail(ErrorCode::kInvalidArgument, "expected " + std::to_string(tensors_.size()) + " shapes, got "
                + std::to_string(shapes.size()));
    }
    Context& ctx = contexts_[static_cast<size_t>(context)];
    ctx.prepared = false;
    for (size_t i = 0; i < tensors_.size(); i++) {
        const TensorDesc& t = tensors_[i];
        if (!t.input) {
            continue;
        }
        const Shape& s = shapes[i];
        std::string reason;
        if (!fits(t.shape, s)) {
            reason = "the shape does not fit the declared " + t.shape.str();
        } else {
            for (int a = 0; a < s.rank && reason.empty(); a++) {
                if (s.dims[a] < t.min.dims[a] || s.dims[a] > t.max.dims[a]) {
                    reason = "dimension " + std::to_string(a) + " is " + std::to_string(s.dims[a])
                            + ", the profile allows " + std::to_string(t.min.dims[a]) + " to "
                            + std::to_string(t.max.dims[a]);
                }
            }
        }
        if (!reason.empty()) {
            // Logged first, as TensorRT logs before setInputShape returns false.
            if (!MessageCapture::record("CpuTestEngine: setInputShape(\"" + t.name + "\", " + s.str() + "): " + reason)) {
                std::fprintf(stderr, "logowatch_trt: input %s: %s\n", t.name.c_str(), reason.c_str());
            }
            fail(ErrorCode::kShape, "input \"" + t.name + "\" does not accept shape " + s.str());
        }
        ctx.shapes[i] = s;
    }
    for (size_t i = 0; i < tensors_.size(); i++) {
        if (!tensors_[i].input) {
            ctx.shapes[i] = outputShape(rules_[i], ctx.shapes[static_cast<size_t>(rules_[i].source)]);
            shapes[i] = ctx.shapes[i];
        }
    }
    ctx.prepared = true;
}

void CpuTestEngine::execute(int context) {
    checkContext(context);
    Context& ctx = contexts_[static_cast<size_t>(context)];
    if (!ctx.prepared) {
        fail(ErrorCode::kInvalidArgument, "execute before prepare on context " + std::to_string(context));
    }
    if (delayMs_ > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs_));
    }
    for (size_t i = 0; i < tensors_.size(); i++) {
        const TensorDesc& t = tensors_[i];
        if (!t.input || t.type != DataType::kFloat32) {
            continue;
        }
        const float* in = reinterpret_cast<const float*>(ctx.memory[i].data());
        int64_t n = ctx.shapes[i].volume();
        for (int64_t k = 0; k < n; k++) {
            if (std::isnan(in[k])) {
                if (!MessageCapture::record("CpuTestEngine: enqueue: input \"" + t.name + "\" holds NaN at index "
                        + std::to_string(k))) {
                    std::fprintf(stderr, "logowatch_trt: input %s holds NaN\n", t.name.c_str());
                }
                fail(ErrorCode::kRun, "the run failed");
            }
        }
    }
    for (size_t i = 0; i < tensors_.size(); i++) {
        const Rule& rule = rules_[i];
        if (tensors_[i].input) {
            continue;
        }
        const auto source = static_cast<size_t>(rule.source);
        const float* in = reinterpret_cast<const float*>(ctx.memory[source].data());
        float* out = reinterpret_cast<float*>(ctx.memory[i].data());
        const Shape& inShape = ctx.shapes[source];
        if (rule.op == Op::kAffine) {
            int64_t n = inShape.volume();
            for (int64_t k = 0; k < n; k++) {
                out[k] = in[k] * rule.scale + rule.offset;
            }
        } else {
            int64_t items = inShape.dims[0];
            int64_t per = items == 0 ? 0 : inShape.volume() / items;
            for (int64_t item = 0; item < items; item++) {
                double sum = 0;
                for (int64_t k = 0; k < per; k++) {
                    sum += in[item * per + k];
                }
                out[item] = static_cast<float>(sum);
            }
        }
    }
}

}  // namespace logowatch

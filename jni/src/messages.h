// What a backend said while a call ran. TensorRT explains failures through its logger, not
// through return values, so every bridge call opens a capture on its thread, the logger
// appends to it, and errors raised during the call carry those lines.
#pragma once

#include <string>
#include <vector>

#include "engine.h"

namespace logowatch {

class MessageCapture {
public:
    MessageCapture();
    ~MessageCapture();
    MessageCapture(const MessageCapture&) = delete;
    MessageCapture& operator=(const MessageCapture&) = delete;

    // Adds a line to the calling thread's capture; false when the thread has none (the caller
    // then writes it to stderr, which ends up in the service's journal).
    static bool record(const std::string& line);
    // The calling thread's lines so far, oldest first, without removing them.
    static std::vector<std::string> current();
    // Removes and returns this capture's lines.
    std::vector<std::string> take();

private:
    static constexpr size_t kMaxLines = 8;
    std::vector<std::string> lines_;
    size_t dropped_ = 0;
    MessageCapture* previous_;
};

// Throws EngineError with message, followed by what the backend reported during this call.
[[noreturn]] void fail(ErrorCode code, const std::string& message);

}  // namespace logowatch

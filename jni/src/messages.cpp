#include "messages.h"

namespace logowatch {
namespace {
thread_local MessageCapture* active = nullptr;
}

MessageCapture::MessageCapture() : previous_(active) { active = this; }

MessageCapture::~MessageCapture() { active = previous_; }

bool MessageCapture::record(const std::string& line) {
    MessageCapture* capture = active;
    if (capture == nullptr) {
        return false;
    }
    // Keep the latest lines: the first error usually causes the rest, but the last one names
    // the call that finally failed, and both fit in kMaxLines for every case seen so far.
    if (capture->lines_.size() == kMaxLines) {
        capture->lines_.erase(capture->lines_.begin());
        capture->dropped_++;
    }
    capture->lines_.push_back(line);
    return true;
}

std::vector<std::string> MessageCapture::current() {
    std::vector<std::string> lines;
    if (active != nullptr) {
        if (active->dropped_ > 0) {
            lines.push_back("(" + std::to_string(active->dropped_) + " earlier messages dropped)");
        }
        lines.insert(lines.end(), active->lines_.begin(), active->lines_.end());
    }
    return lines;
}

std::vector<std::string> MessageCapture::take() {
    std::vector<std::string> lines;
    lines.swap(lines_);
    dropped_ = 0;
    return lines;
}

void fail(ErrorCode code, const std::string& message) {
    std::string text = message;
    std::vector<std::string> lines = MessageCapture::current();
    if (!lines.empty()) {
        text += "; the engine reported:";
        for (const std::string& line : lines) {
            text += "\n  " + line;
        }
    }
    throw EngineError(code, text);
}

}  // namespace logowatch

// JNI entry points of dev.logowatch.engine.NativeEngine. The Java side validates arguments and
// guarantees that a handle is not closed while a call on it runs; this layer converts between
// Java arrays and the Engine interface, copies caller buffers that are not the engine's own,
// and turns every C++ failure into a dev.logowatch.engine.TensorRtException carrying an error
// code and the backend's own messages. No call here touches Java objects per element.
#include <jni.h>

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "engine.h"
#include "messages.h"

using logowatch::Engine;
using logowatch::EngineError;
using logowatch::ErrorCode;
using logowatch::HostBuffer;
using logowatch::MessageCapture;
using logowatch::Shape;

namespace {

// Per tensor in a shapes array: the rank, then kMaxRank dimensions.
constexpr int kShapeStride = 1 + logowatch::kMaxRank;

jclass exceptionClass = nullptr;
jmethodID exceptionConstructor = nullptr;

void throwJava(JNIEnv* env, ErrorCode code, const std::string& message) {
    if (env->ExceptionCheck()) {
        return;  // a Java exception (from a JNI call) is already pending and says more
    }
    jstring text = env->NewStringUTF(message.c_str());
    if (text == nullptr) {
        return;  // OutOfMemoryError pending
    }
    auto exception = static_cast<jthrowable>(
            env->NewObject(exceptionClass, exceptionConstructor, static_cast<jint>(code), text));
    if (exception != nullptr) {
        env->Throw(exception);
    }
}

// Runs body with a message capture open and maps C++ failures to Java exceptions.
template <typename T, typename Body>
T guarded(JNIEnv* env, T failed, Body body) {
    try {
        MessageCapture capture;
        return body();
    } catch (const EngineError& e) {
        throwJava(env, e.code(), e.what());
    } catch (const std::bad_alloc&) {
        throwJava(env, ErrorCode::kOutOfMemory, "out of host memory in the TensorRT bridge");
    } catch (const std::exception& e) {
        throwJava(env, ErrorCode::kInternal, std::string("unexpected failure in the TensorRT bridge: ") + e.what());
    }
    return failed;
}

Engine& engineOf(jlong handle) {
    if (handle == 0) {
        throw EngineError(ErrorCode::kInvalidArgument, "engine handle is 0 (closed or never opened)");
    }
    return *reinterpret_cast<Engine*>(handle);
}

std::string text(JNIEnv* env, jstring value) {
    if (value == nullptr) {
        throw EngineError(ErrorCode::kInvalidArgument, "null string argument");
    }
    const char* chars = env->GetStringUTFChars(value, nullptr);
    if (chars == nullptr) {
        throw std::bad_alloc();
    }
    std::string result(chars);
    env->ReleaseStringUTFChars(value, chars);
    return result;
}

jobjectArray strings(JNIEnv* env, const std::vector<std::string>& values) {
    jclass stringClass = env->FindClass("java/lang/String");
    if (stringClass == nullptr) {
        return nullptr;
    }
    jobjectArray array = env->NewObjectArray(static_cast<jsize>(values.size()), stringClass, nullptr);
    for (size_t i = 0; array != nullptr && i < values.size(); i++) {
        jstring s = env->NewStringUTF(values[i].c_str());
        if (s == nullptr) {
            return nullptr;
        }
        env->SetObjectArrayElement(array, static_cast<jsize>(i), s);
        env->DeleteLocalRef(s);
    }
    return array;
}

void putShape(std::vector<jlong>& out, size_t at, const Shape& shape) {
    out[at] = shape.rank;
    for (int d = 0; d < logowatch::kMaxRank; d++) {
        out[at + 1 + static_cast<size_t>(d)] = d < shape.rank ? shape.dims[static_cast<size_t>(d)] : 0;
    }
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void*) {
    JNIEnv* env = nullptr;
    if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_8) != JNI_OK) {
        return JNI_ERR;
    }
    jclass local = env->FindClass("dev/logowatch/engine/TensorRtException");
    if (local == nullptr) {
        return JNI_ERR;
    }
    exceptionClass = static_cast<jclass>(env->NewGlobalRef(local));
    env->DeleteLocalRef(local);
    exceptionConstructor = env->GetMethodID(exceptionClass, "<init>", "(ILjava/lang/String;)V");
    return exceptionConstructor == nullptr ? JNI_ERR : JNI_VERSION_1_8;
}

JNIEXPORT jobjectArray JNICALL Java_dev_logowatch_engine_NativeEngine_nBackends(JNIEnv* env, jclass) {
    return guarded<jobjectArray>(env, nullptr, [&] { return strings(env, logowatch::backends()); });
}

JNIEXPORT jobjectArray JNICALL Java_dev_logowatch_engine_NativeEngine_nPlatform(JNIEnv* env, jclass, jstring backend) {
    return guarded<jobjectArray>(env, nullptr, [&] {
        logowatch::Platform p = logowatch::platform(text(env, backend));
        return strings(env, {p.runtimeVersion, p.computeCapability, p.deviceName, p.integrated ? "true" : "false"});
    });
}

JNIEXPORT jlong JNICALL Java_dev_logowatch_engine_NativeEngine_nOpen(JNIEnv* env, jclass, jstring backend,
                                                                      jstring path, jint contexts) {
    return guarded<jlong>(env, 0, [&] {
        std::unique_ptr<Engine> engine = logowatch::openEngine(text(env, backend), text(env, path), contexts);
        return reinterpret_cast<jlong>(engine.release());
    });
}

JNIEXPORT void JNICALL Java_dev_logowatch_engine_NativeEngine_nClose(JNIEnv* env, jclass, jlong handle) {
    guarded<int>(env, 0, [&] {
        delete &engineOf(handle);
        return 0;
    });
}

JNIEXPORT jstring JNICALL Java_dev_logowatch_engine_NativeEngine_nDescription(JNIEnv* env, jclass, jlong handle) {
    return guarded<jstring>(env, nullptr, [&] { return env->NewStringUTF(engineOf(handle).description().c_str()); });
}

JNIEXPORT jobjectArray JNICALL Java_dev_logowatch_engine_NativeEngine_nLoadMessages(JNIEnv* env, jclass, jlong handle) {
    return guarded<jobjectArray>(env, nullptr, [&] { return strings(env, engineOf(handle).loadMessages()); });
}

JNIEXPORT jint JNICALL Java_dev_logowatch_engine_NativeEngine_nContexts(JNIEnv* env, jclass, jlong handle) {
    return guarded<jint>(env, 0, [&] { return static_cast<jint>(engineOf(handle).contexts()); });
}

JNIEXPORT jobjectArray JNICALL Java_dev_logowatch_engine_NativeEngine_nTensorNames(JNIEnv* env, jclass, jlong handle) {
    return guarded<jobjectArray>(env, nullptr, [&] {
        std::vector<std::string> names;
        for (const logowatch::TensorDesc& t : engineOf(handle).tensors()) {
            names.push_back(t.name);
        }
        return strings(env, names);
    });
}

// Two ints per tensor: 1 for an input, 0 for an output; the data type number.
JNIEXPORT jintArray JNICALL Java_dev_logowatch_engine_NativeEngine_nTensorKinds(JNIEnv* env, jclass, jlong handle) {
    return guarded<jintArray>(env, nullptr, [&]() -> jintArray {
        const auto& tensors = engineOf(handle).tensors();
        std::vector<jint> kinds;
        for (const logowatch::TensorDesc& t : tensors) {
            kinds.push_back(t.input ? 1 : 0);
            kinds.push_back(static_cast<jint>(t.type));
        }
        jintArray array = env->NewIntArray(static_cast<jsize>(kinds.size()));
        if (array != nullptr) {
            env->SetIntArrayRegion(array, 0, static_cast<jsize>(kinds.size()), kinds.data());
        }
        return array;
    });
}

// Four shapes per tensor (declared, min, opt, max), each as rank then kMaxRank dimensions.
JNIEXPORT jlongArray JNICALL Java_dev_logowatch_engine_NativeEngine_nTensorShapes(JNIEnv* env, jclass, jlong handle) {
    return guarded<jlongArray>(env, nullptr, [&]() -> jlongArray {
        const auto& tensors = engineOf(handle).tensors();
        std::vector<jlong> out(tensors.size() * 4 * kShapeStride);
        for (size_t i = 0; i < tensors.size(); i++) {
            size_t at = i * 4 * kShapeStride;
            putShape(out, at, tensors[i].shape);
            putShape(out, at + kShapeStride, tensors[i].min);
            putShape(out, at + 2 * kShapeStride, tensors[i].opt);
            putShape(out, at + 3 * kShapeStride, tensors[i].max);
        }
        jlongArray array = env->NewLongArray(static_cast<jsize>(out.size()));
        if (array != nullptr) {
            env->SetLongArrayRegion(array, 0, static_cast<jsize>(out.size()), out.data());
        }
        return array;
    });
}

// The engine's own host memory of one tensor as a direct ByteBuffer (mapped page-locked memory
// on a Jetson): writing inputs there and reading outputs from there needs no further copy. The
// buffer is only valid while the engine is open, which the Java side enforces.
JNIEXPORT jobject JNICALL Java_dev_logowatch_engine_NativeEngine_nBuffer(JNIEnv* env, jclass, jlong handle,
                                                                          jint context, jint tensor) {
    return guarded<jobject>(env, nullptr, [&] {
        HostBuffer buffer = engineOf(handle).buffer(context, tensor);
        return env->NewDirectByteBuffer(buffer.data, static_cast<jlong>(buffer.bytes));
    });
}

// One run on one context. shapes holds kShapeStride longs per tensor: inputs are read from it,
// output shapes written back. buffers may be null, or hold per tensor null (the engine's own
// buffer) or a direct buffer of bytes[i] bytes that is copied in (inputs) or out (outputs).
JNIEXPORT void JNICALL Java_dev_logowatch_engine_NativeEngine_nRun(JNIEnv* env, jclass, jlong handle, jint context,
                                                                    jlongArray shapesArray, jobjectArray buffers,
                                                                    jlongArray bytesArray) {
    guarded<int>(env, 0, [&] {
        Engine& engine = engineOf(handle);
        const auto& tensors = engine.tensors();
        const size_t n = tensors.size();
        if (shapesArray == nullptr || static_cast<size_t>(env->GetArrayLength(shapesArray)) != n * kShapeStride) {
            throw EngineError(ErrorCode::kInvalidArgument, "shapes must hold " + std::to_string(n * kShapeStride) + " values");
        }
        std::vector<jlong> raw(n * kShapeStride);
        env->GetLongArrayRegion(shapesArray, 0, static_cast<jsize>(raw.size()), raw.data());
        std::vector<Shape> shapes(n);
        for (size_t i = 0; i < n; i++) {
            if (!tensors[i].input) {
                continue;
            }
            jlong rank = raw[i * kShapeStride];
            if (rank < 0 || rank > logowatch::kMaxRank) {
                throw EngineError(ErrorCode::kInvalidArgument, "rank " + std::to_string(rank) + " for input \""
                        + tensors[i].name + "\"");
            }
            shapes[i].rank = static_cast<int>(rank);
            for (int d = 0; d < shapes[i].rank; d++) {
                shapes[i].dims[static_cast<size_t>(d)] = raw[i * kShapeStride + 1 + static_cast<size_t>(d)];
            }
        }
        std::vector<void*> external(n, nullptr);
        std::vector<jlong> capacity(n, 0);
        if (buffers != nullptr) {
            if (bytesArray == nullptr || static_cast<size_t>(env->GetArrayLength(buffers)) != n
                    || static_cast<size_t>(env->GetArrayLength(bytesArray)) != n) {
                throw EngineError(ErrorCode::kInvalidArgument, "buffers and bytes must hold one entry per tensor");
            }
            env->GetLongArrayRegion(bytesArray, 0, static_cast<jsize>(n), capacity.data());
            for (size_t i = 0; i < n; i++) {
                jobject b = env->GetObjectArrayElement(buffers, static_cast<jsize>(i));
                if (b != nullptr) {
                    external[i] = env->GetDirectBufferAddress(b);
                    env->DeleteLocalRef(b);
                    if (external[i] == nullptr) {
                        throw EngineError(ErrorCode::kInvalidArgument, "the buffer for \"" + tensors[i].name
                                + "\" is not a direct buffer");
                    }
                }
            }
        }

        std::unique_lock<std::mutex> lock = engine.lock(context);
        engine.prepare(context, shapes);
        for (size_t i = 0; i < n; i++) {
            if (external[i] == nullptr) {
                continue;
            }
            size_t needed = logowatch::bytesFor(tensors[i].type, shapes[i]);
            if (static_cast<jlong>(needed) > capacity[i]) {
                logowatch::fail(ErrorCode::kBufferSize, std::string(tensors[i].input ? "input" : "output") + " \""
                        + tensors[i].name + "\" of shape " + shapes[i].str() + " needs " + std::to_string(needed)
                        + " bytes, the buffer passed holds " + std::to_string(capacity[i]));
            }
        }
        for (size_t i = 0; i < n; i++) {
            HostBuffer own = engine.buffer(context, static_cast<int>(i));
            if (tensors[i].input && external[i] != nullptr && external[i] != own.data) {
                std::memcpy(own.data, external[i], logowatch::bytesFor(tensors[i].type, shapes[i]));
            }
        }
        engine.execute(context);
        for (size_t i = 0; i < n; i++) {
            HostBuffer own = engine.buffer(context, static_cast<int>(i));
            if (!tensors[i].input && external[i] != nullptr && external[i] != own.data) {
                std::memcpy(external[i], own.data, logowatch::bytesFor(tensors[i].type, shapes[i]));
            }
            if (!tensors[i].input) {
                putShape(raw, i * kShapeStride, shapes[i]);
            }
        }
        env->SetLongArrayRegion(shapesArray, 0, static_cast<jsize>(raw.size()), raw.data());
        return 0;
    });
}

}  // extern "C"

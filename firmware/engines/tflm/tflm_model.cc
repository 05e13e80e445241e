/* The TFLM engine behind the DUT's model interface (model.h): the model array, an op resolver of the ops the
 * model uses (model_ops.h, generated), and a MicroInterpreter on a static arena of MODEL_ARENA_SIZE bytes, the
 * size TFLM itself needs for this model. The interpreter is constructed in static storage on the first call, not
 * by a global constructor, so no board's startup has to run C++ initialisers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <new>

#include "model.h"
#include "model_ops.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

extern "C" const unsigned char tp_tflm_model[];
/* Set by firmware/engines/tflm/no_libm/ when a float function the board lacks was called (weak: absent elsewhere). */
extern "C" volatile int tp_engine_libm_missing __attribute__((weak));

static bool libm_missing() { return &tp_engine_libm_missing != nullptr && tp_engine_libm_missing != 0; }

namespace {

using Resolver = tflite::MicroMutableOpResolver<TP_TFLM_OP_COUNT>;

alignas(16) uint8_t arena[MODEL_ARENA_SIZE];
alignas(Resolver) uint8_t resolver_storage[sizeof(Resolver)];
alignas(tflite::MicroInterpreter) uint8_t interpreter_storage[sizeof(tflite::MicroInterpreter)];
alignas(tflite::MicroInterpreter) uint8_t probe_storage[sizeof(tflite::MicroInterpreter)];
Resolver *resolver = nullptr;
tflite::MicroInterpreter *interpreter = nullptr;
bool failed = false;

tflite::MicroInterpreter *get_interpreter() {
    if (interpreter != nullptr || failed) return interpreter;
    resolver = new (resolver_storage) Resolver();
#define TP_ADD_OP(method) resolver->method();
    TP_TFLM_OPS(TP_ADD_OP)
#undef TP_ADD_OP
    tflite::MicroInterpreter *it = new (interpreter_storage)
        tflite::MicroInterpreter(tflite::GetModel(tp_tflm_model), *resolver, arena, sizeof arena);
    if (it->AllocateTensors() != kTfLiteOk || libm_missing() || it->input(0)->bytes != MODEL_INPUT_SIZE ||
        it->output(0)->bytes != MODEL_OUTPUT_SIZE) {
        failed = true;
        return nullptr;
    }
    interpreter = it;
    return interpreter;
}

}  // namespace

extern "C" int model_invoke(const int8_t *input, int8_t *output) {
    tflite::MicroInterpreter *it = get_interpreter();
    if (it == nullptr) return 1;
    int8_t *in = it->input(0)->data.int8;
    for (size_t i = 0; i < MODEL_INPUT_SIZE; i++) in[i] = input[i];
    if (it->Invoke() != kTfLiteOk) return 2;
    if (libm_missing()) return 3;
    const int8_t *out = it->output(0)->data.int8;
    for (size_t i = 0; i < MODEL_OUTPUT_SIZE; i++) output[i] = out[i];
    return 0;
}

/* The bench app's hooks (tinyperf bench): the tensors in place, Invoke() alone, and an arena-size probe. */
extern "C" int8_t *model_input(void) {
    tflite::MicroInterpreter *it = get_interpreter();
    return it == nullptr ? nullptr : it->input(0)->data.int8;
}

extern "C" const int8_t *model_output(void) {
    tflite::MicroInterpreter *it = get_interpreter();
    return it == nullptr ? nullptr : it->output(0)->data.int8;
}

extern "C" int model_invoke_only(void) { return interpreter->Invoke() == kTfLiteOk ? 0 : 2; }

/* Whether a fresh interpreter allocates the model in the first *bytes* of the arena. It reuses the arena, so
 * the model must not be invoked after it. */
extern "C" int model_arena_fits(size_t bytes) {
    if (get_interpreter() == nullptr) return 0;
    tflite::MicroInterpreter *probe = new (probe_storage)
        tflite::MicroInterpreter(tflite::GetModel(tp_tflm_model), *resolver, arena, bytes);
    return probe->AllocateTensors() == kTfLiteOk;
}

extern "C" size_t model_arena_used_bytes(void) {
    tflite::MicroInterpreter *it = get_interpreter();
    return it == nullptr ? 0 : it->arena_used_bytes();
}

/* TFLM's log goes nowhere: the DUT's serial line carries the MLPerf protocol only (errors surface as the
 * protocol's failure of the inference). */
extern "C" void DebugLog(const char *format, va_list args) {
    (void)format;
    (void)args;
}

extern "C" int DebugVsnprintf(char *buffer, size_t buf_size, const char *format, va_list vlist) {
    (void)format;
    (void)vlist;
    if (buf_size > 0) buffer[0] = '\0';
    return 0;
}

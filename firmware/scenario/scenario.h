/* Multi-DNN scenarios: the `scenario` command of the DUT protocol (PROTOCOL.md next to this file).
 *
 * The model table is data that `tinyperf scenario build` generates (scenario_glue.c): one entry per model,
 * whose hooks are the per-task th_* functions of firmware/dut/task_io.c compiled once per model under
 * renamed symbols, so each model reads and reports its inputs exactly as a single-model firmware does.
 */
#ifndef TINYPERF_SCENARIO_H
#define TINYPERF_SCENARIO_H

#include <stdint.h>

#define TP_SCENARIO_MAX_MODELS 8u

typedef struct {
    const char *id;             /* the model's C prefix (codegen --name) */
    void (*load_tensor)(void);  /* db buffer -> model input, as th_load_tensor */
    int (*infer)(void);         /* one inference; nonzero on error */
    void (*results)(void);      /* m-results-[...] of the last inference, as th_results */
    const int8_t *const *output; /* where the last inference's int8 output lies (0 before the first) */
    uint32_t output_size;
    uint32_t every;             /* runs in periods p with p % every == 0 */
    int32_t when_model;         /* index of the model whose arg-max gates this one; -1: no condition */
    uint32_t when_classes;      /* bit c set: class c */
    int32_t when_negate;        /* 1: run when the arg-max is NOT one of when_classes */
} tp_scenario_model;

extern const char tp_scenario_name[];
extern const char tp_scenario_kind[];   /* "pipelined" or "concurrent" */
extern const int32_t tp_scenario_round_robin;
extern const uint32_t tp_scenario_arena_bytes;
extern const uint32_t tp_scenario_n_models;
extern const tp_scenario_model tp_scenario_models[];

/* The arguments after the `scenario` token (NUL-terminated, space-separated). */
void scenario_command(char *args);

#endif

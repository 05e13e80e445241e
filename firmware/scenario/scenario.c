/* The `scenario` command: several models in one firmware, run per period with DUT timestamps per model.
 * Replies follow the reference protocol's style (m- lines, brackets around names, e-[...] errors, m-ready
 * from dut.c); the single-model commands are untouched and act on the first model. */
#include "scenario.h"

#include "board.h"
#include "dut.h"
#include "fmt.h"
#include "token.h"

typedef char tp_scenario_too_many_models[TP_SCENARIO_MAX_MODELS <= 32u ? 1 : -1];

/* Decimal digits only: a period number, never negative. Returns -1 for anything else. */
static int64_t to_u32(const char *s)
{
    int64_t v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
        if (v > 0xffffffffll) return -1;
    }
    return v;
}

static int find_model(const char *id)
{
    uint32_t i;
    for (i = 0; i < tp_scenario_n_models; i++)
        if (tok_eq(tp_scenario_models[i].id, id)) return (int)i;
    return -1;
}

/* First index of the largest int8: numpy's argmax of the dequantized vector, the scale being positive. */
static uint32_t argmax(const int8_t *v, uint32_t n)
{
    uint32_t i, best = 0;
    for (i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

static void print_id(const char *prefix, const char *id, const char *suffix)
{
    fmt_str(prefix);
    fmt_str(id);
    fmt_str(suffix);
}

static void info(void)
{
    uint32_t i;
    print_id("m-scenario-[", tp_scenario_name, "]\r\n");
    print_id("m-scenario-kind-[", tp_scenario_kind, "]\r\n");
    fmt_str(tp_scenario_round_robin ? "m-scenario-schedule-[round_robin]\r\n" : "m-scenario-schedule-[fixed]\r\n");
    fmt_str("m-scenario-models-[");
    for (i = 0; i < tp_scenario_n_models; i++) {
        if (i) board_putc(',');
        fmt_str(tp_scenario_models[i].id);
    }
    fmt_str("]\r\nm-scenario-arena-");
    fmt_u32(tp_scenario_arena_bytes);
    fmt_str("\r\n");
}

static void load(char *id)
{
    int i;
    if (!id) {
        fmt_str("e-[Command 'scenario load' requires a model id]\r\n");
        return;
    }
    i = find_model(id);
    if (i < 0) {
        print_id("e-[Unknown scenario model: ", id, "]\r\n");
        return;
    }
    /* th_load_tensor of that model: a wrong size prints the reference's "Input db has" line */
    tp_scenario_models[i].load_tensor();
    print_id("m-scenario-loaded-[", id, "]\r\n");
}

/* One period: every due model once, in schedule order, each gated by its condition. Timestamps are taken
 * around each inference only; everything is printed after the period so printing costs no period time. */
static void run_period(uint32_t period)
{
    uint32_t n = tp_scenario_n_models, k, i;
    uint32_t t0, t1, start[TP_SCENARIO_MAX_MODELS], end[TP_SCENARIO_MAX_MODELS];
    int ran[TP_SCENARIO_MAX_MODELS], failed = 0;
    uint32_t shift = tp_scenario_round_robin ? period % n : 0u;

    t0 = board_timestamp_us();
    for (k = 0; k < n; k++) ran[k] = 0;
    for (k = 0; k < n; k++) {
        const tp_scenario_model *m;
        int due;
        i = (k + shift) % n;
        m = &tp_scenario_models[i];
        due = period % m->every == 0u;
        if (due && m->when_model >= 0) {
            const tp_scenario_model *src = &tp_scenario_models[m->when_model];
            /* a gate whose source did not run this period stays closed */
            due = ran[m->when_model] && *src->output != 0;
            if (due) {
                uint32_t c = argmax(*src->output, src->output_size);
                int in = c < 32u && ((m->when_classes >> c) & 1u);
                due = m->when_negate ? !in : in;
            }
        }
        if (!due) continue;
        start[i] = board_timestamp_us();
        failed |= m->infer();
        end[i] = board_timestamp_us();
        ran[i] = 1;
    }
    t1 = board_timestamp_us();

    fmt_str("m-scenario-period-");
    fmt_u32(period);
    fmt_str("\r\nm-lap-us-");
    fmt_u32(t0);
    fmt_str("\r\n");
    for (k = 0; k < n; k++) {
        i = (k + shift) % n;
        if (!ran[i]) {
            print_id("m-scenario-skip-[", tp_scenario_models[i].id, "]\r\n");
            continue;
        }
        print_id("m-scenario-run-[", tp_scenario_models[i].id, "]-");
        fmt_u32(start[i]);
        board_putc('-');
        fmt_u32(end[i]);
        fmt_str("\r\n");
    }
    fmt_str("m-lap-us-");
    fmt_u32(t1);
    fmt_str("\r\n");
    for (k = 0; k < n; k++) {
        const tp_scenario_model *m;
        uint32_t j;
        i = (k + shift) % n;
        if (!ran[i]) continue;
        m = &tp_scenario_models[i];
        print_id("m-scenario-results-[", m->id, "]\r\n");
        m->results();
        print_id("m-scenario-output-[", m->id, "]-");
        for (j = 0; j < m->output_size; j++) fmt_hex2((uint8_t)(*m->output)[j]);
        fmt_str("\r\n");
    }
    if (failed) fmt_str("e-[Invoke failed]\r\n");
    fmt_str("m-scenario-done\r\n");
}

void scenario_command(char *args)
{
    char *cursor = args;
    char *sub = tok_next(&cursor);
    if (!sub) {
        info();
    } else if (tok_eq(sub, "load")) {
        load(tok_next(&cursor));
    } else if (tok_eq(sub, "run")) {
        char *arg = tok_next(&cursor);
        int64_t p = arg ? to_u32(arg) : 0;
        if (p < 0) fmt_str("e-[Command 'scenario run' takes a period number >=0]\r\n");
        else run_period((uint32_t)p);
    } else {
        print_id("e-[Unknown scenario subcommand: ", sub, "]\r\n");
    }
}

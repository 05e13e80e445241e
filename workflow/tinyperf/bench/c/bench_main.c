/* qemu_m4 benchmark app: one generated model, the TFLM baseline's input recipe, per-layer instruction counts.
 *
 * Under -icount shift=0 one executed instruction is one virtual nanosecond and the CMSDK APB TIMER0 counts
 * the 25 MHz peripheral clock, so one timer tick is 40 instructions. The generated model is compiled with
 * TP_BENCH_MARK(i) after each layer (see tinyperf.bench.qemu), which records the timer. The results go out
 * on UART0 as text lines; semihosting SYS_EXIT then ends QEMU. */
#include <stdint.h>

#include BENCH_MODEL_H

#define REG(a) (*(volatile uint32_t *)(a))
#define UART_DATA REG(0x40004000u)
#define UART_STATE REG(0x40004004u)
#define UART_CTRL REG(0x40004008u)
#define UART_BAUDDIV REG(0x40004010u)
#define TIMER_CTRL REG(0x40000000u)
#define TIMER_VALUE REG(0x40000004u)
#define TIMER_RELOAD REG(0x40000008u)

#ifndef BENCH_MAX_LAYERS
#define BENCH_MAX_LAYERS 512
#endif

/* What the timed window holds: by default the model's whole invoke. An interpreter (TFLM) is timed like its own
 * benchmarks time it, around Invoke() only: BENCH_LOAD copies the input in before, BENCH_STORE the output out
 * after, and BENCH_TIMED is Invoke(). */
#ifdef BENCH_ARENA_ONLY
#define BENCH_MEASURE 0
#else
#define BENCH_MEASURE 1
#endif

#ifndef BENCH_TIMED
#define BENCH_LOAD(in) ((void)(in))
#define BENCH_TIMED(in, out) BENCH_INVOKE(in, out)
#define BENCH_STORE(out) ((void)(out))
#endif

static uint32_t marks[BENCH_MAX_LAYERS];
static int8_t input[BENCH_INPUT_SIZE];
static int8_t output[BENCH_OUTPUT_SIZE];
static volatile int recording;

/* Called where the timed window opens and closes: the cycle plugin begins a phase at each call (its body is
 * empty, the call costs a few instructions inside the window's timer reads) */
void tp_bench_window(void) __attribute__((noinline));
void tp_bench_window(void)
{
    __asm volatile("" ::: "memory");
}

void tp_bench_mark(int layer);
void tp_bench_mark(int layer)
{
    if (recording && layer >= 0 && layer < BENCH_MAX_LAYERS) {
        marks[layer] = TIMER_VALUE;
    }
}

static void putc_(char c)
{
    while (UART_STATE & 1u) {
    }
    UART_DATA = (uint8_t)c;
}

static void puts_(const char *s)
{
    while (*s) putc_(*s++);
}

static void putu(uint32_t v)
{
    char buf[12];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n) putc_(buf[--n]);
}

static void puthex2(uint8_t v)
{
    static const char hex[] = "0123456789abcdef";
    putc_(hex[v >> 4]);
    putc_(hex[v & 15u]);
}

/* The TFLM baseline's input: x = x*1664525 + 1013904223 from 12345, each byte (int8)(x >> shift). */
static void fill(uint32_t seed, int shift)
{
    uint32_t x = seed;
    int i;
    for (i = 0; i < BENCH_INPUT_SIZE; i++) {
        x = x * 1664525u + 1013904223u;
        input[i] = (int8_t)((int32_t)x >> shift);
    }
}

static void dump_output(void)
{
    int i;
    for (i = 0; i < BENCH_OUTPUT_SIZE; i++) puthex2((uint8_t)output[i]);
    puts_("\r\n");
}

static void semihost_exit(void)
{
    /* ADP_Stopped_ApplicationExit via SYS_EXIT (0x18). */
    register uint32_t r0 __asm("r0") = 0x18u;
    register uint32_t r1 __asm("r1") = 0x20026u;
    __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
}

/* The shared Cortex-M4 startup's hooks (cm4_board.h here): entry, fault report, and an idle SysTick. */
void bench_main(void);
void bench_fault(uint32_t cfsr);
void SysTick_Handler(void);

void SysTick_Handler(void) {}

void bench_fault(uint32_t cfsr)
{
    (void)cfsr;
    puts_("FAULT\r\n");
    semihost_exit(); /* end QEMU now: the caller reads FAULT (an arena probe: TFLM crashed on a too-small arena) */
}

void bench_main(void)
{
    uint32_t t0, t1;
    int i, sh;
    UART_BAUDDIV = 16u;
    UART_CTRL = 0x3u;
    TIMER_RELOAD = 0xFFFFFFFFu;
    TIMER_VALUE = 0xFFFFFFFFu;
    TIMER_CTRL = 0x1u;

    if (BENCH_MEASURE) { /* BENCH_ARENA_ONLY: the arena probe alone (a firmware build sizes the arena) */
        fill(12345u, 24);
        BENCH_INVOKE(input, output); /* warm-up, like the baseline */
        fill(12345u, 24);
        BENCH_LOAD(input);
        recording = 1;
        t0 = TIMER_VALUE;
        marks[0] = t0;
        tp_bench_window();
        BENCH_TIMED(input, output);
        tp_bench_window();
        t1 = TIMER_VALUE;
        recording = 0;
        BENCH_STORE(output);
        puts_("T ");
        putu(t0 - t1);
        puts_("\r\nS ");
        putu(t0);
        puts_("\r\n");
        for (i = 0; i < BENCH_MAX_LAYERS; i++) {
            if (marks[i]) {
                puts_("M ");
                putu((uint32_t)i);
                putc_(' ');
                putu(marks[i]);
                puts_("\r\n");
            }
        }
        puts_("O ");
        dump_output();
        for (sh = 25; sh <= 28; sh++) {
            fill(12345u, sh);
            BENCH_INVOKE(input, output);
            puts_("O ");
            dump_output();
        }
    }
#ifdef BENCH_ARENA_FITS
    {   /* the smallest arena, to 4 bytes, in which the interpreter allocates the model (last: it reuses it) */
        uint32_t lo = 0, hi = BENCH_ARENA_SIZE, used = (uint32_t)BENCH_ARENA_USED();
        while (hi - lo > 4u) {
            uint32_t mid = (lo + (hi - lo) / 2u) & ~3u;
            if (BENCH_ARENA_FITS(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        puts_("A ");
        putu(hi);
        putc_(' ');
        putu(used);
        puts_("\r\n");
    }
#endif
    puts_("END\r\n");
    semihost_exit();
    for (;;) {
    }
}

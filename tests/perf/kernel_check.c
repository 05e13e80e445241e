/* Randomized bit-exactness of the Cortex-M4 kernel variants against the portable kernels.
 *
 * Built twice by test_kernels.py: natively (the variants' DSP instructions emulated in C) and for qemu_m4 (the
 * real SXTB16/SMLAD/... instructions). The variants are compiled with their entry points renamed *_cm4 so both
 * sets link into one program. Prints "ok <cases>" or the first mismatch, then exits (semihosting on qemu).
 * With scratch_report set (check_host's third argument), every variant call with scratch is also reported as a line
 * "S <kernel> <params...> <bytes>": the highest scratch byte the C wrote, which test_scratch.py compares with
 * codegen's planned scratch size for the same parameters. */
#include <stdint.h>

#include "tp_runtime.h"

void tp_conv_2d_s8_cm4(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                       const int32_t *mult, const int32_t *shift, int8_t *output);
void tp_depthwise_conv_2d_s8_cm4(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output);
void tp_fully_connected_s8_cm4(const tp_fc_params_t *p, const int8_t *input, const int8_t *filter,
                               const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output);
void tp_add_s8_cm4(const tp_binary_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void check_putc(char c);
void check_exit(int code);

#define MAX_IN 4096
#define MAX_W 4096
#define MAX_OUT 4096
#define MAX_C 64
#define MAX_SCRATCH 8192 /* int16 values: 32 bytes per 4 filter taps (conv), more than enough */

static int8_t in[MAX_IN], w[MAX_W], out_a[MAX_OUT], out_b[MAX_OUT];
static int32_t bias[MAX_C], mult[MAX_C], shift[MAX_C];
static int16_t scratch[MAX_SCRATCH];
static uint32_t rng_state;
/* set for cases shaped like the reference models' layers: every channel's multiplier takes the one-SMLAL
 * requantization, depthwise 3x3 without dilation, so the variants' fast paths (assembly included) run */
static int model_like;
int scratch_report;

/* Scratch high-water marks: fill with a canary before a call, find the last byte the call changed after it. */
#define CANARY 0xA5u
static void canary_fill(void *buf, int32_t n)
{
    uint8_t *b = buf;
    int32_t i;
    for (i = 0; i < n; i++) b[i] = (uint8_t)CANARY;
}
static int32_t high_water(const void *buf, int32_t n)
{
    const uint8_t *b = buf;
    while (n > 0 && b[n - 1] == CANARY) n--;
    return n;
}

static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}
static int32_t range(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }

static void puts_(const char *s)
{
    while (*s) check_putc(*s++);
}
static void putd(int32_t v)
{
    char b[12];
    int n = 0;
    uint32_t u = v < 0 ? (uint32_t)-v : (uint32_t)v;
    if (v < 0) check_putc('-');
    do {
        b[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    while (n) check_putc(b[--n]);
}

static void report(const char *kernel, const int32_t *v, int n, int32_t bytes)
{
    int i;
    puts_("S ");
    puts_(kernel);
    for (i = 0; i < n; i++) {
        check_putc(' ');
        putd(v[i]);
    }
    check_putc(' ');
    putd(bytes);
    puts_("\r\n");
}

static void report_conv(const char *kernel, const tp_conv_params_t *p)
{
    const int32_t v[] = {p->in_c, p->out_c, p->k_h, p->k_w, p->k_c, p->dil_h, p->dil_w, p->stride_w, p->out_w,
                         p->depth_multiplier, p->packed, p->group, p->chunk};
    report(kernel, v, (int)(sizeof v / sizeof v[0]), high_water(scratch, (int32_t)sizeof scratch));
}

/* depthwise: the conv values, then what picks the pair ring's line (stride_h, out_h) */
static void report_dw(const tp_conv_params_t *p)
{
    const int32_t v[] = {p->in_c,  p->out_c,    p->k_h,    p->k_w,
                         p->k_c,   p->dil_h,    p->dil_w,  p->stride_w,
                         p->out_w, p->depth_multiplier, p->packed, p->stride_h, p->out_h};
    report("depthwise_conv_2d", v, (int)(sizeof v / sizeof v[0]), high_water(scratch, (int32_t)sizeof scratch));
}

static void fill_common(int32_t channels, int nbias, int32_t *amin, int32_t *amax, int32_t *oo, int32_t *io)
{
    int32_t c;
    for (c = 0; c < channels; c++) {
        bias[c] = nbias ? range(-(1 << 16), 1 << 16) : 0;
        /* 2^30 exactly (a power-of-two scale) and shifts -1..2 take the kernels' general requantization */
        mult[c] = rnd() % 16 || model_like ? (int32_t)((1u << 30) + 1 + (rnd() % ((1u << 30) - 1))) : (1 << 30);
        shift[c] = rnd() % 4 || model_like ? range(-12, -2) : range(-14, 2);
        if (model_like && rnd() % 8 == 0) {
            /* tiny scales (ic2 has channels with right shifts 25..27): big biases so the outputs still vary */
            shift[c] = range(-31, -25);
            bias[c] = nbias ? range(-(1 << 29), 1 << 29) : 0;
            if (rnd() % 4 == 0) mult[c] = shift[c] = 0; /* codegen's form of scales below 2^-32 */
        }
    }
    *oo = range(-128, 127);
    *io = range(-127, 128);
    if ((uint8_t)-*io == CANARY) *io += 1; /* padding written as that zero point would look unwritten */
    if (rnd() % 2) {
        *amin = -128;
        *amax = 127;
    } else {
        *amin = rnd() % 2 ? -128 : range(-128, 0); /* -128..hi: ReLU6 with the zero point at -128 */
        *amax = range(*amin, 127);
    }
}

static void fill_data(int32_t n_in, int32_t n_w)
{
    int32_t i;
    const int narrow = rnd() % 4 == 0; /* small values: unsaturated outputs */
    /* TFLite's int8 filters are symmetric (-127..127); -128 sometimes (packing may then be refused) */
    const int full = rnd() % 4 == 0;
    for (i = 0; i < n_in; i++) in[i] = (int8_t)(narrow ? range(-8, 8) : range(-128, 127));
    for (i = 0; i < n_w; i++) w[i] = (int8_t)range(full ? -128 : -127, 127);
}

static int compare(const char *what, int32_t k, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        if (out_a[i] != out_b[i]) {
            puts_("MISMATCH ");
            puts_(what);
            puts_(" case ");
            putd(k);
            puts_(" at ");
            putd(i);
            puts_(": portable ");
            putd(out_a[i]);
            puts_(" cm4 ");
            putd(out_b[i]);
            puts_("\r\n");
            return 1;
        }
    }
    return 0;
}

/* codegen's overlap_lead (workflow/tinyperf/codegen/lower.py), written out as loops: how many bytes before its
 * dying input a CONV_2D's output may start, rounded up to the arena's 16-byte alignment */
static int32_t overlap_lead(const tp_conv_params_t *p, int winograd)
{
    int32_t q, low = 0x7fffffff, lead = 0;
    if (winograd) { /* lower.py's _winograd_lead: a group's reads all come before its writes */
        const int32_t th = (p->out_h + 1) / 2, tw = (p->out_w + 1) / 2, per = 3 * p->group, n = th * tw;
        int32_t g, t, written = 0;
        for (g = 0; (g + 1) * per < n; g++) {
            for (t = g * per; t < (g + 1) * per; t++) {
                const int32_t y = 2 * (t / tw) + 1 < p->out_h - 1 ? 2 * (t / tw) + 1 : p->out_h - 1;
                const int32_t x = 2 * (t % tw) + 1 < p->out_w - 1 ? 2 * (t % tw) + 1 : p->out_w - 1;
                if ((y * p->out_w + x + 1) * p->out_c > written) written = (y * p->out_w + x + 1) * p->out_c;
            }
            for (low = 0x7fffffff, t = (g + 1) * per; t < n; t++) {
                const int32_t y = 2 * (t / tw) - p->pad_h, x = 2 * (t % tw) - p->pad_w;
                const int32_t first = ((y < 0 ? 0 : y) * p->in_w + (x < 0 ? 0 : x)) * p->in_c;
                if (first < low) low = first;
            }
            if (written - low > lead) lead = written - low;
        }
        return (lead + 15) & ~15;
    }
    for (q = p->out_h * p->out_w - 1; q >= 0; q--) {
        int32_t r = q / p->out_w * p->stride_h - p->pad_h, c = q % p->out_w * p->stride_w - p->pad_w, first;
        first = ((r < 0 ? 0 : r) * p->in_w + (c < 0 ? 0 : c)) * p->in_c;
        if (first < low) low = first;
        if ((q + 1) * p->out_c - low > lead) lead = (q + 1) * p->out_c - low;
    }
    return (lead + 15) & ~15;
}

static int32_t shared_words[(MAX_IN + MAX_OUT) / 4 + 16]; /* word-aligned, like the arena */

/* Both kernels again with the output starting overlap_lead bytes before the input in one buffer, as the arena
 * planner places a convolution whose input dies at it: the results must not change. */
static int conv_overlapped(const tp_conv_params_t *p, int32_t k, int32_t n_in, int32_t n_out, int nb,
                           const int8_t *wb, const int32_t *bb)
{
    int8_t *buf = (int8_t *)shared_words;
    int32_t i, variant;
    for (variant = 0; variant < 2; variant++) {
        const int32_t lead = overlap_lead(p, variant && p->packed == 2); /* each kernel's own order */
        for (i = 0; i < n_in; i++) buf[lead + i] = in[i];
        if (variant) {
            tp_conv_2d_s8_cm4(p, buf + lead, wb, bb, mult, shift, buf);
        } else {
            tp_conv_2d_s8(p, buf + lead, w, nb ? bias : 0, mult, shift, buf);
        }
        for (i = 0; i < n_out; i++) out_b[i] = buf[i];
        if (compare(variant ? "conv_2d overlapped (cm4)" : "conv_2d overlapped (portable)", k, n_out)) return 1;
    }
    return 0;
}

/* The cortex-m4 packed CONV_2D layout, as codegen's pack_conv_2d makes it: filters interleaved two at a time per
 * 4-value chunk (K padded with zeros), odd bytes minus the sign of the even byte below, row constants
 * bias + input_offset*sum(w) + 127*sum(w_odd). Returns 0 where codegen keeps the model's layout. */
static int8_t cw_packed[4 * MAX_W] __attribute__((aligned(4))); /* Winograd's U: 32 bytes per 9 taps */
static int force_mm; /* this case aims at the SMMLAR form */
static int32_t conv_const[MAX_C], sum_bound[MAX_C];
static int conv_pack(tp_conv_params_t *p, int nb)
{
    const int32_t K = p->k_h * p->k_w * p->k_c, nch = (K + 3) / 4;
    int32_t f, i;
    if (p->k_c != p->in_c || p->dil_h != 1 || p->dil_w != 1 || p->out_c % 2) return 0;
    for (f = 0; f < p->out_c; f++) {
        uint32_t sum = nb ? (uint32_t)bias[f] : 0u;
        for (i = 0; i < 4 * nch; i++) {
            int32_t v = i < K ? w[f * K + i] : 0;
            sum += (uint32_t)(p->input_offset * v) + (i % 2 ? 127u * (uint32_t)v : 0u);
            if (i % 2) {
                v -= (i - 1 < K ? w[f * K + i - 1] : 0) < 0;
                if (v < -128) return 0;
            }
            cw_packed[(f / 2) * 8 * nch + (i / 4) * 8 + (f % 2) * 4 + i % 4] = (int8_t)v;
        }
        conv_const[f] = (int32_t)sum;
    }
    /* codegen's one-pass bound: 128*sum|w| + 127*|sum w_odd| < 2^23 for every filter */
    for (f = 0, p->chunk = nch; f < p->out_c; f++) {
        int32_t a = 0, odd = 0;
        for (i = 0; i < K; i++) {
            a += w[f * K + i] < 0 ? -w[f * K + i] : w[f * K + i];
            odd += i % 2 ? w[f * K + i] : 0;
        }
        sum_bound[f] = 128 * a + 127 * (odd < 0 ? -odd : odd);
        if (sum_bound[f] >= (1 << 23)) p->chunk = 0;
    }
    if (!force_mm && rnd() % 2) p->chunk = 0; /* (always valid: the segmented path) */
    /* codegen's SMMLAR form (group 1, row constants x256): one pass with |c| inside the bound, int8's range,
     * every multiplier in [2^30, 2^31) with right shift 2..31 or a dead channel */
    p->group = 0;
    if (p->chunk && p->act_min == -128 && p->act_max == 127 && (force_mm || rnd() % 4)) {
        int ok = 1;
        for (f = 0; f < p->out_c; f++) {
            const int64_t cf = (int32_t)conv_const[f];
            ok &= sum_bound[f] + (cf < 0 ? -cf : cf) < (1 << 23);
            ok &= (mult[f] > (1 << 30) && shift[f] >= -31 && shift[f] <= -2) || (mult[f] == 0 && shift[f] == 0);
        }
        if (ok) {
            for (f = 0; f < p->out_c; f++) conv_const[f] = (int32_t)((uint32_t)conv_const[f] * 256u);
            p->group = 1;
        }
    }
    return 1;
}

/* The cortex-m4 Winograd layout, as codegen's pack_conv_winograd makes it (tp_conv_winograd_cm4.h): per filter
 * pair, channel pair j (channels 4q + j % 2 and 4q + 2 + j % 2 of quad q = j / 2) and tap, the bytes
 * [a(c), b(c), a(c'), b(c')]; random blockings (tile triples per pass, channel pairs per filter transform).
 * Returns 0 for layers the kernel does not take (codegen takes fewer: cortex_m4.py's winograd()). */
static int conv_pack_winograd(tp_conv_params_t *p)
{
    const int32_t nj = p->in_c / 2, tiles = ((p->out_h + 1) / 2) * ((p->out_w + 1) / 2);
    int32_t f, j, t, i;
    if (p->k_h != 3 || p->k_w != 3 || p->stride_h != 1 || p->stride_w != 1 || p->dil_h != 1 || p->dil_w != 1 ||
        p->k_c != p->in_c || p->in_c % 4 || p->in_c < 8 || p->out_c % 2 || p->out_c < 8)
        return 0;
    for (f = 0; f < p->out_c; f += 2) {
        for (j = 0; j < nj; j++) {
            const int32_t ch[2] = {4 * (j / 2) + j % 2, 4 * (j / 2) + 2 + j % 2};
            for (t = 0; t < 9; t++) {
                for (i = 0; i < 4; i++) {
                    cw_packed[((f / 2 * nj + j) * 9 + t) * 4 + i] = w[((f + i % 2) * 9 + t) * p->in_c + ch[i / 2]];
                }
            }
        }
    }
    p->group = range(1, (tiles + 2) / 3 < 3 ? (tiles + 2) / 3 : 3);
    p->chunk = range(0, nj);
    if (!p->chunk) { /* codegen's winograd_filter: U = G2 g G2^T itself, int16 lanes per channel pair */
        static const int32_t g2[4][3] = {{1, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 1}};
        int16_t *u = (int16_t *)(void *)cw_packed;
        int32_t x, y, a, b, lane;
        for (f = 0; f < p->out_c; f++) {
            for (j = 0; j < nj; j++) {
                for (x = 0; x < 4; x++) {
                    for (y = 0; y < 4; y++) {
                        for (lane = 0; lane < 2; lane++) {
                            const int32_t ch = 4 * (j / 2) + 2 * lane + j % 2;
                            int32_t s = 0;
                            for (a = 0; a < 3; a++) {
                                for (b = 0; b < 3; b++) {
                                    s += g2[x][a] * w[(f * 9 + 3 * a + b) * p->in_c + ch] * g2[y][b];
                                }
                            }
                            u[(((f / 2 * nj + j) * 2 + f % 2) * 16 + 4 * x + y) * 2 + lane] = (int16_t)s;
                        }
                    }
                }
            }
        }
    }
    return 1;
}

static int conv_case(int32_t k, int depthwise)
{
    tp_conv_params_t p;
    int32_t eff_h, eff_w, n_in, n_w, n_out, nb;
    const int8_t *wb;
    const int32_t *bb;
    p.packed = p.group = p.chunk = 0;
    p.batches = range(1, 2);
    p.k_h = range(1, 4);
    p.k_w = range(1, 4);
    p.dil_h = rnd() % 4 ? 1 : 2;
    p.dil_w = rnd() % 4 ? 1 : 2;
    p.stride_h = range(1, 3);
    p.stride_w = range(1, 3);
    eff_h = (p.k_h - 1) * p.dil_h + 1;
    eff_w = (p.k_w - 1) * p.dil_w + 1;
    p.in_h = range(eff_h > 2 ? eff_h - 2 : 1, 9);
    p.in_w = range(eff_w > 2 ? eff_w - 2 : 1, 9);
    p.pad_h = range(0, eff_h - 1);
    p.pad_w = range(0, eff_w - 1);
    if (p.in_h + 2 * p.pad_h < eff_h) p.pad_h = (eff_h - p.in_h + 1) / 2;
    if (p.in_w + 2 * p.pad_w < eff_w) p.pad_w = (eff_w - p.in_w + 1) / 2;
    p.out_h = (p.in_h + 2 * p.pad_h - eff_h) / p.stride_h + 1;
    p.out_w = (p.in_w + 2 * p.pad_w - eff_w) / p.stride_w + 1;
    if (model_like && depthwise) {
        p.k_h = p.k_w = 3;
        p.dil_h = p.dil_w = 1;
        p.pad_h = range(0, 2);
        p.pad_w = range(0, 2);
        p.in_h = range(3, 9);
        p.in_w = range(3, 9);
        if (p.stride_w == 2 && rnd() % 2) p.in_w = range(14, 22); /* the pair ring's stride-2 lines (>= 8) */
        p.out_h = (p.in_h + 2 * p.pad_h - 3) / p.stride_h + 1;
        p.out_w = (p.in_w + 2 * p.pad_w - 3) / p.stride_w + 1;
        if (rnd() % 2) {
            /* sww-like k x 1 taps without padding: the variant's k x 1 assembly path */
            p.k_h = range(1, 16);
            p.k_w = 1;
            p.pad_h = p.pad_w = 0;
            p.in_h = range(p.k_h, p.k_h + 8);
            p.in_w = range(1, 3);
            if (rnd() % 2) p.stride_h = 1; /* the time-pair path's stride */
            p.out_h = (p.in_h - p.k_h) / p.stride_h + 1;
            p.out_w = (p.in_w - 1) / p.stride_w + 1;
        }
    }
    if (model_like) p.dil_h = p.dil_w = 1;
    if (depthwise) {
        p.in_c = rnd() % 3 || model_like ? 4 * range(1, 6) : range(1, 9);
        if (model_like) p.depth_multiplier = 1;
        p.depth_multiplier = rnd() % 4 ? 1 : range(1, 3);
        p.out_c = p.in_c * p.depth_multiplier;
        p.k_c = 1;
        n_w = p.k_h * p.k_w * p.out_c;
    } else {
        const int32_t groups = rnd() % 6 ? 1 : range(1, 3);
        p.k_c = rnd() % 2 ? 4 * range(1, 6) : range(1, 9);
        if (rnd() % (model_like ? 3 : 6) == 0) {
            /* K past 256: several exact segments when packed */
            p.k_c = range(20, 48);
            if (model_like) {
                p.k_h = p.k_w = 3;
                p.dil_h = p.dil_w = 1;
                p.pad_h = p.pad_w = 1;
                p.in_h = range(3, 5);
                p.in_w = range(3, 5);
                p.out_h = (p.in_h - 1) / p.stride_h + 1;
                p.out_w = (p.in_w - 1) / p.stride_w + 1;
            }
        }
        p.in_c = p.k_c * groups;
        p.out_c = groups * range(1, 5);
        p.depth_multiplier = 1;
        n_w = p.out_c * p.k_h * p.k_w * p.k_c;
    }
    if (!depthwise && rnd() % 4 == 0) { /* the Winograd path's shape: 3x3, stride 1, in_c % 4 == 0, out_c even */
        p.k_h = p.k_w = 3;
        p.stride_h = p.stride_w = 1;
        p.dil_h = p.dil_w = 1;
        p.pad_h = range(0, 2);
        p.pad_w = range(0, 2);
        p.in_h = range(3, 9);
        p.in_w = range(3, 9);
        p.out_h = (p.in_h + 2 * p.pad_h - 3) + 1;
        p.out_w = (p.in_w + 2 * p.pad_w - 3) + 1;
        p.k_c = 4 * range(2, 6);
        p.in_c = p.k_c;
        p.out_c = 2 * range(4, 8);
        p.depth_multiplier = 1;
        n_w = p.out_c * 9 * p.k_c;
    }
    n_in = p.batches * p.in_h * p.in_w * p.in_c;
    n_out = p.batches * p.out_h * p.out_w * p.out_c;
    if (n_in > MAX_IN || n_w > MAX_W || n_out > MAX_OUT || p.out_c > MAX_C) return -1;
    p.scratch = rnd() % 8 || model_like ? scratch : 0;
    nb = rnd() % 5 != 0;
    fill_common(p.out_c, nb, &p.act_min, &p.act_max, &p.output_offset, &p.input_offset);
    force_mm = model_like && !depthwise && rnd() % 3 == 0;
    if (force_mm) { /* int8's range and a tiny scale with a small bias: the SMMLAR form, zero point after the shift */
        int32_t ch;
        p.act_min = -128;
        p.act_max = 127;
        for (ch = 0; ch < p.out_c; ch++) {
            if (shift[ch] < -24) bias[ch] = nb ? range(-1000, 1000) : 0;
        }
        ch = (int32_t)(rnd() % (uint32_t)p.out_c);
        mult[ch] = (int32_t)((1u << 30) + 1 + (rnd() % ((1u << 30) - 1)));
        shift[ch] = range(-31, -24);
        bias[ch] = nb ? range(-1000, 1000) : 0;
    }
    fill_data(n_in, n_w);
    canary_fill(scratch, (int32_t)sizeof scratch);
    if (depthwise) {
        tp_depthwise_conv_2d_s8(&p, in, w, nb ? bias : 0, mult, shift, out_a);
        tp_depthwise_conv_2d_s8_cm4(&p, in, w, nb ? bias : 0, mult, shift, out_b);
        if (scratch_report && p.scratch) report_dw(&p);
        return compare("depthwise_conv_2d", k, n_out);
    }
    tp_conv_2d_s8(&p, in, w, nb ? bias : 0, mult, shift, out_a);
    p.packed = p.scratch && rnd() % 4 && conv_pack_winograd(&p) ? 2 : 0;
    if (!p.packed) p.packed = p.scratch && rnd() % 3 && conv_pack(&p, nb);
    wb = p.packed ? cw_packed : w;
    bb = p.packed == 1 ? conv_const : (nb ? bias : 0);
    tp_conv_2d_s8_cm4(&p, in, wb, bb, mult, shift, out_b);
    if (scratch_report && p.scratch) report_conv("conv_2d", &p);
    if (compare(p.packed == 2 ? "conv_2d (winograd)" : p.packed ? "conv_2d (packed)" : "conv_2d", k, n_out)) {
        return 1;
    }
    return p.batches == 1 ? conv_overlapped(&p, k, n_in, n_out, nb, wb, bb) : 0;
}

/* The cortex-m4 packed FULLY_CONNECTED layout, as workflow/tinyperf/codegen/cortex_m4.py's pack_fully_connected
 * makes it: blocks of five rows (4*(o/20) of them), then of four, each interleaved (word, row), odd bytes minus
 * the sign of the even byte below, row constants rc = bias + input_offset*sum(w) + 127*sum(w_odd); one pass with
 * 256*rc where every row's |rc| + 255*sum|w_odd| + 128*sum|w_even| is at most (2^31-1)/256 and the multipliers
 * have the SMMLAR form, else chunks. Returns 0 where codegen keeps the model's layout. */
static int8_t w_packed[MAX_W];
static int32_t row_const[MAX_C], rq_table[3 * MAX_C];
static int fc_pack(tp_fc_params_t *p, int nb)
{
    const int32_t n = p->in_features, o = p->out_features, r5 = 20 * (o / 20);
    int32_t r, i, c;
    int one = 1;
    for (r = 0; r < (p->per_channel ? o : 1); r++) {
        one &= mult[r] > (1 << 30) && shift[r] >= -23 && shift[r] <= -2;
    }
    for (r = 0; r < o; r++) {
        const int32_t rows = r < r5 ? 5 : 4, rr = r < r5 ? r % 5 : (r - r5) % 4;
        const int32_t base = r < r5 ? (r / 5) * 5 * n : r5 * n + ((r - r5) / 4) * 4 * n;
        int64_t sum = nb ? bias[r] : 0, mag = 0;
        for (i = 0; i < n; i++) {
            int32_t v = w[r * n + i];
            sum += (int64_t)p->input_offset * v + (i % 2 ? 127 * v : 0);
            mag += (v < 0 ? -v : v) * (i % 2 ? 255 : 128);
            if (i % 2) {
                v -= w[r * n + i - 1] < 0;
                if (v < -128) return 0;
            }
            w_packed[base + (i / 4) * 4 * rows + rr * 4 + i % 4] = (int8_t)v;
        }
        one &= (sum < 0 ? -sum : sum) + mag <= 0x7FFFFFFF / 256;
        row_const[r] = (int32_t)(uint32_t)(uint64_t)sum;
    }
    for (r = 0; one && r < o; r++) {
        row_const[r] = (int32_t)((uint32_t)row_const[r] * 256u);
        if (p->per_channel) { /* codegen's per-channel constants: m, 2^(rs-1) + zp*2^rs, rs */
            rq_table[3 * r] = mult[r];
            rq_table[3 * r + 1] = (int32_t)((1u << (-shift[r] - 1)) + (uint32_t)p->output_offset * (1u << -shift[r]));
            rq_table[3 * r + 2] = -shift[r];
        }
    }
    p->rq = one && p->per_channel ? rq_table : 0;
    for (c = n < 256 ? n : 256; n % c; c -= 8) {
    }
    p->packed = one ? 1 : 2;
    p->chunk = one ? n : c;
    p->scratch = scratch;
    return 1;
}

static int fc_case(int32_t k)
{
    tp_fc_params_t p;
    int32_t nb, i;
    const int pack = rnd() % 2;
    p.batches = range(1, 3);
    p.in_features = pack ? 8 * range(1, 40) : range(1, 80);
    p.out_features = pack ? 4 * (rnd() % 2 ? range(1, 3) : range(5, 12)) : range(1, 12);
    if (p.in_features * p.out_features > MAX_W) p.in_features = 8 * range(1, MAX_W / (8 * p.out_features));
    p.per_channel = (int32_t)(rnd() % (pack && model_like ? 8 : 2) == 1);
    p.filter_offset = pack || rnd() % 5 ? 0 : range(-5, 5);
    p.packed = p.chunk = 0;
    p.scratch = 0;
    p.rq = 0;
    nb = rnd() % 5 != 0;
    fill_common(p.out_features, nb, &p.act_min, &p.act_max, &p.output_offset, &p.input_offset);
    if (pack && p.per_channel && rnd() % 2) {
        /* a trained model's per-channel layer: every channel with the SMMLAR form (the constants table path) */
        for (i = 0; i < p.out_features; i++) {
            mult[i] = (int32_t)((1u << 30) + 1 + (rnd() % ((1u << 30) - 1)));
            shift[i] = range(-12, -2);
        }
    }
    if (pack && rnd() % 3 == 0) {
        p.act_max = 127; /* ReLU: the kernel's lo..hi clamp */
        p.act_min = range(-127, 0);
    }
    fill_data(p.batches * p.in_features, p.out_features * p.in_features);
    if (pack && rnd() % 4 == 0) {
        /* extremes: the 256-scaled chunk sums at their bound */
        const int8_t xv = rnd() % 2 ? -128 : 127;
        for (i = 0; i < p.batches * p.in_features; i++) in[i] = i % 2 ? (int8_t)-xv : xv;
        for (i = 0; i < p.out_features * p.in_features; i++) w[i] = (int8_t)(i % 2 ? -127 : 127);
    }
    tp_fully_connected_s8(&p, in, w, nb ? bias : 0, mult, shift, out_a);
    canary_fill(scratch, (int32_t)sizeof scratch);
    if (pack && fc_pack(&p, nb)) {
        tp_fully_connected_s8_cm4(&p, in, w_packed, row_const, mult, shift, out_b);
        if (scratch_report) {
            const int32_t v[] = {p.packed, p.chunk, p.out_features, p.in_features};
            report("fully_connected", v, 4, high_water(scratch, (int32_t)sizeof scratch));
        }
    } else {
        tp_fully_connected_s8_cm4(&p, in, w, nb ? bias : 0, mult, shift, out_b);
    }
    return compare("fully_connected", k, p.batches * p.out_features);
}

/* ADD: random shapes with broadcasting, multipliers as codegen makes them (scales below one) */
static int add_case(int32_t k)
{
    static int32_t tables[512];
    static int8_t in2[MAX_IN];
    tp_binary_params_t p;
    int32_t d, n = 1, s1 = 1, s2 = 1, i;
    for (d = 3; d >= 0; d--) {
        p.out_dims[d] = d == 0 ? 1 : range(1, 6);
        p.in1_strides[d] = rnd() % 4 ? s1 : 0;
        p.in2_strides[d] = rnd() % 4 ? s2 : 0;
        s1 *= p.out_dims[d];
        s2 *= p.out_dims[d];
        n *= p.out_dims[d];
    }
    p.input1_offset = range(-127, 128);
    p.input2_offset = range(-127, 128);
    p.output_offset = range(-128, 127);
    p.left_shift = 20;
    p.input1_multiplier = (int32_t)((1u << 30) + (rnd() % (1u << 30)));
    p.input2_multiplier = (int32_t)((1u << 30) + (rnd() % (1u << 30)));
    p.input1_shift = range(-3, 0);
    p.input2_shift = range(-3, 0);
    p.output_multiplier = rnd() % 8 ? (int32_t)((1u << 30) + (rnd() % (1u << 30))) : (1 << 30);
    p.output_shift = range(-22, -1);
    p.act_min = rnd() % 2 ? -128 : range(-128, 0);
    p.act_max = rnd() % 2 ? 127 : range(p.act_min, 127);
    p.scratch = rnd() % 8 ? tables : 0;
    for (i = 0; i < s1; i++) in[i] = (int8_t)range(-128, 127);
    for (i = 0; i < s2; i++) in2[i] = (int8_t)range(-128, 127);
    canary_fill(tables, (int32_t)sizeof tables);
    tp_add_s8(&p, in, in2, out_a);
    tp_add_s8_cm4(&p, in, in2, out_b);
    if (scratch_report && p.scratch) report("add", 0, 0, high_water(tables, (int32_t)sizeof tables));
    return compare("add", k, n);
}

int check_main(uint32_t seed, int32_t cases);
int check_main(uint32_t seed, int32_t cases)
{
    int32_t k, done = 0;
    rng_state = seed;
    for (k = 0; done < cases; k++) {
        int r;
        model_like = k % 6 >= 4;
        switch (k % 6) {
        case 0:
        case 4:
            r = conv_case(k, 0);
            break;
        case 1:
        case 5:
            r = conv_case(k, 1);
            break;
        case 3:
            r = add_case(k);
            break;
        default:
            r = fc_case(k);
            break;
        }
        if (r > 0) return 1;
        if (r == 0) done++;
    }
    puts_("ok ");
    putd(done);
    puts_("\r\n");
    return 0;
}

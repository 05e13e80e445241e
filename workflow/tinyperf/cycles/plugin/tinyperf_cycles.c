/* tinyperf's QEMU TCG plugin: what a cycle model needs from an emulated run, and nothing else.
 *
 * It records every translation block (start address, instruction count, bytes) and, for each execution, the edge
 * from the block that ran before it, counted per phase. A phase starts whenever a block begins at one of the
 * addresses given as mark=0xADDR (a function the firmware calls between the parts to be told apart). It also
 * counts the memory accesses of every instruction per phase, so an IT-conditional load or store that did not
 * execute can be told from one that did. Costs are not computed here: tinyperf.cycles joins these counts with
 * the ELF's disassembly, which keeps the Cortex-M4 timing rules in one place, in Python, under test.
 *
 * Output (out=PATH, written at exit, one record a line):
 *   B id vaddr n_insns bytes             a translation block
 *   P phase mark_vaddr                   a phase began at this mark
 *   E phase prev_id cur_id count         cur ran after prev (prev -1: the first block of the run)
 *   M phase block_id insn_index accesses memory accesses of one instruction in one phase
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_abi.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = TINYPERF_PLUGIN_ABI_VERSION;

#define MAX_MARKS 1024
#define MAX_PHASES (1u << 20)

typedef struct {
    uint64_t vaddr;
    uint32_t n_insns;
    uint32_t bytes;
    uint32_t id;
    int is_mark;
    uint64_t *mem;      /* accesses per instruction since the run began (inline counters) */
    uint64_t *mem_seen; /* the same, as of the last phase change */
} block_t;

typedef struct {
    uint64_t key;
    uint64_t count;
} slot_t;

static block_t **blocks;
static size_t n_blocks, cap_blocks;
static slot_t *edges;
static size_t n_edges, cap_edges;
static uint64_t marks[MAX_MARKS];
static int n_marks;
static uint32_t phase;
static int64_t prev_id = -1;
static int overflow;
static FILE *out;
static char *out_path;

/* phase changes are rare: their records go straight to a buffer, written at exit */
static char *log_buf;
static size_t log_len, log_cap;

static void die(const char *msg)
{
    fprintf(stderr, "tinyperf_cycles: %s\n", msg);
    exit(70);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) die("out of memory");
    return q;
}

static void logf_(const char *fmt, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    char line[128];
    int len = snprintf(line, sizeof line, fmt, a, b, c, d);
    if (log_len + (size_t)len + 1 > log_cap) {
        log_cap = (log_cap + (size_t)len + 1) * 2;
        log_buf = xrealloc(log_buf, log_cap);
    }
    memcpy(log_buf + log_len, line, (size_t)len);
    log_len += (size_t)len;
}

static uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static slot_t *edge_slot(uint64_t key)
{
    size_t i = (size_t)mix(key) & (cap_edges - 1);
    while (edges[i].count && edges[i].key != key) i = (i + 1) & (cap_edges - 1);
    return &edges[i];
}

static void grow_edges(void)
{
    slot_t *old = edges;
    size_t old_cap = cap_edges, i;
    cap_edges = cap_edges ? cap_edges * 2 : 1u << 16;
    edges = calloc(cap_edges, sizeof *edges);
    if (!edges) die("out of memory");
    for (i = 0; i < old_cap; i++) {
        if (old[i].count) *edge_slot(old[i].key) = old[i];
    }
    free(old);
}

static void flush_mem(void)
{
    size_t b;
    uint32_t i;
    for (b = 0; b < n_blocks; b++) {
        block_t *blk = blocks[b];
        for (i = 0; i < blk->n_insns; i++) {
            if (blk->mem[i] != blk->mem_seen[i]) {
                logf_("M %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", phase, blk->id, i,
                      blk->mem[i] - blk->mem_seen[i]);
                blk->mem_seen[i] = blk->mem[i];
            }
        }
    }
}

static void on_exec(unsigned int vcpu, void *udata)
{
    block_t *blk = udata;
    uint64_t key;
    slot_t *s;
    (void)vcpu;
    if (blk->is_mark) {
        flush_mem();
        if (phase + 1 < MAX_PHASES) {
            phase++;
        } else {
            overflow = 1;
        }
        logf_("P %" PRIu64 " %" PRIx64 "\n", phase, blk->vaddr, 0, 0);
    }
    key = ((uint64_t)phase << 44) | ((uint64_t)(prev_id + 1) << 22) | blk->id;
    if ((n_edges + 1) * 4 > cap_edges * 3) grow_edges();
    s = edge_slot(key);
    if (!s->count) {
        s->key = key;
        n_edges++;
    }
    s->count++;
    prev_id = blk->id;
}

static block_t *find_block(uint64_t vaddr, uint32_t n, uint32_t bytes)
{
    size_t i;
    for (i = n_blocks; i-- > 0;) { /* retranslation is rare; the newest blocks are the likeliest */
        if (blocks[i]->vaddr == vaddr && blocks[i]->n_insns == n && blocks[i]->bytes == bytes) return blocks[i];
    }
    return NULL;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
    size_t n = qemu_plugin_tb_n_insns(tb), i;
    struct qemu_plugin_insn *last;
    uint32_t bytes;
    block_t *blk;
    int m;
    (void)id;
    if (n == 0) return;
    last = qemu_plugin_tb_get_insn(tb, n - 1);
    bytes = (uint32_t)(qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last) - vaddr);
    blk = find_block(vaddr, (uint32_t)n, bytes);
    if (!blk) {
        if (n_blocks >= (1u << 22) - 2) die("more than 4 million translation blocks");
        blk = calloc(1, sizeof *blk);
        if (!blk) die("out of memory");
        blk->vaddr = vaddr;
        blk->n_insns = (uint32_t)n;
        blk->bytes = bytes;
        blk->id = (uint32_t)n_blocks;
        blk->mem = calloc(n, sizeof *blk->mem);
        blk->mem_seen = calloc(n, sizeof *blk->mem_seen);
        if (!blk->mem || !blk->mem_seen) die("out of memory");
        for (m = 0; m < n_marks; m++) {
            if (marks[m] == vaddr) blk->is_mark = 1;
        }
        if (n_blocks == cap_blocks) {
            cap_blocks = cap_blocks ? cap_blocks * 2 : 4096;
            blocks = xrealloc(blocks, cap_blocks * sizeof *blocks);
        }
        blocks[n_blocks++] = blk;
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, blk);
    for (i = 0; i < n; i++) {
        qemu_plugin_register_vcpu_mem_inline(qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_MEM_RW,
                                             QEMU_PLUGIN_INLINE_ADD_U64, &blk->mem[i], 1);
    }
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    size_t i;
    (void)id;
    (void)udata;
    flush_mem();
    out = fopen(out_path, "w");
    if (!out) die("cannot write the out= file");
    fprintf(out, "V 1 %d\n", overflow);
    for (i = 0; i < n_blocks; i++) {
        fprintf(out, "B %" PRIu32 " %" PRIx64 " %" PRIu32 " %" PRIu32 "\n", blocks[i]->id, blocks[i]->vaddr,
                blocks[i]->n_insns, blocks[i]->bytes);
    }
    if (log_len) fwrite(log_buf, 1, log_len, out);
    for (i = 0; i < cap_edges; i++) {
        if (edges[i].count) {
            uint64_t k = edges[i].key;
            fprintf(out, "E %" PRIu64 " %" PRId64 " %" PRIu64 " %" PRIu64 "\n", k >> 44,
                    (int64_t)((k >> 22) & 0x3fffffu) - 1, k & 0x3fffffu, edges[i].count);
        }
    }
    if (fclose(out) != 0) die("cannot write the out= file");
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    int i;
    (void)info;
    for (i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = argv[i] + 4;
        } else if (strncmp(argv[i], "mark=", 5) == 0) {
            if (n_marks == MAX_MARKS) die("too many mark= arguments");
            marks[n_marks++] = strtoull(argv[i] + 5, NULL, 0) & ~1ULL;
        } else {
            fprintf(stderr, "tinyperf_cycles: unknown argument %s (out=PATH, mark=0xADDR)\n", argv[i]);
            return -1;
        }
    }
    if (!out_path) {
        fprintf(stderr, "tinyperf_cycles: out=PATH is required\n");
        return -1;
    }
    grow_edges();
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}

/* libFuzzer harness: arbitrary bytes on the DUT's serial line, into the real command parser (firmware/dut/dut.c,
 * token.c, fmt.c). The task layer is a stand-in that reads the db buffer as a real one does; `infer N W` asks for
 * up to 2^31 inferences, so the stand-in leaves the command after a few thousand (that is the command doing what
 * it was told, not a hang). */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "dut.h"

#define MAX_INFERENCES 4096u

static jmp_buf leave;
static uint32_t inferences;
static volatile uint32_t checksum;

void task_initialize(void) {}

void task_load_tensor(void)
{
    uint32_t len, i;
    const uint8_t *buf = dut_buffer(TP_MAX_DB_INPUT_SIZE, &len);
    for (i = 0; i < len; i++) checksum += buf[i];
}

int task_infer(void)
{
    if (++inferences > MAX_INFERENCES) longjmp(leave, 1);
    return (int)(checksum & 1u) & (int)(inferences == 3u);
}

void task_results(void) {}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i;
    inferences = 0;
    if (setjmp(leave) == 0) {
        for (i = 0; i < size; i++) dut_feed((char)data[i]);
        dut_feed('%');
    } else {
        dut_feed('%'); /* an interrupted infer: the next command starts clean */
    }
    return 0;
}

/* The MLPerf Tiny DUT protocol (mlcommons/tiny benchmark/api/internally_implemented.cpp), reply for reply.
 *
 * Build-time parameters (tinyperf build passes them from config/tasks/<task>.yaml):
 *   TP_TASK_KWS | TP_TASK_VWW | TP_TASK_IC | TP_TASK_AD   which per-task input/output handling
 *   TP_MODEL_VERSION      "kws01" ...: the profile reply m-model-[...]
 *   TP_MAX_DB_INPUT_SIZE  bytes the db buffer holds (kws 490, vww 27648, ic 3072, ad 5120)
 *   TP_AD_WINDOW_BYTES    ad only: bytes of one float32 window (2560)
 */
#ifndef TINYPERF_DUT_H
#define TINYPERF_DUT_H

#include <stdint.h>

#ifndef TP_VENDOR_NAME
#define TP_VENDOR_NAME "tinyperf"
#endif
#define TP_FW_VERSION "ULPMark for tinyML Firmware V0.0.1"
/* Command characters kept; the reference truncates longer commands to this many. */
#define TP_CMD_SIZE 80u

/* Print the boot lines, then serve commands until the input ends (hosted boards only). */
void dut_main(void);

/* Feed one received byte to the command assembler; a '%' dispatches the command. */
void dut_feed(char c);

/* The bytes received by `db` since the last `db load`; *len = min(max_len, received), as the reference's
 * ee_get_buffer() counts them. Returned in place (8-byte aligned) so no second input-sized copy is needed. */
const uint8_t *dut_buffer(uint32_t max_len, uint32_t *len);

/* Per-task hooks (task_io.c), the reference's th_* functions. */
void task_initialize(void);
void task_load_tensor(void);
int task_infer(void); /* nonzero: the model reported an error */
void task_results(void);

#endif

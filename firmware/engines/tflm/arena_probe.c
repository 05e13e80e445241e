/* The arena probe of a native (host) TFLM build: the smallest arena, to 4 bytes, in which TFLM allocates the
 * model, found by TFLM itself. Printed as "A <smallest> <arena_used_bytes>" (the bench app's line on qemu_m4). */
#include <stdint.h>
#include <stdio.h>

#include "model.h"

int model_arena_fits(size_t bytes);

int main(void)
{
    size_t lo = 0, hi = MODEL_ARENA_SIZE, used = model_arena_used_bytes();
    if (used == 0 || !model_arena_fits(hi)) {
        puts("A 0 0");
        return 1;
    }
    while (hi - lo > 4u) {
        size_t mid = (lo + (hi - lo) / 2u) & ~(size_t)3u;
        if (model_arena_fits(mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    printf("A %zu %zu\n", hi, used);
    return 0;
}

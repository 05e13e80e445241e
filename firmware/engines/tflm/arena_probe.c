/* The arena probe of a native (host) TFLM build: the smallest arena, to 4 bytes, in which TFLM allocates the
 * model, found by TFLM itself. Printed as "A <smallest> <arena_used_bytes>" (the bench app's line on qemu_m4).
 *
 * Each size is tried in a child process: on an arena a little too small, TFLM at the pinned commit can crash
 * instead of failing (its allocator's free-space count underflows and GreedyMemoryPlanner writes through the
 * result), so a crash counts as "does not fit". */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"

int model_arena_fits(size_t bytes);

static int fits(size_t bytes)
{
    int status = 0;
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid < 0) return model_arena_fits(bytes);
    if (pid == 0) _exit(model_arena_fits(bytes) ? 0 : 1);
    if (waitpid(pid, &status, 0) != pid) return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
    size_t lo = 0, hi = MODEL_ARENA_SIZE, used = model_arena_used_bytes();
    if (used == 0 || !fits(hi)) {
        puts("A 0 0");
        return 1;
    }
    while (hi - lo > 4u) {
        size_t mid = (lo + (hi - lo) / 2u) & ~(size_t)3u;
        if (fits(mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    printf("A %zu %zu\n", hi, used);
    return 0;
}

/* Native entry point of kernel_check.c: check_host SEED CASES [scratch] (scratch: report scratch high-water marks). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int check_main(uint32_t seed, int32_t cases);
void check_putc(char c);
void check_exit(int code);
void check_putc(char c) { putchar(c); }
void check_exit(int code) { exit(code); }
extern int scratch_report;

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) return 2;
    scratch_report = argc == 4;
    return check_main((uint32_t)strtoul(argv[1], 0, 10), (int32_t)strtol(argv[2], 0, 10));
}

/* Native entry point of kernel_check.c: check_host SEED CASES. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int check_main(uint32_t seed, int32_t cases);
void check_putc(char c);
void check_exit(int code);
void check_putc(char c) { putchar(c); }
void check_exit(int code) { exit(code); }

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    return check_main((uint32_t)strtoul(argv[1], 0, 10), (int32_t)strtol(argv[2], 0, 10));
}

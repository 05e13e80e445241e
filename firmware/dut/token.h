/* Command-line tokens, as the reference's strtok/strcmp see them: shared by the protocol (dut.c) and the
 * multi-model `scenario` command (firmware/scenario/scenario.c). */
#ifndef TINYPERF_TOKEN_H
#define TINYPERF_TOKEN_H

/* strcmp(a, b) == 0 */
int tok_eq(const char *a, const char *b);
/* strtok(.., " ") over the command buffer: skips runs of spaces, NUL-terminates the token; 0 at the end. */
char *tok_next(char **cursor);

#endif

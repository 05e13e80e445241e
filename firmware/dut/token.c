#include "token.h"

int tok_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

char *tok_next(char **cursor)
{
    char *s = *cursor, *tok;
    while (*s == ' ') s++;
    if (!*s) {
        *cursor = s;
        return 0;
    }
    tok = s;
    while (*s && *s != ' ') s++;
    if (*s) *s++ = 0;
    *cursor = s;
    return tok;
}

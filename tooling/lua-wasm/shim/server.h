/* server.h for resp_parser.c alone: the two things it takes from Redis's server.h. */
#include <stdlib.h>
#include <string.h>
#define UNUSED(V) ((void)V)
#define C_OK 0
#define C_ERR -1
#define MAX_LONG_DOUBLE_CHARS 5*1024
static inline int string2ll(const char *s, size_t slen, long long *value) {
    char buf[32];
    if (slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    *value = strtoll(buf, NULL, 10);
    return 1;
}

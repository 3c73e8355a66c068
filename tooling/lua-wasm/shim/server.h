/* server.h for resp_parser.c alone: the two things it takes from Redis's server.h. */
#include <stdlib.h>
#include <string.h>
#define UNUSED(V) ((void)V)
#define C_OK 0
#define C_ERR -1
#define MAX_LONG_DOUBLE_CHARS 5*1024
/* The number at s[0, slen) as strtoll reads it. resp_parser.c reads lengths and integers the
 * server wrote, [-]digits: those by a loop, as util.c's string2ll, since musl's strtoll (a
 * FILE-based scanner) was the larger part of parsing every redis.call reply; anything else (and
 * an overflow) through strtoll as before. */
static inline int string2ll(const char *s, size_t slen, long long *value) {
    size_t i = s[0] == '-' ? 1 : 0;
    if (slen > i && slen <= 18) {
        long long v = 0;
        for (; i < slen; i++) {
            unsigned d = (unsigned)(s[i] - '0');
            if (d > 9) break;
            v = v * 10 + (long long)d;
        }
        if (i == slen) {
            *value = s[0] == '-' ? -v : v;
            return 1;
        }
    }
    char buf[32];
    if (slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    *value = strtoll(buf, NULL, 10);
    return 1;
}

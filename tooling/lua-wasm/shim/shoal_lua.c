/* shoal_lua.c — the C side of Shoal's Lua engine: Redis 7.0.15's Lua 5.1 (deps/lua, with its
 * cjson, cmsgpack, bit and struct libraries and read-only tables) compiled to WebAssembly, plus
 * the parts of Redis's script_lua.c and eval.c that work on the Lua stack: the redis.* API, the
 * RESP -> Lua and Lua -> RESP conversions, global protection, the error handler, math.random.
 *
 * Everything that needs the server (running a command, the time limit, logging, propagation
 * flags) is an import implemented in JavaScript (apps/server/src/scripting/lua-engine.ts).
 * Commands cross the boundary as RESP bytes in both directions, as in Redis, where a script's
 * redis.call runs on a fake client whose reply buffer is parsed back into Lua values. */

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
#include "rand.h"
#include "resp_parser.h"
#include "sha1.h"

#define EXPORT __attribute__((used, visibility("default")))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* Runs the command in argbuf (argc arguments, offsets/lengths in arglens as pairs); writes
 * its RESP reply to the reply buffer (sl_ctl's, or a larger one from sl_reply_buffer) and
 * returns its length. */
IMPORT("js_call") extern int js_call(int argc, int resp);
/* Called every 100000 instructions; returns 1 when the script must be killed. */
IMPORT("js_interrupt") extern int js_interrupt(void);
IMPORT("js_log") extern void js_log(int level, const char *msg, int len);
IMPORT("js_set_repl") extern void js_set_repl(int flags);

#define REDIS_VERSION "7.0.15"
#define REDIS_VERSION_NUM 0x0007000f
#define LL_DEBUG 0
#define LL_VERBOSE 1
#define LL_NOTICE 2
#define LL_WARNING 3
#define PROPAGATE_NONE 0
#define PROPAGATE_AOF 1
#define PROPAGATE_REPL 2

static lua_State *lua;
static int in_script = 0;   /* REGISTRY_RUN_CTX_NAME in Redis: set while a script runs */
static int script_resp = 2; /* the script client's protocol (redis.setresp) */
static int client_resp = 2; /* the caller's protocol */
static int log_verbosity = LL_NOTICE;
static int eval_errh_ref = LUA_NOREF; /* __redis__err__handler, EVAL's error handler */

/* ---------------------------------------------------------------------------------------------
 * Byte buffers shared with JavaScript: out (the reply to the caller), reply (a command's reply
 * written by JS), args (redis.call arguments read by JS).
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static buf_t out, reply, args;
static uint32_t *arglens;
static int arglens_cap;

/* Where the buffers are now, for JavaScript to read from memory instead of asking across the
 * boundary on every call (each crossing costs more than the read): refreshed when one moves or
 * when a run leaves its reply in `out`. */
static struct {
    uint32_t out_p, out_len;         /* the last reply for the caller */
    uint32_t args_p, args_cap;       /* the argument region and its room in bytes */
    uint32_t arglens_p, arglens_cap; /* its bounds (offset, length pairs), room in words */
    uint32_t reply_p, reply_cap;     /* where js_call writes a reply, room in bytes (NUL too) */
} ctl;

static void ctl_sync(void) {
    ctl.out_p = (uint32_t)(uintptr_t)out.p;
    ctl.out_len = (uint32_t)out.len;
    ctl.args_p = (uint32_t)(uintptr_t)args.p;
    ctl.args_cap = (uint32_t)args.cap;
    ctl.arglens_p = (uint32_t)(uintptr_t)arglens;
    ctl.arglens_cap = (uint32_t)arglens_cap;
    ctl.reply_p = (uint32_t)(uintptr_t)reply.p;
    ctl.reply_cap = (uint32_t)reply.cap;
}

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    b->p = realloc(b->p, cap);
    b->cap = cap;
}
static void buf_add(buf_t *b, const char *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
static void buf_addstr(buf_t *b, const char *s) { buf_add(b, s, strlen(s)); }

EXPORT void *sl_ctl(void) { return &ctl; }
EXPORT char *sl_reply_buffer(int n) {
    reply.len = 0;
    buf_reserve(&reply, (size_t)n);
    reply.p[n] = '\0';
    ctl_sync();
    return reply.p;
}
EXPORT void sl_set_verbosity(int v) { log_verbosity = v; }

/* ---------------------------------------------------------------------------------------------
 * RESP replies to the caller (networking.c's addReply* for the caller's protocol).
 * ------------------------------------------------------------------------------------------- */

static void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out_printf(const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    buf_add(&out, tmp, (size_t)n);
}
/* "<type><v>\r\n" into `dst` (32 bytes); its length. Bulk lengths, integers and aggregate headers
 * are on every reply: written by hand, as vsnprintf costs more than the rest of a small reply. */
static size_t num_line(char *dst, char type, long long v) {
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    size_t n = (size_t)(tmp + sizeof(tmp) - p);
    dst[0] = type;
    memcpy(dst + 1, p, n);
    dst[n + 1] = '\r';
    dst[n + 2] = '\n';
    return n + 3;
}
static void out_num_line(char type, long long v) {
    char line[32];
    buf_add(&out, line, num_line(line, type, v));
}
static void out_bulk(const char *s, size_t n) {
    out_num_line('$', (long long)n);
    buf_add(&out, s, n);
    buf_add(&out, "\r\n", 2);
}
static void out_null(void) { buf_addstr(&out, client_resp == 2 ? "$-1\r\n" : "_\r\n"); }
/* An error line; newlines inside become spaces as addReplyErrorFormat does when asked to. */
static void out_error(const char *s, size_t n, int map_newlines) {
    if (n == 0 || s[0] != '-') buf_add(&out, "-ERR ", 5);
    size_t start = out.len;
    buf_add(&out, s, n);
    if (map_newlines)
        for (size_t i = start; i < out.len; i++)
            if (out.p[i] == '\r' || out.p[i] == '\n') out.p[i] = ' ';
    buf_add(&out, "\r\n", 2);
}
/* Inserts an aggregate header before the elements written since `start` (setDeferred*Len). */
static void out_header_at(size_t start, char type, long n) {
    char hdr[32];
    int hl = (int)num_line(hdr, type, n);
    buf_reserve(&out, (size_t)hl);
    memmove(out.p + start + hl, out.p + start, out.len - start);
    memcpy(out.p + start, hdr, (size_t)hl);
    out.len += (size_t)hl;
    out.p[out.len] = '\0';
}

/* ---------------------------------------------------------------------------------------------
 * Redis reply -> Lua (script_lua.c redisProtocolToLuaType_*).
 * ------------------------------------------------------------------------------------------- */

static void luaPushErrorBuff(lua_State *L, const char *err, size_t len);

static void need_stack(lua_State *L, int n) {
    if (!lua_checkstack(L, n)) luaL_error(L, "lua stack limit reach when parsing redis.call reply");
}
static void p_int(void *ctx, long long v, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 1);
    lua_pushnumber(ctx, (lua_Number)v);
}
static void p_false(void *ctx, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 1);
    lua_pushboolean(ctx, 0);
}
static void p_bulk(void *ctx, const char *s, size_t n, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 1);
    lua_pushlstring(ctx, s, n);
}
static void p_status(void *ctx, const char *s, size_t n, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 3);
    lua_newtable(ctx);
    lua_pushstring(ctx, "ok");
    lua_pushlstring(ctx, s, n);
    lua_settable(ctx, -3);
}
static void p_error(void *ctx, const char *s, size_t n, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 3);
    char *e = malloc(n + 2);
    e[0] = '-';
    memcpy(e + 1, s, n);
    luaPushErrorBuff(ctx, e, n + 1);
    free(e);
    lua_pushstring(ctx, "ignore_error_stats_update");
    lua_pushboolean(ctx, 1);
    lua_settable(ctx, -3);
}
static void p_map(ReplyParser *parser, void *ctx, size_t len, const char *proto) {
    (void)proto;
    lua_State *L = ctx;
    if (L) {
        need_stack(L, 3);
        lua_newtable(L);
        lua_pushstring(L, "map");
        lua_newtable(L);
    }
    for (size_t j = 0; j < len; j++) {
        parseReply(parser, L);
        parseReply(parser, L);
        if (L) lua_settable(L, -3);
    }
    if (L) lua_settable(L, -3);
}
static void p_set(ReplyParser *parser, void *ctx, size_t len, const char *proto) {
    (void)proto;
    lua_State *L = ctx;
    if (L) {
        need_stack(L, 3);
        lua_newtable(L);
        lua_pushstring(L, "set");
        lua_newtable(L);
    }
    for (size_t j = 0; j < len; j++) {
        parseReply(parser, L);
        if (L) {
            need_stack(L, 1);
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
        }
    }
    if (L) lua_settable(L, -3);
}
static void p_array(ReplyParser *parser, void *ctx, size_t len, const char *proto) {
    (void)proto;
    lua_State *L = ctx;
    if (L) {
        need_stack(L, 2);
        lua_newtable(L);
    }
    for (size_t j = 0; j < len; j++) {
        if (L) lua_pushnumber(L, (lua_Number)(j + 1));
        parseReply(parser, L);
        if (L) lua_settable(L, -3);
    }
}
static void p_attribute(ReplyParser *parser, void *ctx, size_t len, const char *proto) {
    (void)proto;
    for (size_t j = 0; j < len; j++) {
        parseReply(parser, NULL);
        parseReply(parser, NULL);
    }
    parseReply(parser, ctx);
}
static void p_verbatim(void *ctx, const char *format, const char *s, size_t n, const char *proto,
                       size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    lua_State *L = ctx;
    need_stack(L, 5);
    lua_newtable(L);
    lua_pushstring(L, "verbatim_string");
    lua_newtable(L);
    lua_pushstring(L, "string");
    lua_pushlstring(L, s, n);
    lua_settable(L, -3);
    lua_pushstring(L, "format");
    lua_pushlstring(L, format, 3);
    lua_settable(L, -3);
    lua_settable(L, -3);
}
static void p_bignum(void *ctx, const char *s, size_t n, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 3);
    lua_newtable(ctx);
    lua_pushstring(ctx, "big_number");
    lua_pushlstring(ctx, s, n);
    lua_settable(ctx, -3);
}
static void p_null(void *ctx, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 1);
    lua_pushnil(ctx);
}
static void p_bool(void *ctx, int v, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 1);
    lua_pushboolean(ctx, v);
}
static void p_double(void *ctx, double d, const char *proto, size_t pl) {
    (void)proto; (void)pl;
    if (!ctx) return;
    need_stack(ctx, 3);
    lua_newtable(ctx);
    lua_pushstring(ctx, "double");
    lua_pushnumber(ctx, d);
    lua_settable(ctx, -3);
}

static const ReplyParserCallbacks LuaTypeParserCallbacks = {
    .null_array_callback = p_false,
    .bulk_string_callback = p_bulk,
    .null_bulk_string_callback = p_false,
    .error_callback = p_error,
    .simple_str_callback = p_status,
    .long_callback = p_int,
    .array_callback = p_array,
    .set_callback = p_set,
    .map_callback = p_map,
    .bool_callback = p_bool,
    .double_callback = p_double,
    .null_callback = p_null,
    .big_number_callback = p_bignum,
    .verbatim_string_callback = p_verbatim,
    .attribute_callback = p_attribute,
    .error = NULL,
};

/* The redis.pcall error table: {err="CODE msg"}; "-CODE msg" or "msg" (code ERR) accepted. */
static void luaPushErrorBuff(lua_State *L, const char *err, size_t len) {
    const char *code = "ERR", *msg = err;
    size_t code_len = 3, msg_len = len;
    if (len > 0 && err[0] == '-') {
        const char *sp = memchr(err, ' ', len);
        if (!sp) {
            msg = err + 1;
            msg_len = len - 1;
        } else {
            code = err + 1;
            code_len = (size_t)(sp - err - 1);
            msg = sp + 1;
            msg_len = len - (size_t)(sp + 1 - err);
        }
    }
    /* sdstrim(msg, "\r\n") trims both ends */
    while (msg_len && (msg[0] == '\r' || msg[0] == '\n')) msg++, msg_len--;
    while (msg_len && (msg[msg_len - 1] == '\r' || msg[msg_len - 1] == '\n')) msg_len--;
    luaL_Buffer b;
    lua_newtable(L);
    lua_pushstring(L, "err");
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, code, code_len);
    luaL_addchar(&b, ' ');
    luaL_addlstring(&b, msg, msg_len);
    luaL_pushresult(&b);
    /* lua_pushstring in Redis: the message stops at a NUL byte */
    lua_pushstring(L, lua_tostring(L, -1));
    lua_remove(L, -2);
    lua_settable(L, -3);
}
static void luaPushError(lua_State *L, const char *error) {
    luaPushErrorBuff(L, error, strlen(error));
}

/* ---------------------------------------------------------------------------------------------
 * Lua -> Redis reply (script_lua.c luaReplyToRedisReply), written to `out`.
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    char *msg, *source, *line;
    int ignore_stats;
} errinfo_t;

static char *dupstr(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    memcpy(d, s, n + 1);
    return d;
}

static void luaExtractErrorInformation(lua_State *L, errinfo_t *ei) {
    if (lua_isstring(L, -1)) {
        const char *s = lua_tostring(L, -1);
        ei->msg = malloc(strlen(s) + 5);
        strcpy(ei->msg, "ERR ");
        strcat(ei->msg, s);
    }
    lua_getfield(L, -1, "err");
    if (lua_isstring(L, -1)) {
        free(ei->msg);
        ei->msg = dupstr(lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    lua_getfield(L, -1, "source");
    if (lua_isstring(L, -1)) ei->source = dupstr(lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, -1, "line");
    if (lua_isstring(L, -1)) ei->line = dupstr(lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, -1, "ignore_error_stats_update");
    if (lua_isboolean(L, -1)) ei->ignore_stats = lua_toboolean(L, -1);
    lua_pop(L, 1);
}
static void errinfo_free(errinfo_t *ei) {
    free(ei->msg);
    free(ei->source);
    free(ei->line);
}

static void luaReplyToRedisReply(lua_State *L) {
    int t = lua_type(L, -1);
    if (!lua_checkstack(L, 4)) {
        out_error("reached lua stack limit", 23, 1);
        lua_pop(L, 1);
        return;
    }
    switch (t) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        out_bulk(s, n);
        break;
    }
    case LUA_TBOOLEAN:
        if (script_resp == 2) {
            if (lua_toboolean(L, -1)) buf_addstr(&out, ":1\r\n");
            else out_null();
        } else if (client_resp == 2) {
            buf_addstr(&out, lua_toboolean(L, -1) ? ":1\r\n" : ":0\r\n");
        } else {
            buf_addstr(&out, lua_toboolean(L, -1) ? "#t\r\n" : "#f\r\n");
        }
        break;
    case LUA_TNUMBER:
        out_num_line(':', (long long)lua_tonumber(L, -1));
        break;
    case LUA_TTABLE: {
        lua_pushstring(L, "err");
        lua_rawget(L, -2);
        t = lua_type(L, -1);
        if (t == LUA_TSTRING) {
            lua_pop(L, 1);
            errinfo_t ei = {0};
            luaExtractErrorInformation(L, &ei);
            size_t n = strlen(ei.msg);
            char *e = malloc(n + 2);
            e[0] = '-';
            memcpy(e + 1, ei.msg, n + 1);
            /* addReplyErrorFormatEx("-%s"): trailing newlines trimmed, inner ones mapped */
            size_t el = n + 1;
            while (el && (e[el - 1] == '\r' || e[el - 1] == '\n')) el--;
            size_t st = 0;
            while (st < el && (e[st] == '\r' || e[st] == '\n')) st++;
            out_error(e + st, el - st, 1);
            free(e);
            errinfo_free(&ei);
            lua_pop(L, 1);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "ok");
        lua_rawget(L, -2);
        t = lua_type(L, -1);
        if (t == LUA_TSTRING) {
            const char *s = lua_tostring(L, -1); /* C string: stops at NUL as sdsnew */
            size_t start = out.len + 1;
            buf_add(&out, "+", 1);
            buf_addstr(&out, s);
            for (size_t i = start; i < out.len; i++)
                if (out.p[i] == '\r' || out.p[i] == '\n') out.p[i] = ' ';
            buf_add(&out, "\r\n", 2);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "double");
        lua_rawget(L, -2);
        t = lua_type(L, -1);
        if (t == LUA_TNUMBER) {
            double d = lua_tonumber(L, -1);
            if (isinf(d)) {
                if (client_resp == 2) out_bulk(d > 0 ? "inf" : "-inf", d > 0 ? 3 : 4);
                else buf_addstr(&out, d > 0 ? ",inf\r\n" : ",-inf\r\n");
            } else {
                char dbuf[64];
                int n = snprintf(dbuf, sizeof(dbuf), "%.17g", d);
                if (client_resp == 2) out_bulk(dbuf, (size_t)n);
                else out_printf(",%s\r\n", dbuf);
            }
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "big_number");
        lua_rawget(L, -2);
        t = lua_type(L, -1);
        if (t == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            char *b = malloc(n + 1);
            memcpy(b, s, n);
            for (size_t i = 0; i < n; i++)
                if (b[i] == '\r' || b[i] == '\n') b[i] = ' ';
            if (client_resp == 2) out_bulk(b, n);
            else {
                buf_add(&out, "(", 1);
                buf_add(&out, b, n);
                buf_add(&out, "\r\n", 2);
            }
            free(b);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "verbatim_string");
        lua_rawget(L, -2);
        t = lua_type(L, -1);
        if (t == LUA_TTABLE) {
            lua_pushstring(L, "format");
            lua_rawget(L, -2);
            t = lua_type(L, -1);
            if (t == LUA_TSTRING) {
                const char *format = lua_tostring(L, -1);
                lua_pushstring(L, "string");
                lua_rawget(L, -3);
                t = lua_type(L, -1);
                if (t == LUA_TSTRING) {
                    size_t n;
                    const char *s = lua_tolstring(L, -1, &n);
                    if (client_resp == 2) out_bulk(s, n);
                    else {
                        char ext[4] = "   ";
                        for (int i = 0; i < 3 && format[i]; i++) ext[i] = format[i];
                        out_printf("=%zu\r\n%s:", n + 4, ext);
                        buf_add(&out, s, n);
                        buf_add(&out, "\r\n", 2);
                    }
                    lua_pop(L, 4);
                    return;
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);

        lua_pushstring(L, "map");
        lua_rawget(L, -2);
        t = lua_type(L, -1);
        if (t == LUA_TTABLE) {
            long maplen = 0;
            size_t start = out.len;
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pushvalue(L, -2);
                luaReplyToRedisReply(L);
                luaReplyToRedisReply(L);
                maplen++;
            }
            if (client_resp == 2) out_header_at(start, '*', maplen * 2);
            else out_header_at(start, '%', maplen);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "set");
        lua_rawget(L, -2);
        t = lua_type(L, -1);
        if (t == LUA_TTABLE) {
            long setlen = 0;
            size_t start = out.len;
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pop(L, 1);
                lua_pushvalue(L, -1);
                luaReplyToRedisReply(L);
                setlen++;
            }
            out_header_at(start, client_resp == 2 ? '*' : '~', setlen);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        {
            size_t start = out.len;
            long j = 1, mbulklen = 0;
            while (1) {
                lua_pushnumber(L, (lua_Number)j++);
                lua_rawget(L, -2);
                t = lua_type(L, -1);
                if (t == LUA_TNIL) {
                    lua_pop(L, 1);
                    break;
                }
                luaReplyToRedisReply(L);
                mbulklen++;
            }
            out_header_at(start, '*', mbulklen);
        }
        break;
    }
    default:
        out_null();
    }
    lua_pop(L, 1);
}

/* ---------------------------------------------------------------------------------------------
 * redis.* functions.
 * ------------------------------------------------------------------------------------------- */

/* luaArgsToRedisArgv: numbers as "%.17g", strings as they are; anything else is refused. */
static int luaArgsToArgbuf(lua_State *L, int *argc) {
    *argc = lua_gettop(L);
    if (*argc == 0) {
        luaPushError(L, "Please specify at least one argument for this redis lib call");
        return 0;
    }
    if (arglens_cap < *argc * 2) {
        arglens_cap = *argc * 2;
        arglens = realloc(arglens, sizeof(uint32_t) * (size_t)arglens_cap);
    }
    args.len = 0;
    int j;
    for (j = 0; j < *argc; j++) {
        const char *s;
        size_t n;
        char dbuf[64];
        if (lua_type(L, j + 1) == LUA_TNUMBER) {
            double num = (double)lua_tonumber(L, j + 1);
            /* "%.17g" of a whole number below 2^53 is its digits (the exponent form starts at
             * 1e17), so those are written by hand: snprintf was most of a number argument's
             * cost (BullMQ passes its timestamps, counters and MAXLEN as Lua numbers). -0 and
             * everything else keep snprintf's text. */
            if (num > -9007199254740992.0 && num < 9007199254740992.0 &&
                num == (double)(long long)num && !(num == 0 && signbit(num))) {
                n = num_line(dbuf, ':', (long long)num) - 3;
                s = dbuf + 1;
            } else {
                n = (size_t)snprintf(dbuf, sizeof(dbuf), "%.17g", num);
                s = dbuf;
            }
        } else {
            s = lua_tolstring(L, j + 1, &n);
            if (s == NULL) break;
        }
        arglens[j * 2] = (uint32_t)args.len;
        arglens[j * 2 + 1] = (uint32_t)n;
        buf_add(&args, s, n);
    }
    lua_pop(L, *argc);
    if (j != *argc) {
        luaPushError(L, "Lua redis lib command arguments must be strings or integers");
        return 0;
    }
    ctl_sync();
    return 1;
}

static int luaRedisGenericCommand(lua_State *L, int raise_error) {
    if (!in_script) {
        luaPushError(L, "redis.call/pcall can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc;
    if (!luaArgsToArgbuf(L, &argc)) return raise_error ? lua_error(L) : 1;
    static int inuse = 0;
    if (inuse) {
        const char *w = "luaRedisGenericCommand() recursive call detected. "
                        "Are you doing funny stuff with Lua debug hooks?";
        js_log(LL_WARNING, w, (int)strlen(w));
        luaPushError(L, w);
        return 1;
    }
    inuse++;
    int n = js_call(argc, script_resp);
    inuse--;
    if (n < 0) return lua_error(L); /* not reached: JS never fails the call itself */
    reply.len = (size_t)n;
    reply.p[n] = '\0';
    if (raise_error && reply.p[0] != '-') raise_error = 0;
    ReplyParser parser = {.curr_location = reply.p, .callbacks = LuaTypeParserCallbacks};
    parseReply(&parser, L);
    if (raise_error) return lua_error(L);
    return 1;
}

static int luaRedisPcall(lua_State *L) {
    int argc = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) lua_replace(L, -2);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

static int luaRedisCallCommand(lua_State *L) { return luaRedisGenericCommand(L, 1); }
static int luaRedisPCallCommand(lua_State *L) { return luaRedisGenericCommand(L, 0); }

/* eval.c sha1hex: the hex digest, lower case. */
static void sha1hex(char *digest, char *script, size_t len) {
    SHA1_CTX ctx;
    unsigned char hash[20];
    const char *cset = "0123456789abcdef";
    SHA1Init(&ctx);
    SHA1Update(&ctx, (unsigned char *)script, len);
    SHA1Final(hash, &ctx);
    for (int j = 0; j < 20; j++) {
        digest[j * 2] = cset[((hash[j] & 0xF0) >> 4)];
        digest[j * 2 + 1] = cset[(hash[j] & 0xF)];
    }
    digest[40] = '\0';
}

static int luaRedisSha1hexCommand(lua_State *L) {
    int argc = lua_gettop(L);
    char digest[41];
    size_t len;
    if (argc != 1) {
        luaPushError(L, "wrong number of arguments");
        return lua_error(L);
    }
    const char *s = lua_tolstring(L, 1, &len);
    sha1hex(digest, (char *)s, len);
    lua_pushstring(L, digest);
    return 1;
}

static int luaRedisErrorReplyCommand(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        luaPushError(L, "wrong number or type of arguments");
        return 1;
    }
    const char *err = lua_tostring(L, -1);
    size_t n = strlen(err);
    if (err[0] != '-') {
        char *e = malloc(n + 2);
        e[0] = '-';
        memcpy(e + 1, err, n + 1);
        luaPushErrorBuff(L, e, n + 1);
        free(e);
    } else {
        luaPushErrorBuff(L, err, n);
    }
    return 1;
}

static int luaRedisStatusReplyCommand(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        luaPushError(L, "wrong number or type of arguments");
        return 1;
    }
    lua_newtable(L);
    lua_pushstring(L, "ok");
    lua_pushvalue(L, -3);
    lua_settable(L, -3);
    return 1;
}

static int luaRedisSetReplCommand(lua_State *L) {
    if (!in_script) {
        luaPushError(L, "redis.set_repl can only be called inside a script invocation");
        return lua_error(L);
    }
    if (lua_gettop(L) != 1) {
        luaPushError(L, "redis.set_repl() requires two arguments.");
        return lua_error(L);
    }
    int flags = (int)lua_tonumber(L, -1);
    if ((flags & ~(PROPAGATE_AOF | PROPAGATE_REPL)) != 0) {
        luaPushError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        return lua_error(L);
    }
    js_set_repl(flags);
    return 0;
}

static int luaRedisReplicateCommandsCommand(lua_State *L) {
    lua_pushboolean(L, 1); /* effects replication is the only mode since Redis 7 */
    return 1;
}

static int luaLogCommand(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) {
        luaPushError(L, "redis.log() requires two arguments or more.");
        return lua_error(L);
    } else if (!lua_isnumber(L, -argc)) {
        luaPushError(L, "First argument must be a number (log level).");
        return lua_error(L);
    }
    int level = (int)lua_tonumber(L, -argc);
    if (level < LL_DEBUG || level > LL_WARNING) {
        luaPushError(L, "Invalid debug level.");
        return lua_error(L);
    }
    if (level < log_verbosity) return 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int j = 1; j < argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, (-argc) + j, &len);
        if (s) {
            if (j != 1) luaL_addchar(&b, ' ');
            luaL_addlstring(&b, s, len);
        }
    }
    luaL_pushresult(&b);
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    js_log(level, msg, (int)len);
    return 0;
}

static int luaSetResp(lua_State *L) {
    if (!in_script) {
        luaPushError(L, "redis.setresp can only be called inside a script invocation");
        return lua_error(L);
    }
    if (lua_gettop(L) != 1) {
        luaPushError(L, "redis.setresp() requires one argument.");
        return lua_error(L);
    }
    int resp = (int)lua_tonumber(L, -1);
    if (resp != 2 && resp != 3) {
        luaPushError(L, "RESP version must be 2 or 3.");
        return lua_error(L);
    }
    script_resp = resp;
    return 0;
}

static int luaRedisAclCheckCmdCommand(lua_State *L) {
    if (!in_script) {
        luaPushError(L, "redis.acl_check_cmd can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc;
    if (!luaArgsToArgbuf(L, &argc)) return lua_error(L);
    /* Shoal has no per-user command rules a script could be denied by: the default user. */
    lua_pushboolean(L, 1);
    return 1;
}

/* Redis's breakpoint/debug only act under the debugger (SCRIPT DEBUG), which Shoal lacks. */
static int luaRedisBreakpointCommand(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}
static int luaRedisDebugCommand(lua_State *L) {
    (void)L;
    return 0;
}

static int redis_math_random(lua_State *L) {
    if (!in_script) return luaL_error(L, "math.random can only be called inside a script invocation");
    lua_Number r = (lua_Number)(redisLrand48() % REDIS_LRAND48_MAX) / (lua_Number)REDIS_LRAND48_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int redis_math_randomseed(lua_State *L) {
    if (!in_script)
        return luaL_error(L, "math.randomseed can only be called inside a script invocation");
    redisSrand48(luaL_checkint(L, 1));
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Global protection (script_lua.c): an allow list while the libraries load, then every table
 * reachable from _G read-only and reads of missing globals an error.
 * ------------------------------------------------------------------------------------------- */

static const char *allow_list[] = {
    "string", "cjson", "bit", "cmsgpack", "math", "table", "struct", "redis",
    "__redis__err__handler", "xpcall", "tostring", "setmetatable", "next", "assert",
    "tonumber", "rawequal", "collectgarbage", "getmetatable", "rawset", "pcall", "coroutine",
    "type", "_G", "select", "unpack", "gcinfo", "pairs", "rawget", "loadstring", "ipairs",
    "_VERSION", "load", "error", "debug", NULL,
};
static const char *deny_list[] = {"dofile", "loadfile", "print", NULL};
/* Debian's CVE-2025-46818 fix: refused unless lua-enable-deprecated-api, without a warning. */
static const char *deprecated_list[] = {"newproxy", "setfenv", "getfenv", NULL};

static int luaProtectedTableError(lua_State *L) {
    if (lua_gettop(L) != 2) luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
    if (!lua_isstring(L, -1) && !lua_isnumber(L, -1))
        luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
    const char *name = lua_tostring(L, -1);
    luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
    return 0;
}

static void luaSetErrorMetatable(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, luaProtectedTableError);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

static int luaNewIndexAllowList(lua_State *L) {
    if (lua_gettop(L) != 3) luaL_error(L, "Wrong number of arguments to luaNewIndexAllowList");
    if (!lua_istable(L, -3)) luaL_error(L, "first argument to luaNewIndexAllowList must be a table");
    if (!lua_isstring(L, -2) && !lua_isnumber(L, -2))
        luaL_error(L, "Second argument to luaNewIndexAllowList must be a string or number");
    const char *name = lua_tostring(L, -2);
    for (const char **c = allow_list; *c; c++) {
        if (strcmp(*c, name) == 0) {
            lua_rawset(L, -3);
            return 0;
        }
    }
    for (const char **c = deny_list; *c; c++)
        if (strcmp(*c, name) == 0) return 0;
    for (const char **c = deprecated_list; *c; c++)
        if (strcmp(*c, name) == 0) return 0;
    char msg[256];
    int n = snprintf(msg, sizeof(msg),
                     "A key '%s' was added to Lua globals which is not on the globals allow list "
                     "nor listed on the deny list.", name);
    js_log(LL_WARNING, msg, n);
    return 0;
}

static void luaSetAllowListProtection(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, luaNewIndexAllowList);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
}

static void luaSetTableProtectionRecursively(lua_State *L) {
    if (lua_isreadonlytable(L, -1)) return;
    lua_enablereadonlytable(L, -1, 1);
    lua_checkstack(L, 2);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_istable(L, -1)) luaSetTableProtectionRecursively(L);
        lua_pop(L, 1);
    }
    if (lua_getmetatable(L, -1)) {
        luaSetTableProtectionRecursively(L);
        lua_pop(L, 1);
    }
}

/* Debian's CVE-2025-46818 fix: the metatables of strings, numbers... read-only too. */
static void luaSetTableProtectionForBasicTypes(lua_State *L) {
    static const int types[] = {LUA_TSTRING, LUA_TNUMBER, LUA_TBOOLEAN, LUA_TNIL,
                                LUA_TFUNCTION, LUA_TTHREAD, LUA_TLIGHTUSERDATA};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        switch (types[i]) {
        case LUA_TSTRING: lua_pushstring(L, ""); break;
        case LUA_TNUMBER: lua_pushnumber(L, 0); break;
        case LUA_TBOOLEAN: lua_pushboolean(L, 0); break;
        case LUA_TNIL: lua_pushnil(L); break;
        case LUA_TFUNCTION: lua_pushcfunction(L, NULL); break;
        case LUA_TTHREAD: lua_newthread(L); break;
        case LUA_TLIGHTUSERDATA: lua_pushlightuserdata(L, (void *)L); break;
        }
        if (lua_getmetatable(L, -1)) {
            luaSetTableProtectionRecursively(L);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Initialisation (script_lua.c luaRegisterRedisAPI + eval.c scriptingInit).
 * ------------------------------------------------------------------------------------------- */

LUALIB_API int(luaopen_cjson)(lua_State *L);
LUALIB_API int(luaopen_struct)(lua_State *L);
LUALIB_API int(luaopen_cmsgpack)(lua_State *L);
LUALIB_API int(luaopen_bit)(lua_State *L);

static void luaLoadLib(lua_State *L, const char *name, lua_CFunction f) {
    lua_pushcfunction(L, f);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

static void setnum(lua_State *L, const char *k, lua_Number v) {
    lua_pushstring(L, k);
    lua_pushnumber(L, v);
    lua_settable(L, -3);
}
static void setfn(lua_State *L, const char *k, lua_CFunction f) {
    lua_pushstring(L, k);
    lua_pushcfunction(L, f);
    lua_settable(L, -3);
}

static void registerLogFunction(lua_State *L) {
    setfn(L, "log", luaLogCommand);
    setnum(L, "LOG_DEBUG", LL_DEBUG);
    setnum(L, "LOG_VERBOSE", LL_VERBOSE);
    setnum(L, "LOG_NOTICE", LL_NOTICE);
    setnum(L, "LOG_WARNING", LL_WARNING);
}
static void registerVersion(lua_State *L) {
    setnum(L, "REDIS_VERSION_NUM", REDIS_VERSION_NUM);
    lua_pushstring(L, "REDIS_VERSION");
    lua_pushstring(L, REDIS_VERSION);
    lua_settable(L, -3);
}

static const char *errh_func =
    "local dbg = debug\n"
    "debug = nil\n"
    "function __redis__err__handler(err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}"
    "  end"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end"
    "  return err\n"
    "end\n";

/* luaRegisterRedisAPI: the libraries under the allow list, pcall, the redis table, Redis's
 * math.random. Shared by the EVAL state and the functions state. */
static void registerRedisAPI(lua_State *L, int eval_mode) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    luaSetAllowListProtection(L);
    lua_pop(L, 1);

    luaLoadLib(L, "", luaopen_base);
    luaLoadLib(L, LUA_TABLIBNAME, luaopen_table);
    luaLoadLib(L, LUA_STRLIBNAME, luaopen_string);
    luaLoadLib(L, LUA_MATHLIBNAME, luaopen_math);
    luaLoadLib(L, LUA_DBLIBNAME, luaopen_debug);
    luaLoadLib(L, "cjson", luaopen_cjson);
    luaLoadLib(L, "struct", luaopen_struct);
    luaLoadLib(L, "cmsgpack", luaopen_cmsgpack);
    luaLoadLib(L, "bit", luaopen_bit);

    lua_pushcfunction(L, luaRedisPcall);
    lua_setglobal(L, "pcall");

    lua_newtable(L);
    setfn(L, "call", luaRedisCallCommand);
    setfn(L, "pcall", luaRedisPCallCommand);
    registerLogFunction(L);
    registerVersion(L);
    setfn(L, "setresp", luaSetResp);
    setfn(L, "sha1hex", luaRedisSha1hexCommand);
    setfn(L, "error_reply", luaRedisErrorReplyCommand);
    setfn(L, "status_reply", luaRedisStatusReplyCommand);
    setfn(L, "set_repl", luaRedisSetReplCommand);
    setnum(L, "REPL_NONE", PROPAGATE_NONE);
    setnum(L, "REPL_AOF", PROPAGATE_AOF);
    setnum(L, "REPL_SLAVE", PROPAGATE_REPL);
    setnum(L, "REPL_REPLICA", PROPAGATE_REPL);
    setnum(L, "REPL_ALL", PROPAGATE_AOF | PROPAGATE_REPL);
    setfn(L, "acl_check_cmd", luaRedisAclCheckCmdCommand);
    if (eval_mode) {
        /* eval.c scriptingInit adds these to EVAL's redis table only */
        setfn(L, "breakpoint", luaRedisBreakpointCommand);
        setfn(L, "debug", luaRedisDebugCommand);
        setfn(L, "replicate_commands", luaRedisReplicateCommandsCommand);
    }
    lua_setglobal(L, "redis");

    lua_getglobal(L, "math");
    setfn(L, "random", redis_math_random);
    setfn(L, "randomseed", redis_math_randomseed);
    lua_setglobal(L, "math");
}

static int functions_mode = 0;

EXPORT int sl_init(void) {
    functions_mode = 0;
    lua = lua_open();
    registerRedisAPI(lua, 1);

    luaL_loadbuffer(lua, errh_func, strlen(errh_func), "@err_handler_def");
    lua_pcall(lua, 0, 0, 0);
    /* The global can't change (the globals are read-only): runs fetch it by reference. */
    lua_getglobal(lua, "__redis__err__handler");
    eval_errh_ref = luaL_ref(lua, LUA_REGISTRYINDEX);

    lua_pushvalue(lua, LUA_GLOBALSINDEX);
    luaSetErrorMetatable(lua);
    luaSetTableProtectionRecursively(lua);
    lua_pop(lua, 1);
    luaSetTableProtectionForBasicTypes(lua);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Functions (function_lua.c): a state of its own, whose globals are an empty read-only table
 * reading through to the real ones; while a library loads they read through to the library API
 * (redis.register_function, redis.log, the version) instead.
 * ------------------------------------------------------------------------------------------- */

#define REGISTRY_ERROR_HANDLER_NAME "__ERROR_HANDLER__"
#define LIBRARY_API_NAME "__LIBRARY_API__"
#define GLOBALS_API_NAME "__GLOBALS_API__"

/* Records a registered function: 0, or 1 with the error text in the reply buffer. */
IMPORT("js_register_function")
extern int js_register_function(const char *name, int name_len, const char *desc, int desc_len,
                                int flags, int ref);

static int loading = 0;

static void luaEngineLoadHook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (js_interrupt()) {
        lua_sethook(L, luaEngineLoadHook, LUA_MASKLINE, 0);
        luaPushError(L, "FUNCTION LOAD timeout");
        lua_error(L);
    }
}

static int luaRegisterFunctionReadFlags(lua_State *L, int *flags) {
    static const char *names[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster",
                                  "allow-cross-slot-keys", NULL};
    static const int bits[] = {1, 2, 4, 8, 32};
    int j = 1, f = 0;
    while (1) {
        lua_pushnumber(L, j++);
        lua_gettable(L, -2);
        if (lua_type(L, -1) == LUA_TNIL) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) {
            lua_pop(L, 1);
            return 0;
        }
        const char *s = lua_tostring(L, -1);
        int found = 0;
        for (int i = 0; names[i]; i++) {
            if (!strcasecmp(names[i], s)) {
                f |= bits[i];
                found = 1;
                break;
            }
        }
        lua_pop(L, 1);
        if (!found) return 0;
    }
    *flags = f;
    return 1;
}

static int luaRegisterFunction(lua_State *L) {
    if (!loading) {
        luaPushError(L, "redis.register_function can only be called on FUNCTION LOAD command");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    const char *err = NULL;
    const char *name = NULL, *desc = NULL;
    size_t name_len = 0, desc_len = 0;
    int ref = LUA_NOREF, flags = 0;
    /* name and desc are kept alive as registry refs while the arguments are read */
    int name_ref = LUA_NOREF, desc_ref = LUA_NOREF;
    if (argc < 1 || argc > 2) {
        err = "wrong number of arguments to redis.register_function";
    } else if (argc == 1) {
        if (!lua_istable(L, 1)) {
            err = "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).";
        } else {
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                if (!lua_isstring(L, -2)) {
                    err = "named argument key given to redis.register_function is not a string";
                    break;
                }
                const char *key = lua_tostring(L, -2);
                if (!strcasecmp(key, "function_name")) {
                    if (!lua_isstring(L, -1)) {
                        err = "function_name argument given to redis.register_function must be a string";
                        break;
                    }
                    if (name_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, name_ref);
                    lua_pushvalue(L, -1);
                    name_ref = luaL_ref(L, LUA_REGISTRYINDEX);
                } else if (!strcasecmp(key, "description")) {
                    if (!lua_isstring(L, -1)) {
                        err = "description argument given to redis.register_function must be a string";
                        break;
                    }
                    if (desc_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, desc_ref);
                    lua_pushvalue(L, -1);
                    desc_ref = luaL_ref(L, LUA_REGISTRYINDEX);
                } else if (!strcasecmp(key, "callback")) {
                    if (!lua_isfunction(L, -1)) {
                        err = "callback argument given to redis.register_function must be a function";
                        break;
                    }
                    if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
                    ref = luaL_ref(L, LUA_REGISTRYINDEX);
                    continue;
                } else if (!strcasecmp(key, "flags")) {
                    if (!lua_istable(L, -1)) {
                        err = "flags argument to redis.register_function must be a table representing function flags";
                        break;
                    }
                    if (!luaRegisterFunctionReadFlags(L, &flags)) {
                        err = "unknown flag given";
                        break;
                    }
                } else {
                    err = "unknown argument given to redis.register_function";
                    break;
                }
                lua_pop(L, 1);
            }
            if (!err && name_ref == LUA_NOREF) err = "redis.register_function must get a function name argument";
            if (!err && ref == LUA_NOREF) err = "redis.register_function must get a callback argument";
        }
    } else {
        if (!lua_isstring(L, 1)) {
            err = "first argument to redis.register_function must be a string";
        } else if (!lua_isfunction(L, 2)) {
            err = "second argument to redis.register_function must be a function";
        } else {
            ref = luaL_ref(L, LUA_REGISTRYINDEX); /* pops the function */
            lua_pushvalue(L, 1);
            name_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        }
    }
    if (!err) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, name_ref);
        name = lua_tolstring(L, -1, &name_len);
        if (desc_ref != LUA_NOREF) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, desc_ref);
            desc = lua_tolstring(L, -1, &desc_len);
        }
        if (js_register_function(name, (int)name_len, desc, desc ? (int)desc_len : -1, flags, ref)) {
            luaL_unref(L, LUA_REGISTRYINDEX, ref);
            ref = LUA_NOREF;
            err = reply.p; /* the text JS wrote */
        }
    } else if (ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
    }
    if (name_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, name_ref);
    if (desc_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, desc_ref);
    if (err) {
        luaPushError(L, err);
        return lua_error(L);
    }
    return 0;
}

static const char *fn_errh_func =
    "local dbg = debug\n"
    "debug = nil\n"
    "local error_handler = function (err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}"
    "  end"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end"
    "  return err\n"
    "end\n"
    "return error_handler";

/* luaEngineInitEngine. */
EXPORT int sl_fn_init(void) {
    functions_mode = 1;
    lua = lua_open();
    registerRedisAPI(lua, 0);

    lua_newtable(lua); /* library globals */
    lua_newtable(lua); /* library `redis` table */
    setfn(lua, "register_function", luaRegisterFunction);
    registerLogFunction(lua);
    registerVersion(lua);
    luaSetErrorMetatable(lua);
    lua_setfield(lua, -2, "redis");
    luaSetErrorMetatable(lua);
    luaSetTableProtectionRecursively(lua);
    lua_setfield(lua, LUA_REGISTRYINDEX, LIBRARY_API_NAME);

    lua_pushstring(lua, REGISTRY_ERROR_HANDLER_NAME);
    luaL_loadbuffer(lua, fn_errh_func, strlen(fn_errh_func), "@err_handler_def");
    lua_pcall(lua, 0, 1, 0);
    lua_settable(lua, LUA_REGISTRYINDEX);

    lua_pushvalue(lua, LUA_GLOBALSINDEX);
    luaSetErrorMetatable(lua);
    luaSetTableProtectionRecursively(lua);
    lua_pop(lua, 1);

    lua_pushvalue(lua, LUA_GLOBALSINDEX);
    lua_setfield(lua, LUA_REGISTRYINDEX, GLOBALS_API_NAME);

    lua_newtable(lua); /* new globals */
    lua_newtable(lua); /* its metatable */
    lua_pushvalue(lua, LUA_GLOBALSINDEX);
    lua_setfield(lua, -2, "__index");
    lua_enablereadonlytable(lua, -1, 1);
    lua_setmetatable(lua, -2);
    lua_enablereadonlytable(lua, -1, 1);
    lua_replace(lua, LUA_GLOBALSINDEX);

    luaSetTableProtectionForBasicTypes(lua);
    return 0;
}

static void setGlobalsIndex(const char *api) {
    lua_getmetatable(lua, LUA_GLOBALSINDEX);
    lua_enablereadonlytable(lua, -1, 0);
    lua_getfield(lua, LUA_REGISTRYINDEX, api);
    lua_setfield(lua, -2, "__index");
    lua_enablereadonlytable(lua, LUA_GLOBALSINDEX, 1);
    lua_pop(lua, 1);
}

/* luaEngineCreate: runs a library's code (after its shebang line) so that it registers its
 * functions through js_register_function. 0, or 1 with the error text (no code) in `out`. */
EXPORT int sl_fn_load(const char *code, int len) {
    out.len = 0;
    int ret = 1;
    setGlobalsIndex(LIBRARY_API_NAME);
    if (luaL_loadbuffer(lua, code, (size_t)len, "@user_function")) {
        buf_addstr(&out, "Error compiling function: ");
        buf_addstr(&out, lua_tostring(lua, -1));
        lua_pop(lua, 1);
        goto done;
    }
    loading = 1;
    lua_sethook(lua, luaEngineLoadHook, LUA_MASKCOUNT, 100000);
    if (lua_pcall(lua, 0, 0, 0)) {
        errinfo_t ei = {0};
        luaExtractErrorInformation(lua, &ei);
        buf_addstr(&out, "Error registering functions: ");
        buf_addstr(&out, ei.msg ? ei.msg : "");
        errinfo_free(&ei);
        lua_pop(lua, 1);
        goto done;
    }
    ret = 0;
done:
    loading = 0;
    setGlobalsIndex(GLOBALS_API_NAME);
    lua_sethook(lua, NULL, 0, 0);
    ctl_sync();
    return ret;
}

/* luaEngineFreeFunction. */
EXPORT void sl_fn_unref(int ref) { luaL_unref(lua, LUA_REGISTRYINDEX, ref); }

/* ---------------------------------------------------------------------------------------------
 * EVAL: compile a body under its registry name, run it (eval.c luaCreateFunction,
 * evalGenericCommand, script_lua.c luaCallFunction).
 * ------------------------------------------------------------------------------------------- */

/* Compiles `body` (shebang line already blanked by the caller, newline kept) and stores it as
 * registry[funcname], as Redis does, and under a reference that runs fetch it by (no string
 * to intern and look up per run). The reference (> 0); else 0 and the RESP error in `out`. */
EXPORT int sl_eval_compile(const char *funcname, const char *body, int len) {
    out.len = 0;
    if (luaL_loadbuffer(lua, body, (size_t)len, "@user_script")) {
        const char *m = lua_tostring(lua, -1);
        const char *pre = "Error compiling script (new function): ";
        buf_reserve(&out, strlen(pre) + strlen(m) + 8);
        size_t start = out.len;
        buf_add(&out, "-ERR ", 5);
        buf_addstr(&out, pre);
        buf_addstr(&out, m);
        /* trailing newlines trimmed, inner ones become spaces (addReplyErrorFormat) */
        while (out.len > start && (out.p[out.len - 1] == '\n' || out.p[out.len - 1] == '\r')) out.len--;
        for (size_t i = start; i < out.len; i++)
            if (out.p[i] == '\r' || out.p[i] == '\n') out.p[i] = ' ';
        buf_add(&out, "\r\n", 2);
        lua_pop(lua, 1);
        ctl_sync();
        return 0;
    }
    lua_pushvalue(lua, -1);
    lua_setfield(lua, LUA_REGISTRYINDEX, funcname);
    return luaL_ref(lua, LUA_REGISTRYINDEX);
}

EXPORT int sl_eval_exists(const char *funcname) {
    lua_getfield(lua, LUA_REGISTRYINDEX, funcname);
    int r = !lua_isnil(lua, -1);
    lua_pop(lua, 1);
    return r;
}

static void luaMaskCountHook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (js_interrupt()) {
        const char *w = "Lua script killed by user with SCRIPT KILL.";
        js_log(LL_WARNING, w, (int)strlen(w));
        lua_sethook(L, luaMaskCountHook, LUA_MASKLINE, 0);
        luaPushError(L, "Script killed by user with SCRIPT KILL...");
        lua_error(L);
    }
}

/* Pushes a Lua array of the `n` arguments starting at index `from` of argbuf; sized up front
 * (the same table as one grown element by element, without its reallocations). */
static void luaCreateArray(lua_State *L, int from, int n) {
    lua_createtable(L, n, 0);
    for (int j = 0; j < n; j++) {
        uint32_t off = arglens[(from + j) * 2], len = arglens[(from + j) * 2 + 1];
        lua_pushlstring(L, args.p + off, len);
        lua_rawseti(L, -2, j + 1);
    }
}

/* The caller filled argbuf (sl_args_reserve) with nkeys keys then nargs args. */
EXPORT char *sl_args_reserve(int total_bytes, int count) {
    if (arglens_cap < count * 2 || !arglens) {
        arglens_cap = count * 2 + 2;
        arglens = realloc(arglens, sizeof(uint32_t) * (size_t)arglens_cap);
    }
    args.len = 0;
    buf_reserve(&args, (size_t)total_bytes);
    ctl_sync();
    return args.p;
}

/* luaCallFunction: runs the function registry[ref], an EVAL script (KEYS/ARGV as globals) or
 * an FCALL function (keys and args as its two arguments); `funcname` names it in errors. The
 * RESP reply for the caller is left in `out`; returns 1 when it is an error. */
static int run_function(int eval_mode, const char *funcname, int ref, int nkeys, int nargs,
                        int caller_resp, int hook) {
    int gc_period = 50;
    static long gc_count = 0;
    out.len = 0;
    client_resp = caller_resp;
    script_resp = 2;
    /* math.random is not reseeded per call: Redis 7's sequence runs on from the process's first
     * script (rand.c's fixed seed) unless a script calls math.randomseed. */

    if (eval_mode) {
        lua_rawgeti(lua, LUA_REGISTRYINDEX, eval_errh_ref);
    } else {
        lua_pushstring(lua, REGISTRY_ERROR_HANDLER_NAME);
        lua_gettable(lua, LUA_REGISTRYINDEX);
    }
    lua_rawgeti(lua, LUA_REGISTRYINDEX, ref);
    in_script = 1;
    if (hook) lua_sethook(lua, luaMaskCountHook, LUA_MASKCOUNT, 100000);

    luaCreateArray(lua, 0, nkeys);
    if (eval_mode) {
        lua_enablereadonlytable(lua, LUA_GLOBALSINDEX, 0);
        lua_setglobal(lua, "KEYS");
        lua_enablereadonlytable(lua, LUA_GLOBALSINDEX, 1);
    }
    luaCreateArray(lua, nkeys, nargs);
    if (eval_mode) {
        lua_enablereadonlytable(lua, LUA_GLOBALSINDEX, 0);
        lua_setglobal(lua, "ARGV");
        lua_enablereadonlytable(lua, LUA_GLOBALSINDEX, 1);
    }

    /* Errors name the script by its SHA (run_ctx->funcname), not by its registry name. */
    const char *shown = eval_mode && strncmp(funcname, "f_", 2) == 0 ? funcname + 2 : funcname;
    int err = eval_mode ? lua_pcall(lua, 0, 1, -2) : lua_pcall(lua, 2, 1, -4);
    if (++gc_count == gc_period) {
        lua_gc(lua, LUA_GCSTEP, gc_period);
        gc_count = 0;
    }
    int is_error = 0;
    if (err) {
        is_error = 1;
        if (!lua_istable(lua, -1)) {
            const char *msg = "execution failure";
            if (lua_isstring(lua, -1)) msg = lua_tostring(lua, -1);
            char tmp[256];
            int n = snprintf(tmp, sizeof(tmp), "Error running script %s, %.100s\n", shown, msg);
            while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == '\r')) n--;
            out_error(tmp, (size_t)n, 1);
        } else {
            errinfo_t ei = {0};
            luaExtractErrorInformation(lua, &ei);
            luaL_Buffer b;
            luaL_buffinit(lua, &b);
            luaL_addchar(&b, '-');
            luaL_addstring(&b, ei.msg ? ei.msg : "");
            if (ei.line && ei.source) {
                luaL_addstring(&b, " script: ");
                luaL_addstring(&b, shown);
                luaL_addstring(&b, ", on ");
                luaL_addstring(&b, ei.source);
                luaL_addstring(&b, ":");
                luaL_addstring(&b, ei.line);
                luaL_addstring(&b, ".");
            }
            luaL_pushresult(&b);
            size_t n;
            const char *m = lua_tolstring(lua, -1, &n);
            out_error(m, n, 1); /* addReplyErrorSdsExSafe (Debian's CVE-2025-67733 fix) */
            lua_pop(lua, 1);
            errinfo_free(&ei);
        }
        lua_pop(lua, 1);
    } else {
        if (lua_istable(lua, -1)) {
            lua_pushstring(lua, "err");
            lua_rawget(lua, -2);
            is_error = lua_type(lua, -1) == LUA_TSTRING;
            lua_pop(lua, 1);
        }
        luaReplyToRedisReply(lua);
    }
    if (hook) lua_sethook(lua, NULL, 0, 0);
    in_script = 0;
    lua_pop(lua, 1); /* the error handler */
    ctl_sync();
    return is_error;
}

/* `ref` is sl_eval_compile's; `funcname` the registry name, for errors. */
EXPORT int sl_eval_run(int ref, const char *funcname, int nkeys, int nargs, int caller_resp,
                       int hook) {
    return run_function(1, funcname, ref, nkeys, nargs, caller_resp, hook);
}

EXPORT int sl_fn_run(int ref, const char *name, int nkeys, int nargs, int caller_resp, int hook) {
    return run_function(0, name, ref, nkeys, nargs, caller_resp, hook);
}

/* SCRIPT FLUSH: a new state, as scriptingReset does. */
EXPORT void sl_reset(void) {
    lua_close(lua);
    if (functions_mode) sl_fn_init();
    else sl_init();
}

EXPORT int sl_memory(void) { return lua_gc(lua, LUA_GCCOUNT, 0) * 1024; }

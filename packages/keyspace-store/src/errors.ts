// Redis 7.0's error texts, as data: commands reply with these exact strings (see object.c,
// t_string.c, t_zset.c ... in Redis). Keeping them in one file lets tests pin them.
export { WRONGTYPE } from "./value.js";
export const ERR_NOT_INTEGER = "ERR value is not an integer or out of range";
export const ERR_NOT_FLOAT = "ERR value is not a valid float";
export const ERR_SYNTAX = "ERR syntax error";
export const ERR_OVERFLOW = "ERR increment or decrement would overflow";
export const ERR_NO_SUCH_KEY = "ERR no such key";
export const ERR_INDEX_OUT_OF_RANGE = "ERR index out of range";
export const ERR_MUST_BE_POSITIVE = "ERR value is out of range, must be positive";
export const ERR_TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range";
export const ERR_TIMEOUT_NEGATIVE = "ERR timeout is negative";
export const ERR_MIN_MAX_NOT_FLOAT = "ERR min or max is not a float";
export const ERR_MIN_MAX_NOT_STRING = "ERR min or max not valid string range item";
export const ERR_NUMKEYS_ZERO = "ERR numkeys should be greater than 0";
export const ERR_INVALID_CURSOR = "ERR invalid cursor";
export const ERR_NAN_RESULT = "ERR resulting score is not a number (NaN)";
/** shared.oomerr: a denyoom command past maxmemory, or an allocation the process can't make. */
export const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";

/** Redis 7.0's arity error; `name` is the command's lowercase full name ("object|encoding"). */
export function errArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

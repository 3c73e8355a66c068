// Reply values that keep their RESP type, for callers that must print a reply exactly as
// redis-cli does (shoal-cli): a status is not a bulk string, a map is not an array, a double is
// not an integer. Clients get these only with `typedReplies: true`; ordinary calls get plain
// strings, arrays, objects and numbers.

/** `+OK` and other simple strings. */
export class StatusReply {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** RESP3 `,` double. */
export class DoubleReply {
  constructor(readonly value: number) {}
}

/** RESP3 `=` verbatim string (`txt:`/`mkd:` format prefix kept apart). */
export class VerbatimReply {
  constructor(
    readonly format: string,
    readonly text: string,
  ) {}
  toString(): string {
    return this.text;
  }
}

/** RESP3 `~` set. */
export class SetReply {
  constructor(readonly items: unknown[]) {}
}

/** RESP3 `%` map, entries in server order (keys may be any type). */
export class MapReply {
  constructor(readonly entries: [unknown, unknown][]) {}
}

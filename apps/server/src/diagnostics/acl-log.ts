// ACL LOG: failed authentications (Shoal has only the default user and no per-command rules,
// so "auth" is the only reason ever logged). Mirrors addACLLogEntry() in src/acl.c (Redis 7.0):
// newest first, at most 128 entries (acllog-max-len's default), and a failure matching an entry
// from the last 60 seconds (same reason, context, object and username) counts in that entry.

const ACL_LOG_MAX_LEN = 128;
const ACL_LOG_GROUPING_MAX_TIME_DELTA = 60000;

export interface AclLogEntry {
  count: number;
  reason: string;
  context: string;
  object: string;
  username: string;
  /** ms since the epoch of the latest occurrence. */
  ctime: number;
  clientInfo: string;
}

export class AclLog {
  entries: AclLogEntry[] = [];

  add(reason: string, context: string, object: string, username: string, clientInfo: string): void {
    const now = Date.now();
    for (const e of this.entries) {
      if (
        e.reason === reason &&
        e.context === context &&
        e.object === object &&
        e.username === username &&
        now - e.ctime < ACL_LOG_GROUPING_MAX_TIME_DELTA
      ) {
        e.count++;
        e.ctime = now;
        e.clientInfo = clientInfo;
        return;
      }
    }
    this.entries.unshift({ count: 1, reason, context, object, username, ctime: now, clientInfo });
    if (this.entries.length > ACL_LOG_MAX_LEN) this.entries.length = ACL_LOG_MAX_LEN;
  }

  reset(): void {
    this.entries = [];
  }
}

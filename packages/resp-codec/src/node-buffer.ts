// Node's Buffer has fast, undocumented-in-types latin1/utf8 slice and write methods (used by
// Buffer.prototype.toString/write internally); declaring them lets the hot paths skip the
// encoding dispatch of toString()/write().
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    utf8Slice(start?: number, end?: number): string;
    latin1Write(s: string, offset?: number, length?: number): number;
    utf8Write(s: string, offset?: number, length?: number): number;
  }
}

export {};

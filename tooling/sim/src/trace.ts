// A running 64-bit hash (two 32-bit FNV-style lanes) of everything a run does: each effect a node
// emits (time, node, kind, the fields that matter) and each fault the schedule injects. Two runs
// of one seed must end with the same hash: that is what "replays bit for bit" means here.

export class TraceHash {
  private a = 0x811c9dc5;
  private b = 0x01000193;
  /** Items mixed so far. */
  count = 0;

  /** Mixes one integer (any safe integer; fractions are kept to the microsecond). */
  mix(n: number): void {
    const v = Math.round(n * 1000);
    const lo = v >>> 0;
    const hi = Math.floor(v / 4294967296) >>> 0;
    this.a = Math.imul(this.a ^ lo, 0x01000193) >>> 0;
    this.a = Math.imul(this.a ^ hi, 0x01000193) >>> 0;
    this.b = Math.imul(this.b ^ lo ^ (this.a >>> 7), 0x5bd1e995) >>> 0;
    this.b = (this.b ^ (this.b >>> 13)) >>> 0;
    this.count++;
  }

  /** Mixes a short string (node names, op names). */
  mixString(s: string): void {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
  }

  get hex(): string {
    return this.a.toString(16).padStart(8, "0") + this.b.toString(16).padStart(8, "0");
  }
}

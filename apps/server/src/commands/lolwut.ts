// LOLWUT [VERSION v] [...]: lolwutCommand() and its drawings (src/lolwut.c, lolwut5.c,
// lolwut6.c, Redis 7.0). Without VERSION, 7.0 answers its "unstable" text; VERSION 5 draws
// Georg Nees's Schotter in braille, VERSION 6 a Plaguemon-style skyline in terminal grays.
// The geometry follows Redis's C float (32-bit) arithmetic step by step (Math.fround), so the
// deterministic parts of a drawing are Redis's bytes; the random parts use Math.random where
// Redis uses rand() (seeded per process there too).
import { cmd } from "@shoal/keyspace-store";
import type { CommandArgs } from "@shoal/resp-codec";
import { REDIS_VERSION } from "../config/load.js";
import type { Client } from "../networking/client-connection.js";
import type { ServerCommandDef } from "./command-types.js";
import { ERR_NOT_INT, toInt } from "./define.js";

const f = Math.fround;

/** rand(): 0..RAND_MAX (2^31 - 1). */
function rand(): number {
  return Math.floor(Math.random() * 2147483648);
}

/** C's round(): halves away from zero. */
function cRound(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/** lwCanvas: one byte per pixel, writes outside it ignored. */
class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    bg: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(bg);
  }
  set(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }
  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width]!;
  }
  /** lwDrawLine: Bresenham. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }
  /** lwDrawSquare: the four corners on a circle, starting at 45 degrees plus the angle. */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: Redis's digits, not SQRT2's
    size = f(cRound(f(size / 1.4142135623)));
    let k = f(Math.PI / 4 + angle);
    const px: number[] = [];
    const py: number[] = [];
    for (let j = 0; j < 4; j++) {
      px.push(cRound(Math.sin(k) * size + x));
      py.push(cRound(Math.cos(k) * size + y));
      k = f(k + Math.PI / 2);
    }
    for (let j = 0; j < 4; j++)
      this.line(px[j]!, py[j]!, px[(j + 1) % 4]!, py[(j + 1) % 4]!, color);
  }
}

/** lwDrawSchotter: rows below the second are turned and shifted more the lower they are. */
function drawSchotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f((width - padding * 2) / perRow);
  const height = Math.trunc(f(f(side * perCol) + padding * 2));
  const canvas = new Canvas(width, height, 0);
  const RAND_MAX = f(2147483647);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(f(f(f(x * side) + f(side / 2)) + padding));
      let sy = Math.trunc(f(f(f(y * side) + f(side / 2)) + padding));
      let angle = 0;
      if (y > 1) {
        let r1 = f(f(f(f(rand()) / RAND_MAX) / perCol) * y);
        let r2 = f(f(f(f(rand()) / RAND_MAX) / perCol) * y);
        let r3 = f(f(f(f(rand()) / RAND_MAX) / perCol) * y);
        if (rand() % 2) r1 = -r1;
        if (rand() % 2) r2 = -r2;
        if (rand() % 2) r3 = -r3;
        angle = r1;
        sx = Math.trunc(f(sx + f(f(r2 * side) / 3)));
        sy = Math.trunc(f(sy + f(f(r3 * side) / 3)));
      }
      canvas.square(sx, sy, side, angle, 1);
    }
  }
  return canvas;
}

/** lolwut5.c renderCanvas: 2x4 pixels per braille character (U+2800 + the dot bits). */
function renderBraille(c: Canvas): string {
  let text = "";
  for (let y = 0; y < c.height; y += 4) {
    for (let x = 0; x < c.width; x += 2) {
      let byte = 0;
      if (c.get(x, y)) byte |= 1 << 0;
      if (c.get(x, y + 1)) byte |= 1 << 1;
      if (c.get(x, y + 2)) byte |= 1 << 2;
      if (c.get(x + 1, y)) byte |= 1 << 3;
      if (c.get(x + 1, y + 1)) byte |= 1 << 4;
      if (c.get(x + 1, y + 2)) byte |= 1 << 5;
      if (c.get(x, y + 3)) byte |= 1 << 6;
      if (c.get(x + 1, y + 3)) byte |= 1 << 7;
      text += String.fromCharCode(0x2800 + byte);
    }
    if (y !== c.height - 1) text += "\n";
  }
  return text;
}

/** lolwut6.c renderCanvas: each pixel a space with foreground and background set. */
const GRAYS = ["0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"];
function renderGrays(c: Canvas): string {
  let text = "";
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) text += `\x1b[${GRAYS[c.get(x, y)] ?? GRAYS[0]} \x1b[0m`;
    if (y !== c.height - 1) text += "\n";
  }
  return text;
}

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

/** generateSkyscraper: a roof two pixels narrower on each side, windows of random grays. */
function skyscraper(c: Canvas, s: Skyscraper): void {
  const starty = c.height - 1;
  const endy = starty - s.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = s.xoff; x < s.xoff + s.width; x++) {
      if (y === endy && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2)) continue;
      let color = s.color;
      if (
        s.windows &&
        x > s.xoff + 1 &&
        x < s.xoff + s.width - 2 &&
        y > endy + 1 &&
        y < starty - 1
      ) {
        const relx = x - (s.xoff + 1);
        const rely = y - (endy + 1);
        if (Math.trunc(relx / 2) % 2 && rely % 2) {
          do color = 1 + (rand() % 2);
          while (color === s.color);
          if (relx % 2) color = c.get(x - 1, y);
        }
      }
      c.set(x, y, color);
    }
  }
}

/** generateSkyline: two background passes without windows, then the foreground. */
function skyline(c: Canvas): void {
  const h = c.height;
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < c.width; ) {
      offset += rand() % 8;
      const width = 10 + (rand() % 9);
      // C's precedence: rand()%height/2 is (rand()%height)/2.
      const height =
        color === 2
          ? Math.trunc(h / 2) + Math.trunc((rand() % h) / 2)
          : Math.trunc(h / 2) + Math.trunc((rand() % h) / 3);
      skyscraper(c, { xoff: offset, width, height, windows: false, color });
      offset += color === 2 ? Math.trunc(width / 2) : width + 1;
    }
  }
  for (let offset = -10; offset < c.width; ) {
    offset += rand() % 8;
    let width = 5 + (rand() % 14);
    if (width % 4) width += width % 3;
    const height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2);
    skyscraper(c, { xoff: offset, width, height, windows: true, color: 0 });
    offset += width + 5;
  }
}

/** getLongFromObjectOrReply for each optional argument in turn; undefined after an error. */
function longArgs(
  c: Client,
  a: CommandArgs,
  from: number,
  defaults: number[],
): number[] | undefined {
  const out = [...defaults];
  for (let i = 0; i < defaults.length && from + i < a.argc; i++) {
    const n = toInt(a.latin1(from + i));
    if (n === undefined) {
      c.reply.error(ERR_NOT_INT);
      return undefined;
    }
    out[i] = n;
  }
  return out;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

function lolwutCommand(c: Client, a: CommandArgs): void {
  let version = 7;
  let from = 1;
  if (a.argc >= 3 && a.is(1, "version")) {
    const v = toInt(a.latin1(2));
    if (v === undefined) {
      c.reply.error(ERR_NOT_INT);
      return;
    }
    // snprintf("%u.0.0", (unsigned int)ver): only the low 32 bits name the version.
    version = Number(BigInt.asUintN(32, BigInt(a.latin1(2))));
    from = 3;
  }
  if (version === 5) {
    const args = longArgs(c, a, from, [66, 8, 12]);
    if (!args) return;
    const [cols, perRow, perCol] = args as [number, number, number];
    const canvas = drawSchotter(clamp(cols, 1, 1000), clamp(perRow, 1, 200), clamp(perCol, 1, 200));
    c.reply.verbatim(
      "txt",
      `${renderBraille(canvas)}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`,
    );
  } else if (version === 6) {
    const args = longArgs(c, a, from, [80, 20]);
    if (!args) return;
    const canvas = new Canvas(clamp(args[0]!, 1, 1000), clamp(args[1]!, 1, 1000), 3);
    skyline(canvas);
    c.reply.verbatim(
      "txt",
      `${renderGrays(canvas)}\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`,
    );
  } else c.reply.verbatim("txt", `Redis ver. ${REDIS_VERSION}\n`);
}

export function lolwutCommands(): ServerCommandDef[] {
  return [cmd("lolwut", -1, "readonly fast", [0, 0, 0], "@read @fast", lolwutCommand)];
}

// The published packages as a user gets them. Every workspace package that is not private is
// packed once with `pnpm pack` (workspace:^ ranges become versions, `files` decides the content);
// each tarball must pass publint --strict and are-the-types-wrong; then the library tarballs are
// installed together into an empty directory with plain npm and used from ESM, from CJS and from
// TypeScript (fixtures/consumer). A package that was not built fails the run: build first.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { checkPackage, createPackageFromTarballData } from "@arethetypeswrong/core";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../../..");
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/consumer");
const rootManifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const PNPM = ["-y", String(rootManifest.packageManager)];

interface Published {
  name: string;
  dir: string;
  exports: Record<string, string | { types: string; default: string }>;
}

const published: Published[] = ["packages", "apps"].flatMap((group) =>
  fs
    .readdirSync(path.join(ROOT, group))
    .map((d) => path.join(ROOT, group, d))
    .filter((dir) => fs.existsSync(path.join(dir, "package.json")))
    .map((dir) => ({
      dir,
      pkg: JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")),
    }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({ name: pkg.name as string, dir, exports: pkg.exports })),
);

/** The libraries a user installs one by one (the server is an app: publint/attw only). */
const INSTALLED = [
  "@shoal/slot-hash",
  "@shoal/resp-codec",
  "@shoal/cluster-bus",
  "@shoal/gossip-failover",
  "@shoal/keyspace-store",
  "@shoal/client",
];

/**
 * are-the-types-wrong's "esm-only" profile: every package is ESM only (one copy of each class per
 * process), so node10 and node16-cjs resolution are not checked here. `require()` of these
 * packages works on Node >= 20.19 and typechecks with TypeScript >= 5.8 (module nodenext); attw
 * bundles TypeScript 5.6, which predates that, so the install test below proves the CJS side.
 */
const ATTW_IGNORED_RESOLUTIONS = new Set(["node10", "node16-cjs"]);

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

let work: string;
const tarballs = new Map<string, string>();
const packedFiles = new Map<string, string[]>();

/** A child's environment without the npm_/pnpm_ variables of the runner that started vitest. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|pnpm_|PNPM_)/i.test(k) && !k.startsWith("VITEST")) env[k] = v;
  return { ...env, NO_COLOR: "1", NODE_OPTIONS: "" };
}

beforeAll(async () => {
  const unbuilt = published.flatMap((p) =>
    Object.values(p.exports)
      .flatMap((e) => (typeof e === "string" ? [e] : [e.types, e.default]))
      .filter((f) => f.startsWith("./dist/") && !fs.existsSync(path.join(p.dir, f)))
      .map((f) => `${p.name}: ${f}`),
  );
  expect(unbuilt, "built files missing: run `pnpm build` first").toEqual([]);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "shoal-package-checks-"));
  const packs = path.join(work, "tarballs");
  fs.mkdirSync(packs);
  const filters = published.flatMap((p) => ["--filter", p.name]);
  const { stdout } = await run(
    "npx",
    [...PNPM, "-r", ...filters, "pack", "--pack-destination", packs, "--json"],
    { cwd: ROOT, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  for (const p of JSON.parse(stdout) as PackResult[]) {
    tarballs.set(p.name, p.filename);
    packedFiles.set(
      p.name,
      p.files.map((f) => f.path),
    );
  }
  expect([...tarballs.keys()].sort()).toEqual(published.map((p) => p.name).sort());
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function tarball(name: string): Buffer {
  const file = tarballs.get(name);
  if (!file) throw new Error(`${name} was not packed`);
  return fs.readFileSync(file);
}

test("every published package is in the list of checked ones", () => {
  expect(published.map((p) => p.name)).toEqual(expect.arrayContaining(INSTALLED));
  expect(published.length).toBeGreaterThanOrEqual(7);
});

describe.each(published)("$name tarball", ({ name }) => {
  test("publint --strict reports nothing", async () => {
    const data = tarball(name);
    const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer;
    const { messages, pkg } = await publint({ pack: { tarball: ab }, strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  });

  test("are-the-types-wrong finds no problem (esm-only profile)", async () => {
    const result = await checkPackage(createPackageFromTarballData(new Uint8Array(tarball(name))));
    expect(result.types, "the package ships its own types").not.toBe(false);
    const problems = "problems" in result ? result.problems : [];
    const relevant = problems.filter(
      (p) => !("resolutionKind" in p) || !ATTW_IGNORED_RESOLUTIONS.has(p.resolutionKind),
    );
    expect(relevant.map((p) => JSON.stringify(p))).toEqual([]);
  });

  test("ships only runtime files: dist, bin, src without tests or test kits, docs", () => {
    const files = packedFiles.get(name) ?? [];
    expect(files).toContain("package.json");
    const extra = files.filter(
      (f) =>
        !/^(dist|bin)\//.test(f) &&
        !(/^src\//.test(f) && !/(\.test|\.script)\.ts$|test-kit|redis-oracle/.test(f)) &&
        !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE)$/.test(f),
    );
    expect(extra).toEqual([]);
  });
});

describe("installed from the tarballs with plain npm into an empty directory", () => {
  let app: string;

  beforeAll(async () => {
    app = path.join(work, "app");
    fs.mkdirSync(app);
    // The tarballs as the app's dependencies (npm resolves a sibling's "^x.y.z" from them);
    // third-party dependencies come from the registry, or npm's cache when it has them.
    const dependencies = Object.fromEntries(INSTALLED.map((n) => [n, `file:${tarballs.get(n)}`]));
    fs.writeFileSync(
      path.join(app, "package.json"),
      `${JSON.stringify({ name: "shoal-consumer", private: true, version: "1.0.0", dependencies }, null, 2)}\n`,
    );
    // Our packages must resolve from the tarballs alone: any registry request for one fails fast.
    fs.writeFileSync(path.join(app, ".npmrc"), "@shoal:registry=http://127.0.0.1:9/\n");
    for (const f of fs.readdirSync(FIXTURES))
      fs.copyFileSync(path.join(FIXTURES, f), path.join(app, f));
    fs.writeFileSync(
      path.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [path.join(ROOT, "node_modules/@types")],
        },
        files: ["index.mts", "index.cts"],
      }),
    );
    await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--prefer-offline",
        "--fetch-retries=0",
        "--loglevel=error",
      ],
      { cwd: app, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
    );
  });

  test("sibling dependencies were rewritten to versions, and the installed tree is valid", async () => {
    const siblings: string[] = [];
    for (const name of INSTALLED) {
      const dir = path.join(app, "node_modules", ...name.split("/"));
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      for (const [dep, range] of Object.entries<string>(pkg.dependencies ?? {})) {
        expect(range, `${name} -> ${dep}`).toMatch(/^[\^~]?\d+\.\d+\.\d+/);
        if (dep.startsWith("@shoal/")) siblings.push(`${name} -> ${dep}@${range}`);
      }
    }
    expect(siblings.length).toBeGreaterThan(0);
    // `npm ls` exits non-zero on a missing dependency or one outside its declared range.
    await run("npm", ["ls", "--all"], { cwd: app, env: cleanEnv() });
  });

  const expected = {
    keySlot: 12182,
    hashTagSlot: [3443, 3443],
    decodedCommands: [["SET", "foo", "bar"], ["PING"]],
    encodedCommand: "*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n",
    replyError: { isRespError: true, message: "ERR wrong" },
    replies: ["OK", 42],
    busRoundTrip: true,
    busError: { isBusProtocolError: true, message: "Bad message signature" },
    clusterMyid: { type: "bulk", value: "8".repeat(40) },
    clusterAddslots: { type: "ok" },
    myselfSlots: ["0-5460"],
    storeRead: "bar",
    storeKeysInSlot: ["foo"],
    restored: "hello",
    crc64: "e9c6d914c4b8d9ca",
    clientPing: "PONG",
    clientEcho: "hi",
    clientError: { isReplyError: true, message: "ERR unknown command 'GET'" },
  };

  async function node(file: string): Promise<Record<string, unknown>> {
    const { stdout } = await run(process.execPath, [file], { cwd: app, env: cleanEnv() });
    return JSON.parse(stdout.trim().split("\n").at(-1) as string);
  }

  test("import from ESM works, and require() in the same process gives the same classes", async () => {
    expect(await node("esm.mjs")).toEqual({
      ...expected,
      sameRespErrorClass: true,
      importedErrorIsRequiredClass: true,
      sameSlotBitmapClass: true,
    });
  });

  test("require from CommonJS works", async () => {
    expect(await node("cjs.cjs")).toEqual(expected);
  });

  test("TypeScript (module nodenext) typechecks ESM and CJS consumers against the shipped types", async () => {
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", "."], {
      cwd: app,
      env: cleanEnv(),
    }).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${result.stdout}${result.stderr}`).toBe("");
  });
});

test("knip: no unused, unlisted or unresolved dependencies in any workspace package", async () => {
  const knip = path.join(ROOT, "node_modules/knip/bin/knip.js");
  const result = await run(process.execPath, [knip, "--no-progress", "--no-config-hints"], {
    cwd: ROOT,
    env: cleanEnv(),
  }).catch((e: { stdout: string; stderr: string }) => e);
  expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
});

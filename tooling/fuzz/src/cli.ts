// pnpm fuzz [--commands N] [--seed S] [--batch B] [--no-shrink]
//   Runs the differential fuzzer (shoal-server vs redis-server 7.0.15) for N commands (default
//   100 000) from seed S (default: from the clock, printed). --batch B replays exactly one batch
//   of seed S, as printed beside every failure. Exit code 1 on any reproducible failure.
import { EXCLUDED, RESTRICTED } from "./generate.js";
import { KNOWN } from "./known.js";
import { RULES } from "./rules.js";
import { runFuzz } from "./run.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(arg("seed") ?? Date.now() % 1_000_000_007);
const batch = arg("batch") !== undefined ? Number(arg("batch")) : undefined;
const commands = Number(arg("commands") ?? 100_000);
const firstBatch = Number(arg("from") ?? 0);

console.log(
  `shoal fuzz: seed ${seed}${batch !== undefined ? ` batch ${batch}` : `, ${commands} commands`}`,
);
console.log(
  `excluded: ${Object.entries(EXCLUDED)
    .map(([k, v]) => `${k} (${v})`)
    .join("; ")}`,
);
console.log(`restricted: ${Object.keys(RESTRICTED).join(", ")}`);
console.log(
  `non-exact rules: ${Object.entries(RULES)
    .map(([k, [r]]) => `${k}=${r}`)
    .join(" ")}`,
);
console.log(`known divergences: ${KNOWN.map((k) => k.id).join(", ")}`);

const sum = await runFuzz({
  seed,
  commands,
  ...(batch !== undefined ? { batch } : {}),
  firstBatch,
  shrink: !process.argv.includes("--no-shrink"),
});
const entries = Object.keys(sum.perEntry).length;
console.log(
  `\ndone: ${sum.commands} commands (${sum.steps} steps, ${sum.batches} batches) in ${sum.seconds.toFixed(1)} s over ${entries} command-table entries; ${sum.failures} failures, ${sum.flaky} flaky`,
);
for (const [why, n] of Object.entries(sum.known)) console.log(`known: ${why}: ${n}`);
for (const f of sum.found)
  console.log(`FAILURE ${f.failure.kind} ${f.failure.entry} x${f.count}: ${f.replay}`);
process.exit(sum.failures > 0 ? 1 : 0);

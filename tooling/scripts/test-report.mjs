// Prints the plain "N passed, N failed, N skipped" line CI reads, from vitest's JSON report.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".vitest/report.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.error(`no vitest report at ${file}: ${err.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const failedSuites = (report.testResults ?? []).filter(
  (r) => r.status === "failed" && (r.assertionResults ?? []).length === 0,
);
for (const s of failedSuites) console.error(`suite failed to run: ${s.name}\n${s.message ?? ""}`);
const failed = report.numFailedTests + failedSuites.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);

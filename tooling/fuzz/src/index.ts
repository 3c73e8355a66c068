export { RawConnection, type StepOutcome } from "./conn.js";
export { type BatchResult, batchRandom, type Failure, type FailureKind, Fuzzer } from "./fuzzer.js";
export { EXCLUDED, RESTRICTED, SAFE_CONFIG, type Step } from "./generate.js";
export { KNOWN } from "./known.js";
export { RULES } from "./rules.js";
export { type RunOptions, type RunSummary, runFuzz } from "./run.js";

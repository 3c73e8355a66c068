import { defineShoalProject } from "@shoal/vitest-config";

// The fuzz suites start their own shoal-server without SHOAL_FAIL_FAST semantics mattering: a
// command's exception is a crash either way (a dead process or an "internal error" reply).
export default defineShoalProject("fuzz", { test: { testTimeout: 180_000 } });

// Masters SIGSTOPped or cut off, nofailover replicas, and random fault schedules (chaos) on 3–4
// master layouts (see schedules.ts).
import { failoverSuite } from "./suite.js";

failoverSuite("masters paused, isolated; nofailover; chaos", [
  ["pause-3x1", 100],
  ["isolate-3x1", 60],
  ["isolate-4x1", 60],
  ["nofailover-3x2", 50],
  ["chaos-3x1", 80],
  ["chaos-4x1", 40],
  ["chaos-3x2", 40],
]);

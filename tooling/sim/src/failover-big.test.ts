// Elections on bigger layouts (20 to 200 nodes): fewer seeds, the same checks.
import { failoverSuite } from "./suite.js";

failoverSuite("big clusters (20, 50, 200 nodes)", [
  ["kill-10x1", 8],
  ["chaos-10x1", 3],
  ["kill-25x1", 2],
  ["kill-100x1-nt3000", 1],
]);

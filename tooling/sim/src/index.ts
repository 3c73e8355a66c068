// @shoal/sim: deterministic cluster simulator (private tooling package).

export { type DriverHooks, NodeDriver } from "./driver.js";
export { fork, mulberry32, type Random, randInt } from "./prng.js";
export {
  allocateSlots,
  type FormOptions,
  type FormResult,
  formCluster,
  type HostileResult,
  hostilePeer,
  replay,
  ScenarioError,
} from "./scenarios.js";
export { Scheduler } from "./scheduler.js";
export { InvariantError, type NetworkFaults, SimNode, type SimOptions, Simulation } from "./sim.js";

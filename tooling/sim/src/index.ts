// @shoal/sim: deterministic cluster simulator (private tooling package).

export { roleSignature, settled, slotDisagreement } from "./convergence.js";
export { type DriverHooks, NodeDriver } from "./driver.js";
export {
  applyEffects,
  type EffectHandlers,
  type EffectOf,
  type EffectTransport,
} from "./effects.js";
export { FaultRun, replayHint, SimFailure } from "./fault-run.js";
export { describeNodes, formReplicatedCluster, type Layout, type LayoutOptions } from "./layout.js";
export { type Cause, FailoverWatch, type NoObligation, type Obligation } from "./liveness.js";
export { fork, mulberry32, type Random, randInt } from "./prng.js";
export { NodeReplication, ReplicationModel } from "./replication.js";
export { type Promotion, SafetyMonitor } from "./safety.js";
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
export {
  type Kind,
  parseScenario,
  runScenario,
  type ScenarioResult,
  type ScenarioSpec,
} from "./schedules.js";
export {
  InvariantError,
  type NetworkFaults,
  SimNode,
  type SimObserver,
  type SimOptions,
  Simulation,
} from "./sim.js";
export { distribution, failoverRows, failoverTable } from "./stats.js";
export { livenessMisses, replayTarget, seedMultiplier, sweep } from "./sweep.js";
export { TraceHash } from "./trace.js";

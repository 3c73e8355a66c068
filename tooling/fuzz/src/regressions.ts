// Every bug the fuzzer found, as the minimal step list that showed it (RESP2 or RESP3). The
// test suite replays each against both servers and expects agreement; the names say what broke.
import type { Step } from "./generate.js";

export interface Regression {
  name: string;
  proto: 2 | 3;
  steps: Step[];
}

const step = (...cmds: string[][]): Step => ({ name: cmds[0]![0]!.toLowerCase(), cmds });

export const REGRESSIONS: Regression[] = [];

export { step };

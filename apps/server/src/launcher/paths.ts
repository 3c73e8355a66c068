// Where the launcher finds the programs it starts (shoal-server's main.js, the fault proxy): in
// dist/ beside the running bundle. Loaded from source (vitest, tsx) the same files are taken
// from the package's dist/, which the build writes.
import { fileURLToPath } from "node:url";

export function distFile(name: string): string {
  const here = import.meta.url;
  if (here.endsWith(".ts")) return fileURLToPath(new URL(`../../dist/${name}`, here));
  return fileURLToPath(new URL(`./${name}`, here));
}

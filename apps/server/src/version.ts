// The package version, read once from package.json (tsup bundles this file into dist/).
import { readFileSync } from "node:fs";

function readVersion(): string {
  try {
    const url = new URL("../package.json", import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

export const SHOAL_VERSION = readVersion();

/** Where the packaged bridge script lives: `<package root>/scripts/exo-bridge.ps1`. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The nearest directory at or above this module holding a package.json (works from src/ and from dist/). */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
}

export function defaultBridgeScriptPath(): string {
  return path.join(packageRoot(), "scripts", "exo-bridge.ps1");
}

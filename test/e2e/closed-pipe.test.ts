/**
 * `mailwarden … | head`: the reader closes the pipe early. The command must neither crash with an unhandled EPIPE
 * nor stop what it was doing: the rest of the output is dropped and it exits with its own exit code.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

const BIN = "dist/cli/bin.js";

function runWithEarlyClose(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Like `head` that has already exited: our end of the pipe is closed before the command writes anything, so its
    // every write meets a pipe with no reader (deterministic, unlike racing a real `head`).
    child.stdout.destroy();
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a closed stdout pipe", () => {
  it("a long output cut by its reader ends with the command's own exit code, no crash", async () => {
    // Two writes (the findings table, then the verdict line), and the catalogue.
    const r = await runWithEarlyClose(["playbooks", "validate", "playbooks/bec-containment.yaml"]);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
    expect(r.code).toBe(0);
    const a = await runWithEarlyClose(["actions", "list"]);
    expect(a.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
    expect(a.code).toBe(0);
  });
});

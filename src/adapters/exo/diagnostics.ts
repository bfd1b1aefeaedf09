/**
 * Bounded capture of what the bridge process wrote outside the protocol: the tail of stderr and stdout lines that
 * were not protocol JSON. Read back through `snapshot(secrets)`, which redacts secrets; never logged raw.
 */
import { redact } from "./errors.js";

export interface BridgeDiagnostics {
  stderr: string;
  stdoutNoise: string[];
}

export class DiagnosticsBuffer {
  private stderr = "";
  private readonly noise: string[] = [];

  constructor(
    private readonly maxStderrChars = 16_384,
    private readonly maxNoiseLines = 50,
    private readonly maxLineChars = 2_048,
  ) {}

  addStderr(chunk: string): void {
    this.stderr += chunk;
    if (this.stderr.length > this.maxStderrChars) this.stderr = this.stderr.slice(-this.maxStderrChars);
  }

  addNoise(line: string): void {
    this.noise.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
    if (this.noise.length > this.maxNoiseLines) this.noise.shift();
  }

  snapshot(secrets: Iterable<string>): BridgeDiagnostics {
    const list = [...secrets];
    return { stderr: redact(this.stderr, list), stdoutNoise: this.noise.map((l) => redact(l, list)) };
  }

  /** The last non-empty stderr line, redacted and shortened, for error messages. */
  lastStderrLine(secrets: Iterable<string>): string {
    const lines = this.stderr.split(/\r?\n/).filter((l) => l.trim().length > 0);
    const last = lines.at(-1) ?? "";
    return redact(last, [...secrets]).slice(0, 300);
  }
}

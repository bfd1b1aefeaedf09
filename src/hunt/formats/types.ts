/**
 * An input format: how a file of it is recognised (from the sniffed head: a CSV header, JSON Lines samples, or "a
 * JSON document"), and how it loads (its mapping into the hunting tables and its loader). The registry (index.ts)
 * tries the definitions of a file's container in order; the first that recognises the file loads it.
 */
import type { Sniffed } from "../adapters/sniff.js";
import type { FormatId } from "../adapters/types.js";
import type { LoadCtx, Plan } from "./pipeline.js";

export type Container = "csv" | "jsonl" | "json";

/** The sniffed head of a file of each container. */
export type HeadOf<C extends Container> = Extract<Sniffed, { kind: C }>;

export interface FormatDefinition<C extends Container = Container> {
  /** The format ids it reports (README.md of src/hunt/adapters lists each with its fingerprint). */
  ids: readonly FormatId[];
  container: C;
  /** Whether a file is of this format, from its head and name. */
  recognise(head: HeadOf<C>, file: string): boolean;
  load(ctx: LoadCtx, file: string, head: HeadOf<C>): Promise<void>;
  /**
   * The records of this kind that JavaScript staged (JSON documents, envelopes), one JSON text per record: the
   * tables they feed and how (see docs.ts `RecordKind`).
   */
  staged?: { kind: "ual" | "signin" | "risk"; plans(): Plan[] };
}

/** Lets a definition keep its container's head type. */
export const defineFormat = <C extends Container>(d: FormatDefinition<C>): FormatDefinition<C> => d;

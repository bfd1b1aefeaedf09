// Types of replicate.mjs, for the smoke test.
export interface Identities {
  ids: Set<string>;
  users: Set<string>;
}
export declare function collectIdentities(jsonlFiles: string[]): Promise<Identities>;
export declare function replicaMask(k: number): number;
export declare function renameHex(v: string, mask: number): string;
export declare function renameUti(v: string, mask: number): string;
export declare function utiToRequestId(uti: string): string;
export type CompiledRecord = (
  string | { text: string; make: (k: number, mask: number, shift: number) => string }
)[];
export declare function compileRecord(record: string, known: Identities): CompiledRecord;
export declare function renderRecord(parts: CompiledRecord, k: number, shiftSeconds: number): string;
export declare function replicaTransform(
  known: Identities,
  k: number,
  shiftSeconds: number,
): (record: string) => string;
export declare function replicaShiftSeconds(k: number): number;
export declare function csvRecords(text: string): string[];
export declare function replicateFile(o: {
  src: string;
  dest: string;
  format: "csv" | "jsonl";
  rows: number;
  known: Identities;
}): Promise<{ rows: number; replicas: number; bytes: number }>;

// Types of data.mjs, for the smoke test.
export declare const FULL_ROWS: { CloudAppEvents: number; EntraIdSignInEvents: number };
export interface TableFile {
  file: string;
  rows: number;
  replicas: number;
  bytes: number;
}
export interface BenchData {
  dir: string;
  recipe: { recipe: number; users: number; days: number; seed: number; rows: Record<string, number> };
  base: string;
  identities: number;
  users: number;
  tables: Record<"CloudAppEvents" | "EntraIdSignInEvents" | "AlertInfo" | "AlertEvidence", TableFile>;
  cached: boolean;
}
export declare function ensureBase(o: {
  root: string;
  cacheDir: string;
  users: number;
  days: number;
  seed: number;
}): Promise<string>;
export declare function ensureData(o: {
  root: string;
  scale: number;
  format: "csv" | "jsonl";
  cacheDir?: string;
  users?: number;
  days?: number;
  seed?: number;
  rows?: { CloudAppEvents: number; EntraIdSignInEvents: number };
  log?: (s: string) => void;
}): Promise<BenchData>;

/**
 * The bridge scripts the stand-in will run, by SHA-256 of the file's bytes → protocol version. The stand-in speaks
 * for a script it has been reviewed against; editing scripts/exo-bridge.ps1 changes its hash, the stand-in then
 * refuses it, and a test names the new hash — so a script change forces a conscious stand-in update.
 */
export const KNOWN_SCRIPTS: Readonly<Record<string, number>> = {
  fee81247f93ad25a982418b66935836e990372fe7275cee61749f146765c88f8: 1,
};

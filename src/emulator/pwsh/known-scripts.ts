/**
 * The bridge scripts the stand-in will run, by SHA-256 of the file's bytes → protocol version. The stand-in speaks
 * for a script it has been reviewed against; editing scripts/exo-bridge.ps1 changes its hash, the stand-in then
 * refuses it, and a test names the new hash — so a script change forces a conscious stand-in update.
 */
export const KNOWN_SCRIPTS: Readonly<Record<string, number>> = {
  be06f32fa698e51f9bc558ba99613b57eb5f4762c41541603e125938b9ad955b: 1,
};

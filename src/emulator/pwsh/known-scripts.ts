/**
 * The bridge scripts the stand-in will run, by SHA-256 of the file's bytes → protocol version. The stand-in speaks
 * for a script it has been reviewed against; editing scripts/exo-bridge.ps1 changes its hash, the stand-in then
 * refuses it, and a test names the new hash — so a script change forces a conscious stand-in update.
 */
export const KNOWN_SCRIPTS: Readonly<Record<string, number>> = {
  "24d04ea99eca3165d21a50f65d2e71c7722d6d15c323b8be5ba8a98b1046c1e6": 1,
};

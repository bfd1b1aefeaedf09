/**
 * The bridge scripts the stand-in will run, by SHA-256 of the file's bytes → protocol version. The stand-in speaks
 * for a script it has been reviewed against; editing scripts/exo-bridge.ps1 changes its hash, the stand-in then
 * refuses it, and a test names the new hash — so a script change forces a conscious stand-in update.
 */
export const KNOWN_SCRIPTS: Readonly<Record<string, number>> = {
  a9a7f7e33e446dc9d89323e6959469063fd628de04fe1ba9255a4634324b2d69: 1,
};

/** The console's escaping is the shared one (src/text/html.ts): reports render attacker text the same way. */
export { escapeHtml, hiddenCharacters, text } from "../text/html.js";

/**
 * HTML escaping for Teams message content. Every string that reaches the message (rule names, addresses, UPNs,
 * summaries) is attacker-influenced: escaped as text, never interpolated raw. The five characters that matter in
 * element content and quoted attributes, `&` first.
 */
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/**
 * A tagged template that escapes every interpolated value (raw HTML only from the literal parts). Not named `html`:
 * prettier would reformat the literal parts as HTML.
 */
export function markup(
  strings: TemplateStringsArray,
  ...values: Array<string | number | SafeHtml>
): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += v instanceof SafeHtml ? v.value : escapeHtml(String(v));
    out += strings[i + 1] ?? "";
  });
  return new SafeHtml(out);
}

/** HTML built by {@link markup}: already escaped, joined without escaping again. */
export class SafeHtml {
  constructor(readonly value: string) {}
  static join(parts: SafeHtml[], sep = ""): SafeHtml {
    return new SafeHtml(parts.map((p) => p.value).join(sep));
  }
  toString(): string {
    return this.value;
  }
}

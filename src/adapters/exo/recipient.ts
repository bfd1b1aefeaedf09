/**
 * Exchange renders rule recipients (ForwardTo, RedirectTo, From, SentTo…) as `"Display Name" [SMTP:addr]` for SMTP
 * recipients and `"Display Name" [EX:/o=ExchangeLabs/…/cn=…]` for recipients inside the organisation, which carry no
 * SMTP address (apis.md B2). This splits one such string; anything else comes back as `kind: "unknown"`.
 */
export type ExoRecipient =
  | { kind: "smtp"; name: string; address: string }
  | { kind: "ex"; name: string; legacyExchangeDn: string }
  | { kind: "unknown"; raw: string };

/** Names are not escaped by Exchange [I]: the name is everything between the first `"` and the last `" [`. */
const RENDERED = /^"([\s\S]*)" \[(SMTP|EX):([^\]]*)\]$/i;

export function parseExoRecipient(raw: string): ExoRecipient {
  const match = RENDERED.exec(raw);
  if (!match) return { kind: "unknown", raw };
  const name = match[1] ?? "";
  const value = match[3] ?? "";
  return (match[2] ?? "").toUpperCase() === "SMTP"
    ? { kind: "smtp", name, address: value }
    : { kind: "ex", name, legacyExchangeDn: value };
}

import { X509Certificate, createHash } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCa, issueClientCertificate, issueServerCert, type CaMaterial } from "../../src/emulator/ca.js";

describe("ca", () => {
  let dir = "";
  let ca: CaMaterial;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mw-ca-"));
    ca = await ensureCa(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates a 10-year CA with a 0600 key, and loads it on the next call", async () => {
    const cert = new X509Certificate(ca.caCertPem);
    expect(cert.subject).toContain("CN=mailwarden emulated tenant CA");
    expect(cert.ca).toBe(true);
    const years = (Date.parse(cert.validTo) - Date.now()) / (365 * 86_400_000);
    expect(years).toBeGreaterThan(9);
    expect((await stat(path.join(dir, "ca-key.pem"))).mode & 0o777).toBe(0o600);
    const again = await ensureCa(dir);
    expect(again.caCertPem).toBe(ca.caCertPem);
    expect(again.caFile).toBe(path.join(dir, "ca.pem"));
  });

  it("creates one CA when called concurrently", async () => {
    const d = await mkdtemp(path.join(tmpdir(), "mw-ca2-"));
    try {
      const [a, b] = await Promise.all([ensureCa(d), ensureCa(d)]);
      expect(a.caCertPem).toBe(b.caCertPem);
      expect(a.caKeyPem).toBe(b.caKeyPem);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it("issues a server certificate for DNS and IP SANs, signed by the CA", () => {
    const server = issueServerCert(ca, ["localhost", "127.0.0.1", "::1"]);
    const cert = new X509Certificate(server.certPem);
    expect(cert.verify(new X509Certificate(ca.caCertPem).publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain("DNS:localhost");
    expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(cert.checkIP("::1")).toBe("::1");
    expect(cert.checkHost("evil.example")).toBeUndefined();
  });

  it("issues a self-signed client certificate with x5t / x5t#S256 thumbprints", () => {
    const c = issueClientCertificate("responder");
    const cert = new X509Certificate(c.certPem);
    expect(cert.subject).toContain("CN=responder");
    expect(c.pemBundle).toContain("BEGIN CERTIFICATE");
    expect(c.pemBundle).toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    expect(c.thumbprintSha1Base64Url).toBe(createHash("sha1").update(cert.raw).digest("base64url"));
    expect(c.thumbprintSha256Base64Url).toBe(createHash("sha256").update(cert.raw).digest("base64url"));
    expect(cert.fingerprint.replaceAll(":", "")).toBe(
      Buffer.from(c.thumbprintSha1Base64Url, "base64url").toString("hex").toUpperCase(),
    );
  });
});

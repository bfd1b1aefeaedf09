/**
 * Certificates for the emulated tenant: a local CA (trusted by tests through NODE_EXTRA_CA_CERTS), the HTTPS
 * server certificate it issues, and self-signed client certificates (what an Entra app registration holds).
 * RSA keys come from node-forge's keygen, which delegates to Node's native crypto when available.
 */
import { X509Certificate, createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { isIP } from "node:net";
import forge from "node-forge";

export interface CaMaterial {
  caFile: string;
  caCertPem: string;
  caKeyPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface ClientCertificate extends IssuedCertificate {
  /** Certificate then private key: the PEM file ClientCertificateCredential takes. */
  pemBundle: string;
  /** base64url(SHA-1(DER)): the JWT `x5t` header value. */
  thumbprintSha1Base64Url: string;
  /** base64url(SHA-256(DER)): the JWT `x5t#S256` header value. */
  thumbprintSha256Base64Url: string;
}

const CA_CN = "mailwarden emulated tenant CA";
const DAY_MS = 24 * 60 * 60 * 1000;

function generateRsaKeys(): forge.pki.rsa.KeyPair {
  // Without a callback forge uses crypto.generateKeyPairSync when running on Node.
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

function serialNumber(): string {
  // Positive serial: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}

function sign(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): void {
  cert.sign(key, forge.md.sha256.create());
}

function createCa(): { caCertPem: string; caKeyPem: string } {
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, 3650);
  const subject = [{ name: "commonName", value: CA_CN }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  sign(cert, keys.privateKey);
  return {
    caCertPem: forge.pki.certificateToPem(cert),
    caKeyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await exists(file))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file} (stale ${file}.lock?)`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Creates `dir/ca.pem` and `dir/ca-key.pem` (0600) when absent, else loads them. Safe when several processes call
 * it at once: one creates (under a lock directory), the others wait for `ca.pem`, which is written last.
 */
export async function ensureCa(dir: string): Promise<CaMaterial> {
  const caFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "ca-key.pem");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await exists(caFile))) {
    const lock = `${caFile}.lock`;
    let locked = false;
    try {
      await mkdir(lock);
      locked = true;
    } catch {
      await waitFor(caFile, 30_000);
    }
    if (locked) {
      try {
        if (!(await exists(caFile))) {
          const { caCertPem, caKeyPem } = createCa();
          await writeFile(keyFile, caKeyPem, { mode: 0o600 });
          const tmp = `${caFile}.${process.pid}.tmp`;
          await writeFile(tmp, caCertPem, { mode: 0o644 });
          await rename(tmp, caFile);
        }
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
  }
  const [caCertPem, caKeyPem] = await Promise.all([readFile(caFile, "utf8"), readFile(keyFile, "utf8")]);
  return { caFile, caCertPem, caKeyPem };
}

/** A server certificate signed by the CA, with DNS SANs for names and IP SANs for addresses. */
export function issueServerCert(
  ca: Pick<CaMaterial, "caCertPem" | "caKeyPem">,
  hosts: string[],
): IssuedCertificate {
  const caCert = forge.pki.certificateFromPem(ca.caCertPem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, 365);
  cert.setSubject([{ name: "commonName", value: hosts[0] ?? "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
    },
  ]);
  sign(cert, caKey);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

function thumbprint(certPem: string, algorithm: "sha1" | "sha256"): string {
  return createHash(algorithm).update(new X509Certificate(certPem).raw).digest("base64url");
}

/** base64url SHA-1 and SHA-256 thumbprints of a PEM certificate's DER encoding (x5t, x5t#S256). */
export function certificateThumbprints(certPem: string): { sha1: string; sha256: string } {
  return { sha1: thumbprint(certPem, "sha1"), sha256: thumbprint(certPem, "sha256") };
}

/** A self-signed certificate such as an app registration holds (valid ~2 years). `subject` is the CN. */
export function issueClientCertificate(subject: string): ClientCertificate {
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, 730);
  const name = [{ name: "commonName", value: subject }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", clientAuth: true },
  ]);
  sign(cert, keys.privateKey);
  const certPem = forge.pki.certificateToPem(cert);
  const keyPem = forge.pki.privateKeyToPem(keys.privateKey);
  const { sha1, sha256 } = certificateThumbprints(certPem);
  return {
    certPem,
    keyPem,
    pemBundle: certPem + keyPem,
    thumbprintSha1Base64Url: sha1,
    thumbprintSha256Base64Url: sha256,
  };
}

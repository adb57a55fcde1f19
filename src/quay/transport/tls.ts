import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { ConfigError } from "../../errors";

export interface TlsSettings {
  /** Trusted roots: Node's bundled roots plus the lab's CA bundle, when one is given. */
  readonly ca: readonly string[] | undefined;
  readonly rejectUnauthorized: boolean;
}

/**
 * TLS options for connections to Quay (and to an HTTPS proxy).
 *
 * A `caFile` is *added* to Node's bundled roots rather than replacing them: a lab's bundle often
 * holds only its internal CA, while a proxy on the way may present a public certificate.
 * `insecureSkipTlsVerify` must be asked for explicitly and is never implied by a missing CA.
 */
export function tlsSettings(opts: {
  caFile?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
}): TlsSettings {
  let ca: string[] | undefined;
  if (opts.caFile !== undefined && opts.caFile !== "") {
    let pem: string;
    try {
      pem = readFileSync(opts.caFile, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read the Quay CA bundle ${opts.caFile}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigError(`the Quay CA bundle ${opts.caFile} holds no PEM certificate`);
    }
    ca = [...rootCertificates, pem];
  }
  return { ca, rejectUnauthorized: opts.insecureSkipTlsVerify !== true };
}

/** TLS error codes, for a hint that names `caFile` / `insecureSkipTlsVerify`. */
const TLS_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
]);

export function isTlsVerificationCode(code: string | undefined): boolean {
  return code !== undefined && TLS_CODES.has(code);
}

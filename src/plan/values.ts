/**
 * Values as they come out of the engine's events, made safe to show and to hash.
 *
 * The engine's JSON events (Automation API `onEvent`) carry resource inputs and outputs with secrets
 * already blinded: a secret is the object `{ "4dabf18193072939515e22adb298388d":
 * "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]" }` (Pulumi's secret signature; checked on
 * CLI v3.259.0 with the mirror password and the robot token). `sanitize` turns every such object into the
 * string `[secret]`, so no renderer ever has to know the shape. Values still unknown during a preview
 * arrive as Pulumi's unknown sentinel and become `(known after apply)`.
 *
 * Pure: no I/O.
 */

/** Pulumi's special-signature key (sdk/nodejs/runtime/rpc.ts `specialSigKey`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** Signature of a secret value. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Signatures of assets and archives: never expected from our providers, shown as a placeholder. */
const ASSET_SIGS = new Set(["c44067f5952c0a294b673a41bacd8c17", "0def7320c3a5731c473e5ecbe6d01bc7"]);
/** The value Pulumi sends for inputs not known yet during a preview (docs/pulumi-engine.md#inputs-and-outputs). */
const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SECRET_TEXT = "[secret]";

/**
 * The plaintext of a secret in a decrypted state export (`pulumi stack export --show-secrets`:
 * `{ <sig>: <secret sig>, plaintext: "<JSON>" }`), a plain string as it is, else undefined.
 */
export function secretPlaintext(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (!v || typeof v !== "object" || (v as Record<string, unknown>)[SIG_KEY] !== SECRET_SIG) return undefined;
  const p = (v as { plaintext?: unknown }).plaintext;
  if (typeof p !== "string") return undefined;
  try {
    const s = JSON.parse(p) as unknown;
    return typeof s === "string" ? s : undefined;
  } catch {
    return undefined;
  }
}
export const UNKNOWN_TEXT = "(known after apply)";

/** A JSON value with secrets replaced by `[secret]`. */
export type PlanValue = null | boolean | number | string | PlanValue[] | { [key: string]: PlanValue };

/**
 * Deep copy with secrets, assets and unknowns replaced by placeholder strings, object keys sorted, and
 * `undefined` members dropped. Anything that is not JSON (functions, symbols) becomes null.
 */
export function sanitize(value: unknown): PlanValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value === UNKNOWN_SENTINEL ? UNKNOWN_TEXT : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map(sanitize);
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const sig = obj[SIG_KEY];
    if (sig === SECRET_SIG) return SECRET_TEXT;
    if (typeof sig === "string") return ASSET_SIGS.has(sig) ? "[asset]" : SECRET_TEXT;
    const out: { [key: string]: PlanValue } = {};
    for (const key of Object.keys(obj).sort()) {
      const v = obj[key];
      if (v !== undefined) out[key] = sanitize(v);
    }
    return out;
  }
  return null;
}

/** Whether a sanitized value is (or holds) a secret placeholder. */
export function isSecret(value: PlanValue | undefined): boolean {
  if (value === SECRET_TEXT) return true;
  if (Array.isArray(value)) return value.some(isSecret);
  if (value && typeof value === "object") return Object.values(value).some(isSecret);
  return false;
}

/** JSON with object keys sorted at every level: the canonical form the checksum hashes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Structural equality of two sanitized values (absent equals null). */
export function sameValue(a: PlanValue | undefined, b: PlanValue | undefined): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** Byte-wise string order (no locale): the same order on every machine. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Replaces every occurrence of the given plaintext secrets in a text. The last line of defence for
 * anything the CLI writes: the engine's events never carry plaintext secrets above debug level, but a
 * provider message or an engine error might quote one.
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  const list = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of list) out = out.split(s).join(SECRET_TEXT);
  return out;
}

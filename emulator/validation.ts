import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { invalidRequest, MessageError, WERKZEUG } from "./errors";

/** Name rules of docs/quay-api.md#names (util/validation.py, data/model/team.py, util/names.py). */
export const USERNAME_REGEX = "^([a-z0-9]+(?:[._-][a-z0-9]+)*)$";
const USERNAME_RE = new RegExp(USERNAME_REGEX);
const REPO_EXTENDED_RE = /^(?=.{0,255}$)[a-z0-9][.a-z0-9_-]*(?:\/[a-z0-9][.a-z0-9_-]*)*$/;
const REPO_RE = /^[a-z0-9][.a-z0-9_-]{0,254}$/;

/** validate_username: `[ok, issue]`; the regex is checked before the length, as Quay does. */
export function validateUsername(name: string): string | undefined {
  if (!USERNAME_RE.test(name)) return `Namespace must match expression ${USERNAME_REGEX}`;
  if (name.length < 2 || name.length > 255) return "Namespace must be between 2 and 255 characters in length";
  return undefined;
}

export function validateTeamName(name: string): string | undefined {
  if (!USERNAME_RE.test(name)) return `Namespace must match expression ${USERNAME_REGEX}`;
  if (name.length < 2 || name.length > 255) return "Team must be between 2 and 255 characters in length";
  return undefined;
}

export function validRepositoryName(name: string, extended: boolean): boolean {
  return (extended ? REPO_EXTENDED_RE : REPO_RE).test(name);
}

/** util/validation.validate_email. */
export function validEmail(email: unknown): email is string {
  if (typeof email !== "string" || email.length === 0 || email.length > 254) return false;
  const parts = email.split("@");
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  if (!local || !domain) return false;
  const labels = domain.split(".");
  return labels.length >= 2 && labels.every((l) => l.length > 0);
}

/** util/validation.validate_password: at least 8 characters, no whitespace. */
export function validPassword(password: unknown): boolean {
  return typeof password === "string" && !/\s/.test(password) && password.length > 7;
}

export const INVALID_PASSWORD_MESSAGE =
  "Invalid password, password must be at least 8 characters and contain no whitespace.";

// --- JSON bodies ---------------------------------------------------------------------------------

/** Werkzeug's `Request.is_json`: `application/json` or `application/*+json`. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false };

export function parseJson(raw: Buffer): ParsedBody {
  if (raw.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

// Draft 7 like Quay's jsonschema; Quay's schemas carry draft-4 leftovers such as "id".
const ajv = new Ajv({ strict: false, allErrors: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** A Python repr of a JSON value, for messages in jsonschema's style. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
    .join(", ")}}`;
}

function at(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const part of pointer.split("/").slice(1)) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

/** Renders the first error the way `str(jsonschema.ValidationError)` starts (tests never compare it). */
function schemaMessage(error: ErrorObject, data: unknown): string {
  const value = at(data, error.instancePath);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `'${String(p.missingProperty)}' is a required property`;
    case "type": {
      const types = Array.isArray(p.type) ? p.type : String(p.type).split(",");
      return types.length === 1
        ? `${pyRepr(value)} is not of type '${types[0]}'`
        : `${pyRepr(value)} is not of type ${types.map((t) => `'${t}'`).join(", ")}`;
    }
    case "enum":
      return `${pyRepr(value)} is not one of ${pyRepr(p.allowedValues)}`;
    case "minimum":
      return `${pyRepr(value)} is less than the minimum of ${String(p.limit)}`;
    case "maxLength":
      return `${pyRepr(value)} is too long`;
    case "pattern":
      return `${pyRepr(value)} does not match ${pyRepr(p.pattern)}`;
    case "additionalProperties":
      return `Additional properties are not allowed (${pyRepr(p.additionalProperty)} was unexpected)`;
    case "oneOf":
      return p.passingSchemas
        ? `${pyRepr(value)} is valid under each of the given schemas`
        : `${pyRepr(value)} is not valid under any of the given schemas`;
    case "not":
      return `${pyRepr(value)} should not be valid under {}`;
    default:
      return `${pyRepr(value)} is invalid: ${error.message ?? error.keyword}`;
  }
}

/** Throws the 400 ApiException of validate_json_request when `data` does not satisfy `schema`. */
export function assertSchema(schema: object, data: unknown): void {
  const v = validator(schema);
  if (v(data)) return;
  const first = v.errors?.[0];
  throw invalidRequest(first ? schemaMessage(first, data) : "Invalid request body");
}

/**
 * `@validate_json_request(schema)` (docs/quay-api.md#requests): no JSON content type → 415; empty or
 * malformed JSON → 400 `{"message"}`; literal `null` → 400 "Missing JSON body"; schema failure → 400.
 */
export function requireJsonBody(contentType: string | undefined, raw: Buffer, schema: object): unknown {
  if (!isJsonContentType(contentType)) throw new MessageError(415, WERKZEUG.unsupportedMediaType);
  const parsed = parseJson(raw);
  if (!parsed.ok) throw new MessageError(400, WERKZEUG.badRequest);
  if (parsed.value === null) throw invalidRequest("Missing JSON body");
  assertSchema(schema, parsed.value);
  return parsed.value;
}

/** `@validate_json_request(schema, optional=True)`: `get_json(silent=True)`; nothing usable → `undefined`. */
export function optionalJsonBody(contentType: string | undefined, raw: Buffer, schema: object): unknown {
  if (!isJsonContentType(contentType)) return undefined;
  const parsed = parseJson(raw);
  if (!parsed.ok || parsed.value === null) return undefined;
  assertSchema(schema, parsed.value);
  return parsed.value;
}

/** util/parsing.truthy_bool: everything is true except a few spellings of false (an absent arg: default). */
export function truthyBool(value: string | null, fallback: boolean): boolean {
  if (value === null) return fallback;
  return !["false", "False", "0", "FALSE", "", "null"].includes(value);
}

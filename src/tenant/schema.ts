/**
 * Stage 2: the JSON Schemas in schemas/ checked with ajv (allErrors), every error mapped back to the
 * file, line and column it is about, in words a tenant author understands.
 */
import type { ErrorObject } from "ajv";
import type { DiagnosticBag, DiagnosticCode } from "./diagnostics";
import { didYouMean } from "./suggest";
import { registry as validateRegistry, tenant as validateTenant } from "./validators.generated";
import type { PathSegment, YamlFile } from "./yaml";

export type SchemaKind = "tenant" | "registry";

interface SchemaNode {
  properties?: Record<string, unknown>;
  patternErrorMessage?: string;
  errorMessage?: string;
  "x-code"?: DiagnosticCode;
}

/** ajv's standalone validators: the errors of the last call are on the function. */
interface Validate {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/*
 * Compiled ahead of time (validators.generated.ts, ajv allErrors): compiling the schemas at run time
 * cost more than validating 200 files.
 */
const validators: Record<SchemaKind, Validate> = {
  tenant: validateTenant as unknown as Validate,
  registry: validateRegistry as unknown as Validate,
};

/** Validates a parsed file against its schema; reports every error. True when the file is valid. */
export function checkSchema(kind: SchemaKind, f: YamlFile, bag: DiagnosticBag): boolean {
  const validate = validators[kind];
  if (validate(f.value)) return true;
  const errors = collapseAlternatives(validate.errors ?? []);
  for (const e of errors) report(e, f, bag);
  return false;
}

/** The value at a path of the document (what the error is about). */
function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (const seg of path)
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/**
 * A failed `oneOf` also reports why each alternative failed ("must have required property 'user'",
 * "... 'robot'"). One message saying what is expected reads better: keep the oneOf error only.
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  return errors.filter(
    (e) =>
      !alternatives.some(
        (a) => a !== e && a.instancePath === e.instancePath && e.schemaPath.startsWith(`${a.schemaPath}/`),
      ),
  );
}

const SECRET_KEYS = new Set([
  "password",
  "passwd",
  "pass",
  "secret",
  "token",
  "apikey",
  "apitoken",
  "accesstoken",
]);

/** Fields that reference a secret (`{env}` / `{config}`): a value there may be the secret itself. */
const SECRET_REFS = new Set(["passwordFrom", "urlFrom"]);

function report(e: ErrorObject, f: YamlFile, bag: DiagnosticBag): void {
  const path = pointerToPath(e.instancePath);
  // Generated with ajv's verbose option: the failed schema node, where our annotations live.
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const data = valueAt(f.value, path);
  const at = (p: readonly PathSegment[], target: "key" | "value" = "value") => f.locator.at(p, target);
  const where = (p: readonly PathSegment[]) => (p.length ? `${readablePath(p)}: ` : "");
  const params = e.params as Record<string, unknown>;
  const secretField = SECRET_REFS.has(String(path[path.length - 1]));

  switch (e.keyword) {
    case "additionalProperties": {
      const prop = String(params.additionalProperty);
      const full = [...path, prop];
      const folded = prop.toLowerCase().replace(/[-_]/g, "");
      if (SECRET_KEYS.has(folded)) {
        // A notification's secret is its URL; everything else's is a password.
        const ref = path.includes("notifications") ? "urlFrom" : "passwordFrom";
        bag.error(
          "QG_TENANT_INLINE_SECRET",
          f.file,
          at(full, "key"),
          `${readablePath(full)}: secrets are never written in tenant files (they would sit in Git forever); remove "${prop}" and reference the secret with ${ref}: {env: NAME} or ${ref}: {config: key}`,
        );
        return;
      }
      if (prop === "<<") {
        bag.error(
          "QG_TENANT_UNKNOWN_FIELD",
          f.file,
          at(full, "key"),
          `${where(path)}merge keys (<<) are YAML 1.1 and not supported; write the fields out`,
        );
        return;
      }
      const allowed = Object.keys(parent.properties ?? {});
      const hint = didYouMean(prop, allowed);
      bag.error(
        "QG_TENANT_UNKNOWN_FIELD",
        f.file,
        at(full, "key"),
        `${where(path)}unknown field "${prop}"${hint || (allowed.length ? `; allowed here: ${allowed.join(", ")}` : "")}`,
      );
      return;
    }
    case "required":
      bag.error(
        "QG_TENANT_SCHEMA",
        f.file,
        at(path),
        `${where(path)}missing required field "${String(params.missingProperty)}"`,
      );
      return;
    case "oneOf":
    case "anyOf":
    case "minProperties":
    case "maxProperties":
      bag.error(
        "QG_TENANT_SCHEMA",
        f.file,
        at(path),
        `${where(path)}${parent.errorMessage ?? e.message ?? "is not valid"}`,
      );
      return;
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof data === "string" ? didYouMean(data, allowed) : "";
      bag.error(
        "QG_TENANT_SCHEMA",
        f.file,
        at(path),
        `${where(path)}${show(data)} is not one of ${allowed.join(", ")}${hint}`,
      );
      return;
    }
    case "const":
      bag.error(
        "QG_TENANT_SCHEMA",
        f.file,
        at(path),
        `${where(path)}must be ${JSON.stringify(params.allowedValue)}${data === undefined ? "" : `, not ${show(data)}`}`,
      );
      return;
    case "type": {
      const expected = String(params.type).split(",").map(typeWord).join(" or ");
      if (secretField) {
        // Never echo the value: a passwordFrom written as a string is most likely the password itself.
        bag.error(
          "QG_TENANT_INLINE_SECRET",
          f.file,
          at(path),
          `${where(path)}must be {env: NAME} or {config: key}: a reference to the secret, never the secret itself`,
        );
        return;
      }
      const got = data === null ? "empty" : Array.isArray(data) ? "a list" : typeof data;
      const quote =
        String(params.type).startsWith("string") && (typeof data === "number" || typeof data === "boolean")
          ? ` (YAML reads ${show(data)} as a ${typeof data}; put it in quotes for text)`
          : "";
      bag.error(
        "QG_TENANT_SCHEMA",
        f.file,
        at(path),
        `${where(path)}must be ${expected}, but is ${got === "empty" ? "empty" : got === "a list" ? got : `a ${got}`}${quote}`,
      );
      return;
    }
    case "minItems":
      bag.error(
        "QG_TENANT_SCHEMA",
        f.file,
        at(path),
        `${where(path)}must list at least ${String(params.limit)} item${params.limit === 1 ? "" : "s"}`,
      );
      return;
    case "uniqueItems": {
      const j = Number(params.j);
      const i = Number(params.i);
      const dupAt = [...path, Math.max(i, j)];
      bag.error(
        "QG_TENANT_DUPLICATE",
        f.file,
        at(dupAt),
        `${readablePath(dupAt)}: duplicate of item ${Math.min(i, j) + 1} of ${readablePath(path)}`,
      );
      return;
    }
    default: {
      const code: DiagnosticCode = parent["x-code"] ?? "QG_TENANT_SCHEMA";
      // A value under passwordFrom or urlFrom may be a pasted secret: never echo it.
      const value = path.some((p) => SECRET_REFS.has(String(p))) ? "the value" : show(data);
      const text =
        parent.patternErrorMessage && ["pattern", "minLength", "maxLength"].includes(e.keyword)
          ? `${value} is not ${parent.patternErrorMessage}`
          : (e.message ?? "is not valid");
      bag.error(code, f.file, at(path), `${where(path)}${text}`);
    }
  }
}

function typeWord(t: string): string {
  switch (t) {
    case "object":
      return "a mapping (key: value)";
    case "array":
      return "a list";
    case "integer":
      return "a whole number";
    case "boolean":
      return "true or false";
    case "null":
      return "empty";
    default:
      return `a ${t}`;
  }
}

/** A value quoted for a message, cut short: messages land in CI logs and PR comments. */
export function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/** `spec.teams[0].members[1].user`. */
export function readablePath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

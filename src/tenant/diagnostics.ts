/**
 * Diagnostics of the tenant and registry files. Every problem found in one run is collected (never
 * thrown) so `validate` can list all of them at once, sorted by file and line (docs/design.md#designs-we-borrowed).
 * Callers branch on `code`, which is stable; the message is for people and may change.
 */

export type Severity = "error" | "warning" | "notice";

/**
 * Stable codes. Documented, with an example each, in docs/tenants.md ("Diagnostic codes").
 * The same codes apply to tenant files and to the registry file; QG_REGISTRY_* only to the latter.
 */
export const DIAGNOSTIC_CODES = {
  /** A file or folder cannot be read (missing tenants folder, unreadable file). */
  QG_TENANT_IO: "file or folder cannot be read",
  /** The file is larger than 1 MiB. */
  QG_TENANT_FILE_TOO_LARGE: "file larger than 1 MiB",
  /** Invalid UTF-8, a byte order mark other than UTF-8's, or a control character. */
  QG_TENANT_ENCODING: "not UTF-8 text",
  /** YAML syntax error, or a YAML feature we refuse (tags, a YAML 1.1 directive). */
  QG_TENANT_YAML: "YAML syntax",
  /** The same key twice in one mapping. */
  QG_TENANT_DUPLICATE_KEY: "duplicate key",
  /** More than one YAML document (`---`) in one file. */
  QG_TENANT_MULTIPLE_DOCUMENTS: "several documents in one file",
  /** Aliases that expand into too many nodes (a "billion laughs" file). */
  QG_TENANT_ALIAS: "aliases expand too much",
  /** The file holds no document at all. */
  QG_TENANT_EMPTY: "empty file",
  /** The document does not match the JSON Schema (type, enum, required field, format...). */
  QG_TENANT_SCHEMA: "schema violation",
  /** A field the schema does not know, usually a typo ("did you mean ..."). */
  QG_TENANT_UNKNOWN_FIELD: "unknown field",
  /** A secret written inline (`password:`) instead of referenced with `passwordFrom`. */
  QG_TENANT_INLINE_SECRET: "inline secret",
  /** A name Quay would refuse (docs/quay-api.md#names). */
  QG_TENANT_NAME: "illegal name",
  /** File name and metadata.name differ, or a tenant file with a wrong extension. */
  QG_TENANT_FILE_NAME: "file name does not match metadata.name",
  /** The same organization, user, robot, team, repository, permission or policy declared twice. */
  QG_TENANT_DUPLICATE: "declared twice",
  /** A user, robot or team that is referenced but not declared. */
  QG_TENANT_REFERENCE: "unknown reference",
  /** A robot or team of another organization, or a mirror of another tenant's images. */
  QG_TENANT_CROSS_ORG: "reaches into another organization",
  /** An organization or user name (or a quota) that the registry file does not allow this tenant. */
  QG_TENANT_RESTRICTED: "not allowed for this tenant",
  /** A quota size or percentage that does not parse or is out of range, or warningAt >= rejectAt. */
  QG_TENANT_QUOTA: "bad quota",
  /** A duration that does not parse or is out of range. */
  QG_TENANT_DURATION: "bad duration",
  /** A date (`expires`) that does not parse. */
  QG_TENANT_DATE: "bad date",
  /** An organization tagExpiration the registry does not allow. */
  QG_TENANT_TAG_EXPIRATION: "tag expiration not allowed",
  /** A Quay feature the registry file says is off (a mirror without FEATURE_REPO_MIRROR...). */
  QG_TENANT_FEATURE: "Quay feature disabled",
  /** `users:` declared while the registry's users come from LDAP/OIDC. */
  QG_TENANT_EXTERNAL_USERS: "users are external",
  /** A team `syncFrom` the registry cannot serve (no directory), a user member of a synced team, a malformed group. */
  QG_TENANT_TEAM_SYNC: "team sync not possible",
  /** A tenant declares what the registry baseline already adds (same team name). */
  QG_TENANT_BASELINE_CONFLICT: "conflicts with the registry baseline",
  /**
   * A notification whose settings do not fit its method or event (a Slack notification without
   * urlFrom, days on a push event, a robot as the one to notify), or that can never fire (warning).
   */
  QG_TENANT_NOTIFICATION: "notification settings do not fit",
  /**
   * An immutability policy Quay would refuse (a pattern that is no regular expression, over 256
   * characters), or one in an organization that is also a proxy cache.
   */
  QG_TENANT_IMMUTABILITY: "immutability policy refused",
  /** A public repository without `allowPublic: true`: apply will refuse it (warning). */
  QG_TENANT_PUBLIC: "public repository not acknowledged",
  /** Notice: an `expires` entry in the past was dropped. */
  QG_TENANT_EXPIRED: "expired entry dropped",
  /** The registry file is missing. */
  QG_REGISTRY_MISSING: "registry file missing",
  /** A rule of the registry file itself (baseline, restrictions, defaults) is broken. */
  QG_REGISTRY_INVALID: "registry file inconsistent",
  /** A bug in quay-gitops: a check threw. The message carries the exception. */
  QG_TENANT_INTERNAL: "internal error",
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  /** Path relative to the project root (or the Git tree), with `/` separators. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters (UTF-16 code units, as editors count). */
  column: number;
  message: string;
}

export interface Position {
  line: number;
  column: number;
}

/** Collects diagnostics of one run; stages add to it, nobody throws. */
export class DiagnosticBag {
  private readonly items: Diagnostic[] = [];

  add(severity: Severity, code: DiagnosticCode, file: string, pos: Position, message: string): void {
    this.items.push({ severity, code, file, line: pos.line, column: pos.column, message });
  }
  error(code: DiagnosticCode, file: string, pos: Position, message: string): void {
    this.add("error", code, file, pos, message);
  }
  warning(code: DiagnosticCode, file: string, pos: Position, message: string): void {
    this.add("warning", code, file, pos, message);
  }
  notice(code: DiagnosticCode, file: string, pos: Position, message: string): void {
    this.add("notice", code, file, pos, message);
  }
  hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
  /** Sorted by file, line, column, then severity and code; exact duplicates removed. */
  sorted(): Diagnostic[] {
    return sortDiagnostics(this.items);
  }
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    cmp(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    severityRank[a.severity] - severityRank[b.severity] ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

export function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  let prev: Diagnostic | undefined;
  for (const d of [...items].sort(compareDiagnostics)) {
    if (prev && compareDiagnostics(prev, d) === 0) continue;
    out.push(d);
    prev = d;
  }
  return out;
}

/** Code-point order, not locale order: the same on every machine. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface DiagnosticCounts {
  errors: number;
  warnings: number;
  notices: number;
}

export function countDiagnostics(items: readonly Diagnostic[]): DiagnosticCounts {
  const c = { errors: 0, warnings: 0, notices: 0 };
  for (const d of items) {
    if (d.severity === "error") c.errors++;
    else if (d.severity === "warning") c.warnings++;
    else c.notices++;
  }
  return c;
}

/** Helpers shared by the rule stages: reporting against a path of one file, and defensive reads. */
import type { DiagnosticBag, DiagnosticCode, Position } from "./diagnostics";
import { readablePath } from "./schema";
import { parsePercent, parseSize, SIZE_PATTERN } from "./units";
import type { PathSegment, YamlFile } from "./yaml";

export type Path = readonly PathSegment[];

/** One file as seen by a rule: report at a path, and the path is turned into a line and column. */
export class FileScope {
  constructor(
    readonly yaml: YamlFile,
    private readonly bag: DiagnosticBag,
  ) {}

  get file(): string {
    return this.yaml.file;
  }
  at(path: Path, target: "key" | "value" = "value"): Position {
    return this.yaml.locator.at(path, target);
  }
  line(path: Path): number {
    return this.at(path).line;
  }
  error(code: DiagnosticCode, path: Path, message: string, target: "key" | "value" = "value"): void {
    this.bag.error(code, this.file, this.at(path, target), prefixed(path, message));
  }
  warning(code: DiagnosticCode, path: Path, message: string, target: "key" | "value" = "value"): void {
    this.bag.warning(code, this.file, this.at(path, target), prefixed(path, message));
  }
  notice(code: DiagnosticCode, path: Path, message: string, target: "key" | "value" = "value"): void {
    this.bag.notice(code, this.file, this.at(path, target), prefixed(path, message));
  }
}

function prefixed(path: Path, message: string): string {
  return path.length ? `${readablePath(path)}: ${message}` : message;
}

/*
 * Rules run on every file that parsed, valid against its schema or not, so one run reports both
 * kinds of mistakes. These readers return undefined (or []) for anything of the wrong shape instead
 * of throwing; the schema stage has already reported the shape.
 */
export function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
export function get(v: unknown, ...keys: string[]): unknown {
  let cur: unknown = v;
  for (const k of keys) cur = obj(cur)?.[k];
  return cur;
}

/**
 * Checks a quota block (tenant `spec.quota` or registry `defaults.quota`): sizes and percentages
 * parse, and the warning comes before the rejection. Returns the limit in bytes when it parses.
 */
export function checkQuota(scope: FileScope, quota: unknown, path: Path): number | undefined {
  const q = obj(quota);
  if (!q) return undefined;
  let bytes: number | undefined;
  if (q.limit !== undefined) {
    const size = parseSize(q.limit);
    if (size.ok) bytes = size.value;
    else if (
      // Only what the schema accepted: its own errors (format, type, < 1) are already reported.
      (typeof q.limit === "number" && Number.isInteger(q.limit) && q.limit >= 1) ||
      (typeof q.limit === "string" && SIZE_PATTERN.test(q.limit))
    ) {
      scope.error("QG_TENANT_QUOTA", [...path, "limit"], size.reason);
    }
  }
  const pct = (key: "warningAt" | "rejectAt"): number | undefined => {
    if (q[key] === undefined) return undefined;
    const p = parsePercent(q[key]);
    if (p.ok) return p.value;
    // The schema checks types, formats and the range of numbers; "150%" passes it and is ours.
    if (typeof q[key] === "string" && /^\d{1,3}\s?%$/.test(q[key])) {
      scope.error("QG_TENANT_QUOTA", [...path, key], p.reason);
    }
    return undefined;
  };
  const warning = pct("warningAt");
  const reject = pct("rejectAt");
  if (warning !== undefined && reject !== undefined && warning >= reject) {
    scope.error(
      "QG_TENANT_QUOTA",
      [...path, "warningAt"],
      `warningAt (${warning}%) must be below rejectAt (${reject}%): a warning after pushes are already rejected never helps`,
    );
  }
  return bytes;
}

/**
 * Short, readable forms of field values and field changes, shared by the Markdown and text renderers.
 * Values are sanitized already (values.ts): secrets are `[secret]` and stay so.
 */
import type { FieldChange } from "./types";
import { canonicalJson, type PlanValue, SECRET_TEXT } from "./values";

const MAX_VALUE = 80;

function truncate(s: string, max = MAX_VALUE): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A list element in a few words: grants and members as `kind:name role`, other objects as JSON. */
export function brief(v: PlanValue | undefined): string {
  if (v === undefined) return "(not set)";
  if (v === SECRET_TEXT) return SECRET_TEXT;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, PlanValue>;
    if (typeof o.kind === "string" && typeof o.name === "string") {
      const extra = typeof o.role === "string" ? ` ${o.role}` : "";
      return `${o.kind}:${o.name}${extra}`;
    }
    if (typeof o.type === "string" && typeof o.thresholdPercent === "number")
      return `${o.type} at ${o.thresholdPercent}%`;
  }
  return truncate(JSON.stringify(v));
}

/** A whole value: JSON, shortened. */
export function valueText(v: PlanValue | undefined): string {
  if (v === undefined) return "(not set)";
  if (v === SECRET_TEXT) return SECRET_TEXT;
  if (Array.isArray(v)) return v.length === 0 ? "[]" : truncate(`[${v.map(brief).join(", ")}]`);
  return truncate(JSON.stringify(v));
}

export interface ListDelta {
  added: PlanValue[];
  removed: PlanValue[];
}

/** Elements added to and removed from a list (as sets, by canonical JSON). */
export function listDelta(before: PlanValue[], after: PlanValue[]): ListDelta {
  const b = new Set(before.map((x) => canonicalJson(x)));
  const a = new Set(after.map((x) => canonicalJson(x)));
  return {
    added: after.filter((x) => !b.has(canonicalJson(x))),
    removed: before.filter((x) => !a.has(canonicalJson(x))),
  };
}

/**
 * One field change in words. Lists say what is added and removed (a grant list of twenty entries with
 * one new grant reads as one line); other values read `old → new`.
 */
export function describeChange(f: FieldChange, quote: (s: string) => string = (s) => s): string {
  if (Array.isArray(f.old) && Array.isArray(f.new)) {
    const d = listDelta(f.old, f.new);
    const parts: string[] = [];
    if (d.added.length) parts.push(`added ${d.added.map((x) => quote(brief(x))).join(", ")}`);
    if (d.removed.length) parts.push(`removed ${d.removed.map((x) => quote(brief(x))).join(", ")}`);
    if (parts.length > 0) return parts.join("; ");
    return "order changed";
  }
  return `${quote(valueText(f.old))} → ${quote(valueText(f.new))}`;
}

/** Markdown code span that survives backticks in the value. */
export function code(s: string): string {
  if (!s.includes("`")) return `\`${s}\``;
  return `\`\` ${s.replace(/``+/g, (m) => m.split("").join(" "))} \`\``;
}

/** Text for a Markdown table cell or list item outside code spans. */
export function mdText(s: string): string {
  return s.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

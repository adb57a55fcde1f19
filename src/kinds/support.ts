/** Small pure helpers the kind descriptors share (audit entries, plan fields, words). */
import type { PlannedChange } from "../plan/types";
import type { PlanValue } from "../plan/values";
import type { AuditEntry } from "./types";

export const str = (v: PlanValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);

/** A metadata value of an audit entry. */
export const md = (e: AuditEntry, k: string): unknown => e.metadata?.[k];

/** The string values of some metadata keys (the subjects an entry names). */
export const strings = (e: AuditEntry, ...keys: string[]): string[] =>
  keys.map((k) => md(e, k)).filter((v): v is string => typeof v === "string");

/** The namespace an entry is about: its metadata's (kept after a deletion), else the log's view of it. */
export const namespaceOf = (e: AuditEntry): string | undefined => {
  const n = md(e, "namespace");
  return typeof n === "string" ? n : e.namespace?.name;
};

/** A field of a planned change, before or after. */
export const fieldOf = (c: PlannedChange, name: string, side: "old" | "new"): PlanValue | undefined =>
  c.fields.find((f) => f.field === name)?.[side];

/** The old value of a field even when it did not change (deletes list every old field). */
export const oldValue = (c: PlannedChange, name: string): PlanValue | undefined => fieldOf(c, name, "old");

export const list = (names: readonly string[]): string => names.join(", ");
export const plural = (names: readonly string[], one: string, many: string): string =>
  names.length === 1 ? one : many;

/** A repository turns public in this change (it was not, or did not exist in the state). */
export function becomesPublic(c: PlannedChange): boolean {
  const f = c.fields.find((x) => x.field === "visibility");
  return f !== undefined && f.new === "public" && f.old !== "public";
}

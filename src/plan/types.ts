/**
 * The plan: what one `up` would do, per tenant and Quay object, in a stable order. Built from the
 * engine's events (events.ts), judged by safety.ts (warnings, budgets), hashed by checksum.ts and shown
 * by the renderers (markdown.ts, json.ts, text.ts): one value, many renderers (docs/design.md#designs-we-borrowed).
 */
import type { PlanValue } from "./values";

/** What happens to one object. A replacement deletes the object and creates it again. */
export type ChangeOp = "create" | "update" | "replace" | "delete";

export const CHANGE_OPS: readonly ChangeOp[] = ["create", "update", "replace", "delete"];

/** One input field of an object: its value before (state, refreshed from Quay) and after (tenant files). */
export interface FieldChange {
  field: string;
  /** Absent: the field is not set before (a create, or an optional field being added). */
  old?: PlanValue;
  /** Absent: the field is not set afterwards (a delete, or an optional field being removed). */
  new?: PlanValue;
}

export interface PlannedChange {
  /** The tenant (its component's name); `(none)` for an object outside any tenant. */
  tenant: string;
  /** Quay object kind: Organization, User, Robot, Team, Repository, DefaultPermission, Quota, ... */
  kind: string;
  /** The resource name (src/program/desired.ts `names`): `acme`, `acme+ci`, `acme/operator`, ... */
  name: string;
  op: ChangeOp;
  /** Pulumi URN (targets for `up --target`); not part of the checksum. */
  urn: string;
  /** Changed fields (create: every field set; delete: every field it had), sorted by field. */
  fields: FieldChange[];
  /** For a replacement: the fields that cannot change in place. */
  replaceReasons?: string[];
}

export interface OpCounts {
  create: number;
  update: number;
  replace: number;
  delete: number;
  /** Objects left as they are. */
  same: number;
}

export interface TenantPlan {
  name: string;
  /** new: the whole tenant is created; removed: the whole tenant goes; else changed or unchanged. */
  status: "new" | "removed" | "changed" | "unchanged";
  /** Objects of this tenant in the state before the run (the base of the percentage budget). */
  existing: number;
  counts: OpCounts;
}

export interface Plan {
  stack: string;
  /** Sorted by tenant, kind, name. Objects left as they are are only counted. */
  changes: PlannedChange[];
  /** Every tenant seen in the run (in the state or in the tenant files), sorted by name. */
  tenants: TenantPlan[];
  counts: OpCounts;
}

export const NO_TENANT = "(none)";

export function emptyCounts(): OpCounts {
  return { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
}

export function hasChanges(plan: Pick<Plan, "changes">): boolean {
  return plan.changes.length > 0;
}

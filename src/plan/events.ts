/**
 * From the engine's structured events to the plan. The Automation API hands every engine event to
 * `onEvent`; a preview emits one `resourcePreEvent` per step with `metadata` {op, urn, type, old, new,
 * keys}. Our dynamic providers return no detailed diff (the Node provider host never forwards one,
 * docs/pulumi-engine.md#provider-host), so the changed fields are computed here the way the providers' `diff` does: old
 * OUTPUTS (the state, refreshed from Quay) against new INPUTS (the tenant files), `__provider` left out.
 *
 * Pure: events in, plan out.
 */
import {
  type ChangeOp,
  emptyCounts,
  type FieldChange,
  NO_TENANT,
  type OpCounts,
  type Plan,
  type PlannedChange,
  type TenantPlan,
} from "./types";
import { cmp, isSecret, type PlanValue, sameValue, sanitize } from "./values";

/** The part of a step's metadata we read (a structural subset of `@pulumi/pulumi/automation` StepEventMetadata). */
export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  old?: StepState | null;
  new?: StepState | null;
  keys?: string[] | null;
  diffs?: string[] | null;
}

export interface StepState {
  type?: string;
  urn?: string;
  parent?: string;
  inputs?: Record<string, unknown> | null;
  outputs?: Record<string, unknown> | null;
}

/** The part of an engine event we read (subset of `@pulumi/pulumi/automation` EngineEvent). */
export interface EngineEventLike {
  resourcePreEvent?: { metadata: StepMetadata } | null;
  resOutputsEvent?: { metadata: StepMetadata } | null;
  resOpFailedEvent?: { metadata: StepMetadata; status?: number } | null;
  diagnosticEvent?: { urn?: string; message: string; severity: string; prefix?: string } | null;
}

/** Type tokens: every Quay object is `pulumi-nodejs:dynamic/quay:<Kind>`, under one Tenant component. */
export const QUAY_TYPE_PREFIX = "pulumi-nodejs:dynamic/quay:";
export const TENANT_TYPE = "quay-gitops:index:Tenant";

/**
 * Whether the engine's delete of this object leaves it in Quay: a kind with a `deletionPolicy`
 * (organizations, repositories) deletes only with `delete`; with `retain` (the default) the provider
 * lets go of it and Quay keeps it (providers/organization.ts, providers/repository.ts).
 */
export function releasedOnDelete(old: StepState | null | undefined): boolean {
  const policy = old?.outputs?.deletionPolicy ?? old?.inputs?.deletionPolicy;
  return policy !== undefined && policy !== null && policy !== "delete";
}

/** The resource name of a URN: `urn:pulumi:<stack>::<project>::<type>::<name>` (a name may hold `::`). */
export function urnName(urn: string): string {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts.slice(3).join("::") : urn;
}

/** The tenant a step belongs to: the name of its parent Tenant component, if any. */
export function tenantOf(parentUrn: string | undefined): string | undefined {
  if (!parentUrn) return undefined;
  const parts = parentUrn.split("::");
  return parts[2] === TENANT_TYPE ? parts.slice(3).join("::") : undefined;
}

export const kindOf = (type: string): string | undefined =>
  type.startsWith(QUAY_TYPE_PREFIX) ? type.slice(QUAY_TYPE_PREFIX.length) : undefined;

/** The engine's step ops, folded into ours. A replacement shows as up to three steps of one URN. */
function foldOp(op: string): ChangeOp | "same" | undefined {
  switch (op) {
    case "same":
      return "same";
    case "create":
      return "create";
    case "update":
      return "update";
    case "delete":
      return "delete";
    case "replace":
    case "create-replacement":
    case "delete-replaced":
      return "replace";
    default:
      // refresh, read, read-replacement, discard, import, remove-pending-replace: no change to Quay
      // objects of this run (a refresh step's result shows in the steps that follow it).
      return undefined;
  }
}

/** Input fields without `__provider`, sanitized. */
function inputsOf(s: StepState | null | undefined): Record<string, PlanValue> {
  const out: Record<string, PlanValue> = {};
  for (const [k, v] of Object.entries(s?.inputs ?? {})) {
    if (k === "__provider" || v === undefined) continue;
    out[k] = sanitize(v);
  }
  return out;
}

function outputsOf(s: StepState | null | undefined): Record<string, PlanValue> {
  const out: Record<string, PlanValue> = {};
  for (const [k, v] of Object.entries(s?.outputs ?? {})) {
    if (k === "__provider" || v === undefined) continue;
    out[k] = sanitize(v);
  }
  return out;
}

/**
 * The fields an update or replacement changes. The old value is the state's output when the state has
 * one (outputs carry the live value of every input, and secrets that `read` never reports as inputs),
 * else its input; the new value is the new input. Secrets compare equal as `[secret]`: when nothing
 * visible differs, the secret fields are listed as changed, since something made the provider say so.
 */
export function fieldChanges(
  old: StepState | null | undefined,
  next: StepState | null | undefined,
): FieldChange[] {
  const oldIn = inputsOf(old);
  const oldOut = outputsOf(old);
  const newIn = inputsOf(next);
  const keys = [...new Set([...Object.keys(oldIn), ...Object.keys(newIn)])].sort(cmp);
  const out: FieldChange[] = [];
  const secrets: FieldChange[] = [];
  for (const field of keys) {
    const before = field in oldOut ? oldOut[field] : oldIn[field];
    const after = newIn[field];
    const change: FieldChange = { field };
    if (before !== undefined) change.old = before;
    if (after !== undefined) change.new = after;
    if (isSecret(before ?? null) && isSecret(after ?? null)) secrets.push(change);
    else if (!sameValue(before, after)) out.push(change);
  }
  return out.length > 0 ? out : secrets;
}

function allFields(values: Record<string, PlanValue>, side: "old" | "new"): FieldChange[] {
  return Object.keys(values)
    .sort(cmp)
    .map((field) => ({ field, [side]: values[field] }) as FieldChange);
}

const OP_RANK: Record<string, number> = { replace: 3, "create-replacement": 2, "delete-replaced": 1 };

/**
 * Builds the plan of a preview from its events. Only `resourcePreEvent`s are read (a preview also
 * sends `resOutputsEvent`s for the same steps); for a replacement the `replace` step wins over its
 * `create-replacement` and `delete-replaced` halves.
 */
export function planFromEvents(stack: string, events: Iterable<EngineEventLike>): Plan {
  const steps = new Map<string, StepMetadata>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m?.urn) continue;
    const prev = steps.get(m.urn);
    if (!prev || (OP_RANK[m.op] ?? 0) >= (OP_RANK[prev.op] ?? 0)) steps.set(m.urn, m);
  }

  const changes: PlannedChange[] = [];
  const tenants = new Map<string, { status?: "new" | "removed"; counts: OpCounts; existing: number }>();
  const tenantEntry = (name: string) => {
    let t = tenants.get(name);
    if (!t) {
      t = { counts: emptyCounts(), existing: 0 };
      tenants.set(name, t);
    }
    return t;
  };

  for (const m of steps.values()) {
    const op = foldOp(m.op);
    if (op === undefined) continue;
    if (m.type === TENANT_TYPE) {
      const t = tenantEntry(urnName(m.urn));
      if (op === "create") t.status = "new";
      else if (op === "delete") t.status = "removed";
      continue;
    }
    const kind = kindOf(m.type);
    if (kind === undefined) continue; // the stack, the default provider
    const tenant = tenantOf(m.new?.parent ?? m.old?.parent) ?? NO_TENANT;
    const t = tenantEntry(tenant);
    t.counts[op]++;
    if (op !== "create") t.existing++;
    if (op === "same") continue;
    const change: PlannedChange = {
      tenant,
      kind,
      name: urnName(m.urn),
      op,
      urn: m.urn,
      fields:
        op === "create"
          ? allFields(inputsOf(m.new), "new")
          : op === "delete"
            ? allFields(inputsOf(m.old), "old")
            : fieldChanges(m.old, m.new),
    };
    if (op === "replace" && m.keys && m.keys.length > 0) change.replaceReasons = [...m.keys].sort(cmp);
    changes.push(change);
  }

  changes.sort(compareChanges);
  const tenantPlans: TenantPlan[] = [...tenants.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([name, t]) => {
      const changed = t.counts.create + t.counts.update + t.counts.replace + t.counts.delete;
      return {
        name,
        status: t.status ?? (changed > 0 ? "changed" : "unchanged"),
        existing: t.existing,
        counts: t.counts,
      };
    });
  const counts = emptyCounts();
  for (const t of tenantPlans) {
    for (const k of Object.keys(counts) as (keyof OpCounts)[]) counts[k] += t.counts[k];
  }
  return { stack, changes, tenants: tenantPlans, counts };
}

export function compareChanges(a: PlannedChange, b: PlannedChange): number {
  return cmp(a.tenant, b.tenant) || cmp(a.kind, b.kind) || cmp(a.name, b.name);
}

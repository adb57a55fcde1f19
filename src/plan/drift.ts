/**
 * Drift: what changed in Quay behind quay-gitops' back since the last apply. Built from the events of
 * `pulumi refresh --preview-only` (Automation API `previewRefresh`), which reads every object and
 * compares it with the state without writing anything (docs/pulumi-engine.md#preview-and-drift): each object gets a
 * `resOutputsEvent` whose op is the refresh's result (`same`, `update` = changed, `delete` = gone) with
 * `old` = the state (what the last apply set) and `new` = what Quay holds now. Changes made to the tenant
 * files but not applied yet are not drift and do not show here (that is `quay-gitops preview`).
 *
 * Pure: events in, report out; attribution.ts adds who did it from Quay's audit logs.
 */
import { type EngineEventLike, kindOf, type StepState, tenantOf, urnName } from "./events";
import { NO_TENANT } from "./types";
import { cmp, isSecret, type PlanValue, sameValue, sanitize } from "./values";

export interface Attribution {
  /** Who made the change (Quay user or robot); null when the entry has no performer (a Quay worker). */
  actor: string | null;
  robot: boolean;
  /** The actor is the Quay account quay-gitops runs as, used outside quay-gitops' own runs. */
  automationAccount: boolean;
  /**
   * Made with quay-gitops' own OAuth token (the application its runs write with), outside its runs:
   * someone or something else holds its token. Never set for a change made by hand in the UI.
   */
  ours: boolean;
  /** How the change was authenticated: a signed-in session (the web UI) or an OAuth token. */
  auth?: "session" | "token";
  /** The OAuth application of the token (`token` only). */
  application?: string;
  /** When, as ISO 8601 (UTC, seconds). */
  at: string;
  /** The audit log kind, e.g. `org_set_team_description`. */
  action: string;
  /** direct: a log entry about this object; related: about an object it refers to (a deleted robot). */
  via: "direct" | "related";
}

export interface DriftField {
  field: string;
  /** What the last apply set (the state); absent when not set. */
  desired?: PlanValue;
  /** What Quay holds now; absent when not set. */
  live?: PlanValue;
  attribution?: Attribution;
  /** Why the field has no attribution (no entry of its own in the logs, a log that could not be read). */
  attributionNote?: string;
}

export interface DriftedObject {
  tenant: string;
  kind: string;
  name: string;
  /** changed: fields differ; deleted: the object is gone from Quay. */
  status: "changed" | "deleted";
  fields: DriftField[];
  /** Who changed or deleted the object (the newest matching audit log entry). */
  attribution?: Attribution;
  /** Why there is no attribution (logs unreadable, nothing in the log window). */
  attributionNote?: string;
  /** The state's inputs (names that identify it in Quay's logs); not rendered. */
  identity: Record<string, PlanValue>;
}

export interface DriftReport {
  stack: string;
  /** Sorted by tenant, kind, name. */
  objects: DriftedObject[];
  /** Quay objects read. */
  checked: number;
  /** When the last apply started (the audit-log window starts there), if known. */
  since?: string;
  /** Why attribution was skipped or is partial (e.g. no Quay connection). */
  attributionNote?: string;
}

function plain(values: Record<string, unknown> | null | undefined): Record<string, PlanValue> {
  const out: Record<string, PlanValue> = {};
  for (const [k, v] of Object.entries(values ?? {})) {
    if (k === "__provider" || v === undefined) continue;
    out[k] = sanitize(v);
  }
  return out;
}

/** Fields whose live value differs from the state. Secrets cannot be compared and are left out. */
export function driftFields(
  old: StepState | null | undefined,
  next: StepState | null | undefined,
): DriftField[] {
  const desiredIn = plain(old?.inputs);
  const desiredOut = plain(old?.outputs);
  const liveIn = plain(next?.inputs);
  const liveOut = plain(next?.outputs);
  const keys = [...new Set([...Object.keys(desiredIn), ...Object.keys(liveIn)])].sort(cmp);
  const out: DriftField[] = [];
  for (const field of keys) {
    const desired = field in desiredIn ? desiredIn[field] : desiredOut[field];
    const live = field in liveOut ? liveOut[field] : liveIn[field];
    if (isSecret(desired ?? null) || isSecret(live ?? null)) continue;
    if (sameValue(desired, live)) continue;
    const f: DriftField = { field };
    if (desired !== undefined) f.desired = desired;
    if (live !== undefined) f.live = live;
    out.push(f);
  }
  return out;
}

export function driftFromEvents(stack: string, events: Iterable<EngineEventLike>): DriftReport {
  const results = new Map<string, NonNullable<EngineEventLike["resOutputsEvent"]>["metadata"]>();
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (m?.urn && kindOf(m.type) !== undefined) results.set(m.urn, m);
  }
  const objects: DriftedObject[] = [];
  for (const m of results.values()) {
    const kind = kindOf(m.type)!;
    const base = {
      tenant: tenantOf(m.old?.parent ?? m.new?.parent) ?? NO_TENANT,
      kind,
      name: urnName(m.urn),
      identity: plain(m.old?.inputs),
    };
    if (m.op === "delete") {
      objects.push({ ...base, status: "deleted", fields: [] });
    } else if (m.op === "update") {
      const fields = driftFields(m.old, m.new);
      // The provider saw a difference we cannot show (a secret): still drift, with no field to name.
      objects.push({ ...base, status: "changed", fields });
    }
  }
  objects.sort((a, b) => cmp(a.tenant, b.tenant) || cmp(a.kind, b.kind) || cmp(a.name, b.name));
  return { stack, objects, checked: results.size };
}

export const hasDrift = (r: DriftReport): boolean => r.objects.length > 0;

/**
 * Which tenants a run looks at. Reading and planning the whole lab on every merge costs minutes on a
 * real Quay (every object read, every resource registered), while a merge usually changes one
 * partner. A run therefore takes the tenants whose desired state differs from what the last
 * successful apply applied, and everything when that comparison cannot be trusted: no successful
 * apply on record, another registry file, another version of quay-gitops, or `--all`. The nightly
 * drift check always reads everything, so a change made behind our back is still found.
 *
 * The comparison is of normalized tenant models, not of files: a file reformatted or commented
 * changes nothing, while a team membership that expired since (the model is built for a point in
 * time) or a secret whose value changed (passed in as `secretsChanged`) does.
 *
 * Pure: the caller loads both sides and reads the state.
 */
import type { TenantModel } from "../model/types";
import { clockSuffix, type RunAuth } from "./runs";
import { canonicalJson, secretPlaintext } from "./values";

/** Why a tenant is in the run. */
export type SelectionReason =
  | "changed"
  | "added"
  | "removed"
  | "secret-changed"
  | "not-in-state"
  | "only-in-state"
  | "pull-request";

export interface SelectedTenant {
  tenant: string;
  reason: SelectionReason;
  /** What changed, for people (`tenants/acme.yaml`, `env ACME_MIRROR_PASSWORD`). */
  detail: string;
}

export interface Selection {
  /** Every tenant (`all`) or only `tenants`. */
  all: boolean;
  /** With `all`: why everything. */
  allReason?: string;
  /** The tenants in the run and why, sorted by name (empty with `all`). */
  tenants: SelectedTenant[];
  /** How many tenants the files declare, and how many of them the run leaves alone. */
  declared: number;
  unchanged: number;
  /** The commit compared with (the last successful apply), when there was one. */
  base?: string;
}

/** What the last successful apply applied: its commit and its desired state, loaded as of that apply. */
export interface AppliedSide {
  commit: string;
  tenants: readonly TenantModel[];
  /** A fingerprint of the registry file's content (any change means everything). */
  registry: string;
  /** The quay-gitops version that applied it. */
  version: string;
}

export interface SelectionInput {
  /** The desired state of this run (as of now). */
  head: { tenants: readonly TenantModel[]; registry: string; version: string };
  /** The last successful apply; undefined when none is recorded (or it was not quay-gitops'). */
  applied: AppliedSide | undefined;
  /** Why `applied` is missing, for the summary. */
  appliedUnknownReason?: string;
  /** Tenant components in the stack's state. */
  stateTenants: readonly string[];
  /** Tenants whose secrets (mirror or proxy-cache passwords) differ from what the state holds, with what. */
  secretsChanged: ReadonlyMap<string, string>;
  /** Tenants a pull request touches (preview --base): always in the run. */
  pullRequest?: ReadonlyMap<string, string>;
  /** `--all`. */
  forceAll: boolean;
}

/** A tenant model without what does not reach Quay: where it came from, who to contact. */
function fingerprint(t: TenantModel): string {
  const { file: _file, contacts: _contacts, ...rest } = t;
  return canonicalJson(rest);
}

/**
 * Tenants whose desired state differs between two loads of the files: added, changed or removed, with
 * the file that says so. Compared as normalized models, so formatting and comments do not count.
 */
export function differingTenants(
  before: readonly TenantModel[],
  after: readonly TenantModel[],
): Map<string, { reason: "added" | "changed" | "removed"; detail: string }> {
  const out = new Map<string, { reason: "added" | "changed" | "removed"; detail: string }>();
  const old = new Map(before.map((t) => [t.name, t]));
  for (const t of after) {
    const o = old.get(t.name);
    if (!o) out.set(t.name, { reason: "added", detail: t.file });
    else if (fingerprint(o) !== fingerprint(t))
      out.set(t.name, { reason: "changed", detail: o.file === t.file ? t.file : `${o.file} → ${t.file}` });
  }
  const now = new Set(after.map((t) => t.name));
  for (const t of before) if (!now.has(t.name)) out.set(t.name, { reason: "removed", detail: t.file });
  return out;
}

export function selectTenants(input: SelectionInput): Selection {
  const declared = input.head.tenants.length;
  const all = (allReason: string): Selection => ({
    all: true,
    allReason,
    tenants: [],
    declared,
    unchanged: 0,
    ...(input.applied ? { base: input.applied.commit } : {}),
  });
  if (input.forceAll) return all("--all");
  const applied = input.applied;
  if (!applied) return all(input.appliedUnknownReason ?? "no successful apply is recorded for this stack");
  if (applied.version !== input.head.version)
    return all(`quay-gitops changed since the last apply (${applied.version} → ${input.head.version})`);
  if (applied.registry !== input.head.registry)
    return all(`the registry file changed since the last apply (${applied.commit.slice(0, 12)})`);

  const inState = new Set(input.stateTenants);
  const picked = new Map<string, SelectedTenant>();
  const pick = (tenant: string, reason: SelectionReason, detail: string) => {
    if (!picked.has(tenant)) picked.set(tenant, { tenant, reason, detail });
  };
  for (const [tenant, detail] of input.pullRequest ?? []) pick(tenant, "pull-request", detail);
  for (const [tenant, d] of differingTenants(applied.tenants, input.head.tenants))
    pick(tenant, d.reason, d.detail);
  for (const t of input.head.tenants) if (!inState.has(t.name)) pick(t.name, "not-in-state", t.file);
  const now = new Set(input.head.tenants.map((t) => t.name));
  for (const t of input.stateTenants) if (!now.has(t)) pick(t, "only-in-state", "no tenant file");
  for (const [tenant, what] of input.secretsChanged) pick(tenant, "secret-changed", what);

  const tenants = [...picked.values()].sort((a, b) =>
    a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0,
  );
  const touchedDeclared = tenants.filter((s) => now.has(s.tenant)).length;
  return { all: false, tenants, declared, unchanged: declared - touchedDeclared, base: applied.commit };
}

const REASON_TEXT: Record<SelectionReason, string> = {
  changed: "changed",
  added: "new",
  removed: "file removed",
  "secret-changed": "a secret changed",
  "not-in-state": "not in the state yet",
  "only-in-state": "in the state only",
  "pull-request": "changed by this pull request",
};

/** One line for people: which tenants the run looks at, and why. */
export function describeSelection(s: Selection): string {
  if (s.all) return `all ${s.declared} tenant${s.declared === 1 ? "" : "s"} (${s.allReason})`;
  const since = s.base ? ` since the last apply (${s.base.slice(0, 12)})` : "";
  if (s.tenants.length === 0) return `no tenant changed${since}; nothing to read or apply`;
  const list = s.tenants.map((t) => `${t.tenant} (${REASON_TEXT[t.reason]}: ${t.detail})`).join(", ");
  return `${list}; ${s.unchanged} other tenant${s.unchanged === 1 ? "" : "s"} unchanged${since}`;
}

/** A resource of the state, as the selection needs it (src/gitops/engine.ts reads them). */
export interface StateEntry {
  urn: string;
  type: string;
  parent?: string;
  inputs: Record<string, unknown>;
}

export const TENANT_COMPONENT = "quay-gitops:index:Tenant";
/** The environment variable that limits the program to some tenants (src/program/index.ts). */
export const SELECTION_ENV = "QUAY_GITOPS_SELECTION";
const QUAY_TYPE = "pulumi-nodejs:dynamic/quay:";

/** `urn:pulumi:<stack>::<project>::<type>::<name>`: the part every URN of the stack starts with. */
function urnPrefix(urn: string): string | undefined {
  const parts = urn.split("::");
  return parts.length >= 4 ? `${parts[0]}::${parts[1]}::` : undefined;
}

const nameOf = (urn: string): string => urn.split("::").slice(3).join("::");

/** The tenants whose component the state holds. */
export function tenantsInState(state: readonly StateEntry[]): string[] {
  return state.filter((r) => r.type === TENANT_COMPONENT).map((r) => nameOf(r.urn));
}

/**
 * The `--target` list of a run limited to `tenants`: their components and every object under them,
 * those in the state (to update or delete) and those the files declare (to create). A target must name
 * a resource the state holds unless it is a glob (the engine checks literal targets against the state
 * before its refresh, CLI v3.259.0), so a new object is named by a glob that only it can match:
 * `urn:pulumi:**<stack>::...` where every URN of the stack starts with `urn:pulumi:<stack>::`.
 */
export function selectionTargets(opts: {
  state: readonly StateEntry[];
  tenants: readonly string[];
  /** The objects the files declare, by tenant (src/program/desired.ts `tenantObjects`). */
  declared: ReadonlyMap<string, readonly { kind: string; name: string }[]>;
}): string[] {
  const root = opts.state.find((r) => r.type === "pulumi:pulumi:Stack");
  const prefix = root ? urnPrefix(root.urn) : undefined;
  if (!prefix) throw new Error("selectionTargets needs a state with its stack resource");
  const known = new Set(opts.state.map((r) => r.urn));
  const targets = new Set<string>();
  const add = (urn: string) => targets.add(known.has(urn) ? urn : newObjectTarget(urn));
  for (const tenant of opts.tenants) {
    const component = `${prefix}${TENANT_COMPONENT}::${tenant}`;
    add(component);
    for (const r of opts.state) if (r.parent === component) add(r.urn);
    for (const o of opts.declared.get(tenant) ?? [])
      add(`${prefix}${TENANT_COMPONENT}$${QUAY_TYPE}${o.kind}::${o.name}`);
  }
  return [...targets].sort();
}

/** The target of an object the state does not hold yet: a glob that only its URN can match (see above). */
export const newObjectTarget = (urn: string): string => urn.replace(/^urn:pulumi:/, "urn:pulumi:**");

/** A secret input and the input naming where it comes from: passwords, and a notification's URL. */
const SECRET_INPUTS: readonly (readonly [ref: string, value: string])[] = [
  ["passwordRef", "password"],
  ["urlRef", "url"],
];

/**
 * Tenants whose secrets (a mirror's or a proxy cache's password, a notification's webhook or Slack
 * URL, by reference `env:NAME` or `config:key`) have another value now than the state holds: a
 * rotated secret must reach Quay although no file changed. `resolve` answers the current value, or undefined when it is not set (the
 * program then fails with the fix, if the tenant is in the run).
 */
export function changedSecrets(
  state: readonly StateEntry[],
  resolve: (ref: string) => string | undefined,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of state) {
    if (!r.parent) continue;
    const tenant = r.parent.split("::")[2] === TENANT_COMPONENT ? nameOf(r.parent) : undefined;
    if (!tenant) continue;
    for (const [refKey, valueKey] of SECRET_INPUTS) {
      const ref = r.inputs[refKey];
      if (typeof ref !== "string") continue;
      const now = resolve(ref);
      if (now === undefined) continue;
      if (secretPlaintext(r.inputs[valueKey]) !== now) {
        const what = ref.replace(/^env:/, "env ").replace(/^config:/, "config ");
        out.set(tenant, out.has(tenant) ? `${out.get(tenant)}, ${what}` : what);
      }
    }
  }
  return out;
}

/** The last successful `quay-gitops apply` of the stack, from its update history. */
export interface LastApply {
  commit: string;
  version: string;
  start: Date;
  end: Date;
}

/**
 * The update message of an apply: the commit and the version that applied it, so the next run knows
 * what is applied (selection.ts). `partial` (deletes left for later) does not count as applied.
 * `clock` places the run on Quay's clock for drift attribution (runs.ts).
 */
export function applyMessage(a: {
  commit: string;
  branch: string;
  version: string;
  checksum?: string | undefined;
  partial: boolean;
  clock?: { offsetMs?: number | undefined; auth?: RunAuth | undefined } | undefined;
}): string {
  return `quay-gitops apply ${a.commit} (${a.branch}) quay-gitops/${a.version}${a.partial ? " partial" : ""}${a.checksum ? ` plan ${a.checksum.slice(0, 19)}` : ""}${a.clock ? clockSuffix(a.clock) : ""}`;
}

const APPLY_MESSAGE = /^quay-gitops apply ([0-9a-f]{40}) \(([^)]*)\) quay-gitops\/(\S+)( partial)?/;

export interface HistoryEntry {
  kind: string;
  result: string;
  message?: string;
  startTime?: string | Date;
  endTime?: string | Date;
}

/**
 * The newest update decides: a failed one is skipped (what it did is refreshed and repaired by the next
 * run of its tenants, which it leaves selected since the older apply is the base), a destroy or an update
 * that was not a complete quay-gitops apply makes the applied state unknown.
 */
export function lastApplyOf(history: readonly HistoryEntry[]): { last?: LastApply; unknown?: string } {
  for (const h of history) {
    if (h.kind === "destroy") return { unknown: "the stack was destroyed since its last apply" };
    if (h.kind !== "update") continue;
    if (h.result !== "succeeded") continue;
    const m = APPLY_MESSAGE.exec(h.message ?? "");
    if (!m) return { unknown: "the last update of the stack was not a quay-gitops apply (plain pulumi up?)" };
    if (m[4]) return { unknown: "the last apply left deletes for later (--no-deletes)" };
    const start = new Date(h.startTime ?? 0);
    return {
      last: { commit: m[1]!, version: m[3]!, start, end: new Date(h.endTime ?? h.startTime ?? 0) },
    };
  }
  return { unknown: "no successful apply is recorded for this stack" };
}

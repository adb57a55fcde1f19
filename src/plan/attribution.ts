/**
 * Who drifted it: matches drifted objects with Quay's audit log entries (docs/quay-api.md#audit-logs). Each kind of
 * object is logged in its organization's log under known kinds with known metadata (docs/quay-api.md#audit-logs, checked
 * against the emulator, which writes what Quay writes); users are logged in their own namespace, so
 * they are looked up in the superuser log. A change Quay made as a side effect (deleting a robot also
 * removes its repository grants and default permissions, and logs only `delete_robot`) is attributed
 * through the object it refers to ("related").
 *
 * Pure: the log entries are fetched by the caller (src/quay/api/logs.ts).
 */
import { type AuditEntry, type AuditLog, kindInfo, kinds, type LogSource } from "../kinds";
import { md, namespaceOf, str } from "../kinds/support";
import type { Attribution, DriftedObject, DriftReport } from "./drift";
import { listDelta } from "./format";
import type { OwnRun, RunAuth } from "./runs";
import type { PlanValue } from "./values";

export type { AuditEntry, LogSource } from "../kinds";

interface Matcher {
  source: LogSource;
  kinds: ReadonlySet<string>;
  test: (e: AuditEntry) => boolean;
  via: "direct" | "related";
  /** Only for these fields (field-level attribution); undefined: the whole object. */
  fields?: ReadonlySet<string>;
  /** The entries name only the scope: several accounts among them leave the object unattributed. */
  scopeOnly?: boolean;
}

const set = (...xs: string[]): ReadonlySet<string> => new Set(xs);

/** A user, robot or team whose deletion Quay logs, and only that, when it takes other objects with it. */
interface Subject {
  kind: string;
  name: string;
  field?: string;
}

/**
 * The matchers of one object: per-field ones first, then the object's (both from its kind's
 * descriptor, src/kinds/), then related objects'. A kind no descriptor knows (an older state's) has
 * only the related ones.
 */
export function matchersFor(o: Pick<DriftedObject, "kind" | "identity" | "fields" | "status">): Matcher[] {
  const id = o.identity;
  const out: Matcher[] = [];
  const goneWith: Subject[] = [];
  const log: AuditLog = {
    object(source, kinds, test, names) {
      out.push({
        source,
        kinds: new Set(kinds),
        test,
        via: "direct",
        ...(names === "scope" ? { scopeOnly: true } : {}),
      });
    },
    fields(source, map, test, subjects) {
      for (const [field, kinds] of Object.entries(map)) {
        const names = subjects?.field === field ? changedNames(o, field) : undefined;
        const about = subjects?.about;
        const fieldTest =
          names && about ? (e: AuditEntry) => test(e) && about(e).some((n) => names.has(n)) : test;
        out.unshift({ source, kinds: new Set(kinds), test: fieldTest, via: "direct", fields: set(field) });
      }
    },
    removedWith(subject) {
      if (o.status === "deleted") goneWith.push(subject);
    },
  };
  const org = str(id.organization) ?? str(id.namespace);
  const live: Record<string, PlanValue> = {};
  for (const f of o.fields) if (f.live !== undefined) live[f.field] = f.live;
  kindInfo(o.kind)?.audit(log, id, org, live);
  if (org) for (const m of relatedMatchers(o, org, goneWith)) out.push(m);
  if (o.status !== "deleted") return out;
  // A deleted object was deleted: its creation or an edit before is not the answer.
  return out.flatMap((m) => {
    const kinds = [...m.kinds].filter(isDeletion);
    return kinds.length > 0 ? [{ ...m, kinds: new Set(kinds) }] : [];
  });
}

const isDeletion = (kind: string): boolean => /(^|_)delete(_|$)/.test(kind);

/**
 * The names of a list field's members that differ between the last apply and Quay (added, removed, or
 * with another role); undefined when the field is not a list of named members.
 */
function changedNames(o: Pick<DriftedObject, "fields">, field: string): Set<string> | undefined {
  const f = o.fields.find((x) => x.field === field);
  if (!f || !Array.isArray(f.desired) || !Array.isArray(f.live)) return undefined;
  const d = listDelta(f.desired, f.live);
  const names = new Set<string>();
  for (const x of [...d.added, ...d.removed])
    if (x && typeof x === "object" && !Array.isArray(x) && typeof x.name === "string") names.add(x.name);
  return names;
}

/**
 * Subjects the object lost (members, grants, a default permission's delegate) whose own deletion may
 * explain the drift: Quay removes them everywhere without logging each removal.
 */
function relatedMatchers(
  o: Pick<DriftedObject, "kind" | "identity" | "fields" | "status">,
  org: string,
  goneWith: readonly Subject[],
): Matcher[] {
  const subjects: Subject[] = [];
  for (const f of o.fields) {
    if (!Array.isArray(f.desired)) continue;
    const removed = listDelta(f.desired, Array.isArray(f.live) ? f.live : []).removed;
    for (const r of removed) {
      if (
        r &&
        typeof r === "object" &&
        !Array.isArray(r) &&
        typeof r.kind === "string" &&
        typeof r.name === "string"
      )
        subjects.push({ kind: r.kind, name: r.name, field: f.field });
    }
  }
  subjects.push(...goneWith);
  const out: Matcher[] = [];
  if (o.status === "deleted") {
    // Gone with its repository (mirror, prune policy, grants) or its organization.
    const repo = str(o.identity.repository);
    if (repo)
      out.push({
        via: "related",
        source: { org },
        kinds: set("delete_repo"),
        test: (e) => md(e, "repo") === repo,
      });
    if (o.kind !== kinds.Organization.name)
      out.push({
        via: "related",
        source: { superuser: true },
        kinds: set("org_delete"),
        test: (e) => namespaceOf(e) === org,
      });
  }
  for (const s of subjects) {
    const fields = s.field ? set(s.field) : undefined;
    const base = { via: "related" as const, ...(fields ? { fields } : {}) };
    if (s.kind === "robot") {
      const [robotOrg, short] = s.name.split("+");
      if (robotOrg && short)
        out.push({
          ...base,
          source: { org: robotOrg },
          kinds: set("delete_robot"),
          test: (e) => md(e, "robot") === short,
        });
    } else if (s.kind === "team") {
      out.push({
        ...base,
        source: { org },
        kinds: set("org_delete_team"),
        test: (e) => md(e, "team") === s.name,
      });
    } else if (s.kind === "user") {
      out.push({
        ...base,
        source: { superuser: true },
        kinds: set("user_delete"),
        test: (e) => namespaceOf(e) === s.name || md(e, "username") === s.name,
      });
    }
  }
  return out;
}

export const sourceKey = (s: LogSource): string => ("org" in s ? `org:${s.org}` : "superuser");

/** Every log the report's attribution needs, once each. */
export function logSourcesFor(report: DriftReport): LogSource[] {
  const seen = new Map<string, LogSource>();
  for (const o of report.objects) for (const m of matchersFor(o)) seen.set(sourceKey(m.source), m.source);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

/** RFC 2822 → epoch ms; NaN when unparseable. */
export function entryTime(e: AuditEntry): number {
  return Date.parse(e.datetime);
}

export interface AttributionInput {
  /** Entries per log source (sourceKey); a missing key means that log could not be read. */
  logs: ReadonlyMap<string, readonly AuditEntry[]>;
  /** Why a log could not be read, per source key. */
  unavailable?: ReadonlyMap<string, string>;
  /** quay-gitops' own Quay user (the account its runs write as). */
  me?: string | undefined;
  /** Entries before this instant (Quay's clock) are ignored: the last apply's start. */
  since?: Date | undefined;
  /**
   * quay-gitops' own runs, in Quay's clock (runs.ts). An entry of its account inside one of them,
   * authenticated the way that run was, is the run's own write and explains nothing. Every other entry
   * of its account is someone using that account: by hand in the UI, or with a token.
   */
  ownRuns?: readonly OwnRun[] | undefined;
}

const OAUTH_KEYS = ["oauth_token_id", "oauth_token_application_id", "oauth_token_application"] as const;

/**
 * How the request that wrote the entry authenticated: every API write made with an OAuth token carries
 * the token's id and application (endpoints/api/__init__.py `log_action`, Quay 3.18.0); a signed-in
 * session (the web UI) carries none. Entries without a performer were written by Quay's workers.
 */
export function entryAuth(e: AuditEntry): RunAuth | undefined {
  if (OAUTH_KEYS.some((k) => e.metadata?.[k] !== undefined && e.metadata?.[k] !== null)) return "token";
  return e.performer ? "session" : undefined;
}

const applicationId = (e: AuditEntry): string | undefined => {
  const v = md(e, "oauth_token_application_id");
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
};

interface Judge {
  /** The entry is one of quay-gitops' own writes: skip it. */
  own(e: AuditEntry): boolean;
  attribution(e: AuditEntry, via: "direct" | "related"): Attribution;
}

function judge(input: AttributionInput): Judge {
  const runs = (input.ownRuns ?? []).map((r) => ({
    from: r.from.getTime(),
    to: r.to.getTime(),
    auth: r.auth,
  }));
  const own = (e: AuditEntry): boolean => {
    if (input.me === undefined || e.performer?.name !== input.me) return false;
    const t = entryTime(e);
    const auth = entryAuth(e);
    return runs.some((r) => t >= r.from && t <= r.to && (r.auth === undefined || r.auth === auth));
  };
  // The OAuth applications the runs wrote with: the same token used outside a run is still ours.
  const ownApplications = new Set<string>();
  for (const entries of input.logs.values())
    for (const e of entries) {
      const app = applicationId(e);
      if (app !== undefined && own(e)) ownApplications.add(app);
    }
  return {
    own,
    attribution(e, via) {
      const actor = e.performer?.name ?? null;
      const t = entryTime(e);
      const auth = entryAuth(e);
      const automationAccount = actor !== null && actor === input.me;
      const app = applicationId(e);
      const application = md(e, "oauth_token_application");
      const a: Attribution = {
        actor,
        robot: e.performer?.is_robot === true,
        automationAccount,
        ours: automationAccount && auth === "token" && app !== undefined && ownApplications.has(app),
        at: Number.isNaN(t) ? e.datetime : new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z"),
        action: e.kind,
        via,
      };
      if (auth) a.auth = auth;
      if (auth === "token" && typeof application === "string" && application !== "")
        a.application = application;
      return a;
    },
  };
}

/**
 * The newest entry a matcher finds since the last apply (not the runs' own), or, for a matcher whose
 * entries name only the scope, the accounts when they are more than one (then the entry may be a
 * sibling's, and naming its author could name the wrong person).
 */
function newest(
  m: Matcher,
  input: AttributionInput,
  j: Judge,
): AuditEntry | { accounts: string[] } | undefined {
  const entries = input.logs.get(sourceKey(m.source));
  if (!entries) return undefined;
  const since = input.since?.getTime();
  let best: AuditEntry | undefined;
  let bestT = -Infinity;
  const accounts = new Set<string>();
  for (const e of entries) {
    if (!m.kinds.has(e.kind) || !m.test(e)) continue;
    const t = entryTime(e);
    if (since !== undefined && !(t >= since)) continue;
    if (j.own(e)) continue;
    accounts.add(e.performer?.name ?? "(no account)");
    // Entries come newest first; on equal seconds keep the first, which is the newest.
    if (t > bestT) {
      best = e;
      bestT = t;
    }
  }
  if (m.scopeOnly && accounts.size > 1) return { accounts: [...accounts].sort() };
  return best;
}

const isEntry = (x: AuditEntry | { accounts: string[] }): x is AuditEntry => !("accounts" in x);

const NO_ENTRY = "no matching audit log entry since the last apply";

/** The report with each object and field attributed to its newest matching log entry. */
export function attribute(report: DriftReport, input: AttributionInput): DriftReport {
  const j = judge(input);
  const objects = report.objects.map((o) => {
    const matchers = matchersFor(o);
    let ambiguous: string[] | undefined;
    const pick = (candidates: readonly Matcher[]): Attribution | undefined => {
      ambiguous = undefined;
      for (const via of ["direct", "related"] as const) {
        let best: AuditEntry | undefined;
        for (const m of candidates.filter((x) => x.via === via)) {
          const e = newest(m, input, j);
          if (e && !isEntry(e)) {
            ambiguous = e.accounts;
            return undefined;
          }
          if (e && (!best || entryTime(e) > entryTime(best))) best = e;
        }
        if (best) return j.attribution(best, via);
      }
      return undefined;
    };
    const whyNot = (candidates: readonly Matcher[]): string => {
      if (ambiguous)
        return `Quay's log names only the scope of such a change, and ${ambiguous.join(", ")} made such changes since the last apply`;
      const missing = [...new Set(candidates.map((m) => sourceKey(m.source)))]
        .map((k) => input.unavailable?.get(k))
        .filter((x): x is string => x !== undefined);
      if (missing.length > 0) return missing.join("; ");
      return candidates.length === 0 ? "Quay keeps no audit log for this kind of change" : NO_ENTRY;
    };
    const objectLevel = matchers.filter((m) => m.fields === undefined);
    const fields = o.fields.map((f) => {
      const own = matchers.filter((m) => m.fields?.has(f.field) === true);
      // A field with entries of its own is explained by them or not at all: another field's entry
      // of the same object (a description edit) says nothing about who removed a grant.
      const candidates = own.length > 0 ? own : withoutOtherFields(objectLevel, matchers, f.field);
      const a = pick(candidates);
      const { attributionNote: _stale, ...rest } = f;
      return a ? { ...rest, attribution: a } : { ...rest, attributionNote: whyNot(candidates) };
    });
    // A changed object is attributed through its fields; only a deleted one (or a secret's change,
    // which has no field to show) through the object's own entries.
    const attribution =
      o.fields.length > 0
        ? fields
            .map((f) => f.attribution)
            .filter((a): a is Attribution => a !== undefined)
            .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))[0]
        : pick(objectLevel);
    const next: DriftedObject = { ...o, fields };
    if (attribution) {
      next.attribution = attribution;
      delete next.attributionNote;
    } else {
      delete next.attribution;
      if (o.fields.length > 0) ambiguous = undefined;
      next.attributionNote = whyNot(o.fields.length > 0 ? matchers : objectLevel);
    }
    return next;
  });
  return { ...report, objects };
}

/**
 * The object-level matchers that may explain `field`: without the kinds that other fields' own
 * matchers claim (a `set_repo_description` entry never explains a changed visibility).
 */
function withoutOtherFields(
  objectLevel: readonly Matcher[],
  all: readonly Matcher[],
  field: string,
): Matcher[] {
  const claimed = new Set<string>();
  for (const m of all)
    if (m.via === "direct" && m.fields && !m.fields.has(field)) for (const k of m.kinds) claimed.add(k);
  return objectLevel.flatMap((m) => {
    const kinds = [...m.kinds].filter((k) => !claimed.has(k));
    return kinds.length > 0 ? [{ ...m, kinds: new Set(kinds) }] : [];
  });
}

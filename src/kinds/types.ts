/**
 * What quay-gitops knows about a Quay object kind apart from talking to Quay: one descriptor per kind,
 * in `src/kinds/<kind>.ts`, listed once in `src/kinds/index.ts`. The planner (audit-log attribution,
 * warnings), the capability check, the tenant rules, the program's resource names and the completeness
 * test, the preflight's rights and the capability check read it from there instead of each keeping a
 * switch over kinds.
 *
 * Why a descriptor apart from the provider (`providers/<kind>.ts`, the `Kind` contract of
 * providers/base.ts): the provider calls Quay, so importing it loads the Quay client; the planner, the
 * tenant loader and the naming are pure and must stay loadable (and testable) without it. Everything
 * here is data and pure functions; the provider names its descriptor and adds the I/O half.
 */
import type { DesiredState, TenantModel } from "../model/types";
import type { PlannedChange } from "../plan/types";
import type { PlanValue } from "../plan/values";
import type { FeaturesSpec } from "../tenant/files";

/** One audit log entry as Quay returns it (docs/quay-api.md#audit-logs). */
export interface AuditEntry {
  kind: string;
  metadata?: Record<string, unknown> | null;
  /** RFC 2822, e.g. `Fri, 27 Nov 2026 19:27:31 -0000`. */
  datetime: string;
  performer?: { kind?: string; name: string; is_robot?: boolean } | null;
  /** Only in user and superuser logs. */
  namespace?: { kind?: string; name: string } | null;
}

/** Where to look: an organization's log, or the superuser log (users; organizations that are gone). */
export type LogSource = { org: string } | { superuser: true };

/** The identity of a drifted object: its state's inputs (names Quay's logs use). */
export type Identity = Readonly<Record<string, PlanValue>>;

/**
 * What a kind's audit matchers are built with (src/plan/attribution.ts implements it). Entries of
 * other kinds and of other objects are told apart by `test` on the entry's metadata.
 */
export interface AuditLog {
  /**
   * Entries of these log kinds in `source` that pass `test` are about the whole object. `scope`:
   * the entries name only the object's scope, not the object (Quay logs a policy's deletion with its
   * uuid alone, which the state does not hold), so they may be about a sibling: when such entries
   * since the last apply come from more than one account, nobody is named.
   */
  object(
    source: LogSource,
    kinds: Iterable<string>,
    test: (e: AuditEntry) => boolean,
    names?: "object" | "scope",
  ): void;
  /**
   * Entries about single fields: `fields` maps a field to the log kinds that change it. For a list
   * field named in `subjects`, an entry counts only when `about` names a member that changed.
   */
  fields(
    source: LogSource,
    fields: Readonly<Record<string, Iterable<string>>>,
    test: (e: AuditEntry) => boolean,
    subjects?: { field: string; about: (e: AuditEntry) => string[] },
  ): void;
  /**
   * The object goes when this user, robot or team is deleted, and Quay logs only that deletion (a
   * default permission of a deleted robot): for a deleted object, that entry explains it.
   */
  removedWith(subject: { kind: string; name: string }): void;
}

/** A Quay feature flag a kind's endpoints need (docs/quay-api.md#features). */
export interface FeatureGate {
  /** Quay's config key, e.g. `FEATURE_PROXY_CACHE`. */
  readonly flag: `FEATURE_${string}`;
  /**
   * An API path the feature registers, `{}` for each parameter: the capability probe looks for it in
   * Quay's discovery document (a disabled feature's endpoints are not registered).
   */
  readonly probe: string;
  /** Other flags its endpoints need too, named in the capability error. */
  readonly also?: readonly `FEATURE_${string}`[];
  /** The registry file's switch for it (`features.<key>` in stacks/<stack>.registry.yaml). */
  readonly registry: keyof FeaturesSpec;
  /** The thing in words, for the tenant rule's message: "a proxy cache needs FEATURE_PROXY_CACHE". */
  readonly what: string;
}

/**
 * A right in Quay the credentials may lack (docs/quay-api.md#scopes): Quay's superuser role (the
 * account in SUPER_USERS, a token's `super:user`), FEATURE_SUPERUSERS_FULL_ACCESS for that superuser,
 * the organization admin role uncapped (`org:admin`), the repository admin role uncapped (`repo:admin`,
 * which `org:admin` does not grant), and `user:admin` (creating an organization).
 */
export type Right = "superuser" | "fullAccess" | "orgAdmin" | "repoAdmin" | "userAdmin";

/** One right some objects of a kind need, in the words the preflight names them with. */
export interface RightNeed {
  readonly right: Right;
  /**
   * What in the tenant file needs it, as the preflight's message lists it: `robots`, `repository
   * auto-prune`. For `userAdmin`, the organization to create (the preflight drops it when Quay has it).
   */
  readonly what: string;
  /** Only writing needs it (an apply, the preview of one); drift does not. Absent: reading needs it too. */
  readonly writeOnly?: true;
}

/**
 * A Quay feature that only some objects of a kind use, beside the kind's own `feature`: a team
 * synced from a directory needs FEATURE_TEAM_SYNCING and a superuser, other teams need neither.
 */
export interface PartFeature {
  readonly gate: FeatureGate;
  /** Where tenant files ask for it, a path into schemas/tenant.schema.json: `spec.teams[].syncFrom`. */
  readonly schema: string;
  /** Whether a tenant's objects of the kind use it. */
  used(t: TenantModel): boolean;
  /**
   * The rights it needs beyond the kind's own, where a tenant uses it (`[]`: none): a team's sync
   * needs a superuser. Required, like the kind's `rights`.
   */
  readonly rights: readonly RightNeed[];
}

/** A warning of a plan step, as safety.ts shows it (codes are stable: tools match on them). */
export interface KindWarning {
  /** UPPER_SNAKE, unique to its meaning. */
  readonly code: string;
  /** Several objects of one tenant share one line (a removed tenant's users); else one line each. */
  readonly grouped: boolean;
  /** The message for the objects concerned (one, or several when grouped). */
  readonly message: (names: readonly string[]) => string;
}

/** Warnings particular to a kind; the generic "will be deleted" / "deleted and re-created" otherwise. */
export interface KindWarnings {
  /** Instead of the generic delete warning. */
  delete?(c: PlannedChange): KindWarning;
  /** Instead of the generic replace warning; `why` is " (fields cannot change in place)" or "". */
  replace?(c: PlannedChange, why: string): KindWarning;
  /** Extra warnings on a create, update or replace (a repository turning public). */
  change?(c: PlannedChange): KindWarning[];
}

/**
 * One Quay object kind. Required pieces are the ones every kind has; the optional ones say why
 * they may be absent.
 */
export interface KindInfo<N extends string = string> {
  /** The kind: Pulumi type `pulumi-nodejs:dynamic/quay:<name>`, and what plans and reports call it. */
  readonly name: N;
  /** The kind in words, for messages that name one or several objects. */
  readonly words: { readonly one: string; readonly many: string };
  /**
   * Where tenant files declare it: paths into schemas/tenant.schema.json, `[]` for an array's items
   * (`spec.repositories[].mirror`). The completeness test finds each in the schema and in the field
   * table of docs/tenants.md; the feature rule checks each.
   */
  readonly schema: readonly [string, ...string[]];
  /** The emulator's route file for its endpoints: `emulator/routes/<emulator>.ts`. */
  readonly emulator: string;
  /** The Quay feature behind its endpoints. Absent: Quay always serves them. */
  readonly feature?: FeatureGate;
  /** Features only some of its objects use (`PartFeature`). Absent: none. */
  readonly parts?: readonly PartFeature[];
  /**
   * The rights in Quay that managing a tenant's objects of this kind needs (docs/quay-api.md#scopes),
   * per object where they differ (an organization's auto-prune policies need `org:admin`, a
   * repository's `repo:admin`). Called only for a tenant that has objects of the kind. The preflight
   * (src/plan/rights.ts) asks for them before the engine starts, and a `superuser` need asks the
   * capability check for FEATURE_SUPER_USERS. Required: a kind whose rights nobody declared would
   * fail half-way through an apply instead, one engine error per object.
   */
  rights(t: TenantModel, state: Pick<DesiredState, "registry">): readonly RightNeed[];
  /**
   * The Pulumi resource name (the URN's last part) of one object: readable, unique per kind across
   * the stack. Its parameters are the kind's own (src/program/tenant.ts calls it).
   */
  readonly resourceName: (...args: never[]) => string;
  /**
   * The resource names of this kind's objects in a tenant, in the order of the tenant file: what a
   * run limited to some tenants targets (src/program/desired.ts `tenantObjects`).
   */
  objects(t: TenantModel): string[];
  /**
   * Which audit log entries tell who changed or deleted an object of this kind (docs/quay-api.md#audit-logs).
   * `org` is the object's organization (or namespace); `live` what Quay holds now of the drifted fields
   * (an entry about a change made by hand carries the new values, e.g. a changed pattern). Required:
   * Quay logs every kind this project manages; a kind Quay did not log would say so here instead of
   * silently getting no attribution.
   */
  audit(log: AuditLog, id: Identity, org: string | undefined, live: Identity): void;
  /** Warnings particular to the kind. Absent: the generic ones say enough. */
  readonly warnings?: KindWarnings;
  /**
   * Output keys the provider adds (computed by Quay), declared on the resource so the engine knows
   * them before the first create. Absent: outputs are the inputs.
   */
  readonly outputs?: readonly string[];
  /** Outputs the engine must store encrypted (tokens, passwords). Absent: none is secret. */
  readonly secretOutputs?: readonly string[];
  /**
   * Its objects are accounts whose token the state keeps: the output that names the account and the
   * (secret) output that holds its token, what `quay-gitops tokens` prints. Absent: no token.
   */
  readonly credential?: { readonly account: string; readonly token: string };
  /**
   * Why re-creating an object of this kind loses nothing a partner relies on. Present: its
   * replacements do not count against the maxDeletes budget (a deletion still does), so that a
   * change to `spec.notifications` of a tenant with many repositories needs no `--force`.
   * Absent: a replacement counts as the deletion it starts with.
   */
  readonly replaceLosesNothing?: string;
}

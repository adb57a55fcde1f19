/**
 * The rights in Quay that tenant files need, against what the credentials have: the preflight of
 * preview, apply and drift (src/gitops/preflight.ts) answers in one message what is missing and how
 * to get it, before the engine starts, instead of one engine error per object. Pure.
 *
 * What needs which right is each kind's own knowledge (`KindInfo.rights` and its parts' `rights`,
 * src/kinds/): this module only gathers it and words the answer (docs/quay-api.md#scopes).
 */
import { allKindInfos } from "../kinds";
import type { Right } from "../kinds/types";
import type { DesiredState, TenantModel } from "../model/types";

export type { Right } from "../kinds/types";

/** What the run does: an apply (or the preview of one) writes; drift only reads. */
export type RunMode = "write" | "read";

/** A right the tenant files need: tenant file → what in it needs the right. */
export type Needs = Map<Right, Map<string, Set<string>>>;

/** Rights in the order messages list them. */
const ORDER: readonly Right[] = ["superuser", "fullAccess", "orgAdmin", "repoAdmin", "userAdmin"];

/**
 * The rights the tenants need, and where: what the registered kinds declare for the objects each
 * tenant has, in the order of the kinds (src/kinds/index.ts). Reading leaves out what only writes need.
 */
export function neededRights(state: DesiredState, mode: RunMode): Needs {
  const needs: Needs = new Map();
  const need = (right: Right, t: TenantModel, what: string) => {
    const files = needs.get(right) ?? new Map<string, Set<string>>();
    files.set(t.file, (files.get(t.file) ?? new Set<string>()).add(what));
    needs.set(right, files);
  };
  for (const t of state.tenants)
    for (const k of allKindInfos()) {
      if (k.objects(t).length === 0) continue;
      const parts = (k.parts ?? []).filter((p) => p.used(t)).flatMap((p) => p.rights);
      for (const n of [...k.rights(t, state), ...parts])
        if (mode === "write" || !n.writeOnly) need(n.right, t, n.what);
    }
  return needs;
}

/** What the credentials have, as far as Quay shows it (src/quay/api/rights.ts). */
export interface HeldRights {
  url: string;
  auth: "token" | "session";
  username: string;
  superUser: boolean;
  userAdmin: boolean;
  /** Undefined: not known (not asked). */
  orgAdmin: boolean | undefined;
  repoAdmin: boolean | undefined;
  fullAccess: boolean | undefined;
  /** Organizations known to exist in Quay (so no create, no `user:admin`). */
  existingOrganizations: ReadonlySet<string>;
}

export interface MissingRight {
  right: Right;
  /** Tenant file → what in it needs the right. */
  files: Map<string, Set<string>>;
}

/** The needed rights the credentials lack, in message order. */
export function missingRights(needs: Needs, held: HeldRights): MissingRight[] {
  const lacks: Record<Right, (what: string) => boolean> = {
    superuser: () => !held.superUser,
    // Only a superuser can have it, and a missing superuser is said already.
    fullAccess: () => held.superUser && held.fullAccess === false,
    orgAdmin: () => held.orgAdmin === false,
    repoAdmin: () => held.repoAdmin === false,
    userAdmin: (org) => !held.userAdmin && !held.existingOrganizations.has(org),
  };
  const missing: MissingRight[] = [];
  for (const right of ORDER) {
    const files = new Map<string, Set<string>>();
    for (const [file, whats] of needs.get(right) ?? []) {
      const lacking = new Set([...whats].filter(lacks[right]));
      if (lacking.size > 0) files.set(file, lacking);
    }
    if (files.size > 0) missing.push({ right, files });
  }
  return missing;
}

/**
 * What `missing` says beyond `said`: another right, or the same right for other things. A preview
 * refuses what reading needs and notes the rest, which only the apply needs.
 */
export function missingBeyond(
  missing: readonly MissingRight[],
  said: readonly MissingRight[],
): MissingRight[] {
  const out: MissingRight[] = [];
  for (const m of missing) {
    const known = said.find((x) => x.right === m.right)?.files;
    const files = new Map<string, Set<string>>();
    for (const [file, whats] of m.files) {
      const rest = [...whats].filter((w) => !known?.get(file)?.has(w));
      if (rest.length > 0) files.set(file, new Set(rest));
    }
    if (files.size > 0) out.push({ right: m.right, files });
  }
  return out;
}

/** The scope each right asks of a token, with the label Quay's token page shows for it (`auth/scopes.py`). */
const SCOPE: Partial<Record<Right, { scope: string; label: string }>> = {
  superuser: { scope: "super:user", label: "Super User Access" },
  orgAdmin: { scope: "org:admin", label: "Administer Organization" },
  repoAdmin: { scope: "repo:admin", label: "Administer Repositories" },
  userAdmin: { scope: "user:admin", label: "Administer User" },
};

const where = (files: Map<string, Set<string>>): string =>
  [...files].map(([file, what]) => `${file} (${[...what].join(", ")})`).join(", ");

function line(m: MissingRight, held: HeldRights): string {
  const who = held.username;
  // Kind-neutral: what needs the right is the list after the dash, in the kinds' own words.
  switch (m.right) {
    case "superuser":
      return held.auth === "session"
        ? `a superuser: ${who} is not in SUPER_USERS (Quay's config.yaml); only a superuser may manage these — ${where(m.files)}`
        : `super:user, with ${who} in SUPER_USERS (Quay's config.yaml): only a superuser may manage these — ${where(m.files)}`;
    case "fullAccess":
      return `FEATURE_SUPERUSERS_FULL_ACCESS: true in Quay's config.yaml: Quay 3.16 and later take these writes of a superuser only with it — ${where(m.files)}`;
    case "orgAdmin":
      return `org:admin: these need the organization admin role — ${where(m.files)}`;
    case "repoAdmin":
      return `repo:admin: these need the repository admin role, which org:admin does not grant — ${where(m.files)}`;
    case "userAdmin": {
      const orgs = [...new Set([...m.files.values()].flatMap((s) => [...s]))].sort();
      return `user:admin: to create the organization${orgs.length === 1 ? "" : "s"} ${orgs.join(", ")}, which ${who} does not belong to (yet) — ${[...m.files.keys()].join(", ")}`;
    }
  }
}

/** The token's scopes a run with these needs asks for, as Quay's token page names them. */
function scopesToTick(needs: Needs): string {
  const picked = ORDER.filter((r) => needs.has(r) && SCOPE[r]).map((r) => SCOPE[r]!);
  picked.push({ scope: "user:read", label: "Read User Information" });
  return picked.map((s) => `${s.label} (${s.scope})`).join(", ");
}

/** How to get a token with every scope the needs ask for, or a session instead. */
export function howToGetToken(needs: Needs, account: string | undefined): string[] {
  const superNeeded = needs.has("superuser");
  const who = superNeeded
    ? "an account listed in SUPER_USERS"
    : (account ?? "the account quay-gitops runs as");
  return [
    `To mint a token with what these tenant files need: in Quay's web UI, signed in as ${who}, open an organization it administers, then Applications → Create New Application → the new application → Generate Token; tick ${scopesToTick(needs)} and authorize. Set it with \`pulumi config set --secret quay-gitops:token\` (or QUAY_TOKEN).`,
    `Or sign in with a session instead (it has every scope): quay-gitops:username and quay-gitops:password (secret), or QUAY_USERNAME and QUAY_PASSWORD${superNeeded ? ", of an account listed in SUPER_USERS" : ""} (docs/client.md#authentication-a-token-or-a-session).`,
  ];
}

/**
 * The one message for credentials that lack rights: what is missing, for which tenant files, and
 * how to get credentials that have it. `features`: what the registry lacks besides (feature flags),
 * already worded, so one message says everything.
 */
export function renderMissingRights(
  missing: readonly MissingRight[],
  held: HeldRights,
  needs: Needs,
  features: readonly string[] = [],
): string {
  const cred = held.auth === "session" ? `the session of ${held.username}` : `the token of ${held.username}`;
  const lines: string[] = [];
  if (missing.length > 0) {
    lines.push(
      `Quay at ${held.url} does not give ${cred} what these tenant files need; nothing was changed.`,
    );
    lines.push("Missing:");
    for (const m of missing) lines.push(`  - ${line(m, held)}`);
  }
  if (features.length > 0) {
    lines.push(
      missing.length > 0
        ? "The registry lacks as well:"
        : `The registry at ${held.url} lacks what these tenant files use; nothing was changed:`,
    );
    for (const f of features) lines.push(`  - ${f}`);
  }
  const fixes: string[] = [];
  if (held.auth === "token" && missing.some((m) => SCOPE[m.right])) {
    fixes.push(...howToGetToken(needs, held.username));
  } else if (missing.some((m) => m.right === "superuser")) {
    fixes.push(
      `Add ${held.username} to SUPER_USERS in Quay's config.yaml (Quay reads it at start), or sign in as an account that is listed there.`,
    );
  }
  if (features.length > 0)
    fixes.push("Turn the features on in Quay's config.yaml, or take what uses them out of the tenant files.");
  fixes.push("What needs which right: docs/quay-api.md#scopes.");
  return [...lines, ...fixes].join("\n");
}

/**
 * What the credentials may do in Quay, read with as few requests as Quay allows. Quay reports no
 * token's scopes; they show in what it answers (docs/quay-api.md#scopes, `auth/permissions.py` and
 * `endpoints/api/user.py` at v3.18.0):
 *
 * - who-am-I (`GET /api/v1/user/`) answers only with `user:read` or `user:admin`; its view carries `super_user: true`
 *   only for a user in SUPER_USERS whose token has `super:user`, and `is_me` (with the e-mail) only
 *   with `user:admin`; `organizations` lists those the user belongs to;
 * - every user administers its own namespace, a role the token's scopes cap like any other: a read
 *   there that needs the organization admin role passes with `org:admin`, one that needs the
 *   repository admin role with `repo:admin` (a 404 or 200 for the missing object instead of 403);
 * - a FULL_ACCESS superuser passes every namespace check, even of a namespace that does not exist.
 *
 * A session has every scope (`direct_user_login`), so for it only the superuser role is asked.
 * Who-am-I goes through the session's cache (and the run's read journal): the engine's providers
 * reuse it instead of asking again.
 */
import { apiPath } from "../paths";
import { clockOffset } from "./clock";
import { ME_SCOPE, type QuaySession } from "./session";

export interface AccountRights {
  username: string;
  auth: "token" | "session";
  /** A superuser whose credentials carry the role (`super:user` for a token). */
  superUser: boolean;
  /** `user:admin` (a session has it): creating organizations needs it. */
  userAdmin: boolean;
  /** The organizations the account belongs to (undefined when the view has none). */
  organizations: string[] | undefined;
  /** The organization admin role is not capped (`org:admin`); undefined when not asked. */
  orgAdmin: boolean | undefined;
  /** The repository admin role is not capped (`repo:admin`); undefined when not asked. */
  repoAdmin: boolean | undefined;
  /** FEATURE_SUPERUSERS_FULL_ACCESS works for this superuser; undefined when not asked. */
  fullAccess: boolean | undefined;
  /** Quay's clock minus this machine's, from who-am-I's `Date` header (clock.ts). */
  offsetMs: number | undefined;
}

interface MeView {
  username: string;
  super_user?: boolean;
  is_me?: boolean;
  organizations?: { name: string }[];
}

/** An organization name no one creates: FULL_ACCESS shows as a 404 for it instead of a 403. */
export const NO_SUCH_ORGANIZATION = "quay-gitops-no-such-organization";
/** A repository the probe in the account's own namespace names; it need not exist. */
const NO_SUCH_REPOSITORY = "quay-gitops-no-such-repository";

/** True when Quay let the read through its permission check (any answer but 403). */
async function passes(s: QuaySession, path: string): Promise<boolean> {
  const r = await s.client.request("GET", path, { accept: [403, 404] });
  return r.status !== 403;
}

/**
 * Who-am-I, then only the probes `ask` wants: `fullAccess` (one request, for a superuser), `scopes`
 * (`org:admin` and `repo:admin`). A superuser's token is asked about FULL_ACCESS first, which passes
 * every namespace check, so its scopes need no probe: one request more than who-am-I for a
 * superuser's token, two for another token, none for a session unless `fullAccess` is asked.
 */
export async function readAccountRights(
  s: QuaySession,
  ask: { fullAccess: boolean; scopes: boolean },
): Promise<AccountRights> {
  const sentAt = Date.now();
  const res = await s.client.request<MeView>("GET", "/api/v1/user/");
  const receivedAt = Date.now();
  s.remember("/api/v1/user/", { scope: ME_SCOPE }, res.data);
  const me = res.data;
  const session = s.client.auth === "session";
  const superUser = me.super_user === true;
  const fullAccess =
    superUser && (ask.fullAccess || (ask.scopes && !session))
      ? await passes(s, apiPath`/api/v1/organization/${NO_SUCH_ORGANIZATION}/prototypes`)
      : undefined;
  // A session caps no role; a FULL_ACCESS superuser passes every namespace and repository check.
  const uncapped = session || fullAccess === true;
  const probe = ask.scopes && !uncapped;
  const [orgAdmin, repoAdmin] = probe
    ? await Promise.all([
        passes(s, apiPath`/api/v1/organization/${me.username}/prototypes`),
        passes(s, apiPath`/api/v1/repository/${me.username}/${NO_SUCH_REPOSITORY}/permissions/user/`),
      ])
    : [uncapped ? true : undefined, uncapped ? true : undefined];
  return {
    username: me.username,
    auth: s.client.auth,
    superUser,
    userAdmin: session || me.is_me === true,
    organizations: me.organizations?.map((o) => o.name),
    orgAdmin,
    repoAdmin,
    fullAccess,
    offsetMs: res.attempts === 1 ? clockOffset(res.headers.date, sentAt, receivedAt) : undefined,
  };
}

/**
 * The API routes the client knows, each with the OAuth scope Quay really needs for it.
 *
 * Quay enforces scopes by capping the roles the token's user has (docs/quay-api.md#authentication), so the
 * `@require_scope` metadata in Quay's source is not what counts: this table follows the
 * "effective scope needed" table of docs/quay-api.md#authentication and the per-resource sections it cites. It serves two
 * purposes: the hint in a 401/403 error ("this needs a token with scope org:admin"), and the
 * route template under which the request counter files each request.
 *
 * Templates use Quay's own parameter names (as the emulator's route table does, so counter keys
 * and fault matchers are interchangeable): `{name}` is one path segment, `{name:repo}` a repository
 * reference of two or more segments (`namespace/name[/more]`, Quay's `apirepopath`, docs/quay-api.md#routing).
 */

export type QuayScope =
  | "repo:read"
  | "repo:write"
  | "repo:admin"
  | "repo:create"
  | "user:read"
  | "user:admin"
  | "org:admin"
  | "super:user";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS";

export interface ScopeRequirement {
  /** Every one of these scopes is needed (empty: no scope, e.g. a public read). */
  readonly scopes: readonly QuayScope[];
  /** A further condition that no scope expresses (superuser config, an alternative scope). */
  readonly note?: string;
  /** The section of docs/quay-api.md about the route (its anchor, e.g. `robots`). */
  readonly section: string;
}

export interface RouteSpec extends ScopeRequirement {
  readonly method: HttpMethod;
  readonly template: string;
}

const FULL_ACCESS = "for a user listed in SUPER_USERS, with FEATURE_SUPERUSERS_FULL_ACCESS on";
const SUPERUSER = "for a user listed in SUPER_USERS";
const REPO_ADMIN_NOTE = "org:admin alone grants no repository rights";

type Row = readonly [
  methods: string,
  template: string,
  scopes: readonly QuayScope[],
  section: string,
  note?: string,
];

// Paths are relative to /api/v1. Methods separated by `|` share a row.
const ROWS: readonly Row[] = [
  // Organizations (docs/quay-api.md#organizations)
  ["POST", "/organization/", ["user:admin"], "organizations"],
  [
    "GET",
    "/organization/{orgname}",
    ["org:admin"],
    "organizations",
    "without it the view has no teams and quotas",
  ],
  ["PUT|DELETE", "/organization/{orgname}", ["org:admin"], "organizations"],
  ["GET", "/organization/{orgname}/members", ["org:admin"], "organizations"],
  ["GET|DELETE", "/organization/{orgname}/members/{membername}", ["org:admin"], "organizations"],
  ["GET", "/organization/{orgname}/collaborators", ["org:admin"], "organizations"],
  ["GET", "/superuser/organizations/", ["super:user"], "organizations", SUPERUSER],
  ["PUT|DELETE", "/superuser/organizations/{name}", ["super:user"], "organizations", SUPERUSER],
  ["POST", "/superuser/takeownership/{namespace}", ["super:user"], "organizations", SUPERUSER],
  // Users (docs/quay-api.md#users)
  ["GET", "/user/", ["user:read"], "users"],
  ["GET", "/users/{username}", [], "users"],
  ["GET|POST", "/superuser/users/", ["super:user"], "users", SUPERUSER],
  ["GET|PUT|DELETE", "/superuser/users/{username}", ["super:user"], "users", SUPERUSER],
  ["POST", "/superusers/users/{username}/sendrecovery", ["super:user"], "users", SUPERUSER],
  // Robots (docs/quay-api.md#robots)
  ["GET", "/organization/{orgname}/robots", ["org:admin"], "robots"],
  ["GET|PUT|DELETE", "/organization/{orgname}/robots/{robot_shortname}", ["org:admin"], "robots"],
  ["POST", "/organization/{orgname}/robots/{robot_shortname}/regenerate", ["org:admin"], "robots"],
  [
    "GET",
    "/organization/{orgname}/robots/{robot_shortname}/permissions",
    ["org:admin", "user:admin"],
    "robots",
  ],
  ["GET|POST|DELETE", "/organization/{orgname}/robots/{robot_shortname}/federation", ["org:admin"], "robots"],
  ["GET", "/user/robots", ["user:admin"], "robots"],
  ["GET|PUT|DELETE", "/user/robots/{robot_shortname}", ["user:admin"], "robots"],
  ["POST", "/user/robots/{robot_shortname}/regenerate", ["user:admin"], "robots"],
  ["GET", "/user/robots/{robot_shortname}/permissions", ["user:admin"], "robots"],
  ["GET|POST|DELETE", "/user/robots/{robot_shortname}/federation", ["user:admin"], "robots"],
  // Teams (docs/quay-api.md#teams)
  ["PUT|DELETE", "/organization/{orgname}/team/{teamname}", ["org:admin"], "teams"],
  ["GET", "/organization/{orgname}/team/{teamname}/members", ["org:admin"], "teams"],
  ["PUT|DELETE", "/organization/{orgname}/team/{teamname}/members/{membername}", ["org:admin"], "teams"],
  ["PUT|DELETE", "/organization/{orgname}/team/{teamname}/invite/{email}", ["org:admin"], "teams"],
  ["GET", "/organization/{orgname}/team/{teamname}/permissions", ["org:admin"], "teams"],
  [
    "POST|DELETE",
    "/organization/{orgname}/team/{teamname}/syncing",
    ["org:admin", "super:user"],
    "teams",
    "super:user is not needed with FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP",
  ],
  // Repositories (docs/quay-api.md#repositories)
  ["POST", "/repository", ["repo:create"], "repositories", "or org:admin, and a creator or admin team role"],
  ["GET", "/repository", ["repo:read"], "repositories"],
  ["GET", "/repository/{repository:repo}", ["repo:read"], "repositories"],
  ["PUT", "/repository/{repository:repo}", ["repo:write"], "repositories", REPO_ADMIN_NOTE],
  ["DELETE", "/repository/{repository:repo}", ["repo:admin"], "repositories", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/changevisibility", ["repo:admin"], "repositories", REPO_ADMIN_NOTE],
  ["PUT", "/repository/{repository:repo}/changestate", ["repo:admin"], "repositories", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/changetrust", ["repo:admin"], "repositories", REPO_ADMIN_NOTE],
  ["GET", "/repository/{repository:repo}/tag/", ["repo:read"], "repositories"],
  ["PUT|DELETE", "/repository/{repository:repo}/tag/{tag}", ["repo:write"], "repositories"],
  // Repository permissions (docs/quay-api.md#permissions)
  ["GET", "/repository/{repository:repo}/permissions/user/", ["repo:admin"], "permissions", REPO_ADMIN_NOTE],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/permissions/user/{username}",
    ["repo:admin"],
    "permissions",
    REPO_ADMIN_NOTE,
  ],
  [
    "GET",
    "/repository/{repository:repo}/permissions/user/{username}/transitive",
    ["repo:admin"],
    "permissions",
    REPO_ADMIN_NOTE,
  ],
  ["GET", "/repository/{repository:repo}/permissions/team/", ["repo:admin"], "permissions", REPO_ADMIN_NOTE],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/permissions/team/{teamname}",
    ["repo:admin"],
    "permissions",
    REPO_ADMIN_NOTE,
  ],
  // Default permissions (docs/quay-api.md#default-permissions)
  ["GET|POST", "/organization/{orgname}/prototypes", ["org:admin"], "default-permissions"],
  ["PUT|DELETE", "/organization/{orgname}/prototypes/{prototypeid}", ["org:admin"], "default-permissions"],
  // Quotas (docs/quay-api.md#quotas): reads need an org member role, writes a FULL_ACCESS superuser (≥3.16).
  ["GET", "/organization/{orgname}/quota", ["org:admin"], "quotas", "or repo:create"],
  ["POST", "/organization/{orgname}/quota", ["super:user"], "quotas", FULL_ACCESS],
  ["GET", "/organization/{orgname}/quota/{quota_id}", ["org:admin"], "quotas", "or repo:create"],
  ["PUT|DELETE", "/organization/{orgname}/quota/{quota_id}", ["super:user"], "quotas", FULL_ACCESS],
  ["GET", "/organization/{orgname}/quota/{quota_id}/limit", ["org:admin"], "quotas", "or repo:create"],
  ["POST", "/organization/{orgname}/quota/{quota_id}/limit", ["super:user"], "quotas", FULL_ACCESS],
  [
    "GET",
    "/organization/{orgname}/quota/{quota_id}/limit/{limit_id}",
    ["org:admin"],
    "quotas",
    "or repo:create",
  ],
  [
    "PUT|DELETE",
    "/organization/{orgname}/quota/{quota_id}/limit/{limit_id}",
    ["super:user"],
    "quotas",
    FULL_ACCESS,
  ],
  ["GET|POST", "/superuser/organization/{namespace}/quota", ["super:user"], "quotas", SUPERUSER],
  ["PUT|DELETE", "/superuser/organization/{namespace}/quota/{quota_id}", ["super:user"], "quotas", SUPERUSER],
  ["GET|POST", "/superuser/users/{namespace}/quota", ["super:user"], "quotas", SUPERUSER],
  ["PUT|DELETE", "/superuser/users/{namespace}/quota/{quota_id}", ["super:user"], "quotas", SUPERUSER],
  ["GET|POST", "/superuser/registrysize/", ["super:user"], "quotas", SUPERUSER],
  ["GET", "/user/quota", ["user:read"], "quotas"],
  ["GET", "/user/quota/{quota_id}", ["user:read"], "quotas"],
  ["GET", "/user/quota/{quota_id}/limit", ["user:read"], "quotas"],
  ["GET", "/user/quota/{quota_id}/limit/{limit_id}", ["user:read"], "quotas"],
  // Mirroring (docs/quay-api.md#mirrors)
  ["GET|POST|PUT", "/repository/{repository:repo}/mirror", ["repo:admin"], "mirrors", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/mirror/sync-now", ["repo:admin"], "mirrors", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/mirror/sync-cancel", ["repo:admin"], "mirrors", REPO_ADMIN_NOTE],
  // Proxy cache (docs/quay-api.md#proxy-cache)
  ["GET", "/organization/{orgname}/proxycache", ["org:admin"], "proxy-cache", "or repo:create"],
  ["POST|DELETE", "/organization/{orgname}/proxycache", ["org:admin"], "proxy-cache"],
  ["POST", "/organization/{orgname}/validateproxycache", ["org:admin"], "proxy-cache"],
  // Auto-prune (docs/quay-api.md#auto-prune)
  ["GET|POST", "/organization/{orgname}/autoprunepolicy/", ["org:admin"], "auto-prune"],
  ["GET|PUT|DELETE", "/organization/{orgname}/autoprunepolicy/{policy_uuid}", ["org:admin"], "auto-prune"],
  [
    "GET|POST",
    "/repository/{repository:repo}/autoprunepolicy/",
    ["repo:admin"],
    "auto-prune",
    REPO_ADMIN_NOTE,
  ],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/autoprunepolicy/{policy_uuid}",
    ["repo:admin"],
    "auto-prune",
    REPO_ADMIN_NOTE,
  ],
  ["GET|POST", "/user/autoprunepolicy/", ["user:admin"], "auto-prune"],
  ["GET|PUT|DELETE", "/user/autoprunepolicy/{policy_uuid}", ["user:admin"], "auto-prune"],
  // Immutability policies (docs/quay-api.md#immutability)
  ["GET|POST", "/organization/{orgname}/immutabilitypolicy/", ["org:admin"], "immutability"],
  [
    "GET|PUT|DELETE",
    "/organization/{orgname}/immutabilitypolicy/{policy_uuid}",
    ["org:admin"],
    "immutability",
  ],
  [
    "GET|POST",
    "/repository/{repository:repo}/immutabilitypolicy/",
    ["repo:admin"],
    "immutability",
    REPO_ADMIN_NOTE,
  ],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/immutabilitypolicy/{policy_uuid}",
    ["repo:admin"],
    "immutability",
    REPO_ADMIN_NOTE,
  ],
  // Notifications (docs/quay-api.md#notifications)
  [
    "GET|POST",
    "/repository/{repository:repo}/notification/",
    ["repo:admin"],
    "notifications",
    REPO_ADMIN_NOTE,
  ],
  [
    "GET|POST|DELETE",
    "/repository/{repository:repo}/notification/{uuid}",
    ["repo:admin"],
    "notifications",
    REPO_ADMIN_NOTE,
  ],
  [
    "POST",
    "/repository/{repository:repo}/notification/{uuid}/test",
    ["repo:admin"],
    "notifications",
    REPO_ADMIN_NOTE,
  ],
  [
    "GET|POST",
    "/repository/{repository:repo}/authorizedemail/{email}",
    ["repo:admin"],
    "notifications",
    REPO_ADMIN_NOTE,
  ],
  // Audit logs (docs/quay-api.md#audit-logs)
  ["GET", "/organization/{orgname}/logs", ["org:admin"], "audit-logs"],
  ["GET", "/organization/{orgname}/aggregatelogs", ["org:admin"], "audit-logs"],
  ["GET", "/repository/{repository:repo}/logs", ["repo:admin"], "audit-logs", REPO_ADMIN_NOTE],
  ["GET", "/repository/{repository:repo}/aggregatelogs", ["repo:admin"], "audit-logs", REPO_ADMIN_NOTE],
  ["GET", "/user/logs", ["user:admin"], "audit-logs"],
  ["GET", "/user/aggregatelogs", ["user:admin"], "audit-logs"],
  ["GET", "/superuser/logs", ["super:user"], "audit-logs", SUPERUSER],
  ["GET", "/superuser/aggregatelogs", ["super:user"], "audit-logs", SUPERUSER],
  // Org application tokens (docs/quay-api.md#bootstrap, docs/quay-api.md#names+)
  ["GET|POST", "/organization/{orgname}/applications", ["org:admin"], "authentication"],
  ["GET|POST", "/organization/{orgname}/applications/{client_id}/tokens", ["org:admin"], "authentication"],
  [
    "DELETE",
    "/organization/{orgname}/applications/{client_id}/tokens/{token_uuid}",
    ["org:admin"],
    "authentication",
  ],
  // Session sign-in (docs/client.md): for a session, not a token; verify needs user:admin of a token.
  ["POST", "/signin", [], "sessions"],
  ["POST", "/signin/verify", ["user:admin"], "sessions"],
  ["POST", "/signout", [], "sessions"],
  // Discovery and helpers (docs/quay-api.md#discovery)
  ["GET", "/discovery", [], "discovery"],
  ["GET", "/entities/{prefix}", [], "discovery"],
  ["GET", "/error/{error_type}", [], "discovery"],
];

const API_PREFIX = "/api/v1";

interface CompiledRoute extends RouteSpec {
  readonly regex: RegExp;
  /** Literal characters in the template: more literal text = more specific, tried first. */
  readonly weight: number;
}

function compile(template: string): { regex: RegExp; weight: number } {
  let source = "";
  let weight = 0;
  for (const part of template.split(/(\{[a-z_]+(?::repo)?\})/)) {
    if (part.endsWith(":repo}")) {
      // Quay's `apirepopath` converter: `[^/]+(/[^/]+)+` (docs/quay-api.md#routing). Lazy, so that
      // `ns/app/mirror` resolves to the mirror route, as Werkzeug's rule ordering does.
      source += "[^/]+(?:/[^/]+)+?";
    } else if (/^\{[a-z_]+\}$/.test(part)) {
      source += "[^/]+";
    } else {
      source += part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      weight += part.length;
    }
  }
  return { regex: new RegExp(`^${source}$`), weight };
}

/** Every known route with its scope requirement (the table above, expanded per method). */
export const ROUTES: readonly RouteSpec[] = ROWS.flatMap(([methods, template, scopes, section, note]) =>
  methods.split("|").map(
    (method): RouteSpec => ({
      method: method as HttpMethod,
      template: `${API_PREFIX}${template}`,
      scopes,
      section,
      ...(note === undefined ? {} : { note }),
    }),
  ),
);

const COMPILED: readonly CompiledRoute[] = ROUTES.map((r) => ({ ...r, ...compile(r.template) })).sort(
  (a, b) => b.weight - a.weight,
);

/**
 * The known route a request path belongs to. `path` may carry a query string (ignored). HEAD
 * matches like GET. Returns undefined for unknown paths (e.g. the emulator's control API).
 */
export function matchRoute(method: string, path: string): RouteSpec | undefined {
  const m = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  const q = path.indexOf("?");
  const p = q === -1 ? path : path.slice(0, q);
  let sameTemplate: CompiledRoute | undefined;
  for (const r of COMPILED) {
    if (!r.regex.test(p)) continue;
    if (r.method === m) return r;
    sameTemplate ??= r;
  }
  // A wrong method on a known path still has a template (the counter files it there), but no
  // scope: Quay answers 405 for it (docs/quay-api.md#emulator-gotchas), whatever the token.
  return sameTemplate
    ? { method: m as HttpMethod, template: sameTemplate.template, scopes: [], section: "routing" }
    : undefined;
}

/** The scope requirement of a (method, route template) pair, e.g. `("PUT", "/api/v1/organization/{orgname}/robots/{robot_shortname}")`. */
export function scopeForRoute(method: string, template: string): ScopeRequirement | undefined {
  const m = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  return ROUTES.find((r) => r.method === m && r.template === template);
}

/** "this needs a token with scope org:admin (docs/quay-api.md#scopes)", or undefined when no scope applies. */
export function describeScopeNeed(req: ScopeRequirement): string | undefined {
  if (req.scopes.length === 0) return undefined;
  const list = req.scopes.length === 1 ? `scope ${req.scopes[0]}` : `scopes ${req.scopes.join(" and ")}`;
  const note = req.note ? ` (${req.note})` : "";
  return `this needs a token with ${list}${note} (docs/quay-api.md#scopes)`;
}

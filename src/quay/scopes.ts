/**
 * The API routes the client knows, each with the OAuth scope Quay really needs for it.
 *
 * Quay enforces scopes by capping the roles the token's user has (QUAY-API §1.3), so the
 * `@require_scope` metadata in Quay's source is not what counts: this table follows the
 * "effective scope needed" table of §1.3 and the per-resource sections it cites. It serves two
 * purposes: the hint in a 401/403 error ("this needs a token with scope org:admin"), and the
 * route template under which the request counter files each request.
 *
 * Templates use Quay's own parameter names (as the emulator's route table does, so counter keys
 * and fault matchers are interchangeable): `{name}` is one path segment, `{name:repo}` a repository
 * reference of two or more segments (`namespace/name[/more]`, Quay's `apirepopath`, QUAY-API §1.2).
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
  /** QUAY-API.md section for the route. */
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
  // Organizations (§4)
  ["POST", "/organization/", ["user:admin"], "§4.2"],
  ["GET", "/organization/{orgname}", ["org:admin"], "§4.3", "without it the view has no teams and quotas"],
  ["PUT|DELETE", "/organization/{orgname}", ["org:admin"], "§4.4"],
  ["GET", "/organization/{orgname}/members", ["org:admin"], "§4.7"],
  ["GET|DELETE", "/organization/{orgname}/members/{membername}", ["org:admin"], "§4.7"],
  ["GET", "/organization/{orgname}/collaborators", ["org:admin"], "§4.1"],
  ["GET", "/superuser/organizations/", ["super:user"], "§4.6", SUPERUSER],
  ["PUT|DELETE", "/superuser/organizations/{name}", ["super:user"], "§4.6", SUPERUSER],
  ["POST", "/superuser/takeownership/{namespace}", ["super:user"], "§4.1", SUPERUSER],
  // Users (§5)
  ["GET", "/user/", ["user:read"], "§5.3"],
  ["GET", "/users/{username}", [], "§5.2"],
  ["GET|POST", "/superuser/users/", ["super:user"], "§5.4", SUPERUSER],
  ["GET|PUT|DELETE", "/superuser/users/{username}", ["super:user"], "§5.5", SUPERUSER],
  ["POST", "/superusers/users/{username}/sendrecovery", ["super:user"], "§5.1", SUPERUSER],
  // Robots (§6)
  ["GET", "/organization/{orgname}/robots", ["org:admin"], "§6.4"],
  ["GET|PUT|DELETE", "/organization/{orgname}/robots/{robot_shortname}", ["org:admin"], "§6.2"],
  ["POST", "/organization/{orgname}/robots/{robot_shortname}/regenerate", ["org:admin"], "§6.5"],
  [
    "GET",
    "/organization/{orgname}/robots/{robot_shortname}/permissions",
    ["org:admin", "user:admin"],
    "§6.5",
  ],
  ["GET|POST|DELETE", "/organization/{orgname}/robots/{robot_shortname}/federation", ["org:admin"], "§6.5"],
  ["GET", "/user/robots", ["user:admin"], "§6.1"],
  ["GET|PUT|DELETE", "/user/robots/{robot_shortname}", ["user:admin"], "§6.1"],
  ["POST", "/user/robots/{robot_shortname}/regenerate", ["user:admin"], "§6.1"],
  ["GET", "/user/robots/{robot_shortname}/permissions", ["user:admin"], "§6.1"],
  ["GET|POST|DELETE", "/user/robots/{robot_shortname}/federation", ["user:admin"], "§6.1"],
  // Teams (§7)
  ["PUT|DELETE", "/organization/{orgname}/team/{teamname}", ["org:admin"], "§7.2"],
  ["GET", "/organization/{orgname}/team/{teamname}/members", ["org:admin"], "§7.4"],
  ["PUT|DELETE", "/organization/{orgname}/team/{teamname}/members/{membername}", ["org:admin"], "§7.4"],
  ["PUT|DELETE", "/organization/{orgname}/team/{teamname}/invite/{email}", ["org:admin"], "§7.4"],
  ["GET", "/organization/{orgname}/team/{teamname}/permissions", ["org:admin"], "§7.5"],
  [
    "POST|DELETE",
    "/organization/{orgname}/team/{teamname}/syncing",
    ["org:admin", "super:user"],
    "§7.6",
    "super:user is not needed with FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP",
  ],
  // Repositories (§8)
  ["POST", "/repository", ["repo:create"], "§8.2", "or org:admin, and a creator or admin team role"],
  ["GET", "/repository", ["repo:read"], "§8.4"],
  ["GET", "/repository/{repository:repo}", ["repo:read"], "§8.3"],
  ["PUT", "/repository/{repository:repo}", ["repo:write"], "§8.5", REPO_ADMIN_NOTE],
  ["DELETE", "/repository/{repository:repo}", ["repo:admin"], "§8.8", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/changevisibility", ["repo:admin"], "§8.6", REPO_ADMIN_NOTE],
  ["PUT", "/repository/{repository:repo}/changestate", ["repo:admin"], "§8.7", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/changetrust", ["repo:admin"], "§8.1", REPO_ADMIN_NOTE],
  ["GET", "/repository/{repository:repo}/tag/", ["repo:read"], "§8.9"],
  ["PUT|DELETE", "/repository/{repository:repo}/tag/{tag}", ["repo:write"], "§8.9"],
  // Repository permissions (§9)
  ["GET", "/repository/{repository:repo}/permissions/user/", ["repo:admin"], "§9.1", REPO_ADMIN_NOTE],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/permissions/user/{username}",
    ["repo:admin"],
    "§9.1",
    REPO_ADMIN_NOTE,
  ],
  [
    "GET",
    "/repository/{repository:repo}/permissions/user/{username}/transitive",
    ["repo:admin"],
    "§9.1",
    REPO_ADMIN_NOTE,
  ],
  ["GET", "/repository/{repository:repo}/permissions/team/", ["repo:admin"], "§9.1", REPO_ADMIN_NOTE],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/permissions/team/{teamname}",
    ["repo:admin"],
    "§9.1",
    REPO_ADMIN_NOTE,
  ],
  // Default permissions (§10)
  ["GET|POST", "/organization/{orgname}/prototypes", ["org:admin"], "§10.1"],
  ["PUT|DELETE", "/organization/{orgname}/prototypes/{prototypeid}", ["org:admin"], "§10.1"],
  // Quotas (§11): reads need an org member role, writes a FULL_ACCESS superuser (≥3.16).
  ["GET", "/organization/{orgname}/quota", ["org:admin"], "§11.1", "or repo:create"],
  ["POST", "/organization/{orgname}/quota", ["super:user"], "§11.1", FULL_ACCESS],
  ["GET", "/organization/{orgname}/quota/{quota_id}", ["org:admin"], "§11.1", "or repo:create"],
  ["PUT|DELETE", "/organization/{orgname}/quota/{quota_id}", ["super:user"], "§11.1", FULL_ACCESS],
  ["GET", "/organization/{orgname}/quota/{quota_id}/limit", ["org:admin"], "§11.1", "or repo:create"],
  ["POST", "/organization/{orgname}/quota/{quota_id}/limit", ["super:user"], "§11.1", FULL_ACCESS],
  [
    "GET",
    "/organization/{orgname}/quota/{quota_id}/limit/{limit_id}",
    ["org:admin"],
    "§11.1",
    "or repo:create",
  ],
  [
    "PUT|DELETE",
    "/organization/{orgname}/quota/{quota_id}/limit/{limit_id}",
    ["super:user"],
    "§11.1",
    FULL_ACCESS,
  ],
  ["GET|POST", "/superuser/organization/{namespace}/quota", ["super:user"], "§11.5", SUPERUSER],
  ["PUT|DELETE", "/superuser/organization/{namespace}/quota/{quota_id}", ["super:user"], "§11.5", SUPERUSER],
  ["GET|POST", "/superuser/users/{namespace}/quota", ["super:user"], "§11.5", SUPERUSER],
  ["PUT|DELETE", "/superuser/users/{namespace}/quota/{quota_id}", ["super:user"], "§11.5", SUPERUSER],
  ["GET|POST", "/superuser/registrysize/", ["super:user"], "§11.4", SUPERUSER],
  ["GET", "/user/quota", ["user:read"], "§11.6"],
  ["GET", "/user/quota/{quota_id}", ["user:read"], "§11.6"],
  ["GET", "/user/quota/{quota_id}/limit", ["user:read"], "§11.6"],
  ["GET", "/user/quota/{quota_id}/limit/{limit_id}", ["user:read"], "§11.6"],
  // Mirroring (§12)
  ["GET|POST|PUT", "/repository/{repository:repo}/mirror", ["repo:admin"], "§12.1", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/mirror/sync-now", ["repo:admin"], "§12.6", REPO_ADMIN_NOTE],
  ["POST", "/repository/{repository:repo}/mirror/sync-cancel", ["repo:admin"], "§12.6", REPO_ADMIN_NOTE],
  // Proxy cache (§13)
  ["GET", "/organization/{orgname}/proxycache", ["org:admin"], "§13", "or repo:create"],
  ["POST|DELETE", "/organization/{orgname}/proxycache", ["org:admin"], "§13"],
  ["POST", "/organization/{orgname}/validateproxycache", ["org:admin"], "§13"],
  // Auto-prune (§14)
  ["GET|POST", "/organization/{orgname}/autoprunepolicy/", ["org:admin"], "§14.1"],
  ["GET|PUT|DELETE", "/organization/{orgname}/autoprunepolicy/{policy_uuid}", ["org:admin"], "§14.1"],
  ["GET|POST", "/repository/{repository:repo}/autoprunepolicy/", ["repo:admin"], "§14.1", REPO_ADMIN_NOTE],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/autoprunepolicy/{policy_uuid}",
    ["repo:admin"],
    "§14.1",
    REPO_ADMIN_NOTE,
  ],
  ["GET|POST", "/user/autoprunepolicy/", ["user:admin"], "§14.1"],
  ["GET|PUT|DELETE", "/user/autoprunepolicy/{policy_uuid}", ["user:admin"], "§14.1"],
  // Immutability policies (docs/quay-api.md#immutability)
  ["GET|POST", "/organization/{orgname}/immutabilitypolicy/", ["org:admin"], "#immutability"],
  [
    "GET|PUT|DELETE",
    "/organization/{orgname}/immutabilitypolicy/{policy_uuid}",
    ["org:admin"],
    "#immutability",
  ],
  [
    "GET|POST",
    "/repository/{repository:repo}/immutabilitypolicy/",
    ["repo:admin"],
    "#immutability",
    REPO_ADMIN_NOTE,
  ],
  [
    "GET|PUT|DELETE",
    "/repository/{repository:repo}/immutabilitypolicy/{policy_uuid}",
    ["repo:admin"],
    "#immutability",
    REPO_ADMIN_NOTE,
  ],
  // Notifications (§15)
  ["GET|POST", "/repository/{repository:repo}/notification/", ["repo:admin"], "§15", REPO_ADMIN_NOTE],
  [
    "GET|POST|DELETE",
    "/repository/{repository:repo}/notification/{uuid}",
    ["repo:admin"],
    "§15",
    REPO_ADMIN_NOTE,
  ],
  ["POST", "/repository/{repository:repo}/notification/{uuid}/test", ["repo:admin"], "§15", REPO_ADMIN_NOTE],
  [
    "GET|POST",
    "/repository/{repository:repo}/authorizedemail/{email}",
    ["repo:admin"],
    "#notifications",
    REPO_ADMIN_NOTE,
  ],
  // Audit logs (§16)
  ["GET", "/organization/{orgname}/logs", ["org:admin"], "§16.1"],
  ["GET", "/organization/{orgname}/aggregatelogs", ["org:admin"], "§16.1"],
  ["GET", "/repository/{repository:repo}/logs", ["repo:admin"], "§16.1", REPO_ADMIN_NOTE],
  ["GET", "/repository/{repository:repo}/aggregatelogs", ["repo:admin"], "§16.1", REPO_ADMIN_NOTE],
  ["GET", "/user/logs", ["user:admin"], "§16.1"],
  ["GET", "/user/aggregatelogs", ["user:admin"], "§16.1"],
  ["GET", "/superuser/logs", ["super:user"], "§16.1", SUPERUSER],
  ["GET", "/superuser/aggregatelogs", ["super:user"], "§16.1", SUPERUSER],
  // Org application tokens (§2.2, 3.18+)
  ["GET|POST", "/organization/{orgname}/applications", ["org:admin"], "§2.2"],
  ["GET|POST", "/organization/{orgname}/applications/{client_id}/tokens", ["org:admin"], "§2.2"],
  ["DELETE", "/organization/{orgname}/applications/{client_id}/tokens/{token_uuid}", ["org:admin"], "§2.2"],
  // Session sign-in (docs/client.md): for a session, not a token; verify needs user:admin of a token.
  ["POST", "/signin", [], "§1.3"],
  ["POST", "/signin/verify", ["user:admin"], "§1.3"],
  ["POST", "/signout", [], "§1.3"],
  // Discovery and helpers (§16.3)
  ["GET", "/discovery", [], "§16.3"],
  ["GET", "/entities/{prefix}", [], "§16.3"],
  ["GET", "/error/{error_type}", [], "§16.3"],
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
      // Quay's `apirepopath` converter: `[^/]+(/[^/]+)+` (QUAY-API §1.2). Lazy, so that
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
  // scope: Quay answers 405 for it (QUAY-API §21), whatever the token.
  return sameTemplate
    ? { method: m as HttpMethod, template: sameTemplate.template, scopes: [], section: "§21" }
    : undefined;
}

/** The scope requirement of a (method, route template) pair, e.g. `("PUT", "/api/v1/organization/{orgname}/robots/{robot_shortname}")`. */
export function scopeForRoute(method: string, template: string): ScopeRequirement | undefined {
  const m = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  return ROUTES.find((r) => r.method === m && r.template === template);
}

/** "this needs a token with scope org:admin (QUAY-API §1.3)", or undefined when no scope applies. */
export function describeScopeNeed(req: ScopeRequirement): string | undefined {
  if (req.scopes.length === 0) return undefined;
  const list = req.scopes.length === 1 ? `scope ${req.scopes[0]}` : `scopes ${req.scopes.join(" and ")}`;
  const note = req.note ? ` (${req.note})` : "";
  const sections = req.section === "§1.3" ? "§1.3" : `§1.3, ${req.section}`;
  return `this needs a token with ${list}${note} (QUAY-API ${sections})`;
}

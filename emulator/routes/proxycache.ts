import { body, type Ctx, created, log, ok, param, type Reply } from "../context";
import { DataModelError, invalidRequest, notFound, unauthorized } from "../errors";
import { checkRegistryAuthority, SsrfBlocked, UpstreamInvalid } from "../ssrf";
import type { ProxyCacheConfig } from "../state";
import { apiRoute, gates } from "./shared";

/** Proxy cache configuration of an organization (docs/quay-api.md#proxy-cache). */

const NEW_PROXY_CACHE = {
  type: "object",
  required: ["upstream_registry"],
  properties: { upstream_registry: { type: "string" } },
};

function view(config: ProxyCacheConfig | undefined): unknown {
  // Without a configuration every field is "" — including the int and bool ones (docs/quay-api.md#proxy-cache).
  return {
    upstream_registry: config ? config.upstreamRegistry : "",
    expiration_s: config ? config.expirationS : "",
    insecure: config ? config.insecure : "",
  };
}

function configOf(ctx: Ctx, orgname: string): ProxyCacheConfig | undefined {
  const org = ctx.store.org(orgname);
  return org ? ctx.store.proxyCaches.get(org.id) : undefined;
}

/** _validate_upstream_registry: the SSRF check on `http(s)://<host>` (live in 3.18.0). */
async function validateUpstream(ctx: Ctx, upstream: string): Promise<void> {
  const host = upstream.split("/", 1)[0] ?? "";
  try {
    await checkRegistryAuthority(host, {
      resolveDns: ctx.config.resolveUpstreamHosts,
      allowedHosts: ctx.config.ssrfAllowedHosts,
    });
  } catch (e) {
    if (e instanceof SsrfBlocked) throw invalidRequest("The provided registry URL is not allowed");
    if (e instanceof UpstreamInvalid) throw invalidRequest(e.message);
    throw e;
  }
}

function getProxyCache(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const { perms } = ctx;
  if (!perms.orgMember(orgname) && !perms.canViewAsSuperuser()) throw unauthorized(perms.authenticated);
  // Never 404s (docs/quay-api.md#proxy-cache).
  return ok(view(configOf(ctx, orgname)));
}

/** The checks shared by create and validate, up to the upstream check. Returns the parsed body. */
async function precheck(ctx: Ctx, creating = false): Promise<Record<string, unknown>> {
  const data = body<Record<string, unknown>>(ctx, NEW_PROXY_CACHE);
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  if (configOf(ctx, orgname)) throw invalidRequest("Proxy Cache Configuration already exists");
  // The create's immutable-tags check loads the organization first (get_organization), so a user
  // namespace or a missing org is an uncaught DataModelException there (quay v3.18.0
  // endpoints/api/organization.py; observed).
  if (creating && ctx.config.feature("FEATURE_IMMUTABLE_TAGS") && !ctx.store.org(orgname))
    throw new DataModelError(`Organization does not exist: ${orgname}`);
  await validateUpstream(ctx, String(data.upstream_registry ?? ""));
  // The DNS lookup awaited above: re-check so two concurrent creates cannot both pass.
  if (configOf(ctx, orgname)) throw invalidRequest("Proxy Cache Configuration already exists");
  return data;
}

async function createProxyCache(ctx: Ctx): Promise<Reply> {
  const data = await precheck(ctx, true);
  const orgname = param(ctx, "orgname");
  const org = ctx.store.org(orgname);
  const upstream = data.upstream_registry as string;
  const expiration = data.expiration_s ?? 86400;
  const insecure = data.insecure ?? false;
  // create_proxy_cache_config checks the host once more, by name only (resolve_dns=False): a blocked
  // name that resolved to an allowed address passed the endpoint's check but fails here.
  let nameOk = true;
  try {
    await checkRegistryAuthority(upstream.split("/", 1)[0] ?? "", {
      resolveDns: false,
      allowedHosts: ctx.config.ssrfAllowedHosts,
    });
  } catch (e) {
    if (!(e instanceof SsrfBlocked || e instanceof UpstreamInvalid)) throw e;
    nameOk = false;
  }
  // create_proxy_cache_config fails for non-orgs (own user namespace, missing org) and values the
  // database refuses; the endpoint turns every such failure into one message (docs/quay-api.md#proxy-cache).
  const valid =
    nameOk &&
    org &&
    upstream.length <= 270 &&
    Number.isInteger(expiration) &&
    typeof insecure === "boolean" &&
    (data.upstream_registry_username === undefined ||
      data.upstream_registry_username === null ||
      typeof data.upstream_registry_username === "string") &&
    (data.upstream_registry_password === undefined ||
      data.upstream_registry_password === null ||
      typeof data.upstream_registry_password === "string");
  if (!valid) throw invalidRequest("Error while creating Proxy cache configuration");
  ctx.store.proxyCaches.set(org.id, {
    orgId: org.id,
    upstreamRegistry: upstream,
    username: (data.upstream_registry_username as string | null | undefined) ?? null,
    password: (data.upstream_registry_password as string | null | undefined) ?? null,
    expirationS: expiration as number,
    insecure: insecure as boolean,
  });
  log(ctx, "create_proxy_cache_config", orgname, { upstream_registry: upstream || null });
  return created("Created");
}

function deleteProxyCache(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  const config = configOf(ctx, orgname);
  if (!config) throw notFound();
  ctx.store.proxyCaches.delete(config.orgId);
  log(ctx, "delete_proxy_cache_config", orgname, {});
  // 201 "Deleted", not 204 (docs/quay-api.md#proxy-cache).
  return created("Deleted");
}

/**
 * validateproxycache: Quay contacts `<upstream>/v2/`; so does the emulator, with a short timeout:
 * 200 → "Valid", 401 → "Anonymous" (or a login failure when credentials were given).
 */
/** proxy/__init__.py parse_www_auth: `key=value` pairs and the first word as `scheme`. */
function parseWwwAuth(value: string): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const m of value.matchAll(/(\w+)[=] ?"?([^",]+)"?/g)) parsed[m[1] as string] = m[2] as string;
  const scheme = value.split(" ", 1)[0];
  if (scheme) parsed.scheme = scheme;
  return parsed;
}

/** An upstream that failed the validation: Quay's UpstreamRegistryError (and UpstreamAuthError). */
class UpstreamError extends Error {}

/**
 * The validation path of Quay's registry client (quay v3.18.0 proxy/__init__.py Proxy with
 * validation=True and no repository): `/v2/`, on 401 the token dance of its WWW-Authenticate
 * challenge, and a final 401 allowed (anonymous pulls). Returns the last status of `/v2/`.
 */
async function probeUpstream(base: string, credentials: [string, string] | undefined): Promise<number> {
  const session: Record<string, string> = {};
  const get = async (url: string, extra: Record<string, string> = {}): Promise<Response> => {
    try {
      return await fetch(url, {
        headers: { ...session, ...extra },
        signal: AbortSignal.timeout(5000),
        redirect: "follow",
      });
    } catch (e) {
      throw new UpstreamError(String(e));
    }
  };
  const basic = (c: [string, string]) => `Basic ${Buffer.from(`${c[0]}:${c[1]}`).toString("base64")}`;
  const authorize = async (force: boolean): Promise<void> => {
    if (force) delete session.Authorization;
    const first = await get(`${base}/v2/`);
    await first.body?.cancel();
    if (first.status === 200) return;
    const challenge = parseWwwAuth(first.headers.get("www-authenticate") ?? "");
    if (String(challenge.scheme).toLowerCase() === "basic" && credentials) {
      session.Authorization = basic(credentials);
      return;
    }
    const query =
      challenge.service === undefined ? "" : `?${new URLSearchParams({ service: challenge.service })}`;
    // Python's f"{realm}" of a missing realm is "None": no URL at all, a request error.
    const realm = challenge.realm ?? "None";
    const tokenRes = await get(`${realm}${query}`, credentials ? { Authorization: basic(credentials) } : {});
    if ((tokenRes.status === 401 || tokenRes.status === 403) && !credentials) {
      await tokenRes.body?.cancel();
      return;
    }
    if (!tokenRes.ok) {
      await tokenRes.body?.cancel();
      throw new UpstreamError(`Failed to get token from: '${realm}', with status code: ${tokenRes.status}`);
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = (await tokenRes.json()) as typeof body;
    } catch (e) {
      throw new UpstreamError(String(e));
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== "string")
      throw new UpstreamError(`Failed to get authentication token from: '${realm}' response`);
    session.Authorization = `Bearer ${token}`;
  };
  await authorize(false);
  let res = await get(`${base}/v2/`);
  await res.body?.cancel();
  if (res.status === 401) {
    await authorize(true);
    res = await get(`${base}/v2/`);
    await res.body?.cancel();
  }
  if (res.status === 401) return 401;
  if (!res.ok) throw new UpstreamError(String(res.status));
  return res.status;
}

async function validateProxyCache(ctx: Ctx): Promise<Reply> {
  const data = await precheck(ctx);
  const upstream = String(data.upstream_registry ?? "");
  const host = upstream.split("/", 1)[0];
  const scheme = data.insecure === true ? "http" : "https";
  const user = data.upstream_registry_username;
  const password = data.upstream_registry_password;
  const credentials: [string, string] | undefined =
    typeof user === "string" && typeof password === "string" ? [user, password] : undefined;
  let status: number;
  try {
    status = await probeUpstream(`${scheme}://${host}`, credentials);
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    throw invalidRequest("Failed login to remote registry. Please verify entered details and try again.");
  }
  if (status === 200) return { status: 202, body: "Valid" };
  if (status === 401) return { status: 202, body: "Anonymous" };
  throw invalidRequest("Failed to validate Proxy cache configuration");
}

const proxy = { enabled: gates.proxyCache };

export const proxyCacheRoutes = [
  apiRoute(
    "/api/v1/organization/{orgname}/proxycache",
    { GET: getProxyCache, POST: createProxyCache, DELETE: deleteProxyCache },
    proxy,
  ),
  apiRoute("/api/v1/organization/{orgname}/validateproxycache", { POST: validateProxyCache }, proxy),
];

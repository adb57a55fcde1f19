import { type FeatureGate, kindFeatures } from "../../kinds";
import { isQuayApiError } from "../errors";
import { type QuaySession, REGISTRY_SCOPE } from "./session";

/** Features a desired state may need, by Quay's config key: the kinds' (src/kinds/) and superusers. */
export type Feature = FeatureGate["flag"] | "FEATURE_SUPER_USERS";

/**
 * An endpoint a feature registers: each kind's descriptor names its own (`feature.probe`). Quay does
 * not register a disabled feature's endpoints (docs/quay-api.md#features), so they are missing from
 * its Swagger document (`GET /api/v1/discovery`, docs/quay-api.md#discovery). Probing the endpoints
 * themselves does not work for all of them: with mirroring off, a `.../mirror` path falls to the
 * greedy repository route and answers an API 404 like a missing repository would.
 */
function probePath(feature: Feature): string | undefined {
  if (feature === "FEATURE_SUPER_USERS") return "/api/v1/superuser/users/";
  return kindFeatures().get(feature)?.probe;
}

export interface CapabilityReport {
  /** Features that are needed and missing, with the reason. */
  missing: { feature: Feature; reason: string }[];
  superUser: boolean;
  /** False when the registry did not answer the discovery document; then only the user was checked. */
  discovered: boolean;
}

const shape = (p: string) => p.replace(/\{[^}]*\}/g, "{}");

/**
 * Checks the features `needs` lists with two requests: the discovery document and who the token
 * or session belongs to (`GET /api/v1/user/`, docs/quay-api.md#users: users and quotas need a superuser). FULL_ACCESS is not
 * visible through the API; a quota write without it fails with the client's scope hint.
 */
export async function probeCapabilities(
  s: QuaySession,
  needs: ReadonlySet<Feature>,
): Promise<CapabilityReport> {
  const missing: CapabilityReport["missing"] = [];
  const [me, registered] = await Promise.all([s.me(), discover(s)]);
  if (needs.has("FEATURE_SUPER_USERS") && !me.superUser) {
    missing.push({
      feature: "FEATURE_SUPER_USERS",
      reason:
        s.client.auth === "session"
          ? `the signed-in account ${me.username} is not a superuser (SUPER_USERS in Quay's config.yaml): managing users and quotas needs one`
          : `the token's user ${me.username} is not a superuser (SUPER_USERS in Quay's config.yaml, and a token with super:user): managing users and quotas needs one`,
    });
  }
  if (registered) {
    for (const feature of needs) {
      if (feature === "FEATURE_SUPER_USERS" && missing.some((m) => m.feature === feature)) continue;
      const path = probePath(feature);
      if (path !== undefined && !registered.has(path)) {
        missing.push({
          feature,
          reason: `${feature} is off in Quay's config.yaml (its API endpoints are not registered)`,
        });
      }
    }
  }
  missing.sort((a, b) => (a.feature < b.feature ? -1 : 1));
  return { missing, superUser: me.superUser, discovered: registered !== undefined };
}

const discovered = new WeakMap<QuaySession, Promise<Set<string> | undefined>>();

/**
 * The API paths the registry registers (its Swagger document, docs/quay-api.md#discovery), with `{}` for every path
 * parameter; undefined when it does not serve the document. One request per session (run).
 */
export function discover(s: QuaySession): Promise<Set<string> | undefined> {
  let p = discovered.get(s);
  if (!p) {
    p = (async () => {
      try {
        const r = await s.get<{ paths?: Record<string, unknown> }>("/api/v1/discovery", {
          scope: REGISTRY_SCOPE,
        });
        return new Set(Object.keys(r?.paths ?? {}).map(shape));
      } catch (e) {
        if (isQuayApiError(e) && (e.unrouted || e.status === 404 || e.status === 401 || e.status === 403))
          return undefined;
        throw e;
      }
    })();
    discovered.set(s, p);
    // A failed request is not remembered: the next caller asks again.
    p.catch(() => {
      if (discovered.get(s) === p) discovered.delete(s);
    });
  }
  return p;
}

/**
 * Can a team hold pending invitations of users? Only with FEATURE_MAILING (with
 * FEATURE_REQUIRE_TEAM_INVITE) does adding a user who is in no team of the organization create an
 * invite instead of a membership (docs/quay-api.md#teams, docs/quay-api.md#ordering); the invite endpoints exist only with mailing on
 * (docs/quay-api.md#features), so the discovery document tells. Without the document: assume they can.
 */
export async function mayHaveInvites(s: QuaySession): Promise<boolean> {
  const paths = await discover(s);
  return paths === undefined || invitesRegistered(paths);
}

export const invitesRegistered = (paths: ReadonlySet<string>): boolean =>
  paths.has("/api/v1/organization/{}/team/{}/invite/{}");

/** What Quay's web UI is told about the registry (`GET /config`). */
export interface WebConfig {
  /** Every FEATURE_* flag by its name without the prefix (`REPO_MIRROR`). */
  features: Record<string, boolean>;
  tagExpirationOptions?: string[];
  authenticationType?: string;
  serverHostname?: string;
}

/**
 * Quay's `GET /config` (a web route, no authentication needed; quay v3.18.0 endpoints/web.py
 * `config`): every feature flag (features/__init__.py `get_features`) and the config keys of
 * config.py CLIENT_WHITELIST, among them TAG_EXPIRATION_OPTIONS, AUTHENTICATION_TYPE and
 * SERVER_HOSTNAME, which no API endpoint tells (docs/quay-api.md#features).
 * Undefined when the registry does not serve it (then only the discovery document can tell
 * features apart, `discover`). One request per session.
 */
export async function readWebConfig(s: QuaySession): Promise<WebConfig | undefined> {
  let doc: { config?: Record<string, unknown>; features?: Record<string, unknown> } | undefined;
  try {
    doc = await s.get("/config", { scope: REGISTRY_SCOPE });
  } catch (e) {
    if (isQuayApiError(e) && (e.unrouted || e.status === 404 || e.status === 401 || e.status === 403))
      return undefined;
    throw e;
  }
  if (!doc || typeof doc !== "object" || !doc.features || typeof doc.features !== "object") return undefined;
  const features: Record<string, boolean> = {};
  // Flask config values may be strings in a hand-edited config.yaml (features/__init__.py __bool__).
  for (const [k, v] of Object.entries(doc.features))
    features[k] = typeof v === "string" ? v.toLowerCase() === "true" : v === true;
  const config = doc.config ?? {};
  const options = config.TAG_EXPIRATION_OPTIONS;
  const out: WebConfig = { features };
  if (Array.isArray(options) && options.every((o) => typeof o === "string"))
    out.tagExpirationOptions = options;
  if (typeof config.AUTHENTICATION_TYPE === "string") out.authenticationType = config.AUTHENTICATION_TYPE;
  if (typeof config.SERVER_HOSTNAME === "string") out.serverHostname = config.SERVER_HOSTNAME;
  return out;
}

/** The features the registry registers endpoints for, from the discovery document (undefined without it). */
export async function registeredFeatures(s: QuaySession): Promise<Map<Feature, boolean> | undefined> {
  const paths = await discover(s);
  if (!paths) return undefined;
  const features: Feature[] = [...(kindFeatures().keys() as Iterable<Feature>), "FEATURE_SUPER_USERS"];
  return new Map(features.map((f) => [f, paths.has(probePath(f) ?? "")]));
}

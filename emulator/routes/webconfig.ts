import { type Ctx, ok, type Reply } from "../context";
import { QUAY_FEATURE_DEFAULTS } from "../config";
import type { RouteDef } from "../router";
import type { Handler } from "../context";

/**
 * `GET /config` (web route, no authentication; quay v3.18.0 endpoints/web.py `config`): what the web
 * UI learns about the registry. `features` holds every FEATURE_* flag without its prefix
 * (features/__init__.py `get_features`), `config` the keys of config.py CLIENT_WHITELIST, among
 * them TAG_EXPIRATION_OPTIONS, AUTHENTICATION_TYPE, SERVER_HOSTNAME and the feature flags the UI
 * reads directly. Quay's DefaultConfig gives every key a value, so the emulator writes Quay's
 * defaults where its config has none.
 */
function webConfig(ctx: Ctx): Reply {
  const raw = ctx.config.raw as Record<string, unknown>;
  const flags = new Set([
    ...Object.keys(QUAY_FEATURE_DEFAULTS),
    ...Object.keys(raw).filter((k) => k.startsWith("FEATURE_")),
  ]);
  const features: Record<string, boolean> = {};
  for (const flag of [...flags].sort()) features[flag.slice("FEATURE_".length)] = ctx.config.feature(flag);
  const config: Record<string, unknown> = {
    SERVER_HOSTNAME: new URL(ctx.baseUrl).host,
    PREFERRED_URL_SCHEME: ctx.baseUrl.startsWith("https") ? "https" : "http",
    AUTHENTICATION_TYPE: ctx.config.authenticationType,
    REGISTRY_TITLE: "Project Quay",
    TAG_EXPIRATION_OPTIONS: ctx.config.raw.TAG_EXPIRATION_OPTIONS ?? ["0s", "1d", "1w", "2w", "4w"],
    ROBOTS_DISALLOW: ctx.config.robotsDisallow,
  };
  for (const flag of [
    "FEATURE_REPO_MIRROR",
    "FEATURE_QUOTA_MANAGEMENT",
    "FEATURE_EDIT_QUOTA",
    "FEATURE_PROXY_CACHE",
    "FEATURE_AUTO_PRUNE",
  ])
    config[flag] = ctx.config.feature(flag);
  return ok({
    config,
    features,
    oauth: {},
    external_login: [],
    registry_state: ctx.config.readOnly ? "readonly" : "normal",
    account_recovery_mode: false,
    version_number: "Quay v3.18.0",
  });
}

export const webConfigRoutes: RouteDef<Handler>[] = [
  { template: "/config", kind: "web", methods: { GET: webConfig } },
];

import { list } from "./support";
import type { KindInfo } from "./types";

const resourceName = (org: string) => org;

/** An organization as a pull-through cache of an upstream registry (docs/quay-api.md#proxy-cache). */
export const proxyCache = {
  name: "ProxyCache",
  words: { one: "proxy cache", many: "proxy caches" },
  schema: ["spec.proxyCache"],
  emulator: "proxycache",
  feature: {
    flag: "FEATURE_PROXY_CACHE",
    probe: "/api/v1/organization/{}/proxycache",
    registry: "proxyCache",
    what: "a proxy cache",
  },
  rights: () => [{ right: "orgAdmin", what: "proxy cache" }],
  resourceName,
  objects: (t) => (t.proxyCache ? [resourceName(t.organization.name)] : []),
  audit(log, _id, org) {
    if (!org) return;
    log.object({ org }, ["create_proxy_cache_config", "delete_proxy_cache_config"], () => true);
  },
  warnings: {
    delete: () => ({
      code: "PROXY_CACHE_DELETE",
      grouped: false,
      message: (n) =>
        `the proxy cache of organization ${list(n)} will be removed: pulls through it stop working`,
    }),
  },
  // The upstream password is an input Quay never returns; it must be stored encrypted.
  secretOutputs: ["password"],
} satisfies KindInfo<"ProxyCache">;

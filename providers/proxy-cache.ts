import { proxyCache as descriptor } from "../src/kinds/proxy-cache";
import {
  createProxyCache,
  deleteProxyCache,
  getProxyCache,
  type ProxyCacheView,
} from "../src/quay/api/proxycache";
import type { Kind } from "./base";
import { type Failures, namespaceName, positiveInt } from "./validate";

/** An organization as a pull-through cache of an upstream registry (docs/quay-api.md#proxy-cache). */
export interface ProxyCacheInputs {
  organization: string;
  upstream: string;
  expirationSeconds: number;
  insecure: boolean;
  /** Never returned by Quay: kept from the state. */
  username?: string;
  /** Write-only: kept in the (encrypted) state. */
  password?: string;
  passwordRef?: string;
}

export type ProxyCacheState = ProxyCacheInputs;

const NO_UPDATE =
  "Quay has no proxy-cache update endpoint (docs/quay-api.md#proxy-cache): a change deletes and re-creates the configuration";

const liveOf = (v: ProxyCacheView, state: ProxyCacheState): ProxyCacheState => ({
  organization: state.organization,
  upstream: v.upstream_registry,
  expirationSeconds: v.expiration_s,
  insecure: v.insecure,
  ...(state.username !== undefined ? { username: state.username } : {}),
  ...(state.password !== undefined ? { password: state.password } : {}),
  ...(state.passwordRef !== undefined ? { passwordRef: state.passwordRef } : {}),
});

const sameConfig = (v: ProxyCacheView, d: ProxyCacheInputs) =>
  v.upstream_registry === d.upstream && v.expiration_s === d.expirationSeconds && v.insecure === d.insecure;

export const proxyCache: Kind<ProxyCacheInputs, ProxyCacheState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: [
    "organization",
    "upstream",
    "expirationSeconds",
    "insecure",
    "username",
    "password",
    "passwordRef",
  ],
  replaceOn: {
    organization: NO_UPDATE,
    upstream: NO_UPDATE,
    expirationSeconds: NO_UPDATE,
    insecure: NO_UPDATE,
    username: NO_UPDATE,
    password: NO_UPDATE,
    passwordRef: NO_UPDATE,
  },
  // One configuration per organization: the old one must go before the new one is created.
  deleteBeforeReplace: true,
  secretFields: ["password"],
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "organization", d.organization);
    if (
      typeof d.upstream !== "string" ||
      d.upstream.length === 0 ||
      d.upstream.length > 270 ||
      /:\/\//.test(d.upstream)
    ) {
      f.push([
        "upstream",
        "must be host[:port][/namespace] without a scheme, at most 270 characters (docs/quay-api.md#proxy-cache)",
      ]);
    }
    positiveInt(f, "expirationSeconds", d.expirationSeconds);
    if (d.password !== undefined && d.username === undefined) f.push(["password", "needs a username"]);
    return f;
  },
  id: (d) => d.organization,

  async create(c, d) {
    const existing = await getProxyCache(c.session, d.organization);
    if (existing && sameConfig(existing, d) && d.password === undefined) {
      c.log.info(`adopted existing proxy-cache configuration of ${d.organization}`);
      return { ...d };
    }
    // A different (or unverifiable, with credentials) configuration: Quay cannot update it in place.
    if (existing) await deleteProxyCache(c.session, d.organization);
    await createProxyCache(c.session, d.organization, {
      upstream_registry: d.upstream,
      expiration_s: d.expirationSeconds,
      insecure: d.insecure,
      upstream_registry_username: d.username ?? null,
      upstream_registry_password: d.password ?? null,
    });
    return { ...d };
  },

  async read(c, _id, state) {
    const v = await getProxyCache(c.session, state.organization);
    return v ? liveOf(v, state) : undefined;
  },

  async update(_c, _id, state, d) {
    // Every Quay field replaces; only an unchanged configuration reaches here.
    return { ...state, ...d };
  },

  async delete(c, _id, state) {
    await deleteProxyCache(c.session, state.organization);
  },
};

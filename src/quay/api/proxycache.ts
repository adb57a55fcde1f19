import { apiPath } from "../paths";
import { isNotFound, orgScope, type QuaySession } from "./session";

export interface ProxyCacheView {
  upstream_registry: string;
  expiration_s: number;
  insecure: boolean;
}

/**
 * `GET .../proxycache` never 404s: without a config every field is "" (docs/quay-api.md#proxy-cache). That answer is
 * returned as undefined here.
 */
export async function getProxyCache(s: QuaySession, org: string): Promise<ProxyCacheView | undefined | null> {
  const r = await s.get<{ upstream_registry: string; expiration_s: number | ""; insecure: boolean | "" }>(
    apiPath`/api/v1/organization/${org}/proxycache`,
    { scope: orgScope(org), notFound: "undefined" },
  );
  if (r === undefined) return null;
  if (!r.upstream_registry) return undefined;
  return {
    upstream_registry: r.upstream_registry,
    expiration_s: r.expiration_s === "" ? 86400 : r.expiration_s,
    insecure: r.insecure === true,
  };
}

export async function createProxyCache(
  s: QuaySession,
  org: string,
  body: {
    upstream_registry: string;
    expiration_s: number;
    insecure: boolean;
    upstream_registry_username?: string | null;
    upstream_registry_password?: string | null;
  },
): Promise<void> {
  await s.write("POST", apiPath`/api/v1/organization/${org}/proxycache`, {
    scope: orgScope(org),
    body,
    landed: async () => {
      s.invalidate(orgScope(org));
      return !!(await getProxyCache(s, org));
    },
  });
}

/** Answers 201 "Deleted" (sic), or 404 without a config (docs/quay-api.md#proxy-cache). */
export async function deleteProxyCache(s: QuaySession, org: string): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/proxycache`, { scope: orgScope(org) });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

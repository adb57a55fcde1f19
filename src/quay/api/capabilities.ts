import { isQuayApiError } from "../errors";
import { apiPath } from "../paths";
import type { QuaySession } from "./session";

/** Features a desired state may need, by Quay's config key. */
export type Feature =
  | "FEATURE_REPO_MIRROR"
  | "FEATURE_QUOTA_MANAGEMENT"
  | "FEATURE_PROXY_CACHE"
  | "FEATURE_AUTO_PRUNE"
  | "FEATURE_SUPER_USERS";

/** A name no tenant can own (restrictions never allow it), so the probes touch no real object. */
const PROBE = "quay-gitops-capability-probe";

/**
 * Quay does not register the endpoints of a disabled feature: they answer with the web UI's HTML
 * (308/404/405) instead of an API error (QUAY-API §1.5, §21). One GET per feature on a name that
 * does not exist tells the two apart: JSON (404/403/400) means the endpoint is there.
 */
const PROBES: Record<Exclude<Feature, "FEATURE_SUPER_USERS">, string> = {
  FEATURE_REPO_MIRROR: apiPath`/api/v1/repository/${PROBE}/${PROBE}/mirror`,
  FEATURE_QUOTA_MANAGEMENT: apiPath`/api/v1/organization/${PROBE}/quota`,
  FEATURE_PROXY_CACHE: apiPath`/api/v1/organization/${PROBE}/proxycache`,
  FEATURE_AUTO_PRUNE: apiPath`/api/v1/organization/${PROBE}/autoprunepolicy/`,
};

export interface CapabilityReport {
  /** Features that are needed and missing, with the reason. */
  missing: { feature: Feature; reason: string }[];
  superUser: boolean;
}

/**
 * Checks the features `needs` lists, one request each, plus who the token belongs to. Superuser
 * rights come from `GET /api/v1/user/` (§5.3); FULL_ACCESS is not visible through the API, so a
 * quota write without it still fails, with the scope hint of the client's error.
 */
export async function probeCapabilities(
  s: QuaySession,
  needs: ReadonlySet<Feature>,
): Promise<CapabilityReport> {
  const missing: CapabilityReport["missing"] = [];
  const me = await s.me();
  if (needs.has("FEATURE_SUPER_USERS") && !me.superUser) {
    missing.push({
      feature: "FEATURE_SUPER_USERS",
      reason: `the token's user ${me.username} is not a superuser (SUPER_USERS in Quay's config.yaml, and a token with super:user): managing users and quotas needs one`,
    });
  }
  await Promise.all(
    (Object.keys(PROBES) as (keyof typeof PROBES)[])
      .filter((f) => needs.has(f))
      .map(async (feature) => {
        try {
          await s.client.request("GET", PROBES[feature], { accept: [400, 401, 403, 404] });
        } catch (e) {
          if (isQuayApiError(e) && e.unrouted) {
            missing.push({
              feature,
              reason: `${feature} is off in Quay's config.yaml (its API endpoints are not there)`,
            });
            return;
          }
          throw e;
        }
      }),
  );
  missing.sort((a, b) => (a.feature < b.feature ? -1 : 1));
  return { missing, superUser: me.superUser };
}

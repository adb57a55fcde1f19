import { list } from "./support";
import type { KindInfo } from "./types";

const resourceName = (org: string) => org;

/** The organization's storage quota and its limits (docs/quay-api.md#quotas). */
export const quota = {
  name: "Quota",
  words: { one: "quota", many: "quotas" },
  schema: ["spec.quota"],
  emulator: "quotas",
  feature: {
    flag: "FEATURE_QUOTA_MANAGEMENT",
    probe: "/api/v1/organization/{}/quota",
    also: ["FEATURE_EDIT_QUOTA", "FEATURE_SUPER_USERS"],
    registry: "quotaManagement",
    what: "a quota",
  },
  // Quay's quota writes are superuser-only, and since Quay 3.16 need FULL_ACCESS (docs/quay-api.md#quotas).
  rights: () => [
    { right: "superuser", what: "quota" },
    { right: "fullAccess", what: "quota", writeOnly: true },
  ],
  resourceName,
  objects: (t) => (t.quota ? [resourceName(t.organization.name)] : []),
  audit(log, _id, org) {
    if (!org) return;
    log.object(
      { org },
      [
        "org_create_quota",
        "org_change_quota",
        "org_delete_quota",
        "org_create_quota_limit",
        "org_change_quota_limit",
        "org_delete_quota_limit",
      ],
      () => true,
    );
  },
  warnings: {
    delete: () => ({
      code: "QUOTA_DELETE",
      grouped: false,
      message: (n) => `the quota of organization ${list(n)} will be removed: no storage limit`,
    }),
  },
} satisfies KindInfo<"Quota">;

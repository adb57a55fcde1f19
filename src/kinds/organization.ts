import { list, namespaceOf, oldValue, str } from "./support";
import type { KindInfo } from "./types";

const resourceName = (org: string) => org;

/** The tenant's organization (docs/quay-api.md#organizations). */
export const organization = {
  name: "Organization",
  words: { one: "organization", many: "organizations" },
  schema: ["spec.organization"],
  emulator: "organizations",
  // Creating one needs user:admin (docs/quay-api.md#scopes); only an apply creates, and only an
  // organization Quay does not have yet (the preflight asks Quay which exist).
  rights: (t) => [
    { right: "orgAdmin", what: "organization" },
    { right: "userAdmin", what: t.organization.name, writeOnly: true },
  ],
  resourceName,
  objects: (t) => [resourceName(t.organization.name)],
  audit(log, id) {
    const name = str(id.name);
    if (!name) return;
    log.fields(
      { org: name },
      { email: ["org_change_email"], tagExpirationSeconds: ["org_change_tag_expiration"] },
      () => true,
    );
    log.object(
      { org: name },
      ["org_change_email", "org_change_tag_expiration", "org_change_name", "org_delete"],
      () => true,
    );
    // A deleted organization's own log is gone with it, and its name with it: Quay renames a deleted
    // namespace to a UUID at once, so the superuser log's entries name it only in their metadata.
    log.object({ superuser: true }, ["org_delete"], (e) => namespaceOf(e) === name);
  },
  warnings: {
    delete: (c) =>
      oldValue(c, "deletionPolicy") === "delete"
        ? {
            code: "ORGANIZATION_DELETE",
            grouped: false,
            message: (n) =>
              `organization ${list(n)} will be DELETED with all its repositories and images (deletionPolicy: delete; refused while repositories hold tags unless --force)`,
          }
        : {
            code: "ORGANIZATION_RETAINED",
            grouped: false,
            message: (n) =>
              `organization ${list(n)} leaves quay-gitops: it stays in Quay with its repositories, unmanaged (deletionPolicy: retain)`,
          },
  },
} satisfies KindInfo<"Organization">;

import { becomesPublic, fieldOf, list, md, oldValue, plural, str, strings } from "./support";
import type { AuditEntry, KindInfo, KindWarning } from "./types";

const resourceName = (org: string, repo: string) => `${org}/${repo}`;

const FIELDS: Record<string, string[]> = {
  description: ["set_repo_description"],
  visibility: ["change_repo_visibility"],
  state: ["change_repo_state"],
  permissions: ["change_repo_permission", "delete_repo_permission"],
};

/** A repository of the organization with its authoritative grants (docs/quay-api.md#repositories). */
export const repository = {
  name: "Repository",
  words: { one: "repository", many: "repositories" },
  schema: ["spec.repositories[]"],
  emulator: "repositories",
  // Permissions, visibility, state and deletion need the repository admin role (docs/quay-api.md#scopes).
  rights: () => [{ right: "repoAdmin", what: "repositories" }],
  resourceName,
  objects: (t) => t.repositories.map((r) => resourceName(t.organization.name, r.name)),
  audit(log, id, org) {
    const repo = str(id.name);
    if (!org || !repo) return;
    const test = (e: AuditEntry) => md(e, "repo") === repo;
    // change_repo_permission and delete_repo_permission name a team grant's team and a user or
    // robot grant's account (`username`, a robot by its full name); endpoints/api/permission.py.
    log.fields({ org }, FIELDS, test, { field: "permissions", about: (e) => strings(e, "team", "username") });
    log.object({ org }, ["create_repo", "delete_repo", ...Object.values(FIELDS).flat()], test);
  },
  warnings: {
    delete: (c) =>
      oldValue(c, "deletionPolicy") === "delete"
        ? {
            code: "REPOSITORY_DELETE",
            grouped: false,
            message: (n) =>
              `repository ${list(n)} will be DELETED with its images (deletionPolicy: delete; refused while it holds tags unless --force)`,
          }
        : {
            code: "REPOSITORY_RETAINED",
            grouped: true,
            message: (n) =>
              `${plural(n, "repository", "repositories")} ${list(n)} ${plural(n, "leaves", "leave")} quay-gitops: ${plural(n, "it stays", "they stay")} in Quay, unmanaged (deletionPolicy: retain)`,
          },
    change(c) {
      const out: KindWarning[] = [];
      if (c.op !== "create" && becomesPublic(c))
        out.push({
          code: "REPOSITORY_PUBLIC",
          grouped: false,
          message: (n) => `repository ${list(n)} becomes PUBLIC: anyone who can reach Quay can pull it`,
        });
      if (c.op === "create" && fieldOf(c, "visibility", "new") === "public")
        out.push({
          code: "REPOSITORY_PUBLIC",
          grouped: false,
          message: (n) => `repository ${list(n)} is created PUBLIC: anyone who can reach Quay can pull it`,
        });
      return out;
    },
  },
} satisfies KindInfo<"Repository">;

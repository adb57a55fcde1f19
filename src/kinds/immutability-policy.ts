import type { ImmutabilityPolicyModel } from "../model/types";
import { fieldOf, list, md, plural, str } from "./support";
import type { AuditEntry, KindInfo } from "./types";

/** A policy is named by its pattern: Quay keeps one per pattern in an organization or repository. */
const resourceName = (
  org: string,
  repo: string | undefined,
  p: Pick<ImmutabilityPolicyModel, "tagPattern">,
) => `${org}${repo ? `/${repo}` : ""}/immutable/${p.tagPattern}`;

const KINDS = ["create_immutability_policy", "update_immutability_policy", "delete_immutability_policy"];

/** Tags of an organization or repository that cannot be overwritten or deleted (docs/quay-api.md#immutability). */
export const immutabilityPolicy = {
  name: "ImmutabilityPolicy",
  words: { one: "immutability policy", many: "immutability policies" },
  schema: ["spec.immutability[]", "spec.repositories[].immutability[]"],
  emulator: "immutability",
  feature: {
    flag: "FEATURE_IMMUTABLE_TAGS",
    probe: "/api/v1/organization/{}/immutabilitypolicy/",
    registry: "immutableTags",
    what: "an immutability policy",
  },
  // quay v3.18.0 endpoints/api/immutability_policy.py: AdministerOrganizationPermission for an
  // organization's policies, AdministerRepositoryPermission for a repository's.
  rights: (t) => [
    ...(t.immutability.length > 0 ? [{ right: "orgAdmin", what: "immutability policies" } as const] : []),
    ...(t.repositories.some((r) => r.immutability.length > 0)
      ? [{ right: "repoAdmin", what: "repository immutability policies" } as const]
      : []),
  ],
  resourceName,
  objects(t) {
    const org = t.organization.name;
    return [
      ...t.immutability.map((p) => resourceName(org, undefined, p)),
      ...t.repositories.flatMap((r) => r.immutability.map((p) => resourceName(org, r.name, p))),
    ];
  },
  audit(log, id, org, live) {
    if (!org) return;
    const repo = str(id.repository);
    const pattern = str(id.tagPattern);
    // An update names the policy by its pattern after the change, and no uuid (observed on Quay
    // 3.18.0): a pattern changed by hand is found by the pattern Quay holds now.
    const patterns = new Set([pattern, str(live.tagPattern)].filter((p) => p !== undefined));
    // One set of kinds for both scopes: a repository policy's entries carry `repo`.
    log.object(
      { org },
      KINDS.filter((k) => k !== "delete_immutability_policy"),
      (e: AuditEntry) =>
        md(e, "repo") === repo && (pattern === undefined || patterns.has(md(e, "tag_pattern") as string)),
    );
    // A delete names the policy's uuid only, which the state's inputs do not hold: it may be a
    // sibling policy's of the same scope.
    log.object({ org }, ["delete_immutability_policy"], (e: AuditEntry) => md(e, "repo") === repo, "scope");
  },
  warnings: {
    delete: () => ({
      code: "IMMUTABILITY_REMOVED",
      grouped: true,
      message: (n) =>
        `${plural(n, "immutability policy", "immutability policies")} ${list(n)} will be removed: new tags are no longer protected, and the tags ${plural(n, "it", "they")} made immutable stay immutable (a repository admin unsets them one by one)`,
    }),
    change(c) {
      const widens =
        c.op === "create" ||
        c.op === "replace" ||
        fieldOf(c, "tagPattern", "old") !== fieldOf(c, "tagPattern", "new") ||
        fieldOf(c, "tagPatternMatches", "old") !== fieldOf(c, "tagPatternMatches", "new");
      return widens
        ? [
            {
              code: "TAGS_BECOME_IMMUTABLE",
              grouped: true,
              message: (n) =>
                `${plural(n, "immutability policy", "immutability policies")} ${list(n)}: existing tags that match become immutable at once, and only a repository admin can make a tag mutable again, one by one`,
            },
          ]
        : [];
    },
  },
} satisfies KindInfo<"ImmutabilityPolicy">;

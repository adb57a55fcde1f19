import { md, str } from "./support";
import type { KindInfo } from "./types";

const resourceName = (
  org: string,
  repo: string | undefined,
  p: { method: string; tagPattern?: string | undefined; tagPatternMatches: boolean },
) =>
  `${org}${repo ? `/${repo}` : ""}/prune/${p.method}${p.tagPattern !== undefined ? `:${p.tagPatternMatches ? "" : "!"}${p.tagPattern}` : ""}`;

/** An auto-prune policy of the organization or of one repository (docs/quay-api.md#auto-prune). */
export const autoPrune = {
  name: "AutoPrunePolicy",
  words: { one: "auto-prune policy", many: "auto-prune policies" },
  schema: ["spec.autoPrune[]", "spec.repositories[].autoPrune[]"],
  emulator: "autoprune",
  feature: {
    flag: "FEATURE_AUTO_PRUNE",
    probe: "/api/v1/organization/{}/autoprunepolicy/",
    registry: "autoPrune",
    what: "auto-prune",
  },
  // An organization's policies need its admin role, a repository's the repository admin role.
  rights: (t) => [
    ...(t.autoPrune.length > 0 ? [{ right: "orgAdmin", what: "auto-prune policies" } as const] : []),
    ...(t.repositories.some((r) => r.autoPrune.length > 0)
      ? [{ right: "repoAdmin", what: "repository auto-prune policies" } as const]
      : []),
  ],
  resourceName,
  objects(t) {
    const org = t.organization.name;
    return [
      ...t.autoPrune.map((p) => resourceName(org, undefined, p)),
      ...t.repositories.flatMap((r) => r.autoPrune.map((p) => resourceName(org, r.name, p))),
    ];
  },
  audit(log, id, org) {
    if (!org) return;
    const repo = str(id.repository);
    if (repo)
      log.object(
        { org },
        [
          "create_repository_autoprune_policy",
          "update_repository_autoprune_policy",
          "delete_repository_autoprune_policy",
        ],
        (e) => md(e, "repo") === repo,
        "scope",
      );
    else
      log.object(
        { org },
        [
          "create_namespace_autoprune_policy",
          "update_namespace_autoprune_policy",
          "delete_namespace_autoprune_policy",
        ],
        () => true,
        "scope",
      );
  },
} satisfies KindInfo<"AutoPrunePolicy">;

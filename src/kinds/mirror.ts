import { fieldOf, list, md, plural, str } from "./support";
import type { KindInfo } from "./types";

const resourceName = (org: string, repo: string) => `${org}/${repo}`;

/** A repository's mirror configuration (docs/quay-api.md#mirrors). */
export const mirror = {
  name: "RepositoryMirror",
  words: { one: "mirror", many: "mirrors" },
  schema: ["spec.repositories[].mirror"],
  emulator: "mirrors",
  feature: {
    flag: "FEATURE_REPO_MIRROR",
    probe: "/api/v1/repository/{}/mirror",
    registry: "repoMirror",
    what: "a mirror",
  },
  rights: () => [{ right: "repoAdmin", what: "mirrors" }],
  resourceName,
  objects: (t) =>
    t.repositories.filter((r) => r.mirror).map((r) => resourceName(t.organization.name, r.name)),
  audit(log, id, org) {
    const repo = str(id.repository);
    if (!org || !repo) return;
    log.object(
      { org },
      ["repo_mirror_config_changed", "repo_mirror_enabled", "repo_mirror_disabled", "change_repo_state"],
      // The mirror worker's own entries (sync started/finished) are not changes of the configuration.
      (e) => md(e, "repo") === repo,
    );
  },
  warnings: {
    delete: () => ({
      code: "MIRROR_DISABLED",
      grouped: true,
      message: (n) =>
        `the ${plural(n, "mirror", "mirrors")} of ${list(n)} will be disabled (Quay cannot delete mirror configurations); ${plural(n, "the repository goes", "the repositories go")} back to normal pushes`,
    }),
    change: (c) =>
      c.op === "update" && fieldOf(c, "enabled", "old") === true && fieldOf(c, "enabled", "new") === false
        ? [
            {
              code: "MIRROR_DISABLED",
              grouped: false,
              message: (n) => `the mirror of ${list(n)} will be disabled: its images stop being synchronized`,
            },
          ]
        : [],
  },
  // The password is an input Quay never returns; it must be stored encrypted.
  secretOutputs: ["password"],
} satisfies KindInfo<"RepositoryMirror">;

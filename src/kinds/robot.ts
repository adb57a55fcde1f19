import { list, md, plural, str } from "./support";
import type { KindInfo } from "./types";

const resourceName = (fullName: string) => fullName;

/** A robot account of the organization (docs/quay-api.md#robots). */
export const robot = {
  name: "Robot",
  words: { one: "robot", many: "robots" },
  schema: ["spec.robots[]"],
  emulator: "robots",
  rights: () => [{ right: "orgAdmin", what: "robots" }],
  resourceName,
  objects: (t) => t.robots.map((r) => resourceName(r.fullName)),
  audit(log, id, org) {
    const short = str(id.shortName);
    if (!org || !short) return;
    log.object(
      { org },
      ["create_robot", "delete_robot", "regenerate_robot_token"],
      (e) => md(e, "robot") === short,
    );
  },
  warnings: {
    delete: () => ({
      code: "ROBOT_DELETE",
      grouped: true,
      message: (n) =>
        `${plural(n, "robot", "robots")} ${list(n)} will be deleted: ${plural(n, "its token stops", "their tokens stop")} working for every pull secret and CI job that uses ${plural(n, "it", "them")}`,
    }),
    replace: (_c, why) => ({
      code: "ROBOT_TOKEN_REGENERATED",
      grouped: false,
      message: (n) =>
        `robot ${list(n)} will be deleted and re-created${why}: it gets a NEW TOKEN; update every pull secret and CI variable that uses it`,
    }),
  },
  // Quay's full name and the token are computed; the token must be stored encrypted. The generation
  // tells the resources that name the robot that it was created again (providers/robot.ts).
  outputs: ["fullName", "token", "generation"],
  secretOutputs: ["token"],
  credential: { account: "fullName", token: "token" },
} satisfies KindInfo<"Robot">;

import { randomUUID } from "node:crypto";
import { robot as descriptor } from "../src/kinds/robot";
import { isQuayApiError } from "../src/quay/errors";
import { createRobot, deleteRobot, getRobot, type RobotView } from "../src/quay/api/robots";
import { orgScope } from "../src/quay/api/session";
import { QuayGitopsError } from "../src/errors";
import type { Kind } from "./base";
import { type Failures, namespaceName } from "./validate";

export interface RobotInputs {
  organization: string;
  shortName: string;
  description: string;
}

export interface RobotState extends RobotInputs {
  /** `org+short`, the name every other API uses (docs/quay-api.md#robots). */
  fullName: string;
  /** A secret output (the resource sets additionalSecretOutputs). */
  token: string;
  /**
   * New at every create (and adoption), kept by reads: the robot in Quay may be another one since the
   * last value. Quay drops a deleted robot's team memberships, grants and default permissions, and
   * its `created` has whole seconds only (a robot deleted and created again within a second keeps
   * it), so the Team, Repository and DefaultPermission resources that name the robot take this as an
   * input: when the robot is created again they are updated (or replaced) in the same apply.
   * Absent in states from before it existed, until the robot's next create.
   */
  generation?: string;
}

const liveOf = (r: RobotView, d: RobotInputs, token?: string, generation?: string): RobotState => ({
  organization: d.organization,
  shortName: d.shortName,
  description: r.description ?? "",
  fullName: r.name,
  token: r.token ?? token ?? "",
  ...(generation !== undefined ? { generation } : {}),
});

const NO_UPDATE =
  "Quay has no robot update endpoint (docs/quay-api.md#robots): another description means deleting and re-creating the robot, which changes its token";

export const robot: Kind<RobotInputs, RobotState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["organization", "shortName", "description"],
  replaceOn: { organization: NO_UPDATE, shortName: NO_UPDATE, description: NO_UPDATE },
  // The new robot has the old one's name: created first, it would adopt the old robot, whose delete
  // then removes it from Quay. Deleted first, Quay creates it anew (with a new token).
  deleteBeforeReplace: true,
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "organization", d.organization);
    namespaceName(f, "shortName", d.shortName);
    if (typeof d.description !== "string" || d.description.length > 255)
      f.push(["description", "must be a string of at most 255 characters"]);
    return f;
  },
  id: (d) => `${d.organization}+${d.shortName}`,

  async create(c, d) {
    // Look first while the organization holds only what was there before this run (the robot list
    // is one cached request): adopting sends no write, and the robot keeps its token.
    if (!c.session.wrote(orgScope(d.organization))) {
      const found = await getRobot(c.session, d.organization, d.shortName);
      if (found) {
        c.log.info(`adopted existing robot ${found.name}`);
        // A generation like any create's: the team, grants and default permissions that name the
        // robot take it as an input, and one left unset would show them as changes forever.
        return liveOf(found, d, undefined, randomUUID());
      }
    }
    try {
      const created = await createRobot(c.session, d.organization, d.shortName, d.description);
      if (created?.token) return liveOf(created, d, undefined, randomUUID());
    } catch (e) {
      // 400 "Existing robot with name" (docs/quay-api.md#robots): adopt. Its description cannot be changed in place; a
      // different one stays in the outputs, so the next preview shows the replacement (and its new
      // token) for a reviewer to accept instead of silently breaking the CI that uses the token.
      if (!(isQuayApiError(e) && e.status === 400)) throw e;
      c.session.invalidate(orgScope(d.organization));
      const existing = await getRobot(c.session, d.organization, d.shortName);
      if (!existing) throw e;
      c.log.info(`adopted existing robot ${existing.name}`);
      return liveOf(existing, d, undefined, randomUUID());
    }
    const found = await getRobot(c.session, d.organization, d.shortName);
    if (!found)
      throw new QuayGitopsError(
        "QG_ERR_QUAY_RESPONSE",
        `robot ${d.organization}+${d.shortName} was created but is not listed`,
      );
    return liveOf(found, d, undefined, randomUUID());
  },

  async read(c, _id, state) {
    const r = await getRobot(c.session, state.organization, state.shortName);
    return r ? liveOf(r, state, state.token, state.generation) : undefined;
  },

  async update(_c, _id, state, d) {
    // Only fields without a Quay counterpart can land here; every Quay field replaces.
    return { ...state, ...d };
  },

  async delete(c, _id, state) {
    try {
      await deleteRobot(c.session, state.organization, state.shortName);
    } catch (e) {
      // deleteRobot has already seen that the robot still exists: the only 400 Quay gives for an
      // existing robot is "Robot is being used by a mirror" (docs/quay-api.md#robots), and mirror configs cannot be
      // deleted (docs/quay-api.md#mirrors). With the repository retained, the robot stays too.
      if (isQuayApiError(e) && e.status === 400) {
        c.log.warn(
          `retained robot ${state.fullName}: the mirror configuration of a retained repository still names it (Quay refuses to delete it)`,
        );
        return;
      }
      throw e;
    }
  },
};

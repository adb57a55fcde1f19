import { robotFederation as descriptor, sortFederation } from "../src/kinds/robot-federation";
import type { FederationModel } from "../src/model/types";
import { deleteRobotFederation, getRobotFederation, setRobotFederation } from "../src/quay/api/robots";
import { orgScope } from "../src/quay/api/session";
import type { Kind } from "./base";
import { type Failures, namespaceName } from "./validate";

export interface RobotFederationInputs {
  organization: string;
  /** The robot's short name. */
  shortName: string;
  /** The whole list, sorted by issuer then subject (Quay keeps the order as sent). */
  federation: FederationModel[];
}

export type RobotFederationState = RobotFederationInputs;

/** An https issuer: Quay's token exchange refuses others (docs/quay-api.md#robot-federation). */
const HTTPS_ISSUER = /^https:\/\/[^/?#\s]+(\/[^?#\s]*)?$/;

const OWNED = "a robot's federation belongs to the robot";

const sameList = (a: readonly FederationModel[], b: readonly FederationModel[]): boolean =>
  a.length === b.length && a.every((f, i) => f.issuer === b[i]!.issuer && f.subject === b[i]!.subject);

export const robotFederation: Kind<RobotFederationInputs, RobotFederationState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["organization", "shortName", "federation"],
  replaceOn: { organization: OWNED, shortName: OWNED },
  // One list per robot: the old robot's must be emptied before another takes its place.
  deleteBeforeReplace: true,
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "organization", d.organization);
    namespaceName(f, "shortName", d.shortName);
    if (!Array.isArray(d.federation)) {
      f.push(["federation", "must be a list"]);
      return f;
    }
    const seen = new Set<string>();
    d.federation.forEach((e, i) => {
      if (typeof e?.issuer !== "string" || !HTTPS_ISSUER.test(e.issuer))
        f.push([`federation[${i}].issuer`, "must be an https:// URL without query or fragment"]);
      if (typeof e?.subject !== "string" || e.subject === "")
        f.push([`federation[${i}].subject`, "must be a non-empty string"]);
      const key = `${e?.issuer}\u0000${e?.subject}`;
      if (seen.has(key)) f.push([`federation[${i}]`, "is listed twice (Quay refuses duplicates)"]);
      seen.add(key);
    });
    return f;
  },
  normalize: (d) => ({ ...d, federation: sortFederation(d.federation) }),
  id: (d) => `${d.organization}+${d.shortName}`,

  async create(c, d) {
    // Look first while the organization holds only what was there before this run: an equal list
    // (set up by hand, or by a crashed run) is adopted without a write. Otherwise POST replaces the
    // whole list, so a different one is converged by the same call.
    if (!c.session.wrote(orgScope(d.organization))) {
      const live = await getRobotFederation(c.session, d.organization, d.shortName);
      if (live !== undefined && sameList(sortFederation(live), sortFederation(d.federation))) {
        c.log.info(`adopted the existing federation of robot ${d.organization}+${d.shortName}`);
        return { ...d };
      }
    }
    await setRobotFederation(c.session, d.organization, d.shortName, d.federation);
    return { ...d };
  },

  async read(c, _id, state) {
    const live = await getRobotFederation(c.session, state.organization, state.shortName);
    if (live === undefined) return undefined;
    return { ...state, federation: sortFederation(live) };
  },

  async update(c, _id, state, d) {
    await setRobotFederation(c.session, d.organization, d.shortName, d.federation);
    return { ...state, ...d };
  },

  async delete(c, _id, state) {
    await deleteRobotFederation(c.session, state.organization, state.shortName);
  },
};

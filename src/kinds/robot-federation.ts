import type { FederationModel } from "../model/types";
import type { PlannedChange } from "../plan/types";
import type { PlanValue } from "../plan/values";
import { fieldOf, list, md, plural, str } from "./support";
import type { AuditEntry, KindInfo, KindWarning } from "./types";

const resourceName = (fullName: string) => fullName;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The list in its one order, by issuer then subject: Quay keeps the order as sent, so a list that was
 * only reordered compares equal (tenant normalization and the provider's read both use it).
 */
export function sortFederation(list: readonly FederationModel[]): FederationModel[] {
  return list
    .map((f) => ({ issuer: f.issuer, subject: f.subject }))
    .sort((a, b) => cmp(a.issuer, b.issuer) || cmp(a.subject, b.subject));
}

/** The `issuer subject` pairs of a federation list as a plan shows it. */
function entries(v: PlanValue | undefined): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x) => {
    if (!x || typeof x !== "object" || Array.isArray(x)) return [];
    const { issuer, subject } = x as Record<string, PlanValue>;
    return typeof issuer === "string" && typeof subject === "string" ? [`${issuer} ${subject}`] : [];
  });
}

/**
 * Who may act as the robot is access: reviewers see every identity that gains or loses it
 * (docs/quay-api.md#robot-federation).
 */
function federationWarnings(c: PlannedChange): KindWarning[] {
  if (c.op === "delete") return [];
  const before = new Set(c.op === "create" ? [] : entries(fieldOf(c, "federation", "old")));
  const after = new Set(entries(fieldOf(c, "federation", "new")));
  const added = [...after].filter((e) => !before.has(e));
  const removed = [...before].filter((e) => !after.has(e));
  const out: KindWarning[] = [];
  if (added.length > 0)
    out.push({
      code: "ROBOT_FEDERATION_ADDED",
      grouped: false,
      message: (n) =>
        `robot ${list(n)} will accept the OIDC tokens of ${added.map((e) => `(${e})`).join(", ")}: a job holding such a token can push and pull as the robot`,
    });
  if (removed.length > 0)
    out.push({
      code: "ROBOT_FEDERATION_REMOVED",
      grouped: false,
      message: (n) =>
        `robot ${list(n)} will no longer accept the OIDC tokens of ${removed.map((e) => `(${e})`).join(", ")}: CI jobs that trade them for the robot's token stop working`,
    });
  return out;
}

/**
 * A robot's OIDC federation: the identities (issuer and subject) that may trade their tokens for the
 * robot's, one object per robot holding the whole list, as Quay replaces it whole
 * (docs/quay-api.md#robot-federation).
 */
export const robotFederation = {
  name: "RobotFederation",
  words: { one: "robot federation", many: "robot federations" },
  schema: ["spec.robots[].federation"],
  emulator: "robots",
  // quay v3.18.0 endpoints/api/robot.py OrgRobotFederation: AdministerOrganizationPermission.
  rights: () => [{ right: "orgAdmin", what: "robot federation" }],
  resourceName,
  objects: (t) => t.robots.filter((r) => r.federation !== undefined).map((r) => resourceName(r.fullName)),
  audit(log, id, org) {
    const short = str(id.shortName);
    if (!org || !short) return;
    const test = (e: AuditEntry) => md(e, "robot") === short;
    log.fields({ org }, { federation: ["create_robot_federation", "delete_robot_federation"] }, test);
    log.object({ org }, ["create_robot_federation", "delete_robot_federation"], test);
    // Deleting the robot deletes its list, and Quay logs only delete_robot.
    log.removedWith({ kind: "robot", name: `${org}+${short}` });
  },
  warnings: {
    delete: () => ({
      code: "ROBOT_FEDERATION_REMOVED",
      grouped: true,
      message: (n) =>
        `the OIDC federation of ${plural(n, "robot", "robots")} ${list(n)} will be removed: CI jobs that trade their OIDC tokens for ${plural(n, "its", "their")} token stop working`,
    }),
    change: federationWarnings,
  },
} satisfies KindInfo<"RobotFederation">;

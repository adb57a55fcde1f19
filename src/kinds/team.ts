import type { PlannedChange } from "../plan/types";
import type { PlanValue } from "../plan/values";
import { fieldOf, list, md, plural, str, strings } from "./support";
import type { AuditEntry, KindInfo, KindWarning } from "./types";

const resourceName = (org: string, team: string) => `${org}/${team}`;

const MEMBERS = [
  "org_add_team_member",
  "org_remove_team_member",
  "org_invite_team_member",
  "org_delete_team_member_invite",
  "org_team_member_invite_accepted",
  "enable_team_sync",
];

/** A sync as a plan shows it (TeamSyncModel), or undefined. */
function syncOf(v: PlanValue | undefined): { directory: string; group: string } | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const { directory, group } = v as Record<string, PlanValue>;
  return typeof directory === "string" && typeof group === "string" ? { directory, group } : undefined;
}

/**
 * What turning team sync on, off or to another group does to the team's users
 * (docs/quay-api.md#team-sync): reviewers see who gains or loses access, and when.
 */
function syncWarnings(c: PlannedChange): KindWarning[] {
  if (c.op === "delete" || !c.fields.some((f) => f.field === "syncFrom")) return [];
  const before = c.op === "create" ? undefined : syncOf(fieldOf(c, "syncFrom", "old"));
  const after = syncOf(fieldOf(c, "syncFrom", "new"));
  const oidc = (s: { directory: string }) =>
    s.directory === "oidc"
      ? " With OIDC, Quay removes every user of the team at once; each comes back at their next login with the group in their token."
      : ` Quay's ${s.directory === "ldap" ? "LDAP" : "Keystone"} sync adds the group's users and removes the others within a minute.`;
  if (after && !before)
    return [
      {
        code: "TEAM_SYNC_ENABLED",
        grouped: false,
        message: (n) =>
          `team ${list(n)} ${c.op === "create" ? "is" : "will be"} synced from the ${after.directory} group ${after.group}: from now on Quay keeps its users, the file only its robots.${oidc(after)}`,
      },
    ];
  if (before && !after)
    return [
      {
        code: "TEAM_SYNC_DISABLED",
        grouped: false,
        message: (n) =>
          `team ${list(n)} stops syncing from the ${before.directory} group ${before.group}: its members are the file's again, and users it does not list are removed`,
      },
    ];
  if (before && after)
    return [
      {
        code: "TEAM_SYNC_CHANGED",
        grouped: false,
        message: (n) =>
          `team ${list(n)} will sync from the ${after.directory} group ${after.group} instead of ${before.group}: Quay cannot change a sync, so it is turned off and on again.${oidc(after)}`,
      },
    ];
  return [];
}

/** A team of the organization with its authoritative member list (docs/quay-api.md#teams). */
export const team = {
  name: "Team",
  words: { one: "team", many: "teams" },
  schema: ["spec.teams[]"],
  emulator: "teams",
  parts: [
    {
      gate: {
        flag: "FEATURE_TEAM_SYNCING",
        probe: "/api/v1/organization/{}/team/{}/syncing",
        registry: "teamSyncing",
        what: "team sync",
      },
      schema: "spec.teams[].syncFrom",
      used: (t) => t.teams.some((x) => x.syncFrom !== undefined),
      // Setting up a sync needs a superuser unless FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP, and only
      // a superuser sees the group a team syncs from (docs/quay-api.md#team-sync): drift needs it too.
      rights: [{ right: "superuser", what: "team sync" }],
    },
  ],
  rights: () => [{ right: "orgAdmin", what: "teams" }],
  resourceName,
  objects: (t) => t.teams.map((x) => resourceName(t.organization.name, x.name)),
  audit(log, id, org) {
    const name = str(id.name);
    if (!org || !name) return;
    const test = (e: AuditEntry) => md(e, "team") === name;
    // org_add_team_member and org_remove_team_member name the member (a robot by its full name).
    log.fields(
      { org },
      {
        description: ["org_set_team_description", "org_create_team"],
        role: ["org_set_team_role", "org_create_team"],
        members: MEMBERS,
        syncFrom: ["enable_team_sync", "disable_team_sync"],
      },
      test,
      { field: "members", about: (e) => strings(e, "member", "user") },
    );
    log.object(
      { org },
      [
        "org_create_team",
        "org_delete_team",
        "org_set_team_role",
        "org_set_team_description",
        "disable_team_sync",
        ...MEMBERS,
      ],
      test,
    );
  },
  warnings: {
    delete: () => ({
      code: "TEAM_DELETE",
      grouped: true,
      message: (n) =>
        `${plural(n, "team", "teams")} ${list(n)} will be deleted: ${plural(n, "its", "their")} members lose the access ${plural(n, "it grants", "they grant")}`,
    }),
    change: syncWarnings,
  },
} satisfies KindInfo<"Team">;

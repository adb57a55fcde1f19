import { list, md, plural, str, strings } from "./support";
import type { AuditEntry, KindInfo } from "./types";

const resourceName = (org: string, team: string) => `${org}/${team}`;

const MEMBERS = [
  "org_add_team_member",
  "org_remove_team_member",
  "org_invite_team_member",
  "org_delete_team_member_invite",
  "org_team_member_invite_accepted",
  "enable_team_sync",
];

/** A team of the organization with its authoritative member list (docs/quay-api.md#teams). */
export const team = {
  name: "Team",
  words: { one: "team", many: "teams" },
  schema: ["spec.teams[]"],
  emulator: "teams",
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
      },
      test,
      { field: "members", about: (e) => strings(e, "member", "user") },
    );
    log.object(
      { org },
      ["org_create_team", "org_delete_team", "org_set_team_role", "org_set_team_description", ...MEMBERS],
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
  },
} satisfies KindInfo<"Team">;

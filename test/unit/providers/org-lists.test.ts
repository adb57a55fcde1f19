import { describe, expect, it } from "vitest";
import { invitesRegistered } from "../../../src/quay/api/capabilities";
import type { OrgMemberView } from "../../../src/quay/api/organizations";
import { teamGrantsByRepository } from "../../../src/quay/api/repositories";
import type { RobotView } from "../../../src/quay/api/robots";
import { membersByTeam } from "../../../src/quay/api/teams";

// Organization-wide lists that replace one request per team or per repository in a refresh
// (docs/quay-api.md#cost); each must give exactly what the per-object lists give, or nothing.

const robot = (name: string, teams: string[] | undefined): RobotView => ({
  name,
  created: "",
  last_accessed: null,
  description: "",
  ...(teams ? { teams: teams.map((t) => ({ name: t })) } : {}),
});

describe("team members from the org's member and robot lists (docs/quay-api.md#organizations, docs/quay-api.md#robots)", () => {
  const members: OrgMemberView[] = [
    {
      name: "acme-alice",
      kind: "user",
      teams: [{ name: "developers" }, { name: "owners" }],
      repositories: [],
    },
    { name: "acme-bob", kind: "user", teams: [{ name: "developers" }], repositories: ["operator"] },
  ];

  it("lists users and robots per team, as the team's own list shows them", () => {
    const byTeam = membersByTeam(members, [robot("acme+ci", ["developers"]), robot("acme+pull", [])]);
    expect(byTeam?.get("developers")).toEqual([
      { name: "acme-alice", kind: "user", is_robot: false, invited: false },
      { name: "acme-bob", kind: "user", is_robot: false, invited: false },
      { name: "acme+ci", kind: "user", is_robot: true, invited: false },
    ]);
    expect(byTeam?.get("owners")).toEqual([
      { name: "acme-alice", kind: "user", is_robot: false, invited: false },
    ]);
    // A team nobody is in is simply absent (its member_count is 0).
    expect(byTeam?.get("readers")).toBeUndefined();
  });

  it("gives up when the robot list carries no teams (a token that is not an org admin)", () => {
    expect(membersByTeam(members, [robot("acme+ci", undefined)])).toBeUndefined();
  });
});

describe("team grants from the teams' permission lists (docs/quay-api.md#teams)", () => {
  it("maps every repository to the grants its own team-permission list would show", () => {
    const got = teamGrantsByRepository(
      [
        { name: "developers", repo_count: 2 },
        { name: "lab-automation", repo_count: 1 },
      ],
      [
        [
          { repository: { name: "operator" }, role: "write" },
          { repository: { name: "apps/storefront" }, role: "admin" },
        ],
        [{ repository: { name: "operator" }, role: "read" }],
      ],
    );
    expect(got?.get("operator")).toEqual({
      developers: { name: "developers", role: "write" },
      "lab-automation": { name: "lab-automation", role: "read" },
    });
    expect(got?.get("apps/storefront")).toEqual({ developers: { name: "developers", role: "admin" } });
    expect(got?.get("ubi9")).toBeUndefined();
  });

  it("gives up when a list does not add up to the team's repo_count, or is missing", () => {
    const team = [{ name: "developers", repo_count: 2 }];
    expect(
      teamGrantsByRepository(team, [[{ repository: { name: "operator" }, role: "write" }]]),
    ).toBeUndefined();
    expect(teamGrantsByRepository(team, [undefined])).toBeUndefined();
  });
});

describe("pending invitations are possible only with the invite endpoints (docs/quay-api.md#features, docs/quay-api.md#teams)", () => {
  it("reads FEATURE_MAILING from the registered paths", () => {
    expect(invitesRegistered(new Set(["/api/v1/organization/{}/team/{}/invite/{}"]))).toBe(true);
    expect(invitesRegistered(new Set(["/api/v1/organization/{}/team/{}/members/{}"]))).toBe(false);
  });
});

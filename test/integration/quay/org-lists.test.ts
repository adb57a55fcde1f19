import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorConfig, type RunningEmulator, startEmulator } from "../../../emulator/index";
import type { Context } from "../../../providers/base";
import { repository } from "../../../providers/repository";
import { team } from "../../../providers/team";
import { getOrganization } from "../../../src/quay/api/organizations";
import { listTeamPermissions, orgTeamGrants } from "../../../src/quay/api/repositories";
import { QuaySession } from "../../../src/quay/api/session";
import { listTeamMembers, orgTeamMembers } from "../../../src/quay/api/teams";
import { QuayClient } from "../../../src/quay/client";

// A refresh reads team members and team grants through organization-wide lists (docs/quay-api.md#cost,
// docs/benchmarks.md). They must see exactly what the per-team and per-repository lists see, or
// step aside: the drift a reviewer is shown must not depend on which lists were read.
describe("organization-wide reads equal the per-object lists", () => {
  let emu: RunningEmulator | undefined;
  let client: QuayClient | undefined;
  afterEach(async () => {
    await client?.close();
    await emu?.close();
    client = undefined;
    emu = undefined;
  });

  const lab = async (config: EmulatorConfig = {}) => {
    emu = await startEmulator({ port: 0, config });
    const e = emu;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${e.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${e.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
    };
    for (const u of ["acme-alice", "acme-bob"])
      await call("POST", "/api/v1/superuser/users/", { username: u, email: `${u}@acme.example` });
    for (const o of ["acme", "other"]) await call("POST", "/api/v1/organization/", { name: o });
    for (const r of ["ci", "pull"]) await call("PUT", `/api/v1/organization/acme/robots/${r}`, {});
    await call("PUT", "/api/v1/organization/other/robots/intruder", {});
    for (const t of ["developers", "readers", "idle"])
      await call("PUT", `/api/v1/organization/acme/team/${t}`, { role: "member" });
    const members: [string, string][] = [
      ["developers", "acme-alice"],
      ["developers", "acme-bob"],
      ["developers", "acme+ci"],
      ["readers", "acme-bob"],
      ["readers", "acme+pull"],
    ];
    for (const [t, m] of members) await call("PUT", `/api/v1/organization/acme/team/${t}/members/${m}`);
    for (let i = 0; i < 5; i++) {
      await call("POST", "/api/v1/repository", {
        namespace: "acme",
        repository: `app-${i}`,
        visibility: "private",
        description: "",
      });
      await call("PUT", `/api/v1/repository/acme/app-${i}/permissions/team/developers`, { role: "write" });
    }
    await call("PUT", "/api/v1/repository/acme/app-0/permissions/team/readers", { role: "read" });
    await call("PUT", "/api/v1/repository/acme/app-1/permissions/user/acme-alice", { role: "admin" });
    client = new QuayClient({ url: e.url, token: e.token });
    return { call, session: () => new QuaySession(client!) };
  };

  const ctx = (session: QuaySession): Context => ({
    session,
    settings: { url: "", forceDelete: false },
    log: { info: () => {}, warn: () => {} },
  });
  const byName = <T extends { name: string }>(xs: readonly T[]) =>
    [...xs].sort((a, b) => (a.name < b.name ? -1 : 1)).map((x) => x.name);

  it("team members: the same per team, with the org view's member_count", async () => {
    const { session } = await lab();
    const s = session();
    const org = await getOrganization(s, "acme");
    const byTeam = await orgTeamMembers(s, "acme");
    expect(byTeam).toBeDefined();
    for (const name of ["developers", "readers", "idle", "owners"]) {
      const own = (await listTeamMembers(s, "acme", name)) ?? [];
      const fromOrg = byTeam?.get(name) ?? [];
      expect(fromOrg.length, name).toBe(org?.teams?.[name]?.member_count);
      expect(byName(fromOrg), name).toEqual(byName(own));
    }
  });

  it("team members: a robot of another organization shows through the team's own list", async () => {
    const { call, session } = await lab();
    // Quay lets it in with mailing off (docs/quay-api.md#teams); neither org-wide list names it.
    await call("PUT", "/api/v1/organization/acme/team/readers/members/other+intruder");
    const state = {
      organization: "acme",
      name: "readers",
      role: "member" as const,
      description: "",
      members: [
        { kind: "user" as const, name: "acme-bob" },
        { kind: "robot" as const, name: "acme+pull" },
      ],
    };
    const live = await team.read(ctx(session()), "acme/readers", state);
    expect(live?.members).toContainEqual({ kind: "robot", name: "other+intruder" });
  });

  it("team members: with FEATURE_MAILING, invitations are possible and the org-wide lists step aside", async () => {
    const { session } = await lab({ FEATURE_MAILING: true });
    expect(await orgTeamMembers(session(), "acme")).toBeUndefined();
  });

  it("team grants: the same per repository as its own team-permission list", async () => {
    const { session } = await lab();
    const s = session();
    const byRepo = await orgTeamGrants(s, "acme");
    expect(byRepo).toBeDefined();
    for (let i = 0; i < 5; i++) {
      const own = await listTeamPermissions(s, "acme", `app-${i}`);
      const strip = (m: Record<string, { name: string; role: string }>) =>
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { name: v.name, role: v.role }]));
      expect(byRepo?.get(`app-${i}`) ?? {}, `app-${i}`).toEqual(strip(own));
    }
  });

  it("team grants: a repository read in a refresh shows a grant made out of band", async () => {
    const { call, session } = await lab();
    await call("PUT", "/api/v1/repository/acme/app-3/permissions/team/idle", { role: "admin" });
    const state = {
      namespace: "acme",
      name: "app-3",
      visibility: "private" as const,
      description: "",
      permissions: [{ kind: "team" as const, name: "developers", role: "write" as const }],
      deletionPolicy: "retain" as const,
    };
    const live = await repository.read(ctx(session()), "acme/app-3", state);
    expect(live?.permissions).toEqual([
      { kind: "team", name: "developers", role: "write" },
      { kind: "team", name: "idle", role: "admin" },
    ]);
  });
});

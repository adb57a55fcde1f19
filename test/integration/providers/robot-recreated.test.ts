/**
 * A robot deleted and created again (a new description) through the providers against the emulator
 * over HTTP: Quay drops the old robot's team membership, repository grant and default permission
 * (docs/quay-api.md#robots), while the Team's and Repository's state, read before the delete, still
 * list it. The new generation the Robot's create answers is what makes their update put the robot
 * back (docs/design.md "A robot created again"); a read keeps the generation, so a refresh is no change.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import type { Context } from "../../../providers/base";
import { defaultPermission } from "../../../providers/default-permission";
import { repository, type RepositoryInputs } from "../../../providers/repository";
import { robot } from "../../../providers/robot";
import { team, type TeamInputs } from "../../../providers/team";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

let emu: RunningEmulator;
const clients: QuayClient[] = [];

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text ? JSON.parse(text) : undefined;
};

/** One engine operation: one provider process, one session shared by every kind. */
const ctx = (): Context => {
  const client = new QuayClient({ url: emu.url, token: emu.token });
  clients.push(client);
  return {
    session: new QuaySession(client),
    settings: { url: emu.url, forceDelete: false },
    log: { info: () => {}, warn: () => {} },
  };
};

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  expect(emu.internalErrors).toEqual([]);
  await emu.close();
});
beforeEach(async () => {
  emu.reset();
  await call("POST", "/api/v1/organization/", { name: "acme" });
});

const robotIn = { organization: "acme", shortName: "ci", description: "CI" };

describe("a robot created again", () => {
  it("gets a new generation at each create; a read keeps it", async () => {
    const first = await robot.create(ctx(), robotIn);
    expect(first.generation).toMatch(/^[0-9a-f-]{36}$/);
    expect((await robot.read(ctx(), "acme+ci", first))?.generation).toBe(first.generation);
    // A state from before the generation stays without one.
    const { generation: _, ...old } = first;
    expect(await robot.read(ctx(), "acme+ci", old)).not.toHaveProperty("generation");
    // Adopting an existing robot is a create too: whatever it had may not be what the state says.
    const adopted = await robot.create(ctx(), robotIn);
    expect(adopted.generation).not.toBe(first.generation);
  });

  it("is put back in its team, its grant and its default permission by the same apply", async () => {
    const one = ctx();
    const r1 = await robot.create(one, robotIn);
    const gen1 = { robotGenerations: { "acme+ci": r1.generation! } };
    const teamIn: TeamInputs = team.normalize!({
      organization: "acme",
      name: "developers",
      role: "member",
      description: "",
      members: [{ kind: "robot", name: "acme+ci" }],
      ...gen1,
    });
    const repoIn: RepositoryInputs = repository.normalize!({
      namespace: "acme",
      name: "app",
      visibility: "private",
      description: "",
      permissions: [{ kind: "robot", name: "acme+ci", role: "write" }],
      deletionPolicy: "retain",
      ...gen1,
    });
    const dpIn = {
      organization: "acme",
      delegate: { kind: "robot" as const, name: "acme+ci" },
      role: "read" as const,
      ...gen1,
    };
    const teamState = await team.create(one, teamIn);
    const repoState = await repository.create(one, repoIn);
    const dpState = await defaultPermission.create(one, dpIn);

    // The next apply: the refresh reads everything (the state), then the robot is deleted and created.
    const two = ctx();
    const refreshedTeam = (await team.read(two, "acme/developers", teamState))!;
    const refreshedRepo = (await repository.read(two, "acme/app", repoState))!;
    expect(refreshedTeam).toEqual(teamState);
    expect(refreshedRepo).toEqual(repoState);
    expect(await defaultPermission.read(two, dpState.prototypeId, dpState)).toEqual(dpState);
    await defaultPermission.delete(two, dpState.prototypeId, dpState);
    await robot.delete(two, "acme+ci", r1);
    const r2 = await robot.create(two, { ...robotIn, description: "CI, signing too" });
    expect(r2.generation).not.toBe(r1.generation);
    expect((await call("GET", "/api/v1/organization/acme/team/developers/members")).members).toEqual([]);

    const gen2 = { robotGenerations: { "acme+ci": r2.generation! } };
    const changed = new Set(["robotGenerations"] as const);
    const teamOut = await team.update(two, "acme/developers", refreshedTeam, { ...teamIn, ...gen2 }, changed);
    const repoOut = await repository.update(two, "acme/app", refreshedRepo, { ...repoIn, ...gen2 }, changed);
    const dpOut = await defaultPermission.create(two, { ...dpIn, ...gen2 });

    const members = (await call("GET", "/api/v1/organization/acme/team/developers/members")).members;
    expect(members.map((m: { name: string }) => m.name)).toEqual(["acme+ci"]);
    const grants = await call("GET", "/api/v1/repository/acme/app/permissions/user/");
    expect(grants.permissions["acme+ci"]?.role).toBe("write");
    const prototypes = (await call("GET", "/api/v1/organization/acme/prototypes")).prototypes;
    expect(prototypes.map((p: { id: string }) => p.id)).toEqual([dpOut.prototypeId]);

    // The outputs carry the new generation; the next refresh reads them back unchanged, with no write.
    expect(teamOut.robotGenerations).toEqual(gen2.robotGenerations);
    expect(repoOut.robotGenerations).toEqual(gen2.robotGenerations);
    emu.resetStats();
    const three = ctx();
    expect(await team.read(three, "acme/developers", teamOut)).toEqual(teamOut);
    expect(await repository.read(three, "acme/app", repoOut)).toEqual(repoOut);
    expect(await defaultPermission.read(three, dpOut.prototypeId, dpOut)).toEqual(dpOut);
    expect(emu.stats().writes).toBe(0);
  });

  it("an update whose robot was not created again writes nothing", async () => {
    const r = await robot.create(ctx(), robotIn);
    const teamIn: TeamInputs = team.normalize!({
      organization: "acme",
      name: "developers",
      role: "member",
      description: "",
      members: [{ kind: "robot", name: "acme+ci" }],
      robotGenerations: { "acme+ci": r.generation! },
    });
    const state = await team.create(ctx(), teamIn);
    // An adopted robot (its delete refused, say) keeps its membership: the update reads and sends nothing.
    emu.resetStats();
    await team.update(
      ctx(),
      "acme/developers",
      state,
      { ...teamIn, robotGenerations: { "acme+ci": "another" } },
      new Set(["robotGenerations"]),
    );
    expect(emu.stats().writes).toBe(0);
  });
});

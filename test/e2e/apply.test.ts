import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Lab, startLab } from "../helpers/lab";

// the real engine applies the sample tenants to the emulator; every check
// reads Quay's API, not our state.

type Robots = { robots: { name: string; token?: string; description: string }[] };
type Perms = { permissions: Record<string, { role: string }> };
type Prototypes = { prototypes: { id: string; role: string; delegate: { name: string } }[] };
type Policies = { policies: { uuid: string; method: string; value: number | string }[] };
type OrgView = {
  tag_expiration_s: number;
  teams: Record<string, { role: string }>;
  quotas: { id: number; limit_bytes: number; limits: unknown[] }[];
};

describe("apply with the real engine", () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it("adopts objects that exist in Quay but not in the state, without duplicating them", async () => {
    // As if a previous run crashed right after these creates.
    expect(
      (await lab.api("POST", "/api/v1/organization/", { name: "acme", email: "registry@acme.example" }))
        .status,
    ).toBe(201);
    const robot = await lab.api<{ token: string }>("PUT", "/api/v1/organization/acme/robots/ci", {
      description: "CI pipelines push here",
    });
    expect(robot.status).toBe(201);
    await lab.api("PUT", "/api/v1/organization/acme/team/developers", {
      role: "member",
      description: "Acme engineers",
    });
    await lab.api("POST", "/api/v1/organization/acme/prototypes", {
      role: "write",
      delegate: { kind: "team", name: "developers" },
    });
    await lab.api("POST", "/api/v1/organization/acme/autoprunepolicy/", {
      method: "creation_date",
      value: "90d",
      tagPattern: "^pr-",
      tagPatternMatches: true,
    });
    await lab.api("POST", "/api/v1/repository", {
      namespace: "acme",
      repository: "operator",
      visibility: "private",
      description: "old text",
    });

    const up = await lab.stack.up();
    expect(up.summary.result).toBe("succeeded");

    const robots = (await lab.api<Robots>("GET", "/api/v1/organization/acme/robots")).data.robots;
    expect(robots.filter((r) => r.name === "acme+ci")).toHaveLength(1);
    // Adopted, not re-created: CI's token still works.
    expect(robots.find((r) => r.name === "acme+ci")?.token).toBe(robot.data.token);
    const prototypes = (await lab.api<Prototypes>("GET", "/api/v1/organization/acme/prototypes")).data
      .prototypes;
    expect(prototypes.filter((p) => p.delegate.name === "developers")).toHaveLength(1);
    const policies = (await lab.api<Policies>("GET", "/api/v1/organization/acme/autoprunepolicy/")).data
      .policies;
    expect(policies).toHaveLength(1);
    const repo = await lab.api<{ description: string }>("GET", "/api/v1/repository/acme/operator");
    expect(repo.data.description).toBe("Acme operator images");
  });

  it("created exactly the declared objects, as Quay reports them", async () => {
    const org = (await lab.api<OrgView>("GET", "/api/v1/organization/acme")).data;
    expect(org.tag_expiration_s).toBe(14 * 86400);
    expect(Object.keys(org.teams).sort()).toEqual([
      "developers",
      "lab-automation",
      "owners",
      "release-managers",
    ]);
    expect(org.quotas[0]?.limit_bytes).toBe(500 * 1024 ** 3);
    expect(org.quotas[0]?.limits).toHaveLength(2);
    const robots = (await lab.api<Robots>("GET", "/api/v1/organization/acme/robots")).data.robots.map(
      (r) => r.name,
    );
    expect(robots.sort()).toEqual(["acme+ci", "acme+cluster-pull", "acme+mirror"]);
    const perms = (await lab.api<Perms>("GET", "/api/v1/repository/acme/operator/permissions/user/")).data
      .permissions;
    expect(perms["acme+ci"]?.role).toBe("write");
    expect(perms["acme+cluster-pull"]?.role).toBe("read");
    const teamPerms = (await lab.api<Perms>("GET", "/api/v1/repository/acme/operator/permissions/team/")).data
      .permissions;
    expect(teamPerms).toMatchObject({ developers: { role: "write" }, "lab-automation": { role: "read" } });
    const mirror = await lab.api<{ external_reference: string; robot_username: string; is_enabled: boolean }>(
      "GET",
      "/api/v1/repository/acme/ubi9/mirror",
    );
    expect(mirror.data).toMatchObject({
      external_reference: "registry.access.redhat.com/ubi9/ubi",
      robot_username: "acme+mirror",
      is_enabled: true,
    });
    const members = await lab.api<{ members: { name: string }[] }>(
      "GET",
      "/api/v1/organization/acme/team/developers/members",
    );
    expect(members.data.members.map((m) => m.name).sort()).toEqual(["acme+ci", "acme-alice", "acme-bob"]);
    const users = await lab.api<{ users: { username: string }[] }>("GET", "/api/v1/superuser/users/");
    expect(users.data.users.map((u) => u.username)).toEqual(
      expect.arrayContaining(["acme-alice", "globex-hank", "initech-peter"]),
    );
    const proxy = await lab.api<{ upstream_registry: string; expiration_s: number }>(
      "GET",
      "/api/v1/organization/initech/proxycache",
    );
    expect(proxy.data).toMatchObject({ upstream_registry: "quay.io/initech", expiration_s: 2 * 86400 });
  });

  it("changes nothing and sends no write on a second up", async () => {
    await lab.resetStats();
    const up = await lab.stack.up({ refresh: true });
    expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    expect(await lab.writes()).toBe(0);
  });

  it("sees an out-of-band change of every kind, names the field, and repairs it", async () => {
    const prototypes = (await lab.api<Prototypes>("GET", "/api/v1/organization/acme/prototypes")).data
      .prototypes;
    const developersDefault = prototypes.find((p) => p.delegate.name === "developers")!;
    const org = (await lab.api<OrgView>("GET", "/api/v1/organization/acme")).data;
    const policies = (await lab.api<Policies>("GET", "/api/v1/repository/acme/operator/autoprunepolicy/"))
      .data.policies;
    const changes: [string, string, unknown?][] = [
      ["PUT", "/api/v1/organization/acme", { tag_expiration_s: 86400 }],
      ["PUT", "/api/v1/superuser/users/acme-alice", { email: "someone-else@acme.example" }],
      ["DELETE", "/api/v1/organization/acme/robots/cluster-pull"],
      ["PUT", "/api/v1/organization/acme/team/release-managers", { role: "admin", description: "" }],
      ["PUT", "/api/v1/repository/acme/operator", { description: "edited in the UI" }],
      ["PUT", `/api/v1/organization/acme/prototypes/${developersDefault.id}`, { role: "admin" }],
      ["PUT", `/api/v1/organization/acme/quota/${org.quotas[0]!.id}`, { limit_bytes: 1024 ** 3 }],
      ["PUT", "/api/v1/repository/acme/ubi9/mirror", { sync_interval: 3600 }],
      ["DELETE", "/api/v1/organization/initech/proxycache"],
      [
        "PUT",
        `/api/v1/repository/acme/operator/autoprunepolicy/${policies[0]!.uuid}`,
        { method: "number_of_tags", value: 3 },
      ],
    ];
    for (const [method, p, body] of changes) {
      const r = await lab.api(method, p, body);
      expect(r.status, `${method} ${p}`).toBeLessThan(300);
    }
    await lab.api("POST", "/api/v1/organization/initech/proxycache", {
      upstream_registry: "quay.io/elsewhere",
    });

    let output = "";
    try {
      await lab.stack.preview({ refresh: true, expectNoChanges: true, diff: true });
      expect.unreachable("preview --refresh --expect-no-changes must fail on drift");
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    for (const field of [
      "tagExpirationSeconds",
      "email",
      "acme+cluster-pull",
      "role",
      "description",
      "limitBytes",
      "syncIntervalSeconds",
      "upstream",
      "value",
    ]) {
      expect(output, field).toContain(field);
    }

    const up = await lab.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    await lab.stack.preview({ refresh: true, expectNoChanges: true });
    expect((await lab.api<OrgView>("GET", "/api/v1/organization/acme")).data.tag_expiration_s).toBe(
      14 * 86400,
    );
    const repo = await lab.api<{ description: string }>("GET", "/api/v1/repository/acme/operator");
    expect(repo.data.description).toBe("Acme operator images");
  });

  it("deletes what a tenant file no longer declares, and retains repositories (saying so)", async () => {
    lab.editTenant("acme", (text) =>
      text
        .replace(
          /\n {4}- name: release-managers\n {6}role: creator\n {6}members:\n {8}- user: acme-alice/,
          "",
        )
        .replace(/\n {4}- name: operator-bundle\n(?: {6}.*\n)+?(?= {4}- name: ubi9)/, "\n"),
    );
    const up = await lab.stack.up({ refresh: true });
    expect(up.summary.resourceChanges?.delete).toBeGreaterThanOrEqual(2);
    expect(up.stdout).toContain("retained repository acme/operator-bundle");
    const org = (await lab.api<OrgView>("GET", "/api/v1/organization/acme")).data;
    expect(org.teams["release-managers"]).toBeUndefined();
    expect((await lab.api("GET", "/api/v1/repository/acme/operator-bundle")).status).toBe(200);
  });

  it("destroy leaves the registry as it was, retained objects aside", async () => {
    const destroy = await lab.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    const users = (await lab.api<{ users: { username: string }[] }>("GET", "/api/v1/superuser/users/")).data
      .users;
    expect(users.map((u) => u.username).sort()).toEqual(["admin", "lab-automation"]);
    // Organizations and repositories are retained (deletionPolicy: retain), their mirrors disabled.
    expect((await lab.api("GET", "/api/v1/organization/acme")).status).toBe(200);
    const org = (await lab.api<OrgView>("GET", "/api/v1/organization/acme")).data;
    expect(Object.keys(org.teams)).toEqual(["owners"]);
    expect(org.quotas).toEqual([]);
    const mirror = await lab.api<{ is_enabled: boolean }>("GET", "/api/v1/repository/acme/ubi9/mirror");
    expect(mirror.data.is_enabled).toBe(false);
    const repo = await lab.api<{ state: string }>("GET", "/api/v1/repository/acme/ubi9");
    expect(repo.data.state).toBe("NORMAL");
    const prototypes = (await lab.api<Prototypes>("GET", "/api/v1/organization/acme/prototypes")).data
      .prototypes;
    expect(prototypes).toEqual([]);
    // The mirror robot stays: Quay refuses to delete a robot a mirror config names.
    const robots = (await lab.api<Robots>("GET", "/api/v1/organization/acme/robots")).data.robots.map(
      (r) => r.name,
    );
    expect(robots).toEqual(["acme+mirror"]);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { exportLab } from "../../../src/export";
import { readLab, validateExport } from "../../../src/gitops/export";
import { QuayClient } from "../../../src/quay";
import { QuaySession } from "../../../src/quay/api/session";
import { buildRawLab, rawApi } from "../../helpers/raw-lab";

/** The export's read pass against the emulator: what it sees, and what it sends. */

let emu: RunningEmulator;
const ORGS = ["acme", "globex", "initech"];
const NOW = new Date();

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  await buildRawLab(rawApi(emu.url, emu.token), { organizations: ORGS });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetStats();
});

async function read(token: string, request: { organizations: string[]; all: boolean }) {
  const client = new QuayClient({ url: emu.url, token });
  try {
    return await readLab(new QuaySession(client), request, () => {});
  } finally {
    await client.close();
  }
}

const options = { stack: "lab", now: NOW, registryFile: "stacks/lab.registry.yaml" };

describe("export: reading the lab", () => {
  it("reads what the lab holds, and never a robot token", async () => {
    const live = await read(emu.token, { organizations: [], all: true });
    expect(live.organizations.map((o) => o.name)).toEqual(ORGS);
    expect(live.registry).toMatchObject({
      featureSource: "config",
      tagExpirationOptions: ["0s", "1d", "1w", "2w", "4w"],
      authenticationType: "Database",
      features: {
        repoMirror: true,
        proxyCache: true,
        autoPrune: true,
        quotaManagement: true,
        sparseIndex: false,
      },
    });
    const acme = live.organizations[0]!;
    expect(acme.robots.map((r) => r.name).sort()).toEqual(["acme+ci", "acme+cluster-pull", "acme+mirror"]);
    expect(JSON.stringify(live)).not.toMatch(/"token"/);
    expect(acme.repositories.find((r) => r.name === "ubi9")?.mirror).toMatchObject({
      username: "acme-pull",
      robot: "acme+mirror",
      tags: ["latest", "9.*"],
    });
    expect(acme.proxyCache).toEqual({ upstream: "quay.io/acme", expirationSeconds: 172800, insecure: false });
    expect((await emu.stats()).writes).toBe(0);
  });

  it("with --org, a member of an organization not exported belongs to no tenant", async () => {
    const live = await read(emu.token, { organizations: ["acme"], all: false });
    expect(live.organizations.map((o) => o.name)).toEqual(["acme"]);
    expect(live.otherMemberships.get("shared-carol")).toEqual(["globex"]);
    const result = exportLab(live, options);
    expect(result.existingUsers.find((u) => u.name === "shared-carol")?.reason).toBe(
      "a member of acme, globex",
    );
    // globex's own users are not named by acme: they wait for globex's export.
    expect(result.existingUsers.map((u) => u.name)).not.toContain("globex-alice");
    const load = validateExport(
      result,
      { path: "stacks/lab.registry.yaml", text: result.registry },
      "tenants",
      NOW,
    );
    expect(load.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("an account that is not a superuser exports its own organizations, and owns no user", async () => {
    const token = emu.mintToken("acme-alice", ["org:admin", "repo:admin", "repo:read", "user:read"]);
    // acme-alice is only a member of acme; make her an administrator there.
    await rawApi(emu.url, emu.token)("PUT", "/api/v1/organization/acme/team/owners/members/acme-alice");
    const live = await read(token, { organizations: [], all: true });
    expect(live.superUser).toBe(false);
    expect(live.users).toBeUndefined();
    expect(live.organizations.map((o) => o.name)).toEqual(["acme"]);
    const result = exportLab(live, options);
    expect(result.tenants.map((t) => t.tenant)).toEqual(["acme"]);
    expect(result.existingUsers.map((u) => u.name)).toEqual([
      "acme-alice",
      "acme-bob",
      "admin",
      "shared-carol",
    ]);
    const load = validateExport(
      result,
      { path: "stacks/lab.registry.yaml", text: result.registry },
      "tenants",
      NOW,
    );
    expect(load.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

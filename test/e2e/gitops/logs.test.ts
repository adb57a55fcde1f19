import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { quayLogDate, readOrganizationLogs, readSuperuserLogs } from "../../../src/quay/api/logs";
import { QuayClient } from "../../../src/quay/client";

// The audit-log reader drift attribution uses (docs/quay-api.md#audit-logs), over HTTP against the emulator: pages of
// 20 followed to the end, newest first, and a log the token may not read reported, not thrown.
describe("audit logs for drift attribution", () => {
  let emu: RunningEmulator;
  let client: QuayClient;
  const window = () => ({ since: new Date(Date.now() - 86_400_000) });

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, quiet: true });
    client = new QuayClient({ url: emu.url, token: emu.token, retry: false });
    await client.request("POST", "/api/v1/organization/", {
      body: { name: "logs", email: "logs@lab.example" },
    });
    // 1 org_create + 25 team creations: more than one page.
    for (let i = 0; i < 25; i++) {
      await client.request("PUT", `/api/v1/organization/logs/team/t${String(i).padStart(2, "0")}`, {
        body: { role: "member", description: "" },
      });
    }
  });
  afterAll(async () => {
    await client?.close();
    await emu?.close();
  });

  it("follows next_page to the end, newest first, with the performer", async () => {
    const r = await readOrganizationLogs(client, "logs", window());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.truncated).toBe(false);
    const teams = r.entries.filter((e) => e.kind === "org_create_team");
    expect(teams).toHaveLength(25);
    expect(teams[0]!.metadata?.team).toBe("t24");
    expect(teams.at(-1)!.metadata?.team).toBe("t00");
    expect(r.entries.at(-1)!.kind).toBe("org_create");
    expect(teams[0]!.performer?.name).toBe("admin");
  });

  it("stops at maxPages and says the log was cut", async () => {
    const r = await readOrganizationLogs(client, "logs", { ...window(), maxPages: 1 });
    expect(r).toMatchObject({ ok: true, truncated: true });
    if (r.ok) expect(r.entries).toHaveLength(20);
  });

  it("reads the superuser log, with each entry's namespace", async () => {
    const r = await readSuperuserLogs(client, window());
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.entries.find((e) => e.kind === "org_create")?.namespace?.name).toBe("logs");
  });

  it("reports a log it may not read, or of an organization that is gone, instead of failing", async () => {
    await client.request("POST", "/api/v1/superuser/users/", {
      body: { username: "viewer", email: "v@lab.example" },
    });
    const minted = await fetch(`${emu.url}/_emulator/tokens`, {
      method: "POST",
      body: JSON.stringify({ user: "viewer", scopes: ["repo:read"] }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    const viewer = new QuayClient({ url: emu.url, token: minted.token, retry: false });
    try {
      const denied = await readOrganizationLogs(viewer, "logs", window());
      expect(denied.ok).toBe(false);
      if (!denied.ok)
        expect(denied.reason).toMatch(/the token may not read the audit log of organization logs \(40[13]/);
    } finally {
      await viewer.close();
    }
    const gone = await readOrganizationLogs(client, "no-such-org", window());
    expect(gone).toEqual({
      ok: false,
      reason: "the audit log of organization no-such-org does not exist any more",
    });
  });

  it("writes dates as Quay reads them", () => {
    expect(quayLogDate(new Date("2026-01-05T23:59:59Z"))).toBe("01/05/2026");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { readAuditFixture, runAuditScenario, SCENARIO_USER_AGENT } from "../../helpers/audit-scenario";

// The emulator's audit log is what drift attribution is tested against: for the writes quay-gitops
// makes and the out-of-band changes it explains, it must log exactly what Quay 3.18.0 logged for the
// same writes (recorded by the acceptance tier in test/fixtures/quay-3.18.0/audit-log.json).
describe("audit log entries, as Quay 3.18.0 writes them", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, quiet: true });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("the same writes leave the same entries (kinds, metadata, performer, order)", async () => {
    const api = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${emu.url}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${emu.token}`,
          "user-agent": SCENARIO_USER_AGENT,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, data: text ? JSON.parse(text) : undefined };
    };
    const result = await runAuditScenario(
      api,
      { org: "auditorg", proxyOrg: "auditproxy", user: "audit-user" },
      "admin",
    );
    expect(result).toEqual(readAuditFixture());
    expect(emu.internalErrors).toEqual([]);
  });
});

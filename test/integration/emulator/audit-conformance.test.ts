import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { readAuditFixture, runAuditScenario, type ScenarioNames } from "../../helpers/audit-scenario";
import { sessionApi, tokenApi } from "../../helpers/quay-api";

// The emulator's audit log is what drift attribution is tested against: for the writes quay-gitops
// makes and the out-of-band changes it explains, it must log exactly what Quay 3.18.0 logged for the
// same writes (recorded by the acceptance tier in test/fixtures/quay-3.18.0/audit-log.json).
const NAMES: ScenarioNames = {
  org: "auditorg",
  proxyOrg: "auditproxy",
  user: "audit-user",
  sessionOrg: "auditui",
};

describe("audit log entries, as Quay 3.18.0 writes them", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    // The lab's Quay runs with immutable tags (docs/real-quay.md), so the scenario writes policies too.
    emu = await startEmulator({ port: 0, quiet: true, config: { FEATURE_IMMUTABLE_TAGS: true } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("with a token: the same writes leave the same entries (kinds, metadata, performer, order)", async () => {
    const recorded = readAuditFixture();
    delete recorded.session;
    recorded.superuser = recorded.superuser.filter((e) => !JSON.stringify(e).includes("<session-org>"));
    expect(await runAuditScenario(tokenApi(emu.url, emu.token), NAMES, "admin")).toEqual(recorded);
    expect(emu.internalErrors).toEqual([]);
  });

  it("by hand in a signed-in session: no OAuth metadata", async () => {
    emu.reset();
    const session = await sessionApi(emu.url, "admin", emu.password);
    const result = await runAuditScenario(tokenApi(emu.url, emu.token), NAMES, "admin", session);
    expect(result).toEqual(readAuditFixture());
    expect(emu.internalErrors).toEqual([]);
  });
});

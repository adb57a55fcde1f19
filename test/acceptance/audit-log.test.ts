import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_FIXTURE, readAuditFixture, runAuditScenario } from "../helpers/audit-scenario";
import { realQuay, runPrefix, SKIP_NO_QUAY, tokenApi } from "./quay";

// The audit log entries the emulator reproduces (test/integration/emulator/audit-conformance.test.ts)
// are the real Quay's: the same writes, made here, must leave exactly the recorded entries.
// QG_RECORD_AUDIT_FIXTURE=1 records them again (a new Quay version).
const quay = realQuay();

describe.skipIf(!quay)(
  quay ? `audit log entries of ${quay.url}` : `audit log entries: ${SKIP_NO_QUAY}`,
  () => {
    it("are the recorded ones (Quay 3.18.0)", async () => {
      const q = quay!;
      const api = tokenApi(q.url, q.token);
      const me = (await api<{ username: string }>("GET", "/api/v1/user/")).data.username;
      const p = runPrefix();
      const result = await runAuditScenario(
        api,
        { org: `${p}org`, proxyOrg: `${p}proxy`, user: `${p}-user` },
        me,
      );
      if (process.env.QG_RECORD_AUDIT_FIXTURE === "1") {
        fs.mkdirSync(path.dirname(AUDIT_FIXTURE), { recursive: true });
        fs.writeFileSync(AUDIT_FIXTURE, `${JSON.stringify(result, null, 2)}\n`);
      }
      expect(result).toEqual(readAuditFixture());
    });
  },
);

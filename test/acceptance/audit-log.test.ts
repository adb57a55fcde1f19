import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_FIXTURE, readAuditFixture, runAuditScenario } from "../helpers/audit-scenario";
import { realQuay, runPrefix, SKIP_NO_QUAY, sessionApi, tokenApi } from "./quay";

// The audit log entries the emulator reproduces (test/integration/emulator/audit-conformance.test.ts)
// are the real Quay's: the same writes, made here, must leave exactly the recorded entries.
// QG_RECORD_AUDIT_FIXTURE=1 records them again (a new Quay version).
const quay = realQuay();
if (!quay) console.warn(`acceptance tier, audit log: ${SKIP_NO_QUAY}`);

describe.skipIf(!quay)(
  quay ? `audit log entries of ${quay.url}` : `audit log entries: ${SKIP_NO_QUAY}`,
  () => {
    it("are the recorded ones (Quay 3.18.0)", async () => {
      const q = quay!;
      const api = tokenApi(q.url, q.token);
      const me = (await api<{ username: string }>("GET", "/api/v1/user/")).data.username;
      const p = runPrefix();
      // The session part is made by the token's own user, signed in with its password.
      const session = q.username && q.password ? await sessionApi(q.url, q.username, q.password) : undefined;
      if (session) expect(q.username).toBe(me);
      const result = await runAuditScenario(
        api,
        { org: `${p}org`, proxyOrg: `${p}proxy`, user: `${p}-user`, sessionOrg: `${p}ui` },
        me,
        session,
      );
      if (process.env.QG_RECORD_AUDIT_FIXTURE === "1") {
        fs.mkdirSync(path.dirname(AUDIT_FIXTURE), { recursive: true });
        fs.writeFileSync(AUDIT_FIXTURE, `${JSON.stringify(result, null, 2)}\n`);
      }
      const recorded = readAuditFixture();
      if (!session) {
        delete recorded.session;
        recorded.superuser = recorded.superuser.filter((e) => !JSON.stringify(e).includes("<session-org>"));
      }
      expect(result).toEqual(recorded);
    });
  },
);

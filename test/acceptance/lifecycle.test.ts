import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED_TOLERANCE_MS } from "../../src/plan/runs";
import { fingerprint } from "../helpers/fingerprint";
import { markedProcesses, PROCESS_MARK_ENV } from "../helpers/processes";
import {
  createLab,
  type DriftJson,
  killApplyMidway,
  orgEntriesSince,
  type QuayLab,
  quayNow,
  removeRun,
  sleep,
  userEntriesSince,
} from "./lab";
import {
  type Api,
  acceptanceRun,
  type CredentialSet,
  createServiceAccount,
  describeEachSignIn,
  SKIP_NO_QUAY,
  sessionApi,
  tokenApi,
} from "./quay";

// The provider lifecycle, apply, refresh, drift with attribution and crash recovery, with the real
// CLI and the real Pulumi engine against the real Quay named by QUAY_URL, once for every way
// quay-gitops can sign in that the environment holds (docs/acceptance.md). Everything is created under
// one run prefix and removed afterwards, also when a scenario fails.
const { quay, prefix, sets } = acceptanceRun();

for (const c of sets) if (c.skip) console.warn(`acceptance tier, ${c.name} variant: ${c.skip}`);

describe(
  quay ? `the real Quay at ${quay.url} (run prefix ${prefix})` : `the real Quay: ${SKIP_NO_QUAY}`,
  () => {
    let admin: Api;
    const serviceAccount = `${prefix}bot`;

    beforeAll(async () => {
      if (!quay) return;
      admin = tokenApi(quay.url, quay.token);
      // The registry file's baseline names an existing service account; this run's own.
      await createServiceAccount(admin, serviceAccount);
    });

    afterAll(async () => {
      if (!quay) return;
      expect(await removeRun(admin, prefix)).toEqual([]);
    });

    describeEachSignIn(sets, (cred) => scenarios(cred, () => admin, serviceAccount));
  },
);

/** Every scenario, signed in one way; `adminApi` is the token's API, to set up and to check. */
function scenarios(cred: CredentialSet, adminApi: () => Api, serviceAccount: string): void {
  const admin: Api = (method, p, body) => adminApi()(method, p, body);
  const tenant = `${prefix}${cred.name[0]}`;
  const only = (t: string) => (name: string) => name === t || name.startsWith(`${t}-`);
  const canonical = (lines: string[], t: string) => lines.map((l) => l.split(t).join("<tenant>"));
  let lab: QuayLab;
  let converged: string[];
  let applied: Date;

  beforeAll(() => {
    lab = createLab(quay!, cred, tenant, serviceAccount);
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it("apply converges the tenant, and creates every object once", async () => {
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const created = /(\d+) created, 0 updated, 0 replaced, 0 deleted, 0 unchanged/.exec(r.stdout);
    expect(created, r.stdout).not.toBeNull();
    expect(r.stdout).toContain(`${tenant}: ${created![1]} created`);
    converged = await fingerprint({ api: admin }, only(tenant));
    expect(converged.filter((l) => l.startsWith("org "))).toEqual([
      `org ${tenant} registry@${tenant}.example 1209600`,
    ]);
    expect(converged.filter((l) => l.startsWith("user ")).length).toBe(2);
    expect(converged.filter((l) => l.startsWith("mirror ")).length).toBe(1);
    // The update message places the run on Quay's clock and says how it signed in (drift attribution).
    const history = path.join(lab.backend, ".pulumi", "history", "quay-gitops", "local");
    const messages = fs
      .readdirSync(history)
      .filter((f) => f.endsWith(".history.json"))
      .map(
        (f) => (JSON.parse(fs.readFileSync(path.join(history, f), "utf8")) as { message: string }).message,
      );
    expect(messages).toEqual([
      expect.stringMatching(new RegExp(` quay-clock [+-]\\d+ms auth ${cred.name}$`)),
    ]);
    applied = new Date();
  });

  it("a second apply, and apply --all, change nothing and write nothing (Quay's audit log)", async () => {
    const t0 = await quayNow(quay!.url);
    const again = await lab.cli("apply");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing to apply on stack local: no tenant changed since the last apply");
    const all = await lab.cli("apply", "--all");
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("verdict: No changes: Quay already matches the tenant files.");
    expect(all.stdout).toMatch(/: 0 to create, 0 to update, 0 to replace, 0 to delete, \d+ unchanged\n/);
    expect(all.stdout).toContain(
      "Quay already matches the tenant files of the tenants looked at; nothing was written",
    );
    expect(await orgEntriesSince(admin, tenant, t0)).toEqual([]);
    expect(await userEntriesSince(admin, only(tenant), t0)).toEqual([]);
    expect(await fingerprint({ api: admin }, only(tenant))).toEqual(converged);
    applied = new Date();
  });

  it("drift names who changed each field: another user, and the automation's own account by hand after the apply", async () => {
    // Both clocks tick in whole seconds: a change in the apply's last seconds is taken for its own.
    await sleep(Math.max(0, applied.getTime() + RECORDED_TOLERANCE_MS + 2_000 - Date.now()));
    const alicePassword = `pw-${prefix}-Alice1`;
    expect(
      (await admin("PUT", `/api/v1/superuser/users/${tenant}-alice`, { password: alicePassword })).status,
    ).toBe(200);
    const alice = await sessionApi(quay!.url, `${tenant}-alice`, alicePassword);
    expect(
      (await alice("PUT", `/api/v1/repository/${tenant}/operator`, { description: "Alice was here" })).status,
    ).toBe(200);
    // The lab admin, signed in to the UI with the automation's own account (a minute after the apply,
    // which the earlier five-minute padding took for the apply's own writes).
    const ui = await sessionApi(quay!.url, quay!.username ?? "admin", quay!.password ?? "");
    expect(
      (await ui("DELETE", `/api/v1/repository/${tenant}/operator/permissions/team/developers`)).status,
    ).toBe(204);
    expect(
      (
        await ui("PUT", `/api/v1/organization/${tenant}/team/developers`, {
          role: "member",
          description: "Edited by hand",
        })
      ).status,
    ).toBe(200);

    const json = path.join(lab.backend, "drift.json");
    const r = await lab.cli("drift", "--json", json);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    const report = JSON.parse(fs.readFileSync(json, "utf8")) as DriftJson;
    expect(report.objects.map((o) => `${o.kind} ${o.name}`).sort()).toEqual([
      `Repository ${tenant}/operator`,
      `Team ${tenant}/developers`,
    ]);
    const field = (name: string, f: string) =>
      report.objects.find((o) => o.name === name)!.fields.find((x) => x.field === f)!;
    expect(field(`${tenant}/operator`, "description").attribution).toMatchObject({
      actor: `${tenant}-alice`,
      automationAccount: false,
      auth: "session",
      action: "set_repo_description",
    });
    expect(field(`${tenant}/operator`, "permissions").attribution).toMatchObject({
      actor: quay!.username ?? "admin",
      automationAccount: true,
      ours: false,
      auth: "session",
      action: "delete_repo_permission",
    });
    expect(field(`${tenant}/developers`, "description").attribution).toMatchObject({
      actor: quay!.username ?? "admin",
      automationAccount: true,
      auth: "session",
      action: "org_set_team_description",
    });
    expect(r.stdout).toContain(
      `permissions: removed team:developers write in Quay\n        by ${quay!.username ?? "admin"} (the automation's account, by hand in the UI) at`,
    );
    expect(r.stdout).not.toContain("by unknown");
  });

  it("drift --remediate repairs it; the next drift is clean", async () => {
    const r = await lab.cli("drift", "--remediate");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    expect(r.stdout).toMatch(/applied stack local from main at [0-9a-f]{12}/);
    expect(r.stdout).toMatch(/ 0 created, 2 updated, 0 replaced, 0 deleted, \d+ unchanged in /);
    const after = await lab.cli("drift");
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toMatch(/^No drift: all \d+ Quay objects match the last apply\./);
    expect(await fingerprint({ api: admin }, only(tenant))).toEqual(converged);
  });

  it("an apply killed with SIGKILL mid-way is repaired by the next apply, with no duplicates and no process left", async () => {
    const crashTenant = `${tenant}c`;
    const crash = createLab(quay!, cred, crashTenant, serviceAccount);
    try {
      const killed = await killApplyMidway(crash, 8);
      expect(killed.exited, "the apply finished before the kill point").toBe(false);
      expect(killed.steps).toBeGreaterThanOrEqual(8);
      const partial = await fingerprint({ api: admin }, only(crashTenant));
      expect(canonical(partial, crashTenant)).not.toEqual(canonical(converged, tenant));
      const r = await crash.cli("apply");
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(canonical(await fingerprint({ api: admin }, only(crashTenant)), crashTenant)).toEqual(
        canonical(converged, tenant),
      );
      const again = await crash.cli("apply", "--all");
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/: 0 to create, 0 to update, 0 to replace, 0 to delete, \d+ unchanged\n/);
      expect(markedProcesses(crash.env[PROCESS_MARK_ENV]!)).toEqual([]);
    } finally {
      await crash.dispose();
    }
  });
}

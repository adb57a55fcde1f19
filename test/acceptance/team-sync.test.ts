import { execSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED_TOLERANCE_MS } from "../../src/plan/runs";
import { createLab, type DriftJson, orgEntriesSince, type QuayLab, quayNow, removeRun, sleep } from "./lab";
import {
  type Api,
  acceptanceRun,
  type CredentialSet,
  describeEachSignIn,
  sessionApi,
  tokenApi,
} from "./quay";

// Team sync against a real Quay with a directory (docs/acceptance.md "Team sync"): QUAY_URL names a
// Quay with AUTHENTICATION_TYPE LDAP and FEATURE_TEAM_SYNCING, QUAY_TEAM_SYNC_GROUP an LDAP group with
// at least one user (its DN relative to LDAP_BASE_DN), QUAY_TEAM_SYNC_GROUP2 optionally another. With
// the real CLI and engine, once per way of signing in: a synced team with a robot is created, an apply
// --all writes nothing, a sync turned off by hand is drift with its author and is repaired, another
// group is an update, and without syncFrom the sync is turned off. Quay's own answers to a synced
// team are checked too. With QUAY_TEAM_SYNC_COMMAND (one pass of Quay's sync worker) the group's users
// join the team, which is no drift and no change.
const GROUP = process.env.QUAY_TEAM_SYNC_GROUP || undefined;
const GROUP2 = process.env.QUAY_TEAM_SYNC_GROUP2 || undefined;
/** A shell command that runs Quay's team sync once (its worker's pass); without it that step is skipped. */
const SYNC_COMMAND = process.env.QUAY_TEAM_SYNC_COMMAND || undefined;
const SKIP_NO_GROUP =
  "skipped: QUAY_TEAM_SYNC_GROUP is not set (a Quay with LDAP and FEATURE_TEAM_SYNCING; docs/acceptance.md)";
const { quay, prefix, skip, sets } = acceptanceRun(GROUP ? undefined : SKIP_NO_GROUP);

const REGISTRY = `apiVersion: quay-gitops/v1
kind: Registry
metadata:
  name: local
spec:
  users:
    mode: external
    directory: ldap
  features:
    teamSyncing: true
`;

function syncedTenant(t: string, group: string | undefined): string {
  return `apiVersion: quay-gitops/v1
kind: Tenant
metadata:
  name: ${t}
spec:
  organization:
    name: ${t}
    email: registry@${t}.example
  robots:
    - name: ci
      description: CI pipelines push here
  teams:
    - name: developers
      role: creator
${group ? `      syncFrom:\n        group: "${group}"\n` : ""}      members:
        - robot: ci
`;
}

type Members = {
  members: { name: string; is_robot?: boolean }[];
  synced?: { service: string; last_updated: string | null; config?: Record<string, string> };
  can_sync?: Record<string, string>;
};

describe(
  skip ? `team sync: ${skip}` : `team sync on the real Quay at ${quay!.url} (run prefix ${prefix})`,
  () => {
    let admin: Api;

    beforeAll(async () => {
      if (skip) return;
      admin = tokenApi(quay!.url, quay!.token);
      const discovery = await admin<{ paths: Record<string, unknown> }>("GET", "/api/v1/discovery");
      expect(
        Object.keys(discovery.data.paths).some((p) => p.endsWith("/syncing")),
        "this Quay has no team sync endpoints: FEATURE_TEAM_SYNCING is off",
      ).toBe(true);
    });
    afterAll(async () => {
      if (skip) return;
      expect(await removeRun(admin, prefix)).toEqual([]);
    });

    it.skipIf(skip !== undefined)("answers a synced team as docs/quay-api.md#team-sync says", async () => {
      const org = `${prefix}facts`;
      expect(
        (await admin("POST", "/api/v1/organization/", { name: org, email: `${org}@accept.example` })).status,
      ).toBe(201);
      const team = `/api/v1/organization/${org}/team/devs`;
      expect((await admin("PUT", team, { role: "member" })).status).toBe(200);
      expect((await admin("PUT", `/api/v1/organization/${org}/robots/ci`, {})).status).toBe(201);
      const empty = await admin("POST", `${team}/syncing`, { group_dn: "cn=no-such-group-of-quay-gitops" });
      expect([empty.status, (empty.data as { detail?: string }).detail]).toEqual([
        400,
        "Could not sync to group: Group does not exist or is empty",
      ]);
      const missing = await admin("POST", `${team}/syncing`, {});
      expect([missing.status, (missing.data as { detail?: string }).detail]).toEqual([
        400,
        "Could not sync to group: Missing group_dn",
      ]);
      const on = await admin<{ name: string; new_team: boolean }>("POST", `${team}/syncing`, {
        group_dn: GROUP,
      });
      expect([on.status, on.data.name, on.data.new_team]).toEqual([200, "devs", false]);
      const view = (await admin<Members>("GET", `${team}/members`)).data;
      expect(view.synced).toEqual({ service: "ldap", last_updated: null, config: { group_dn: GROUP } });
      expect(view.can_sync).toMatchObject({ service: "ldap" });
      // A second enable is the TeamSync row's unique key: Quay's 500.
      expect((await admin("POST", `${team}/syncing`, { group_dn: GROUP })).status).toBe(500);
      // Robots may still be added and removed; users may not.
      expect((await admin("PUT", `${team}/members/${org}+ci`)).status).toBe(200);
      expect((await admin("DELETE", `${team}/members/${org}+ci`)).status).toBe(204);
      const user = await admin("PUT", `${team}/members/${quay!.username ?? "admin"}`);
      expect([user.status, (user.data as { detail?: string }).detail]).toEqual([
        400,
        "Cannot call this method on an auth-synced team",
      ]);
      const orgView = await admin<{ teams: Record<string, { is_synced: boolean }> }>(
        "GET",
        `/api/v1/organization/${org}`,
      );
      expect(orgView.data.teams.devs?.is_synced).toBe(true);
      const off = await admin("DELETE", `${team}/syncing`);
      expect(off.status).toBe(200);
      expect((await admin<Members>("GET", `${team}/members`)).data.synced).toBeUndefined();
      // Turning off a sync that is off answers 200 and is logged all the same.
      expect((await admin("DELETE", `${team}/syncing`)).status).toBe(200);
      const logs = await admin<{ logs: { kind: string; metadata: Record<string, unknown> }[] }>(
        "GET",
        `/api/v1/organization/${org}/logs`,
      );
      expect(
        logs.data.logs
          .filter((e) => e.kind.includes("team_sync"))
          .reverse()
          .map((e) => [e.kind, e.metadata.team]),
      ).toEqual([
        ["enable_team_sync", "devs"],
        ["disable_team_sync", "devs"],
        ["disable_team_sync", "devs"],
      ]);
    });

    describeEachSignIn(sets, (cred) => scenarios(cred, () => admin));
  },
);

function scenarios(cred: CredentialSet, adminApi: () => Api): void {
  const admin: Api = (method, p, body) => adminApi()(method, p, body);
  const t = `${prefix}s${cred.name[0]}`;
  const team = `/api/v1/organization/${t}/team/developers`;
  let lab: QuayLab;
  let applied: Date;
  const view = async () => (await admin<Members>("GET", `${team}/members`)).data;
  const commit = (text: string, message: string) => {
    lab.repo.write(`tenants/${t}.yaml`, text);
    lab.repo.commit(message);
  };

  beforeAll(() => {
    lab = createLab(quay!, cred, t, "", { tenant: syncedTenant(t, GROUP), registry: REGISTRY });
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it("apply creates the team, syncs it from the group and adds the robot", async () => {
    const t0 = await quayNow(quay!.url);
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\d+ created, 0 updated, 0 replaced, 0 deleted, 0 unchanged/);
    const v = await view();
    expect(v.synced).toEqual({ service: "ldap", last_updated: null, config: { group_dn: GROUP } });
    expect(v.members.map((m) => m.name)).toEqual([`${t}+ci`]);
    const kinds = (await orgEntriesSince(admin, t, t0)).map((e) => e.kind);
    expect(kinds.filter((k) => k.includes("team_sync"))).toEqual(["enable_team_sync"]);
    applied = new Date();
  });

  it("apply --all changes nothing and writes nothing", async () => {
    const t0 = await quayNow(quay!.url);
    const all = await lab.cli("apply", "--all");
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("verdict: No changes: Quay already matches the tenant files.");
    expect(await orgEntriesSince(admin, t, t0)).toEqual([]);
    applied = new Date();
  });

  it.skipIf(!SYNC_COMMAND)(
    "Quay's sync brings the group's users: no drift, no change, and nothing in the audit log",
    async () => {
      const t0 = await quayNow(quay!.url);
      // Vitest sets TEST=true, and a TEST variable puts Quay in its test mode (quay v3.18.0 _init.py).
      const { TEST: _, ...env } = process.env;
      execSync(SYNC_COMMAND!, { stdio: ["ignore", "ignore", "pipe"], timeout: 300_000, env });
      const v = await view();
      expect(v.synced?.last_updated).toEqual(expect.any(String));
      expect(v.members.filter((m) => !m.is_robot).length).toBeGreaterThan(0);
      expect(v.members.filter((m) => m.is_robot).map((m) => m.name)).toEqual([`${t}+ci`]);
      expect(await orgEntriesSince(admin, t, t0)).toEqual([]);
      const drift = await lab.cli("drift");
      expect(drift.code, drift.stdout).toBe(0);
      const all = await lab.cli("apply", "--all");
      expect(all.code, all.stderr).toBe(0);
      expect(all.stdout).toContain("verdict: No changes: Quay already matches the tenant files.");
      applied = new Date();
    },
  );

  it.skipIf(!quay?.password)(
    "a sync turned off by hand in the UI is drift with its author; drift --remediate turns it on again",
    async () => {
      await sleep(Math.max(0, applied.getTime() + RECORDED_TOLERANCE_MS + 2_000 - Date.now()));
      const ui = await sessionApi(quay!.url, quay!.username ?? "admin", quay!.password!);
      expect((await ui("DELETE", `${team}/syncing`)).status).toBe(200);
      const json = path.join(lab.backend, "drift-sync.json");
      const r = await lab.cli("drift", "--json", json);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
      const report = JSON.parse(fs.readFileSync(json, "utf8")) as DriftJson;
      expect(report.objects.map((o) => `${o.kind} ${o.name}`)).toEqual([`Team ${t}/developers`]);
      expect(report.objects[0]!.fields.find((f) => f.field === "syncFrom")?.attribution).toMatchObject({
        actor: quay!.username ?? "admin",
        automationAccount: true,
        auth: "session",
        action: "disable_team_sync",
      });
      const fix = await lab.cli("drift", "--remediate");
      expect(fix.code, `${fix.stdout}\n${fix.stderr}`).toBe(2);
      expect(fix.stdout).toMatch(/ 0 created, 1 updated, 0 replaced, 0 deleted, \d+ unchanged in /);
      expect((await view()).synced?.config).toEqual({ group_dn: GROUP });
      const clean = await lab.cli("drift");
      expect(clean.code, clean.stdout).toBe(0);
    },
  );

  it.skipIf(!GROUP2)("another group is an update: Quay's sync is turned off and on again", async () => {
    const t0 = await quayNow(quay!.url);
    commit(syncedTenant(t, GROUP2), "another group");
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ 0 created, 1 updated, 0 replaced, 0 deleted, \d+ unchanged in /);
    expect((await view()).synced?.config).toEqual({ group_dn: GROUP2 });
    // The log answers newest first.
    const kinds = (await orgEntriesSince(admin, t, t0)).map((e) => e.kind).reverse();
    expect(kinds.filter((k) => k.includes("team_sync"))).toEqual(["disable_team_sync", "enable_team_sync"]);
  });

  it("without syncFrom the sync is turned off, the robot stays and the directory's users go", async () => {
    commit(syncedTenant(t, undefined), "no sync");
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ 0 created, 1 updated, 0 replaced, 0 deleted, \d+ unchanged in /);
    const v = await view();
    expect(v.synced).toBeUndefined();
    expect(v.members.map((m) => m.name)).toEqual([`${t}+ci`]);
    const clean = await lab.cli("drift");
    expect(clean.code, clean.stdout).toBe(0);
  });
}

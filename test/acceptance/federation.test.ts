import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED_TOLERANCE_MS } from "../../src/plan/runs";
import { FEDERATION_FACTS, observeFederation } from "../helpers/federation-facts";
import {
  createLab,
  type DriftJson,
  orgEntriesSince,
  type QuayLab,
  quayNow,
  registryText,
  removeRun,
  sleep,
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

// Robot federation against the real Quay named by QUAY_URL (docs/acceptance.md): Quay's answers to
// the federation endpoints, held to what the emulator is held to (test/helpers/federation-facts.ts);
// then with the real CLI and engine, once per way of signing in: a federated robot with a team, a
// grant and a default permission is created, an apply --all writes nothing, a list changed by hand is
// drift with its author and is repaired, the robot created again (a new description) has all of it
// back after one apply, and the list is removed with the file's federation.
const { quay, prefix, sets } = acceptanceRun();

const GITHUB = (t: string) => ({
  issuer: "https://token.actions.githubusercontent.com",
  subject: `repo:${t}/app:ref:refs/heads/main`,
});
const GITLAB = (t: string) => ({
  issuer: "https://gitlab.example",
  subject: `project_path:${t}/app:ref_type:branch:ref:main`,
});

/** A tenant whose robot `ci` is federated and named by a team, a grant and a default permission. */
function federatedTenant(t: string, description = "CI pipelines push here"): string {
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
      description: ${description}
      federation:
        - issuer: ${GITHUB(t).issuer}
          subject: ${GITHUB(t).subject}
        - issuer: ${GITLAB(t).issuer}
          subject: ${GITLAB(t).subject}
  teams:
    - name: builders
      role: member
      members:
        - robot: ci
  defaultPermissions:
    - robot: ci
      role: read
  repositories:
    - name: app
      permissions:
        - robot: ci
          role: write
`;
}

describe(
  quay
    ? `robot federation on the real Quay at ${quay.url} (run prefix ${prefix})`
    : `robot federation: ${SKIP_NO_QUAY}`,
  () => {
    let admin: Api;
    const serviceAccount = `${prefix}bot`;

    beforeAll(async () => {
      if (!quay) return;
      admin = tokenApi(quay.url, quay.token);
      await createServiceAccount(admin, serviceAccount);
    });
    afterAll(async () => {
      if (!quay) return;
      expect(await removeRun(admin, prefix)).toEqual([]);
    });

    it.skipIf(!quay)(
      "answers the federation endpoints as the emulator does (checks, storage, audit log)",
      async () => {
        const org = `${prefix}facts`;
        const created = await admin("POST", "/api/v1/organization/", {
          name: org,
          email: `${org}@accept.example`,
        });
        expect(created.status, JSON.stringify(created.data)).toBe(201);
        expect(await observeFederation(admin, org)).toEqual(FEDERATION_FACTS);
      },
    );

    describeEachSignIn(sets, (cred) => scenarios(cred, () => admin, serviceAccount));
  },
);

function scenarios(cred: CredentialSet, adminApi: () => Api, serviceAccount: string): void {
  const admin: Api = (method, p, body) => adminApi()(method, p, body);
  const t = `${prefix}f${cred.name[0]}`;
  const fed = `/api/v1/organization/${t}/robots/ci/federation`;
  let lab: QuayLab;
  let applied: Date;

  const federation = async () => (await admin<unknown[]>("GET", fed)).data;
  const robotToken = async () =>
    (await admin<{ token: string }>("GET", `/api/v1/organization/${t}/robots/ci`)).data.token;
  const everything = async () => {
    const members = await admin<{ members: { name: string }[] }>(
      "GET",
      `/api/v1/organization/${t}/team/builders/members`,
    );
    const grants = await admin<{ permissions: Record<string, { role: string }> }>(
      "GET",
      `/api/v1/repository/${t}/app/permissions/user/`,
    );
    const prototypes = await admin<{ prototypes: { role: string; delegate: { name: string } }[] }>(
      "GET",
      `/api/v1/organization/${t}/prototypes`,
    );
    return {
      federation: await federation(),
      members: members.data.members.map((m) => m.name).sort(),
      grant: grants.data.permissions[`${t}+ci`]?.role,
      defaults: prototypes.data.prototypes.map((p) => `${p.delegate.name} ${p.role}`).sort(),
    };
  };
  const complete = {
    federation: [GITHUB(t), GITLAB(t)].sort((a, b) => (a.issuer < b.issuer ? -1 : 1)),
    members: [`${t}+ci`],
    grant: "write",
    defaults: [`${t}+ci read`, "lab-automation read"],
  };
  const commit = (text: string, message: string) => {
    lab.repo.write(`tenants/${t}.yaml`, text);
    lab.repo.commit(message);
  };

  beforeAll(() => {
    lab = createLab(quay!, cred, t, serviceAccount, {
      tenant: federatedTenant(t),
      registry: registryText(serviceAccount),
    });
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it("apply sets the list (sorted), and Quay logs it as create_robot_federation", async () => {
    const t0 = await quayNow(quay!.url);
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\d+ created, 0 updated, 0 replaced, 0 deleted, 0 unchanged/);
    expect(await everything()).toEqual(complete);
    const entries = (await orgEntriesSince(admin, t, t0)).filter((e) => e.kind.includes("federation"));
    expect(entries.map((e) => [e.kind, e.metadata?.config, e.metadata?.robot])).toEqual([
      ["create_robot_federation", complete.federation, "ci"],
    ]);
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

  it.skipIf(!quay?.password)(
    "a list changed by hand in the UI is drift with its author; drift --remediate puts it back",
    async () => {
      await sleep(Math.max(0, applied.getTime() + RECORDED_TOLERANCE_MS + 2_000 - Date.now()));
      const ui = await sessionApi(quay!.url, quay!.username ?? "admin", quay!.password!);
      const evil = [{ issuer: "https://evil.example", subject: "anyone" }];
      expect((await ui("POST", fed, evil)).status).toBe(200);

      const json = path.join(lab.backend, "drift-federation.json");
      const r = await lab.cli("drift", "--json", json);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
      const report = JSON.parse(fs.readFileSync(json, "utf8")) as DriftJson;
      expect(report.objects.map((o) => `${o.kind} ${o.name}`)).toEqual([`RobotFederation ${t}+ci`]);
      expect(report.objects[0]!.fields.find((f) => f.field === "federation")?.attribution).toMatchObject({
        actor: quay!.username ?? "admin",
        automationAccount: true,
        auth: "session",
        action: "create_robot_federation",
      });
      expect(r.stdout).toContain("https://evil.example");

      const fix = await lab.cli("drift", "--remediate");
      expect(fix.code, `${fix.stdout}\n${fix.stderr}`).toBe(2);
      expect(fix.stdout).toMatch(/ 0 created, 1 updated, 0 replaced, 0 deleted, \d+ unchanged in /);
      expect(await federation()).toEqual(complete.federation);
      const clean = await lab.cli("drift");
      expect(clean.code, clean.stdout).toBe(0);
    },
  );

  it("a robot created again (another description) has its list, team, grant and default permission after ONE apply", async () => {
    const before = await robotToken();
    commit(federatedTenant(t, "CI pipelines push and sign here"), "ci signs too");
    const preview = await lab.cli("preview");
    expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);
    expect(preview.stdout).toContain("it gets a NEW TOKEN");
    // What names the robot changes with it: the team and the repository are updated, the default
    // permission replaced (Quay drops them with the old robot, docs/quay-api.md#robots).
    expect(preview.stdout).toMatch(/~ Team \S+\/builders\n\s+robotGenerations: .* → "\(known after apply\)"/);
    expect(preview.stdout).toMatch(
      /~ Repository \S+\/app\n\s+robotGenerations: .* → "\(known after apply\)"/,
    );
    expect(preview.stdout).toMatch(/\+- DefaultPermission \S+\/default\/robot:\S+\+ci\n/);
    expect(preview.stdout).toContain("0 to create, 2 to update, 3 to replace, 0 to delete");
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ 0 created, 2 updated, 3 replaced, 0 deleted, \d+ unchanged in /);
    expect(await robotToken()).not.toBe(before);
    expect(await everything()).toEqual(complete);
    const clean = await lab.cli("drift");
    expect(clean.code, clean.stdout).toBe(0);
    const all = await lab.cli("apply", "--all");
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain("verdict: No changes: Quay already matches the tenant files.");
  });

  it("taking federation out of the file empties the list (delete_robot_federation)", async () => {
    const t0 = await quayNow(quay!.url);
    commit(
      federatedTenant(t, "CI pipelines push and sign here").replace(/ {6}federation:\n(?: {8}.*\n)+/, ""),
      "no federation",
    );
    const r = await lab.cli("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/ 0 created, 0 updated, 0 replaced, 1 deleted, \d+ unchanged in /);
    expect(await federation()).toEqual([]);
    const kinds = (await orgEntriesSince(admin, t, t0)).map((e) => e.kind);
    expect(kinds).toEqual(["delete_robot_federation"]);
  });
}

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Lab, startLab } from "../helpers/lab";

// A synced team and a federated robot through the real engine against the emulator with LDAP auth
// (docs/tenants.md "Team sync", "Robot federation"): preview, up, a no-op preview although the
// directory brought users no file lists, drift of the list changed by hand, a robot created again
// that gets its list back, and both taken away again. Every check reads Quay's API.

const GROUP = "cn=acme-developers,ou=groups";
const GITHUB = {
  issuer: "https://token.actions.githubusercontent.com",
  subject: "repo:acme/operator:ref:refs/heads/main",
};
const GITLAB = {
  issuer: "https://gitlab.com",
  subject: "project_path:acme/operator:ref_type:branch:ref:main",
};

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

const TENANT = `apiVersion: quay-gitops/v1
kind: Tenant
metadata:
  name: acme
spec:
  robots:
    - name: ci
      description: CI pipelines push here
      federation:
        - issuer: ${GITLAB.issuer}
          subject: ${GITLAB.subject}
        - issuer: ${GITHUB.issuer}
          subject: ${GITHUB.subject}
  teams:
    - name: developers
      role: creator
      syncFrom:
        group: "${GROUP}"
      members:
        - robot: ci
  defaultPermissions:
    - robot: ci
      role: read
  repositories:
    - name: operator
      permissions:
        - robot: ci
          role: write
`;

type Members = { members: { name: string }[]; synced?: { service: string; config?: Record<string, string> } };

describe("team sync and robot federation with the real engine", () => {
  let lab: Lab;
  let work: string;

  const members = async () =>
    (await lab.api<Members>("GET", "/api/v1/organization/acme/team/developers/members")).data;
  const names = async () => (await members()).members.map((m) => m.name).sort();
  const federation = async () =>
    (await lab.api<unknown[]>("GET", "/api/v1/organization/acme/robots/ci/federation")).data;
  const drift = async (): Promise<string> => {
    try {
      await lab.stack.preview({ refresh: true, expectNoChanges: true, diff: true });
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? e);
    }
    return "";
  };

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-kinds2-"));
    fs.mkdirSync(path.join(work, "tenants"));
    fs.writeFileSync(path.join(work, "tenants", "acme.yaml"), TENANT);
    fs.writeFileSync(path.join(work, "registry.yaml"), REGISTRY);
    lab = await startLab({
      tenants: path.join(work, "tenants"),
      registryFile: path.join(work, "registry.yaml"),
      emulatorConfig: {
        AUTHENTICATION_TYPE: "LDAP",
        FEATURE_TEAM_SYNCING: true,
        LDAP_BASE_DN: ["dc=lab", "dc=example"],
        EMULATOR_DIRECTORY_GROUPS: { [GROUP]: ["acme-alice", "acme-bob"] },
      },
    });
  });
  afterAll(async () => {
    await lab?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("previews, applies, and stays clean while the directory fills the team", async () => {
    const preview = await lab.stack.preview({ diff: true });
    expect(preview.stdout).toContain("quay:RobotFederation");
    expect(preview.stdout).toContain(GROUP);

    const up = await lab.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const m = await members();
    expect(m.synced).toEqual({ service: "ldap", last_updated: null, config: { group_dn: GROUP } });
    expect(m.members.map((x) => x.name)).toEqual(["acme+ci"]);
    // Sorted by issuer and subject, whatever the file's order.
    expect(await federation()).toEqual([GITLAB, GITHUB]);

    // Quay's sync worker brings the group's users: the file does not list them, and that is no drift.
    await lab.api("POST", "/_emulator/team-sync", {});
    expect(await names()).toEqual(["acme+ci", "acme-alice", "acme-bob"]);
    await lab.resetStats();
    const noop = await lab.stack.preview({ refresh: true, expectNoChanges: true });
    expect(noop.changeSummary?.same).toBeGreaterThan(0);
    expect(await lab.writes()).toBe(0);
  });

  it("a federation list changed by hand is drift, and the next up puts it back", async () => {
    await lab.api("POST", "/api/v1/organization/acme/robots/ci/federation", [
      { issuer: "https://evil.example", subject: "anyone" },
    ]);
    const out = await drift();
    expect(out).toContain("federation");
    expect(out).toContain("https://evil.example");
    const up = await lab.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    expect(await federation()).toEqual([GITLAB, GITHUB]);
    expect(await drift()).toBe("");
  });

  it("a robot created again (another description) gets its list, team, grant and default permission back in the same up", async () => {
    const before = (await lab.api<{ token: string }>("GET", "/api/v1/organization/acme/robots/ci")).data
      .token;
    lab.editTenant("acme", (t) => t.replace("CI pipelines push here", "CI pipelines push and sign here"));
    // The objects that name the robot change with it: Quay deletes the robot's memberships, grants
    // and default permissions with it (docs/quay-api.md#robots), so the preview shows them.
    const preview = await lab.stack.preview({ refresh: true, diff: true });
    expect(preview.changeSummary).toMatchObject({ replace: 3, update: 2 });
    expect(preview.stdout).toMatch(/~ pulumi-nodejs:dynamic\/quay:Team: \(update\)[\s\S]*robotGenerations/);
    expect(preview.stdout).toMatch(
      /\+-pulumi-nodejs:dynamic\/quay:DefaultPermission: \(replace\)[\s\S]*robotGenerations/,
    );
    expect(preview.stdout).toMatch(
      /~ pulumi-nodejs:dynamic\/quay:Repository: \(update\)[\s\S]*robotGenerations/,
    );

    const up = await lab.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    const robot = (
      await lab.api<{ token: string; description: string }>("GET", "/api/v1/organization/acme/robots/ci")
    ).data;
    expect(robot.description).toBe("CI pipelines push and sign here");
    expect(robot.token).not.toBe(before);
    // One up: the new robot has everything the old one had.
    expect(await federation()).toEqual([GITLAB, GITHUB]);
    expect(await names()).toContain("acme+ci");
    const grants = await lab.api<{ permissions: Record<string, { role: string }> }>(
      "GET",
      "/api/v1/repository/acme/operator/permissions/user/",
    );
    expect(grants.data.permissions["acme+ci"]?.role).toBe("write");
    const prototypes = await lab.api<{ prototypes: { role: string; delegate: { name: string } }[] }>(
      "GET",
      "/api/v1/organization/acme/prototypes",
    );
    expect(prototypes.data.prototypes.map((p) => `${p.delegate.name} ${p.role}`)).toEqual(["acme+ci read"]);
    expect(await drift()).toBe("");
    await lab.resetStats();
    const noop = await lab.stack.up({ refresh: true });
    expect(noop.summary.resourceChanges).not.toHaveProperty("update");
    expect(noop.summary.resourceChanges).not.toHaveProperty("replace");
    expect(await lab.writes()).toBe(0);
  });

  it("without syncFrom the file's members apply again; without federation the list is emptied", async () => {
    lab.editTenant("acme", (t) =>
      t
        .replace(`      syncFrom:\n        group: "${GROUP}"\n`, "")
        .replace("        - robot: ci\n", "        - robot: ci\n        - user: acme-alice\n")
        .replace(/ {6}federation:\n(?: {8}.*\n)+?(?= {2}teams:)/, ""),
    );
    const up = await lab.stack.up({ refresh: true });
    expect(up.summary.result).toBe("succeeded");
    const m = await members();
    expect(m.synced).toBeUndefined();
    expect(m.members.map((x) => x.name).sort()).toEqual(["acme+ci", "acme-alice"]);
    expect(await federation()).toEqual([]);
    expect(await drift()).toBe("");
  });
});

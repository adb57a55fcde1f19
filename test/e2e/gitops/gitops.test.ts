import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator/index";
import { LOCAL_DEV_PASSPHRASE } from "../../../src/engine/env";
import { kinds } from "../../../src/kinds";
import { RECORDED_TOLERANCE_MS } from "../../../src/plan/runs";
import { loadDesiredState } from "../../../src/tenant";
import { type CliLab, startCliLab } from "../../helpers/cli-lab";
import type { CliResult, GitRepo } from "../../helpers/git";
import { SAMPLE_SECRETS } from "../../helpers/lab";
import { sessionApi } from "../../helpers/quay-api";

// The whole flow with the real CLI (bin/quay-gitops.js on dist/) on a temporary Git repository
// (tenants/ and stacks/local.registry.yaml, pointed at with --repo) and the emulator:
// - a branch that adds a partner previews exactly that partner's objects, and the Markdown names them;
// - apply refuses a checksum mismatch and a budget breach, each with a clear message and no write;
// - an out-of-band change makes `drift` exit 2 and name the object, the field and the actor.

type PreviewJson = {
  checksum: string;
  changes: { tenant: string; kind: string; name: string; op: string }[];
  changedFiles: { path: string; status: string }[];
};
type DriftJson = {
  drift: boolean;
  objects: {
    tenant: string;
    kind: string;
    name: string;
    status: string;
    fields: {
      field: string;
      desired?: unknown;
      live?: unknown;
      attribution?: {
        actor: string | null;
        ours: boolean;
        automationAccount: boolean;
        auth?: string;
        application?: string;
        action: string;
      };
    }[];
  }[];
};

/** Every Quay object the program declares for one tenant, as `Kind name`. */
function declaredObjects(repoDir: string, tenant: string): string[] {
  const { state } = loadDesiredState({
    root: repoDir,
    registryFile: "stacks/local.registry.yaml",
    now: new Date(),
  });
  const t = state!.tenants.find((x) => x.name === tenant)!;
  const org = t.organization.name;
  const out = [`Organization ${kinds.Organization.resourceName(org)}`];
  for (const u of t.users) out.push(`User ${kinds.User.resourceName(u.name)}`);
  for (const r of t.robots) out.push(`Robot ${kinds.Robot.resourceName(r.fullName)}`);
  for (const x of t.teams) out.push(`Team ${kinds.Team.resourceName(org, x.name)}`);
  for (const d of t.defaultPermissions)
    out.push(`DefaultPermission ${kinds.DefaultPermission.resourceName(org, d)}`);
  if (t.quota) out.push(`Quota ${kinds.Quota.resourceName(org)}`);
  if (t.proxyCache) out.push(`ProxyCache ${kinds.ProxyCache.resourceName(org)}`);
  for (const p of t.autoPrune)
    out.push(`AutoPrunePolicy ${kinds.AutoPrunePolicy.resourceName(org, undefined, p)}`);
  for (const r of t.repositories) {
    out.push(`Repository ${kinds.Repository.resourceName(org, r.name)}`);
    if (r.mirror) out.push(`RepositoryMirror ${kinds.RepositoryMirror.resourceName(org, r.name)}`);
    for (const p of r.autoPrune)
      out.push(`AutoPrunePolicy ${kinds.AutoPrunePolicy.resourceName(org, r.name, p)}`);
  }
  return out.sort();
}

describe("preview, apply and drift on a Git repository", () => {
  let emu: RunningEmulator;
  let repo: GitRepo;
  let work: string;
  let cliLab: CliLab;
  let reviewed: PreviewJson;
  const outputs: string[] = [];

  const api = async <T = unknown>(method: string, p: string, body?: unknown, token = emu.token) => {
    const res = await fetch(`${emu.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
  };
  const writes = async () => (await api<{ writes: number }>("GET", "/_emulator/stats")).data.writes;
  const cli = async (...args: string[]): Promise<CliResult> => {
    const r = await cliLab.cli(args);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const file = (name: string) => path.join(work, name);

  beforeAll(async () => {
    cliLab = await startCliLab({ tenants: ["acme"], workPrefix: "qg-gitops-" });
    ({ emu, repo, work } = cliLab);
    const first = await cli("apply");
    expect(first.code, first.stderr).toBe(0);
  });

  afterAll(async () => {
    await cliLab?.close();
  });

  it("refuses uncommitted changes and other branches before reading Quay", async () => {
    await api("POST", "/_emulator/stats/reset");
    repo.write("tenants/scratch.yaml", "not committed\n");
    const dirty = await cli("apply");
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain("refused: the working tree");
    expect(dirty.stderr).toContain("?? tenants/scratch.yaml");
    repo.remove("tenants/scratch.yaml");
    repo.git("checkout", "-q", "-b", "experiment");
    const branch = await cli("apply");
    expect(branch.code).toBe(1);
    expect(branch.stderr).toContain(
      "HEAD is on branch experiment, but stack local is only applied from branch main",
    );
    repo.git("checkout", "-q", "main");
    repo.git("branch", "-q", "-D", "experiment");
    expect((await api<{ total: number }>("GET", "/_emulator/stats")).data.total).toBe(0);
  });

  it("a branch that adds a partner previews exactly that partner's objects, and the Markdown names them", async () => {
    repo.git("checkout", "-q", "-b", "add-initech");
    repo.addSampleTenant("initech");
    repo.commit("Onboard Initech");
    await api("POST", "/_emulator/stats/reset");

    const r = await cli(
      "preview",
      "--base",
      "main",
      "--markdown",
      file("preview.md"),
      "--json",
      file("preview.json"),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await writes()).toBe(0);
    // Only initech is read: the progress line must not claim the whole registry.
    expect(r.stderr).toContain(
      "previewing stack local, reading the objects of the tenants looked at from Quay first ...",
    );

    reviewed = JSON.parse(fs.readFileSync(file("preview.json"), "utf8")) as PreviewJson;
    expect(reviewed.changes.every((c) => c.tenant === "initech" && c.op === "create")).toBe(true);
    expect(reviewed.changes.map((c) => `${c.kind} ${c.name}`).sort()).toEqual(
      declaredObjects(repo.dir, "initech"),
    );
    expect(reviewed.changedFiles).toEqual([{ path: "tenants/initech.yaml", status: "added" }]);

    const md = fs.readFileSync(file("preview.md"), "utf8");
    expect(md.split("\n")[0]).toBe("<!-- quay-gitops:preview stack=local -->");
    expect(md).toContain("### initech (new tenant) · `tenants/initech.yaml`");
    for (const c of reviewed.changes) expect(md).toContain(`\`${c.name}\``);
    expect(md).not.toContain("### acme");
    expect(md).toContain("- `tenants/initech.yaml` added");
    expect(md).toContain(`<!-- quay-gitops:checksum=${reviewed.checksum} -->`);
  });

  it("apply refuses a plan that is not the reviewed one, with a clear message and no write", async () => {
    repo.git("checkout", "-q", "main");
    repo.git("merge", "-q", "--no-ff", "-m", "Merge add-initech", "add-initech");
    await api("POST", "/_emulator/stats/reset");
    const r = await cli("apply", "--expect-checksum", `sha256:${"0".repeat(64)}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "refused: the plan is not the one that was reviewed; nothing was changed in Quay.",
    );
    expect(r.stderr).toContain(`fresh plan        ${reviewed.checksum}`);
    expect(await writes()).toBe(0);
  });

  it("apply with the reviewed checksum applies it and records commit and branch in the stack", async () => {
    const r = await cli("apply", "--expect-checksum", reviewed.checksum);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`applied stack local from main at ${repo.head().slice(0, 12)}`);
    expect(r.stdout).toContain(`initech: ${reviewed.changes.length} created`);
    expect((await api("GET", "/api/v1/organization/initech")).status).toBe(200);
    const state = JSON.parse(
      fs.readFileSync(path.join(work, "state", ".pulumi", "stacks", "quay-gitops", "local.json"), "utf8"),
    );
    const root = state.checkpoint.latest.resources.find(
      (x: { type: string }) => x.type === "pulumi:pulumi:Stack",
    );
    expect(root.outputs).toMatchObject({ gitCommit: repo.head(), gitBranch: "main" });
  });

  it("apply refuses a budget breach with a clear message and no write", async () => {
    repo.git("rm", "-q", "tenants/acme.yaml");
    repo.commit("Offboard Acme");
    await api("POST", "/_emulator/stats/reset");
    const r = await cli("apply");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "refused: the plan breaks the change budgets of stacks/local.registry.yaml; nothing was changed in Quay:",
    );
    expect(r.stderr).toMatch(
      /maxDeletes: \d+ deletions \(\d+ deletes, 0 replacements\) exceed maxDeletes 10/,
    );
    expect(r.stderr).toContain("runs the apply again with --force");
    expect(await writes()).toBe(0);
    repo.git("reset", "-q", "--hard", "HEAD~1");
  });

  it("an out-of-band change makes drift exit 2 and names the object, the field and the actor", async () => {
    // Oscar, an owner of acme, edits a team in the Quay UI with his own token.
    await api("POST", "/api/v1/superuser/users/", { username: "oscar", email: "oscar@lab.example" });
    expect((await api("PUT", "/api/v1/organization/acme/team/owners/members/oscar", {})).status).toBe(200);
    const minted = await api<{ token: string }>("POST", "/_emulator/tokens", {
      user: "oscar",
      scopes: ["org:admin"],
    });
    const edit = await api(
      "PUT",
      "/api/v1/organization/acme/team/developers",
      { role: "member", description: "Edited in the UI by Oscar" },
      minted.data.token,
    );
    expect(edit.status).toBe(200);
    await api("POST", "/_emulator/stats/reset");

    const r = await cli("drift", "--markdown", file("drift.md"), "--json", file("drift.json"));
    expect(r.code, r.stderr).toBe(2);
    expect(await writes()).toBe(0);
    const report = JSON.parse(fs.readFileSync(file("drift.json"), "utf8")) as DriftJson;
    expect(report.drift).toBe(true);
    expect(report.objects.map((o) => `${o.kind} ${o.name}`)).toEqual(["Team acme/developers"]);
    expect(report.objects[0]!.fields).toEqual([
      {
        field: "description",
        desired: "Acme engineers",
        live: "Edited in the UI by Oscar",
        attribution: expect.objectContaining({
          actor: "oscar",
          ours: false,
          action: "org_set_team_description",
        }),
      },
    ]);
    const md = fs.readFileSync(file("drift.md"), "utf8");
    expect(md).toMatch(
      /\| acme \| Team `acme\/developers` \| `description` \| `"Acme engineers"` \| `"Edited in the UI by Oscar"` \| oscar at .* \|/,
    );
    expect(r.stdout).toContain("by oscar at");
  });

  it("drift --remediate repairs it through the guarded apply, with its summary, and still exits 2", async () => {
    const r = await cli("drift", "--remediate");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/applied stack local from main at [0-9a-f]{12}/);
    expect(r.stdout).toMatch(/1 updated/);
    const after = await cli("drift");
    expect(after.code, after.stdout).toBe(0);
  });

  it("drift names who changed each field: another user, the automation's account by hand, and with tokens", async () => {
    // Right after the remediation's apply: Alice, with her token, edits a description; the admin,
    // signed in to the UI with the automation's own account, removes the developers' grant of the same
    // repository.
    const alice = await api<{ token: string }>("POST", "/_emulator/tokens", {
      user: "acme-alice",
      scopes: ["repo:read", "repo:write"],
    });
    expect(
      (
        await api(
          "PUT",
          "/api/v1/repository/acme/operator",
          { description: "Alice's words" },
          alice.data.token,
        )
      ).status,
    ).toBe(200);
    const ui = await sessionApi(emu.url, "admin", emu.password);
    expect((await ui("DELETE", "/api/v1/repository/acme/operator/permissions/team/developers")).status).toBe(
      204,
    );
    // The same account with a token: quay-gitops' own (its runs' OAuth application) and another one.
    // Both clocks tick in whole seconds: a few seconds after the run, or it is taken for the run's own write.
    await new Promise((r) => setTimeout(r, RECORDED_TOLERANCE_MS + 3_000));
    expect((await api("PUT", "/api/v1/organization/acme", { email: "changed@acme.example" })).status).toBe(
      200,
    );
    const other = await api<{ token: string }>("POST", "/_emulator/tokens", {
      user: "admin",
      scopes: ["org:admin"],
    });
    expect(
      (
        await api(
          "PUT",
          "/api/v1/organization/acme/team/release-managers",
          { role: "admin", description: "" },
          other.data.token,
        )
      ).status,
    ).toBe(200);

    const r = await cli("drift", "--json", file("drift2.json"));
    expect(r.code, r.stderr).toBe(2);
    const report = JSON.parse(fs.readFileSync(file("drift2.json"), "utf8")) as DriftJson;
    const field = (name: string, f: string) =>
      report.objects.find((o) => o.name === name)!.fields.find((x) => x.field === f)!;
    expect(field("acme/operator", "description").attribution).toMatchObject({
      actor: "acme-alice",
      automationAccount: false,
      action: "set_repo_description",
    });
    expect(field("acme/operator", "permissions")).toMatchObject({
      live: expect.not.arrayContaining([expect.objectContaining({ kind: "team", name: "developers" })]),
      attribution: {
        actor: "admin",
        automationAccount: true,
        ours: false,
        auth: "session",
        action: "delete_repo_permission",
      },
    });
    expect(field("acme", "email").attribution).toMatchObject({
      actor: "admin",
      automationAccount: true,
      ours: true,
      auth: "token",
      action: "org_change_email",
    });
    expect(field("acme/release-managers", "role").attribution).toMatchObject({
      actor: "admin",
      ours: false,
      auth: "token",
      application: "emulator",
      action: "org_set_team_role",
    });
    expect(r.stdout).toContain(
      "permissions: removed team:developers write in Quay\n        by admin (the automation's account, by hand in the UI) at",
    );
    expect(r.stdout).toMatch(
      /description: last applied "Acme operator images", live "Alice's words"\n {8}by acme-alice at/,
    );
    expect(r.stdout).toContain(
      "by admin (the automation's account, with quay-gitops' own token outside its runs) at",
    );
    expect(r.stdout).toContain(
      "by admin (the automation's account, with a token of the OAuth application emulator) at",
    );
    expect(r.stdout).not.toContain("by unknown");
  });

  it("no output holds a secret", () => {
    const files = ["preview.md", "preview.json", "drift.md", "drift.json", "drift2.json"].map((f) =>
      fs.readFileSync(file(f), "utf8"),
    );
    const all = [...outputs, ...files].join("\n");
    for (const secret of [emu.token, LOCAL_DEV_PASSPHRASE, ...Object.values(SAMPLE_SECRETS)]) {
      expect(all).not.toContain(secret);
    }
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatsSnapshot } from "../../../emulator/index";
import { tenantObjects } from "../../../src/program/desired";
import { loadDesiredState } from "../../../src/tenant";
import { type CliLab, startCliLab } from "../../helpers/cli-lab";
import type { CliResult, GitRepo } from "../../helpers/git";

// An apply after a merge looks only at the tenants whose desired state changed since the last
// successful apply, and reads each of their objects once; the pull-request preview covers the same
// tenants, so its checksum is what the apply checks; a failed apply is not a base.

type PreviewJson = {
  checksum: string;
  changes: { tenant: string; kind: string; name: string; op: string }[];
  source: { selection: { all: boolean; tenants: { tenant: string; reason: string }[] } };
};

describe("apply and preview look at what changed since the last apply", () => {
  let repo: GitRepo;
  let work: string;
  let cliLab: CliLab;

  const api = <T = unknown>(method: string, p: string, body?: unknown) => cliLab.api<T>(method, p, body);
  const stats = async () => (await api<StatsSnapshot>("GET", "/_emulator/stats")).data;
  const reset = () => api("POST", "/_emulator/stats/reset");
  const cli = (...args: string[]): Promise<CliResult> => cliLab.cli(args);
  /** Reads by route, GETs only. */
  const reads = (s: StatsSnapshot) =>
    Object.fromEntries(Object.entries(s.byRoute).filter(([route]) => route.startsWith("GET ")));
  const declared = (tenant: string) => {
    const { state } = loadDesiredState({
      root: repo.dir,
      registryFile: "stacks/local.registry.yaml",
      now: new Date(),
    });
    return tenantObjects(state!.tenants.find((t) => t.name === tenant)!)
      .map((o) => `${o.kind} ${o.name}`)
      .sort();
  };

  beforeAll(async () => {
    cliLab = await startCliLab({ tenants: ["acme", "globex", "platform"], workPrefix: "qg-selection-" });
    ({ repo, work } = cliLab);
  });

  afterAll(async () => {
    await cliLab?.close();
  });

  it("the first apply looks at every tenant, and creates exactly what tenantObjects lists", async () => {
    const r = await cli("preview", "--json", path.join(work, "first.json"));
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(fs.readFileSync(path.join(work, "first.json"), "utf8")) as PreviewJson;
    expect(p.source.selection.all).toBe(true);
    for (const t of ["acme", "globex", "platform"]) {
      const created = p.changes.filter((c) => c.tenant === t).map((c) => `${c.kind} ${c.name}`);
      expect(created.sort()).toEqual(declared(t));
    }
    const a = await cli("apply");
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain("looked at every tenant (no successful apply is recorded for this stack)");
  });

  it("a second apply of the same commit looks at no tenant and sends no request", async () => {
    await reset();
    const r = await cli("apply");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to apply on stack local: no tenant changed since the last apply/);
    expect((await stats()).total).toBe(0);
  });

  it("apply --all reads every object once: exactly the reads of a drift run, and no write", async () => {
    await reset();
    const all = await cli("apply", "--all");
    expect(all.code, all.stderr).toBe(0);
    const applied = await stats();
    expect(applied.writes).toBe(0);
    await reset();
    const drift = await cli("drift");
    expect(drift.code, drift.stdout).toBe(0);
    // Both ask who they are once, in their preflight (src/gitops/preflight.ts).
    const who = "GET /api/v1/user/";
    const driftReads = reads(await stats());
    const applyReads = reads(applied);
    expect(applyReads[who]).toBe(1);
    expect(applyReads).toEqual(driftReads);
  });

  it("a merge that changes one tenant reads and applies only that tenant", async () => {
    repo.write(
      "tenants/globex.yaml",
      fs
        .readFileSync(path.join(repo.dir, "tenants/globex.yaml"), "utf8")
        .replace("Storefront web application", "Storefront (changed by a merge)"),
    );
    repo.commit("globex: a description");
    await reset();
    const r = await cli("apply");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /tenants looked at: globex \(changed: tenants\/globex\.yaml\); 2 other tenants unchanged/,
    );
    expect(r.stdout).toMatch(/globex: 1 updated/);
    const s = await stats();
    expect(s.writes).toBe(1);
    // One organization's lists, once each: the other two tenants were not read at all. The
    // preflight adds one read of a namespace that does not exist: does FULL_ACCESS work for the
    // superuser's token (src/quay/api/rights.ts)?
    const probe = "GET /api/v1/organization/{orgname}/prototypes";
    for (const route of [
      "GET /api/v1/organization/{orgname}",
      "GET /api/v1/organization/{orgname}/robots",
      probe,
      "GET /api/v1/repository",
    ])
      expect(s.byRoute[route], route).toBe(route === probe ? 2 : 1);
  });

  it("a pull request's preview covers the tenants the apply after the merge will, with the same checksum", async () => {
    repo.git("checkout", "-q", "-b", "acme-change");
    repo.write(
      "tenants/acme.yaml",
      fs
        .readFileSync(path.join(repo.dir, "tenants/acme.yaml"), "utf8")
        .replace("CI pipelines push here", "CI pushes here"),
    );
    repo.commit("acme: robot description");
    const json = path.join(work, "pr.json");
    const pr = await cli("preview", "--base", "main", "--json", json);
    expect(pr.code, pr.stderr).toBe(0);
    const p = JSON.parse(fs.readFileSync(json, "utf8")) as PreviewJson;
    expect(p.source.selection.tenants.map((t) => t.tenant)).toEqual(["acme"]);
    // The robot is created again, and what names it with it: Quay drops its memberships, grants and
    // default permissions along with the old robot (docs/design.md "A robot created again").
    expect(p.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      "replace DefaultPermission acme/default/robot:acme+ci@acme-alice",
      "update Repository acme/operator",
      "update Repository acme/operator-bundle",
      "replace Robot acme+ci",
      "update Team acme/developers",
    ]);
    repo.git("checkout", "-q", "main");
    repo.git("merge", "-q", "--no-ff", "-m", "Merge acme-change", "acme-change");
    const a = await cli("apply", "--expect-checksum", p.checksum, "--force");
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/acme: 3 updated, 2 replaced/);
  });

  it("a failed apply is not a base: the next apply looks at the tenant again and finishes the job", async () => {
    repo.write(
      "tenants/platform.yaml",
      fs
        .readFileSync(path.join(repo.dir, "tenants/platform.yaml"), "utf8")
        .replace("OpenShift release payloads (", "OpenShift release payloads, changed ("),
    );
    repo.commit("platform: a description");
    await api("POST", "/_emulator/faults", {
      failNext: [{ method: "PUT", route: "/api/v1/repository/*", count: 50, status: 500 }],
    });
    const failed = await cli("apply");
    await api("POST", "/_emulator/faults", { clear: true });
    expect(failed.code, failed.stdout).toBe(1);
    // The stack outputs still name the last complete apply, not the commit that failed.
    const state = JSON.parse(
      fs.readFileSync(path.join(work, "state", ".pulumi", "stacks", "quay-gitops", "local.json"), "utf8"),
    );
    const root = state.checkpoint.latest.resources.find(
      (x: { type: string }) => x.type === "pulumi:pulumi:Stack",
    );
    expect(root.outputs.gitCommit).toBe(repo.git("rev-parse", "HEAD~1").trim());
    const again = await cli("apply");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/tenants looked at: platform \(changed: tenants\/platform\.yaml\)/);
    expect(again.stdout).toMatch(/platform: 1 updated/);
  });

  it("a removed tenant file is looked at: its objects are deleted or released", async () => {
    repo.git("rm", "-q", "tenants/globex.yaml");
    repo.commit("offboard globex");
    const r = await cli("apply", "--force");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/tenants looked at: globex \(file removed: tenants\/globex\.yaml\)/);
    expect(r.stdout).toMatch(/globex: \d+ deleted/);
    const again = await cli("apply");
    expect(again.stdout).toMatch(/nothing to apply/);
  });

  it("tokens prints every managed robot's token from the state", async () => {
    const r = await cli("tokens", "--tenant", "acme", "--json");
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, Record<string, string>>;
    expect(Object.keys(doc)).toEqual(["acme"]);
    const robots = await api<{ robots: { name: string; token: string }[] }>(
      "GET",
      "/api/v1/organization/acme/robots",
    );
    for (const b of robots.data.robots) expect(doc.acme?.[b.name]).toBe(b.token);
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { projectRoot } from "../../../src/engine/env";
import { readLab } from "../../../src/gitops/report";
import type { DesiredState } from "../../../src/model/types";
import { QuayClient } from "../../../src/quay";
import { QuaySession } from "../../../src/quay/api/session";
import {
  buildLabReport,
  chartSvg,
  type LabReport,
  renderReportHtml,
  renderReportJson,
  renderReportMarkdown,
  renderReportText,
  usageOrder,
} from "../../../src/report";
import { loadDesiredState, loadDesiredStateFromFiles } from "../../../src/tenant";
import { tokenApi } from "../../helpers/quay-api";
import { seedTenants } from "../../helpers/report-lab";

/**
 * The report's read pass against the emulator: how many requests a lab costs (docs/report.md), and
 * what the sample tenants look like once Quay holds usage, mirror runs and robot logins.
 */
const GiB = 1024 ** 3;
const DAY = 86_400_000;

let emu: RunningEmulator;
let sample: DesiredState;

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  const load = loadDesiredState({
    root: projectRoot,
    registryFile: "stacks/local.registry.yaml",
    now: new Date(),
  });
  if (!load.state) throw new Error(JSON.stringify(load.diagnostics));
  sample = load.state;
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
  emu.resetStats();
});

const control = async (p: string, body: unknown) => {
  const r = await fetch(`${emu.url}${p}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return r.json();
};

async function read(state: DesiredState, token = emu.token, now = new Date()) {
  const client = new QuayClient({ url: emu.url, token });
  try {
    return await readLab(new QuaySession(client), state, now);
  } finally {
    await client.close();
  }
}

const mirrorsOf = (s: DesiredState) =>
  s.tenants.reduce((n, t) => n + t.repositories.filter((r) => r.mirror).length, 0);

describe("what the report costs", () => {
  it("1 superuser list, then per organization its repositories and robots, and one GET per mirror", async () => {
    await seedTenants(tokenApi(emu.url, emu.token), sample);
    emu.resetStats();
    const live = await read(sample);
    const n = sample.tenants.length;
    const m = mirrorsOf(sample);
    expect(live.requests.total).toBe(1 + 2 * n + m);
    expect(live.requests.byRoute).toEqual({
      "GET /api/v1/superuser/organizations/": 1,
      "GET /api/v1/repository": n,
      "GET /api/v1/organization/{orgname}/robots": n,
      "GET /api/v1/repository/{repository:repo}/mirror": m,
    });
    // What Quay (the emulator) counted is what the client counted.
    expect(emu.stats().total).toBe(live.requests.total);
  });

  it("a lab of 100 tenants (the generated partners): 1 + 2 · 100 + one per mirror", {
    timeout: 120_000,
  }, async () => {
    const dir = path.join(projectRoot, "test/fixtures/tenants-200/tenants");
    const files = new Map<string, string | Uint8Array>(
      fs
        .readdirSync(dir)
        .sort()
        .slice(0, 100)
        .map((f) => [`tenants/${f}`, fs.readFileSync(path.join(dir, f))] as const),
    );
    files.set(
      "stacks/local.registry.yaml",
      fs.readFileSync(path.join(projectRoot, "stacks/local.registry.yaml")),
    );
    const load = loadDesiredStateFromFiles({ files, now: new Date() });
    const state = load.state as DesiredState;
    expect(state.tenants).toHaveLength(100);
    await seedTenants(tokenApi(emu.url, emu.token), state);
    emu.resetStats();
    const started = performance.now();
    const live = await read(state);
    const ms = performance.now() - started;
    const m = mirrorsOf(state);
    expect(m).toBe(100);
    expect(live.requests.total).toBe(1 + 2 * 100 + m);
    console.log(
      `report read pass, 100 tenants, ${m} mirrors: ${live.requests.total} requests in ${ms.toFixed(0)} ms`,
    );
  });
});

describe("the sample lab with usage, mirror runs and robot logins", () => {
  let report: LabReport;
  let robotTokens: string[];

  beforeEach(async () => {
    const api = tokenApi(emu.url, emu.token);
    const now = Date.now();
    // Mirrors scheduled from four days ago: those never run are overdue by now.
    await seedTenants(api, sample, { mirrorStart: new Date(now - 4 * DAY) });
    // acme: 420 GiB of 500 GiB, warning at 80%: past its warning line.
    await control("/_emulator/usage", { namespace: "acme", repository: "operator", bytes: 300 * GiB });
    await control("/_emulator/usage", { namespace: "acme", repository: "ubi9", bytes: 120 * GiB });
    // globex: 1000 GiB of 1 TiB, rejects at 95%: rejecting pushes.
    await control("/_emulator/usage", {
      namespace: "globex",
      repository: "apps/storefront",
      bytes: 1000 * GiB,
    });
    await control("/_emulator/usage", { namespace: "initech", repository: "tps", bytes: 12 * GiB });
    // acme's mirror fails; globex's nodejs mirror last succeeded three days ago (every 12h).
    await control("/_emulator/mirror/sync", { repository: "acme/ubi9", outcome: "fail" });
    await control("/_emulator/mirror/sync", {
      repository: "globex/base/nodejs-20",
      outcome: "success",
      now: new Date(now - 3 * DAY).toISOString(),
    });
    await control("/_emulator/last-accessed", {
      account: "acme+ci",
      at: new Date(now - 2 * DAY).toISOString(),
    });
    await control("/_emulator/last-accessed", {
      account: "acme+mirror",
      at: new Date(now - 200 * DAY).toISOString(),
    });
    robotTokens = [];
    for (const t of sample.tenants) {
      const r = await api<{ robots: { token: string }[] }>(
        "GET",
        `/api/v1/organization/${t.organization.name}/robots`,
      );
      robotTokens.push(...r.data.robots.map((x) => x.token));
    }
    emu.resetStats();
    const live = await read(sample);
    report = buildLabReport(sample, live, { stack: "local", staleRobotDays: 90 });
  });

  it("quota status as Quay decides the next push, largest repositories first", () => {
    const by = new Map(report.tenants.map((t) => [t.tenant, t]));
    expect(by.get("acme")?.quota).toMatchObject({
      status: "warning",
      usedBytes: 420 * GiB,
      limitBytes: 500 * GiB,
      warningPercent: 80,
      rejectPercent: 100,
      backfill: "complete",
      declaredDiffers: false,
    });
    expect(by.get("acme")?.quota.percent).toBeCloseTo(84, 5);
    expect(by.get("acme")?.largestRepositories).toEqual([
      { name: "operator", bytes: 300 * GiB },
      { name: "ubi9", bytes: 120 * GiB },
    ]);
    expect(by.get("globex")?.quota).toMatchObject({
      status: "rejecting",
      rejectPercent: 95,
      warningPercent: 75,
    });
    expect(by.get("initech")?.quota.status).toBe("ok");
    expect(usageOrder(report)).toEqual(["globex", "acme", "initech", "platform"]);
    expect(report.totals.quota).toMatchObject({ rejecting: 1, warning: 1 });
  });

  it("a failing mirror and one behind its schedule; robots unused for long or never", () => {
    const acme = report.tenants.find((t) => t.tenant === "acme");
    const globex = report.tenants.find((t) => t.tenant === "globex");
    expect(acme?.mirrors.map((m) => [m.repository, m.status, m.syncStatus])).toEqual([
      ["ubi9", "failing", "FAIL"],
    ]);
    const nodejs = globex?.mirrors.find((m) => m.repository === "base/nodejs-20");
    expect(nodejs).toMatchObject({ status: "overdue", syncStatus: "SUCCESS", intervalSeconds: 43200 });
    // Paused in the tenant file; the others never ran since their first sync fell due four days ago.
    expect(globex?.mirrors.find((m) => m.repository === "base/postgresql-15")).toMatchObject({
      status: "disabled",
      syncStatus: "NEVER_RUN",
    });
    const platform = report.tenants.find((t) => t.tenant === "platform");
    expect(platform?.mirrors.map((m) => [m.status, m.syncStatus])).toEqual(
      platform?.mirrors.map(() => ["overdue", "NEVER_RUN"]),
    );
    // initech's weekly mirror is not due again yet: pending, not behind.
    expect(report.tenants.find((t) => t.tenant === "initech")?.mirrors.map((m) => m.status)).toEqual([
      "pending",
    ]);
    const enabled = sample.tenants.flatMap((t) => t.repositories).filter((r) => r.mirror?.enabled).length;
    expect(report.totals.mirrorsFailing).toBe(enabled - 1);
    const robots = new Map(acme?.robots.map((r) => [r.name, r]));
    expect(robots.get("acme+ci")).toMatchObject({ status: "recent", idleDays: 2, stale: false });
    expect(robots.get("acme+mirror")).toMatchObject({ status: "stale", idleDays: 200, stale: true });
    expect(robots.get("acme+cluster-pull")).toMatchObject({ status: "never", lastUsed: null, stale: false });
    expect(acme?.findings.map((f) => f.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^mirror ubi9: last sync failed; 2 retries left/)]),
    );
  });

  it("no robot token in any output", () => {
    expect(robotTokens.length).toBeGreaterThan(10);
    const outputs = [
      renderReportJson(report),
      renderReportHtml(report),
      renderReportMarkdown(report),
      renderReportText(report),
      chartSvg(report, usageOrder(report)),
    ].join("\n");
    for (const token of robotTokens) expect(outputs).not.toContain(token);
  });

  it("a non-superuser is told the report needs a superuser", async () => {
    await fetch(`${emu.url}/api/v1/superuser/users/`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ username: "auditor", email: "auditor@lab.example" }),
    });
    const token = emu.mintToken("auditor", ["org:admin", "repo:read", "user:read"]);
    await expect(read(sample, token)).rejects.toMatchObject({
      code: "QG_ERR_CONFIG",
      message: expect.stringContaining("the account must be a superuser"),
    });
  });
});

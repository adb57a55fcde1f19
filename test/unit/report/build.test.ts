import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { QuayGitopsError } from "../../../src/errors";
import {
  type LiveMirror,
  mirrorReport,
  parseDriftJson,
  quotaReport,
  quotaSeverity,
  renderReportHtml,
  renderReportMarkdown,
  robotReport,
  textBar,
} from "../../../src/report";
import type { LabReport, TenantReport } from "../../../src/report/types";

const GiB = 1024 ** 3;
const HOUR = 3_600_000;
const NOW = Date.parse("2026-06-15T12:00:00Z");

describe("quota status: check_limits of Quay 3.18.0", () => {
  const quota = {
    limitBytes: 100 * GiB,
    limits: [
      { type: "Warning" as const, percent: 80 },
      { type: "Reject" as const, percent: 100 },
    ],
  };

  it("ok below the warning line, warning from its exact byte count, rejecting from the reject line's", () => {
    expect(quotaSeverity(80 * GiB - 1, quota, null)).toBe(null);
    expect(quotaSeverity(80 * GiB, quota, null)).toBe("Warning");
    expect(quotaSeverity(100 * GiB - 1, quota, null)).toBe("Warning");
    expect(quotaSeverity(100 * GiB, quota, null)).toBe("Reject");
  });

  it("the highest threshold reached decides: a Warning above a Reject hides the rejection, as in Quay", () => {
    const odd = {
      limitBytes: 100,
      limits: [
        { type: "Reject" as const, percent: 50 },
        { type: "Warning" as const, percent: 90 },
      ],
    };
    expect(quotaSeverity(60, odd, null)).toBe("Reject");
    expect(quotaSeverity(95, odd, null)).toBe("Warning");
  });

  it("thresholds are whole bytes (int() of limit · percent / 100)", () => {
    const q = { limitBytes: 999, limits: [{ type: "Reject" as const, percent: 33 }] };
    // 999 · 33 / 100 = 329.67, truncated to 329.
    expect(quotaSeverity(328, q, null)).toBe(null);
    expect(quotaSeverity(329, q, null)).toBe("Reject");
  });

  it("without a quota the system default rejects at its size; without either nothing is enforced", () => {
    expect(quotaSeverity(10, undefined, 10)).toBe("Reject");
    expect(quotaSeverity(9, undefined, 10)).toBe(null);
    expect(quotaSeverity(10 ** 15, undefined, null)).toBe(null);
    const r = quotaReport({ name: "o", usage: { bytes: 10, configuredBytes: 10, backfill: "complete" } });
    expect(r).toMatchObject({
      status: "rejecting",
      source: "system-default",
      rejectPercent: 100,
      percent: 100,
    });
  });

  it("the report: percent, lowest lines, the backfill, and a tenant file that says otherwise", () => {
    const r = quotaReport(
      {
        name: "acme",
        quota: {
          limitBytes: 500 * GiB,
          limits: [
            { type: "Reject", percent: 100 },
            { type: "Warning", percent: 80 },
          ],
        },
        usage: { bytes: 125 * GiB, configuredBytes: 500 * GiB, backfill: "running" },
      },
      {
        name: "acme",
        quota: {
          limitBytes: 600 * GiB,
          limits: [
            { type: "Warning", thresholdPercent: 80 },
            { type: "Reject", thresholdPercent: 100 },
          ],
        },
      } as never,
    );
    expect(r).toMatchObject({
      status: "ok",
      percent: 25,
      warningPercent: 80,
      rejectPercent: 100,
      backfill: "running",
      declaredDiffers: true,
      limits: [
        { type: "Warning", percent: 80 },
        { type: "Reject", percent: 100 },
      ],
    });
    expect(quotaReport(undefined).status).toBe("missing");
  });
});

describe("mirrors as the worker leaves them (data/model/repo_mirror.py at v3.18.0)", () => {
  const at = (ms: number) => new Date(ms).toISOString().replace(".000Z", ".123456Z");
  const mirror = (over: Partial<LiveMirror>): LiveMirror => ({
    repository: "ubi9",
    found: true,
    isEnabled: true,
    syncStatus: "SUCCESS",
    syncIntervalSeconds: 24 * 3600,
    syncStartDate: at(NOW + 2 * HOUR),
    syncExpirationDate: null,
    retriesRemaining: 3,
    externalReference: "registry.example/ubi9",
    ...over,
  });
  const status = (m: LiveMirror, state = "MIRROR") => mirrorReport("ubi9", m, state, true, NOW);

  it("a success moves the start one interval on: the last success lies within the interval before it", () => {
    const r = status(mirror({}));
    expect(r).toMatchObject({
      status: "ok",
      lastSuccessAfter: "2026-06-14T14:00:00Z",
      nextSync: "2026-06-15T14:00:00Z",
    });
    expect(r.text).toBe("last synced after 2026-06-14 14:00 UTC, next 2026-06-15 14:00 UTC (every 1d)");
  });

  it("behind: the scheduled start more than one interval ago, so no success for more than two intervals", () => {
    expect(status(mirror({ syncStartDate: at(NOW - 24 * HOUR) })).status).toBe("ok");
    expect(status(mirror({ syncStartDate: at(NOW - 24 * HOUR - 1000) })).status).toBe("overdue");
    expect(status(mirror({ syncStatus: "NEVER_RUN", syncStartDate: at(NOW - HOUR) })).status).toBe("pending");
    expect(status(mirror({ syncStatus: "NEVER_RUN", syncStartDate: at(NOW - 30 * HOUR) })).text).toBe(
      "never synced; due since 2026-06-14 06:00 UTC (every 1d)",
    );
  });

  it("failing, cancelled, syncing, stuck, requested, disabled, missing", () => {
    expect(
      status(mirror({ syncStatus: "FAIL", retriesRemaining: 1, syncStartDate: at(NOW - HOUR) })).text,
    ).toBe("last sync failed; 1 retry left");
    expect(status(mirror({ syncStatus: "FAIL", retriesRemaining: 3 })).text).toBe(
      "last sync failed; 3 retries left, next try 2026-06-15 14:00 UTC",
    );
    expect(status(mirror({ syncStatus: "CANCEL", syncStartDate: null })).status).toBe("cancelled");
    expect(status(mirror({ syncStatus: "SYNCING", syncExpirationDate: at(NOW + 11 * HOUR) }))).toMatchObject({
      status: "syncing",
      text: "syncing since 2026-06-15 11:00 UTC",
    });
    expect(status(mirror({ syncStatus: "SYNCING", syncExpirationDate: at(NOW - HOUR) })).status).toBe(
      "overdue",
    );
    expect(status(mirror({ syncStatus: "SYNC_NOW" })).status).toBe("sync-requested");
    expect(status(mirror({ isEnabled: false })).status).toBe("disabled");
    expect(status(mirror({}), "NORMAL").text).toBe(
      "the repository is NORMAL, not MIRROR: the worker skips it",
    );
    expect(mirrorReport("x", undefined, undefined, true, NOW).text).toBe(
      "declared, but the repository is not in Quay",
    );
    expect(mirrorReport("x", mirror({ found: false }), "NORMAL", true, NOW).status).toBe("missing");
  });
});

describe("robots", () => {
  const rfc = (ms: number) => new Date(ms).toUTCString().replace("GMT", "-0000");
  it("never used, in use, and stale after the limit (never used counts from creation)", () => {
    const created = rfc(NOW - 400 * 24 * HOUR);
    expect(robotReport({ name: "o+a", created, lastAccessed: null }, true, 90, NOW)).toMatchObject({
      status: "never",
      stale: true,
      idleDays: 400,
    });
    expect(
      robotReport({ name: "o+b", created: rfc(NOW - 10 * 24 * HOUR), lastAccessed: null }, true, 90, NOW),
    ).toMatchObject({
      status: "never",
      stale: false,
    });
    expect(
      robotReport({ name: "o+c", created, lastAccessed: rfc(NOW - 90 * 24 * HOUR) }, true, 90, NOW),
    ).toMatchObject({
      status: "recent",
      idleDays: 90,
      lastUsed: "2026-03-17T12:00:00Z",
    });
    expect(
      robotReport({ name: "o+d", created, lastAccessed: rfc(NOW - 91 * 24 * HOUR) }, false, 90, NOW),
    ).toMatchObject({
      status: "stale",
      stale: true,
      declared: false,
    });
  });
});

describe("the drift report in one line per tenant", () => {
  const doc = (objects: unknown[], stack = "prod") =>
    JSON.stringify({ kind: "quay-gitops/drift", version: 1, stack, summary: "4 of 9 drifted", objects });
  it("groups by tenant, names three objects and counts the rest, with who did it", () => {
    const objects = [
      { tenant: "acme", kind: "Team", name: "acme/dev", status: "changed", attribution: { actor: "alice" } },
      { tenant: "acme", kind: "Robot", name: "acme+ci", status: "deleted" },
      { tenant: "acme", kind: "Repository", name: "acme/a", status: "changed" },
      { tenant: "acme", kind: "Repository", name: "acme/b", status: "changed" },
      { tenant: "globex", kind: "Quota", name: "globex", status: "changed" },
    ];
    const s = parseDriftJson(doc(objects), "d.json", "prod");
    expect(s.tenants.get("acme")).toBe(
      "4 objects drifted: Team acme/dev changed by alice; Robot acme+ci deleted; Repository acme/a changed; and 1 more",
    );
    expect(s.tenants.get("globex")).toBe("1 object drifted: Quota globex changed");
    expect(s.notes).toEqual([]);
    expect(parseDriftJson(doc([], "other"), "d.json", "prod").notes).toEqual([
      "the drift report is of stack other, not prod",
    ]);
  });
  it("refuses what is not a drift report", () => {
    expect(() => parseDriftJson("{", "d.json", null)).toThrow(QuayGitopsError);
    expect(() => parseDriftJson('{"kind":"quay-gitops/preview"}', "d.json", null)).toThrow(
      /not a drift report/,
    );
  });
});

function labWith(tenants: TenantReport[]): LabReport {
  return {
    kind: "quay-gitops/report",
    version: 1,
    generatedAt: "2026-06-15T12:00:00Z",
    quayUrl: "https://quay.lab.example",
    stack: "prod",
    staleRobotDays: 90,
    tenants,
    otherOrganizations: [],
    totals: {
      tenants: tenants.length,
      quota: { ok: 1, warning: 0, rejecting: 0, "no-quota": 0, missing: 0 },
      mirrorsFailing: 0,
      robotsStale: 0,
    },
    drift: null,
    requests: { total: 3, byRoute: {} },
    notes: ["<b>note</b>"],
  };
}

const tenant = (name: string, used: number): TenantReport => ({
  tenant: name,
  file: `tenants/${name}.yaml`,
  contacts: ["a@b.example"],
  organization: name,
  inQuay: true,
  quota: quotaReport({
    name,
    quota: {
      limitBytes: 100 * GiB,
      limits: [
        { type: "Warning", percent: 80 },
        { type: "Reject", percent: 100 },
      ],
    },
    usage: { bytes: used, configuredBytes: 100 * GiB, backfill: "complete" },
  }),
  repositoryCount: 0,
  largestRepositories: [],
  mirrors: [],
  robots: [],
  findings: [],
});

describe("rendering", () => {
  it("text bars: █ used, ░ free, ╎ warning and ┃ reject on the common scale", () => {
    const q = tenant("a", 50 * GiB).quota;
    expect(textBar(q, 100)).toBe("██████████░░░░░░╎░░┃");
    expect(textBar(tenant("b", 120 * GiB).quota, 120)).toBe("█████████████╎██┃███");
  });

  it("the page loads nothing: a CSP whose hashes are its own inline style and script; data is escaped", () => {
    const html = renderReportHtml(labWith([tenant("acme", 10 * GiB)]));
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(csp).toMatch(/^default-src 'none'; /);
    const hash = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain("<li>&lt;b&gt;note&lt;/b&gt;</li>");
  });

  it("Markdown cells cannot break the table", () => {
    const t = tenant("acme", 10 * GiB);
    t.findings = [{ severity: "attention", area: "drift", text: "drift: a | b\nc" }];
    const md = renderReportMarkdown(labWith([t]));
    expect(md).toContain("drift: a \\| b c");
  });
});

import { describe, expect, it } from "vitest";
import { planFromEvents } from "../../../src/plan/events";
import { previewJson, renderInvalidJson } from "../../../src/plan/json";
import { MAX_COMMENT_CHARS, renderInvalidMarkdown, renderPreviewMarkdown } from "../../../src/plan/markdown";
import { buildPreviewReport, type PreviewReport, verdict } from "../../../src/plan/report";
import { publicAllowance } from "../../../src/plan/safety";
import { renderPreviewText } from "../../../src/plan/text";
import { pre, samplePreviewEvents, STACK } from "./events";

const BUDGETS = {
  maxDeletes: 10,
  maxTenantChangePercent: 30,
  minObjectsForPercent: 10,
  requireAllowPublic: true,
};

function sampleReport(events = samplePreviewEvents()): PreviewReport {
  return buildPreviewReport({
    plan: planFromEvents(STACK, events),
    budgets: BUDGETS,
    allowPublic: publicAllowance({ tenants: [] }),
    source: {
      commit: "0123456789abcdef0123456789abcdef01234567",
      branch: "add-newco",
      base: "origin/main",
      tenantsDir: "tenants",
      registryFile: "stacks/local.registry.yaml",
      tenantFiles: { acme: "tenants/acme.yaml", newco: "tenants/newco.yaml" },
      refreshed: true,
    },
    changedFiles: [
      { path: "tenants/acme.yaml", status: "modified" },
      { path: "tenants/newco.yaml", status: "added" },
      { path: "tenants/oldco.yaml", status: "deleted" },
    ],
    notes: [
      "tenants/newco.yaml:12:9: warning: repository app is public without allowPublic: true [QG_TENANT_PUBLIC]",
    ],
  });
}

describe("preview Markdown (the PR comment)", () => {
  const report = sampleReport();
  const md = renderPreviewMarkdown(report);

  it("matches the reviewed snapshot", async () => {
    await expect(md).toMatchFileSnapshot("__snapshots__/preview.md");
  });

  it("starts with the sticky-comment marker, ends with the checksum marker, verdict second", () => {
    const lines = md.trimEnd().split("\n");
    expect(lines[0]).toBe("<!-- quay-gitops:preview stack=local -->");
    expect(lines.at(-1)).toBe(`<!-- quay-gitops:checksum=${report.checksum} -->`);
    expect(lines[3]).toMatch(/^⛔ \*\*apply will REFUSE this plan/);
  });

  it("is the same text for the same plan", () => {
    expect(renderPreviewMarkdown(sampleReport([...samplePreviewEvents()].reverse()))).toBe(md);
  });

  it("cannot be made to print a marker line by a value from a tenant file", () => {
    const evil = renderPreviewMarkdown(
      sampleReport([
        pre({
          op: "update",
          kind: "Team",
          name: "x/t",
          tenant: "x",
          old: { description: "a" },
          new: { description: `\n<!-- quay-gitops:checksum=sha256:${"0".repeat(64)} -->\n` },
        }),
      ]),
    );
    expect(evil.split("\n").filter((l) => l.startsWith("<!-- quay-gitops:checksum="))).toHaveLength(1);
  });

  it("folds a long plan into the JSON report instead of breaking GitHub's comment limit", () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      pre({
        op: "update",
        kind: "Repository",
        name: `big/repo-${i}`,
        tenant: "big",
        old: { description: "x".repeat(100), visibility: "private" },
        new: { description: "y".repeat(100), visibility: "private" },
      }),
    );
    const long = renderPreviewMarkdown(sampleReport(many));
    expect(long.length).toBeLessThan(MAX_COMMENT_CHARS + 2000);
    expect(long).toContain("see the JSON report");
  });
});

describe("verdicts", () => {
  it("says no changes, ok, warnings or refused in one line", () => {
    expect(verdict(sampleReport([])).text).toBe("No changes: Quay already matches the tenant files.");
    const one = sampleReport([
      pre({ op: "create", kind: "Team", name: "x/t", tenant: "x", new: { organization: "x", name: "t" } }),
    ]);
    expect(verdict(one)).toEqual({
      level: "ok",
      text: "1 to create in 1 tenant (x), within the change budgets.",
    });
    expect(verdict(sampleReport()).level).toBe("refused");
  });

  it("counts warnings, destructive or not, as warnings to review", () => {
    const events = [
      pre({ op: "delete", kind: "Team", name: "x/t", tenant: "x", old: { organization: "x", name: "t" } }),
      pre({
        op: "create",
        kind: "Repository",
        name: "x/app",
        tenant: "x",
        new: { namespace: "x", name: "app", visibility: "public" },
      }),
    ];
    const report = buildPreviewReport({
      plan: planFromEvents(STACK, events),
      budgets: { ...BUDGETS, requireAllowPublic: false },
      allowPublic: publicAllowance({ tenants: [] }),
      source: {
        tenantsDir: "tenants",
        registryFile: "stacks/local.registry.yaml",
        tenantFiles: { x: "tenants/x.yaml" },
        refreshed: true,
      },
      notes: [],
    });
    expect(report.warnings.map((w) => w.message)).toEqual([
      "repository x/app is created PUBLIC: anyone who can reach Quay can pull it",
      "team x/t will be deleted: its members lose the access it grants",
    ]);
    expect(verdict(report)).toEqual({
      level: "warnings",
      text: "1 to create, 1 to delete in 1 tenant (x), within the change budgets; 2 warnings to review.",
    });
  });
});

describe("preview JSON and text", () => {
  it("carries the same plan, warnings, budgets and checksum", () => {
    const report = sampleReport();
    const json = previewJson(report);
    expect(json).toMatchObject({
      kind: "quay-gitops/preview",
      valid: true,
      stack: STACK,
      checksum: report.checksum,
    });
    expect(json.changes).toHaveLength(11);
    expect(json.budgets.ok).toBe(false);
    expect(JSON.parse(renderInvalidJson(STACK, []))).toMatchObject({ valid: false });
  });

  it("prints one line per object and the verdict on a terminal", () => {
    const text = renderPreviewText(sampleReport());
    expect(text).toContain("    +- Robot acme+ci (replace: description)");
    expect(text).toContain('        description: "CI" → "CI pipelines"');
    expect(text).toContain("        permissions: added team:qa read");
    expect(text).toContain("  BREACH  requireAllowPublic");
    expect(text).toContain("checksum: sha256:");
  });
});

describe("invalid tenant files", () => {
  it("renders every problem with file and line instead of a plan", () => {
    const md = renderInvalidMarkdown(STACK, [
      {
        severity: "error",
        code: "QG_TENANT_SCHEMA",
        file: "tenants/x.yaml",
        line: 3,
        column: 5,
        message: "bad",
      },
    ]);
    expect(md.split("\n")[0]).toBe("<!-- quay-gitops:preview stack=local -->");
    expect(md).toContain("`tenants/x.yaml:3:5` error: bad (QG_TENANT_SCHEMA)");
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadDesiredState, loadDesiredStateFromFiles } from "../../../src/tenant";

const ROOT = path.resolve(__dirname, "../../..");

describe("the sample lab (tenants/ and stacks/local.registry.yaml)", () => {
  // A fixed instant before every `expires` in the samples; the sample test must not break with time.
  const result = loadDesiredState({ root: ROOT, now: new Date("2026-06-01T00:00:00Z") });

  it("validates with no diagnostic at all", () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.state).toBeDefined();
  });

  it("has the platform tenant and three partners", () => {
    expect(result.state!.tenants.map((t) => t.name)).toEqual(["acme", "globex", "initech", "platform"]);
    expect(result.tenantFiles).toEqual([
      "tenants/acme.yaml",
      "tenants/globex.yaml",
      "tenants/initech.yaml",
      "tenants/platform.yaml",
    ]);
  });

  it("platform mirrors the OpenShift release payloads and UBI, public so every partner cluster can pull", () => {
    const platform = result.state!.tenants.find((t) => t.name === "platform")!;
    const mirrors = platform.repositories.filter((r) => r.mirror).map((r) => r.mirror!.externalReference);
    expect(mirrors).toEqual(
      expect.arrayContaining([
        "quay.io/openshift-release-dev/ocp-release",
        "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
        "registry.access.redhat.com/ubi9/ubi",
      ]),
    );
    for (const r of platform.repositories)
      expect([r.name, r.visibility, r.allowPublic]).toEqual([r.name, "public", true]);
  });

  it("every partner has users, robots, teams, repositories, a mirror with a referenced password and a quota", () => {
    for (const name of ["acme", "globex", "initech"]) {
      const t = result.state!.tenants.find((x) => x.name === name)!;
      expect(t.users.length, name).toBeGreaterThan(0);
      expect(t.robots.length, name).toBeGreaterThan(0);
      expect(t.teams.filter((x) => x.origin === "tenant").length, name).toBeGreaterThan(0);
      expect(t.repositories.length, name).toBeGreaterThan(0);
      expect(t.quota, name).toBeDefined();
      const withCredentials = t.repositories.filter((r) => r.mirror?.credentials);
      expect(withCredentials.length, name).toBeGreaterThan(0);
      for (const r of withCredentials) expect(r.mirror!.credentials!.passwordFrom).toHaveProperty("env");
    }
  });

  it("every sample file carries the schema modeline", () => {
    for (const f of result.tenantFiles) {
      expect(fs.readFileSync(path.join(ROOT, f), "utf8").split("\n")[0], f).toBe(
        "# yaml-language-server: $schema=../schemas/tenant.schema.json",
      );
    }
    expect(fs.readFileSync(path.join(ROOT, "stacks/local.registry.yaml"), "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../schemas/registry.schema.json",
    );
  });

  it("later, expired sample entries become notices, never errors", () => {
    const later = loadDesiredState({ root: ROOT, now: new Date("2030-01-01T00:00:00Z") });
    expect(later.diagnostics.map((d) => d.severity)).toEqual(later.diagnostics.map(() => "notice"));
    expect(later.diagnostics.length).toBeGreaterThan(0);
    expect(later.state).toBeDefined();
  });
});

describe("the examples in docs/tenants.md", () => {
  const doc = fs.readFileSync(path.join(ROOT, "docs/tenants.md"), "utf8");
  const block = (modeline: string) => {
    const start = doc.indexOf(`\`\`\`yaml\n${modeline}`);
    expect(start, modeline).toBeGreaterThanOrEqual(0);
    const body = doc.slice(start + "```yaml\n".length);
    return body.slice(0, body.indexOf("```"));
  };

  it("the tenant and registry examples validate together", () => {
    const r = loadDesiredStateFromFiles({
      files: {
        "tenants/acme.yaml": block(
          "# yaml-language-server: $schema=../schemas/tenant.schema.json\napiVersion",
        ),
        "stacks/local.registry.yaml": block(
          "# yaml-language-server: $schema=../schemas/registry.schema.json",
        ),
      },
      now: new Date("2026-06-01T00:00:00Z"),
    });
    expect(r.diagnostics).toEqual([]);
  });
});

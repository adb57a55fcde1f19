import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { additiveTargets, type Planned } from "../../../src/gitops/run";
import { knownSecrets } from "../../../src/gitops/secrets";
import { readStackSettings } from "../../../src/gitops/settings";
import type { PlannedChange } from "../../../src/plan/types";
import { redactText } from "../../../src/plan/values";

const project = path.join(__dirname, "fixtures", "project");

describe("stack settings", () => {
  it("come from the stack's config file", () => {
    expect(readStackSettings({ projectDir: project, stack: "prod", env: {} })).toMatchObject({
      tenantsDir: "partners",
      registryFile: "registry/prod.yaml",
      applyBranch: "release",
    });
  });

  it("the environment wins, as in the program", () => {
    const s = readStackSettings({
      projectDir: project,
      stack: "prod",
      env: {
        QUAY_GITOPS_TENANTS_DIR: "t",
        QUAY_GITOPS_REGISTRY_FILE: "r.yaml",
        QUAY_GITOPS_APPLY_BRANCH: "main",
      },
    });
    expect(s).toMatchObject({ tenantsDir: "t", registryFile: "r.yaml", applyBranch: "main" });
  });

  it("defaults without a config file: tenants, stacks/<stack>.registry.yaml, main", () => {
    expect(readStackSettings({ projectDir: project, stack: "org/proj/dev", env: {} })).toEqual({
      tenantsDir: "tenants",
      registryFile: "stacks/dev.registry.yaml",
      applyBranch: "main",
      configFile: undefined,
    });
  });
});

describe("--no-deletes targets", () => {
  const change = (op: PlannedChange["op"], name: string): PlannedChange => ({
    tenant: "t",
    kind: "Team",
    name,
    op,
    urn: `urn:${name}`,
    fields: [],
  });

  it("keep creates and updates and the new Tenant components; defer deletes and replacements", () => {
    const planned = {
      report: {
        plan: {
          changes: [
            change("create", "a"),
            change("update", "b"),
            change("delete", "c"),
            change("replace", "d"),
          ],
        },
      },
      preview: {
        structure: {
          stackUrn: "urn:stack",
          tenants: [
            { name: "t", urn: "urn:tenant:t", op: "same" },
            { name: "new", urn: "urn:tenant:new", op: "create" },
            { name: "gone", urn: "urn:tenant:gone", op: "delete" },
          ],
        },
      },
    } as unknown as Planned;
    const { targets, deferred } = additiveTargets(planned);
    // Not the stack nor existing components: Pulumi would count their children's deletes as targeted.
    expect(targets).toEqual(["urn:a", "urn:b", "urn:tenant:new"]);
    expect(deferred.map((d) => d.name)).toEqual(["c", "d"]);
  });
});

describe("secrets in output", () => {
  it("knows the run's credentials and the passwords and notification URLs tenant files reference", () => {
    const state = {
      tenants: [
        {
          proxyCache: { credentials: { username: "u", passwordFrom: { env: "PROXY_PW" } } },
          repositories: [
            {
              mirror: { credentials: { username: "u", passwordFrom: { env: "MIRROR_PW" } } },
              notifications: [{ urlFrom: { env: "SLACK_URL" } }, {}],
            },
            { notifications: [] },
          ],
        },
      ],
    } as never;
    const secrets = knownSecrets({
      state,
      env: {
        QUAY_TOKEN: "tok-123456",
        PROXY_PW: "proxy-pw-1",
        MIRROR_PW: "mirror-pw-1",
        SLACK_URL: "https://hooks.slack.com/services/T/B/x",
        OTHER: "not-a-secret",
      },
    });
    expect(secrets.sort()).toEqual([
      "https://hooks.slack.com/services/T/B/x",
      "mirror-pw-1",
      "proxy-pw-1",
      "tok-123456",
    ]);
    expect(redactText("token tok-123456 and mirror-pw-1 but not-a-secret", secrets)).toBe(
      "token [secret] and [secret] but not-a-secret",
    );
  });

  it("leaves very short values alone (they would blank out ordinary words)", () => {
    expect(redactText("abc is here", ["abc"])).toBe("abc is here");
  });
});

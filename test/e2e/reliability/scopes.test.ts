import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openStack } from "../../../src/engine/automation";
import { type Lab, startLab } from "../../helpers/lab";

// Isolation: a token without the scopes a change needs gets a clear error that names the
// missing scope, not a stack trace — and nothing is written before the error.
let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

const NO_STACK = /^\s+at \S+ \(/m;

async function upWith(scopes: string[], env: Record<string, string> = {}): Promise<string> {
  const { data } = await lab.api<{ token: string }>("POST", "/_emulator/tokens", { user: "admin", scopes });
  const stack = await openStack({
    stack: "local",
    backendUrl: `file://${lab.backendDir}`,
    env: { ...lab.env, ...env, QUAY_TOKEN: data.token },
  });
  try {
    await stack.up();
  } catch (e) {
    return String(e);
  }
  throw new Error("up must fail");
}

it("a token without super:user: users and quotas are refused up front, naming the scope and the tenant files", async () => {
  await lab.resetStats();
  const output = await upWith(["org:admin", "repo:admin", "repo:create", "user:admin", "user:read"]);
  expect(output).toContain("a token with super:user");
  expect(output).toContain("tenants/acme.yaml (users, quota)");
  expect(output).toContain("nothing was applied");
  expect(output).not.toMatch(NO_STACK);
  expect(await lab.writes()).toBe(0);
});

it("a token without repo:admin: the first repository call names the scope", async () => {
  // A tenant that needs no superuser: no users, no quota (a registry file without default quota).
  const dir = path.join(lab.tenantsDir, "..", "minimal");
  fs.mkdirSync(path.join(dir, "tenants"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "tenants", "solo.yaml"),
    `apiVersion: quay-gitops/v1
kind: Tenant
metadata: { name: solo }
spec:
  robots: [{ name: ci }]
  repositories:
    - name: app
      permissions: [{ robot: ci, role: write }]
`,
  );
  fs.writeFileSync(
    path.join(dir, "registry.yaml"),
    `apiVersion: quay-gitops/v1
kind: Registry
metadata: { name: minimal }
spec:
  users: { mode: external }
`,
  );
  const output = await upWith(["org:admin", "repo:create", "user:admin", "user:read"], {
    QUAY_GITOPS_TENANTS_DIR: path.join(dir, "tenants"),
    QUAY_GITOPS_REGISTRY_FILE: path.join(dir, "registry.yaml"),
  });
  expect(output).toMatch(
    /Repository solo\/app: .*403 Unauthorized — this needs a token with scope repo:admin/,
  );
  expect(output).not.toMatch(NO_STACK);
});

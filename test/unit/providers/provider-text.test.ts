import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { providerText } from "../../../providers/dynamic";

// The `__provider` text lands in the state twice per resource and is loaded by Pulumi's
// dynamic-provider host with require-from-string; here it is loaded the same way, from a file.
describe("the __provider text (providers/dynamic.ts)", () => {
  const saved = process.env.QUAY_GITOPS_ROOT;
  const dirs: string[] = [];
  afterEach(() => {
    if (saved === undefined) delete process.env.QUAY_GITOPS_ROOT;
    else process.env.QUAY_GITOPS_ROOT = saved;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const load = (text: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-provider-text-"));
    dirs.push(dir);
    const file = path.join(dir, "provider.js");
    fs.writeFileSync(file, text);
    return require(file) as { handler: () => unknown };
  };

  it("is short, names its kind, and carries no path or credential", () => {
    const text = providerText("Repository");
    expect(text.length).toBeLessThan(600);
    expect(text).toContain('.provider("Repository")');
    expect(text).not.toMatch(/\/work\/|\/home\/|token/i);
    expect(providerText("Repository")).toBe(text);
    expect(() => providerText('x"); process.exit(1); ("')).toThrow();
  });

  it("finds dist/providers/host.js upwards from where the provider runs and asks it for the kind", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "qg-project-"));
    dirs.push(root);
    fs.mkdirSync(path.join(root, "dist", "providers"), { recursive: true });
    fs.mkdirSync(path.join(root, "dist", "src", "program"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "dist", "providers", "host.js"),
      "exports.provider = (kind) => ({ kind, create: async () => ({ id: kind }) });\n",
    );
    // The engine starts the provider in the project folder or in the program's folder below it.
    process.env.QUAY_GITOPS_ROOT = path.join(root, "dist", "src", "program");
    expect(load(providerText("Team")).handler()).toMatchObject({ kind: "Team" });
  });

  it("says what is missing when no compiled host is found", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "qg-empty-"));
    dirs.push(empty);
    process.env.QUAY_GITOPS_ROOT = empty;
    expect(() => load(providerText("Team")).handler()).toThrow(
      /dist\/providers\/host.js not found.*npm install/,
    );
  });
});

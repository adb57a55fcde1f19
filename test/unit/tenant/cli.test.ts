import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { command } from "../../../src/cli/commands/validate";
import { main } from "../../../src/cli/main";
import { registryYaml, tenantYaml } from "./helpers";

let dir: string;
let out: string;
let err: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-validate-"));
  fs.mkdirSync(path.join(dir, "tenants"));
  fs.writeFileSync(path.join(dir, "registry.yaml"), registryYaml());
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rel = (p: string) => path.relative(process.cwd(), path.join(dir, p)).split(path.sep).join("/");
const args = (...extra: string[]) => [
  "--tenants",
  path.join(dir, "tenants"),
  "--registry",
  path.join(dir, "registry.yaml"),
  ...extra,
];
function writeTenant(name: string, spec: string) {
  fs.writeFileSync(path.join(dir, "tenants", `${name}.yaml`), tenantYaml(name, spec));
}

describe("quay-gitops validate", () => {
  it("exit 0 and a summary for valid files", async () => {
    writeTenant("acme", "robots: [{ name: ci }]\n");
    expect(await command.run(args())).toBe(0);
    expect(out).toBe("valid: 1 tenant file checked, 0 errors, 0 warnings, 0 notices\n");
  });

  it("text: file:line:col: severity: message [CODE] per line, then the summary; exit 1", async () => {
    writeTenant("acme", "robots: [{ name: Ci }]\nteams: [{ name: devs, members: [{ robot: nope }] }]\n");
    writeTenant("globex", "repositories: [{ name: app, visibility: public }]\n");
    expect(await command.run(args())).toBe(1);
    expect(out.split("\n")).toEqual([
      `${rel("tenants/acme.yaml")}:6:20: error: spec.robots[0].name: "Ci" is not a robot short name: 2-255 lowercase letters and digits with single . _ - inside (docs/quay-api.md#names); write \`ci\`, not \`acme+ci\`: the organization prefix is added [QG_TENANT_NAME]`,
      `${rel("tenants/acme.yaml")}:7:44: error: spec.teams[0].members[0].robot: member "nope" is not a robot of this tenant; declare it under spec.robots (robots: Ci) [QG_TENANT_REFERENCE]`,
      `${rel("tenants/globex.yaml")}:6:43: warning: spec.repositories[0].visibility: repository app is public (anyone can pull it, also anonymously) but has no allowPublic: true; apply will refuse to make it public until you add it [QG_TENANT_PUBLIC]`,
      "invalid: 2 tenant files checked, 2 errors, 1 warning, 0 notices",
      "",
    ]);
  });

  it("github: workflow commands with escaped properties and messages", async () => {
    writeTenant(
      "acme",
      "organization: { tagExpiration: 3d }\nrepositories: [{ name: app, visibility: public }]\n",
    );
    expect(await command.run(args("--format", "github"))).toBe(1);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `::error file=${rel("tenants/acme.yaml")},line=6,col=34,title=QG_TENANT_TAG_EXPIRATION::spec.organization.tagExpiration: 3d is not allowed by the registry; Quay only accepts its TAG_EXPIRATION_OPTIONS: 0s, 1d, 1w, 2w, 4w; did you mean "1d"?`,
    );
    expect(lines[1]).toMatch(/^::warning file=.*,line=7,col=43,title=QG_TENANT_PUBLIC::/);
    expect(lines[2]).toBe("invalid: 1 tenant file checked, 1 error, 1 warning, 0 notices");
  });

  it("github: a notice for an expired entry", async () => {
    writeTenant(
      "acme",
      "users: [{ name: acme-bob }]\nteams: [{ name: devs, members: [{ user: acme-bob, expires: 2020-01-01 }] }]\n",
    );
    expect(await command.run(args("--format", "github"))).toBe(0);
    expect(out).toMatch(/^::notice file=.*,line=7,col=\d+,title=QG_TENANT_EXPIRED::/);
  });

  it("json: a machine document", async () => {
    writeTenant("acme", "users: [{ name: bob }]\n");
    expect(await command.run(args("--format", "json"))).toBe(1);
    const doc = JSON.parse(out);
    expect(doc).toEqual({
      valid: false,
      summary: { errors: 1, warnings: 0, notices: 0, tenants: 1, valid: false },
      diagnostics: [
        {
          severity: "error",
          code: "QG_TENANT_RESTRICTED",
          file: rel("tenants/acme.yaml"),
          line: 6,
          column: 19,
          message: expect.stringContaining('user "bob" is not allowed for tenant acme'),
        },
      ],
    });
  });

  it("the registry file comes from QUAY_GITOPS_REGISTRY_FILE when --registry is not given", async () => {
    writeTenant("acme", "{}\n");
    vi.stubEnv("QUAY_GITOPS_REGISTRY_FILE", path.join(dir, "registry.yaml"));
    try {
      expect(await command.run(["--tenants", path.join(dir, "tenants")])).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("--repo: --tenants and --registry are relative to it, and so are the paths it reports", async () => {
    writeTenant("acme", "robots: [{ name: Ci }]\n");
    expect(await command.run(["--repo", dir, "--tenants", "tenants", "--registry", "registry.yaml"])).toBe(1);
    expect(out).toMatch(/^tenants\/acme\.yaml:6:20: error: .*\[QG_TENANT_NAME\]$/m);
    out = "";
    // Without it they are relative to the current folder (the project here, which has no registry.yaml).
    await command.run(["--tenants", "tenants", "--registry", "registry.yaml"]);
    expect(out).toContain("QG_REGISTRY_MISSING");
    expect(out).not.toContain("tenants/acme.yaml:6:20");
  });

  it("exit 2 for a tenants folder that cannot be read", async () => {
    expect(
      await command.run(["--tenants", path.join(dir, "nope"), "--registry", path.join(dir, "registry.yaml")]),
    ).toBe(2);
    expect(out).toContain("QG_TENANT_IO");
  });

  it("exit 1 for a missing registry file", async () => {
    expect(
      await command.run(["--tenants", path.join(dir, "tenants"), "--registry", path.join(dir, "x.yaml")]),
    ).toBe(1);
    expect(out).toContain("QG_REGISTRY_MISSING");
  });

  it("exit 2 for usage errors, through main", async () => {
    expect(await main(["validate", "--format", "xml"])).toBe(2);
    expect(err).toContain("--format must be one of text, json, github");
    expect(await main(["validate", "--bogus"])).toBe(2);
    expect(await main(["validate", "extra"])).toBe(2);
  });

  it("--help", async () => {
    expect(await command.run(["--help"])).toBe(0);
    expect(out).toContain("usage: quay-gitops validate");
  });
});

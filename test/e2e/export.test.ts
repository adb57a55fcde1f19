import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatsSnapshot } from "../../emulator/index";
import { type CliLab, startCliLab } from "../helpers/cli-lab";
import { type CliResult, type GitRepo, runCli } from "../helpers/git";
import {
  type Api,
  buildDirectoryLab,
  buildRawLab,
  hookUrl,
  mirrorPassword,
  rawApi,
  slackUrl,
} from "../helpers/raw-lab";

// Bringing a lab that was clicked together under Git: a lab built by plain API calls (never by our
// apply) is exported; the files validate; the first apply adopts every object and sends no write;
// then a preview has nothing to do and a drift check is clean.

type PreviewJson = { changes: { tenant: string; kind: string; name: string; op: string }[] };
type Robots = { robots: { name: string; token: string }[] };

const ORGS = ["acme", "globex", "initech"];

describe("export → validate → apply with no write → clean preview and drift", () => {
  let api: Api;
  let repo: GitRepo;
  let work: string;
  let env: Record<string, string>;
  let cliLab: CliLab;
  let tokensBefore: Record<string, string>;

  const stats = async () => (await api("GET", "/_emulator/stats")).data as StatsSnapshot;
  const reset = () => api("POST", "/_emulator/stats/reset");
  const cli = (...args: string[]): Promise<CliResult> => runCli(args, env);
  const gitops = (...args: string[]): Promise<CliResult> => cliLab.cli(args);
  const robotTokens = async () => {
    const out: Record<string, string> = {};
    for (const o of ORGS) {
      const r = (await api("GET", `/api/v1/organization/${o}/robots`)).data as Robots;
      for (const b of r.robots) out[b.name] = b.token;
    }
    return out;
  };

  beforeAll(async () => {
    cliLab = await startCliLab({
      emulatorConfig: { FEATURE_IMMUTABLE_TAGS: true },
      serviceAccount: false,
      workPrefix: "qg-export-",
      prepare: async (emu) => {
        api = rawApi(emu.url, emu.token);
        await buildRawLab(api, { organizations: ORGS, immutability: true });
        tokensBefore = await robotTokens();
      },
      secrets: {
        ...Object.fromEntries(
          ORGS.map((o) => [`${o.toUpperCase()}_UBI9_MIRROR_PASSWORD`, mirrorPassword(o)]),
        ),
        // The secret URLs of the lab's notifications, as the export's comments ask for them.
        ...Object.fromEntries(ORGS.map((o) => [`${o.toUpperCase()}_APP0_WEBHOOK_URL`, hookUrl(o)])),
        ...Object.fromEntries(ORGS.map((o) => [`${o.toUpperCase()}_UBI9_SLACK_URL`, slackUrl(o)])),
      },
    });
    ({ repo, work, env } = cliLab);
  });

  afterAll(async () => {
    await cliLab?.close();
  });

  it("exports every organization with list reads only (at most 0.5 requests per object, reads Quay has no list for aside)", async () => {
    await reset();
    const r = await cli(
      "export",
      "--all",
      "--stack",
      "local",
      "--out",
      path.join(repo.dir, "tenants"),
      "--registry-out",
      path.join(repo.dir, "stacks", "local.registry.yaml"),
      "--force",
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const s = await stats();
    expect(s.writes).toBe(0);
    const m = /(\d+) objects in (\d+) requests/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [objects, requests] = [Number(m![1]), Number(m![2])];
    expect(requests).toBe(s.reads);
    // Quay lists notifications and immutability policies per repository only, and has no list of
    // robot federations: one request each (--no-notifications, --no-federation spare two of them).
    const perObject = {
      notifications: s.byRoute["GET /api/v1/repository/{repository:repo}/notification/"],
      immutability: s.byRoute["GET /api/v1/repository/{repository:repo}/immutabilitypolicy/"],
      federation: s.byRoute["GET /api/v1/organization/{orgname}/robots/{robot_shortname}/federation"],
    };
    expect(perObject).toEqual({
      notifications: ORGS.length * 4,
      immutability: ORGS.length * 4,
      federation: ORGS.length * 3,
    });
    const forced = perObject.notifications! + perObject.immutability! + perObject.federation!;
    expect((requests - forced) / objects).toBeLessThanOrEqual(0.5);
    expect(fs.readdirSync(path.join(repo.dir, "tenants")).sort()).toEqual(ORGS.map((o) => `${o}.yaml`));
    // Never a token: not in the files, not on the terminal.
    const texts = ORGS.map((o) => fs.readFileSync(path.join(repo.dir, "tenants", `${o}.yaml`), "utf8"));
    for (const token of Object.values(tokensBefore)) {
      for (const t of texts) expect(t).not.toContain(token);
      expect(r.stdout + r.stderr).not.toContain(token);
    }
    for (const o of ORGS) expect(texts.join("")).not.toContain(mirrorPassword(o));
    // What the format cannot say is printed and written down.
    expect(r.stderr).toContain("not expressed: acme: the proxy cache's credentials");
    // A notification's URL that holds a token is referenced, never printed or written.
    expect(r.stdout + r.stderr + texts.join("")).not.toContain("hook-secret");
    expect(r.stdout + r.stderr + texts.join("")).not.toContain("slack-secret");
    expect(texts[1]).toContain("urlFrom: { env: GLOBEX_APP0_WEBHOOK_URL }");
    expect(texts[1]).toContain("url: https://audit.globex.example/quay");
    expect(texts[1]).toContain(
      "      federation:\n        - issuer: https://token.actions.githubusercontent.com\n          subject: repo:globex/app:ref:refs/heads/main\n",
    );
    expect(texts[1]).toContain('immutability:\n    - tagPattern: "v[0-9]+\\\\..*"\n');
    expect(r.stdout).toContain(
      'GLOBEX_UBI9_SLACK_URL: the Slack webhook URL of the repo_mirror_sync_failed notification "Mirror failed" of globex/ubi9',
    );
    expect(texts[0]).toContain("# Not expressed in this file");
    expect(r.stdout).toContain(
      "ACME_UBI9_MIRROR_PASSWORD: the password of acme-pull at registry.access.redhat.com",
    );
  });

  it("the exported files validate", async () => {
    const r = await cli(
      "validate",
      "--tenants",
      path.join(repo.dir, "tenants"),
      "--registry",
      path.join(repo.dir, "stacks", "local.registry.yaml"),
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^valid: 3 tenant files checked, 0 errors/m);
    repo.commit("export the lab");
  });

  it("the first apply adopts every object and sends no write", async () => {
    await reset();
    const r = await gitops("apply");
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const s = await stats();
    expect(
      Object.entries(s.byRoute).filter(([route]) => !route.startsWith("GET ")),
      "writes",
    ).toEqual([]);
    expect(s.writes).toBe(0);
    // Adopted, not re-created: every robot keeps its token.
    expect(await robotTokens()).toEqual(tokensBefore);
  });

  it("then a preview has nothing to do and a drift check is clean", async () => {
    const json = path.join(work, "preview.json");
    const p = await gitops("preview", "--all", "--json", json);
    expect(p.code, `${p.stdout}\n${p.stderr}`).toBe(0);
    expect(p.stdout).toMatch(/0 to create, 0 to update, 0 to replace, 0 to delete/);
    expect((JSON.parse(fs.readFileSync(json, "utf8")) as PreviewJson).changes).toEqual([]);
    await reset();
    const d = await gitops("drift");
    expect(d.code, `${d.stdout}\n${d.stderr}`).toBe(0);
    expect((await stats()).writes).toBe(0);
  });
});

describe("export of a lab on LDAP: a synced team and a federated robot, adopted with no write", () => {
  const GROUP = "cn=acme-developers,ou=groups";
  let api: Api;
  let repo: GitRepo;
  let work: string;
  let env: Record<string, string>;
  let cliLab: CliLab;

  const stats = async () => (await api("GET", "/_emulator/stats")).data as StatsSnapshot;
  const gitops = (...args: string[]): Promise<CliResult> => cliLab.cli(args);

  beforeAll(async () => {
    cliLab = await startCliLab({
      emulatorConfig: {
        AUTHENTICATION_TYPE: "LDAP",
        FEATURE_TEAM_SYNCING: true,
        LDAP_BASE_DN: ["dc=lab", "dc=example"],
        EMULATOR_DIRECTORY_GROUPS: { [GROUP]: ["acme-alice", "acme-bob"] },
      },
      serviceAccount: false,
      workPrefix: "qg-export-ldap-",
      prepare: async (emu) => {
        api = rawApi(emu.url, emu.token);
        await buildDirectoryLab(api, "acme", GROUP);
      },
      secrets: {},
    });
    ({ repo, work, env } = cliLab);
  });

  afterAll(async () => {
    await cliLab?.close();
  });

  it("exports the team's group and the robot's federation, then the first apply sends no write", async () => {
    const r = await runCli(
      [
        "export",
        "--org",
        "acme",
        "--stack",
        "local",
        "--out",
        path.join(repo.dir, "tenants"),
        "--registry-out",
        path.join(repo.dir, "stacks", "local.registry.yaml"),
        "--force",
      ],
      env,
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const text = fs.readFileSync(path.join(repo.dir, "tenants", "acme.yaml"), "utf8");
    expect(text).toContain(`syncFrom: { group: "${GROUP}" }`);
    expect(text).toContain("- issuer: https://token.actions.githubusercontent.com");
    const registry = fs.readFileSync(path.join(repo.dir, "stacks", "local.registry.yaml"), "utf8");
    expect(registry).toContain("mode: external");
    expect(registry).toContain("directory: ldap");
    expect(registry).toMatch(/teamSyncing: true\n/);
    repo.commit("export the LDAP lab");

    await api("POST", "/_emulator/stats/reset");
    const up = await gitops("apply");
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    const s = await stats();
    expect(
      Object.keys(s.byRoute).filter((route) => !route.startsWith("GET ")),
      "writes",
    ).toEqual([]);
    expect(s.writes).toBe(0);

    const json = path.join(work, "preview.json");
    const p = await gitops("preview", "--all", "--json", json);
    expect(p.code, `${p.stdout}\n${p.stderr}`).toBe(0);
    expect((JSON.parse(fs.readFileSync(json, "utf8")) as PreviewJson).changes).toEqual([]);
    const d = await gitops("drift");
    expect(d.code, `${d.stdout}\n${d.stderr}`).toBe(0);
  });
});

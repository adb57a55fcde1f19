import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator, StatsSnapshot } from "../../emulator/index";
import { type CliLab, startCliLab } from "../helpers/cli-lab";
import { type CliResult, type GitRepo, runCli } from "../helpers/git";
import { type Lab, startLab } from "../helpers/lab";

// The real engine with a session instead of a token (docs/client.md "Authentication"):
// QUAY_USERNAME/QUAY_PASSWORD, no QUAY_TOKEN. It converges, a second up writes nothing but the
// sign-ins, and the password is nowhere in the state backend.

type Stats = { writes: number; byRoute: Record<string, number> };
type Logs = { logs: { kind: string; performer?: { name: string }; metadata: Record<string, unknown> }[] };

const SIGNIN = "POST /api/v1/signin";

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Writes other than the sign-ins themselves, by route. */
function otherWrites(stats: Stats): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stats.byRoute).filter(([route]) => !/^(GET|HEAD) /.test(route) && route !== SIGNIN),
  );
}

describe("apply with a session sign-in (QUAY_USERNAME/QUAY_PASSWORD)", () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab({ auth: "session" });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it("converges the sample tenants, signed in as the admin, with no token at all", async () => {
    expect(lab.stack.workspace.envVars.QUAY_TOKEN ?? "").toBe("");
    await lab.resetStats();
    const up = await lab.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const stats = (await lab.api<Stats>("GET", "/_emulator/stats")).data;
    // One sign-in per process that talks to Quay (the program's capability check, the providers).
    expect(stats.byRoute[SIGNIN]).toBeGreaterThanOrEqual(1);
    expect(stats.byRoute[SIGNIN]).toBeLessThanOrEqual(2);
    const org = await lab.api<{ teams: Record<string, unknown> }>("GET", "/api/v1/organization/acme");
    expect(Object.keys(org.data.teams)).toContain("developers");
    // Session writes: the user is the performer, and no OAuth token is named.
    const logs = (await lab.api<Logs>("GET", "/api/v1/organization/acme/logs")).data.logs;
    expect(logs.length).toBeGreaterThan(5);
    for (const e of logs) {
      expect(e.performer?.name, e.kind).toBe("admin");
      expect(
        Object.keys(e.metadata).filter((k) => k.startsWith("oauth_token")),
        e.kind,
      ).toEqual([]);
    }
  });

  it("a second up changes nothing and writes nothing but its sign-ins", async () => {
    await lab.resetStats();
    const up = await lab.stack.up({ refresh: true });
    expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    const stats = (await lab.api<Stats>("GET", "/_emulator/stats")).data;
    expect(otherWrites(stats)).toEqual({});
    expect(stats.writes).toBe(stats.byRoute[SIGNIN]);
    expect(stats.byRoute[SIGNIN]).toBeLessThanOrEqual(3);
  });

  it("drift (the CLI) reads the audit logs with the session and attributes a change to its actor", async () => {
    await lab.api("POST", "/api/v1/superuser/users/", { username: "oscar", email: "oscar@lab.example" });
    expect((await lab.api("PUT", "/api/v1/organization/acme/team/owners/members/oscar", {})).status).toBe(
      200,
    );
    const minted = await lab.api<{ token: string }>("POST", "/_emulator/tokens", {
      user: "oscar",
      scopes: ["org:admin"],
    });
    const edit = await fetch(`${lab.url}/api/v1/organization/acme/team/developers`, {
      method: "PUT",
      headers: { authorization: `Bearer ${minted.data.token}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "member", description: "Edited by Oscar" }),
    });
    expect(edit.status).toBe(200);
    await lab.resetStats();
    const json = path.join(lab.backendDir, "..", "drift.json");
    const r = await runCli(
      ["drift", "--stack", "local", "--backend", `file://${lab.backendDir}`, "--json", json],
      { ...lab.env, GITHUB_ACTIONS: "", QUAY_GITOPS_REPO: "" },
    );
    expect(r.code, r.stderr).toBe(2);
    const report = JSON.parse(fs.readFileSync(json, "utf8")) as {
      objects: {
        name: string;
        fields: { field: string; attribution?: { actor: string; ours: boolean } }[];
      }[];
      attributionNote?: string;
    };
    expect(report.attributionNote ?? null).toBeNull();
    const team = report.objects.find((o) => o.name === "acme/developers");
    expect(team?.fields[0]?.attribution).toMatchObject({ actor: "oscar", ours: false });
    expect(`${r.stdout}${r.stderr}${fs.readFileSync(json, "utf8")}`).not.toContain(lab.password);
    const stats = (await lab.api<Stats>("GET", "/_emulator/stats")).data;
    expect(otherWrites(stats)).toEqual({});
  });

  it("the password is nowhere in the state backend (checkpoints, history, backups)", () => {
    const files = filesUnder(lab.backendDir);
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8");
      expect(text.includes(lab.password), f).toBe(false);
    }
    // And no session cookie or CSRF token either: the state holds no connection at all.
    const all = files.map((f) => fs.readFileSync(f, "utf8")).join("\n");
    expect(all).not.toMatch(/_csrf_token=|QUAY_PASSWORD/);
  });
});

// A command signs in once in all: the CLI's preflight signs in and hands its session to the engine's
// providers (and the program, and drift's audit-log reader) through the run's sealed journal
// (src/quay/api/journal.ts), instead of each process signing in again. Sign-ins are deterministic,
// so the counts are exact.
describe("one sign-in per command (the CLI hands its session to the engine's processes)", () => {
  let emu: RunningEmulator;
  let repo: GitRepo;
  let work: string;
  let cliLab: CliLab;

  const admin = <T = unknown>(method: string, p: string, body?: unknown) => cliLab.api<T>(method, p, body);
  const cli = (...args: string[]): Promise<CliResult> => cliLab.cli(args);
  /** The command's sign-ins as the emulator counted them. */
  const signIns = async (run: () => Promise<CliResult>, code = 0) => {
    await admin("POST", "/_emulator/stats/reset");
    const r = await run();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(code);
    const s = (await admin<StatsSnapshot>("GET", "/_emulator/stats")).data;
    return {
      csrf: s.byRoute["GET /csrf_token"] ?? 0,
      signin: s.byRoute[SIGNIN] ?? 0,
      verify: s.byRoute["POST /api/v1/signin/verify"] ?? 0,
      out: `${r.stdout}${r.stderr}`,
    };
  };
  const ONCE = { csrf: 1, signin: 1, verify: 0 };

  beforeAll(async () => {
    cliLab = await startCliLab({ tenants: ["acme"], workPrefix: "qg-signin-", auth: "session" });
    ({ emu, repo, work } = cliLab);
  });

  afterAll(async () => {
    await cliLab?.close();
  });

  it("preview signs in once", async () => {
    const { out, ...n } = await signIns(() => cli("preview"));
    expect(n, out).toEqual(ONCE);
  });

  it("apply (converge: preflight, preview and up) signs in once", async () => {
    const { out, ...n } = await signIns(() => cli("apply"));
    expect(out).toMatch(/acme: \d+ created/);
    expect(n, out).toEqual(ONCE);
  });

  it("apply of a change (the preview's provider reads, the up's writes) signs in once", async () => {
    repo.write(
      "tenants/acme.yaml",
      fs
        .readFileSync(path.join(repo.dir, "tenants/acme.yaml"), "utf8")
        .replace("CI pipelines push here", "CI pushes here"),
    );
    repo.commit("acme: robot description");
    const { out, ...n } = await signIns(() => cli("apply", "--force"));
    expect(out).toMatch(/acme: 3 updated, 2 replaced/);
    expect(n, out).toEqual(ONCE);
  });

  it("a no-op apply --all signs in once", async () => {
    const { out, ...n } = await signIns(() => cli("apply", "--all"));
    expect(n, out).toEqual(ONCE);
  });

  it("drift signs in once, also when it reads the audit logs to attribute a change", async () => {
    const { out, ...n } = await signIns(() => cli("drift"));
    expect(n, out).toEqual(ONCE);
    const edit = await admin("PUT", "/api/v1/organization/acme/team/developers", {
      role: "member",
      description: "Edited by hand",
    });
    expect(edit.status).toBe(200);
    const { out: driftOut, ...drifted } = await signIns(() => cli("drift"), 2);
    expect(driftOut).toContain("acme/developers");
    expect(drifted, driftOut).toEqual(ONCE);
  });

  it("the session is nowhere in the output or the state backend", async () => {
    const r = await cli("apply", "--all", "--force");
    const files = filesUnder(path.join(work, "state"));
    const all = [r.stdout, r.stderr, ...files.map((f) => fs.readFileSync(f, "utf8"))].join("\n");
    expect(all).not.toMatch(/_csrf_token=|QUAY_GITOPS_SESSION|QUAY_GITOPS_READS_KEY/);
    expect(all).not.toContain(emu.password);
  });
});

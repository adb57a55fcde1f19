import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/git";
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

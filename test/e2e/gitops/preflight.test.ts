import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator/index";
import { projectRoot } from "../../../src/engine/env";
import { type CliLab, startCliLab } from "../../helpers/cli-lab";
import { type CliResult, type GitRepo, runCli } from "../../helpers/git";
import { killMarked, markedProcesses, newProcessMark, PROCESS_MARK_ENV } from "../../helpers/processes";

// Through the CLI (bin/quay-gitops.js on dist/), with the emulator's tokens of limited scopes:
// - credentials that lack rights get one message before the engine starts (what is missing, for which
//   tenant files, how to mint a token that has it), exit 1, and not a single write;
// - a stack locked by another quay-gitops run exits 4, naming the holder.

const ENGINE_ERROR = /error: |Pulumi engine failed|Preview failed/;

describe("one clear answer before the engine starts, and one way to exit", () => {
  let emu: RunningEmulator;
  let repo: GitRepo;
  let work: string;
  let env: Record<string, string>;
  let cliLab: CliLab;

  const control = async <T = unknown>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${emu.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const stats = () =>
    control<{ total: number; writes: number; byRoute: Record<string, number> }>("GET", "/_emulator/stats");
  const reset = () => control("POST", "/_emulator/stats/reset");
  const token = (scopes: string[], user = "admin") => emu.mintToken(user, scopes as never);
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
    cliLab.cli(args, extra);

  beforeAll(async () => {
    cliLab = await startCliLab({ tenants: ["acme"], workPrefix: "qg-preflight-" });
    ({ emu, repo, work, env } = cliLab);
  });

  afterAll(async () => {
    await cliLab?.close();
  });

  it("a wrong option is a usage error with the command's help, exit 2, no stack trace", async () => {
    const r = await runCli(["demo", "--bogus"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^quay-gitops demo: Unknown option '--bogus'/);
    expect(r.stderr).toContain("usage: quay-gitops demo");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("a token with repo:read and user:read: one message with what is missing and how to mint a token, exit 1, no write", async () => {
    await reset();
    const r = await cli(["apply"], { QUAY_TOKEN: token(["repo:read", "user:read"]) });
    expect(r.code, r.stderr).toBe(1);
    const message = r.stderr.slice(r.stderr.indexOf("quay-gitops apply: "));
    expect(message).toMatch(
      /^quay-gitops apply: Quay at \S+ does not give the token of admin what these tenant files need; nothing was changed\.\nMissing:\n/,
    );
    expect(message).toContain(
      "  - super:user, with admin in SUPER_USERS (Quay's config.yaml): only a superuser may manage these — tenants/acme.yaml (users, quota)",
    );
    expect(message).toContain("  - org:admin: ");
    expect(message).toContain("  - repo:admin: ");
    expect(message).toContain("  - user:admin: to create the organization acme");
    expect(message).toContain("Applications → Create New Application");
    expect(message).toContain("docs/quay-api.md#scopes");
    // One message, not one per object; nothing cites a file the user does not have.
    expect(r.stderr.match(/quay-gitops apply: /g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(ENGINE_ERROR);
    expect(r.stderr).not.toMatch(/QUAY-API|§/);
    const s = await stats();
    expect(s.writes).toBe(0);
    // Who-am-I, the two scope probes and the discovery document: no request per object.
    expect(s.total).toBeLessThanOrEqual(4);
  });

  it("drift with the same token: the same answer (exit 1: 2 means drift)", async () => {
    const r = await cli(["drift"], { QUAY_TOKEN: token(["repo:read", "user:read"]) });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("quay-gitops drift: Quay at ");
    expect(r.stderr).toContain("  - org:admin: ");
    expect(r.stderr).not.toMatch(ENGINE_ERROR);
  });

  it("a token without user:read (or user:admin) cannot say whose it is: said so, with how to mint one", async () => {
    const r = await cli(["preview"], {
      QUAY_TOKEN: token(["org:admin", "repo:admin", "super:user"]),
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("did not accept the token (quay-gitops:token or QUAY_TOKEN)");
    expect(r.stderr).toContain("Read User Information (user:read)");
    expect(r.stderr).not.toMatch(ENGINE_ERROR);
  });

  it("an unreachable Quay: said so before the engine starts", async () => {
    const r = await cli(["preview"], {
      QUAY_URL: "http://127.0.0.1:9",
      QUAY_UNREACHABLE_TIMEOUT_SECONDS: "0",
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("quay-gitops preview: cannot reach Quay at http://127.0.0.1:9");
    expect(r.stderr).not.toMatch(ENGINE_ERROR);
  });

  it("a session of an account that is no superuser: add it to SUPER_USERS", async () => {
    const created = await control<{ password: string }>("POST", "/api/v1/superuser/users/", {
      username: "not-super",
      email: "not-super@lab.example",
    });
    const r = await cli(["preview"], { QUAY_USERNAME: "not-super", QUAY_PASSWORD: created.password });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("does not give the session of not-super what these tenant files need");
    expect(r.stderr).toContain("a superuser: not-super is not in SUPER_USERS");
    expect(r.stderr).toContain("Add not-super to SUPER_USERS");
  });

  it("a preview with a token that cannot create organizations runs, and says what the apply will need", async () => {
    const scopes = ["org:admin", "repo:admin", "repo:create", "super:user", "user:read"];
    const preview = await cli(["preview"], { QUAY_TOKEN: token(scopes) });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stderr).toContain("note: the apply of this plan will need more than this token has:");
    expect(preview.stderr).toContain("user:admin: to create the organization acme");
    const apply = await cli(["apply"], { QUAY_TOKEN: token(scopes) });
    expect(apply.code, apply.stderr).toBe(1);
    expect(apply.stderr).toContain("  - user:admin: to create the organization acme");
  });

  it("with the rights, the apply goes through; a stack locked by another run exits 4 and names it", async () => {
    const first = await cli(["apply"]);
    expect(first.code, first.stderr).toBe(0);

    // A change to apply, so both runs reach the engine's update.
    repo.write(
      "tenants/acme.yaml",
      fs
        .readFileSync(path.join(repo.dir, "tenants/acme.yaml"), "utf8")
        .replace("CI pipelines push here", "CI pushes here"),
    );
    repo.commit("acme: a description");

    // The holder: another `quay-gitops apply`, slowed by Quay's latency until it holds the lock, then
    // stopped (its engine process, the language host and the providers) so that it keeps holding it.
    const mark = newProcessMark();
    await control("POST", "/_emulator/faults", { latencyMs: 300 });
    const holder = spawn(
      process.execPath,
      [
        path.join(projectRoot, "bin", "quay-gitops.js"),
        "apply",
        "--stack",
        "local",
        "--repo",
        repo.dir,
        "--backend",
        `file://${path.join(work, "state")}`,
      ],
      { env: { ...process.env, ...env, [PROCESS_MARK_ENV]: mark }, stdio: "ignore" },
    );
    const holderDone = new Promise<number | null>((resolve) => holder.on("close", (code) => resolve(code)));
    const locks = path.join(work, "state", ".pulumi", "locks");
    const lockFiles = () =>
      fs.existsSync(locks)
        ? fs
            .readdirSync(locks, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile() && e.name.endsWith(".json"))
        : [];
    const deadline = Date.now() + 120_000;
    while (lockFiles().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lockFiles().length, "the holder took the stack's lock").toBe(1);
    const stopped = markedProcesses(mark);
    for (const p of stopped) process.kill(p.pid, "SIGSTOP");
    await control("DELETE", "/_emulator/faults");
    try {
      const second = await cli(["apply"]);
      expect(second.code, second.stderr).toBe(4);
      expect(second.stderr).toMatch(
        /quay-gitops apply: stack 'local' is locked by another run, nothing was changed: pid \d+ of \S+, still running on this host/,
      );
      expect(second.stderr).toContain("pulumi cancel --yes --stack local");
      expect(second.stderr).not.toMatch(/^\s+at /m);
    } finally {
      for (const p of stopped) {
        try {
          process.kill(p.pid, "SIGCONT");
        } catch {}
      }
    }
    // The holder finishes its apply, untouched by the refused one.
    expect(await holderDone).toBe(0);
    await killMarked(mark);
  });
});

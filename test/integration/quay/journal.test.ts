import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import {
  createRunJournal,
  JOURNAL_ENV,
  journalFromEnv,
  type RunJournal,
  SessionFile,
} from "../../../src/quay/api/journal";
import { getOrganization } from "../../../src/quay/api/organizations";
import { listRobots } from "../../../src/quay/api/robots";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

// One read pass per apply: the preview's provider records what it read, the up's provider starts
// from it. What is replayed must be exactly what was read, never reach Quay again until a write of
// ours changes its scope, and never lie about secrets on disk.
describe("the read journal of a run", () => {
  let emu: RunningEmulator | undefined;
  let journal: RunJournal | undefined;
  const clients: QuayClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await emu?.close();
    journal?.dispose();
    emu = undefined;
    journal = undefined;
  });

  const session = (env: Record<string, string>) => {
    const client = new QuayClient({ url: emu!.url, token: emu!.token, retry: false });
    clients.push(client);
    return new QuaySession(client, journalFromEnv(env));
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${emu!.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
  };
  const reads = async () =>
    ((await (await fetch(`${emu!.url}/_emulator/stats`)).json()) as { reads: number }).reads;
  const resetStats = () => fetch(`${emu!.url}/_emulator/stats/reset`, { method: "POST" });

  it("replays the recorded reads without a request, until our own write drops their scope", async () => {
    emu = await startEmulator({ port: 0 });
    await api("POST", "/api/v1/organization/", { name: "acme" });
    await api("PUT", "/api/v1/organization/acme/robots/ci", { description: "CI" });
    journal = createRunJournal();

    const first = session(journal.recordEnv);
    const org = await getOrganization(first, "acme");
    const robots = await listRobots(first, "acme");
    const me = await first.me();
    expect(journal.size()).toBe(3);

    await resetStats();
    const second = session(journal.replayEnv);
    expect(await getOrganization(second, "acme")).toEqual(org);
    expect(await listRobots(second, "acme")).toEqual(robots);
    expect(await second.me()).toEqual(me);
    expect(await reads()).toBe(0);

    // A write in the organization: its reads come from Quay again, and see the write.
    await second.write("PUT", "/api/v1/organization/acme/robots/pull", {
      scope: "org:acme",
      body: { description: "pull" },
      idempotent: false,
    });
    const after = await listRobots(second, "acme");
    expect([...after.keys()].sort()).toEqual(["acme+ci", "acme+pull"]);
    expect(await reads()).toBe(1);
  });

  it("a process without the journal's key reads from Quay, and the file shows no secret", async () => {
    emu = await startEmulator({ port: 0 });
    await api("POST", "/api/v1/organization/", { name: "acme" });
    await api("PUT", "/api/v1/organization/acme/robots/ci", {});
    journal = createRunJournal();
    const robots = await listRobots(session(journal.recordEnv), "acme");
    const token = robots.get("acme+ci")?.token;
    expect(token).toMatch(/^[A-Z0-9]{64}$/);

    const file = journal.recordEnv.QUAY_GITOPS_READS_RECORD!;
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toContain(token);
    expect(text).not.toContain("acme+ci");
    expect(fs.statSync(file).mode & 0o077).toBe(0);

    await resetStats();
    const wrongKey = { ...journal.replayEnv, QUAY_GITOPS_READS_KEY: "0".repeat(64) };
    await listRobots(session(wrongKey), "acme");
    expect(await reads()).toBe(1);
  });

  it("ignores a line cut short by a killed process and keeps the rest", async () => {
    emu = await startEmulator({ port: 0 });
    await api("POST", "/api/v1/organization/", { name: "acme" });
    journal = createRunJournal();
    const first = session(journal.recordEnv);
    await getOrganization(first, "acme");
    await first.me();
    const file = journal.recordEnv.QUAY_GITOPS_READS_RECORD!;
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    fs.writeFileSync(file, `${lines[0]}\n${lines[1]!.slice(0, 20)}`);

    await resetStats();
    const second = session(journal.replayEnv);
    await getOrganization(second, "acme");
    await second.me();
    expect(await reads()).toBe(1);
    journal.dispose();
    expect(fs.existsSync(file)).toBe(false);
  });

  it("hands the session on sealed: the newest of the account wins, nothing readable without the key", () => {
    journal = createRunJournal();
    const store = journal.sessionStore();
    const older = { cookies: [["_csrf_token", "cookie-value-one"]] as [string, string][], csrf: "csrf-one" };
    const newer = { cookies: [["_csrf_token", "cookie-value-two"]] as [string, string][], csrf: "csrf-two" };
    store.save("account-a", older);
    store.save("account-b", { cookies: [], csrf: "csrf-of-b" });
    store.save("account-a", newer);
    // A provider finds the same store through the environment the run gives the engine.
    const provider = journalFromEnv(journal.replayEnv).sessionStore!;
    expect(provider.load("account-a")).toEqual(newer);
    expect(provider.load("account-b")?.csrf).toBe("csrf-of-b");
    expect(provider.load("account-c")).toBeUndefined();

    const file = journal.replayEnv[JOURNAL_ENV.session]!;
    const text = fs.readFileSync(file, "utf8");
    for (const secret of ["cookie-value", "csrf-one", "csrf-two", "account-a"])
      expect(text).not.toContain(secret);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    // The environment names the file, never the session.
    expect(JSON.stringify(journal.continueEnv)).not.toMatch(/cookie-value|csrf-two/);
    expect(new SessionFile(file, Buffer.alloc(32)).load("account-a")).toBeUndefined();
    expect(journalFromEnv({ ...journal.replayEnv, [JOURNAL_ENV.key]: "" }).sessionStore).toBeUndefined();
  });
});

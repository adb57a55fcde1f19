import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorConfig, type RunningEmulator, startEmulator } from "../../../emulator/index";
import { loadJournal, ReadRecorder } from "../../../src/quay/api/journal";
import { readAccountRights } from "../../../src/quay/api/rights";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayConnection } from "../../../src/quay/connection";
import { isQuayApiError } from "../../../src/quay/errors";

// What the credentials may do, read as Quay shows it (src/quay/api/rights.ts), against the emulator's
// tokens with limited scopes and its session, and what it costs.
describe("readAccountRights", () => {
  let emu: RunningEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  const start = async (config?: EmulatorConfig) => {
    emu = await startEmulator({ port: 0, quiet: true, ...(config ? { config } : {}) });
    return emu;
  };

  const stats = async (e: RunningEmulator) =>
    (await (await fetch(`${e.url}/_emulator/stats`)).json()) as {
      total: number;
      byRoute: Record<string, number>;
    };

  const read = async (
    connection: QuayConnection,
    ask = { fullAccess: true, scopes: true },
    recorder?: ReadRecorder,
  ) => {
    const client = connection.client();
    try {
      return await readAccountRights(new QuaySession(client, { recorder }), ask);
    } finally {
      await client.close();
    }
  };

  it("a FULL_ACCESS superuser's token: everything, in two requests", async () => {
    const e = await start();
    await fetch(`${e.url}/_emulator/stats/reset`, { method: "POST" });
    const r = await read(new QuayConnection({ url: e.url, token: e.token }));
    expect(r).toMatchObject({
      username: "admin",
      auth: "token",
      superUser: true,
      userAdmin: true,
      fullAccess: true,
      orgAdmin: true,
      repoAdmin: true,
    });
    expect(typeof r.offsetMs).toBe("number");
    expect((await stats(e)).total).toBe(2);
  });

  it("a token with repo:read and user:read: no superuser, no org:admin, no repo:admin, no user:admin", async () => {
    const e = await start();
    const token = e.mintToken("admin", ["repo:read", "user:read"]);
    await fetch(`${e.url}/_emulator/stats/reset`, { method: "POST" });
    const r = await read(new QuayConnection({ url: e.url, token }));
    expect(r).toMatchObject({
      superUser: false,
      userAdmin: false,
      orgAdmin: false,
      repoAdmin: false,
      fullAccess: undefined,
    });
    expect((await stats(e)).total).toBe(3);
  });

  it("each scope shows: org:admin without repo:admin, and the reverse", async () => {
    const e = await start();
    const org = e.mintToken("admin", ["org:admin", "user:read"]);
    expect(await read(new QuayConnection({ url: e.url, token: org }))).toMatchObject({
      orgAdmin: true,
      repoAdmin: false,
      userAdmin: false,
    });
    const repo = e.mintToken("admin", ["repo:admin", "user:admin"]);
    expect(await read(new QuayConnection({ url: e.url, token: repo }))).toMatchObject({
      orgAdmin: false,
      repoAdmin: true,
      userAdmin: true,
    });
  });

  it("a superuser without FULL_ACCESS: said, and its scopes probed instead", async () => {
    const e = await start({ FEATURE_SUPERUSERS_FULL_ACCESS: false });
    const token = e.mintToken("admin", ["super:user", "user:read", "org:admin"]);
    expect(await read(new QuayConnection({ url: e.url, token }))).toMatchObject({
      superUser: true,
      fullAccess: false,
      orgAdmin: true,
      repoAdmin: false,
    });
  });

  it("a session has every scope: who-am-I alone, unless FULL_ACCESS is asked", async () => {
    const e = await start();
    const session = new QuayConnection({ url: e.url, username: "admin", password: e.password });
    await fetch(`${e.url}/_emulator/stats/reset`, { method: "POST" });
    const r = await read(session, { fullAccess: false, scopes: true });
    expect(r).toMatchObject({
      auth: "session",
      superUser: true,
      userAdmin: true,
      orgAdmin: true,
      repoAdmin: true,
    });
    const s = await stats(e);
    expect(s.byRoute["GET /api/v1/user/"]).toBe(1);
    expect(s.byRoute["GET /api/v1/organization/{orgname}/prototypes"]).toBeUndefined();
  });

  it("a token without user:read cannot tell who it is: Quay's 401", async () => {
    const e = await start();
    const token = e.mintToken("admin", ["org:admin", "repo:admin"]);
    const failure = await read(new QuayConnection({ url: e.url, token })).catch((x: unknown) => x);
    expect(isQuayApiError(failure) && failure.status).toBe(401);
  });

  it("who-am-I goes to the run's read journal, for the providers; the probes do not", async () => {
    const e = await start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-rights-"));
    try {
      const key = Buffer.alloc(32, 7);
      const file = path.join(dir, "reads");
      await read(new QuayConnection({ url: e.url, token: e.token }), undefined, new ReadRecorder(file, key));
      const keys = loadJournal(file, key).map((r) => r.key);
      expect(keys).toEqual(["/api/v1/user/?{}|"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

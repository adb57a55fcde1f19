/**
 * Riding out a Quay restart (docs/client.md "When Quay is unreachable"): the emulator is stopped and
 * started again on the same port with its state file, as a restarted Quay keeps its database.
 * Windows are a few seconds so the file stays fast.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { QuayClient, type QuayClientOptions } from "../../../src/quay/client";
import { QuayApiError, QuayConnectionError } from "../../../src/quay/errors";
import { describeOutage, type Outage } from "../../../src/quay/outage";
import { apiPath } from "../../../src/quay/paths";
import { html, json, startServer, type TestServer } from "./servers";

const TOKEN = "restart-test-token-0123456789";
const FAST = { baseDelayMs: 5, maxDelayMs: 50 };

interface Restartable {
  readonly url: string;
  /** The emulator now running (a new one after each start). */
  emu: RunningEmulator;
  stop(): Promise<void>;
  start(): Promise<void>;
}

let quay: Restartable | undefined;
let server: TestServer | undefined;
let client: QuayClient | undefined;
let dir: string | undefined;

afterEach(async () => {
  await client?.close();
  await quay?.stop();
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  client = quay = server = dir = undefined;
});

async function restartable(): Promise<Restartable> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "quay-restart-"));
  const stateFile = path.join(dir, "state.json");
  const first = await startEmulator({ port: 0, stateFile, token: TOKEN });
  let running: RunningEmulator | undefined = first;
  const q: Restartable = {
    url: first.url,
    emu: first,
    async stop() {
      await running?.close();
      running = undefined;
    },
    async start() {
      running = await startEmulator({ port: first.port, stateFile, token: TOKEN });
      q.emu = running;
    },
  };
  return q;
}

function connect(url: string, opts: Partial<QuayClientOptions> = {}): QuayClient {
  client = new QuayClient({ url, token: TOKEN, env: {}, retry: FAST, ...opts });
  return client;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

describe("a Quay restart", () => {
  it("a GET sent while Quay is down is answered once it is back, and the outage is recorded", async () => {
    quay = await restartable();
    const told: Outage[] = [];
    const c = connect(quay.url, { unreachableTimeoutMs: 10_000, onOutage: (o) => told.push(o) });
    await c.get("/api/v1/user/");
    await quay.stop();
    const pending = c.get<{ username: string }>("/api/v1/user/");
    await sleep(1_300);
    await quay.start();
    const r = await pending;
    expect(r).toMatchObject({ status: 200, data: { username: "admin" } });
    // Far more than maxAttempts (6): the timeout bounds a call Quay does not answer, not the count.
    expect(r.attempts).toBeGreaterThan(6);
    const { outages } = c.stats.snapshot();
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ cause: "ECONNREFUSED", timeoutMs: 10_000 });
    expect(outages[0]?.durationMs).toBeGreaterThanOrEqual(1_200);
    expect(Date.parse(outages[0]?.end ?? "") - Date.parse(outages[0]?.start ?? "")).toBe(
      outages[0]?.durationMs,
    );
    expect(told).toEqual(outages);
    expect(describeOutage(told[0] as Outage)).toMatch(
      /^Quay was unreachable for [\d.]+ s \(connection refused\); the run waited and went on$/,
    );
  });

  it("gives up after the unreachable timeout, saying how long and why; a call made after that fails at once", async () => {
    quay = await restartable();
    const c = connect(quay.url, { unreachableTimeoutMs: 1_500 });
    await quay.stop();
    const e = await failure(c.get("/api/v1/user/"));
    expect(e).toBeInstanceOf(QuayConnectionError);
    expect(e).toMatchObject({
      code: "QG_ERR_QUAY_CONNECTION",
      causeCode: "ECONNREFUSED",
      mayHaveLanded: false,
    });
    expect((e as QuayConnectionError).attempts).toBeGreaterThan(6);
    expect((e as QuayConnectionError).unansweredForMs).toBeGreaterThanOrEqual(1_500);
    expect(e.message).toMatch(
      /^GET \/api\/v1\/user\/: no answer from Quay after \d+ attempts \(ECONNREFUSED: .*\) — Quay has not answered for [\d.]+ s, longer than the unreachable timeout \(1\.5 s; quay-gitops:unreachableTimeoutSeconds or QUAY_UNREACHABLE_TIMEOUT_SECONDS\)$/,
    );
    // The client's outage is older than the timeout: one attempt, no second wait of 1.5 s.
    const again = await failure(c.get("/api/v1/organization/acme"));
    expect(again).toMatchObject({ causeCode: "ECONNREFUSED", attempts: 1 });
    expect((again as QuayConnectionError).unansweredForMs).toBeGreaterThanOrEqual(1_500);
    expect(c.stats.snapshot().outages).toEqual([]);

    await quay.start();
    expect((await c.get("/api/v1/user/")).status).toBe(200);
    const [outage] = c.stats.snapshot().outages;
    expect(outage?.durationMs).toBeGreaterThanOrEqual(1_500);
    expect(describeOutage(outage as Outage)).toMatch(
      /^Quay was unreachable for [\d.]+ s \(connection refused\), longer than the unreachable timeout \(1\.5 s\): requests made meanwhile failed$/,
    );
  });

  it("calls waiting for Quay resume together as soon as one of them gets an answer", async () => {
    quay = await restartable();
    // Each waiting call's next attempt is due at the timeout (30 s): only the wake-up ends the
    // test within its 20 s.
    const c = connect(quay.url, {
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.999999 },
      unreachableTimeoutMs: 30_000,
    });
    await quay.stop();
    const waiting = [c.get("/api/v1/user/"), c.get("/api/v1/organization/acme", { accept: [404] })];
    await sleep(1_200);
    await quay.start();
    expect((await c.get("/api/v1/user/")).status).toBe(200);
    const answers = await Promise.all(waiting);
    expect(answers.map((r) => [r.status, r.attempts])).toEqual([
      [200, 2],
      [404, 2],
    ]);
    expect(c.stats.snapshot().outages).toHaveLength(1);
  }, 20_000);

  it("a create sent while Quay is down goes out once it is back: a refused connection carried nothing", async () => {
    quay = await restartable();
    const c = connect(quay.url, { unreachableTimeoutMs: 10_000 });
    await quay.stop();
    let checks = 0;
    const pending = c.request("POST", "/api/v1/organization/", {
      body: { name: "during" },
      retry: {
        landed: async () => {
          checks++;
          return false;
        },
      },
    });
    await sleep(1_200);
    await quay.start();
    expect(await pending).toMatchObject({ landed: false, status: 201 });
    expect(checks).toBe(0);
    expect(quay.emu.stats().byRoute).toMatchObject({ "POST /api/v1/organization/": 1 });
  });

  it("a create whose answer was lost as Quay went down goes through landed(), which waits for Quay and finds it", async () => {
    quay = await restartable();
    const q = quay;
    const c = connect(q.url, { unreachableTimeoutMs: 10_000 });
    // Quay stores the organization, then the connection breaks before the answer.
    q.emu.setFaults({
      lostResponses: { method: "POST", route: "/api/v1/organization/", rate: 1, as: "reset" },
    });
    let restarted: Promise<void> | undefined;
    const r = await c.request("POST", "/api/v1/organization/", {
      body: { name: "lost" },
      retry: {
        landed: async () => {
          // Quay goes down now (its state saved, as a database keeps it) and is back 1.2 s later.
          await q.stop();
          restarted = sleep(1_200).then(() => q.start());
          const found = await c.get(apiPath`/api/v1/organization/${"lost"}`, { accept: [404] });
          return found.status === 200;
        },
      },
    });
    await restarted;
    expect(r.landed).toBe(true);
    if (r.landed) expect(r.lostResponse).toBeInstanceOf(QuayConnectionError);
    // The restarted Quay got the check and never a second create.
    expect(q.emu.stats().byRoute).toEqual({ "GET /api/v1/organization/{orgname}": 1 });
    expect([...q.emu.store.accounts.values()].filter((a) => a.username === "lost")).toHaveLength(1);
    expect(c.stats.snapshot()).toMatchObject({ landedChecks: 1, outages: [{ cause: "ECONNREFUSED" }] });
  });
});

describe("a proxy in front of a restarting Quay", () => {
  it("its 503s are waited out like a refused connection, and the outage is recorded with them", async () => {
    const upAt = Date.now() + 1_300;
    server = await startServer((_req, res) =>
      Date.now() < upAt ? html(res, 503, "503 Service Unavailable") : json(res, 200, { username: "admin" }),
    );
    const c = connect(server.url, { unreachableTimeoutMs: 10_000 });
    const r = await c.get("/api/v1/user/");
    expect(r.status).toBe(200);
    expect(r.attempts).toBeGreaterThan(6);
    expect(c.stats.snapshot().outages).toMatchObject([{ cause: "503" }]);
  });

  it("after the timeout, the last 503 is the error, and it says how long Quay gave no answer", async () => {
    server = await startServer((_req, res) => html(res, 503, "503 Service Unavailable"));
    const c = connect(server.url, { unreachableTimeoutMs: 1_200 });
    const e = await failure(c.get("/api/v1/user/"));
    expect(e).toBeInstanceOf(QuayApiError);
    expect(e).toMatchObject({ status: 503 });
    expect((e as QuayApiError).unansweredForMs).toBeGreaterThanOrEqual(1_200);
    expect(e.message).toMatch(
      /Quay has not answered for [\d.]+ s, longer than the unreachable timeout \(1\.2 s;/,
    );
  });
});

/**
 * The cost model (docs/emulator.md, What a request costs): Quay's workers as a FIFO queue of
 * simulated time. Checked through the queue's statistics and the order of answers, never through
 * rates: the rates are bench/emulator-cost.ts's job.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { QUAY_COST, startEmulator } from "../../../emulator/index";
import { type Res, useEmulator } from "./helpers";

const h = useEmulator(
  {},
  {
    emulatorOnly: "the emulator's cost profile (the measurements against Quay are in docs/quay-api.md#cost)",
  },
);
const root = path.resolve(__dirname, "../../..");

interface Workers {
  busy: number;
  waiting: number;
  peakWaiting: number;
  busyMs: number;
  waitedMs: number;
  served: Record<string, number>;
}

async function workers(): Promise<Workers> {
  return (await h.control("GET", "/_emulator/stats")).json.workers as Workers;
}

/** Polls the control API (which never queues) until the workers look like `want`. */
async function until(want: Partial<Workers>): Promise<Workers> {
  for (;;) {
    const w = await workers();
    if (Object.entries(want).every(([k, v]) => w[k as keyof Workers] === v)) return w;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("emulator cost: Quay's workers (fault `cost`)", () => {
  it("with one worker, requests wait their turn first come first served; the queue shows in the stats", async () => {
    await h.control("POST", "/_emulator/faults", { cost: { workers: 1, tokenAuthMs: 300 } });
    const done: string[] = [];
    const send = (name: string) =>
      h.get("/api/v1/user/").then((r) => {
        done.push(name);
        return r;
      });
    const a = send("a");
    // The control API answers while the only worker is busy: it is never subject to cost.
    await until({ busy: 1, waiting: 0 });
    const b = send("b");
    await until({ busy: 1, waiting: 1 });
    const c = send("c");
    await until({ busy: 1, waiting: 2 });
    const answers: Res[] = await Promise.all([a, b, c]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(done).toEqual(["a", "b", "c"]);
    const w = await workers();
    expect(w).toMatchObject({ busy: 0, waiting: 0, peakWaiting: 2, served: { token: 3 } });
    // Timers never fire early by more than their rounding: three holds of 300 ms, and c waited
    // at least through b's.
    expect(w.busyMs).toBeGreaterThanOrEqual(3 * 298);
    expect(w.waitedMs).toBeGreaterThanOrEqual(298);
  });

  it("W workers serve W requests at once", async () => {
    await h.control("POST", "/_emulator/faults", { cost: { workers: 3, tokenAuthMs: 200 } });
    const all = Promise.all(Array.from({ length: 5 }, () => h.get("/api/v1/user/")));
    await until({ busy: 3, waiting: 2 });
    await all;
    expect(await workers()).toMatchObject({ busy: 0, waiting: 0, peakWaiting: 2, served: { token: 5 } });
  });

  it("charges the token, a session (a cookie without a token), sign-in's password, or the base alone", async () => {
    await h.control("POST", "/_emulator/faults", { cost: { workers: 8, baseMs: 1, tokenAuthMs: 1 } });
    await h.get("/api/v1/user/");
    await h.get("/api/v1/user/", { headers: { Cookie: "_csrf_token=abc" } });
    await h.get("/api/v1/user/", { token: null, headers: { Cookie: "_csrf_token=abc" } });
    await h.get("/api/v1/user/", { token: null });
    await h.post("/api/v1/signin", { username: "admin", password: "x" }, { token: null });
    expect((await workers()).served).toEqual({ anonymous: 1, password: 1, session: 1, token: 2 });
  });

  it("a request holds its worker for base plus its credential's check", async () => {
    await h.control("POST", "/_emulator/faults", {
      cost: { workers: 1, baseMs: 50, tokenAuthMs: 250, sessionAuthMs: 100 },
    });
    const took = async (o: Parameters<typeof h.get>[1]) => {
      const t0 = performance.now();
      await h.get("/api/v1/user/", o);
      return performance.now() - t0;
    };
    expect(await took({})).toBeGreaterThanOrEqual(298);
    expect(await took({ token: null, headers: { Cookie: "s=1" } })).toBeGreaterThanOrEqual(148);
    expect(await took({ token: null })).toBeGreaterThanOrEqual(48);
  });

  it("latency is the network's: two requests wait it out together, not for a worker", async () => {
    // Zero cost: a worker is held for no time, so only a latency spent inside a worker could queue.
    await h.control("POST", "/_emulator/faults", { latencyMs: 200, cost: { workers: 1 } });
    await Promise.all([h.get("/api/v1/user/"), h.get("/api/v1/user/")]);
    expect(await workers()).toMatchObject({ peakWaiting: 0, waitedMs: 0, served: { token: 2 } });
  });

  it("an answer a proxy gives without Quay (injected 503, reset) holds no worker", async () => {
    await h.control("POST", "/_emulator/faults", {
      cost: { workers: 1, tokenAuthMs: 20 },
      failNext: [{ method: "GET", count: 1, status: 503 }],
    });
    expect((await h.get("/api/v1/user/")).status).toBe(503);
    expect((await h.get("/api/v1/user/")).status).toBe(200);
    expect((await workers()).served).toEqual({ token: 1 });
  });

  it("stats/reset zeroes the counters; busy and waiting stay what they are", async () => {
    await h.control("POST", "/_emulator/faults", { cost: { workers: 1, tokenAuthMs: 300 } });
    const both = Promise.all([h.get("/api/v1/user/"), h.get("/api/v1/user/")]);
    await until({ busy: 1, waiting: 1 });
    await h.control("POST", "/_emulator/stats/reset");
    expect(await workers()).toMatchObject({ busy: 1, waiting: 1, peakWaiting: 1, served: {} });
    await both;
    expect(await workers()).toMatchObject({ busy: 0, waiting: 0, served: { token: 1 } });
  });

  it("the fault configuration holds the cost: GET /_emulator/faults resolves a preset, a POST without it ends it", async () => {
    await h.control("POST", "/_emulator/faults", { cost: "quay" });
    expect((await h.control("GET", "/_emulator/faults")).json.cost).toEqual(QUAY_COST);
    await h.control("POST", "/_emulator/faults", { latencyMs: 1 });
    expect((await h.control("GET", "/_emulator/faults")).json.cost).toBeNull();
    const bad = await h.control("POST", "/_emulator/faults", { cost: { workers: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/cost\.workers must be a positive integer/);
  });
});

describe("emulator cost at start", () => {
  it("startEmulator({cost}) starts with it; a bad one is a config error", async () => {
    const emu = await startEmulator({ port: 0, cost: "quay" });
    try {
      const faults = (await (await fetch(`${emu.url}/_emulator/faults`)).json()) as { cost: unknown };
      expect(faults.cost).toEqual(QUAY_COST);
    } finally {
      await emu.close();
    }
    await expect(startEmulator({ port: 0, cost: "fast" })).rejects.toMatchObject({ code: "QG_EMU_CONFIG" });
  });

  it("quay-gitops emulator --cost quay (built dist/)", async () => {
    const main = path.join(root, "dist", "src", "cli", "commands", "emulator.js");
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const child = spawn(
      process.execPath,
      [path.join(root, "bin", "quay-gitops.js"), "emulator", "--port", "0", "--cost", "quay"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out);
        });
        child.on("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      const faults = (await (await fetch(`${url}/_emulator/faults`)).json()) as { cost: unknown };
      expect(faults.cost).toEqual(QUAY_COST);
    } finally {
      child.kill("SIGTERM");
    }
    const bad = spawn(
      process.execPath,
      [path.join(root, "bin", "quay-gitops.js"), "emulator", "--port", "0", "--cost", "fast"],
      { stdio: "pipe" },
    );
    let err = "";
    bad.stderr.on("data", (d) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => bad.on("exit", resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/cannot start the emulator: cost must be one of quay/);
  });
});

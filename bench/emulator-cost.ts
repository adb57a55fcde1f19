/**
 * The emulator's Quay cost profile (`quay-gitops emulator --cost quay`, docs/emulator.md) against
 * what a live Quay 3.18.0 on 2 cores served (docs/benchmarks.md): 64 GETs with a bearer token
 * and 64 with a session cookie, one at a time and 8 at a time. The emulator runs in its own process
 * (the built CLI), as in emulator-throughput.ts.
 *
 *   npm run build && node bench/emulator-cost.ts [--requests 64] [--concurrency 1,8] [--repeat 3] [--cost quay]
 *
 * Each case runs `repeat` times and the median run is reported. The emulator's worker statistics
 * (`GET /_emulator/stats` → `workers`) are read after each run: the longest queue, and how long
 * requests held and waited for a worker. The session requests carry a Cookie header and no token
 * and read a public repository: the emulator charges them as a session whether or not it knows the
 * cookie (emulator/cost.ts `authCostOf`), and the repository answers 200 either way.
 *
 * Node 24 runs this file directly (type stripping); it imports only Node built-ins and undici.
 * Results are printed as a table and as one JSON line; docs/benchmarks.md records the figures.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";

type Auth = "token" | "session";

interface Workers {
  peakWaiting: number;
  busyMs: number;
  waitedMs: number;
  served: Record<string, number>;
}

interface Result {
  auth: Auth;
  concurrency: number;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  maxMs: number;
  workers: Workers;
}

const root = path.resolve(path.dirname(process.argv[1] ?? "."), "..");
const REPOSITORY = "/api/v1/repository/bench/app";

async function startEmulatorProcess(
  cost: string,
): Promise<{ url: string; token: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [path.join(root, "bin", "quay-gitops.js"), "emulator", "--port", "0", "--cost", cost],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
    });
    child.on("exit", (code) =>
      reject(new Error(`emulator exited with ${code} (did you run \`npm run build\`?)`)),
    );
  });
  return { ...(JSON.parse(line) as { url: string; token: string }), child };
}

async function control<T>(url: string, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as T;
}

async function call(pool: Pool, headers: Record<string, string>, method: string, p: string, body?: unknown) {
  const res = await pool.request({
    method,
    path: p,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body.dump();
  return res.statusCode;
}

async function run(
  url: string,
  token: string,
  auth: Auth,
  requests: number,
  concurrency: number,
): Promise<Result> {
  const headers: Record<string, string> =
    auth === "token" ? { authorization: `Bearer ${token}` } : { cookie: "_csrf_token=bench-session" };
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
  try {
    // One request per connection first, so connection set-up is not measured.
    await Promise.all(Array.from({ length: concurrency }, () => call(pool, {}, "GET", "/_emulator/config")));
    await control(url, "POST", "/_emulator/stats/reset");
    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        next++;
        const t0 = performance.now();
        const status = await call(pool, headers, "GET", REPOSITORY);
        latencies.push(performance.now() - t0);
        if (status !== 200) errors++;
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - start) / 1000;
    const stats = await control<{ workers: Workers }>(url, "GET", "/_emulator/stats");
    latencies.sort((a, b) => a - b);
    return {
      auth,
      concurrency,
      requests: latencies.length,
      errors,
      seconds: Number(seconds.toFixed(2)),
      perSecond: Number((latencies.length / seconds).toFixed(1)),
      p50ms: Math.round(latencies[Math.floor(latencies.length / 2)] ?? 0),
      maxMs: Math.round(latencies[latencies.length - 1] ?? 0),
      workers: stats.workers,
    };
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", default: "64" },
      concurrency: { type: "string", default: "1,8" },
      repeat: { type: "string", default: "3" },
      cost: { type: "string", default: "quay" },
    },
  });
  const requests = Number(values.requests);
  const levels = values.concurrency.split(",").map(Number);
  const repeat = Math.max(1, Number(values.repeat));
  const emu = await startEmulatorProcess(values.cost);
  try {
    const { cost } = await control<{ cost: unknown }>(emu.url, "GET", "/_emulator/faults");
    // Seeding is not measured: the cost is switched off for it and back on after.
    await control(emu.url, "POST", "/_emulator/faults", {});
    const admin = new Pool(emu.url, { connections: 1 });
    const auth = { authorization: `Bearer ${emu.token}` };
    await call(admin, auth, "POST", "/api/v1/organization/", { name: "bench" });
    await call(admin, auth, "POST", "/api/v1/repository", {
      namespace: "bench",
      repository: "app",
      visibility: "public",
      description: "",
    });
    await admin.close();
    await control(emu.url, "POST", "/_emulator/faults", { cost });

    const results: Result[] = [];
    for (const a of ["token", "session"] as const) {
      for (const c of levels) {
        const runs: Result[] = [];
        for (let i = 0; i < repeat; i++) runs.push(await run(emu.url, emu.token, a, requests, c));
        runs.sort((x, y) => x.perSecond - y.perSecond);
        const median = runs[Math.floor(runs.length / 2)] as Result;
        results.push(median);
        const w = median.workers;
        console.log(
          `${a.padEnd(8)} concurrency ${String(c).padStart(2)}: ${String(median.perSecond).padStart(6)} req/s  p50 ${median.p50ms} ms  max ${median.maxMs} ms  ` +
            `(${median.requests} requests in ${median.seconds} s, ${median.errors} errors; peak queue ${w.peakWaiting}, ` +
            `worker-busy ${w.busyMs} ms, waited ${w.waitedMs} ms; runs ${runs.map((r) => r.perSecond).join(", ")} req/s)`,
        );
      }
    }
    console.log(JSON.stringify({ cost, requests, repeat, results }));
  } finally {
    emu.child.kill("SIGTERM");
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

/**
 * Emulator throughput (at least 3,000 simple GETs per second on loopback on the 2-core lab
 * machine). The emulator runs in its own process (the built CLI), the load generator here, so the two
 * do not share one event loop, as in real use.
 *
 *   npm run build && node bench/emulator-throughput.ts [--seconds 3] [--repeat 3] [--connections 16] [--url URL --token T]
 *
 * Each scenario is warmed up for a second, then measured `repeat` times; the median run is reported
 * (the lab machine is shared, so single runs are noisy).
 *
 * Node 24 runs this file directly (type stripping); it imports only Node built-ins and undici.
 * Results are printed as a table and as one JSON line; docs/emulator.md records the figures.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";

interface Scenario {
  name: string;
  method: "GET" | "PUT";
  path: (i: number) => string;
  body?: string;
}

interface Result {
  scenario: string;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

const root = path.resolve(path.dirname(process.argv[1] ?? "."), "..");

async function startEmulatorProcess(): Promise<{ url: string; token: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [path.join(root, "bin", "quay-gitops.js"), "emulator", "--port", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
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
  const ready = JSON.parse(line) as { url: string; token: string };
  return { ...ready, child };
}

async function call(pool: Pool, token: string, method: string, p: string, body?: string): Promise<number> {
  const res = await pool.request({
    method,
    path: p,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body,
  });
  await res.body.dump();
  return res.statusCode;
}

async function seed(pool: Pool, token: string): Promise<void> {
  const post = (p: string, b: unknown) => call(pool, token, "POST", p, JSON.stringify(b));
  await post("/api/v1/organization/", { name: "bench" });
  for (let i = 0; i < 10; i++) {
    await call(
      pool,
      token,
      "PUT",
      `/api/v1/organization/bench/team/team${i}`,
      JSON.stringify({ role: "member" }),
    );
    await post("/api/v1/repository", {
      namespace: "bench",
      repository: `repo${i}`,
      visibility: "private",
      description: "",
    });
  }
}

async function run(
  pool: Pool,
  token: string,
  s: Scenario,
  seconds: number,
  connections: number,
): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = i++;
      const t0 = performance.now();
      const status = await call(pool, token, s.method, s.path(n), s.body);
      latencies.push(performance.now() - t0);
      if (status >= 300) errors++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2));
  return {
    scenario: s.name,
    requests: latencies.length,
    errors,
    seconds: Number(elapsed.toFixed(2)),
    perSecond: Math.round(latencies.length / elapsed),
    p50ms: pct(0.5),
    p99ms: pct(0.99),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "3" },
      repeat: { type: "string", default: "3" },
      connections: { type: "string", default: "16" },
      url: { type: "string" },
      token: { type: "string" },
    },
  });
  const seconds = Number(values.seconds);
  const repeat = Math.max(1, Number(values.repeat));
  const connections = Number(values.connections);
  const external =
    values.url && values.token ? { url: values.url, token: values.token, child: undefined } : undefined;
  const emu = external ?? (await startEmulatorProcess());
  const pool = new Pool(emu.url, { connections, pipelining: 1 });
  try {
    await seed(pool, emu.token);
    const scenarios: Scenario[] = [
      { name: "GET /api/v1/organization/{orgname}", method: "GET", path: () => "/api/v1/organization/bench" },
      {
        name: "GET /api/v1/repository/{repository}",
        method: "GET",
        path: (n) => `/api/v1/repository/bench/repo${n % 10}`,
      },
      { name: "GET /api/v1/user/", method: "GET", path: () => "/api/v1/user/" },
      {
        name: "PUT /api/v1/organization/{orgname}/team/{teamname} (update)",
        method: "PUT",
        path: (n) => `/api/v1/organization/bench/team/team${n % 10}`,
        body: JSON.stringify({ role: "member" }),
      },
    ];
    const results: Result[] = [];
    for (const s of scenarios) {
      await run(pool, emu.token, s, 1, connections);
      const runs: Result[] = [];
      for (let i = 0; i < repeat; i++) runs.push(await run(pool, emu.token, s, seconds, connections));
      runs.sort((a, b) => a.perSecond - b.perSecond);
      results.push(runs[Math.floor(runs.length / 2)] as Result);
    }
    for (const r of results) {
      console.log(
        `${r.scenario.padEnd(62)} ${String(r.perSecond).padStart(7)} req/s  p50 ${r.p50ms} ms  p99 ${r.p99ms} ms  (${r.requests} requests, ${r.errors} errors)`,
      );
    }
    console.log(JSON.stringify({ connections, seconds, repeat, results }));
  } finally {
    await pool.close();
    emu.child?.kill("SIGTERM");
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

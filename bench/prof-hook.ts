/**
 * CPU profile of processes the engine kills before they can exit: the dynamic provider (Pulumi
 * stops plugins without a clean exit, so `node --cpu-prof` never writes its profile). Preload it in
 * the engine's environment:
 *
 *   NODE_OPTIONS="--require <project>/dist/bench/prof-hook.js" QG_PROF_DIR=/tmp/prof
 *
 * In every Node process whose command line matches QG_PROF_MATCH (default: the dynamic provider),
 * it profiles through the inspector and writes a `.cpuprofile` chunk every QG_PROF_CHUNK_MS
 * (default 5 s); bench/cpuprof.ts sums the chunks of one process.
 */
import * as fs from "node:fs";
import * as inspector from "node:inspector";
import * as path from "node:path";

const dir = process.env.QG_PROF_DIR;
const match = new RegExp(process.env.QG_PROF_MATCH ?? "dynamic-provider");
const chunkMs = Number(process.env.QG_PROF_CHUNK_MS ?? 5000);

if (dir && match.test(process.argv.join(" "))) {
  fs.mkdirSync(dir, { recursive: true });
  const session = new inspector.Session();
  session.connect();
  let chunk = 0;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))),
    );
  const start = () => post("Profiler.enable").then(() => post("Profiler.start"));
  const flush = async () => {
    const r = (await post("Profiler.stop")) as { profile: unknown };
    const file = path.join(dir, `CHUNK.${process.pid}.${String(chunk++).padStart(4, "0")}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(r.profile));
    await post("Profiler.start");
  };
  void start();
  const timer = setInterval(() => void flush().catch(() => {}), chunkMs);
  timer.unref();
}

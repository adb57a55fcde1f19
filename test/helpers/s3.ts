import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/engine/env";
import { freePort } from "./postgres";

/**
 * A throwaway S3-compatible server for tests: SeaweedFS (`weed server` with its S3 gateway), built from
 * the Go module proxy by scripts/ensure-seaweedfs and cached in .cache/seaweedfs. Every port is on
 * 127.0.0.1 and chosen free; `stop()` ends it and removes its data. Credentials are bucket-scoped like
 * the least-privilege identity docs/state.md recommends.
 */
export interface TestS3 {
  readonly endpoint: string;
  /** Access key limited to the first bucket passed to startS3 (Read/Write/List on it only). */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** `s3://bucket?endpoint=…&s3ForcePathStyle=true&region=us-east-1` for Pulumi. */
  backendUrl(bucket: string): string;
  /** AWS_* variables for the scoped identity. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** Path of `weed`, building it on first use (can take many minutes on a cold machine). */
export async function ensureWeed(): Promise<string> {
  const { stdout } = await run(path.join(projectRoot, "scripts", "ensure-seaweedfs"), [], {
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60 * 60 * 1000,
  });
  const bin = stdout.trim().split("\n").pop() ?? "";
  if (!fs.existsSync(bin)) throw new Error(`scripts/ensure-seaweedfs printed '${bin}', which does not exist`);
  return bin;
}

export async function startS3(buckets: string[]): Promise<TestS3> {
  const weed = await ensureWeed();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-s3-"));
  const accessKeyId = `qgtest${Math.random().toString(36).slice(2, 10)}`;
  const secretAccessKey = `secret-${Math.random().toString(36).slice(2)}`;
  const adminKey = `qgadmin${Math.random().toString(36).slice(2, 10)}`;
  const identities = {
    identities: [
      {
        name: "pulumi_state",
        credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
        actions: buckets.slice(0, 1).flatMap((b) => [`Read:${b}`, `Write:${b}`, `List:${b}`]),
      },
      {
        name: "admin",
        credentials: [{ accessKey: adminKey, secretKey: `admin-${Math.random().toString(36).slice(2)}` }],
        actions: ["Admin", "Read", "Write", "List", "Tagging"],
      },
    ],
  };
  fs.writeFileSync(path.join(dir, "s3.json"), JSON.stringify(identities), { mode: 0o600 });
  fs.mkdirSync(path.join(dir, "data"));
  const ports: number[] = [];
  // Distinct free ports: SeaweedFS otherwise puts each gRPC port at its HTTP port + 10000.
  while (ports.length < 8) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const args = [
    "server",
    `-dir=${path.join(dir, "data")}`,
    "-ip=127.0.0.1",
    "-ip.bind=127.0.0.1",
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    "-master.volumeSizeLimitMB=64",
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    "-volume.max=8",
    "-filer",
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${path.join(dir, "filer.sock")}`,
    "-s3",
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    `-s3.localSocket=${path.join(dir, "s3.sock")}`,
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    `-s3.config=${path.join(dir, "s3.json")}`,
  ];
  const logFile = path.join(dir, "weed.log");
  const out = fs.openSync(logFile, "a");
  const child: ChildProcess = spawn(weed, args, { cwd: dir, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${s3}`;

  const stop = async () => {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      // weed can take long to shut down gracefully; a test server's data is thrown away anyway.
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    // weed also leaves gRPC sockets in /tmp named after their ports.
    for (const f of fs.readdirSync(os.tmpdir())) {
      const m = /^seaweedfs-[a-z]+-grpc-(\d+)\.sock$/.exec(f);
      if (m && ports.includes(Number(m[1]))) fs.rmSync(path.join(os.tmpdir(), f), { force: true });
    }
  };

  try {
    // Ready when the S3 gateway answers (403 without credentials) and the buckets could be made.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) throw new Error("weed exited during start-up");
      const status = await fetch(`${endpoint}/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 0) break;
      if (Date.now() > deadline) throw new Error("the S3 gateway did not answer within 60 s");
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const bucket of buckets) {
      // `weed shell` reaches the master on its gRPC port with the host:port.grpcPort syntax.
      await runShell(weed, `127.0.0.1:${master}.${masterGrpc}`, `s3.bucket.create -name ${bucket}`, deadline);
    }
  } catch (e) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").slice(-3000) : "";
    await stop();
    throw new Error(`cannot start SeaweedFS: ${(e as Error).message}\n${tail}`, { cause: e });
  }

  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    backendUrl: (bucket) =>
      `s3://${bucket}?endpoint=${endpoint}&s3ForcePathStyle=true&region=us-east-1` +
      // SeaweedFS sends no response checksums; without this the AWS SDK warns on every read.
      "&response_checksum_validation=when_required",
    env: () => ({
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: "us-east-1",
    }),
    stop,
  };
}

async function runShell(weed: string, master: string, command: string, deadline: number): Promise<void> {
  for (;;) {
    const child = spawn(weed, ["shell", `-master=${master}`], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (c) => {
      output += c;
    });
    child.stderr?.on("data", (c) => {
      output += c;
    });
    child.stdin?.end(`${command}\n`);
    await new Promise<void>((resolve) => child.on("close", () => resolve()));
    if (/created bucket|already exists/i.test(output)) return;
    if (Date.now() > deadline) throw new Error(`weed shell '${command}' failed: ${output.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

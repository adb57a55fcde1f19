import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { LOCAL_DEV_PASSPHRASE } from "../../../src/engine/env";
import { type CliResult, createGitRepo, type GitRepo, runCli } from "../../helpers/git";
import { SAMPLE_SECRETS } from "../../helpers/lab";

// A Quay restart in the middle of an apply (docs/reliability.md): a gateway in front of the emulator
// answers 503 for every request for a few seconds from the first organization create on, as a
// proxy does while Quay restarts behind it. The apply waits, finishes, and its summary says so.

const OUTAGE_MS = 2_500;

interface Gateway {
  readonly url: string;
  /** 503s answered while "Quay" was down. */
  unavailable: number;
  close(): Promise<void>;
}

async function startGateway(target: string, startsOutage: (req: http.IncomingMessage) => boolean) {
  const up = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  let downUntil: number | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (downUntil === undefined && startsOutage(req)) downUntil = Date.now() + OUTAGE_MS;
      if (downUntil !== undefined && Date.now() < downUntil) {
        gateway.unavailable++;
        res.writeHead(503, { "content-type": "text/html" });
        res.end("<html><head><title>503 Service Unavailable</title></head></html>\n");
        return;
      }
      const upstream = http.request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent },
        (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const gateway: Gateway = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    unavailable: 0,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return gateway;
}

describe("an apply during a Quay restart", () => {
  let emu: RunningEmulator;
  let gateway: Gateway;
  let repo: GitRepo;
  let work: string;
  let apply: CliResult;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, quiet: true });
    gateway = await startGateway(
      emu.url,
      (req) => req.method === "POST" && req.url?.startsWith("/api/v1/organization/") === true,
    );
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-restart-"));
    const res = await fetch(`${emu.url}/api/v1/superuser/users/`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ username: "lab-automation", email: "automation@lab.example" }),
    });
    expect(res.status).toBe(200);
    repo = createGitRepo({ tenants: ["acme"] });
    apply = await runCli(
      ["apply", "--stack", "local", "--repo", repo.dir, "--backend", `file://${path.join(work, "state")}`],
      {
        QUAY_URL: gateway.url,
        QUAY_TOKEN: emu.token,
        QUAY_UNREACHABLE_TIMEOUT_SECONDS: "60",
        PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
        ...SAMPLE_SECRETS,
        GITHUB_ACTIONS: "",
        GITLAB_CI: "",
        QUAY_GITOPS_TENANTS_DIR: "",
        QUAY_GITOPS_REGISTRY_FILE: "",
        QUAY_GITOPS_REPO: "",
        QUAY_GITOPS_APPLY_BRANCH: "",
      },
    );
  }, 600_000);

  afterAll(async () => {
    await gateway?.close();
    await emu?.close();
    repo?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("waits for Quay, finishes, and the summary says how long Quay was unreachable", () => {
    expect(apply.code, apply.stderr).toBe(0);
    expect(gateway.unavailable).toBeGreaterThan(0);
    expect(apply.stdout).toMatch(
      /\n {2}Quay was unreachable for [\d.]+ s \(503 Service Unavailable\); the run waited and went on\n/,
    );
  });

  it("created the organization once: the create that met the 503s went through its landed() check", () => {
    const orgs = [...emu.store.accounts.values()].filter((a) => a.username === "acme");
    expect(orgs).toHaveLength(1);
    expect(emu.internalErrors).toEqual([]);
  });
});

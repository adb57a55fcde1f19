import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../../src/engine/env";
import { createGitRepo, type GitRepo } from "../../helpers/git";
import { SAMPLE_SECRETS } from "../../helpers/lab";

// The offline bundle (docs/airgap.md), as a disconnected lab runs it: `npm run bundle`'s tarball unpacked
// into an empty folder, every command run with `env -i` (only the bundle's bin/ and git on PATH, HOME
// in a temp folder, the npm registry, the Go module proxy and any HTTP proxy an unreachable address),
// the emulator started from the bundle, and the lab's own repository (tenants/ and stacks/, the stack's
// config file among them) pointed at with --repo. The bundle is built once (`--if-changed` keeps a
// tarball made from the same inputs), or taken from QUAY_GITOPS_BUNDLE. QUAY_GITOPS_AIRGAP_RECORD=FILE
// writes the commands and their output there (docs/airgap.md shows one run).

const UNREACHABLE = "http://127.0.0.1:9";
const STACK = "lab";

/** Every file, link and folder under `dir` with its content digest (or link target) and mode. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    const st = fs.lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.set(rel, `link ${fs.readlinkSync(abs)}`);
    else if (st.isDirectory()) {
      if (rel) out.set(rel, `dir ${mode}`);
      for (const name of fs.readdirSync(abs)) walk(path.join(rel, name));
    } else
      out.set(rel, `file ${mode} ${crypto.createHash("sha256").update(fs.readFileSync(abs)).digest("hex")}`);
  };
  walk("");
  return out;
}

/** What differs between two trees: added, removed and changed paths. */
function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [p, v] of after)
    if (before.get(p) !== v) out.push(before.has(p) ? `changed ${p}` : `added ${p}`);
  for (const p of before.keys()) if (!after.has(p)) out.push(`removed ${p}`);
  return out.sort();
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("the offline bundle runs the whole flow with no network, npm, Go or machine Node", () => {
  let work: string;
  let bundle: string;
  let home: string;
  let repo: GitRepo;
  let cleanEnv: string[];
  let emulator: ChildProcess;
  let emu: { url: string; token: string };
  let before: Map<string, string>;
  const transcript: string[] = [];

  /** `env -i <clean env> <command> <args>` in the repository, as a lab's CI job runs it. */
  const inBundle = (command: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const envArgs = [...cleanEnv, ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`)];
      const child = spawn("/usr/bin/env", ["-i", ...envArgs, command, ...args], {
        cwd: repo.dir,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      child.on("error", reject);
      child.on("close", (code) => {
        const shown = args
          .map((a) =>
            a
              .split(bundle)
              .join("$BUNDLE")
              .split(repo.dir)
              .join("$REPO")
              .split(emu.token)
              .join("$QUAY_TOKEN")
              .split(work)
              .join("$WORK"),
          )
          .join(" ");
        transcript.push(`$ ${command} ${shown}`, (stderr + stdout).trimEnd(), `(exit ${code})`, "");
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });

  const quayGitops = (args: string[], extraEnv: Record<string, string> = {}) =>
    inBundle("quay-gitops", args, extraEnv);

  const api = async <T = unknown>(method: string, p: string, body?: unknown, token = emu.token) => {
    const res = await fetch(`${emu.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
  };

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-airgap-"));
    let tarball = process.env.QUAY_GITOPS_BUNDLE;
    if (!tarball) {
      const started = Date.now();
      tarball = execFileSync(
        process.execPath,
        [path.join(projectRoot, "scripts", "bundle.mts"), "--if-changed"],
        {
          cwd: projectRoot,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        },
      )
        .trim()
        .split("\n")
        .pop()!;
      transcript.push(`# npm run bundle -- --if-changed: ${Math.round((Date.now() - started) / 1000)} s`);
    }
    transcript.push(
      `# ${path.basename(tarball)}: ${(fs.statSync(tarball).size / 1024 / 1024).toFixed(1)} MiB`,
      "",
    );

    const unpacked = path.join(work, "opt");
    fs.mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
    const [top, ...more] = fs.readdirSync(unpacked);
    expect(more).toEqual([]);
    bundle = path.join(unpacked, top!);
    before = tree(bundle);

    // The one machine tool the commands run besides /bin/sh: Git, for the lab repository.
    const tools = path.join(work, "tools");
    fs.mkdirSync(tools);
    fs.symlinkSync(
      execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(),
      path.join(tools, "git"),
    );
    home = path.join(work, "home");
    fs.mkdirSync(home);
    cleanEnv = [
      `PATH=${path.join(bundle, "bin")}:${tools}`,
      `HOME=${home}`,
      `npm_config_registry=${UNREACHABLE}`,
      `GOPROXY=${UNREACHABLE}`,
      `GOTOOLCHAIN=local`,
      `HTTP_PROXY=${UNREACHABLE}`,
      `HTTPS_PROXY=${UNREACHABLE}`,
      `http_proxy=${UNREACHABLE}`,
      `https_proxy=${UNREACHABLE}`,
      // The emulator is the lab's Quay here; everything else would go to the dead proxy.
      "NO_PROXY=127.0.0.1",
      "no_proxy=127.0.0.1",
    ];

    // The emulator, from the bundle too; its first stdout line says where it listens.
    emulator = spawn("/usr/bin/env", ["-i", ...cleanEnv, "quay-gitops", "emulator", "--port", "0"], {
      cwd: work,
      stdio: ["ignore", "pipe", "pipe"],
    });
    emu = await new Promise((resolve, reject) => {
      let buf = "";
      let err = "";
      emulator.stderr!.on("data", (d) => {
        err += d;
      });
      emulator.stdout!.on("data", (d) => {
        buf += d;
        const nl = buf.indexOf("\n");
        if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as { url: string; token: string });
      });
      emulator.on("exit", (code) => reject(new Error(`the emulator exited (${code}): ${err}`)));
    });
    transcript.push(`$ quay-gitops emulator --port 0 &`, `(listening on ${emu.url})`, "");
    // The registry file lists `lab-automation` as an existing user.
    await api("POST", "/api/v1/superuser/users/", {
      username: "lab-automation",
      email: "automation@lab.example",
    });

    // The lab's repository: tenant files, and the stack's registry file and config file (the Quay URL
    // is there; the token comes from the CI's secret variables).
    repo = createGitRepo({ tenants: ["acme", "globex", "initech"] });
    repo.remove("stacks/local.registry.yaml");
    repo.write(
      `stacks/${STACK}.registry.yaml`,
      fs.readFileSync(path.join(projectRoot, "stacks", "local.registry.yaml"), "utf8"),
    );
    repo.write(
      `stacks/Pulumi.${STACK}.yaml`,
      `config:\n  quay-gitops:url: ${emu.url}\n  quay-gitops:registryFile: stacks/${STACK}.registry.yaml\n`,
    );
    repo.commit("the lab stack");
  });

  afterAll(async () => {
    if (emulator && emulator.exitCode === null) {
      const exited = new Promise((r) => emulator.once("exit", r));
      emulator.kill("SIGTERM");
      await exited;
    }
    const record = process.env.QUAY_GITOPS_AIRGAP_RECORD;
    if (record) fs.writeFileSync(record, `${transcript.join("\n")}\n`);
    repo?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  // What the CI job has in its secret variables: the stack's passphrase and the mirrors' passwords. The
  // Quay token is in the stack's config file, encrypted, after the first preview.
  const secrets = () => ({ PULUMI_CONFIG_PASSPHRASE: "lab-stack-passphrase", ...SAMPLE_SECRETS });

  it("runs on the bundle's own Node and Pulumi CLI", async () => {
    const r = await quayGitops(["version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^quay-gitops \d+\.\d+\.\d+ \(Pulumi CLI v3\.\d+\.\d+, node v24\.\d+\.\d+\)$/m);
  });

  it("validate", async () => {
    const r = await quayGitops(["validate", "--repo", ".", "--registry", `stacks/${STACK}.registry.yaml`]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toBe("valid: 3 tenant files checked, 0 errors, 0 warnings, 0 notices\n");
  });

  let planned = 0;
  it("preview: the stack's first run puts its encryption salt into the repository's config file", async () => {
    const r = await quayGitops(
      ["preview", "--stack", STACK, "--repo", ".", "--json", path.join(work, "preview.json")],
      { ...secrets(), QUAY_TOKEN: emu.token },
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(work, "preview.json"), "utf8")) as {
      changes: { op: string }[];
    };
    planned = report.changes.length;
    expect(planned).toBeGreaterThan(50);
    expect(new Set(report.changes.map((c) => c.op))).toEqual(new Set(["create"]));
    expect(fs.readFileSync(path.join(repo.dir, "stacks", `Pulumi.${STACK}.yaml`), "utf8")).toMatch(
      /^encryptionsalt: v1:/m,
    );
  });

  it("bin/pulumi puts the Quay token into the repository's stack config file as a secret", async () => {
    const file = path.join(repo.dir, "stacks", `Pulumi.${STACK}.yaml`);
    const r = await inBundle(
      "pulumi",
      [
        "-C",
        bundle,
        "config",
        "set",
        "--secret",
        "quay-gitops:token",
        emu.token,
        "--stack",
        STACK,
        "--config-file",
        file,
      ],
      secrets(),
    );
    expect(r.code, r.stderr).toBe(0);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toMatch(/quay-gitops:token:\n\s+secure: v1:/);
    expect(text).not.toContain(emu.token);
    // What a lab admin does once: commit the stack's config file with its salt and secrets.
    repo.commit("the lab stack's encryption salt and Quay token");
  });

  it("apply creates every object, and a second apply has nothing to do", async () => {
    const r = await quayGitops(["apply", "--stack", STACK, "--repo", "."], secrets());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${planned} created, 0 updated, 0 replaced, 0 deleted`);
    expect((await api("GET", "/api/v1/organization/acme/team/developers/members")).status).toBe(200);

    const again = await quayGitops(["apply", "--stack", STACK, "--repo", "."], secrets());
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`nothing to apply on stack ${STACK}`);
  });

  it("drift: none after the apply, then an out-of-band change exits 2 and is named", async () => {
    const clean = await quayGitops(["drift", "--stack", STACK, "--repo", "."], secrets());
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`No drift: all ${planned} Quay objects match the last apply.`);

    const edit = await api("PUT", "/api/v1/organization/acme/team/developers", {
      role: "member",
      description: "Edited in the UI",
    });
    expect(edit.status).toBe(200);
    const r = await quayGitops(["drift", "--stack", STACK, "--repo", "."], secrets());
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain("acme/developers");
    expect(r.stdout).toContain("Edited in the UI");
  });

  it("changed nothing in the bundle but its state and cache folders, and nothing in HOME", () => {
    const after = tree(bundle);
    const changed = changes(before, after);
    const outside = changed.filter((c) => !/^(added|changed|removed) \.(state|cache)(\/|$)/.test(c));
    transcript.push(
      `# the bundle folder: ${before.size} paths before, ${after.size} after; changed outside .state/ and .cache/: ${outside.length === 0 ? "none" : outside.join(", ")}`,
      `# HOME: ${fs.readdirSync(home).length === 0 ? "empty" : fs.readdirSync(home).join(", ")}`,
    );
    expect(outside).toEqual([]);
    // The runs did use them: the local backend's state, the engine's home and the stack's project folder.
    expect(changed).toContain("added .state");
    expect(changed).toContain("added .cache/pulumi-home");
    expect(changed.some((c) => c.startsWith("added .cache/projects/"))).toBe(true);
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

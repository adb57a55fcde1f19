import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main";
import { openStack } from "../../../src/engine/automation";
import { startPostgres, type TestPostgres } from "../../helpers/postgres";
import {
  ITEMS,
  openProofStack,
  proofDir,
  removeStackConfig,
  stackConfigFile,
  TEST_PASSPHRASE,
  uniqueStack,
} from "./harness";
import { type KvServer, startKvServer } from "../../helpers/kv";

/** Runs `quay-gitops <args>` in-process; returns its exit code and what it wrote. */
async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    saved[k] = process.env[k];
    process.env[k] = env[k];
  }
  let out = "";
  let err = "";
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => {
    out += c;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => {
    err += c;
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

// `quay-gitops state backup` / `restore` over pulumi stack export/import; a backup
// restored into an empty backend gives a no-op preview; secrets stay encrypted in the file.
describe("state backup and restore", () => {
  let pg: TestPostgres;
  let kv: KvServer;
  let tmp: string;
  let source: string;
  const name = uniqueStack("bk");
  const env = { PGPASSWORD: "backup-test-pw", PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE };

  beforeAll(async () => {
    [pg, kv] = await Promise.all([startPostgres(), startKvServer()]);
    await pg.createDatabase("state_src", { user: "pulumi_ci", password: env.PGPASSWORD });
    await pg.query("CREATE DATABASE state_empty OWNER pulumi_ci");
    source = pg.backendUrl({ database: "state_src", user: "pulumi_ci" });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qg-state-backup-"));
    const stack = await openProofStack({ stack: name, backendUrl: source, kvUrl: kv.url, env });
    const up = await stack.up();
    expect(up.summary.resourceChanges?.create).toBe(4);
  });

  afterAll(async () => {
    removeStackConfig(name);
    await kv?.close();
    await pg?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const common = (backend: string) => ["--stack", name, "--backend", backend, "--project-dir", proofDir];

  it("backs up the state with secrets still encrypted", async () => {
    const file = path.join(tmp, "backup.json");
    const r = await cli(["state", "backup", file, ...common(source)], env);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/backed up stack .* 5 resources/);
    expect(r.out).not.toContain(env.PGPASSWORD);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toContain("proof-secret-value");
    expect(text).toContain("ciphertext");
    const parsed = JSON.parse(text) as {
      deployment: { secrets_providers: { type: string; state: { salt: string } } };
    };
    // The salt travels with the backup; it is the one in the stack's config file.
    expect(parsed.deployment.secrets_providers.type).toBe("passphrase");
    expect(fs.readFileSync(stackConfigFile(name), "utf8")).toContain(
      `encryptionsalt: ${parsed.deployment.secrets_providers.state.salt}`,
    );
  });

  it("restores into an empty postgres database; a refresh preview then shows no changes", async () => {
    const file = path.join(tmp, "backup.json");
    const target = pg.backendUrl({ database: "state_empty", user: "pulumi_ci", table: "restored" });
    const r = await cli(["state", "restore", file, ...common(target)], env);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/restored stack .* 5 resources \(config file .* kept\)/);
    const stack = await openStack({ stack: name, workDir: proofDir, backendUrl: target, env, create: false });
    const preview = await stack.preview({ refresh: true, expectNoChanges: true });
    expect(preview.changeSummary).toEqual({ same: 4 });
    expect(Object.fromEntries(kv.items)).toEqual(ITEMS);
  });

  it("restores into a fresh file backend without the stack's config file: the salt comes from the backup", async () => {
    const file = path.join(tmp, "backup.json");
    const target = `file://${path.join(tmp, "fresh-backend")}`;
    const saved = fs.readFileSync(stackConfigFile(name), "utf8");
    fs.rmSync(stackConfigFile(name));
    try {
      const r = await cli(["state", "restore", file, ...common(target)], env);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/passphrase salt from the backup written/);
      const salt = /encryptionsalt: (\S+)/.exec(saved)?.[1];
      expect(fs.readFileSync(stackConfigFile(name), "utf8")).toContain(`encryptionsalt: ${salt}`);
      // The config values themselves come from where the config lives (Git, for this project's stacks).
      const stack = await openProofStack({ stack: name, backendUrl: target, kvUrl: kv.url, env });
      const preview = await stack.preview({ refresh: true, expectNoChanges: true });
      expect(preview.changeSummary).toEqual({ same: 4 });
    } finally {
      fs.writeFileSync(stackConfigFile(name), saved);
    }
  });

  it("refuses a restore over existing resources, a wrong passphrase and a missing passphrase", async () => {
    const file = path.join(tmp, "backup.json");
    const target = pg.backendUrl({ database: "state_empty", user: "pulumi_ci", table: "restored" });
    const again = await cli(["state", "restore", file, ...common(target)], env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds 5 resources; .*--force/);

    const fresh = pg.backendUrl({ database: "state_empty", user: "pulumi_ci", table: "wrong_pass" });
    const wrong = await cli(["state", "restore", file, ...common(fresh)], {
      ...env,
      PULUMI_CONFIG_PASSPHRASE: "not it",
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/incorrect passphrase/);

    const none = await cli(["state", "restore", file, ...common(fresh)], {
      PGPASSWORD: env.PGPASSWORD,
      PULUMI_CONFIG_PASSPHRASE: "",
    });
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/needs its secrets passphrase .*PULUMI_CONFIG_PASSPHRASE/s);
  });

  it("refuses a backup written with --show-secrets", async () => {
    const bad = path.join(tmp, "plain.json");
    const d = JSON.parse(fs.readFileSync(path.join(tmp, "backup.json"), "utf8"));
    d.deployment.resources.push({
      urn: "x",
      outputs: {
        v: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: '"s"' },
      },
    });
    fs.writeFileSync(bad, JSON.stringify(d));
    const r = await cli(["state", "restore", bad, ...common(source)], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/plaintext/);
  });
});

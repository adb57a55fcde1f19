import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { LOCAL_DEV_PASSPHRASE } from "../../../src/engine/env";
import { runCli } from "../../helpers/git";

// Secrets: after the demo, a PR preview and a drift run, no robot token and no mirror or
// proxy-cache password appears in any output: stdout, stderr, the Markdown and JSON reports, or the
// state (every file of the backend, history included; secrets there are ciphertext only).

/** The demo's values for the sample tenants' `passwordFrom: { env }`, and the local stack's config secret. */
const PASSWORDS = [
  "demo-only-acme",
  "demo-only-globex",
  "demo-only-initech",
  "local-demo-not-a-real-password",
];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe("no secret in any output", () => {
  let work: string;
  let emu: RunningEmulator | undefined;
  const outputs: { what: string; text: string }[] = [];
  let tokens: string[] = [];

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-secrets-"));
    const backend = `file://${path.join(work, "state")}`;
    const emulatorState = path.join(work, "emulator.json");
    const clean = {
      QUAY_GITOPS_TENANTS_DIR: "",
      QUAY_GITOPS_REGISTRY_FILE: "",
      QUAY_GITOPS_REPO: "",
      GITHUB_ACTIONS: "",
    };
    // Unset so the demo supplies its own values (the ones in PASSWORDS).
    for (const k of [
      "ACME_MIRROR_PASSWORD",
      "GLOBEX_MIRROR_PASSWORD",
      "INITECH_DOCKERHUB_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
    ])
      delete process.env[k];

    const demo = await runCli(
      ["demo", "--port", "0", "--backend", backend, "--emulator-state", emulatorState],
      clean,
    );
    expect(demo.code, demo.stderr).toBe(0);
    outputs.push({ what: "demo stdout", text: demo.stdout }, { what: "demo stderr", text: demo.stderr });

    // The same registry again (the emulator keeps its data in the state file), for the preview and drift.
    emu = await startEmulator({ port: 0, stateFile: emulatorState });
    const state = emu.store.snapshot({ redact: false });
    tokens = state.accounts.flatMap((a) => (a.robotToken ? [a.robotToken] : []));
    expect(tokens.length).toBeGreaterThan(5);
    const env = {
      ...clean,
      QUAY_URL: emu.url,
      QUAY_TOKEN: emu.token,
      // The local stack's development passphrase; on a backend of its own the CLI wants it said.
      PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
      ACME_MIRROR_PASSWORD: PASSWORDS[0]!,
      GLOBEX_MIRROR_PASSWORD: PASSWORDS[1]!,
      INITECH_DOCKERHUB_TOKEN: PASSWORDS[2]!,
    };
    const reports = path.join(work, "reports");
    fs.mkdirSync(reports);
    const preview = await runCli(
      [
        "preview",
        "--stack",
        "local",
        "--backend",
        backend,
        "--markdown",
        path.join(reports, "preview.md"),
        "--json",
        path.join(reports, "preview.json"),
      ],
      env,
    );
    expect(preview.code, preview.stderr).toBe(0);
    outputs.push(
      { what: "preview stdout", text: preview.stdout },
      { what: "preview stderr", text: preview.stderr },
    );

    // Something to report: a robot's token regenerated and a mirror's credentials changed behind our back.
    const call = (method: string, p: string, body?: unknown) =>
      fetch(`${emu!.url}${p}`, {
        method,
        headers: { authorization: `Bearer ${emu!.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const regen = (await (await call("POST", "/api/v1/organization/acme/robots/ci/regenerate")).json()) as {
      token: string;
    };
    tokens.push(regen.token);
    await call("PUT", "/api/v1/repository/acme/ubi9/mirror", {
      external_registry_username: "someone",
      external_registry_password: "changed-behind-our-back",
      sync_interval: 60,
    });
    const drift = await runCli(
      [
        "drift",
        "--stack",
        "local",
        "--backend",
        backend,
        "--markdown",
        path.join(reports, "drift.md"),
        "--json",
        path.join(reports, "drift.json"),
      ],
      env,
    );
    expect(drift.code, drift.stderr).toBe(2);
    outputs.push({ what: "drift stdout", text: drift.stdout }, { what: "drift stderr", text: drift.stderr });
    for (const f of fs.readdirSync(reports))
      outputs.push({ what: `report ${f}`, text: fs.readFileSync(path.join(reports, f), "utf8") });
    for (const f of filesUnder(path.join(work, "state")))
      outputs.push({ what: `state ${path.relative(work, f)}`, text: fs.readFileSync(f, "utf8") });
  }, 900_000);

  afterAll(async () => {
    await emu?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("collected every output", () => {
    const kinds = outputs.map((o) => o.what.split(" ")[0]);
    expect(new Set(kinds)).toEqual(new Set(["demo", "preview", "drift", "report", "state"]));
    expect(outputs.filter((o) => o.what.startsWith("report"))).toHaveLength(4);
    // The drift report does name what changed.
    expect(outputs.find((o) => o.what === "report drift.md")?.text).toContain("syncIntervalSeconds");
  });

  it("shows no robot token, mirror password or proxy-cache password anywhere", () => {
    const hits: string[] = [];
    for (const secret of [...tokens, ...PASSWORDS, "changed-behind-our-back"]) {
      for (const o of outputs) if (o.text.includes(secret)) hits.push(`${o.what}: ${secret.slice(0, 6)}…`);
    }
    expect(hits).toEqual([]);
  });
});

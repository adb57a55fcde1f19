import * as path from "node:path";
import { openStack } from "../../engine/automation";
import { LOCAL_DEV_PASSPHRASE, LOCAL_STACK, localBackendUrl, projectRoot } from "../../engine/env";
import { mapEngineError } from "../../engine/errors";
import { UsageError } from "../../errors";
import { QuaySession } from "../../quay/api/session";
import { createUser, getUser } from "../../quay/api/users";
import { QuayConnection } from "../../quay/connection";
import type { Command } from "../command";
import { parseCommandArgs } from "../options";

/** The lab admins' service account the registry file names as an existing user (stacks/local.registry.yaml). */
const AUTOMATION_USER = { name: "lab-automation", email: "automation@lab.example" };

/**
 * Creates the automation account in the emulator unless it is there (the emulator keeps its data in
 * .state/ between demos). Through the Quay client, so a refused create is an error with Quay's answer.
 */
async function ensureAutomationUser(url: string, token: string): Promise<void> {
  const client = new QuayConnection({ url, token }).client({ userAgent: "quay-gitops demo" });
  try {
    const s = new QuaySession(client);
    if (!(await getUser(s, AUTOMATION_USER.name)))
      await createUser(s, AUTOMATION_USER.name, AUTOMATION_USER.email);
  } finally {
    await client.close();
  }
}

/** Values for the sample tenants' `passwordFrom: { env: ... }` references, for the demo only. */
const DEMO_SECRETS: Record<string, string> = {
  ACME_MIRROR_PASSWORD: "demo-only-acme",
  GLOBEX_MIRROR_PASSWORD: "demo-only-globex",
  INITECH_DOCKERHUB_TOKEN: "demo-only-initech",
};

const HELP = `usage: quay-gitops demo [--keep] [--port N] [--backend URL] [--emulator-state FILE]

Starts the Quay emulator (state kept in .state/emulator.json), applies tenants/ to it with the real
Pulumi engine on the \`local\` stack (file backend in .state/), and prints what exists per tenant.
  --keep                 keep the emulator running afterwards (Ctrl-C stops it)
  --port N               emulator port (default 8787; 0 picks a free one)
  --backend URL          state backend of the local stack (default: the file backend in .state/)
  --emulator-state FILE  where the emulator keeps its data between runs (default .state/emulator.json)

Exit status: 0 applied, 1 failed, 2 usage error, 4 the stack is locked by another run.
`;

export const command: Command = {
  name: "demo",
  summary: "start the emulator and apply the sample tenants with the real engine",
  async run(args) {
    const parsed = parseCommandArgs<{
      keep?: boolean;
      port?: string;
      backend?: string;
      "emulator-state"?: string;
    }>(args, {
      options: {
        keep: { type: "boolean" },
        port: { type: "string" },
        backend: { type: "string" },
        "emulator-state": { type: "string" },
      },
      help: HELP,
    });
    if (!parsed) return 0;
    const { values } = parsed;
    const port = values.port === undefined ? 8787 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be an integer between 0 and 65535, not '${values.port}'`);
    const { startEmulator } = await import("../../../emulator/index.js");
    const emu = await startEmulator({
      port,
      stateFile: values["emulator-state"] ?? path.join(projectRoot, ".state", "emulator.json"),
      quiet: true,
    });
    const say = (s: string) => process.stdout.write(`${s}\n`);
    try {
      say(`emulator: ${emu.url} (admin token ${emu.token})`);
      await ensureAutomationUser(emu.url, emu.token);
      const env: Record<string, string> = { QUAY_URL: emu.url, QUAY_TOKEN: emu.token };
      for (const [k, v] of Object.entries(DEMO_SECRETS)) env[k] = process.env[k] ?? v;
      // The local stack's config (stacks/Pulumi.local.yaml) is encrypted with the development passphrase.
      if (!process.env.PULUMI_CONFIG_PASSPHRASE && !process.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
        env.PULUMI_CONFIG_PASSPHRASE = LOCAL_DEV_PASSPHRASE;
      }
      const backendUrl = values.backend ?? localBackendUrl();
      say(`stack: ${LOCAL_STACK} on ${backendUrl}\n`);
      // A locked stack or a failed update: the typed error (exit 4 for a lock), not the CLI's raw text.
      const up = await openStack({ stack: LOCAL_STACK, backendUrl, env })
        .then((stack) => stack.up({ refresh: true, onOutput: (s) => process.stdout.write(s) }))
        .catch((e: unknown) => {
          throw mapEngineError(e, { stack: LOCAL_STACK, backendUrl });
        });
      const outputs = up.outputs.tenants?.value as Record<string, Record<string, unknown>> | undefined;
      say("\nWhat exists now, per tenant:");
      for (const [name, t] of Object.entries(outputs ?? {})) {
        const list = (k: string) => ((t[k] as string[] | undefined) ?? []).join(", ") || "-";
        say(`  ${name} (${t.file}): organization ${t.organization}`);
        say(`    users: ${list("users")}`);
        say(`    robots: ${list("robots")}`);
        say(`    teams: ${list("teams")}`);
        say(`    repositories: ${list("repositories")}`);
        say(`    mirrors: ${list("mirrors")}`);
      }
      say(`
Look around:
  curl -H 'Authorization: Bearer ${emu.token}' ${emu.url}/api/v1/organization/acme
  curl ${emu.url}/_emulator/stats
  source scripts/env && QUAY_URL=${emu.url} QUAY_TOKEN=${emu.token} pulumi stack output --stack local
  (or with a session instead of the token: QUAY_USERNAME=admin QUAY_PASSWORD=${emu.password})
  (robot tokens: npx quay-gitops tokens --stack local)`);
      if (values.keep) {
        say("\nThe emulator keeps running; Ctrl-C stops it.");
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
      }
      return 0;
    } finally {
      await emu.close();
    }
  },
};

import * as fs from "node:fs";
import * as path from "node:path";
import { stackConfigPath } from "../../engine/backend";
import { projectRoot } from "../../engine/env";
import { UsageError } from "../../errors";
import type { Command } from "../command";
import { COMMON_HELP, parseOptions } from "../gitops";
import { addSecrets, err, out, progress } from "../output";

const HELP = `usage: quay-gitops init --stack S [--tenants-dir DIR] [--force]

Writes a new stack's two files from the live registry, so a lab that already runs a Quay can start:
  stacks/Pulumi.<S>.yaml      the stack config: Quay's URL (and the account, for a session), where
                              the tenant files and the registry file are; never a secret
  stacks/<S>.registry.yaml    the registry file: Quay's feature flags and TAG_EXPIRATION_OPTIONS
                              (from its /config), users no tenant will own (superusers, the account,
                              members of several organizations or of none), restrictions for the
                              user names tenants will own
The connection comes from the environment: QUAY_URL with QUAY_TOKEN, or with QUAY_USERNAME and
QUAY_PASSWORD. Reads only. Next: quay-gitops export --all --out tenants (docs/onboarding.md).

  --tenants-dir DIR  where the tenant files will be (default tenants)
  --force            overwrite files that exist
${COMMON_HELP}

Exit status: 0 written, 1 an error (nothing written), 2 usage error.
`;

export const command: Command = {
  name: "init",
  summary: "write a stack config and registry file for an existing Quay, from what it reports",
  async run(args) {
    const values = parseOptions<{
      stack?: string;
      backend?: string;
      repo?: string;
      "tenants-dir"?: string;
      force?: boolean;
      help?: boolean;
    }>(args, { "tenants-dir": { type: "string" }, force: { type: "boolean" } }, HELP);
    if (!values) return 0;
    const stack = values.stack;
    if (!stack) throw new UsageError(`--stack S is required\n${HELP}`);
    const short = stack.split("/").pop() ?? stack;
    if (!/^[A-Za-z0-9_.-]+$/.test(short)) throw new UsageError(`--stack: not a stack name: ${stack}`);
    const env = process.env;
    addSecrets(
      ["QUAY_TOKEN", "QUAY_PASSWORD", "PULUMI_CONFIG_PASSPHRASE"]
        .map((k) => env[k])
        .filter((v): v is string => !!v),
    );
    const repo = path.resolve(values.repo ?? env.QUAY_GITOPS_REPO ?? projectRoot);
    const registryFile = `stacks/${short}.registry.yaml`;
    const tenantsDir = values["tenants-dir"] ?? "tenants";
    const configFile = stackConfigPath(projectRoot, stack);
    const registryAbs = path.join(repo, registryFile);
    const existing = [configFile, registryAbs].filter((f) => fs.existsSync(f));
    if (existing.length > 0 && !values.force) {
      err(
        `quay-gitops init: these files exist; nothing was written (use --force to overwrite them):\n${existing.map((f) => `  ${path.relative(process.cwd(), f)}\n`).join("")}`,
      );
      return 1;
    }
    const { runInit } = await import("../../gitops/export.js");
    const { stackConfigText } = await import("../../export/stack.js");
    const now = new Date();
    {
      // The connection of the environment alone: the stack config does not exist yet.
      const outcome = await runInit(
        {
          stack: undefined,
          projectDir: projectRoot,
          repo,
          backendUrl: values.backend,
          env,
          log: progress,
          now,
        },
        { stackName: short, registryFile },
      );
      addSecrets(outcome.secrets);
      const insecure = env.QUAY_INSECURE_SKIP_TLS_VERIFY === "true";
      const config = stackConfigText({
        stack: short,
        url: outcome.url,
        username: outcome.auth === "session" ? outcome.username : undefined,
        caFile: env.QUAY_CA_FILE || undefined,
        insecureSkipTlsVerify: insecure,
        registryFile,
        tenantsDir,
        now,
      });
      fs.mkdirSync(path.dirname(configFile), { recursive: true });
      fs.writeFileSync(configFile, config);
      fs.mkdirSync(path.dirname(registryAbs), { recursive: true });
      fs.writeFileSync(registryAbs, outcome.result.registry);
      for (const n of outcome.result.notes) err(`note: ${n.message}\n`);
      const live = outcome.live;
      const features = Object.entries(live.registry.features)
        .map(([k, v]) => `${k} ${v ? "on" : "off"}`)
        .join(", ");
      const rel = (f: string) => path.relative(process.cwd(), f) || ".";
      out(
        [
          `stack ${short}: ${outcome.url} (${outcome.auth === "session" ? `session of ${outcome.username}` : "token"}, ${live.superUser ? "a superuser" : "not a superuser: users and quotas cannot be managed"})`,
          `wrote ${rel(configFile)} and ${rel(registryAbs)}`,
          `features (${live.registry.featureSource === "config" ? "Quay's /config" : live.registry.featureSource === "discovery" ? "probed" : "not detected"}): ${features || "none detected"}`,
          `tag expiration options: ${(live.registry.tagExpirationOptions ?? ["(Quay's defaults)"]).join(", ")}`,
          `users no tenant will own (users.existing): ${outcome.result.existingUsers.map((u) => u.name).join(", ") || "none"}`,
          `${outcome.requests.total} requests${outcome.requests.signIn ? ` and ${outcome.requests.signIn} to sign in` : ""}, no write`,
          `next: quay-gitops export --all --stack ${short} --out ${tenantsDir} (docs/onboarding.md)`,
          "",
        ].join("\n"),
      );
      return 0;
    }
  },
};

import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../engine/env";
import { UsageError } from "../../errors";
import type { Command } from "../command";
import { COMMON_HELP, parseOptions, renderValidation } from "../gitops";
import { addSecrets, err, out, progress } from "../output";

const HELP = `usage: quay-gitops export (--org NAME... | --all) --out DIR [--registry-out FILE] [--stack S]
                          [--no-notifications] [--no-federation] [--force]

Writes what Quay holds as tenant files: one file per organization (DIR/<organization>.yaml) with its
e-mail and tag expiration, quota, users (those who are members of this organization only), robots
(never their tokens), teams and members, default permissions, repositories with visibility,
description and grants, mirrors (every setting; a password becomes passwordFrom: { env: NAME } with a
comment naming the secret to provide), prune and immutability policies, notifications (a webhook or
Slack URL that holds a token becomes urlFrom: { env: NAME }, never written), robots' OIDC federation,
synced teams' groups (read as a superuser) and the proxy cache. Applied as they are, the files
change nothing: the first apply adopts every object and sends no write to Quay. What the format
cannot express is listed on stderr and as a comment in the file it concerns. Reads only
(docs/onboarding.md).

  --org NAME         an organization to export (repeatable)
  --all              every organization the account sees (a superuser sees all)
  --out DIR          where the tenant files go (e.g. tenants)
  --registry-out FILE  also write a registry file skeleton (e.g. stacks/lab.registry.yaml): detected
                     feature flags, tag expiration options, users no tenant owns (superusers, members of
                     several organizations or none) and restrictions the exported names satisfy
  --no-notifications do not read repository notifications: one request less per repository (Quay
                     lists them per repository only); the files then leave them alone
  --no-federation    do not read robots' OIDC federation: one request less per robot (Quay has no
                     list of them); the files then leave every robot's list alone
  --force            overwrite files that exist
${COMMON_HELP}
Without a stack (--stack or $QUAY_GITOPS_STACK), the connection comes from the environment alone.

Exit status: 0 written and valid, 1 written but invalid (the diagnostics say why) or an error (nothing
written), 2 usage error.
`;

export const command: Command = {
  name: "export",
  summary: "write tenant files (and a registry file) from the organizations Quay holds",
  async run(args) {
    const values = parseOptions<{
      stack?: string;
      backend?: string;
      repo?: string;
      org?: string[];
      all?: boolean;
      out?: string;
      "registry-out"?: string;
      force?: boolean;
      "no-notifications"?: boolean;
      "no-federation"?: boolean;
      help?: boolean;
    }>(
      args,
      {
        org: { type: "string", multiple: true },
        all: { type: "boolean" },
        out: { type: "string" },
        "registry-out": { type: "string" },
        force: { type: "boolean" },
        "no-notifications": { type: "boolean" },
        "no-federation": { type: "boolean" },
      },
      HELP,
    );
    if (!values) return 0;
    const orgs = values.org ?? [];
    if (!values.all && orgs.length === 0)
      throw new UsageError(`name organizations with --org, or --all\n${HELP}`);
    if (values.all && orgs.length > 0) throw new UsageError(`--org and --all exclude each other\n${HELP}`);
    if (!values.out) throw new UsageError(`--out DIR is required\n${HELP}`);
    const env = process.env;
    const stack = values.stack ?? (env.QUAY_GITOPS_STACK || undefined);
    const registryOut = values["registry-out"];
    const stackName =
      stack?.split("/").pop() ??
      (registryOut ? path.basename(registryOut).replace(/\.registry\.ya?ml$|\.ya?ml$/, "") : "default");
    addSecrets(
      ["QUAY_TOKEN", "QUAY_PASSWORD", "PULUMI_CONFIG_PASSPHRASE"]
        .map((k) => env[k])
        .filter((v): v is string => !!v),
    );
    const outDir = path.resolve(values.out);
    const repo = path.resolve(values.repo ?? env.QUAY_GITOPS_REPO ?? projectRoot);
    // Without --registry-out, the files are checked against the stack's registry file when it exists.
    const { readStackSettings } = await import("../../gitops/settings.js");
    const stackRegistry = stack
      ? path.resolve(repo, readStackSettings({ projectDir: projectRoot, stack, env }).registryFile)
      : undefined;
    const checkAgainst = registryOut
      ? undefined
      : stackRegistry && fs.existsSync(stackRegistry)
        ? stackRegistry
        : undefined;
    const { runExport, validateExport } = await import("../../gitops/export.js");
    const now = new Date();
    {
      const outcome = await runExport(
        {
          stack,
          projectDir: projectRoot,
          repo,
          backendUrl: values.backend,
          env,
          log: progress,
          now,
        },
        {
          organizations: orgs,
          all: values.all === true,
          notifications: values["no-notifications"] !== true,
          federation: values["no-federation"] !== true,
          stackName,
          registryFile:
            registryOut ??
            (checkAgainst ? path.relative(process.cwd(), checkAgainst) : `stacks/${stackName}.registry.yaml`),
        },
      );
      addSecrets(outcome.secrets);
      const { result } = outcome;
      if (result.tenants.length === 0) {
        err("quay-gitops export: the account sees no organization; nothing written\n");
        return 1;
      }
      const targets = result.tenants.map((t) => path.join(outDir, t.file));
      if (registryOut) targets.push(path.resolve(registryOut));
      const existing = targets.filter((f) => fs.existsSync(f));
      if (existing.length > 0 && !values.force) {
        err(
          `quay-gitops export: these files exist; nothing was written (use --force to overwrite them):\n${existing.map((f) => `  ${path.relative(process.cwd(), f)}\n`).join("")}`,
        );
        return 1;
      }
      fs.mkdirSync(outDir, { recursive: true });
      for (const t of result.tenants) fs.writeFileSync(path.join(outDir, t.file), t.text);
      if (registryOut) {
        fs.mkdirSync(path.dirname(path.resolve(registryOut)), { recursive: true });
        fs.writeFileSync(path.resolve(registryOut), result.registry);
      }

      for (const n of result.notes)
        err(`not expressed: ${n.organization ? `${n.organization}: ` : ""}${n.message}\n`);
      for (const u of outcome.unreachable) err(`${u}\n`);
      if (values["no-notifications"])
        err(
          "not read: repository notifications (--no-notifications); any the organizations have are not listed\n",
        );
      if (values["no-federation"])
        err(
          "not read: robots' OIDC federation (--no-federation); the files leave every robot's list alone\n",
        );

      const rel = (f: string) => path.relative(process.cwd(), f) || ".";
      const tenantsDir = rel(outDir);
      const registryPath = registryOut
        ? rel(path.resolve(registryOut))
        : checkAgainst
          ? rel(checkAgainst)
          : "stacks/registry.yaml";
      const registryText =
        checkAgainst && !registryOut ? fs.readFileSync(checkAgainst, "utf8") : result.registry;
      const load = validateExport(result, { path: registryPath, text: registryText }, tenantsDir, now);
      const against =
        registryOut || checkAgainst
          ? ` against ${registryPath}`
          : " against the registry skeleton the export would write";
      const requests = outcome.requests.total;
      const perObject = result.objects > 0 ? (requests / result.objects).toFixed(2) : "-";
      const lines = [
        `exported ${result.tenants.length} organization${result.tenants.length === 1 ? "" : "s"} from ${outcome.live.url} into ${tenantsDir}/: ${result.tenants.map((t) => t.file).join(", ")}`,
        `${result.objects} objects in ${requests} requests (${perObject} per object)${outcome.requests.signIn ? ` and ${outcome.requests.signIn} to sign in` : ""}, no write`,
      ];
      if (registryOut) lines.push(`registry file: ${registryPath}`);
      else if (result.existingUsers.length > 0 && !checkAgainst)
        lines.push(
          `the registry file must list these users under users.existing (or write a skeleton with --registry-out): ${result.existingUsers.map((u) => `${u.name} (${u.reason})`).join("; ")}`,
        );
      if (result.secrets.length > 0) {
        lines.push("secrets to provide for every preview and apply (Quay never returns them):");
        for (const s of result.secrets) lines.push(`  ${s.env}: ${s.what}`);
      }
      if (result.notes.length > 0)
        lines.push(`${result.notes.length} thing(s) not expressed: listed above and in the files' comments`);
      const invalid = load.diagnostics.some((d) => d.severity === "error");
      lines.push(
        invalid
          ? `the exported files do not validate${against}:`
          : `valid${against}; next: review, commit, then quay-gitops preview --stack ${stack ?? "S"} (docs/onboarding.md)`,
      );
      out(`${lines.join("\n")}\n`);
      if (invalid) {
        err(renderValidation(load));
        return 1;
      }
      return 0;
    }
  },
};

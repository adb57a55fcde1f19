import * as path from "node:path";
import { LOCAL_STACK } from "../../engine/env";
import { UsageError } from "../../errors";
import type { Command } from "../command";
import { parseCommandArgs } from "../options";

const HELP = `usage: quay-gitops state backup FILE  [--stack S] [--backend URL]
       quay-gitops state restore FILE [--stack S] [--backend URL] [--force]

backup   writes the stack's state to FILE: the JSON of \`pulumi stack export\`, secrets still encrypted
         (never --show-secrets), file mode 0600. Pulumi needs the stack's passphrase to read the state.
restore  imports FILE into the stack on the chosen backend, creating the stack there if needed (an empty
         backend is fine). Needs the stack's passphrase (PULUMI_CONFIG_PASSPHRASE or _FILE); the salt comes
         from the stack's config file, or from the backup when that file has none. Then run a preview.

  --stack S          the stack (default: $QUAY_GITOPS_STACK, else ${LOCAL_STACK}; restore: the backup's stack)
  --backend URL      file:///abs/path, postgres://user@host:port/db?sslmode=…&table=…, or
                     s3://bucket?endpoint=…&s3ForcePathStyle=true&region=… (default: $PULUMI_BACKEND_URL, else
                     the local file backend in .state/). Put passwords in PGPASSWORD / AWS_* variables.
  --force            restore over a stack that already holds resources
  --project-dir DIR  the Pulumi project folder (default: the quay-gitops project)

Exit status: 0 done, 1 failed, 2 usage error, 4 the stack is locked by another run (docs/state.md).
`;

export const command: Command = {
  name: "state",
  summary: "back up or restore a stack's state (pulumi stack export/import), secrets kept encrypted",
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs<{
      stack?: string;
      backend?: string;
      force?: boolean;
      "project-dir"?: string;
    }>(args, {
      options: {
        stack: { type: "string", short: "s" },
        backend: { type: "string" },
        force: { type: "boolean" },
        "project-dir": { type: "string" },
      },
      help: HELP,
      positionals: true,
    });
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const [action, file, ...extra] = positionals;
    if ((action !== "backup" && action !== "restore") || !file || extra.length > 0) {
      throw new UsageError(`expected 'backup FILE' or 'restore FILE'\n${HELP}`);
    }
    if (values.force && action !== "restore") throw new UsageError("--force only applies to restore");
    const workDir = values["project-dir"] ? path.resolve(values["project-dir"]) : undefined;
    const backendUrl = values.backend;
    // Loaded here so `state --help` never starts the engine.
    const state = await import("../../engine/state.js");
    if (action === "backup") {
      const stackName = values.stack ?? process.env.QUAY_GITOPS_STACK ?? LOCAL_STACK;
      const r = await state.backupStack(file, {
        stack: stackName,
        ...(backendUrl !== undefined ? { backendUrl } : {}),
        ...(workDir !== undefined ? { workDir } : {}),
      });
      process.stdout.write(
        `backed up stack '${stackName}' from ${r.backend}: ${r.resources} resources, ${r.bytes} bytes, secrets encrypted -> ${r.file}\n`,
      );
      return 0;
    }
    const origin = state.backupOrigin(state.readBackup(file));
    const stackName = values.stack ?? origin?.stack ?? process.env.QUAY_GITOPS_STACK ?? LOCAL_STACK;
    const r = await state.restoreStack(file, {
      stack: stackName,
      ...(backendUrl !== undefined ? { backendUrl } : {}),
      ...(workDir !== undefined ? { workDir } : {}),
      force: values.force ?? false,
    });
    const cfg =
      r.config === "kept"
        ? `config file ${r.configFile} kept`
        : `passphrase salt from the backup written to ${r.configFile}`;
    process.stdout.write(
      `restored stack '${stackName}' on ${r.backend}: ${r.resources} resources (${cfg}).\n` +
        "Next: a preview with --refresh should show no changes (quay-gitops preview, or pulumi preview --refresh).\n",
    );
    return 0;
  },
};

import type { Command } from "../command";
import { COMMON_HELP, parseOptions, runContext } from "../gitops";

const HELP = `usage: quay-gitops tokens --stack S [--tenant T]... [--robot ORG+NAME]... [--json]

Prints the tokens of the robot accounts quay-gitops manages (what a partner's CI or cluster pull secret
needs), read from the stack's state with its secrets decrypted (it needs the secrets passphrase, like
\`pulumi stack output --show-secrets\`). Nothing is read from Quay. One line per robot: its full name
and its token; --json prints {"<tenant>": {"<org+robot>": "<token>"}}.

  --tenant T         only the robots of tenant T (repeatable)
  --robot ORG+NAME   only this robot (repeatable)
  --json             JSON instead of lines
${COMMON_HELP}

Exit status: 0 printed (also when nothing matched), 1 the state could not be read, 2 usage error.
`;

export const command: Command = {
  name: "tokens",
  summary: "print the tokens of the managed robot accounts, from the stack's state",
  async run(args) {
    const values = parseOptions<{
      stack?: string;
      backend?: string;
      repo?: string;
      tenant?: string[];
      robot?: string[];
      json?: boolean;
      help?: boolean;
    }>(
      args,
      {
        tenant: { type: "string", multiple: true },
        robot: { type: "string", multiple: true },
        json: { type: "boolean" },
      },
      HELP,
    );
    if (!values) return 0;
    const ctx = runContext(values);
    const { engineRobotTokens } = await import("../../gitops/engine.js");
    const all = await engineRobotTokens({
      stack: ctx.stack,
      backendUrl: ctx.backendUrl,
      workDir: ctx.projectDir,
      env: {},
      create: false,
    });
    const tenants = new Set(values.tenant ?? []);
    const robots = new Set(values.robot ?? []);
    const picked = all.filter(
      (r) => (tenants.size === 0 || tenants.has(r.tenant)) && (robots.size === 0 || robots.has(r.robot)),
    );
    if (values.json) {
      const doc: Record<string, Record<string, string>> = {};
      for (const r of picked) doc[r.tenant] = { ...doc[r.tenant], [r.robot]: r.token };
      // Written without the secret filter on purpose: the tokens are what was asked for.
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      process.stdout.write(picked.map((r) => `${r.robot} ${r.token}\n`).join(""));
    }
    return 0;
  },
};

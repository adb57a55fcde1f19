import { isQuayGitopsError } from "../errors";
import type { Command } from "./command";
import { exitCodeFor } from "./exit";
import { err } from "./output";

/**
 * Commands are loaded on demand so `quay-gitops validate` never loads the engine or the HTTP client.
 * Adding a command: one file in src/cli/commands/ exporting `command`, and one line here.
 */
const commands: Record<string, () => Promise<Command>> = {
  version: async () => (await import("./commands/version.js")).command,
  emulator: async () => (await import("./commands/emulator.js")).command,
  validate: async () => (await import("./commands/validate.js")).command,
  state: async () => (await import("./commands/state.js")).command,
  demo: async () => (await import("./commands/demo.js")).command,
  preview: async () => (await import("./commands/preview.js")).command,
  apply: async () => (await import("./commands/apply.js")).command,
  drift: async () => (await import("./commands/drift.js")).command,
  tokens: async () => (await import("./commands/tokens.js")).command,
  report: async () => (await import("./commands/report.js")).command,
  export: async () => (await import("./commands/export.js")).command,
  init: async () => (await import("./commands/init.js")).command,
};

function usage(): string {
  const names = Object.keys(commands).sort();
  return [
    "usage: quay-gitops <command> [options]",
    "",
    `commands: ${names.join(", ")}`,
    "Run `quay-gitops <command> --help` for the options of one command.",
  ].join("\n");
}

/**
 * Exit codes (exit.ts, docs/ci.md "Exit codes"): 0 ok, 1 failure (invalid input, refused change, Quay
 * or engine error), 2 usage or internal error, 4 the stack is locked by another run; a command may
 * give some of them other meanings (`drift`: 2 is drift found).
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`quay-gitops: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  let command: Command | undefined;
  try {
    command = await load();
    return await command.run(rest);
  } catch (e) {
    // Through the secret filter: a message may quote what a secret was read into.
    if (isQuayGitopsError(e)) err(`quay-gitops ${name}: ${e.message}\n`);
    else err(`quay-gitops ${name}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return exitCodeFor(e, command?.exitCodes);
  }
}

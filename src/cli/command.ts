import type { ExitCodes } from "./exit";

/**
 * One CLI command. `run` gets the arguments after the command name and returns the exit code; an
 * error it throws goes to main, which prints its message and maps it through `exitCodeFor`.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Where the command's exit codes depart from the usual ones (exit.ts). */
  readonly exitCodes?: ExitCodes;
  run(args: string[]): Promise<number>;
}

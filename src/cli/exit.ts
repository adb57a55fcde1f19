import { EXIT_STACK_LOCKED, isQuayGitopsError, StackLockedError } from "../errors";

/**
 * The exit codes of a command, where it departs from the usual ones: `drift` says "drift found" with
 * 2, so its usage errors and internal errors are 1 there.
 */
export interface ExitCodes {
  readonly usage?: number;
  readonly internal?: number;
}

/**
 * The exit code for an error a command let go of (docs/ci.md "Exit codes"): EXIT_STACK_LOCKED (4) for
 * a stack locked by another run, 2 for a usage error and for an internal error (a bug: not one of our
 * errors), 1 for every other failure (invalid input, a refused change, Quay, the engine).
 */
export function exitCodeFor(e: unknown, codes: ExitCodes = {}): number {
  if (e instanceof StackLockedError) return EXIT_STACK_LOCKED;
  if (!isQuayGitopsError(e)) return codes.internal ?? 2;
  if (e.code === "QG_ERR_USAGE") return codes.usage ?? 2;
  return 1;
}

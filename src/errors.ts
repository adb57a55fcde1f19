/**
 * Error classes with stable codes (undici style). Callers branch on `code`, never on message text;
 * the CLI maps codes to exit codes. Messages say what happened and what to do next.
 */
export type ErrorCode =
  | "QG_ERR_USAGE"
  | "QG_ERR_CONFIG"
  | "QG_ERR_TENANT_INVALID"
  | "QG_ERR_QUAY_RESPONSE"
  | "QG_ERR_QUAY_CONNECTION"
  | "QG_ERR_QUAY_SIGNIN"
  | "QG_ERR_CAPABILITY"
  | "QG_ERR_UNSAFE_PLAN"
  | "QG_ERR_CHECKSUM_MISMATCH"
  | "QG_ERR_GIT"
  | "QG_ERR_ENGINE"
  | "QG_ERR_STACK_LOCKED"
  | "QG_ERR_RETAINED"
  | "QG_ERR_OBJECT_GONE";

export class QuayGitopsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Wrong command-line usage: exit 2. */
export class UsageError extends QuayGitopsError {
  constructor(message: string) {
    super("QG_ERR_USAGE", message);
  }
}

/** Missing or wrong configuration (stack config, environment, registry file). */
export class ConfigError extends QuayGitopsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("QG_ERR_CONFIG", message, options);
  }
}

/** The Pulumi engine failed or could not be started. */
export class EngineError extends QuayGitopsError {
  readonly exitCode: number | undefined;
  constructor(message: string, exitCode?: number, options?: { cause?: unknown }) {
    super("QG_ERR_ENGINE", message, options);
    this.exitCode = exitCode;
  }
}

/**
 * The object an update is for is gone from Quay: someone deleted it since the state was last
 * refreshed. Quay answered correctly (QG_ERR_QUAY_RESPONSE is for answers that make no sense); the
 * fix is a refresh, after which the next apply re-creates it.
 */
export class ObjectGoneError extends QuayGitopsError {
  /** What is gone, as the message names it: `repository acme/app`. */
  readonly object: string;
  constructor(object: string, next = "run with --refresh") {
    super("QG_ERR_OBJECT_GONE", `${object} no longer exists; ${next}`);
    this.object = object;
  }
}

export function isQuayGitopsError(e: unknown): e is QuayGitopsError {
  return e instanceof QuayGitopsError;
}

/**
 * Exit code of a command that did not run because another run holds the stack's lock
 * (docs/state.md). Distinct from 1 (failed) and 2 (usage; drift), so CI can retry or alert on it alone.
 */
export const EXIT_STACK_LOCKED = 4;

/** One lock object found next to the stack's state: who took it and when (Pulumi's DIY backend lock). */
export interface StackLockHolder {
  /** Where the lock object lives, as Pulumi prints it (passwords masked). */
  readonly lock: string;
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  /** When the lock was taken (Pulumi's RFC 3339 text, parsed); undefined if unparseable. */
  readonly since: Date | undefined;
  readonly sinceText: string;
  /** Whether that pid still runs, when the lock was taken on this host; undefined for other hosts. */
  readonly alive: boolean | undefined;
}

/** The stack is locked by another run (or by a crashed one): nothing was changed. Exit EXIT_STACK_LOCKED. */
export class StackLockedError extends QuayGitopsError {
  readonly exitCode = EXIT_STACK_LOCKED;
  /** The Pulumi stack (named stackName: `stack` is Error's call stack). */
  readonly stackName: string | undefined;
  readonly holders: readonly StackLockHolder[];
  constructor(
    message: string,
    stackName: string | undefined,
    holders: readonly StackLockHolder[],
    options?: { cause?: unknown },
  ) {
    super("QG_ERR_STACK_LOCKED", message, options);
    this.stackName = stackName;
    this.holders = holders;
  }
}

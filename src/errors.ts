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
  | "QG_ERR_CAPABILITY"
  | "QG_ERR_UNSAFE_PLAN"
  | "QG_ERR_CHECKSUM_MISMATCH"
  | "QG_ERR_GIT"
  | "QG_ERR_ENGINE"
  | "QG_ERR_STACK_LOCKED"
  | "QG_ERR_RETAINED";

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

export function isQuayGitopsError(e: unknown): e is QuayGitopsError {
  return e instanceof QuayGitopsError;
}

import { QuayGitopsError } from "../errors";
import type { BudgetCheck } from "./safety";

/** The plan breaks the registry's change budgets and --force was not given: nothing was applied. */
export class UnsafePlanError extends QuayGitopsError {
  readonly breaches: readonly BudgetCheck[];
  constructor(message: string, breaches: readonly BudgetCheck[]) {
    super("QG_ERR_UNSAFE_PLAN", message);
    this.breaches = breaches;
  }
}

/** The fresh plan is not the one that was reviewed (`apply --expect-checksum`): nothing was applied. */
export class ChecksumMismatchError extends QuayGitopsError {
  readonly expected: string;
  readonly actual: string;
  constructor(message: string, expected: string, actual: string) {
    super("QG_ERR_CHECKSUM_MISMATCH", message);
    this.expected = expected;
    this.actual = actual;
  }
}

import { QuayGitopsError } from "../errors";

export type GitProblem = "not-a-repository" | "dirty" | "branch" | "ref" | "failed";

/**
 * Git refused or failed: not a repository, uncommitted changes, the wrong branch, an unknown ref. Code
 * QG_ERR_GIT (exit 1); `problem` says which, for callers and tests (never branch on the message).
 */
export class GitError extends QuayGitopsError {
  readonly problem: GitProblem;
  constructor(problem: GitProblem, message: string, options?: { cause?: unknown }) {
    super("QG_ERR_GIT", message, options);
    this.problem = problem;
  }
}

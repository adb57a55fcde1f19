import { QuayGitopsError } from "../errors";
import type { Diagnostic } from "./diagnostics";

/**
 * Thrown by commands that need a valid desired state (preview, apply) when the tenant or registry
 * files have errors. It carries every diagnostic so the command can print them all, not only the first.
 */
export class TenantInvalidError extends QuayGitopsError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    const first = errors[0];
    const where = first ? ` (first: ${first.file}:${first.line}:${first.column}: ${first.message})` : "";
    super(
      "QG_ERR_TENANT_INVALID",
      `${errors.length} error(s) in the tenant or registry files${where}; run \`quay-gitops validate\` to list them`,
    );
    this.diagnostics = diagnostics;
  }
}

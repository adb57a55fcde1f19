import type { DefaultPermissionModel, RepoPermissionModel, RepositoryModel, SecretRef } from "../model/types";

/**
 * The grants a repository we create ends up with: its own, plus the default permissions that Quay
 * applies by itself when the repository is created (prototypes without an activating user,
 * QUAY-API §8.2, §10). Declaring them keeps the preview truthful and spares a delete-then-regrant
 * fight between the Repository and the DefaultPermission resources. A grant the repository declares
 * for the same user, robot or team wins.
 */
export function effectivePermissions(
  repo: Pick<RepositoryModel, "permissions">,
  defaults: readonly DefaultPermissionModel[],
): RepoPermissionModel[] {
  const out = new Map<string, RepoPermissionModel>();
  for (const d of defaults) {
    if (d.activatingUser !== undefined) continue;
    out.set(`${d.delegate.kind}:${d.delegate.name}`, {
      kind: d.delegate.kind,
      name: d.delegate.name,
      role: d.role,
    });
  }
  for (const p of repo.permissions) out.set(`${p.kind}:${p.name}`, p);
  return [...out.values()].sort((a, b) =>
    a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1,
  );
}

/** `env:NAME` / `config:key`: what a secret reference is called in outputs and messages. */
export const refName = (ref: SecretRef): string => ("env" in ref ? `env:${ref.env}` : `config:${ref.config}`);

/** Stable Pulumi resource names (URNs), readable and unique per type across the stack. */
export const names = {
  organization: (org: string) => org,
  user: (name: string) => name,
  robot: (fullName: string) => fullName,
  team: (org: string, team: string) => `${org}/${team}`,
  repository: (org: string, repo: string) => `${org}/${repo}`,
  defaultPermission: (org: string, d: DefaultPermissionModel) =>
    `${org}/default/${d.delegate.kind}:${d.delegate.name}${d.activatingUser ? `@${d.activatingUser}` : ""}`,
  quota: (org: string) => org,
  mirror: (org: string, repo: string) => `${org}/${repo}`,
  proxyCache: (org: string) => org,
  autoPrune: (
    org: string,
    repo: string | undefined,
    p: { method: string; tagPattern?: string | undefined; tagPatternMatches: boolean },
  ) =>
    `${org}${repo ? `/${repo}` : ""}/prune/${p.method}${p.tagPattern !== undefined ? `:${p.tagPatternMatches ? "" : "!"}${p.tagPattern}` : ""}`,
};

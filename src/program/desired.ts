import type {
  DefaultPermissionModel,
  RepoPermissionModel,
  RepositoryModel,
  SecretRef,
  TenantModel,
} from "../model/types";

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

/** What the stack outputs say of a tenant (`pulumi stack output tenants`): from its file alone. */
export function tenantSummary(t: TenantModel): Record<string, unknown> {
  return {
    file: t.file,
    organization: t.organization.name,
    users: t.users.map((u) => u.name),
    robots: t.robots.map((r) => r.fullName),
    teams: t.teams.map((x) => x.name),
    repositories: t.repositories.map((r) => r.name),
    mirrors: t.repositories.filter((r) => r.mirror).map((r) => r.name),
    quota: t.quota ? { limitBytes: t.quota.limitBytes, limits: t.quota.limits } : null,
    proxyCache: t.proxyCache?.upstream ?? null,
  };
}

/** One Quay object the program registers for a tenant: its kind and its resource name. */
export interface TenantObject {
  kind: string;
  name: string;
}

/**
 * Every object the program registers under a tenant's component (src/program/tenant.ts), by kind
 * and name: what a run limited to some tenants must target besides what the state already holds
 * (src/gitops/scope.ts). test/e2e/gitops checks it against what the program really registers.
 */
export function tenantObjects(t: TenantModel): TenantObject[] {
  const org = t.organization.name;
  const out: TenantObject[] = [{ kind: "Organization", name: names.organization(org) }];
  for (const u of t.users) out.push({ kind: "User", name: names.user(u.name) });
  for (const r of t.robots) out.push({ kind: "Robot", name: names.robot(r.fullName) });
  for (const x of t.teams) out.push({ kind: "Team", name: names.team(org, x.name) });
  for (const d of t.defaultPermissions)
    out.push({ kind: "DefaultPermission", name: names.defaultPermission(org, d) });
  if (t.quota) out.push({ kind: "Quota", name: names.quota(org) });
  if (t.proxyCache) out.push({ kind: "ProxyCache", name: names.proxyCache(org) });
  for (const p of t.autoPrune)
    out.push({ kind: "AutoPrunePolicy", name: names.autoPrune(org, undefined, p) });
  for (const r of t.repositories) {
    out.push({ kind: "Repository", name: names.repository(org, r.name) });
    if (r.mirror) out.push({ kind: "RepositoryMirror", name: names.mirror(org, r.name) });
    for (const p of r.autoPrune) out.push({ kind: "AutoPrunePolicy", name: names.autoPrune(org, r.name, p) });
  }
  return out;
}

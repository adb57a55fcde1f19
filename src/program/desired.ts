import { allKindInfos } from "../kinds";
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
 * docs/quay-api.md#repositories, docs/quay-api.md#default-permissions). Declaring them keeps the preview truthful and spares a delete-then-regrant
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
 * and name (each kind's descriptor, src/kinds/, names them): what a run limited to some tenants
 * must target besides what the state already holds (src/gitops/scope.ts). test/e2e/gitops checks
 * it against what the program really registers.
 */
export function tenantObjects(t: TenantModel): TenantObject[] {
  return allKindInfos().flatMap((k) => k.objects(t).map((name) => ({ kind: k.name, name })));
}

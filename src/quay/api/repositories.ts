import { isQuayApiError } from "../errors";
import { apiPath, repo } from "../paths";
import { getOrganization } from "./organizations";
import { isNotFound, orgScope, type QuaySession } from "./session";

/** Repository list item (docs/quay-api.md#repositories). */
export interface RepoListItem {
  namespace: string;
  name: string;
  description: string | null;
  is_public: boolean;
  kind: string;
  state: "NORMAL" | "READ_ONLY" | "MIRROR" | "ORG_MIRROR" | "MARKED_FOR_DELETION";
  last_modified?: number | null;
  /** With quota management: the repository's size (docs/quay-api.md#repositories, docs/quay-api.md#quotas). */
  quota_report?: { quota_bytes: number; configured_quota: number | null };
}

export interface UserPermissionView {
  role: "read" | "write" | "admin";
  name: string;
  is_robot: boolean;
  is_org_member?: boolean;
}

export interface TeamPermissionView {
  role: "read" | "write" | "admin";
  name: string;
}

/**
 * Every repository of a namespace, all pages (100 a page, docs/quay-api.md#repositories), once per run: a refresh of N
 * repositories costs ⌈N/100⌉ requests. `last_modified` tells which ones ever held a tag.
 */
export async function listRepositories(
  s: QuaySession,
  namespace: string,
): Promise<Map<string, RepoListItem>> {
  const out = new Map<string, RepoListItem>();
  let nextPage: string | undefined;
  do {
    const r = await s.get<{ repositories: RepoListItem[]; next_page?: string }>("/api/v1/repository", {
      scope: orgScope(namespace),
      query: { namespace, last_modified: true, next_page: nextPage },
    });
    for (const item of r?.repositories ?? []) out.set(item.name, item);
    nextPage = r?.next_page;
  } while (nextPage);
  return out;
}

export async function getRepository(
  s: QuaySession,
  namespace: string,
  name: string,
): Promise<RepoListItem | undefined> {
  return (await listRepositories(s, namespace)).get(name);
}

export async function createRepository(
  s: QuaySession,
  namespace: string,
  name: string,
  visibility: "public" | "private",
  description: string,
): Promise<void> {
  await s.write("POST", "/api/v1/repository", {
    scope: orgScope(namespace),
    body: { namespace, repository: name, visibility, description, repo_kind: "image" },
    landed: async () => {
      s.invalidate(orgScope(namespace));
      return (await getRepository(s, namespace, name)) !== undefined;
    },
  });
}

export async function setDescription(
  s: QuaySession,
  namespace: string,
  name: string,
  description: string,
): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/repository/${repo(namespace, name)}`, {
    scope: orgScope(namespace),
    body: { description },
  });
}

export async function setVisibility(
  s: QuaySession,
  namespace: string,
  name: string,
  visibility: "public" | "private",
): Promise<void> {
  await s.write("POST", apiPath`/api/v1/repository/${repo(namespace, name)}/changevisibility`, {
    scope: orgScope(namespace),
    body: { visibility },
    idempotent: true,
  });
}

/** Only registered with FEATURE_REPO_MIRROR (docs/quay-api.md#repositories). */
export async function setState(
  s: QuaySession,
  namespace: string,
  name: string,
  state: "NORMAL" | "READ_ONLY" | "MIRROR",
): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/repository/${repo(namespace, name)}/changestate`, {
    scope: orgScope(namespace),
    body: { state },
  });
}

/** A missing repository still answers 204 (docs/quay-api.md#repositories). */
export async function deleteRepository(s: QuaySession, namespace: string, name: string): Promise<void> {
  await s.write("DELETE", apiPath`/api/v1/repository/${repo(namespace, name)}`, {
    scope: orgScope(namespace),
  });
}

/** Active tags of one repository (at most 500 are listed, docs/quay-api.md#repositories): used before a delete. */
export async function tagCount(s: QuaySession, namespace: string, name: string): Promise<number> {
  const r = await s.get<{ tags?: Record<string, unknown> }>(
    apiPath`/api/v1/repository/${repo(namespace, name)}`,
    {
      scope: orgScope(namespace),
      query: { includeTags: true },
      notFound: "undefined",
    },
  );
  return Object.keys(r?.tags ?? {}).length;
}

/** User and robot grants; a missing repository answers 200 `{}` (docs/quay-api.md#emulator-gotchas). */
export async function listUserPermissions(
  s: QuaySession,
  namespace: string,
  name: string,
): Promise<Record<string, UserPermissionView>> {
  const r = await s.get<{ permissions: Record<string, UserPermissionView> }>(
    apiPath`/api/v1/repository/${repo(namespace, name)}/permissions/user/`,
    { scope: orgScope(namespace) },
  );
  return r?.permissions ?? {};
}

export async function listTeamPermissions(
  s: QuaySession,
  namespace: string,
  name: string,
): Promise<Record<string, TeamPermissionView>> {
  const r = await s.get<{ permissions: Record<string, TeamPermissionView> }>(
    apiPath`/api/v1/repository/${repo(namespace, name)}/permissions/team/`,
    { scope: orgScope(namespace) },
  );
  return r?.permissions ?? {};
}

/** One grant of a team, as `GET .../team/<team>/permissions` lists it (docs/quay-api.md#teams): short repository names. */
export interface TeamRepoPermissionView {
  repository: { name: string; is_public?: boolean };
  role: "read" | "write" | "admin";
}

export async function listTeamRepoPermissions(
  s: QuaySession,
  org: string,
  team: string,
): Promise<TeamRepoPermissionView[] | undefined> {
  const r = await s.get<{ permissions: TeamRepoPermissionView[] }>(
    apiPath`/api/v1/organization/${org}/team/${team}/permissions`,
    { scope: orgScope(org), notFound: "undefined" },
  );
  return r?.permissions;
}

/**
 * The team grants of every repository of an organization (repository name → the map
 * `permissions/team/` would answer), read team by team instead of repository by repository when
 * that takes fewer requests (docs/quay-api.md#cost): the org view (cached; it serves the Organization and
 * Team resources) gives each team's `repo_count`, the number of repositories it holds a grant on
 * (docs/quay-api.md#emulator-gotchas), so only teams with grants are read, and a repository no list names has no team grant.
 * Undefined, for the caller to read the repository's own list, when there are at least as many
 * teams with grants as repositories, or when a team's list does not add up to its `repo_count`.
 */
export async function orgTeamGrants(
  s: QuaySession,
  org: string,
): Promise<Map<string, Record<string, TeamPermissionView>> | undefined> {
  const [view, repos] = await Promise.all([getOrganization(s, org), listRepositories(s, org)]);
  if (!view?.teams) return undefined;
  const granting = Object.values(view.teams).filter((t) => t.repo_count > 0);
  if (granting.length >= repos.size) return undefined;
  const lists = await Promise.all(granting.map((t) => listTeamRepoPermissions(s, org, t.name)));
  return teamGrantsByRepository(granting, lists);
}

/** Pure part of orgTeamGrants: undefined when a list is missing or does not match `repo_count`. */
export function teamGrantsByRepository(
  teams: readonly { name: string; repo_count: number }[],
  lists: readonly (readonly TeamRepoPermissionView[] | undefined)[],
): Map<string, Record<string, TeamPermissionView>> | undefined {
  const out = new Map<string, Record<string, TeamPermissionView>>();
  for (const [i, team] of teams.entries()) {
    const list = lists[i];
    if (!list || list.length !== team.repo_count) return undefined;
    for (const p of list) {
      let grants = out.get(p.repository.name);
      if (!grants) {
        grants = {};
        out.set(p.repository.name, grants);
      }
      grants[team.name] = { name: team.name, role: p.role };
    }
  }
  return out;
}

/** Grants are create-or-update (`PUT`, 200, docs/quay-api.md#permissions): idempotent. Robots use the user endpoint. */
export async function putPermission(
  s: QuaySession,
  namespace: string,
  name: string,
  kind: "user" | "team",
  who: string,
  role: string,
): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/repository/${repo(namespace, name)}/permissions/${kind}/${who}`, {
    scope: orgScope(namespace),
    body: { role },
  });
}

/** A missing grant answers 400 (docs/quay-api.md#permissions): gone. */
export async function deletePermission(
  s: QuaySession,
  namespace: string,
  name: string,
  kind: "user" | "team",
  who: string,
): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/repository/${repo(namespace, name)}/permissions/${kind}/${who}`, {
      scope: orgScope(namespace),
    });
  } catch (e) {
    if (isQuayApiError(e) && e.status === 400) {
      const list =
        kind === "user"
          ? await listUserPermissions(s, namespace, name)
          : await listTeamPermissions(s, namespace, name);
      if (!(who in list)) return;
    }
    if (isNotFound(e)) return;
    throw e;
  }
}

import { isQuayApiError } from "../errors";
import { apiPath, repo } from "../paths";
import { isNotFound, orgScope, type QuaySession } from "./session";

/** Repository list item (QUAY-API §8.4, §21). */
export interface RepoListItem {
  namespace: string;
  name: string;
  description: string | null;
  is_public: boolean;
  kind: string;
  state: "NORMAL" | "READ_ONLY" | "MIRROR" | "ORG_MIRROR" | "MARKED_FOR_DELETION";
  last_modified?: number | null;
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
 * Every repository of a namespace, all pages (100 a page, §8.4), once per run: a refresh of N
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

/** Only registered with FEATURE_REPO_MIRROR (§8.7). */
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

/** A missing repository still answers 204 (§8.8). */
export async function deleteRepository(s: QuaySession, namespace: string, name: string): Promise<void> {
  await s.write("DELETE", apiPath`/api/v1/repository/${repo(namespace, name)}`, {
    scope: orgScope(namespace),
  });
}

/** Active tags of one repository (at most 500 are listed, §8.3): used before a delete. */
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

/** User and robot grants; a missing repository answers 200 `{}` (§21). */
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

/** Grants are create-or-update (`PUT`, 200, §9.1): idempotent. Robots use the user endpoint. */
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

/** A missing grant answers 400 (§9.3): gone. */
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

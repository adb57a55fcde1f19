import { randomUUID } from "node:crypto";
import {
  body,
  type Ctx,
  created,
  intQuery,
  log,
  noContent,
  ok,
  PAGE_LIMIT_HELP,
  type Reply,
  repoParam,
} from "../context";
import { internalError, invalidRequest, MessageError, notFound, unauthorized, WERKZEUG } from "../errors";
import type { Account, Repository } from "../state";
import { truthyBool, validRepositoryName } from "../validation";
import { apiRoute, configuredQuota, gates } from "./shared";

/** Repositories: create, list, read, description, visibility, state, delete; tags (docs/quay-api.md#repositories). */

const NEW_REPO = {
  type: "object",
  required: ["repository", "visibility", "description"],
  properties: {
    repository: { type: "string" },
    visibility: { type: "string", enum: ["public", "private"] },
    namespace: { type: "string" },
    description: { type: "string" },
    repo_kind: { type: ["string", "null"], enum: ["image", null] },
  },
};

const REPO_UPDATE = {
  type: "object",
  required: ["description"],
  properties: { description: { type: "string" } },
};

const CHANGE_VISIBILITY = {
  type: "object",
  required: ["visibility"],
  properties: { visibility: { type: "string", enum: ["public", "private"] } },
};

const CHANGE_STATE = {
  type: "object",
  required: ["state"],
  properties: { state: { type: "string", enum: ["NORMAL", "READ_ONLY", "MIRROR"] } },
};

const CHANGE_TAG = {
  type: "object",
  properties: {
    manifest_digest: { type: ["string", "null"] },
    expiration: { type: ["number", "null"] },
    immutable: { type: "boolean" },
  },
};

const REPOS_PER_PAGE = 100;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const TAG_ERROR =
  'Invalid tag: must match [A-Za-z0-9_.-], NOT start with "." or "-", and can contain 1-128 characters';

/**
 * The `require_repo_{read,write,admin}` decorators (endpoints/api/__init__.py). `level` 1/2/3;
 * reads also pass for public repositories and for read-only superusers.
 */
export function requireRepo(
  ctx: Ctx,
  level: 1 | 2 | 3,
  readOnlySuperuserToo = false,
): { namespace: string; name: string } {
  const { namespace, name } = repoParam(ctx);
  const { perms, store } = ctx;
  const allowed =
    level === 1
      ? perms.repoRead(namespace, name)
      : level === 2
        ? perms.repoWrite(namespace, name)
        : perms.repoAdmin(namespace, name);
  if (allowed) return { namespace, name };
  if (level === 1) {
    if (store.repo(namespace, name)?.visibility === "public" || perms.isGlobalReadonly())
      return { namespace, name };
  }
  if (readOnlySuperuserToo && (perms.fullAccess() || perms.isGlobalReadonly())) return { namespace, name };
  throw unauthorized(perms.authenticated);
}

function createRepo(ctx: Ctx): Reply {
  const data = body<{
    repository: string;
    visibility: "public" | "private";
    namespace?: string;
    description: string;
  }>(ctx, NEW_REPO);
  const { perms, store, config } = ctx;
  const owner = ctx.caller.user as Account;
  const namespace = data.namespace ?? owner.username;
  if (!perms.createRepo(namespace)) throw unauthorized(perms.authenticated);
  // Existence is checked before the name (docs/quay-api.md#repositories).
  if (store.repo(namespace, data.repository)) throw invalidRequest("Repository already exists");
  if (!validRepositoryName(data.repository, config.feature("FEATURE_EXTENDED_REPOSITORY_NAMES"))) {
    throw invalidRequest("Invalid repository name");
  }
  const ns = store.account(namespace);
  // User.get(username=namespace) raises DoesNotExist for a FULL_ACCESS superuser (docs/quay-api.md#repositories).
  if (!ns) throw internalError(`User.DoesNotExist: ${namespace}`);
  const repo: Repository = {
    id: store.newId(),
    namespaceId: ns.id,
    name: data.repository,
    description: data.description,
    visibility: data.visibility,
    state: "NORMAL",
    kind: "image",
    // data/database.py Repository.badge_token: str(uuid4()) (observed on Quay 3.18.0).
    badgeToken: randomUUID(),
    createdMs: ctx.now,
  };
  store.repos.set(repo.id, repo);
  // Side effects (docs/quay-api.md#repositories, docs/quay-api.md#emulator-gotchas): the creator is admin; an org's prototypes apply.
  store.setPermission(repo.id, { userId: owner.id }, "admin");
  if (owner.username !== namespace) applyPrototypes(ctx, repo, ns, owner);
  log(ctx, "create_repo", namespace, { repo: data.repository, namespace }, repo);
  return created({ namespace, name: data.repository, kind: "image" });
}

/**
 * apply_default_permissions: generic prototypes and those activated by the creator; for one delegate
 * a creator-specific prototype wins; a prototype for the creator itself is skipped.
 */
function applyPrototypes(ctx: Ctx, repo: Repository, org: Account, creator: Account): void {
  const { store } = ctx;
  const protos = [...store.prototypes.values()]
    .filter((p) => p.orgId === org.id && (p.activatingUserId === null || p.activatingUserId === creator.id))
    .sort((a, b) => a.id - b.id);
  const apply = (kind: "team" | "user") => {
    const final = new Map<number, (typeof protos)[number]>();
    for (const p of protos) {
      const delegate = kind === "team" ? p.delegateTeamId : p.delegateUserId;
      if (delegate === null) continue;
      if (final.has(delegate) && p.activatingUserId === null) continue;
      final.set(delegate, p);
    }
    for (const [delegate, p] of final) {
      if (kind === "team") store.setPermission(repo.id, { teamId: delegate }, p.role);
      else if (delegate !== creator.id) store.setPermission(repo.id, { userId: delegate }, p.role);
    }
  };
  apply("team");
  apply("user");
}

function visibleRepos(ctx: Ctx, namespace: string | null, includePublic: boolean): Repository[] {
  const { store, perms } = ctx;
  const user = ctx.caller.user;
  if (!includePublic && !user) return [];
  const nsAccount = namespace ? store.account(namespace) : undefined;
  if (namespace && !nsAccount) return [];
  const candidates = nsAccount
    ? store.reposOf(nsAccount.id)
    : [...store.repos.values()].sort((a, b) => a.id - b.id);
  const superView = perms.canViewAsSuperuser();
  return candidates.filter((r) => {
    if (includePublic && r.visibility === "public") return true;
    if (!user) return false;
    if (superView) return true;
    if (store.permissionsOf(r.id, user.id).length > 0) return true;
    // Repositories under namespaces where the user is in an admin team.
    return store.teamsOfMember(r.namespaceId, user.id).some((t) => t.role === "admin");
  });
}

function decodePageToken(token: string | null): number | undefined {
  if (!token) return undefined;
  try {
    const data = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { start_id?: unknown };
    return typeof data.start_id === "number" ? data.start_id : undefined;
  } catch {
    return undefined;
  }
}

export function encodePageToken(data: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(data), "utf8").toString("base64url");
}

function listRepos(ctx: Ctx): Reply {
  const namespace = ctx.query.get("namespace") || null;
  const starred = truthyBool(ctx.query.get("starred"), false);
  const pub = truthyBool(ctx.query.get("public"), false);
  if (!namespace && !starred && !pub) {
    throw invalidRequest("namespace, starred or public are required for this API call");
  }
  const user = ctx.caller.user;
  if (starred && !user) throw new MessageError(400, WERKZEUG.badRequest);
  const lastModified = truthyBool(ctx.query.get("last_modified"), false);
  const popularity = truthyBool(ctx.query.get("popularity"), false);
  const kind = ctx.query.get("repo_kind") ?? "image";
  // Stars are not emulated: the starred list is always empty.
  let repos = starred || kind !== "image" ? [] : visibleRepos(ctx, namespace, pub);
  const start = decodePageToken(ctx.query.get("next_page"));
  if (start !== undefined) repos = repos.filter((r) => r.id >= start);
  let next: string | undefined;
  if (repos.length > REPOS_PER_PAGE) {
    next = encodePageToken({ start_id: (repos[REPOS_PER_PAGE] as Repository).id });
    repos = repos.slice(0, REPOS_PER_PAGE);
  }
  const { store, config } = ctx;
  const items = repos.map((r) => {
    const ns = store.accounts.get(r.namespaceId) as Account;
    const item: Record<string, unknown> = {
      namespace: ns.username,
      name: r.name,
      description: r.description,
      is_public: r.visibility === "public",
      kind: r.kind,
      state: r.state,
    };
    if (lastModified) item.last_modified = null;
    if (popularity) item.popularity = 0;
    if (user) item.is_starred = false;
    if (gates.quotaViews(config)) {
      // add_quota_view: the size row's bytes, 0 without one (repository_models_pre_oci.py at v3.18.0).
      item.quota_report = {
        quota_bytes: r.sizeBytes ?? 0,
        configured_quota: configuredQuota(store, config, ns),
      };
    }
    return item;
  });
  const result: Record<string, unknown> = { repositories: items };
  if (next) result.next_page = next;
  return ok(result);
}

function getRepo(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 1, true);
  const { store, perms } = ctx;
  const repo = store.repo(namespace, name);
  if (!repo) throw notFound();
  const ns = store.accounts.get(repo.namespaceId) as Account;
  const isPublic = repo.visibility === "public";
  const view: Record<string, unknown> = {
    namespace,
    name,
    kind: repo.kind,
    description: repo.description,
    is_public: isPublic,
    is_organization: ns.kind === "org",
    is_starred: false,
    status_token: isPublic ? "" : repo.badgeToken,
    trust_enabled: false,
    tag_expiration_s: ns.tagExpirationS,
    is_free_account: true,
    state: repo.state,
  };
  // The emulator has no registry: repositories never hold tags.
  if (truthyBool(ctx.query.get("includeTags"), true)) view.tags = {};
  view.can_write = perms.repoWrite(namespace, name) && repo.state === "NORMAL";
  view.can_admin = perms.repoAdmin(namespace, name) || perms.isGlobalReadonly();
  if (truthyBool(ctx.query.get("includeStats"), false)) {
    const stats: { date: string; count: number }[] = [];
    for (let day = 1; day < 92; day++) {
      stats.push({ date: new Date(ctx.now - day * 86_400_000).toISOString().slice(0, 10), count: 0 });
    }
    view.stats = stats;
  }
  return ok(view);
}

function updateRepo(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 2);
  const data = body<{ description: string }>(ctx, REPO_UPDATE);
  const repo = ctx.store.repo(namespace, name);
  if (!repo) throw notFound();
  repo.description = data.description;
  log(ctx, "set_repo_description", namespace, { repo: name, namespace, description: data.description }, repo);
  return ok({ success: true });
}

function deleteRepo(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const repo = ctx.store.repo(namespace, name);
  // A missing repository still answers 204 (docs/quay-api.md#repositories); the name is free again at once.
  if (repo) ctx.store.deleteRepo(repo);
  log(ctx, "delete_repo", namespace, { repo: name, namespace });
  return noContent();
}

function changeVisibility(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const data = body<{ visibility: "public" | "private" }>(ctx, CHANGE_VISIBILITY);
  const repo = ctx.store.repo(namespace, name);
  // The handler returns nothing for a missing repository: 200 with body null (docs/quay-api.md#repositories).
  if (!repo) return ok(null);
  repo.visibility = data.visibility;
  log(ctx, "change_repo_visibility", namespace, { repo: name, namespace, visibility: data.visibility }, repo);
  return ok({ success: true });
}

function changeState(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const data = body<{ state: "NORMAL" | "READ_ONLY" | "MIRROR" }>(ctx, CHANGE_STATE);
  const repo = ctx.store.repo(namespace, name);
  if (!repo) throw notFound();
  // Neither requires nor creates a mirror configuration (docs/quay-api.md#repositories).
  repo.state = data.state;
  log(ctx, "change_repo_state", namespace, { repo: name, namespace, state_changed: data.state }, repo);
  return ok({ success: true });
}

function listTags(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 1, true);
  if (!ctx.store.repo(namespace, name)) throw notFound();
  // quay v3.18.0 endpoints/api/tag.py ListRepositoryTags.
  const page = Math.max(1, intQuery(ctx, "page", "Page index for the results. Default 1.") ?? 1);
  intQuery(ctx, "limit", PAGE_LIMIT_HELP);
  return ok({ tags: [], page, has_additional: false });
}

/** `IntEnum` repr under Python 3.12, as the 503 message shows it (docs/quay-api.md#repositories). */
const STATE_NUMBER: Record<string, number> = { NORMAL: 0, READ_ONLY: 1, MIRROR: 2 };

function nonNormalGuard(ctx: Ctx, namespace: string, name: string): void {
  const repo = ctx.store.repo(namespace, name);
  if (repo && repo.state !== "NORMAL") {
    throw new MessageError(503, `Repository is in read only or mirror mode: ${STATE_NUMBER[repo.state]}`);
  }
}

function changeTag(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 2);
  nonNormalGuard(ctx, namespace, name);
  const data = body<Record<string, unknown>>(ctx, CHANGE_TAG);
  const tag = ctx.params.tag ?? "";
  if (!TAG_RE.test(tag)) throw new MessageError(400, TAG_ERROR);
  if (!ctx.store.repo(namespace, name)) throw notFound();
  // No tag and no manifest ever exists in the emulator: every tag operation finds nothing.
  if ("expiration" in data || "manifest_digest" in data) throw notFound();
  if ("immutable" in data && ctx.config.feature("FEATURE_IMMUTABLE_TAGS")) throw notFound();
  return created("Updated");
}

function deleteTag(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 2);
  nonNormalGuard(ctx, namespace, name);
  throw notFound();
}

export const repositoryRoutes = [
  apiRoute("/api/v1/repository", { GET: listRepos, POST: createRepo }),
  apiRoute("/api/v1/repository/{repository:repo}", { GET: getRepo, PUT: updateRepo, DELETE: deleteRepo }),
  apiRoute("/api/v1/repository/{repository:repo}/changevisibility", { POST: changeVisibility }),
  apiRoute(
    "/api/v1/repository/{repository:repo}/changestate",
    { PUT: changeState },
    { enabled: gates.mirror },
  ),
  apiRoute("/api/v1/repository/{repository:repo}/tag/", { GET: listTags }),
  apiRoute("/api/v1/repository/{repository:repo}/tag/{tag}", { PUT: changeTag, DELETE: deleteTag }),
];

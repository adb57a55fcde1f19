import { randomUUID } from "node:crypto";
import { timedeltaSeconds } from "../config";
import { body, type Ctx, created, log, noContent, ok, param, type Reply, repoParam } from "../context";
import { invalidRequest, notFound, unauthorized } from "../errors";
import type { Account, AutoPrunePolicy, Repository } from "../state";
import { requireRepo } from "./repositories";
import {
  apiRoute,
  gates,
  namespaceTagPolicies,
  orgPolicyCanRead,
  orgPolicyCanWrite,
  repoOr404,
  repositoryTagPolicies,
} from "./shared";

/** Auto-prune policies for organizations, repositories and the caller's namespace (docs/quay-api.md#auto-prune). */

const POLICY_CONFIG = {
  type: "object",
  required: ["method", "value"],
  properties: {
    method: { type: "string" },
    value: { type: ["integer", "string"] },
    tagPattern: { type: "string" },
    tagPatternMatches: { type: "boolean" },
  },
};

interface PolicyConfig {
  method: string;
  value: number | string;
  tagPattern: string | null;
  tagPatternMatches: unknown;
}

/** The endpoint part: tagPattern is stripped, tagPatternMatches defaults to true (docs/quay-api.md#auto-prune). */
function readConfig(ctx: Ctx): PolicyConfig {
  const data = body<Record<string, unknown>>(ctx, POLICY_CONFIG);
  const pattern = data.tagPattern;
  return {
    method: data.method as string,
    value: data.value as number | string,
    tagPattern: typeof pattern === "string" ? pattern.trim() : null,
    tagPatternMatches: "tagPatternMatches" in data ? data.tagPatternMatches : true,
  };
}

/** assert_valid_*_autoprune_policy: messages as ApiExceptions (request_error). */
function assertValid(config: PolicyConfig): void {
  if (config.method !== "number_of_tags" && config.method !== "creation_date") {
    throw invalidRequest("Invalid method provided");
  }
  const v = config.value;
  const valid =
    config.method === "number_of_tags"
      ? typeof v === "number" && Number.isInteger(v) && v > 0
      : typeof v === "string" && v !== "" && timedeltaSeconds(v) !== undefined;
  if (!valid) throw invalidRequest("Invalid value given for method type");
  if (config.tagPattern === "") throw invalidRequest("tag_pattern cannot be empty");
}

function isDuplicate(existing: AutoPrunePolicy[], c: PolicyConfig): boolean {
  return existing.some(
    (p) =>
      p.method === c.method &&
      p.value === c.value &&
      p.tagPattern === c.tagPattern &&
      p.tagPatternMatches === c.tagPatternMatches,
  );
}

function policyView(p: AutoPrunePolicy): unknown {
  return {
    uuid: p.uuid,
    method: p.method,
    value: p.value,
    tagPattern: p.tagPattern,
    tagPatternMatches: p.tagPatternMatches,
  };
}

function logMetadata(c: PolicyConfig, namespace: string): Record<string, unknown> {
  return {
    method: c.method,
    value: c.value,
    tag_pattern: c.tagPattern,
    tag_pattern_matches: c.tagPatternMatches,
    namespace,
  };
}

/** get_active_namespace_user_by_username: an enabled user or org, else 404. */
function activeNamespace(ctx: Ctx, name: string): Account {
  const a = ctx.store.account(name);
  if (!a || a.kind === "robot" || !a.enabled) throw notFound();
  return a;
}

const namespacePolicies = (ctx: Ctx, name: string): AutoPrunePolicy[] =>
  namespaceTagPolicies(ctx, ctx.store.autoprune, name);

const repoPolicies = (ctx: Ctx, repo: Repository): AutoPrunePolicy[] =>
  repositoryTagPolicies(ctx.store.autoprune, repo);

function addPolicy(ctx: Ctx, ns: Account, repo: Repository | null, c: PolicyConfig): AutoPrunePolicy {
  const p: AutoPrunePolicy = {
    id: ctx.store.newId(),
    uuid: randomUUID(),
    namespaceId: ns.id,
    repoId: repo ? repo.id : null,
    method: c.method,
    value: c.value,
    tagPattern: c.tagPattern,
    tagPatternMatches: c.tagPatternMatches,
  };
  ctx.store.autoprune.set(p.id, p);
  return p;
}

function applyConfig(p: AutoPrunePolicy, c: PolicyConfig): void {
  p.method = c.method;
  p.value = c.value;
  p.tagPattern = c.tagPattern;
  p.tagPatternMatches = c.tagPatternMatches;
}

// --- namespace policies (organizations and the caller's own namespace) ----------------------------

function createNamespacePolicy(ctx: Ctx, namespace: string, c: PolicyConfig): Reply {
  const ns = activeNamespace(ctx, namespace);
  assertValid(c);
  if (isDuplicate(namespacePolicies(ctx, namespace), c)) {
    throw invalidRequest(
      "Existing policy with same values for this namespace, duplicate policies are not permitted",
    );
  }
  const p = addPolicy(ctx, ns, null, c);
  log(ctx, "create_namespace_autoprune_policy", namespace, logMetadata(c, namespace));
  return created({ uuid: p.uuid });
}

function updateNamespacePolicy(ctx: Ctx, namespace: string, uuid: string, c: PolicyConfig): Reply {
  activeNamespace(ctx, namespace);
  const p = namespacePolicies(ctx, namespace).find((x) => x.uuid === uuid);
  if (!p) throw notFound();
  assertValid(c);
  applyConfig(p, c);
  log(ctx, "update_namespace_autoprune_policy", namespace, logMetadata(c, namespace));
  // Quay returns {"uuid"} with 204, so the body is dropped (docs/quay-api.md#auto-prune).
  return noContent();
}

function deleteNamespacePolicy(ctx: Ctx, namespace: string, uuid: string): Reply {
  if (!ctx.store.account(namespace)) throw notFound();
  const p = namespacePolicies(ctx, namespace).find((x) => x.uuid === uuid);
  if (!p) throw notFound();
  ctx.store.autoprune.delete(p.id);
  log(ctx, "delete_namespace_autoprune_policy", namespace, { policy_uuid: uuid, namespace });
  return ok({ uuid });
}

const orgList = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  orgPolicyCanRead(ctx, orgname);
  return ok({ policies: namespacePolicies(ctx, orgname).map(policyView) });
};

const orgCreate = (ctx: Ctx): Reply => {
  const c = readConfig(ctx);
  const orgname = param(ctx, "orgname");
  orgPolicyCanWrite(ctx, orgname);
  return createNamespacePolicy(ctx, orgname, c);
};

const orgGet = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  orgPolicyCanRead(ctx, orgname);
  const p = namespacePolicies(ctx, orgname).find((x) => x.uuid === param(ctx, "policy_uuid"));
  if (!p) throw notFound();
  return ok(policyView(p));
};

const orgUpdate = (ctx: Ctx): Reply => {
  const c = readConfig(ctx);
  const orgname = param(ctx, "orgname");
  orgPolicyCanWrite(ctx, orgname);
  return updateNamespacePolicy(ctx, orgname, param(ctx, "policy_uuid"), c);
};

const orgDelete = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  orgPolicyCanWrite(ctx, orgname);
  return deleteNamespacePolicy(ctx, orgname, param(ctx, "policy_uuid"));
};

function self(ctx: Ctx): Account {
  const { perms } = ctx;
  if (!perms.authenticated) throw unauthorized(false);
  if (!perms.userAdmin()) throw unauthorized(true);
  return ctx.caller.user as Account;
}

const userList = (ctx: Ctx): Reply =>
  ok({ policies: namespacePolicies(ctx, self(ctx).username).map(policyView) });

const userCreate = (ctx: Ctx): Reply => {
  const user = self(ctx);
  return createNamespacePolicy(ctx, user.username, readConfig(ctx));
};

const userGet = (ctx: Ctx): Reply => {
  const user = self(ctx);
  const p = namespacePolicies(ctx, user.username).find((x) => x.uuid === param(ctx, "policy_uuid"));
  if (!p) throw notFound();
  return ok(policyView(p));
};

const userUpdate = (ctx: Ctx): Reply => {
  const user = self(ctx);
  return updateNamespacePolicy(ctx, user.username, param(ctx, "policy_uuid"), readConfig(ctx));
};

const userDelete = (ctx: Ctx): Reply => {
  const user = self(ctx);
  return deleteNamespacePolicy(ctx, user.username, param(ctx, "policy_uuid"));
};

// --- repository policies ---------------------------------------------------------------------------

/**
 * get_repository_autoprune_policy_by_uuid looks a policy up by repository *name* and uuid only, not
 * namespace (docs/quay-api.md#auto-prune): the emulator does the same.
 */
function repoPolicyByName(ctx: Ctx, repoName: string, uuid: string): AutoPrunePolicy | undefined {
  for (const p of ctx.store.autoprune.values()) {
    if (p.uuid !== uuid || p.repoId === null) continue;
    if (ctx.store.repos.get(p.repoId)?.name === repoName) return p;
  }
  return undefined;
}

const repoList = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3, true);
  return ok({ policies: repoPolicies(ctx, repoOr404(ctx, namespace, name)).map(policyView) });
};

const repoCreate = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3);
  const c = readConfig(ctx);
  repoOr404(ctx, namespace, name);
  const ns = activeNamespace(ctx, namespace);
  const repo = repoOr404(ctx, namespace, name);
  assertValid(c);
  if (isDuplicate(repoPolicies(ctx, repo), c)) {
    throw invalidRequest(
      "Existing policy with same values for this repository, duplicate policies are not permitted",
    );
  }
  const p = addPolicy(ctx, ns, repo, c);
  log(
    ctx,
    "create_repository_autoprune_policy",
    namespace,
    { ...logMetadata(c, namespace), repo: name },
    repo,
  );
  return created({ uuid: p.uuid });
};

const repoGet = (ctx: Ctx): Reply => {
  requireRepo(ctx, 3, true);
  const p = repoPolicyByName(ctx, repoParam(ctx).name, param(ctx, "policy_uuid"));
  if (!p) throw notFound();
  return ok(policyView(p));
};

const repoUpdate = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3);
  const c = readConfig(ctx);
  activeNamespace(ctx, namespace);
  const repo = repoOr404(ctx, namespace, name);
  const p = repoPolicyByName(ctx, name, param(ctx, "policy_uuid"));
  if (!p) throw notFound();
  assertValid(c);
  applyConfig(p, c);
  log(
    ctx,
    "update_repository_autoprune_policy",
    namespace,
    { ...logMetadata(c, namespace), repo: name },
    repo,
  );
  return noContent();
};

const repoDelete = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3);
  const uuid = param(ctx, "policy_uuid");
  if (!ctx.store.account(namespace)) throw notFound();
  const repo = repoOr404(ctx, namespace, name);
  const p = repoPolicyByName(ctx, name, uuid);
  if (!p) throw notFound();
  ctx.store.autoprune.delete(p.id);
  log(
    ctx,
    "delete_repository_autoprune_policy",
    namespace,
    { policy_uuid: uuid, namespace, repo: name },
    repo,
  );
  return ok({ uuid });
};

const autoprune = { enabled: gates.autoPrune };

export const autopruneRoutes = [
  apiRoute("/api/v1/organization/{orgname}/autoprunepolicy/", { GET: orgList, POST: orgCreate }, autoprune),
  apiRoute(
    "/api/v1/organization/{orgname}/autoprunepolicy/{policy_uuid}",
    { GET: orgGet, PUT: orgUpdate, DELETE: orgDelete },
    autoprune,
  ),
  apiRoute(
    "/api/v1/repository/{repository:repo}/autoprunepolicy/",
    { GET: repoList, POST: repoCreate },
    autoprune,
  ),
  apiRoute(
    "/api/v1/repository/{repository:repo}/autoprunepolicy/{policy_uuid}",
    { GET: repoGet, PUT: repoUpdate, DELETE: repoDelete },
    autoprune,
  ),
  apiRoute("/api/v1/user/autoprunepolicy/", { GET: userList, POST: userCreate }, autoprune),
  apiRoute(
    "/api/v1/user/autoprunepolicy/{policy_uuid}",
    { GET: userGet, PUT: userUpdate, DELETE: userDelete },
    autoprune,
  ),
];

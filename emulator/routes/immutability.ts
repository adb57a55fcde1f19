import { randomUUID } from "node:crypto";
import { body, type Ctx, created, log, noContent, ok, param, type Reply } from "../context";
import { DataModelError, invalidRequest, notFound } from "../errors";
import type { Account, ImmutabilityPolicy, Repository } from "../state";
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

/**
 * Immutability policies of organizations and repositories (docs/quay-api.md#immutability; quay
 * v3.18.0 endpoints/api/immutability_policy.py, data/model/immutability.py). The emulator holds no
 * tags, so a policy marks none and `tags_made_immutable_by_policy` is never logged.
 */

const POLICY_CONFIG = {
  type: "object",
  required: ["tagPattern"],
  properties: {
    tagPattern: { type: "string" },
    tagPatternMatches: { type: "boolean" },
  },
};

interface PolicyConfig {
  tagPattern: string;
  tagPatternMatches: unknown;
}

/** `_parse_policy_config`: the pattern is stripped, tagPatternMatches defaults to true. */
function readConfig(ctx: Ctx): PolicyConfig {
  const data = body<Record<string, unknown>>(ctx, POLICY_CONFIG);
  return {
    tagPattern: (data.tagPattern as string).trim(),
    tagPatternMatches: "tagPatternMatches" in data ? data.tagPatternMatches : true,
  };
}

/**
 * Whether Python's `regex` module compiles the pattern, judged by JavaScript's RegExp after turning
 * the Python-only forms that patterns commonly use into JavaScript's: named groups `(?P<n>...)` and
 * `(?P=n)`, atomic groups `(?>...)` and leading inline flags `(?i)`. Rarer differences are not modelled.
 */
export function pythonRegexError(pattern: string): string | undefined {
  const js = pattern
    .replace(/^\(\?[aiLmsux]+\)/, "")
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?P=(\w+)\)/g, "\\k<$1>")
    .replace(/\(\?>/g, "(?:");
  try {
    new RegExp(js);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, "");
  }
}

/** `_validate_policy`: InvalidImmutabilityPolicy, answered with request_error (400). */
function assertValid(c: PolicyConfig): void {
  if (c.tagPattern === "") throw invalidRequest("tag_pattern is required and must be a non-empty string");
  if (c.tagPattern.length > 256) throw invalidRequest("tag_pattern must be 256 characters or less");
  const error = pythonRegexError(c.tagPattern);
  if (error !== undefined) throw invalidRequest(`Invalid regex pattern: ${error}`);
}

const DUPLICATE = "A policy with the same tag_pattern already exists";

/** `_get_namespace`: an enabled user or organization; else an uncaught InvalidNamespaceException. */
function activeNamespace(ctx: Ctx, name: string): Account {
  const a = ctx.store.account(name);
  if (!a || a.kind === "robot" || !a.enabled) throw new DataModelError(`Username does not exist: ${name}`);
  return a;
}

function policyView(p: ImmutabilityPolicy): unknown {
  return { uuid: p.uuid, tagPattern: p.tagPattern, tagPatternMatches: p.tagPatternMatches };
}

function logMetadata(c: PolicyConfig, namespace: string, repo?: string): Record<string, unknown> {
  return {
    namespace,
    ...(repo !== undefined ? { repo } : {}),
    tag_pattern: c.tagPattern,
    tag_pattern_matches: c.tagPatternMatches,
  };
}

const namespacePolicies = (ctx: Ctx, name: string): ImmutabilityPolicy[] =>
  namespaceTagPolicies(ctx, ctx.store.immutability, name);

const repoPolicies = (ctx: Ctx, repo: Repository): ImmutabilityPolicy[] =>
  repositoryTagPolicies(ctx.store.immutability, repo);

function add(ctx: Ctx, ns: Account, repo: Repository | null, c: PolicyConfig): ImmutabilityPolicy {
  const p: ImmutabilityPolicy = {
    id: ctx.store.newId(),
    uuid: randomUUID(),
    namespaceId: ns.id,
    repoId: repo ? repo.id : null,
    tagPattern: c.tagPattern,
    tagPatternMatches: c.tagPatternMatches,
  };
  ctx.store.immutability.set(p.id, p);
  return p;
}

// --- organization policies ------------------------------------------------------------------------

const orgList = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  orgPolicyCanRead(ctx, orgname);
  return ok({ policies: namespacePolicies(ctx, orgname).map(policyView) });
};

const orgCreate = (ctx: Ctx): Reply => {
  // validate_json_request runs before the handler's permission check.
  const c = readConfig(ctx);
  const orgname = param(ctx, "orgname");
  orgPolicyCanWrite(ctx, orgname);
  assertValid(c);
  const ns = activeNamespace(ctx, orgname);
  if (namespacePolicies(ctx, orgname).some((p) => p.tagPattern === c.tagPattern))
    throw invalidRequest(DUPLICATE);
  const p = add(ctx, ns, null, c);
  log(ctx, "create_immutability_policy", orgname, logMetadata(c, orgname));
  return created({ uuid: p.uuid });
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
  assertValid(c);
  activeNamespace(ctx, orgname);
  const uuid = param(ctx, "policy_uuid");
  const policies = namespacePolicies(ctx, orgname);
  const p = policies.find((x) => x.uuid === uuid);
  if (!p) throw notFound();
  if (policies.some((x) => x.uuid !== uuid && x.tagPattern === c.tagPattern)) throw invalidRequest(DUPLICATE);
  p.tagPattern = c.tagPattern;
  p.tagPatternMatches = c.tagPatternMatches;
  log(ctx, "update_immutability_policy", orgname, logMetadata(c, orgname));
  // The handler returns {"uuid"} with 204: no body.
  return noContent();
};

const orgDelete = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  orgPolicyCanWrite(ctx, orgname);
  activeNamespace(ctx, orgname);
  const uuid = param(ctx, "policy_uuid");
  const p = namespacePolicies(ctx, orgname).find((x) => x.uuid === uuid);
  if (!p) throw notFound();
  ctx.store.immutability.delete(p.id);
  log(ctx, "delete_immutability_policy", orgname, { namespace: orgname, policy_uuid: uuid });
  return ok({ uuid });
};

// --- repository policies --------------------------------------------------------------------------

const repoList = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3, true);
  return ok({ policies: repoPolicies(ctx, repoOr404(ctx, namespace, name)).map(policyView) });
};

const repoCreate = (ctx: Ctx): Reply => {
  // require_repo_admin wraps validate_json_request here: the permission comes first.
  const { namespace, name } = requireRepo(ctx, 3);
  const c = readConfig(ctx);
  repoOr404(ctx, namespace, name);
  assertValid(c);
  const ns = activeNamespace(ctx, namespace);
  const repo = repoOr404(ctx, namespace, name);
  if (repoPolicies(ctx, repo).some((p) => p.tagPattern === c.tagPattern)) throw invalidRequest(DUPLICATE);
  const p = add(ctx, ns, repo, c);
  log(ctx, "create_immutability_policy", namespace, logMetadata(c, namespace, name), repo);
  return created({ uuid: p.uuid });
};

const repoGet = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const repo = ctx.store.repo(namespace, name);
  const p = repo ? repoPolicies(ctx, repo).find((x) => x.uuid === param(ctx, "policy_uuid")) : undefined;
  if (!p) throw notFound();
  return ok(policyView(p));
};

const repoUpdate = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3);
  const c = readConfig(ctx);
  assertValid(c);
  activeNamespace(ctx, namespace);
  const repo = repoOr404(ctx, namespace, name);
  const uuid = param(ctx, "policy_uuid");
  const policies = repoPolicies(ctx, repo);
  const p = policies.find((x) => x.uuid === uuid);
  if (!p) throw notFound();
  if (policies.some((x) => x.uuid !== uuid && x.tagPattern === c.tagPattern)) throw invalidRequest(DUPLICATE);
  p.tagPattern = c.tagPattern;
  p.tagPatternMatches = c.tagPatternMatches;
  log(ctx, "update_immutability_policy", namespace, logMetadata(c, namespace, name), repo);
  return noContent();
};

const repoDelete = (ctx: Ctx): Reply => {
  const { namespace, name } = requireRepo(ctx, 3);
  activeNamespace(ctx, namespace);
  const repo = repoOr404(ctx, namespace, name);
  const uuid = param(ctx, "policy_uuid");
  const p = repoPolicies(ctx, repo).find((x) => x.uuid === uuid);
  if (!p) throw notFound();
  ctx.store.immutability.delete(p.id);
  log(ctx, "delete_immutability_policy", namespace, { namespace, repo: name, policy_uuid: uuid }, repo);
  return ok({ uuid });
};

const immutable = { enabled: gates.immutableTags };

export const immutabilityRoutes = [
  apiRoute(
    "/api/v1/organization/{orgname}/immutabilitypolicy/",
    { GET: orgList, POST: orgCreate },
    immutable,
  ),
  apiRoute(
    "/api/v1/organization/{orgname}/immutabilitypolicy/{policy_uuid}",
    { GET: orgGet, PUT: orgUpdate, DELETE: orgDelete },
    immutable,
  ),
  apiRoute(
    "/api/v1/repository/{repository:repo}/immutabilitypolicy/",
    { GET: repoList, POST: repoCreate },
    immutable,
  ),
  apiRoute(
    "/api/v1/repository/{repository:repo}/immutabilitypolicy/{policy_uuid}",
    { GET: repoGet, PUT: repoUpdate, DELETE: repoDelete },
    immutable,
  ),
];

import { isQuayApiError } from "../errors";
import { apiPath, repo } from "../paths";
import { dataOf, isNotFound, orgScope, type QuaySession } from "./session";

/** An immutability policy as Quay shows it (docs/quay-api.md#immutability). */
export interface ImmutabilityPolicyView {
  uuid: string;
  tagPattern: string;
  tagPatternMatches: boolean;
}

export interface ImmutabilityPolicyWrite {
  tagPattern: string;
  tagPatternMatches: boolean;
}

/** An organization, or one repository of it. */
export interface ImmutabilityScope {
  namespace: string;
  repository?: string | undefined;
}

const base = (p: ImmutabilityScope): string =>
  p.repository === undefined
    ? apiPath`/api/v1/organization/${p.namespace}/immutabilitypolicy/`
    : apiPath`/api/v1/repository/${repo(p.namespace, p.repository)}/immutabilitypolicy/`;

/** The scope's policies (one request per scope and run); undefined for a missing repository. */
export async function listImmutabilityPolicies(
  s: QuaySession,
  p: ImmutabilityScope,
): Promise<ImmutabilityPolicyView[] | undefined> {
  const r = await s.get<{ policies: ImmutabilityPolicyView[] }>(base(p), {
    scope: orgScope(p.namespace),
    notFound: "undefined",
  });
  return r?.policies;
}

/**
 * Quay keeps one policy per pattern and scope: a lost create is recognised by its pattern, and a
 * create refused as a duplicate (a policy made meanwhile) answers the existing policy.
 */
export async function createImmutabilityPolicy(
  s: QuaySession,
  p: ImmutabilityScope,
  body: ImmutabilityPolicyWrite,
): Promise<string> {
  const find = async () => {
    s.invalidate(orgScope(p.namespace));
    return ((await listImmutabilityPolicies(s, p)) ?? []).find((x) => x.tagPattern === body.tagPattern);
  };
  try {
    const r = await s.write<{ uuid: string }>("POST", base(p), {
      scope: orgScope(p.namespace),
      body,
      landed: async () => (await find()) !== undefined,
    });
    const uuid = dataOf(r)?.uuid;
    if (uuid) return uuid;
  } catch (e) {
    if (!(isQuayApiError(e) && e.status === 400 && !e.unrouted && (await find()))) throw e;
  }
  const found = await find();
  if (!found)
    throw new Error(
      `the immutability policy ${body.tagPattern} of ${p.namespace}${p.repository ? `/${p.repository}` : ""} was created but is not listed`,
    );
  return found.uuid;
}

/** PUT replaces the whole policy and answers 204. */
export async function updateImmutabilityPolicy(
  s: QuaySession,
  p: ImmutabilityScope,
  uuid: string,
  body: ImmutabilityPolicyWrite,
): Promise<void> {
  await s.write("PUT", `${base(p)}${encodeURIComponent(uuid)}`, {
    scope: orgScope(p.namespace),
    body,
    idempotent: true,
  });
}

/** Delete; a policy (or repository) already gone answers 404. */
export async function deleteImmutabilityPolicy(
  s: QuaySession,
  p: ImmutabilityScope,
  uuid: string,
): Promise<void> {
  try {
    await s.write("DELETE", `${base(p)}${encodeURIComponent(uuid)}`, { scope: orgScope(p.namespace) });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

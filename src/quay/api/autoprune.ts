import { apiPath, repo } from "../paths";
import { isNotFound, orgScope, type QuaySession } from "./session";

/** Auto-prune policy view (docs/quay-api.md#auto-prune). */
export interface PrunePolicyView {
  uuid: string;
  method: "number_of_tags" | "creation_date";
  value: number | string;
  tagPattern: string | null;
  tagPatternMatches: boolean;
}

export interface PrunePolicyWrite {
  method: "number_of_tags" | "creation_date";
  value: number | string;
  tagPattern?: string;
  tagPatternMatches: boolean;
}

/** Where a policy lives: an organization, or one repository of it. */
export interface PruneScope {
  namespace: string;
  repository?: string | undefined;
}

const base = (p: PruneScope): string =>
  p.repository === undefined
    ? apiPath`/api/v1/organization/${p.namespace}/autoprunepolicy/`
    : apiPath`/api/v1/repository/${repo(p.namespace, p.repository)}/autoprunepolicy/`;

export async function listPrunePolicies(
  s: QuaySession,
  p: PruneScope,
): Promise<PrunePolicyView[] | undefined> {
  const r = await s.get<{ policies: PrunePolicyView[] }>(base(p), {
    scope: orgScope(p.namespace),
    notFound: "undefined",
  });
  return r?.policies;
}

/** Identical policies are refused (400 duplicate, docs/quay-api.md#auto-prune); a lost create is found by its values. */
export async function createPrunePolicy(
  s: QuaySession,
  p: PruneScope,
  body: PrunePolicyWrite,
): Promise<string> {
  const find = async () => {
    s.invalidate(orgScope(p.namespace));
    return ((await listPrunePolicies(s, p)) ?? []).find((x) => samePolicyValues(x, body));
  };
  const r = await s.write<{ uuid: string }>("POST", base(p), {
    scope: orgScope(p.namespace),
    body,
    landed: async () => !!(await find()),
  });
  if (!r.landed && r.data?.uuid) return r.data.uuid;
  const found = await find();
  if (!found)
    throw new Error(
      `auto-prune policy of ${p.namespace}${p.repository ? `/${p.repository}` : ""} was created but is not listed`,
    );
  return found.uuid;
}

export const samePolicyValues = (x: PrunePolicyView, w: PrunePolicyWrite): boolean =>
  x.method === w.method &&
  String(x.value) === String(w.value) &&
  (x.tagPattern ?? undefined) === (w.tagPattern ?? undefined) &&
  x.tagPatternMatches === w.tagPatternMatches;

/** PUT is a full replace and answers 204 (docs/quay-api.md#auto-prune). */
export async function updatePrunePolicy(
  s: QuaySession,
  p: PruneScope,
  uuid: string,
  body: PrunePolicyWrite,
): Promise<void> {
  await s.write("PUT", `${base(p)}${encodeURIComponent(uuid)}`, { scope: orgScope(p.namespace), body });
}

export async function deletePrunePolicy(s: QuaySession, p: PruneScope, uuid: string): Promise<void> {
  try {
    await s.write("DELETE", `${base(p)}${encodeURIComponent(uuid)}`, { scope: orgScope(p.namespace) });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

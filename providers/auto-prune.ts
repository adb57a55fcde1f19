import { autoPrune as descriptor } from "../src/kinds/auto-prune";
import {
  createPrunePolicy,
  deletePrunePolicy,
  listPrunePolicies,
  type PrunePolicyView,
  type PrunePolicyWrite,
  type PruneScope,
  updatePrunePolicy,
} from "../src/quay/api/autoprune";
import type { Kind } from "./base";
import { type Failures, namespaceName, oneOf, repositoryName } from "./validate";

/** An auto-prune policy of an organization or of one repository (docs/quay-api.md#auto-prune). */
export interface AutoPruneInputs {
  namespace: string;
  /** Undefined: the organization's policy. */
  repository?: string;
  method: "number_of_tags" | "creation_date";
  value: number | string;
  tagPattern?: string;
  tagPatternMatches: boolean;
}

export interface AutoPruneState extends AutoPruneInputs {
  uuid: string;
}

const scopeOf = (d: AutoPruneInputs): PruneScope => ({ namespace: d.namespace, repository: d.repository });

const writeOf = (d: AutoPruneInputs): PrunePolicyWrite => ({
  method: d.method,
  value: d.value,
  ...(d.tagPattern !== undefined ? { tagPattern: d.tagPattern } : {}),
  tagPatternMatches: d.tagPatternMatches,
});

/** Our policy's identity among the scope's policies: what it prunes, not how much (that may change). */
const sameTarget = (p: PrunePolicyView, d: AutoPruneInputs) =>
  p.method === d.method &&
  (p.tagPattern ?? undefined) === d.tagPattern &&
  p.tagPatternMatches === d.tagPatternMatches;

const liveOf = (p: PrunePolicyView, state: AutoPruneInputs): AutoPruneState => ({
  namespace: state.namespace,
  ...(state.repository !== undefined ? { repository: state.repository } : {}),
  method: p.method,
  value: p.value,
  ...(p.tagPattern !== null ? { tagPattern: p.tagPattern } : {}),
  tagPatternMatches: p.tagPatternMatches,
  uuid: p.uuid,
});

export const autoPrune: Kind<AutoPruneInputs, AutoPruneState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["namespace", "repository", "method", "value", "tagPattern", "tagPatternMatches"],
  replaceOn: {
    namespace: "a policy belongs to one organization or repository",
    repository: "a policy belongs to one organization or repository",
  },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "namespace", d.namespace);
    if (d.repository !== undefined) repositoryName(f, "repository", d.repository);
    oneOf(f, "method", d.method, ["number_of_tags", "creation_date"]);
    if (d.method === "number_of_tags" && (!Number.isInteger(d.value) || (d.value as number) <= 0)) {
      f.push(["value", "number_of_tags needs an integer > 0 (docs/quay-api.md#auto-prune)"]);
    }
    if (d.method === "creation_date" && (typeof d.value !== "string" || !/^\d+[smhdwy]$/.test(d.value))) {
      f.push(["value", "creation_date needs <n><s|m|h|d|w|y>, e.g. 90d (docs/quay-api.md#auto-prune)"]);
    }
    if (d.tagPattern !== undefined && d.tagPattern.trim() === "") f.push(["tagPattern", "cannot be empty"]);
    return f;
  },
  id: (d, live) => live?.uuid ?? `${d.namespace}${d.repository ? `/${d.repository}` : ""}:${d.method}`,

  async create(c, d) {
    const existing = ((await listPrunePolicies(c.session, scopeOf(d))) ?? []).find((p) => sameTarget(p, d));
    if (existing) {
      c.log.info(
        `adopted the existing auto-prune policy ${d.method} of ${d.namespace}${d.repository ? `/${d.repository}` : ""}`,
      );
      if (String(existing.value) !== String(d.value))
        await updatePrunePolicy(c.session, scopeOf(d), existing.uuid, writeOf(d));
      return { ...d, uuid: existing.uuid };
    }
    const uuid = await createPrunePolicy(c.session, scopeOf(d), writeOf(d));
    return { ...d, uuid };
  },

  async read(c, _id, state) {
    const p = ((await listPrunePolicies(c.session, scopeOf(state))) ?? []).find((x) => x.uuid === state.uuid);
    return p ? liveOf(p, state) : undefined;
  },

  async update(c, _id, state, d) {
    // PUT is a full replace (docs/quay-api.md#auto-prune).
    await updatePrunePolicy(c.session, scopeOf(d), state.uuid, writeOf(d));
    return { ...d, uuid: state.uuid };
  },

  async delete(c, _id, state) {
    await deletePrunePolicy(c.session, scopeOf(state), state.uuid);
  },
};

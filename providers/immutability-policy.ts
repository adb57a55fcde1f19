import { immutabilityPolicy as descriptor } from "../src/kinds/immutability-policy";
import {
  createImmutabilityPolicy,
  deleteImmutabilityPolicy,
  type ImmutabilityPolicyView,
  type ImmutabilityScope,
  listImmutabilityPolicies,
  updateImmutabilityPolicy,
} from "../src/quay/api/immutability";
import type { Kind } from "./base";
import { type Failures, namespaceName, repositoryName } from "./validate";

/**
 * An immutability policy of an organization or of one repository (docs/quay-api.md#immutability):
 * tags whose whole name matches `tagPattern` (or, with `tagPatternMatches: false`, does not) cannot
 * be overwritten, deleted or expire.
 */
export interface ImmutabilityPolicyInputs {
  namespace: string;
  /** Undefined: the organization's policy. */
  repository?: string;
  tagPattern: string;
  tagPatternMatches: boolean;
}

export interface ImmutabilityPolicyState extends ImmutabilityPolicyInputs {
  uuid: string;
}

/** Quay's limit on a pattern (data/model/immutability.py `_validate_policy`). */
export const MAX_TAG_PATTERN_LENGTH = 256;

const scopeOf = (d: ImmutabilityPolicyInputs): ImmutabilityScope => ({
  namespace: d.namespace,
  repository: d.repository,
});

const liveOf = (p: ImmutabilityPolicyView, state: ImmutabilityPolicyInputs): ImmutabilityPolicyState => ({
  namespace: state.namespace,
  ...(state.repository !== undefined ? { repository: state.repository } : {}),
  tagPattern: p.tagPattern,
  tagPatternMatches: p.tagPatternMatches,
  uuid: p.uuid,
});

const write = (d: ImmutabilityPolicyInputs) => ({
  tagPattern: d.tagPattern,
  tagPatternMatches: d.tagPatternMatches,
});

export const immutabilityPolicy: Kind<ImmutabilityPolicyInputs, ImmutabilityPolicyState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["namespace", "repository", "tagPattern", "tagPatternMatches"],
  replaceOn: {
    namespace: "a policy belongs to one organization or repository",
    repository: "a policy belongs to one organization or repository",
  },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "namespace", d.namespace);
    if (d.repository !== undefined) repositoryName(f, "repository", d.repository);
    if (typeof d.tagPattern !== "string" || d.tagPattern.trim() === "")
      f.push(["tagPattern", "cannot be empty (docs/quay-api.md#immutability)"]);
    else if (d.tagPattern !== d.tagPattern.trim())
      f.push(["tagPattern", "Quay strips white space around a pattern: leave it out"]);
    else if (d.tagPattern.length > MAX_TAG_PATTERN_LENGTH)
      f.push(["tagPattern", `Quay takes at most ${MAX_TAG_PATTERN_LENGTH} characters`]);
    if (typeof d.tagPatternMatches !== "boolean") f.push(["tagPatternMatches", "must be true or false"]);
    return f;
  },
  id: (d, live) => live?.uuid ?? `${d.namespace}${d.repository ? `/${d.repository}` : ""}:${d.tagPattern}`,

  async create(c, d) {
    // One policy per pattern and scope: one made by hand (or by a create whose answer was lost) is ours.
    const existing = ((await listImmutabilityPolicies(c.session, scopeOf(d))) ?? []).find(
      (p) => p.tagPattern === d.tagPattern,
    );
    if (existing) {
      c.log.info(`adopted existing immutability policy ${existing.uuid} (${d.tagPattern})`);
      if (existing.tagPatternMatches !== d.tagPatternMatches)
        await updateImmutabilityPolicy(c.session, scopeOf(d), existing.uuid, write(d));
      return { ...d, uuid: existing.uuid };
    }
    const uuid = await createImmutabilityPolicy(c.session, scopeOf(d), write(d));
    return { ...d, uuid };
  },

  async read(c, _id, state) {
    const p = ((await listImmutabilityPolicies(c.session, scopeOf(state))) ?? []).find(
      (x) => x.uuid === state.uuid,
    );
    return p ? liveOf(p, state) : undefined;
  },

  async update(c, _id, state, d) {
    // PUT replaces the whole policy.
    await updateImmutabilityPolicy(c.session, scopeOf(d), state.uuid, write(d));
    return { ...d, uuid: state.uuid };
  },

  async delete(c, _id, state) {
    await deleteImmutabilityPolicy(c.session, scopeOf(state), state.uuid);
  },
};

import { organization as descriptor } from "../src/kinds/organization";
import {
  createOrganization,
  deleteOrganization,
  getOrganization,
  type OrgView,
  updateOrganization,
} from "../src/quay/api/organizations";
import { listRepositories, tagCount } from "../src/quay/api/repositories";
import { orgScope } from "../src/quay/api/session";
import { isQuayApiError } from "../src/quay/errors";
import { ObjectGoneError, QuayGitopsError } from "../src/errors";
import type { Context, Kind } from "./base";
import { type Failures, namespaceName, oneOf } from "./validate";

export interface OrganizationInputs {
  name: string;
  /** Undefined leaves Quay's value alone. */
  email?: string;
  /** Undefined leaves Quay's value alone. */
  tagExpirationSeconds?: number;
  deletionPolicy: "retain" | "delete";
}

export type OrganizationState = OrganizationInputs;

function liveOf(view: OrgView, want: OrganizationInputs): OrganizationState {
  if (!view.is_admin) {
    throw new QuayGitopsError(
      "QG_ERR_QUAY_RESPONSE",
      `quay-gitops' Quay account cannot administer organization ${want.name}: use a superuser (FEATURE_SUPERUSERS_FULL_ACCESS) or an org admin, signed in or with a token that has org:admin`,
    );
  }
  return {
    name: view.name,
    // Fields we do not manage stay out of the state, so Quay's own values never look like drift.
    ...(want.email !== undefined ? { email: view.email } : {}),
    ...(want.tagExpirationSeconds !== undefined ? { tagExpirationSeconds: view.tag_expiration_s } : {}),
    deletionPolicy: want.deletionPolicy,
  };
}

async function converge(c: Context, view: OrgView, d: OrganizationInputs): Promise<OrganizationState> {
  const change: { email?: string; tag_expiration_s?: number } = {};
  if (d.email !== undefined && view.email !== d.email) change.email = d.email;
  if (d.tagExpirationSeconds !== undefined && view.tag_expiration_s !== d.tagExpirationSeconds) {
    change.tag_expiration_s = d.tagExpirationSeconds;
  }
  if (Object.keys(change).length === 0) return liveOf(view, d);
  const updated = await updateOrganization(c.session, d.name, change);
  return updated ? liveOf(updated, d) : { ...d };
}

export const organization: Kind<OrganizationInputs, OrganizationState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["name", "email", "tagExpirationSeconds", "deletionPolicy"],
  replaceOn: {
    name: "Quay renames organizations only through the superuser panel; a new name is a new organization",
  },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "name", d.name);
    oneOf(f, "deletionPolicy", d.deletionPolicy, ["retain", "delete"]);
    return f;
  },
  id: (d) => d.name,

  async create(c, d) {
    // Look first (one GET, cached for the Team and Quota reads): adopting sends no write.
    const found = await getOrganization(c.session, d.name);
    if (found) {
      c.log.info(`adopted existing organization ${d.name}`);
      return converge(c, found, d);
    }
    try {
      await createOrganization(c.session, d.name, d.email);
    } catch (e) {
      // 400 for an existing user or organization (docs/quay-api.md#organizations): adopt it if it is an organization we can see.
      if (!(isQuayApiError(e) && e.status === 400)) throw e;
      c.session.invalidate(orgScope(d.name));
      const existing = await getOrganization(c.session, d.name);
      if (!existing) throw e;
      c.log.info(`adopted existing organization ${d.name}`);
      return converge(c, existing, d);
    }
    if (d.tagExpirationSeconds !== undefined) {
      const updated = await updateOrganization(c.session, d.name, {
        tag_expiration_s: d.tagExpirationSeconds,
      });
      if (updated) return liveOf(updated, d);
    }
    return { ...d };
  },

  async read(c, _id, state) {
    const view = await getOrganization(c.session, state.name);
    return view ? liveOf(view, state) : undefined;
  },

  async update(c, _id, _state, d) {
    const view = await getOrganization(c.session, d.name);
    if (!view) throw new ObjectGoneError(`organization ${d.name}`, "run with --refresh to recreate it");
    return converge(c, view, d);
  },

  async delete(c, _id, state) {
    if (state.deletionPolicy !== "delete") {
      c.log.info(
        `retained organization ${state.name} in Quay (deletionPolicy: retain); it is no longer managed`,
      );
      return;
    }
    const repos = await listRepositories(c.session, state.name);
    const withTags: string[] = [];
    for (const r of repos.values()) {
      if (r.last_modified != null && (await tagCount(c.session, state.name, r.name)) > 0)
        withTags.push(r.name);
    }
    if (withTags.length > 0 && !c.settings.forceDelete) {
      throw new QuayGitopsError(
        "QG_ERR_RETAINED",
        `refusing to delete organization ${state.name}: repositories ${withTags.join(", ")} hold tags. Move the images first, or apply with --force`,
      );
    }
    await deleteOrganization(c.session, state.name);
    c.log.info(`deleted organization ${state.name}`);
  },
};

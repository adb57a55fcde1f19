import { apiPath } from "../paths";
import { isNotFound, orgScope, type QuaySession, USERS_SCOPE } from "./session";

/** `GET /api/v1/organization/<org>` as an org admin or FULL_ACCESS superuser sees it (docs/quay-api.md#organizations). */
export interface OrgView {
  name: string;
  email: string;
  is_admin: boolean;
  is_member: boolean;
  teams?: Record<string, TeamSummary>;
  ordered_teams?: string[];
  tag_expiration_s?: number;
  /** The org view's short quota view (docs/quay-api.md#quotas), present with quota management on. */
  quotas?: {
    id: number;
    limit_bytes: number;
    limits: { id: number; type: string; limit_percent: number }[];
  }[];
  quota_report?: QuotaReportView;
}

/** `quota_report` (docs/quay-api.md#quotas): the namespace's usage as Quay counts it. */
export interface QuotaReportView {
  quota_bytes: number;
  configured_quota: number | null;
  running_backfill?: string;
  backfill_status?: string;
}

/** An item of the superuser organization list (docs/quay-api.md#organizations): the short quota view and the usage report. */
export interface SuperuserOrgView {
  name: string;
  quotas?: {
    id: number;
    limit_bytes: number;
    limits: { id: number; type: string; limit_percent: number }[];
  }[];
  quota_report?: QuotaReportView;
}

/**
 * Every organization of the registry with its quota and usage in one request: the superuser list is
 * unpaginated without `limit` (docs/quay-api.md#pagination, docs/quay-api.md#organizations), and each item carries `quotas` and `quota_report`
 * (endpoints/api/superuser_models_interface.py at v3.18.0). Needs a superuser; a 403 is the caller's.
 */
export async function listSuperuserOrganizations(s: QuaySession): Promise<SuperuserOrgView[]> {
  const r = await s.get<{ organizations: SuperuserOrgView[] }>("/api/v1/superuser/organizations/", {
    scope: USERS_SCOPE,
  });
  return r?.organizations ?? [];
}

export interface TeamSummary {
  name: string;
  description: string;
  role: "member" | "creator" | "admin";
  member_count: number;
  repo_count: number;
  is_synced: boolean;
}

/**
 * The organization with its teams and quotas: one GET serves the Organization, Team and Quota
 * resources of a refresh.
 */
export function getOrganization(s: QuaySession, org: string): Promise<OrgView | undefined> {
  return s.get<OrgView>(apiPath`/api/v1/organization/${org}`, {
    scope: orgScope(org),
    notFound: "undefined",
  });
}

/** `GET .../members` (docs/quay-api.md#organizations): users only (no robots), each with its teams and direct grants. */
export interface OrgMemberView {
  name: string;
  kind: "user";
  teams: { name: string }[];
  repositories: string[];
}

/**
 * Every user in a team of the organization, with the teams (one request per organization and run).
 * Pending invites are not members and are not listed; robots are not listed at all.
 */
export async function listOrgMembers(s: QuaySession, org: string): Promise<OrgMemberView[] | undefined> {
  const r = await s.get<{ members: OrgMemberView[] }>(apiPath`/api/v1/organization/${org}/members`, {
    scope: orgScope(org),
    notFound: "undefined",
  });
  return r?.members;
}

export async function createOrganization(
  s: QuaySession,
  org: string,
  email: string | undefined,
): Promise<void> {
  await s.write("POST", "/api/v1/organization/", {
    scope: orgScope(org),
    body: email ? { name: org, email } : { name: org },
    landed: async () =>
      (await s.fresh<OrgView>(apiPath`/api/v1/organization/${org}`, {
        scope: orgScope(org),
        notFound: "undefined",
      })) !== undefined,
  });
}

export async function updateOrganization(
  s: QuaySession,
  org: string,
  change: { email?: string; tag_expiration_s?: number },
): Promise<OrgView | undefined> {
  const r = await s.write<OrgView>("PUT", apiPath`/api/v1/organization/${org}`, {
    scope: orgScope(org),
    body: change,
  });
  return r.landed ? undefined : r.data;
}

export async function deleteOrganization(s: QuaySession, org: string): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}`, { scope: orgScope(org) });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

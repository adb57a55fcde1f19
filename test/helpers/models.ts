import type { DesiredState, RepositoryModel, TenantModel } from "../../src/model/types";
import type { HeldRights } from "../../src/plan/rights";

/**
 * Tenant models built by hand for the pure tests (planning, rights, features): every list empty and
 * every policy "retain" unless a test says otherwise.
 */

export const repositoryModel = (name: string, over: Partial<RepositoryModel> = {}): RepositoryModel => ({
  name,
  visibility: "private",
  allowPublic: false,
  description: "",
  permissions: [],
  autoPrune: [],
  immutability: [],
  notifications: [],
  deletionPolicy: "retain",
  ...over,
});

/** The tenant `acme` (tenants/acme.yaml) with nothing in it but what `over` adds. */
export const tenantModel = (over: Partial<TenantModel> = {}): TenantModel => ({
  name: "acme",
  file: "tenants/acme.yaml",
  contacts: [],
  organization: { name: "acme", deletionPolicy: "retain" },
  users: [],
  robots: [],
  teams: [],
  defaultPermissions: [],
  repositories: [],
  autoPrune: [],
  immutability: [],
  ...over,
});

/** The tenants under a registry of external users and an LDAP directory. */
export const desiredState = (...tenants: TenantModel[]): DesiredState => ({
  registry: {
    file: "stacks/local.registry.yaml",
    tagExpirationOptions: [],
    users: "external",
    directory: "ldap",
    existingUsers: [],
    budgets: { maxDeletes: 1, maxTenantChangePercent: 1, minObjectsForPercent: 1, requireAllowPublic: true },
  },
  tenants,
});

/** A token that holds every right, as the preflight finds it, but what `over` takes away. */
export const heldRights = (over: Partial<HeldRights> = {}): HeldRights => ({
  url: "https://quay.lab.example",
  auth: "token",
  username: "lab-automation",
  superUser: true,
  userAdmin: true,
  orgAdmin: true,
  repoAdmin: true,
  fullAccess: true,
  existingOrganizations: new Set(),
  ...over,
});

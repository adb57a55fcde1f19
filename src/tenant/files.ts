/**
 * The shape of a tenant or registry file once it has passed its JSON Schema: field names exactly as
 * written in YAML (the tenant file interface). The schemas in schemas/ are the source of truth;
 * test/unit/tenant/schema-types.test.ts proves both list the same fields (every field of these types is
 * accepted by the schema, and every schema property appears in these types), so neither can drift.
 */

export type RepoRoleSpec = "read" | "write" | "admin";
export type TeamRoleSpec = "member" | "creator" | "admin";
export type DeletionPolicySpec = "retain" | "delete";
/** `24h`, `2w`, or a number of seconds. */
export type DurationSpec = string | number;
/** `500 GiB`, `100 GB`, or a number of bytes. */
export type SizeSpec = string | number;
/** `80%` or 80. */
export type PercentSpec = string | number;

export interface TenantFile {
  apiVersion: "quay-gitops/v1";
  kind: "Tenant";
  metadata: { name: string; contacts?: string[] };
  spec: TenantSpec;
}

export interface TenantSpec {
  organization?: OrganizationSpec;
  quota?: QuotaSpec;
  users?: UserSpec[];
  robots?: RobotSpec[];
  teams?: TeamSpec[];
  defaultPermissions?: DefaultPermissionSpec[];
  repositories?: RepositorySpec[];
  autoPrune?: AutoPruneSpec[];
  immutability?: ImmutabilitySpec[];
  notifications?: NotificationSpec[];
  proxyCache?: ProxyCacheSpec;
}

export interface OrganizationSpec {
  name?: string;
  email?: string;
  tagExpiration?: string;
  deletionPolicy?: DeletionPolicySpec;
}

export interface QuotaSpec {
  limit: SizeSpec;
  warningAt?: PercentSpec;
  rejectAt?: PercentSpec;
}

export interface UserSpec {
  name: string;
  email?: string;
}

export interface RobotSpec {
  name: string;
  description?: string;
  federation?: FederationSpec[];
}

export interface FederationSpec {
  issuer: string;
  subject: string;
}

export interface TeamSpec {
  name: string;
  role?: TeamRoleSpec;
  description?: string;
  members?: MemberSpec[];
  syncFrom?: TeamSyncSpec;
}

export interface TeamSyncSpec {
  group: string;
}

/** Exactly one of user / robot (the schema's oneOf). */
export interface MemberSpec {
  user?: string;
  robot?: string;
  expires?: string;
}

/** Exactly one of user / robot / team. */
export interface DefaultPermissionSpec {
  user?: string;
  robot?: string;
  team?: string;
  role: RepoRoleSpec;
  creator?: string;
}

/** Exactly one of user / robot / team. */
export interface PermissionSpec {
  user?: string;
  robot?: string;
  team?: string;
  role: RepoRoleSpec;
  expires?: string;
}

export interface RepositorySpec {
  name: string;
  visibility?: "private" | "public";
  allowPublic?: boolean;
  description?: string;
  deletionPolicy?: DeletionPolicySpec;
  permissions?: PermissionSpec[];
  autoPrune?: AutoPruneSpec[];
  immutability?: ImmutabilitySpec[];
  notifications?: NotificationSpec[];
  mirror?: MirrorSpec;
}

/** Exactly one of keepTags / olderThan. */
export interface AutoPruneSpec {
  keepTags?: number;
  olderThan?: string;
  tagPattern?: string;
  tagPatternMatches?: boolean;
}

export interface ImmutabilitySpec {
  tagPattern: string;
  tagPatternMatches?: boolean;
}

export interface NotificationSpec {
  event:
    | "repo_push"
    | "repo_mirror_sync_started"
    | "repo_mirror_sync_success"
    | "repo_mirror_sync_failed"
    | "vulnerability_found"
    | "repo_image_expiry";
  method: "webhook" | "slack" | "email" | "quay_notification";
  title?: string;
  /** The method's settings; which ones apply depends on the method (the tenant rules check). */
  config?: NotificationConfigSpec;
  eventConfig?: { level?: SeveritySpec; days?: number };
}

export type SeveritySpec = "Critical" | "High" | "Medium" | "Low" | "Negligible" | "Unknown";

export interface NotificationConfigSpec {
  url?: string;
  urlFrom?: { env: string } | { config: string };
  template?: string;
  email?: string;
  user?: string;
  team?: string;
  robot?: string;
}

export interface MirrorSpec {
  from: string;
  tags: string[];
  every?: DurationSpec;
  robot: string;
  credentials?: CredentialsSpec;
  verifyTls?: boolean;
  unsignedImages?: boolean;
  proxy?: { http?: string; https?: string; noProxy?: string };
  enabled?: boolean;
  skopeoTimeout?: DurationSpec;
  architectureFilter?: ("amd64" | "arm64" | "ppc64le" | "s390x")[];
}

export interface ProxyCacheSpec {
  upstream: string;
  expiration?: DurationSpec;
  insecure?: boolean;
  credentials?: CredentialsSpec;
}

export interface CredentialsSpec {
  username: string;
  passwordFrom: { env: string } | { config: string };
}

export interface RegistryFile {
  apiVersion: "quay-gitops/v1";
  kind: "Registry";
  metadata: { name: string; description?: string };
  spec: RegistrySpec;
}

export interface RegistrySpec {
  hostnames?: string[];
  users?: { mode?: "managed" | "external"; directory?: DirectorySpec; existing?: string[] };
  tagExpirationOptions?: string[];
  defaults?: { tagExpiration?: string; quota?: QuotaSpec };
  features?: FeaturesSpec;
  baseline?: BaselineSpec;
  restrictions?: { default?: RestrictionSpec; tenants?: Record<string, RestrictionSpec> };
  budgets?: {
    maxDeletes?: number;
    maxTenantChangePercent?: number;
    minObjectsForPercent?: number;
    requireAllowPublic?: boolean;
  };
}

/** What Quay's AUTHENTICATION_TYPE reads users and groups from (docs/quay-api.md#team-sync). */
export type DirectorySpec = "ldap" | "oidc" | "keystone";

export interface FeaturesSpec {
  teamSyncing?: boolean;
  repoMirror?: boolean;
  proxyCache?: boolean;
  autoPrune?: boolean;
  quotaManagement?: boolean;
  sparseIndex?: boolean;
  extendedRepositoryNames?: boolean;
  immutableTags?: boolean;
}

export interface BaselineSpec {
  teams?: BaselineTeamSpec[];
  repositoryPermissions?: BaselinePermissionSpec[];
  defaultPermissions?: BaselinePermissionSpec[];
}

export interface BaselineTeamSpec {
  name: string;
  role?: TeamRoleSpec;
  description?: string;
  members?: { user: string }[];
}

/** Exactly one of team / user. */
export interface BaselinePermissionSpec {
  team?: string;
  user?: string;
  role: RepoRoleSpec;
}

export interface RestrictionSpec {
  organizations?: string[];
  users?: string[];
  maxQuota?: SizeSpec;
}

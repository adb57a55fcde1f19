/**
 * The normalized desired state: the only input of the Pulumi program (src/program) and of planning.
 * Produced by src/tenant from tenants/*.yaml and the stack's registry file. Everything here is plain
 * data in a deterministic order (sorted by name), with defaults and the registry baseline applied,
 * and already validated: consumers never re-check names or references.
 *
 * Names follow Quay's words. Robot references are full names (`org+short`) from this point on.
 */

import type { NotificationEvent, NotificationMethod } from "./notifications";

/** Where a value came from, for messages ("tenants/acme.yaml:14:3"). */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

/** A secret is never written in a tenant file, only referenced; the program resolves it. */
export type SecretRef = { env: string } | { config: string };

export type TeamRole = "member" | "creator" | "admin";
export type RepoRole = "read" | "write" | "admin";
export type Visibility = "private" | "public";
export type DeletionPolicy = "retain" | "delete";
export type { NotificationEvent, NotificationMethod };
/** Quay's LoginService names of the directories that can sync teams (docs/quay-api.md#team-sync). */
export type Directory = "ldap" | "oidc" | "keystone";

export interface DesiredState {
  registry: RegistrySettings;
  /** Sorted by tenant name. */
  tenants: TenantModel[];
}

export interface RegistrySettings {
  /** The registry file this came from (relative to the project root). */
  file: string;
  /** Allowed organization tag expirations, as Quay's TAG_EXPIRATION_OPTIONS strings (e.g. "2w"). */
  tagExpirationOptions: string[];
  /** `managed`: users are created through the superuser API; `external`: LDAP/OIDC, only referenced. */
  users: "managed" | "external";
  /**
   * With external users: the directory behind Quay's AUTHENTICATION_TYPE, which decides what a synced
   * team's group names (docs/quay-api.md#team-sync). Undefined: none said, so no team can sync.
   */
  directory?: Directory;
  /**
   * Users that exist outside tenant files (superusers, the lab automation's service account; the
   * registry file's `users.existing`), sorted. They may be referenced (baseline team members,
   * permissions) but are never created, changed or deleted.
   */
  existingUsers: string[];
  /** Change budgets enforced by `quay-gitops apply` unless --force. */
  budgets: ChangeBudgets;
}

export interface ChangeBudgets {
  /** At most this many deletions (of any kind) in one apply. */
  maxDeletes: number;
  /** At most this percentage of one tenant's existing objects updated, replaced or deleted in one apply... */
  maxTenantChangePercent: number;
  /** ...applied only to tenants with at least this many objects. */
  minObjectsForPercent: number;
  /** Turning a repository public (or creating a public one) needs `allowPublic: true` on that repository. */
  requireAllowPublic: boolean;
}

export interface TenantModel {
  /** metadata.name; equals the file name without .yaml. */
  name: string;
  /** Tenant file path relative to the project root (or to the Git tree when read from a ref). */
  file: string;
  contacts: string[];
  organization: OrganizationModel;
  quota?: QuotaModel;
  /** Users this tenant owns: created and deleted through the superuser API (registry users: managed). */
  users: UserModel[];
  robots: RobotModel[];
  teams: TeamModel[];
  defaultPermissions: DefaultPermissionModel[];
  repositories: RepositoryModel[];
  /** Organization-level auto-prune policies. */
  autoPrune: AutoPrunePolicyModel[];
  /** Organization-level immutability policies (every repository of the organization), by pattern. */
  immutability: ImmutabilityPolicyModel[];
  proxyCache?: ProxyCacheModel;
}

export interface OrganizationModel {
  name: string;
  email?: string;
  /** Seconds; one of the registry's allowed options. Undefined leaves Quay's value alone. */
  tagExpirationSeconds?: number;
  deletionPolicy: DeletionPolicy;
}

export interface QuotaModel {
  limitBytes: number;
  /** Sorted by type then threshold. From warningAt / rejectAt. */
  limits: QuotaLimitModel[];
}

export interface QuotaLimitModel {
  type: "Warning" | "Reject";
  thresholdPercent: number;
}

export interface UserModel {
  name: string;
  email?: string;
}

export interface RobotModel {
  /** Short name, e.g. `ci`. */
  shortName: string;
  /** `org+short`. */
  fullName: string;
  description: string;
  /**
   * OIDC identities that may trade their tokens for the robot's (docs/quay-api.md#robot-federation),
   * sorted by issuer then subject. Undefined: the tenant leaves the robot's federation alone.
   */
  federation?: FederationModel[];
}

export interface FederationModel {
  /** An https URL, exactly as the tokens' `iss`. */
  issuer: string;
  subject: string;
}

export type Member = { kind: "user"; name: string } | { kind: "robot"; name: string };

export interface TeamModel {
  name: string;
  role: TeamRole;
  description: string;
  /**
   * Authoritative member set, sorted by kind then name; robots by full name; expired entries dropped.
   * Robots only when the team syncs: its users are the directory's.
   */
  members: Member[];
  /** The directory group the team's users come from (docs/quay-api.md#team-sync). */
  syncFrom?: TeamSyncModel;
  /** "registry" for the baseline team that the registry file adds to every organization. */
  origin: "tenant" | "registry";
}

export interface TeamSyncModel {
  directory: Directory;
  /** As the directory names it: an LDAP DN relative to the base DN, an OIDC group name, a Keystone group id. */
  group: string;
}

export type Delegate =
  | { kind: "user"; name: string }
  | { kind: "robot"; name: string }
  | { kind: "team"; name: string };

export interface DefaultPermissionModel {
  delegate: Delegate;
  role: RepoRole;
  /** Only for repositories created by this user; undefined = any creator. */
  activatingUser?: string;
  origin: "tenant" | "registry";
}

export interface RepoPermissionModel {
  kind: "user" | "robot" | "team";
  /** User name, robot full name or team name. */
  name: string;
  role: RepoRole;
}

export interface RepositoryModel {
  name: string;
  visibility: Visibility;
  description: string;
  /** Authoritative permission set (users, robots, teams), sorted by kind then name. */
  permissions: RepoPermissionModel[];
  autoPrune: AutoPrunePolicyModel[];
  /** Repository-level immutability policies, by pattern. */
  immutability: ImmutabilityPolicyModel[];
  /**
   * The repository's notifications: the tenant's `spec.notifications` (every repository) and its own,
   * sorted by event, method and title (what names them; unique per repository).
   */
  notifications: NotificationModel[];
  mirror?: MirrorModel;
  deletionPolicy: DeletionPolicy;
  /** The tenant acknowledged that this repository is public (change budget). */
  allowPublic: boolean;
}

export interface AutoPrunePolicyModel {
  method: "number_of_tags" | "creation_date";
  /** number_of_tags: an integer > 0; creation_date: "<n><s|m|h|d|w|y>". */
  value: number | string;
  tagPattern?: string;
  tagPatternMatches: boolean;
}

/** Tags whose whole name matches `tagPattern` (or does not, with `tagPatternMatches: false`) become immutable. */
export interface ImmutabilityPolicyModel {
  /** A regular expression, matched against the whole tag name (Quay's `fullmatch`). */
  tagPattern: string;
  tagPatternMatches: boolean;
}

/** Who a `quay_notification` notifies: a user, or the members of a team of the organization. */
export type NotificationTarget = { kind: "user"; name: string } | { kind: "team"; name: string };

/** A repository notification (Quay's words: event, method, config, eventConfig, title). */
export interface NotificationModel {
  event: NotificationEvent;
  method: NotificationMethod;
  title?: string;
  /**
   * Quay's method config, without a secret URL: webhook `{url?, template?}`, slack `{}`, email
   * `{email}`, quay_notification `{target}`.
   */
  config: { url?: string; template?: string; email?: string; target?: NotificationTarget };
  /** Quay's event config: `level` (severity index) for vulnerability_found, `days` for repo_image_expiry. */
  eventConfig: { level?: number; days?: number };
  /** The webhook or Slack URL holds a token: resolved like a password, never in the file. */
  urlFrom?: SecretRef;
  /** `tenant`: from spec.notifications (every repository); `repository`: the repository's own. */
  scope: "tenant" | "repository";
}

export interface Credentials {
  username: string;
  passwordFrom: SecretRef;
}

export interface MirrorModel {
  /** `registry[:port]/namespace/repo`, no scheme. */
  externalReference: string;
  /** Tag globs (root_rule tag_glob_csv). */
  tags: string[];
  syncIntervalSeconds: number;
  /** Robot full name `org+short`, declared in the same tenant. */
  robot: string;
  credentials?: Credentials;
  verifyTls: boolean;
  unsignedImages: boolean;
  proxy?: { http?: string; https?: string; noProxy?: string };
  enabled: boolean;
  skopeoTimeoutSeconds: number;
  architectureFilter: string[];
}

export interface ProxyCacheModel {
  /** `host[:port][/namespace...]`. */
  upstream: string;
  expirationSeconds: number;
  insecure: boolean;
  credentials?: Credentials;
}

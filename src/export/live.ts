/**
 * What `quay-gitops export` read from Quay, as plain data: the input of the pure export
 * (src/export/build.ts). src/gitops/export.ts fills it from Quay's list endpoints; tests build it by
 * hand. Names follow Quay's words; nothing here is normalized yet (the export decides what the
 * tenant format can say).
 */

export type RepoRole = "read" | "write" | "admin";
export type TeamRole = "member" | "creator" | "admin";

/** The registry file's feature keys (schemas/registry.schema.json `features`). */
export type FeatureKey =
  | "repoMirror"
  | "proxyCache"
  | "autoPrune"
  | "quotaManagement"
  | "sparseIndex"
  | "extendedRepositoryNames"
  | "immutableTags"
  | "teamSyncing";

export interface LiveLab {
  /** The Quay URL, for the files' header. */
  url: string;
  /** The account the export read as: Quay gives it grants by itself (docs/quay-api.md#side-effects). */
  account: string;
  superUser: boolean;
  registry: LiveRegistryConfig;
  /** Every user (the superuser user list); undefined when the account could not list them. */
  users: LiveUser[] | undefined;
  /** The organizations to export, sorted by name. */
  organizations: LiveOrganization[];
  /**
   * Team memberships in organizations that are not exported (user → organizations), so a user of
   * an exported organization who is also a member elsewhere is not given to one tenant.
   */
  otherMemberships: ReadonlyMap<string, readonly string[]>;
}

export interface LiveRegistryConfig {
  /** Quay's TAG_EXPIRATION_OPTIONS, when Quay told (its `/config` document). */
  tagExpirationOptions?: string[];
  /** Feature flags that were detected; a missing key was not. */
  features: Partial<Record<FeatureKey, boolean>>;
  /** Where the flags came from: Quay's `/config` document, the API's discovery document, or nowhere. */
  featureSource: "config" | "discovery" | "none";
  /** Quay's AUTHENTICATION_TYPE (Database, LDAP, OIDC, ...), when told. */
  authenticationType?: string;
  /** Quay's SERVER_HOSTNAME, when told. */
  serverHostname?: string;
}

export interface LiveUser {
  name: string;
  email: string | null;
  enabled: boolean;
  superUser: boolean;
}

export interface LiveOrganization {
  name: string;
  /** `""` when Quay has none (or hides it). */
  email: string;
  tagExpirationSeconds?: number;
  quota?: { limitBytes: number; limits: { type: "Warning" | "Reject"; percent: number }[] };
  /**
   * Full names (`org+short`). `federation` is the robot's OIDC federation list, undefined when not
   * read (`export --no-federation`).
   */
  robots: { name: string; description: string; federation?: LiveFederation[] }[];
  teams: LiveTeam[];
  defaultPermissions: LiveDefaultPermission[];
  repositories: LiveRepository[];
  /** Undefined when not read (feature off or denied). */
  autoPrune: LivePrunePolicy[] | undefined;
  proxyCache?: { upstream: string; expirationSeconds: number; insecure: boolean };
  /** Undefined when not read (FEATURE_IMMUTABLE_TAGS off or not known to be on). */
  immutability?: LiveImmutabilityPolicy[];
  /** What could not be read, said as a sentence each (the export lists them as notes). */
  unread: string[];
}

export interface LiveTeam {
  name: string;
  role: TeamRole;
  description: string;
  /** Synchronized from LDAP/OIDC (`is_synced`): its members come from the directory. */
  synced: boolean;
  /**
   * A synced team's sync as its member list shows it: Quay's service (`ldap`, `oidc`, `keystone`)
   * and the group, which Quay shows to superusers only (docs/quay-api.md#team-sync).
   */
  sync?: { directory: string; group?: string };
  /** Users and robots (full names); `invited` users have not accepted yet. */
  members: { kind: "user" | "robot"; name: string; invited?: boolean }[];
  /** E-mail invitations of people without an account. */
  emailInvites: number;
}

export interface LiveDefaultPermission {
  delegate: { kind: "user" | "robot" | "team"; name: string };
  role: RepoRole;
  activatingUser?: string;
}

export interface LiveGrant {
  kind: "user" | "robot" | "team";
  name: string;
  role: RepoRole;
  /** Users only: Quay's `is_org_member`. */
  orgMember?: boolean;
}

export interface LiveRepository {
  name: string;
  isPublic: boolean;
  description: string | null;
  state: string;
  /** `image` (or Quay's other kinds, e.g. `application`). */
  kind: string;
  grants: LiveGrant[];
  /** Undefined when not read (feature off or denied). */
  autoPrune: LivePrunePolicy[] | undefined;
  mirror?: LiveMirror;
  /** Undefined when not read (`export --no-notifications`). */
  notifications?: LiveNotification[];
  /** Undefined when not read (FEATURE_IMMUTABLE_TAGS off or not known to be on). */
  immutability?: LiveImmutabilityPolicy[];
}

/**
 * A repository notification as Quay lists it. `config` may hold a secret (a webhook or Slack URL
 * with its token): the export never writes it, prints it or puts it into a note.
 */
export interface LiveNotification {
  title: string | null;
  event: string;
  method: string;
  config: Record<string, unknown>;
  eventConfig: Record<string, unknown>;
}

export interface LiveImmutabilityPolicy {
  tagPattern: string;
  tagPatternMatches: boolean;
}

export interface LiveFederation {
  issuer: string;
  subject: string;
}

export interface LivePrunePolicy {
  method: string;
  value: number | string;
  tagPattern?: string | null;
  tagPatternMatches: boolean;
}

export interface LiveMirror {
  externalReference: string;
  ruleKind: string;
  tags: string[];
  syncIntervalSeconds: number;
  /** Full name. */
  robot: string;
  username: string | null;
  verifyTls: boolean;
  unsignedImages: boolean;
  proxy: { http?: string | null; https?: string | null; noProxy?: string | null } | undefined;
  isEnabled: boolean;
  skopeoTimeoutSeconds: number;
  architectureFilter: string[];
}

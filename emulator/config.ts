import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { EmulatorError } from "./errors";

/**
 * Emulator configuration, in Quay's own config.yaml key names (docs/quay-api.md#features) plus a few
 * `EMULATOR_*` switches for behaviours the reference marks unconfirmed or that are emulator-only.
 * Unknown keys are accepted and ignored, as Quay ignores keys it does not know.
 */
export interface EmulatorConfig {
  SUPER_USERS?: string[];
  GLOBAL_READONLY_SUPER_USERS?: string[];
  TAG_EXPIRATION_OPTIONS?: string[];
  DEFAULT_TAG_EXPIRATION?: string;
  AUTHENTICATION_TYPE?: string;
  /** LDAP: the base DN as a list of RDNs (Quay joins them with `,`). */
  LDAP_BASE_DN?: string[];
  /** Keystone: 2 (Quay's default) or 3; only v3 can sync teams. */
  KEYSTONE_AUTH_VERSION?: number;
  REGISTRY_STATE?: "normal" | "readonly";
  DEFAULT_SYSTEM_REJECT_QUOTA_BYTES?: number;
  SSRF_ALLOWED_HOSTS?: string[];
  WEBHOOK_HOSTNAME_BLACKLIST?: string[];
  ROBOTS_DISALLOW?: boolean;
  PUBLIC_NAMESPACES?: string[];
  FRESH_LOGIN_TIMEOUT?: string;
  SESSION_TIMEOUT?: string;
  SECRET_KEY?: string;
  PREFERRED_URL_SCHEME?: string;
  FORCE_NONSECURE_SESSION_COOKIE?: boolean;
  ACTION_LOG_AUDIT_LOGINS?: boolean;
  ACTION_LOG_AUDIT_LOGIN_FAILURES?: boolean;
  /** Switches: see docs/emulator.md "Unconfirmed behaviours and switches". */
  EMULATOR_BODY_LIMIT_BYTES?: number;
  EMULATOR_QUOTA_BACKFILL_STATUS?: "" | "waiting" | "running" | "complete";
  EMULATOR_RESOLVE_UPSTREAM_HOSTS?: boolean;
  EMULATOR_INITIALIZE_TOKEN_TTL_S?: number;
  EMULATOR_EXTENDED_LOG_FIELDS_IN_VIEW?: boolean;
  /**
   * The directory behind LDAP, Keystone or OIDC auth, which the emulator does not speak to: group →
   * the usernames in it. The key is what a team sync names: an LDAP `group_dn` (relative to
   * LDAP_BASE_DN), a Keystone `group_id`, an OIDC `group_name`.
   */
  EMULATOR_DIRECTORY_GROUPS?: Record<string, string[]>;
  [key: `FEATURE_${string}`]: boolean | undefined;
  [key: string]: unknown;
}

/** Quay's defaults (config.py) for every flag the emulator looks at. */
export const QUAY_FEATURE_DEFAULTS: Readonly<Record<string, boolean>> = {
  FEATURE_SUPER_USERS: true,
  FEATURE_SUPERUSERS_FULL_ACCESS: false,
  FEATURE_SUPERUSERS_ORG_CREATION_ONLY: false,
  FEATURE_QUOTA_MANAGEMENT: false,
  FEATURE_EDIT_QUOTA: true,
  FEATURE_REPO_MIRROR: false,
  FEATURE_PROXY_CACHE: false,
  FEATURE_AUTO_PRUNE: false,
  FEATURE_IMMUTABLE_TAGS: false,
  FEATURE_MAILING: true,
  FEATURE_REQUIRE_TEAM_INVITE: true,
  FEATURE_USER_INITIALIZE: false,
  FEATURE_CHANGE_TAG_EXPIRATION: true,
  FEATURE_EXTENDED_REPOSITORY_NAMES: true,
  FEATURE_AGGREGATED_LOG_COUNT_RETRIEVAL: true,
  FEATURE_ANONYMOUS_ACCESS: true,
  FEATURE_ORG_SHARED_EMAIL: false,
  FEATURE_SPARSE_INDEX: false,
  FEATURE_USER_LAST_ACCESSED: true,
  FEATURE_DIRECT_LOGIN: true,
  FEATURE_PERMANENT_SESSIONS: true,
  FEATURE_TEAM_SYNCING: false,
  FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP: false,
};

/** The lab's configuration (docs/quay-api.md#sources): the emulator's defaults. */
export const LAB_DEFAULTS: Readonly<EmulatorConfig> = {
  SUPER_USERS: ["admin"],
  FEATURE_SUPER_USERS: true,
  FEATURE_SUPERUSERS_FULL_ACCESS: true,
  FEATURE_QUOTA_MANAGEMENT: true,
  FEATURE_EDIT_QUOTA: true,
  FEATURE_REPO_MIRROR: true,
  FEATURE_PROXY_CACHE: true,
  FEATURE_AUTO_PRUNE: true,
  FEATURE_USER_INITIALIZE: true,
  FEATURE_MAILING: false,
};

export interface ResolvedConfig {
  readonly raw: Readonly<EmulatorConfig>;
  feature(name: string): boolean;
  readonly superUsers: ReadonlySet<string>;
  readonly readonlySuperUsers: ReadonlySet<string>;
  readonly hasReadonlySuperUserConfig: boolean;
  /** TAG_EXPIRATION_OPTIONS converted to seconds. */
  readonly tagExpirationOptions: readonly number[];
  readonly defaultTagExpirationS: number;
  readonly authenticationType: string;
  /** The backend's directory, for team sync (docs/quay-api.md#team-sync). */
  readonly directory: Directory;
  readonly readOnly: boolean;
  readonly defaultSystemRejectQuotaBytes: number;
  readonly ssrfAllowedHosts: readonly string[];
  /** Webhook notification hosts refused besides `localhost` and `127.0.0.1` (notificationmethod.py). */
  readonly webhookHostnameBlacklist: readonly string[];
  readonly robotsDisallow: boolean;
  readonly publicNamespaces: readonly string[];
  readonly bodyLimitBytes: number;
  readonly quotaBackfillStatus: string;
  readonly resolveUpstreamHosts: boolean;
  readonly initializeTokenTtlS: number;
  /** Unconfirmed in docs/quay-api.md#audit-logs: whether extended action-log columns appear in log views. */
  readonly extendedLogFieldsInView: boolean;
  /** FRESH_LOGIN_TIMEOUT in seconds (Quay: "10m"): how long a sign-in satisfies @require_fresh_login. */
  readonly freshLoginTimeoutS: number;
  /** SESSION_TIMEOUT in seconds (Quay: "31d"): Flask's PERMANENT_SESSION_LIFETIME, the cookie's max age. */
  readonly sessionTimeoutS: number;
  /** SECRET_KEY signs the session cookie; without one Quay (and the emulator) makes one per start. */
  readonly secretKey: string;
  /** The session cookie's `Secure` attribute (PREFERRED_URL_SCHEME https, unless FORCE_NONSECURE_SESSION_COOKIE). */
  readonly secureSessionCookie: boolean;
  /** ACTION_LOG_AUDIT_LOGINS (Quay: true) and ACTION_LOG_AUDIT_LOGIN_FAILURES (Quay: false). */
  readonly auditLogins: boolean;
  readonly auditLoginFailures: boolean;
}

/**
 * What the authentication backend offers team sync (data/users/*.py at v3.18.0): its LoginService
 * name (`authentication.federated_service`, null for Database and AppToken), which lookup argument
 * names a group (undefined: the backend answers "Not supported"), what `service_metadata()` shows,
 * and the groups (EMULATOR_DIRECTORY_GROUPS).
 */
export interface Directory {
  readonly service: "ldap" | "keystone" | "oidc" | "jwtauthn" | null;
  readonly groupKey?: "group_dn" | "group_id" | "group_name";
  readonly metadata: Readonly<Record<string, string>>;
  readonly groups: ReadonlyMap<string, readonly string[]>;
}

function directoryOf(raw: EmulatorConfig, authenticationType: string): Directory {
  const value = raw.EMULATOR_DIRECTORY_GROUPS;
  const groups = new Map<string, string[]>();
  if (value !== undefined && value !== null) {
    if (typeof value !== "object" || Array.isArray(value))
      throw new EmulatorError(
        "QG_EMU_CONFIG",
        "EMULATOR_DIRECTORY_GROUPS must map group names to lists of usernames",
      );
    for (const [group, members] of Object.entries(value))
      groups.set(group, stringList(members, `EMULATOR_DIRECTORY_GROUPS.${group}`) ?? []);
  }
  switch (authenticationType) {
    case "LDAP": {
      const base = stringList(raw.LDAP_BASE_DN, "LDAP_BASE_DN") ?? [];
      return { service: "ldap", groupKey: "group_dn", metadata: { base_dn: base.join(",") }, groups };
    }
    case "Keystone":
      // KeystoneV2Users keeps FederatedUsers' check_group_lookup_args: "Not supported".
      return raw.KEYSTONE_AUTH_VERSION === 3
        ? { service: "keystone", groupKey: "group_id", metadata: {}, groups }
        : { service: "keystone", metadata: {}, groups };
    case "OIDC":
      return { service: "oidc", groupKey: "group_name", metadata: oidcMetadata(raw), groups };
    case "JWT":
      return { service: "jwtauthn", metadata: {}, groups };
    default:
      return { service: null, metadata: {}, groups };
  }
}

/**
 * OIDCUsers.service_metadata: the host of the first OIDC login service's issuer. Quay reads the
 * issuer from the server's discovery document; the emulator takes `OIDC_SERVER` of the first
 * `*_LOGIN_CONFIG` key that has one.
 */
function oidcMetadata(raw: EmulatorConfig): Record<string, string> {
  for (const [key, value] of Object.entries(raw)) {
    if (!key.endsWith("_LOGIN_CONFIG") || !value || typeof value !== "object") continue;
    const server = (value as Record<string, unknown>).OIDC_SERVER;
    if (typeof server !== "string") continue;
    try {
      return { issuer_domain: new URL(server).host };
    } catch {
      return {};
    }
  }
  return {};
}

/**
 * util/timedeltastring.convert_to_timedelta: `<int><s|m|h|d|w|y>`. Python's int() accepts surrounding
 * whitespace and a sign, so " 7d" and "-1d" are valid there too.
 */
export function timedeltaSeconds(value: string): number | undefined {
  const m = /^\s*([+-]?\d+)\s*([smhdwy])$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }[m[2] as "s"];
  return n * unit;
}

function stringList(value: unknown, key: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new EmulatorError("QG_EMU_CONFIG", `${key} must be a list of strings`);
  }
  return value as string[];
}

export function resolveConfig(input: EmulatorConfig = {}): ResolvedConfig {
  const raw: EmulatorConfig = { ...LAB_DEFAULTS, ...input };
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith("FEATURE_") && value !== undefined && typeof value !== "boolean") {
      throw new EmulatorError("QG_EMU_CONFIG", `${key} must be true or false`);
    }
  }
  const tagOptions = stringList(raw.TAG_EXPIRATION_OPTIONS, "TAG_EXPIRATION_OPTIONS") ?? [
    "0s",
    "1d",
    "1w",
    "2w",
    "4w",
  ];
  const tagSeconds = tagOptions.map((o) => {
    const s = timedeltaSeconds(o);
    if (s === undefined)
      throw new EmulatorError("QG_EMU_CONFIG", `TAG_EXPIRATION_OPTIONS: invalid option '${o}'`);
    return s;
  });
  const defaultExpiration =
    typeof raw.DEFAULT_TAG_EXPIRATION === "string" ? raw.DEFAULT_TAG_EXPIRATION : "2w";
  const defaultTagExpirationS = timedeltaSeconds(defaultExpiration);
  if (defaultTagExpirationS === undefined) {
    throw new EmulatorError("QG_EMU_CONFIG", `DEFAULT_TAG_EXPIRATION: invalid value '${defaultExpiration}'`);
  }
  const readonlyList = stringList(raw.GLOBAL_READONLY_SUPER_USERS, "GLOBAL_READONLY_SUPER_USERS");
  const backfill = raw.EMULATOR_QUOTA_BACKFILL_STATUS ?? "waiting";
  if (!["", "waiting", "running", "complete"].includes(backfill)) {
    throw new EmulatorError(
      "QG_EMU_CONFIG",
      "EMULATOR_QUOTA_BACKFILL_STATUS must be '', waiting, running or complete",
    );
  }
  const bodyLimit = raw.EMULATOR_BODY_LIMIT_BYTES ?? 8 * 1024 * 1024;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024 * 1024 + 1) {
    throw new EmulatorError("QG_EMU_CONFIG", "EMULATOR_BODY_LIMIT_BYTES must be an integer above 1 MiB");
  }
  const ttl = raw.EMULATOR_INITIALIZE_TOKEN_TTL_S;
  if (ttl !== undefined && (typeof ttl !== "number" || !(ttl > 0))) {
    throw new EmulatorError(
      "QG_EMU_CONFIG",
      "EMULATOR_INITIALIZE_TOKEN_TTL_S must be a positive number of seconds",
    );
  }
  const duration = (key: "FRESH_LOGIN_TIMEOUT" | "SESSION_TIMEOUT", fallback: string): number => {
    const value = raw[key] ?? fallback;
    const seconds = typeof value === "string" ? timedeltaSeconds(value) : undefined;
    if (seconds === undefined)
      throw new EmulatorError("QG_EMU_CONFIG", `${key}: invalid value '${String(value)}' (e.g. 10m, 31d)`);
    return seconds;
  };
  const registryState = raw.REGISTRY_STATE ?? "normal";
  const authenticationType =
    typeof raw.AUTHENTICATION_TYPE === "string" ? raw.AUTHENTICATION_TYPE : "Database";
  const features = raw as Record<string, unknown>;
  return {
    raw,
    feature(name: string): boolean {
      const value = features[name];
      if (typeof value === "boolean") return value;
      return QUAY_FEATURE_DEFAULTS[name] ?? false;
    },
    superUsers: new Set(stringList(raw.SUPER_USERS, "SUPER_USERS") ?? []),
    readonlySuperUsers: new Set(readonlyList ?? []),
    hasReadonlySuperUserConfig: readonlyList !== undefined,
    tagExpirationOptions: tagSeconds,
    defaultTagExpirationS,
    authenticationType,
    directory: directoryOf(raw, authenticationType),
    readOnly: registryState === "readonly",
    defaultSystemRejectQuotaBytes:
      typeof raw.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES === "number" ? raw.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES : 0,
    ssrfAllowedHosts: stringList(raw.SSRF_ALLOWED_HOSTS, "SSRF_ALLOWED_HOSTS") ?? [],
    webhookHostnameBlacklist: stringList(raw.WEBHOOK_HOSTNAME_BLACKLIST, "WEBHOOK_HOSTNAME_BLACKLIST") ?? [],
    robotsDisallow: raw.ROBOTS_DISALLOW === true,
    publicNamespaces: stringList(raw.PUBLIC_NAMESPACES, "PUBLIC_NAMESPACES") ?? [],
    bodyLimitBytes: bodyLimit,
    quotaBackfillStatus: backfill,
    resolveUpstreamHosts: raw.EMULATOR_RESOLVE_UPSTREAM_HOSTS === true,
    initializeTokenTtlS: raw.EMULATOR_INITIALIZE_TOKEN_TTL_S ?? 9000,
    extendedLogFieldsInView: raw.EMULATOR_EXTENDED_LOG_FIELDS_IN_VIEW === true,
    freshLoginTimeoutS: duration("FRESH_LOGIN_TIMEOUT", "10m"),
    sessionTimeoutS: duration("SESSION_TIMEOUT", "31d"),
    secretKey:
      typeof raw.SECRET_KEY === "string" && raw.SECRET_KEY !== ""
        ? raw.SECRET_KEY
        : randomBytes(32).toString("hex"),
    secureSessionCookie: raw.PREFERRED_URL_SCHEME === "https" && raw.FORCE_NONSECURE_SESSION_COOKIE !== true,
    auditLogins: raw.ACTION_LOG_AUDIT_LOGINS !== false,
    auditLoginFailures: raw.ACTION_LOG_AUDIT_LOGIN_FAILURES === true,
  };
}

/** Reads a config file (YAML or JSON; JSON is YAML) with Quay's key names. */
export function loadConfigFile(file: string): EmulatorConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new EmulatorError("QG_EMU_CONFIG", `cannot read config file ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    throw new EmulatorError(
      "QG_EMU_CONFIG",
      `config file ${file} is not valid YAML: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new EmulatorError("QG_EMU_CONFIG", `config file ${file} must hold a mapping of Quay config keys`);
  }
  return parsed as EmulatorConfig;
}

/**
 * The registry file (kind Registry, stacks/<stack>.registry.yaml): what the lab admins own. Turned
 * into a RegistryConfig that the tenant rules and the normalization read, with Quay's and our
 * defaults filled in.
 */
import type { ChangeBudgets, RegistrySettings } from "../model/types";
import type {
  BaselinePermissionSpec,
  BaselineTeamSpec,
  FeaturesSpec,
  QuotaSpec,
  RegistryFile,
  RestrictionSpec,
} from "./files";
import { compileGlob, patternSpecificity } from "./names";
import { checkQuota, type FileScope, type Path } from "./scope";
import { didYouMean } from "./suggest";
import { parseDuration, parseSize, SIZE_PATTERN } from "./units";

/** Quay's default TAG_EXPIRATION_OPTIONS (docs/quay-api.md#organizations). */
export const DEFAULT_TAG_EXPIRATION_OPTIONS: readonly string[] = ["0s", "1d", "1w", "2w", "4w"];

/**
 * What a lab running quay-gitops has on; FEATURE_SPARSE_INDEX, FEATURE_IMMUTABLE_TAGS and
 * FEATURE_TEAM_SYNCING, off in Quay by default, are off unless the admins say so.
 */
export const DEFAULT_FEATURES: Readonly<Required<FeaturesSpec>> = {
  teamSyncing: false,
  repoMirror: true,
  proxyCache: true,
  autoPrune: true,
  quotaManagement: true,
  sparseIndex: false,
  extendedRepositoryNames: true,
  immutableTags: false,
};

export const DEFAULT_BUDGETS: Readonly<ChangeBudgets> = {
  maxDeletes: 10,
  maxTenantChangePercent: 30,
  minObjectsForPercent: 10,
  requireAllowPublic: true,
};

/** The default: tenant `acme` may own the organization `acme` or `acme-*` and users `acme-*`. */
export const DEFAULT_RESTRICTION = {
  organizations: ["{tenant}", "{tenant}-*"],
  users: ["{tenant}-*"],
} as const;

export interface RegistryConfig {
  /** The model's part (what the program and apply read). */
  settings: RegistrySettings;
  /**
   * False when the registry file is missing or invalid: the tenant rules that depend on it
   * (restrictions, allowed tag expirations, existing users) are skipped rather than run against
   * guesses, which would only add misleading errors.
   */
  trusted: boolean;
  hostnames: string[];
  features: Required<FeaturesSpec>;
  /** Allowed organization tag expirations: seconds → the option as written. */
  tagExpirations: Map<number, string>;
  defaultTagExpiration?: string;
  defaultQuota?: QuotaSpec;
  baseline: {
    teams: BaselineTeamSpec[];
    repositoryPermissions: BaselinePermissionSpec[];
    defaultPermissions: BaselinePermissionSpec[];
  };
  restrictions: {
    /** Applies to every tenant, and to the keys a tenant's own entry leaves out. */
    default: RestrictionSpec & { organizations: string[]; users: string[] };
    tenants: Record<string, RestrictionSpec>;
  };
}

export function defaultRegistryConfig(file: string, trusted = false): RegistryConfig {
  return {
    settings: {
      file,
      tagExpirationOptions: [...DEFAULT_TAG_EXPIRATION_OPTIONS],
      users: "managed",
      existingUsers: [],
      budgets: { ...DEFAULT_BUDGETS },
    },
    trusted,
    hostnames: [],
    features: { ...DEFAULT_FEATURES },
    tagExpirations: tagExpirationMap(DEFAULT_TAG_EXPIRATION_OPTIONS),
    baseline: { teams: [], repositoryPermissions: [], defaultPermissions: [] },
    restrictions: {
      default: {
        organizations: [...DEFAULT_RESTRICTION.organizations],
        users: [...DEFAULT_RESTRICTION.users],
      },
      tenants: {},
    },
  };
}

function tagExpirationMap(options: readonly string[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const o of options) {
    const d = parseDuration(o);
    if (d.ok && !m.has(d.value)) m.set(d.value, o);
  }
  return m;
}

/** Builds the config from a schema-valid registry file and checks its own consistency. */
export function buildRegistryConfig(scope: FileScope, doc: RegistryFile): RegistryConfig {
  const spec = doc.spec;
  const base = defaultRegistryConfig(scope.file, true);
  const options = spec.tagExpirationOptions ?? [...DEFAULT_TAG_EXPIRATION_OPTIONS];
  const existingUsers = [...(spec.users?.existing ?? [])].sort();
  const mode = spec.users?.mode ?? "managed";
  const directory = spec.users?.directory;
  const config: RegistryConfig = {
    ...base,
    settings: {
      file: scope.file,
      tagExpirationOptions: options,
      users: mode,
      ...(directory === undefined ? {} : { directory }),
      existingUsers,
      budgets: { ...DEFAULT_BUDGETS, ...spec.budgets },
    },
    hostnames: (spec.hostnames ?? []).map((h) => h.toLowerCase()),
    features: { ...DEFAULT_FEATURES, ...spec.features },
    tagExpirations: tagExpirationMap(options),
    defaultTagExpiration: spec.defaults?.tagExpiration,
    defaultQuota: spec.defaults?.quota,
    baseline: {
      teams: spec.baseline?.teams ?? [],
      repositoryPermissions: spec.baseline?.repositoryPermissions ?? [],
      defaultPermissions: spec.baseline?.defaultPermissions ?? [],
    },
    restrictions: {
      default: {
        ...spec.restrictions?.default,
        organizations: spec.restrictions?.default?.organizations ?? [...DEFAULT_RESTRICTION.organizations],
        users: spec.restrictions?.default?.users ?? [...DEFAULT_RESTRICTION.users],
      },
      tenants: spec.restrictions?.tenants ?? {},
    },
  };
  checkRegistry(scope, config);
  return config;
}

function checkRegistry(scope: FileScope, c: RegistryConfig): void {
  const specPath = ["spec"];
  if (c.defaultTagExpiration !== undefined) {
    const d = parseDuration(c.defaultTagExpiration);
    if (d.ok && !c.tagExpirations.has(d.value)) {
      scope.error(
        "QG_REGISTRY_INVALID",
        [...specPath, "defaults", "tagExpiration"],
        `${c.defaultTagExpiration} is not one of tagExpirationOptions (${c.settings.tagExpirationOptions.join(", ")})`,
      );
    }
  }
  checkQuota(scope, c.defaultQuota, [...specPath, "defaults", "quota"]);
  if (c.defaultQuota !== undefined && !c.features.quotaManagement) {
    scope.error(
      "QG_REGISTRY_INVALID",
      [...specPath, "defaults", "quota"],
      "a default quota needs features.quotaManagement (FEATURE_QUOTA_MANAGEMENT in Quay), which this file turns off",
      "key",
    );
  }

  const external = c.settings.users === "external";
  if (c.settings.directory !== undefined && !external) {
    scope.error(
      "QG_REGISTRY_INVALID",
      [...specPath, "users", "directory"],
      `users.directory ${c.settings.directory} says Quay reads users from a directory, but users.mode is managed (Database auth, users created through the superuser API); set users.mode: external or remove users.directory`,
      "key",
    );
  }
  const existing = new Set(c.settings.existingUsers);
  const userKnown = (name: string) => external || existing.has(name);
  const teamNames = new Map<string, number>();
  c.baseline.teams.forEach((t, i) => {
    const path: Path = [...specPath, "baseline", "teams", i];
    const first = teamNames.get(t.name);
    if (first !== undefined) {
      scope.error(
        "QG_TENANT_DUPLICATE",
        [...path, "name"],
        `baseline team "${t.name}" is declared twice (first at line ${scope.line([...specPath, "baseline", "teams", first, "name"])})`,
      );
    } else teamNames.set(t.name, i);
    (t.members ?? []).forEach((m, j) => {
      if (!userKnown(m.user)) {
        scope.error(
          "QG_REGISTRY_INVALID",
          [...path, "members", j, "user"],
          `user "${m.user}" is not in users.existing${didYouMean(m.user, existing)}; baseline members must be users that exist outside tenant files`,
        );
      }
    });
  });
  for (const key of ["repositoryPermissions", "defaultPermissions"] as const) {
    c.baseline[key].forEach((p, i) => {
      const path: Path = [...specPath, "baseline", key, i];
      if (p.team !== undefined && !teamNames.has(p.team)) {
        scope.error(
          "QG_REGISTRY_INVALID",
          [...path, "team"],
          `team "${p.team}" is not a baseline team${didYouMean(p.team, teamNames.keys())}; declare it under baseline.teams`,
        );
      }
      if (p.user !== undefined && !userKnown(p.user)) {
        scope.error(
          "QG_REGISTRY_INVALID",
          [...path, "user"],
          `user "${p.user}" is not in users.existing${didYouMean(p.user, existing)}`,
        );
      }
    });
  }
  const limits: [Path, RestrictionSpec][] = [
    [[...specPath, "restrictions", "default"], c.restrictions.default],
    ...Object.entries(c.restrictions.tenants).map(([t, r]): [Path, RestrictionSpec] => [
      [...specPath, "restrictions", "tenants", t],
      r,
    ]),
  ];
  for (const [path, r] of limits) {
    if (r.maxQuota === undefined) continue;
    const size = parseSize(r.maxQuota);
    // Format errors were reported by the schema; only sizes beyond 8 PiB fail here.
    if (!size.ok && (typeof r.maxQuota === "number" || SIZE_PATTERN.test(r.maxQuota))) {
      scope.error("QG_TENANT_QUOTA", [...path, "maxQuota"], size.reason);
    }
  }
}

/** Organization or user name patterns that apply to a tenant. */
export function restrictionPatterns(
  c: RegistryConfig,
  tenant: string,
  kind: "organizations" | "users",
): string[] {
  return c.restrictions.tenants[tenant]?.[kind] ?? c.restrictions.default[kind];
}

/** A tenant's pattern that allows a name. */
export interface PatternMatch {
  tenant: string;
  pattern: string;
  specificity: number;
}

interface IndexedPattern extends PatternMatch {
  re: RegExp;
}

/**
 * Which tenants' restriction patterns allow a name. Every claimed name is checked against every
 * tenant's patterns (a more specific owner wins), so the patterns are indexed by their literal
 * prefix (the text before the first wildcard): a lookup costs the length of the name, not the
 * number of tenants.
 */
export class NameOwners {
  private readonly byPrefix = new Map<string, IndexedPattern[]>();

  constructor(c: RegistryConfig, tenants: Iterable<string>, kind: "organizations" | "users") {
    for (const tenant of tenants) {
      for (const pattern of restrictionPatterns(c, tenant, kind)) {
        const prefix = pattern.replaceAll("{tenant}", tenant).split(/[*?]/, 1)[0] ?? "";
        const entry = {
          tenant,
          pattern,
          specificity: patternSpecificity(pattern, tenant),
          re: compileGlob(pattern, tenant),
        };
        const list = this.byPrefix.get(prefix);
        if (list) list.push(entry);
        else this.byPrefix.set(prefix, [entry]);
      }
    }
  }

  /** The most specific pattern of each tenant that allows `name`. */
  matches(name: string): Map<string, PatternMatch> {
    const best = new Map<string, PatternMatch>();
    for (let i = 0; i <= name.length; i++) {
      for (const e of this.byPrefix.get(name.slice(0, i)) ?? []) {
        if (!e.re.test(name)) continue;
        const cur = best.get(e.tenant);
        if (!cur || e.specificity > cur.specificity) {
          best.set(e.tenant, { tenant: e.tenant, pattern: e.pattern, specificity: e.specificity });
        }
      }
    }
    return best;
  }
}

/** The largest quota a tenant may set, in bytes, if the registry limits it. */
export function maxQuotaBytes(c: RegistryConfig, tenant: string): number | undefined {
  const m = c.restrictions.tenants[tenant]?.maxQuota ?? c.restrictions.default.maxQuota;
  if (m === undefined) return undefined;
  const size = parseSize(m);
  return size.ok ? size.value : undefined;
}

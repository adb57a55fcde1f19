import * as pulumi from "@pulumi/pulumi";
import { QuayResource } from "../../providers/resources";
import { kinds } from "../kinds";
import type { Credentials, SecretRef, TenantModel } from "../model/types";
import { effectivePermissions, refName, tenantSummary } from "./desired";

export interface SecretSource {
  /** The secret's value; throws a clear error naming the tenant file when it is missing. */
  resolve(ref: SecretRef, where: string): pulumi.Output<string>;
}

export interface TenantArgs {
  /** User resources of every tenant, by name: grants may name users of other tenants. */
  users: ReadonlyMap<string, QuayResource<"User">>;
  secrets: SecretSource;
}

/**
 * One tenant's objects under one component, so previews and stack outputs group by tenant.
 * Dependencies follow Quay's order (docs/quay-api.md#ordering): users → organization → robots and
 * teams → default permissions → repositories → mirrors, prune and immutability policies and
 * notifications; quota, proxy cache and the organization's policies after the organization.
 */
export class Tenant extends pulumi.ComponentResource {
  readonly model: TenantModel;
  /** This tenant's users; created first, since other tenants' grants may name them. */
  readonly users: ReadonlyMap<string, QuayResource<"User">>;
  summary!: Record<string, unknown>;
  robotTokens!: pulumi.Output<Record<string, string>>;

  constructor(tenant: TenantModel, opts?: pulumi.ComponentResourceOptions) {
    super("quay-gitops:index:Tenant", tenant.name, {}, opts);
    this.model = tenant;
    this.users = new Map(
      tenant.users.map((u) => [
        u.name,
        new QuayResource(
          "User",
          kinds.User.resourceName(u.name),
          { name: u.name, ...(u.email !== undefined ? { email: u.email } : {}) },
          { parent: this },
        ),
      ]),
    );
  }

  /** Everything else, once every tenant's users exist. */
  populate(args: TenantArgs): void {
    const t = this.model;
    const org = t.organization.name;
    const child = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
      parent: this,
      dependsOn,
    });
    const userDeps = (names: Iterable<string>) =>
      [...names].flatMap((n) => (args.users.has(n) ? [args.users.get(n)!] : []));

    const organization = new QuayResource(
      "Organization",
      kinds.Organization.resourceName(org),
      {
        name: org,
        ...(t.organization.email !== undefined ? { email: t.organization.email } : {}),
        ...(t.organization.tagExpirationSeconds !== undefined
          ? { tagExpirationSeconds: t.organization.tagExpirationSeconds }
          : {}),
        deletionPolicy: t.organization.deletionPolicy,
      },
      child(userDeps(t.users.map((u) => u.name))),
    );

    const robots = new Map<string, QuayResource<"Robot">>();
    for (const r of t.robots) {
      robots.set(
        r.fullName,
        new QuayResource(
          "Robot",
          kinds.Robot.resourceName(r.fullName),
          { organization: org, shortName: r.shortName, description: r.description },
          child([organization]),
        ),
      );
    }
    for (const r of t.robots) {
      const robot = robots.get(r.fullName)!;
      if (r.federation === undefined) continue;
      new QuayResource(
        "RobotFederation",
        kinds.RobotFederation.resourceName(r.fullName),
        { organization: org, shortName: r.shortName, federation: r.federation },
        // A robot deleted and created again (a new description) has no list: this one is replaced
        // with it. A robot deleted for good takes its list along, so no DELETE is sent for it.
        { ...child([robot]), replaceWith: [robot], deletedWith: robot },
      );
    }
    const robotDeps = (fullNames: Iterable<string>) =>
      [...fullNames].flatMap((n) => (robots.has(n) ? [robots.get(n)!] : []));
    /**
     * The generations of the robots an object names (providers/robot.ts): Quay drops a robot's team
     * memberships, grants and default permissions when it deletes the robot, and a robot whose
     * description changes is deleted and created again. Taking this input, the Team, Repository or
     * DefaultPermission is updated (or replaced) in the same apply, after the robot's create, and
     * the preview shows it as a change "known after apply". Robots of states from before the
     * generation have none until their next create: the input is then left out, so those states
     * compare equal.
     */
    const generations = (fullNames: Iterable<string>) => {
      const names = [...new Set(fullNames)].filter((n) => robots.has(n)).sort();
      if (names.length === 0) return {};
      return {
        robotGenerations: pulumi.all(names.map((n) => robots.get(n)!.output("generation"))).apply((gs) => {
          const known = names.flatMap((n, i) => (gs[i] ? [[n, gs[i]] as const] : []));
          return known.length > 0 ? Object.fromEntries(known) : undefined;
        }),
      };
    };
    const robotsOf = (subjects: readonly { kind: string; name: string }[]) =>
      subjects.filter((s) => s.kind === "robot").map((s) => s.name);

    const teams = new Map<string, QuayResource<"Team">>();
    for (const team of t.teams) {
      teams.set(
        team.name,
        new QuayResource(
          "Team",
          kinds.Team.resourceName(org, team.name),
          {
            organization: org,
            name: team.name,
            role: team.role,
            description: team.description,
            members: team.members,
            ...(team.syncFrom ? { syncFrom: team.syncFrom } : {}),
            ...generations(robotsOf(team.members)),
          },
          child([
            organization,
            ...userDeps(team.members.filter((m) => m.kind === "user").map((m) => m.name)),
            ...robotDeps(team.members.filter((m) => m.kind === "robot").map((m) => m.name)),
          ]),
        ),
      );
    }
    const subjectDeps = (subjects: { kind: string; name: string }[]) => [
      ...userDeps(subjects.filter((s) => s.kind === "user").map((s) => s.name)),
      ...robotDeps(subjects.filter((s) => s.kind === "robot").map((s) => s.name)),
      ...subjects.flatMap((s) => (s.kind === "team" && teams.has(s.name) ? [teams.get(s.name)!] : [])),
    ];

    const defaults: QuayResource<"DefaultPermission">[] = [];
    for (const d of t.defaultPermissions) {
      defaults.push(
        new QuayResource(
          "DefaultPermission",
          kinds.DefaultPermission.resourceName(org, d),
          {
            organization: org,
            delegate: d.delegate,
            ...(d.activatingUser !== undefined ? { activatingUser: d.activatingUser } : {}),
            role: d.role,
            ...generations(robotsOf([d.delegate])),
          },
          child([
            organization,
            ...subjectDeps([d.delegate]),
            ...userDeps(d.activatingUser ? [d.activatingUser] : []),
          ]),
        ),
      );
    }

    if (t.quota) {
      new QuayResource(
        "Quota",
        kinds.Quota.resourceName(org),
        { organization: org, limitBytes: t.quota.limitBytes, limits: t.quota.limits },
        child([organization]),
      );
    }

    if (t.proxyCache) {
      const pc = t.proxyCache;
      new QuayResource(
        "ProxyCache",
        kinds.ProxyCache.resourceName(org),
        {
          organization: org,
          upstream: pc.upstream,
          expirationSeconds: pc.expirationSeconds,
          insecure: pc.insecure,
          ...credentialArgs(pc.credentials, args.secrets, `${t.file}: proxyCache`),
        },
        child([organization]),
      );
    }

    for (const p of t.autoPrune) {
      new QuayResource(
        "AutoPrunePolicy",
        kinds.AutoPrunePolicy.resourceName(org, undefined, p),
        {
          namespace: org,
          method: p.method,
          value: p.value,
          ...(p.tagPattern !== undefined ? { tagPattern: p.tagPattern } : {}),
          tagPatternMatches: p.tagPatternMatches,
        },
        child([organization]),
      );
    }

    for (const p of t.immutability) {
      new QuayResource(
        "ImmutabilityPolicy",
        kinds.ImmutabilityPolicy.resourceName(org, undefined, p),
        { namespace: org, tagPattern: p.tagPattern, tagPatternMatches: p.tagPatternMatches },
        child([organization]),
      );
    }

    for (const repo of t.repositories) {
      const permissions = effectivePermissions(repo, t.defaultPermissions);
      const repository = new QuayResource(
        "Repository",
        kinds.Repository.resourceName(org, repo.name),
        {
          namespace: org,
          name: repo.name,
          visibility: repo.visibility,
          description: repo.description,
          permissions,
          ...(repo.mirror ? { mirrorRobot: repo.mirror.robot } : {}),
          deletionPolicy: repo.deletionPolicy,
          // A mirror's robot is left out: Quay refuses to delete a robot a mirror names
          // (docs/quay-api.md#robots), so it is never created again.
          ...generations(robotsOf(permissions)),
        },
        // Default permissions first: Quay applies them when it creates the repository (docs/quay-api.md#ordering).
        child([
          organization,
          ...defaults,
          ...subjectDeps(permissions),
          ...robotDeps(repo.mirror ? [repo.mirror.robot] : []),
        ]),
      );
      if (repo.mirror) {
        const m = repo.mirror;
        new QuayResource(
          "RepositoryMirror",
          kinds.RepositoryMirror.resourceName(org, repo.name),
          {
            namespace: org,
            repository: repo.name,
            externalReference: m.externalReference,
            tags: m.tags,
            syncIntervalSeconds: m.syncIntervalSeconds,
            robot: m.robot,
            verifyTls: m.verifyTls,
            unsignedImages: m.unsignedImages,
            ...(m.proxy ? { proxy: m.proxy } : {}),
            enabled: m.enabled,
            skopeoTimeoutSeconds: m.skopeoTimeoutSeconds,
            architectureFilter: m.architectureFilter,
            ...credentialArgs(m.credentials, args.secrets, `${t.file}: repositories ${repo.name} mirror`),
          },
          child([repository, ...robotDeps([m.robot])]),
        );
      }
      for (const p of repo.autoPrune) {
        new QuayResource(
          "AutoPrunePolicy",
          kinds.AutoPrunePolicy.resourceName(org, repo.name, p),
          {
            namespace: org,
            repository: repo.name,
            method: p.method,
            value: p.value,
            ...(p.tagPattern !== undefined ? { tagPattern: p.tagPattern } : {}),
            tagPatternMatches: p.tagPatternMatches,
          },
          child([repository]),
        );
      }
      for (const p of repo.immutability) {
        new QuayResource(
          "ImmutabilityPolicy",
          kinds.ImmutabilityPolicy.resourceName(org, repo.name, p),
          {
            namespace: org,
            repository: repo.name,
            tagPattern: p.tagPattern,
            tagPatternMatches: p.tagPatternMatches,
          },
          child([repository]),
        );
      }
      for (const n of repo.notifications) {
        const target = n.config.target;
        new QuayResource(
          "RepositoryNotification",
          kinds.RepositoryNotification.resourceName(org, repo.name, n),
          {
            namespace: org,
            repository: repo.name,
            event: n.event,
            method: n.method,
            config: n.config,
            eventConfig: n.eventConfig,
            ...(n.title !== undefined ? { title: n.title } : {}),
            ...(n.urlFrom
              ? {
                  url: args.secrets.resolve(
                    n.urlFrom,
                    `${t.file}: ${n.scope === "tenant" ? "notifications" : `repositories ${repo.name} notifications`} ${n.event} ${n.method}`,
                  ),
                  urlRef: refName(n.urlFrom),
                }
              : {}),
          },
          // Quay checks a quay_notification's user or team when the notification is created.
          child([repository, ...(target ? subjectDeps([target]) : [])]),
        );
      }
    }

    this.robotTokens = pulumi.secret(
      pulumi.all(
        Object.fromEntries([...robots].map(([full, r]) => [full, r.output("token")])),
      ) as pulumi.Output<Record<string, string>>,
    );
    this.summary = tenantSummary(t);
    this.registerOutputs({ summary: this.summary, robotTokens: this.robotTokens });
  }
}

function credentialArgs(c: Credentials | undefined, secrets: SecretSource, where: string) {
  if (!c) return {};
  return {
    username: c.username,
    password: secrets.resolve(c.passwordFrom, where),
    passwordRef: refName(c.passwordFrom),
  };
}

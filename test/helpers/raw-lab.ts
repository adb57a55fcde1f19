/**
 * A lab "clicked together" in Quay: organizations, users, robots, teams, grants, default
 * permissions, quotas, mirrors, prune policies and a proxy cache made by plain API calls, the way a
 * lab admin's clicks in the UI make them, never by quay-gitops' apply. What `quay-gitops export`
 * must turn into tenant files that apply with no write (test/e2e/export.test.ts, bench/export.ts).
 */

export type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; data: unknown }>;

/** An API caller for a Quay URL and bearer token (plain fetch: not our client). */
export function rawApi(url: string, token: string): Api {
  return async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      // HTML (an unrouted path): kept as text for the error.
    }
    return { status: res.status, data };
  };
}

async function must(api: Api, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await api(method, path, body);
  if (r.status >= 300)
    throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.data).slice(0, 300)}`);
  return r.data;
}

/** The mirror password of organization `org`, as the lab admin typed it into Quay. */
export const mirrorPassword = (org: string): string => `${org}-registry-password`;

/** The webhook URL with its token on `app0` of organization `org` (a secret: never in a file). */
export const hookUrl = (org: string): string =>
  `https://ci.${org}.example/hooks/quay?token=${org}-hook-secret`;

/** The Slack webhook URL on `ubi9` of organization `org` (its own token: never in a file). */
export const slackUrl = (org: string): string =>
  `https://hooks.slack.com/services/T0LAB/B0${org.toUpperCase()}/${org}-slack-secret`;

/** The OIDC identity robot `ci` of organization `org` trusts. */
export const ciIdentity = (org: string) => ({
  issuer: "https://token.actions.githubusercontent.com",
  subject: `repo:${org}/app:ref:refs/heads/main`,
});

export interface RawLabOptions {
  /** Organization names. The first two share a user; the first is also a proxy cache. */
  organizations: string[];
  /** Repositories per organization besides the mirror (default 3). */
  repositories?: number;
  /** Immutability policies too (the registry must have FEATURE_IMMUTABLE_TAGS on). */
  immutability?: boolean;
}

/**
 * Builds the lab. Per organization `o`: users `o-alice` and `o-bob`; robots `ci`, `mirror`,
 * `cluster-pull`; teams `developers` (member) and `release` (creator) with users and a robot;
 * default permissions (`developers` write, `ci` write for what `o-alice` creates); a quota with
 * warning and reject limits; repositories with grants and a prune policy, one public, one nested
 * (`tools/build`); notifications: a webhook whose URL holds a token and a plain one on `app0`, a
 * quay_notification to `developers` on `tools/build`, a Slack one on the mirror; robot `ci` trusts
 * one OIDC identity; a mirror with credentials and a proxy; an organization prune policy; with
 * `immutability`, an organization and a repository immutability policy (not on the first
 * organization, a proxy cache, where the tenant rules refuse them). Plus a
 * user `shared-carol` in the first two organizations, a user `loner` in none, and a proxy cache
 * on the first organization.
 */
export async function buildRawLab(api: Api, opts: RawLabOptions): Promise<void> {
  const orgs = opts.organizations;
  const repoCount = opts.repositories ?? 3;
  const users: [string, string][] = [["loner", "loner@lab.example"]];
  if (orgs.length >= 2) users.push(["shared-carol", "carol@lab.example"]);
  for (const o of orgs) users.push([`${o}-alice`, `alice@${o}.example`], [`${o}-bob`, `bob@${o}.example`]);
  await Promise.all(
    users.map(([username, email]) => must(api, "POST", "/api/v1/superuser/users/", { username, email })),
  );

  await Promise.all(
    orgs.map(async (o, i) => {
      await must(api, "POST", "/api/v1/organization/", { name: o, email: `registry@${o}.example` });
      await must(api, "PUT", `/api/v1/organization/${o}`, { tag_expiration_s: (i % 2 ? 4 : 2) * 7 * 86400 });
      if (i % 3 !== 2) {
        await must(api, "POST", `/api/v1/organization/${o}/quota`, { limit_bytes: (100 + i) * 1024 ** 3 });
        const view = (await must(api, "GET", `/api/v1/organization/${o}`)) as { quotas: { id: number }[] };
        const id = view.quotas[0]!.id;
        await must(api, "POST", `/api/v1/organization/${o}/quota/${id}/limit`, {
          type: "Warning",
          threshold_percent: 80,
        });
        await must(api, "POST", `/api/v1/organization/${o}/quota/${id}/limit`, {
          type: "Reject",
          threshold_percent: 100,
        });
      }
      for (const [r, description] of [
        ["ci", "CI pipelines push here"],
        ["mirror", ""],
        ["cluster-pull", `Pull secret of the ${o} cluster`],
      ] as const)
        await must(api, "PUT", `/api/v1/organization/${o}/robots/${r}`, description ? { description } : {});
      await must(api, "POST", `/api/v1/organization/${o}/robots/ci/federation`, [ciIdentity(o)]);
      await must(api, "PUT", `/api/v1/organization/${o}/team/developers`, {
        role: "member",
        description: `${o} engineers`,
      });
      await must(api, "PUT", `/api/v1/organization/${o}/team/release`, { role: "creator", description: "" });
      const members: [string, string][] = [
        ["developers", `${o}-alice`],
        ["developers", `${o}-bob`],
        ["developers", `${o}+ci`],
        ["release", `${o}-alice`],
      ];
      if (i < 2 && orgs.length >= 2) members.push(["developers", "shared-carol"]);
      for (const [team, m] of members)
        await must(api, "PUT", `/api/v1/organization/${o}/team/${team}/members/${encodeURIComponent(m)}`);
      // Before the repositories, so Quay applies them to every repository created below.
      await must(api, "POST", `/api/v1/organization/${o}/prototypes`, {
        role: "write",
        delegate: { kind: "team", name: "developers" },
      });
      await must(api, "POST", `/api/v1/organization/${o}/prototypes`, {
        role: "write",
        delegate: { kind: "user", name: `${o}+ci` },
        activating_user: { name: `${o}-alice` },
      });
      for (let r = 0; r < repoCount; r++) {
        const name = r === 1 ? "tools/build" : `app${r}`;
        await must(api, "POST", "/api/v1/repository", {
          namespace: o,
          repository: name,
          visibility: r === 2 ? "public" : "private",
          description: r === 0 ? "" : `${o} ${name} images`,
          repo_kind: "image",
        });
        await must(api, "PUT", `/api/v1/repository/${o}/${name}/permissions/user/${o}+ci`, { role: "write" });
        await must(api, "PUT", `/api/v1/repository/${o}/${name}/permissions/user/${o}+cluster-pull`, {
          role: "read",
        });
        await must(api, "PUT", `/api/v1/repository/${o}/${name}/permissions/team/release`, { role: "read" });
        if (r === 0) {
          await must(api, "PUT", `/api/v1/repository/${o}/${name}/permissions/user/${o}-bob`, {
            role: "admin",
          });
          await must(api, "POST", `/api/v1/repository/${o}/${name}/notification/`, {
            event: "repo_push",
            method: "webhook",
            config: { url: hookUrl(o) },
            eventConfig: {},
            title: "Deploy on push",
          });
          await must(api, "POST", `/api/v1/repository/${o}/${name}/notification/`, {
            event: "vulnerability_found",
            method: "webhook",
            config: {
              url: `https://audit.${o}.example/quay`,
              // biome-ignore lint/suspicious/noTemplateCurlyInString: Quay's own placeholder syntax
              template: '{"repo": "${repository}"}',
            },
            eventConfig: { level: 1 },
          });
          if (opts.immutability && i !== 0)
            await must(api, "POST", `/api/v1/repository/${o}/${name}/immutabilitypolicy/`, {
              tagPattern: "latest|dev-.*",
              tagPatternMatches: false,
            });
        }
        if (r === 1)
          await must(api, "POST", `/api/v1/repository/${o}/${name}/notification/`, {
            event: "repo_image_expiry",
            method: "quay_notification",
            config: { target: { kind: "team", name: "developers" } },
            eventConfig: { days: 7 },
            title: "Expiring soon",
          });
        await must(api, "POST", `/api/v1/repository/${o}/${name}/autoprunepolicy/`, {
          method: "number_of_tags",
          value: 10 + r,
        });
      }
      await must(api, "POST", "/api/v1/repository", {
        namespace: o,
        repository: "ubi9",
        visibility: "private",
        description: "UBI 9",
        repo_kind: "image",
      });
      await must(api, "POST", `/api/v1/repository/${o}/ubi9/mirror`, {
        is_enabled: true,
        external_reference: "registry.access.redhat.com/ubi9/ubi",
        external_registry_username: `${o}-pull`,
        external_registry_password: mirrorPassword(o),
        external_registry_config: {
          verify_tls: true,
          unsigned_images: false,
          proxy: { http_proxy: null, https_proxy: "http://proxy.lab.example:3128", no_proxy: ".lab.example" },
        },
        sync_interval: 86400,
        sync_start_date: "2026-01-01T00:00:00Z",
        root_rule: { rule_kind: "tag_glob_csv", rule_value: ["latest", "9.*"] },
        robot_username: `${o}+mirror`,
        skopeo_timeout_interval: 600,
      });
      await must(api, "POST", `/api/v1/repository/${o}/ubi9/notification/`, {
        event: "repo_mirror_sync_failed",
        method: "slack",
        config: { url: slackUrl(o) },
        eventConfig: {},
        title: "Mirror failed",
      });
      if (opts.immutability && i !== 0)
        await must(api, "POST", `/api/v1/organization/${o}/immutabilitypolicy/`, {
          tagPattern: "v[0-9]+\\..*",
          tagPatternMatches: true,
        });
      await must(api, "POST", `/api/v1/organization/${o}/autoprunepolicy/`, {
        method: "creation_date",
        value: "90d",
        tagPattern: "^pr-",
        tagPatternMatches: true,
      });
      if (i === 0)
        await must(api, "POST", `/api/v1/organization/${o}/proxycache`, {
          upstream_registry: `quay.io/${o}`,
          expiration_s: 172800,
          insecure: false,
        });
    }),
  );
}

/**
 * A lab whose users come from LDAP (the emulator with AUTHENTICATION_TYPE LDAP and
 * FEATURE_TEAM_SYNCING): organization `org` with robot `ci`, which trusts one OIDC identity, and team
 * `developers` synced from `group` (relative to the base DN), with `ci` as its robot member.
 */
export async function buildDirectoryLab(api: Api, org: string, group: string): Promise<void> {
  await must(api, "POST", "/api/v1/organization/", { name: org, email: `registry@${org}.example` });
  await must(api, "PUT", `/api/v1/organization/${org}/robots/ci`, { description: "CI pipelines push here" });
  await must(api, "POST", `/api/v1/organization/${org}/robots/ci/federation`, [ciIdentity(org)]);
  await must(api, "PUT", `/api/v1/organization/${org}/team/developers`, { role: "creator" });
  await must(api, "PUT", `/api/v1/organization/${org}/team/developers/members/${org}+ci`);
  await must(api, "POST", `/api/v1/organization/${org}/team/developers/syncing`, { group_dn: group });
}

import type { Lab } from "./lab";

/**
 * Everything the registry holds, as Quay's API shows it, in a canonical sorted list of lines —
 * names and settings only (no ids, tokens or worker-written dates), so two registries built the
 * same way compare equal and a duplicated or missing object shows as a line diff.
 */
export async function fingerprint(
  lab: Pick<Lab, "api">,
  /** Only the users and organizations whose names it accepts (a shared Quay holds others'). */
  only: (name: string) => boolean = () => true,
): Promise<string[]> {
  const get = async <T>(p: string): Promise<T> => {
    const r = await lab.api<T>("GET", p);
    if (r.status !== 200) throw new Error(`GET ${p}: ${r.status}`);
    return r.data;
  };
  const lines: string[] = [];
  const users = await get<{ users: { username: string; email: string }[] }>("/api/v1/superuser/users/");
  for (const u of users.users) if (only(u.username)) lines.push(`user ${u.username} ${u.email}`);
  const orgs = await get<{ organizations: { name: string }[] }>("/api/v1/superuser/organizations/");
  for (const { name: org } of orgs.organizations.filter((o) => only(o.name))) {
    const view = await get<{
      email: string;
      tag_expiration_s: number;
      teams: Record<string, { role: string; description: string }>;
      quotas: { limit_bytes: number; limits: { type: string; limit_percent: number }[] }[];
    }>(`/api/v1/organization/${org}`);
    lines.push(`org ${org} ${view.email} ${view.tag_expiration_s}`);
    for (const q of view.quotas ?? []) {
      const limits = q.limits.map((l) => `${l.type}:${l.limit_percent}`).sort();
      lines.push(`quota ${org} ${q.limit_bytes} ${limits.join(",")}`);
    }
    for (const [team, t] of Object.entries(view.teams ?? {})) {
      const m = await get<{ members: { name: string }[] }>(
        `/api/v1/organization/${org}/team/${team}/members`,
      );
      lines.push(
        `team ${org}/${team} ${t.role} ${JSON.stringify(t.description)} ${m.members
          .map((x) => x.name)
          .sort()
          .join(",")}`,
      );
    }
    const robots = await get<{ robots: { name: string; description: string }[] }>(
      `/api/v1/organization/${org}/robots`,
    );
    for (const r of robots.robots) lines.push(`robot ${r.name} ${JSON.stringify(r.description)}`);
    const protos = await get<{
      prototypes: {
        role: string;
        delegate: { kind: string; name: string };
        activating_user: { name: string } | null;
      }[];
    }>(`/api/v1/organization/${org}/prototypes`);
    for (const p of protos.prototypes) {
      lines.push(
        `prototype ${org} ${p.delegate.kind}:${p.delegate.name} ${p.role} ${p.activating_user?.name ?? "-"}`,
      );
    }
    const prune = await get<{
      policies: { method: string; value: unknown; tagPattern: string | null; tagPatternMatches: boolean }[];
    }>(`/api/v1/organization/${org}/autoprunepolicy/`);
    for (const p of prune.policies)
      lines.push(`prune ${org} ${p.method} ${p.value} ${p.tagPattern} ${p.tagPatternMatches}`);
    const proxy = await get<{ upstream_registry: string; expiration_s: unknown; insecure: unknown }>(
      `/api/v1/organization/${org}/proxycache`,
    );
    if (proxy.upstream_registry)
      lines.push(`proxycache ${org} ${proxy.upstream_registry} ${proxy.expiration_s} ${proxy.insecure}`);
    const repos = await get<{
      repositories: { name: string; description: string; is_public: boolean; state: string }[];
    }>(`/api/v1/repository?namespace=${org}`);
    for (const r of repos.repositories) {
      const full = `${org}/${r.name}`;
      lines.push(
        `repo ${full} ${r.is_public ? "public" : "private"} ${r.state} ${JSON.stringify(r.description)}`,
      );
      const up = await get<{ permissions: Record<string, { role: string }> }>(
        `/api/v1/repository/${full}/permissions/user/`,
      );
      for (const [who, p] of Object.entries(up.permissions))
        lines.push(`grant ${full} user:${who} ${p.role}`);
      const tp = await get<{ permissions: Record<string, { role: string }> }>(
        `/api/v1/repository/${full}/permissions/team/`,
      );
      for (const [who, p] of Object.entries(tp.permissions))
        lines.push(`grant ${full} team:${who} ${p.role}`);
      const m = await lab.api<{
        is_enabled: boolean;
        external_reference: string;
        root_rule: { rule_value: string[] };
        sync_interval: number;
        robot_username: string;
        external_registry_username: string | null;
        external_registry_config: unknown;
        skopeo_timeout_interval: number;
      }>("GET", `/api/v1/repository/${full}/mirror`);
      if (m.status === 200) {
        const v = m.data;
        lines.push(
          `mirror ${full} ${v.is_enabled} ${v.external_reference} ${[...v.root_rule.rule_value].sort()} ${v.sync_interval} ${v.robot_username} ${v.external_registry_username} ${JSON.stringify(v.external_registry_config)} ${v.skopeo_timeout_interval}`,
        );
      }
      const rp = await get<{
        policies: { method: string; value: unknown; tagPattern: string | null; tagPatternMatches: boolean }[];
      }>(`/api/v1/repository/${full}/autoprunepolicy/`);
      for (const p of rp.policies)
        lines.push(`prune ${full} ${p.method} ${p.value} ${p.tagPattern} ${p.tagPatternMatches}`);
    }
  }
  return lines.sort();
}

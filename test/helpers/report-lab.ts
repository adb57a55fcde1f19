import type { DesiredState } from "../../src/model/types";
import type { Api } from "./quay-api";

/**
 * What the lab report reads, put into a Quay (the emulator) straight through the API, without the
 * engine: each tenant's organization, quota and limits, robots, repositories and mirrors. The report's
 * integration tests stand on it; the e2e test applies the tenants with the real engine instead.
 */
export async function seedTenants(
  api: Api,
  state: DesiredState,
  opts: { mirrorStart?: Date } = {},
): Promise<void> {
  const start = `${(opts.mirrorStart ?? new Date()).toISOString().slice(0, 19)}Z`;
  const must = async (method: string, path: string, body?: unknown) => {
    const r = await api(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.data)}`);
    return r;
  };
  for (const t of state.tenants) {
    const org = t.organization.name;
    await must("POST", "/api/v1/organization/", { name: org });
    if (t.quota) {
      await must("POST", `/api/v1/organization/${org}/quota`, { limit_bytes: t.quota.limitBytes });
      const quotas = (await must("GET", `/api/v1/organization/${org}/quota`)).data as { id: number }[];
      for (const l of t.quota.limits)
        await must("POST", `/api/v1/organization/${org}/quota/${quotas[0]?.id}/limit`, {
          type: l.type,
          threshold_percent: l.thresholdPercent,
        });
    }
    for (const r of t.robots) await must("PUT", `/api/v1/organization/${org}/robots/${r.shortName}`, {});
    for (const repo of t.repositories) {
      await must("POST", "/api/v1/repository", {
        namespace: org,
        repository: repo.name,
        visibility: repo.visibility,
        description: repo.description,
      });
      if (repo.mirror)
        await must("POST", `/api/v1/repository/${org}/${repo.name}/mirror`, {
          external_reference: repo.mirror.externalReference,
          sync_interval: repo.mirror.syncIntervalSeconds,
          sync_start_date: start,
          root_rule: { rule_kind: "tag_glob_csv", rule_value: repo.mirror.tags },
          skopeo_timeout_interval: repo.mirror.skopeoTimeoutSeconds,
          robot_username: repo.mirror.robot,
          is_enabled: repo.mirror.enabled,
        });
    }
  }
}

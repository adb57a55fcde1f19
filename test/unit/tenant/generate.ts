/**
 * A generated lab of n partner tenants shaped like the samples (users, robots, teams, five
 * repositories with permissions, a mirror, prune policies, quota; about 4.5 KiB each, the size of
 * the largest sample, platform.yaml), for the performance test and for measuring
 * `quay-gitops validate` (docs/tenants.md, "Performance").
 */
import { tenantYaml } from "./helpers";

export function generatedTenant(i: number): { name: string; yaml: string } {
  const name = `partner${String(i).padStart(3, "0")}`;
  const repos = Array.from({ length: 5 }, (_, r) => {
    const mirror =
      r === 0
        ? `    mirror:
      from: registry.access.redhat.com/ubi9/ubi
      tags: ["9.*", latest]
      every: 24h
      robot: mirror
      credentials:
        username: ${name}-pull
        passwordFrom: { env: ${name.toUpperCase()}_MIRROR_PASSWORD }
`
        : "";
    return `  - name: app-${r}
    description: Application ${r} of ${name}
    permissions:
      - team: developers
        role: write
      - team: readers
        role: read
      - robot: ci
        role: write
      - robot: pull
        role: read
    autoPrune:
      - keepTags: 20
${mirror}`;
  }).join("");
  const spec = `organization:
  email: registry@${name}.example
  tagExpiration: 2w
quota:
  limit: 500 GiB
  warningAt: 80%
  rejectAt: 100%
users:
  - name: ${name}-alice
    email: alice@${name}.example
  - name: ${name}-bob
    email: bob@${name}.example
robots:
  - name: ci
    description: CI pipelines
  - name: mirror
  - name: pull
teams:
  - name: developers
    members:
      - user: ${name}-alice
      - user: ${name}-bob
        expires: 2099-01-31
      - robot: ci
  - name: readers
    members:
      - user: ${name}-bob
defaultPermissions:
  - team: developers
    role: write
  - robot: pull
    role: read
repositories:
${repos}autoPrune:
  - olderThan: 90d
    tagPattern: "^pr-"
`;
  return {
    name,
    yaml: `# yaml-language-server: $schema=../schemas/tenant.schema.json\n${tenantYaml(name, spec)}`,
  };
}

export function generatedTenants(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const t = generatedTenant(i);
    files[`tenants/${t.name}.yaml`] = t.yaml;
  }
  return files;
}

import { type LoadResult, loadDesiredStateFromFiles } from "../../../src/tenant";

export const NOW = new Date("2026-06-01T12:00:00Z");
export const REGISTRY_PATH = "stacks/test.registry.yaml";

/** A registry file: Quay's defaults plus a baseline team, overridable per test with a YAML `spec` body. */
export function registryYaml(spec = DEFAULT_REGISTRY_SPEC): string {
  return `apiVersion: quay-gitops/v1\nkind: Registry\nmetadata:\n  name: test\nspec:\n${indent(spec, 2)}`;
}

export const DEFAULT_REGISTRY_SPEC = `hostnames: [quay.lab.example]
users:
  existing: [admin, lab-bot]
defaults:
  tagExpiration: 2w
baseline:
  teams:
    - name: lab-automation
      members: [{ user: lab-bot }]
  repositoryPermissions: [{ team: lab-automation, role: read }]
  defaultPermissions: [{ team: lab-automation, role: read }]
`;

/** A tenant file named `name` with the given YAML `spec` body. */
export function tenantYaml(name: string, spec: string): string {
  return `apiVersion: quay-gitops/v1\nkind: Tenant\nmetadata:\n  name: ${name}\nspec:\n${indent(spec, 2)}`;
}

export function indent(s: string, n: number): string {
  const pad = " ".repeat(n);
  return s
    .split("\n")
    .map((l) => (l ? pad + l : l))
    .join("\n");
}

/** Loads tenants (name → spec body) with a registry (default: DEFAULT_REGISTRY_SPEC). */
export function load(
  tenants: Record<string, string>,
  opts: { registry?: string | null; now?: Date; extra?: Record<string, string | Uint8Array> } = {},
): LoadResult {
  const files: Record<string, string | Uint8Array> = { ...opts.extra };
  if (opts.registry !== null) files[REGISTRY_PATH] = registryYaml(opts.registry ?? DEFAULT_REGISTRY_SPEC);
  for (const [name, spec] of Object.entries(tenants)) files[`tenants/${name}.yaml`] = tenantYaml(name, spec);
  return loadDesiredStateFromFiles({ files, registryFile: REGISTRY_PATH, now: opts.now ?? NOW });
}

/** `CODE file:line:col message` of every diagnostic of a severity, for readable assertions. */
export function lines(r: LoadResult, severity: "error" | "warning" | "notice" = "error"): string[] {
  return r.diagnostics
    .filter((d) => d.severity === severity)
    .map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`);
}

export function codes(r: LoadResult, severity: "error" | "warning" | "notice" = "error"): string[] {
  return r.diagnostics.filter((d) => d.severity === severity).map((d) => d.code);
}

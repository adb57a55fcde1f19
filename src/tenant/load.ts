/**
 * The orchestrator of one load (octoDNS-style stages with one-way data flow):
 *
 *   read (fs.ts, or any map of path → content) → decode + parse (yaml.ts) → schema (schema.ts)
 *   → registry (registry.ts) → cross-file rules (rules.ts) → normalize (normalize.ts)
 *
 * Pure: no file system, no environment, no clock (the caller passes `now`). It never throws: every
 * problem, including a bug in a stage, becomes a diagnostic, and the state is returned only when
 * there is no error.
 */
import type { DesiredState, TenantModel } from "../model/types";
import { cmp, type Diagnostic, DiagnosticBag } from "./diagnostics";
import type { RegistryFile, TenantFile } from "./files";
import { normalizeTenant } from "./normalize";
import { buildRegistryConfig, defaultRegistryConfig, type RegistryConfig } from "./registry";
import { checkTenants, type TenantInput } from "./rules";
import { checkSchema } from "./schema";
import { FileScope } from "./scope";
import { decodeSource, parseYaml, type YamlFile } from "./yaml";

/** One file's content. Paths are relative to the project root (or Git tree), with `/` separators. */
export interface SourceFile {
  path: string;
  content: string | Uint8Array;
}

export interface LoadSourcesInput {
  /** Tenant files (already selected: `<tenantsDir>/*.yaml`). */
  tenants: readonly SourceFile[];
  /** The registry file, or undefined when it does not exist. */
  registry: SourceFile | undefined;
  /** The registry file's path, for the message when it is missing. */
  registryPath: string;
  /** The instant `expires` entries are compared with. */
  now: Date;
  /** Diagnostics of the reading stage (unreadable files, wrong extensions), merged into the result. */
  readDiagnostics?: readonly Diagnostic[];
}

export interface LoadResult {
  /** Present only when there is no error (warnings and notices allowed). */
  state?: DesiredState;
  /** Sorted by file, line and column. */
  diagnostics: Diagnostic[];
  /** The tenant files that were read, sorted. */
  tenantFiles: string[];
}

export function loadFromSources(input: LoadSourcesInput): LoadResult {
  const bag = new DiagnosticBag();
  const tenantFiles = input.tenants.map((t) => t.path).sort(cmp);
  for (const d of input.readDiagnostics ?? []) bag.add(d.severity, d.code, d.file, d, d.message);
  try {
    return { ...run(input, bag), tenantFiles };
  } catch (e) {
    bag.error("QG_TENANT_INTERNAL", input.registryPath, { line: 1, column: 1 }, internal(e));
    return { diagnostics: bag.sorted(), tenantFiles };
  }
}

function run(input: LoadSourcesInput, bag: DiagnosticBag): Omit<LoadResult, "tenantFiles"> {
  const registry = loadRegistry(input, bag);

  const tenants: TenantInput[] = [];
  let incomplete = false;
  const sources = [...input.tenants].sort((a, b) => cmp(a.path, b.path));
  for (const source of sources) {
    const parsed = guarded(bag, source.path, () => parseFile(source, bag));
    if (!parsed) {
      incomplete = true;
      continue;
    }
    const scope = new FileScope(parsed, bag);
    // Schema errors do not stop the file: the rules read it defensively and report more at once.
    // Normalization runs only when no error at all was reported, so it sees schema-valid files only.
    guarded(bag, source.path, () => checkSchema("tenant", parsed, bag));
    tenants.push({ scope, stem: stem(source.path), value: parsed.value });
  }
  guarded(bag, input.registryPath, () => checkTenants({ tenants, registry, now: input.now, incomplete }));

  if (bag.hasErrors()) return { diagnostics: bag.sorted() };
  const models: TenantModel[] = [];
  for (const t of tenants) {
    const model = guarded(bag, t.scope.file, () =>
      normalizeTenant(t.value as TenantFile, t.scope.file, registry, input.now),
    );
    if (model) models.push(model);
  }
  if (bag.hasErrors()) return { diagnostics: bag.sorted() };
  models.sort((a, b) => cmp(a.name, b.name));
  return { state: { registry: registry.settings, tenants: models }, diagnostics: bag.sorted() };
}

function loadRegistry(input: LoadSourcesInput, bag: DiagnosticBag): RegistryConfig {
  const fallback = defaultRegistryConfig(input.registryPath);
  if (!input.registry) {
    bag.error(
      "QG_REGISTRY_MISSING",
      input.registryPath,
      { line: 1, column: 1 },
      `registry file ${input.registryPath} not found; every stack needs one (see docs/tenants.md, "The registry file"), or pass --registry`,
    );
    return fallback;
  }
  const source = input.registry;
  const parsed = guarded(bag, source.path, () => parseFile(source, bag));
  if (!parsed) return fallback;
  if (!guarded(bag, source.path, () => checkSchema("registry", parsed, bag))) return fallback;
  const scope = new FileScope(parsed, bag);
  return (
    guarded(bag, source.path, () => buildRegistryConfig(scope, parsed.value as RegistryFile)) ?? fallback
  );
}

function parseFile(source: SourceFile, bag: DiagnosticBag): YamlFile | undefined {
  const text = decodeSource(source.path, source.content, bag);
  return text === undefined ? undefined : parseYaml(source.path, text, bag);
}

/** Runs a stage; a throw (a bug) becomes a QG_TENANT_INTERNAL diagnostic on that file. */
function guarded<T>(bag: DiagnosticBag, file: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    bag.error("QG_TENANT_INTERNAL", file, { line: 1, column: 1 }, internal(e));
    return undefined;
  }
}

function internal(e: unknown): string {
  const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return `internal error in quay-gitops while checking this file (please report it): ${text.split("\n").slice(0, 3).join(" | ")}`;
}

function stem(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base.replace(/\.yaml$/, "");
}

/**
 * Picks the tenant files among the names of one folder: `*.yaml`. A `.yml` file is reported, not
 * ignored (it would silently not apply); hidden files and other extensions (README.md) are ignored.
 */
export function selectTenantFiles(
  dir: string,
  names: readonly string[],
  /** The registry file, when it sits in the same folder, is not a tenant file. */
  registryPath?: string,
): { paths: string[]; diagnostics: Diagnostic[] } {
  const prefix = dir === "" || dir === "." ? "" : `${dir.replace(/\/+$/, "")}/`;
  const paths: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of [...names].sort(cmp)) {
    if (name.startsWith(".") || `${prefix}${name}` === registryPath) continue;
    if (name.endsWith(".yaml")) paths.push(`${prefix}${name}`);
    else if (name.endsWith(".yml")) {
      diagnostics.push({
        severity: "error",
        code: "QG_TENANT_FILE_NAME",
        file: `${prefix}${name}`,
        line: 1,
        column: 1,
        message: `tenant files end in .yaml; rename ${name} to ${name.slice(0, -4)}.yaml (a .yml file would be ignored)`,
      });
    }
  }
  return { paths, diagnostics };
}

export const DEFAULT_TENANTS_DIR = "tenants";
export const DEFAULT_REGISTRY_FILE = "stacks/local.registry.yaml";

export interface LoadFilesInput {
  /** path (relative, `/` separators) → content. */
  files: ReadonlyMap<string, string | Uint8Array> | Readonly<Record<string, string | Uint8Array>>;
  /** Default `tenants`. */
  tenantsDir?: string;
  /** Default `stacks/local.registry.yaml`. */
  registryFile?: string;
  now: Date;
}

/**
 * Loads from file contents held in memory, e.g. read from a Git ref by the gitops commands: the
 * tenant files are the entries directly inside `tenantsDir`.
 */
export function loadDesiredStateFromFiles(input: LoadFilesInput): LoadResult {
  const entries: [string, string | Uint8Array][] =
    input.files instanceof Map ? [...input.files.entries()] : Object.entries(input.files);
  const files = new Map(entries.map(([p, c]) => [p.replace(/^\.\//, ""), c]));
  const dir = (input.tenantsDir ?? DEFAULT_TENANTS_DIR).replace(/^\.\//, "").replace(/\/+$/, "");
  const registryPath = (input.registryFile ?? DEFAULT_REGISTRY_FILE).replace(/^\.\//, "");
  const prefix = dir === "" || dir === "." ? "" : `${dir}/`;
  const names = [...files.keys()]
    .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/"))
    .map((p) => p.slice(prefix.length));
  const selected = selectTenantFiles(dir, names, registryPath);
  const registryContent = files.get(registryPath);
  return loadFromSources({
    tenants: selected.paths.map((path) => ({ path, content: files.get(path)! })),
    registry: registryContent === undefined ? undefined : { path: registryPath, content: registryContent },
    registryPath,
    now: input.now,
    readDiagnostics: selected.diagnostics,
  });
}

/**
 * The reading stage on a file system: the only module of src/tenant that touches files. Everything
 * after it (load.ts) works on contents, so the gitops commands can feed files read from Git refs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Diagnostic } from "./diagnostics";
import {
  DEFAULT_REGISTRY_FILE,
  DEFAULT_TENANTS_DIR,
  type LoadResult,
  loadFromSources,
  type SourceFile,
  selectTenantFiles,
} from "./load";
import { MAX_FILE_BYTES } from "./yaml";

export interface LoadOptions {
  /** Diagnostics name files relative to this folder. */
  root: string;
  /** Relative to root (or absolute); default `tenants`. */
  tenantsDir?: string;
  /** Relative to root (or absolute); default `stacks/local.registry.yaml`. */
  registryFile?: string;
  /** The instant `expires` entries are compared with. */
  now: Date;
  /** Reads one file (absolute path); default fs.readFileSync. Throw ENOENT for a missing file. */
  readFile?: (absolutePath: string) => Uint8Array | string;
  /** Lists the names in a folder (absolute path); default fs.readdirSync. */
  listDir?: (absolutePath: string) => string[];
}

export function loadDesiredState(opts: LoadOptions): LoadResult {
  const readFile = opts.readFile ?? readBounded;
  const listDir = opts.listDir ?? ((p: string) => fs.readdirSync(p));
  const rel = (abs: string) => {
    const r = path.relative(opts.root, abs);
    return (r === "" ? "." : r).split(path.sep).join("/");
  };
  const tenantsAbs = path.resolve(opts.root, opts.tenantsDir ?? DEFAULT_TENANTS_DIR);
  const registryAbs = path.resolve(opts.root, opts.registryFile ?? DEFAULT_REGISTRY_FILE);
  const readDiagnostics: Diagnostic[] = [];
  const ioError = (file: string, e: unknown, what: string) =>
    readDiagnostics.push({
      severity: "error",
      code: "QG_TENANT_IO",
      file,
      line: 1,
      column: 1,
      message:
        `${what}: ${(e as NodeJS.ErrnoException)?.code ?? ""} ${(e as Error)?.message ?? String(e)}`.trim(),
    });

  let names: string[] = [];
  try {
    names = listDir(tenantsAbs);
  } catch (e) {
    ioError(rel(tenantsAbs), e, "cannot list the tenants folder");
  }
  const selected = selectTenantFiles(rel(tenantsAbs), names, rel(registryAbs));
  readDiagnostics.push(...selected.diagnostics);
  const tenants: SourceFile[] = [];
  for (const p of selected.paths) {
    try {
      tenants.push({ path: p, content: readFile(path.resolve(opts.root, p)) });
    } catch (e) {
      // A folder named x.yaml, a dangling link, no permission: reported, the others still load.
      ioError(p, e, "cannot read this tenant file");
    }
  }
  let registry: SourceFile | undefined;
  try {
    registry = { path: rel(registryAbs), content: readFile(registryAbs) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code !== "ENOENT")
      ioError(rel(registryAbs), e, "cannot read the registry file");
  }
  return loadFromSources({
    tenants,
    registry,
    registryPath: rel(registryAbs),
    now: opts.now,
    readDiagnostics,
  });
}

/**
 * Reads at most one byte more than the limit, so a huge file (or /dev/zero behind a link) is
 * reported as too large without being read into memory.
 */
function readBounded(p: string): Uint8Array {
  const fd = fs.openSync(p, "r");
  try {
    const limit = MAX_FILE_BYTES + 1;
    // The size is a hint only (0 for devices and some pipes): read until EOF or the limit.
    const hint = fs.fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.min(Math.max(hint + 1, 64 * 1024), limit));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length >= limit) break;
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

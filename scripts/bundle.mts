/**
 * `npm run bundle`: the offline bundle, dist/quay-gitops-<version>-linux-x64.tar.gz (docs/airgap.md).
 *
 * Everything quay-gitops needs to run every command on a Linux x86-64 machine with no network, no Go,
 * no npm and any or no Node: the program compiled afresh without source maps (every folder that
 * tsconfig.build.json compiles, so a new command or provider is in the bundle without a change here),
 * the production npm packages of package-lock.json (copied from node_modules, so the bundle holds
 * exactly what the tests ran on), the Node runtime of the `node` package, and the Pulumi CLI with its
 * Node language host and the dynamic-provider shim (found or built by scripts/ensure-pulumi), binaries
 * stripped. `bin/quay-gitops` runs the CLI on the bundled Node; the bundle's scripts/ensure-pulumi
 * names the bundled Pulumi CLI, so src/engine finds it the way it finds a built one.
 *
 * Options: --out DIR (default dist/), --if-changed (keep the tarball when nothing it is made of has
 * changed since it was built: the digest of the inputs is written beside it).
 *
 * Runs on Node >= 23.6 as it is (type stripping): `node scripts/bundle.mts`.
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(import.meta.dirname, "..");

/** What the bundle copies from the project as it is (the sample tenants and stack are for `demo`). */
const PROJECT_FILES = ["Pulumi.yaml", "bin/quay-gitops.js", "schemas", "stacks", "tenants"];

/** Files of npm packages that nothing loads at run time. */
const DROP_FROM_PACKAGES = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.tsbuildinfo)$/;

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  quayGitops?: { pulumiVersion?: string };
}

interface LockPackage {
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

function log(line: string): void {
  if (process.env.QUAY_GITOPS_QUIET !== "1") console.error(`bundle: ${line}`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(cmd, args, {
    cwd: opts.cwd ?? root,
    env: opts.env ?? process.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** The Node binary of the `node` package: node_modules/.bin/node links to a copy of it. */
function nodeBinary(): { binary: string; license: string | undefined } {
  const link = path.join(root, "node_modules", ".bin", "node");
  const pkgDir = path.join(
    root,
    "node_modules",
    "node",
    "node_modules",
    `node-${process.platform}-${process.arch}`,
  );
  const real = path.join(pkgDir, "bin", "node");
  const binary = fs.existsSync(real) ? real : fs.realpathSync(link);
  const license = path.join(pkgDir, "LICENSE");
  return { binary, license: fs.existsSync(license) ? license : undefined };
}

/**
 * The production packages of package-lock.json: every installed entry that is not dev-only. An entry
 * both dev and optional (`devOptional`, typescript as @pulumi/pulumi's optional peer) stays out: the
 * program is compiled JavaScript (Pulumi.yaml `typescript: false`) and our providers are no serialized
 * closures (providers/dynamic.ts), so nothing loads it.
 */
function productionPackages(): string[] {
  const lock = readJson<{ lockfileVersion: number; packages: Record<string, LockPackage> }>(
    path.join(root, "package-lock.json"),
  );
  if (lock.lockfileVersion < 2) throw new Error("package-lock.json must be lockfileVersion 2 or 3");
  const out: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === "" || !key.startsWith("node_modules/") || entry.dev || entry.devOptional || entry.link)
      continue;
    // An optional package for another platform is in the lock file but not installed.
    if (!fs.existsSync(path.join(root, key))) continue;
    out.push(key);
  }
  return out.sort();
}

/** Copies one package without its nested node_modules (those are entries of their own in the lock file). */
function copyPackage(from: string, to: string): void {
  fs.cpSync(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const rel = path.relative(from, src);
      if (rel === "node_modules" || rel.startsWith(`node_modules${path.sep}`)) return false;
      return !DROP_FROM_PACKAGES.test(src);
    },
  });
}

function strip(file: string): void {
  try {
    run("strip", ["--strip-all", file]);
  } catch (e) {
    throw new Error(
      `cannot strip ${file} (binutils' strip is needed to build the bundle): ${(e as Error).message}`,
    );
  }
}

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

/** bin/quay-gitops: the CLI on the bundled Node, from wherever the bundle was unpacked or linked from. */
const ENTRY_POINT = `#!/bin/sh
# quay-gitops from the offline bundle (docs/airgap.md): runs on the bundle's own Node and Pulumi CLI,
# whatever Node the machine has, or none.
self=$0
# A link to this file (/usr/local/bin/quay-gitops) leads to the bundle it belongs to.
if command -v readlink >/dev/null 2>&1; then self=$(readlink -f "$0"); fi
case "$self" in */*) ;; *) self=./$self ;; esac
root=$(cd "\${self%/*}/.." && pwd -P) || exit 2
exec "$root/node/bin/node" "$root/bin/quay-gitops.js" "$@"
`;

/** The bundle's scripts/ensure-pulumi: src/engine/env.ts asks it for the folder of the Pulumi CLI. */
const ENSURE_PULUMI = `#!/bin/sh
# The offline bundle's scripts/ensure-pulumi: the Pulumi CLI, its Node language host and the
# dynamic-provider shim ship in pulumi/bin, so nothing is looked up on PATH or built.
root=$(cd "\${0%/*}/.." && pwd -P) || exit 1
bin=$root/pulumi/bin
for f in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
  [ -x "$bin/$f" ] || { echo "ensure-pulumi: $bin/$f is missing from the quay-gitops bundle" >&2; exit 1; }
done
echo "$bin"
`;

/**
 * bin/pulumi: the bundled Pulumi CLI for plain `pulumi` commands (`config set --secret`, `cancel`,
 * `stack ls`), with the environment quay-gitops runs it with (src/engine/env.ts).
 */
const PULUMI = `#!/bin/sh
# The offline bundle's Pulumi CLI with the environment quay-gitops gives it (docs/airgap.md): its Node
# language host and Node first on PATH, the engine's files in the bundle's .cache/pulumi-home (unless
# PULUMI_HOME is set), no update checks or plugin downloads, and the bundle's .state/ as the backend
# unless PULUMI_BACKEND_URL names one. Run it in the bundle folder (Pulumi.yaml): pulumi -C <bundle> ...
self=$0
if command -v readlink >/dev/null 2>&1; then self=$(readlink -f "$0"); fi
case "$self" in */*) ;; *) self=./$self ;; esac
root=$(cd "\${self%/*}/.." && pwd -P) || exit 2
PATH="$root/pulumi/bin:$root/node/bin:$PATH"
PULUMI_HOME=\${PULUMI_HOME:-$root/.cache/pulumi-home}
PULUMI_BACKEND_URL=\${PULUMI_BACKEND_URL:-file://$root/.state}
PULUMI_SKIP_UPDATE_CHECK=true
PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PATH PULUMI_HOME PULUMI_BACKEND_URL PULUMI_SKIP_UPDATE_CHECK PULUMI_DIY_BACKEND_NO_LEGACY_WARNING \\
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION
exec "$root/pulumi/bin/pulumi" "$@"
`;

/** A digest of everything the bundle is made of, for --if-changed. */
function inputsDigest(pulumiBin: string, node: string): string {
  const h = crypto.createHash("sha256");
  const add = (file: string) => {
    const st = fs.statSync(file);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(file).sort()) add(path.join(file, name));
      return;
    }
    h.update(`${path.relative(root, file)}\0`);
    h.update(fs.readFileSync(file));
  };
  const build = readJson<{ include: string[] }>(path.join(root, "tsconfig.build.json"));
  for (const p of [
    ...build.include,
    ...PROJECT_FILES,
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.build.json",
    "scripts/bundle.mts",
  ])
    add(path.join(root, p));
  h.update(`${gitCommit() ?? ""}\0`); // the BUNDLE file names it
  // The binaries by identity, not content: hashing 250 MB would cost as much as some builds.
  for (const file of [node, ...fs.readdirSync(pulumiBin).map((f) => path.join(pulumiBin, f))]) {
    const st = fs.statSync(file);
    h.update(`${file}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return h.digest("hex");
}

function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { out: { type: "string" }, "if-changed": { type: "boolean" } },
    strict: true,
  });
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `the bundle carries this machine's binaries: build it on linux-x64, not ${process.platform}-${process.arch}`,
    );
  }
  const pkg = readJson<PackageJson>(path.join(root, "package.json"));
  const name = `quay-gitops-${pkg.version}-linux-x64`;
  const outDir = path.resolve(values.out ?? path.join(root, "dist"));
  const tarball = path.join(outDir, `${name}.tar.gz`);
  const digestFile = `${tarball}.inputs`;

  const pulumiBin =
    run(path.join(root, "scripts", "ensure-pulumi"), [])
      .trim()
      .split("\n")
      .pop() ?? "";
  const node = nodeBinary();
  const digest = inputsDigest(pulumiBin, node.binary);
  if (values["if-changed"] && fs.existsSync(tarball) && fs.existsSync(digestFile)) {
    if (fs.readFileSync(digestFile, "utf8").trim() === digest) {
      log(`unchanged: ${path.relative(process.cwd(), tarball)}`);
      console.log(tarball);
      return 0;
    }
  }

  const start = Date.now();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "qg-bundle-"));
  try {
    const top = path.join(staging, name);
    fs.mkdirSync(top);

    log("compiling (tsconfig.build.json, no source maps)");
    const tsconfig = path.join(staging, "tsconfig.json");
    write(
      tsconfig,
      JSON.stringify({
        extends: path.join(root, "tsconfig.build.json"),
        compilerOptions: {
          outDir: path.join(top, "dist"),
          sourceMap: false,
          incremental: false,
          tsBuildInfoFile: null,
          // Type libraries are looked up beside the tsconfig, which is not in the project here.
          typeRoots: [path.join(root, "node_modules", "@types")],
        },
      }),
    );
    try {
      run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig]);
    } catch (e) {
      throw new Error(
        `the compilation failed:\n${(e as { stdout?: string }).stdout ?? (e as Error).message}`,
      );
    }

    for (const p of PROJECT_FILES) fs.cpSync(path.join(root, p), path.join(top, p), { recursive: true });
    // package.json without what only a checkout uses (scripts, devDependencies); toolVersion() reads it.
    const bundledPkg: PackageJson & { private: true; bin: Record<string, string> } = {
      name: pkg.name,
      version: pkg.version,
      private: true,
      ...(pkg.description ? { description: pkg.description } : {}),
      ...(pkg.license ? { license: pkg.license } : {}),
      bin: { "quay-gitops": "bin/quay-gitops" },
      ...(pkg.engines ? { engines: pkg.engines } : {}),
      ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
      ...(pkg.quayGitops ? { quayGitops: pkg.quayGitops } : {}),
    };
    write(path.join(top, "package.json"), `${JSON.stringify(bundledPkg, null, 2)}\n`);
    write(path.join(top, "bin", "quay-gitops"), ENTRY_POINT, 0o755);
    write(path.join(top, "scripts", "ensure-pulumi"), ENSURE_PULUMI, 0o755);
    write(path.join(top, "bin", "pulumi"), PULUMI, 0o755);

    log("copying the production npm packages");
    const packages = productionPackages();
    for (const key of packages) copyPackage(path.join(root, key), path.join(top, key));

    log(`Node from ${node.binary}`);
    const nodeOut = path.join(top, "node", "bin", "node");
    fs.mkdirSync(path.dirname(nodeOut), { recursive: true });
    fs.copyFileSync(node.binary, nodeOut);
    fs.chmodSync(nodeOut, 0o755);
    strip(nodeOut);
    if (node.license) fs.copyFileSync(node.license, path.join(top, "node", "LICENSE"));

    log(`Pulumi CLI from ${pulumiBin}`);
    const pulumiOut = path.join(top, "pulumi", "bin");
    fs.mkdirSync(pulumiOut, { recursive: true });
    for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
      fs.copyFileSync(path.join(pulumiBin, f), path.join(pulumiOut, f));
      fs.chmodSync(path.join(pulumiOut, f), 0o755);
    }
    strip(path.join(pulumiOut, "pulumi"));
    strip(path.join(pulumiOut, "pulumi-language-nodejs"));
    const pulumiLicense = path.join(root, "node_modules", "@pulumi", "pulumi", "LICENSE");
    if (fs.existsSync(pulumiLicense)) fs.copyFileSync(pulumiLicense, path.join(top, "pulumi", "LICENSE"));

    const pulumiVersion = run(path.join(pulumiOut, "pulumi"), ["version"]).trim();
    const nodeVersion = run(nodeOut, ["--version"]).trim();
    const commit = gitCommit();
    write(
      path.join(top, "BUNDLE"),
      [
        `quay-gitops ${pkg.version} (linux-x64)`,
        `commit ${commit ?? "unknown"}`,
        `node ${nodeVersion}`,
        `pulumi ${pulumiVersion}`,
        `npm packages ${packages.length} (production, from package-lock.json)`,
        "",
      ].join("\n"),
    );
    // Readable by any user: an image runs the bundle as a non-root user it does not own.
    run("chmod", ["-R", "a+rX,go-w", top]);

    log("packing");
    fs.mkdirSync(outDir, { recursive: true });
    const partial = `${tarball}.partial`;
    // Reproducible: sorted names, one time (the commit's, or SOURCE_DATE_EPOCH), no owners, no gzip time.
    // gzip's default level: -9 took 3.4 times as long (68 s instead of 20 s) for 0.7% less.
    const mtime = process.env.SOURCE_DATE_EPOCH ?? commitTime() ?? `${Math.floor(Date.now() / 1000)}`;
    execFileSync(
      "sh",
      [
        "-c",
        'tar -C "$1" --sort=name --mtime="@$2" --owner=0 --group=0 --numeric-owner -cf - "$3" | gzip -n >"$4"',
        "sh",
        staging,
        mtime,
        name,
        partial,
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    fs.renameSync(partial, tarball);
    write(digestFile, `${digest}\n`);
    const unpacked = Number(run("du", ["-sb", top]).split(/\s/)[0]);
    const size = fs.statSync(tarball).size;
    log(
      `${path.relative(process.cwd(), tarball)}: ${mib(size)} (${mib(unpacked)} unpacked), node ${nodeVersion}, pulumi ${pulumiVersion}, ${packages.length} npm packages, ${Math.round((Date.now() - start) / 1000)} s`,
    );
    console.log(tarball);
    return 0;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function gitCommit(): string | undefined {
  try {
    const commit = run("git", ["rev-parse", "HEAD"]).trim();
    const dirty = run("git", ["status", "--porcelain", "--untracked-files=no"]).trim() !== "";
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return undefined;
  }
}

function commitTime(): string | undefined {
  try {
    return run("git", ["log", "-1", "--format=%ct"]).trim() || undefined;
  } catch {
    return undefined;
  }
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`bundle: ${(e as Error).message}`);
  process.exitCode = 1;
}

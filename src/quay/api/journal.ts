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
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

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
} as const;

const IV_BYTES = 12;
const TAG_BYTES = 16;

function parseKey(hex: string | undefined): Buffer | undefined {
  if (!hex || !/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  return Buffer.from(hex, "hex");
}

function seal(key: Buffer, record: RecordedRead): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(record), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

function open(key: Buffer, line: string): RecordedRead | undefined {
  const raw = Buffer.from(line, "base64");
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    const r = JSON.parse(text.toString("utf8")) as RecordedRead;
    return typeof r.key === "string" && typeof r.scope === "string" ? r : undefined;
  } catch {
    // A line cut short by a killed process, or not ours: it is simply not reused.
    return undefined;
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
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const byKey = new Map<string, RecordedRead>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const r = open(key, line);
    if (r) byKey.set(r.key, r);
  }
  return [...byKey.values()];
}

export interface JournalOptions {
  recorder?: ReadRecorder | undefined;
  replay?: readonly RecordedRead[] | undefined;
}

/** The journal settings of this process, from the environment the gitops commands give the engine. */
export function journalFromEnv(env: Readonly<Record<string, string | undefined>>): JournalOptions {
  const key = parseKey(env[JOURNAL_ENV.key]);
  if (!key) return {};
  const recordFile = env[JOURNAL_ENV.record];
  const replayFile = env[JOURNAL_ENV.replay];
  return {
    ...(recordFile ? { recorder: new ReadRecorder(recordFile, key) } : {}),
    ...(replayFile ? { replay: loadJournal(replayFile, key) } : {}),
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
  /** How many reads the journal holds (for the summary). */
  size(): number;
  dispose(): void;
}

export function createRunJournal(): RunJournal {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quay-gitops-reads-"));
  const file = path.join(dir, "reads");
  const keyHex = randomBytes(32).toString("hex");
  return {
    recordEnv: { [JOURNAL_ENV.record]: file, [JOURNAL_ENV.key]: keyHex },
    replayEnv: { [JOURNAL_ENV.replay]: file, [JOURNAL_ENV.key]: keyHex },
    continueEnv: { [JOURNAL_ENV.record]: file, [JOURNAL_ENV.replay]: file, [JOURNAL_ENV.key]: keyHex },
    recorder: () => new ReadRecorder(file, Buffer.from(keyHex, "hex")),
    size: () => loadJournal(file, Buffer.from(keyHex, "hex")).length,
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

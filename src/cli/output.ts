/**
 * The one way out of the process: every text a command prints or writes to a file passes the secret
 * filter (the plaintext secrets known so far are masked, src/plan/values.ts `redactText`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { redactText } from "../plan/values";

const secrets = new Set<string>();

/** Plaintext secrets to mask from now on (credentials, decrypted stack config, robot tokens). */
export function addSecrets(values: Iterable<string>): void {
  for (const v of values) if (v) secrets.add(v);
}

const clean = (text: string): string => redactText(text, secrets);

export const out = (text: string): void => {
  process.stdout.write(clean(text));
};

export const err = (text: string): void => {
  process.stderr.write(clean(text));
};

/** Progress lines go to stderr, so stdout stays the report. */
export const progress = (line: string): void => err(`${line}\n`);

/** Writes a report file (folders created), filtered like everything else. */
export function writeReport(file: string, text: string): void {
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, clean(text));
}

import { randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * User passwords. Quay keeps a bcrypt hash (`User.password_hash`, `data/model/user.py` at v3.18.0);
 * the emulator keeps an scrypt hash from node:crypto instead: the state file and `/_emulator/state`
 * never hold a password in clear. Hashes of another shape (the bcrypt-shaped placeholders of older
 * state files) match no password, as an unusable hash does in Quay.
 */

// Cheaper than node's default (2^14): tests create many users, and the hash only has to keep the
// password out of the state file, not to resist an offline attack on it.
const N = 4096;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, KEY_LENGTH, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** Whether `password` matches `stored`; asynchronous so a sign-in does not block other requests. */
export function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split("$") ?? [];
  if (parts.length !== 6 || parts[0] !== "scrypt") return Promise.resolve(false);
  const [, n, r, p, saltText, keyText] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyText, "base64");
  return new Promise((resolve) => {
    scrypt(
      password,
      Buffer.from(saltText, "base64"),
      expected.length,
      { N: Number(n), r: Number(r), p: Number(p) },
      (err, key) => resolve(!err && key.length === expected.length && timingSafeEqual(key, expected)),
    );
  });
}

/**
 * Stage 1: bytes → one YAML 1.2 document with positions. Everything a reviewer could not see in a
 * diff, or that could hurt the process reading it, is refused here with a clear message: files over
 * 1 MiB, invalid UTF-8 and control characters, several documents, duplicate keys, custom tags and
 * aliases that expand into too many nodes ("billion laughs").
 */
import { isUtf8 } from "node:buffer";
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  visit,
} from "yaml";
import type { DiagnosticBag, Position } from "./diagnostics";
import { parseFastYaml } from "./fast-yaml";

/** Tenant files are small (the largest sample is a few KiB); 1 MiB leaves room and bounds memory. */
export const MAX_FILE_BYTES = 1024 * 1024;
/**
 * Expanded alias nodes allowed per file. Anchors for a shared permission list are fine; the yaml
 * package counts every node copied through an alias against this.
 */
export const MAX_ALIAS_COUNT = 100;

export type PathSegment = string | number;

/** One parsed file: the plain value plus what is needed to point at any part of it. */
export interface YamlFile {
  file: string;
  value: unknown;
  locator: Locator;
}

const START: Position = { line: 1, column: 1 };

/**
 * Turns file content into text. Git blobs and files arrive as bytes; tests and callers that already
 * hold text may pass a string (then only the size and character checks apply).
 */
export function decodeSource(
  file: string,
  content: string | Uint8Array,
  bag: DiagnosticBag,
): string | undefined {
  let text: string;
  if (typeof content === "string") {
    const bytes = Buffer.byteLength(content, "utf8");
    if (bytes > MAX_FILE_BYTES) {
      bag.error("QG_TENANT_FILE_TOO_LARGE", file, START, tooLarge(bytes));
      return undefined;
    }
    text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
    const lone = /\p{Cs}/u.exec(text);
    if (lone) {
      bag.error(
        "QG_TENANT_ENCODING",
        file,
        positionOf(text, lone.index),
        "the text contains a lone UTF-16 surrogate",
      );
      return undefined;
    }
  } else {
    if (content.length > MAX_FILE_BYTES) {
      bag.error("QG_TENANT_FILE_TOO_LARGE", file, START, tooLarge(content.length));
      return undefined;
    }
    if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
      bag.error(
        "QG_TENANT_ENCODING",
        file,
        START,
        "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8",
      );
      return undefined;
    }
    // isUtf8 is native and fast; the scan that finds the offending byte only runs on bad files.
    const bad = isUtf8(content) ? -1 : firstInvalidUtf8(content);
    if (bad !== -1) {
      const before = Buffer.from(content.buffer, content.byteOffset, bad).toString("utf8");
      bag.error(
        "QG_TENANT_ENCODING",
        file,
        positionOf(before, before.length),
        `invalid UTF-8 (byte 0x${content[bad]!.toString(16).padStart(2, "0")} at offset ${bad}); save the file as UTF-8`,
      );
      return undefined;
    }
    text = Buffer.from(content.buffer, content.byteOffset, content.length).toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  }
  // YAML 1.2 §5.1 allows only printable characters; a NUL or an escape sequence in a reviewed file
  // hides content from the reviewer (and the yaml package accepts some of them silently).
  const control = firstControlCharacter(text);
  if (control !== -1) {
    const cp = text.charCodeAt(control).toString(16).toUpperCase().padStart(4, "0");
    bag.error(
      "QG_TENANT_ENCODING",
      file,
      positionOf(text, control),
      `control character U+${cp} is not allowed in a YAML file; remove it (a binary or corrupted file?)`,
    );
    return undefined;
  }
  return text;
}

function tooLarge(bytes: number): string {
  // The reader stops one byte past the limit, so the size itself is only known to be too large.
  const size = bytes > MAX_FILE_BYTES + 1 ? ` (${bytes} bytes)` : "";
  return `the file is larger than 1 MiB${size}, the limit for tenant and registry files (${MAX_FILE_BYTES} bytes); split the tenant or remove content`;
}

/**
 * Anything outside YAML 1.2's c-printable set (§5.1): C0 controls but tab, LF and CR; DEL and C1
 * controls but NEL; U+FFFE and U+FFFF. Surrogates are matched as printable here (lone ones are
 * refused separately).
 */
const NOT_PRINTABLE = /[^\t\n\r\u0020-\u007e\u0085\u00a0-\ufffd]/;

/** Offset of the first character YAML 1.2 does not allow, or -1. */
export function firstControlCharacter(text: string): number {
  const m = NOT_PRINTABLE.exec(text);
  return m ? m.index : -1;
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += n + 1;
  }
  return -1;
}

/** 1-based line and column (UTF-16 units) of an offset in a text. */
export function positionOf(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const CORE_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

/** Parses text as exactly one YAML 1.2 document. Undefined when the file cannot be used at all. */
function parseDocuments(text: string, lineCounter: LineCounter): Document.Parsed[] {
  return parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    version: "1.2",
    // Merge keys (`<<`) are YAML 1.1; with merge off `<<` is an ordinary key the schema rejects.
    merge: false,
  }) as Document.Parsed[];
}

export function parseYaml(file: string, text: string, bag: DiagnosticBag): YamlFile | undefined {
  // Most files are read by js-yaml (fast-yaml.ts); what it declines, and every error, takes the
  // `yaml` package, which knows positions.
  const fast = parseFastYaml(text);
  if (fast) return { file, value: fast.value, locator: new Locator(text) };
  const lineCounter = new LineCounter();
  const docs = parseDocuments(text, lineCounter);
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (docs.length === 0) {
    bag.error(
      "QG_TENANT_EMPTY",
      file,
      START,
      "the file holds no YAML document; an empty tenant file is not valid",
    );
    return undefined;
  }
  const doc = docs[0]!;
  if (docs.length > 1) {
    const second = docs[1]!;
    bag.error(
      "QG_TENANT_MULTIPLE_DOCUMENTS",
      file,
      pos(second.range[0]),
      `the file holds ${docs.length} YAML documents (separated by ---); a tenant or registry file holds exactly one`,
    );
  }
  let broken = false;
  for (const d of docs) {
    // A syntax error makes the parser misread what follows, and its later errors are mostly
    // consequences. Report the first one (a tab used for indentation if any: the usual root cause)
    // and every duplicate key, which are independent of each other.
    const syntax = d.errors.filter((e) => e.code !== "DUPLICATE_KEY");
    const first = syntax.find((e) => e.code === "TAB_AS_INDENT") ?? syntax[0];
    if (first) {
      const extra = first.code === "TAB_AS_INDENT" ? "; indent with spaces" : "";
      bag.error(
        "QG_TENANT_YAML",
        file,
        pos(first.pos[0]),
        `YAML syntax: ${firstLine(first.message)}${extra}`,
      );
    }
    for (const e of d.errors) {
      if (e.code !== "DUPLICATE_KEY") continue;
      bag.error("QG_TENANT_DUPLICATE_KEY", file, pos(e.pos[0]), duplicateKeyMessage(d, e.pos[0], pos));
    }
    for (const w of d.warnings) {
      bag.error("QG_TENANT_YAML", file, pos(w.pos[0]), `YAML: ${firstLine(w.message)}`);
    }
    broken ||= d.errors.length > 0 || d.warnings.length > 0;
  }
  if (broken) return undefined;
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== "1.2") {
    bag.error(
      "QG_TENANT_YAML",
      file,
      START,
      `%YAML ${version.version} directive: tenant files are YAML 1.2 (where "yes" and "no" are strings); remove the directive`,
    );
    return undefined;
  }
  let tagged = false;
  // Every tag is written with "!": files without one need no walk over their nodes.
  if (text.includes("!"))
    visit(doc, (_key, node) => {
      if (isNode(node) && node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
        tagged = true;
        bag.error(
          "QG_TENANT_YAML",
          file,
          pos(node.range?.[0] ?? 0),
          `YAML tag ${node.tag.replace("tag:yaml.org,2002:", "!!")} is not supported; write plain strings, numbers, lists and maps`,
        );
      }
    });
  if (tagged) return undefined;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = String((e as Error)?.message ?? e);
    // The yaml package throws "Excessive alias count indicates a resource exhaustion attack" past
    // maxAliasCount, and "Unresolved alias" for an alias without anchor.
    const bomb = /excessive alias count/i.test(message);
    let where: Position = START;
    visit(doc, {
      Alias(_k, node) {
        if (!bomb && node.resolve(doc) !== undefined) return undefined;
        where = pos(node.range?.[0] ?? 0);
        return visit.BREAK;
      },
    });
    bag.error(
      bomb ? "QG_TENANT_ALIAS" : "QG_TENANT_YAML",
      file,
      where,
      bomb
        ? `aliases (*name) expand into more than ${MAX_ALIAS_COUNT} nodes; write the values out or use fewer nested aliases`
        : `YAML: ${firstLine(message)}`,
    );
    return undefined;
  }
  return { file, value, locator: new Locator(text) };
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? s).replace(/ at line \d+, column \d+:?$/, "");
}

function duplicateKeyMessage(doc: Document, offset: number, pos: (o: number) => Position): string {
  let message = "duplicate key in this mapping; each key may appear only once";
  visit(doc, {
    Map(_k, map) {
      const idx = map.items.findIndex((p) => isNode(p.key) && p.key.range?.[0] === offset);
      if (idx < 0) return undefined;
      const key = keyText(map.items[idx]!.key);
      const first = map.items.findIndex((p) => keyText(p.key) === key);
      const firstKey = map.items[first]?.key;
      const where =
        isNode(firstKey) && firstKey.range ? ` (first at line ${pos(firstKey.range[0]).line})` : "";
      message = `duplicate key "${key}"${where}; each key may appear only once in a mapping`;
      return visit.BREAK;
    },
  });
  return message;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/** Maps a path in the plain value back to a line and column in the file. */
export class Locator {
  /*
   * The document tree is rebuilt from the text the first time a position is asked for, instead of
   * being kept from the first parse: a valid file is never asked, and keeping 200 trees alive cost
   * more garbage collection than parsing the few files that have diagnostics twice.
   */
  private tree?: { doc: Document.Parsed; lineCounter: LineCounter };

  constructor(private readonly text: string) {}

  private get doc(): Document.Parsed {
    return this.parsed().doc;
  }

  private get lineCounter(): LineCounter {
    return this.parsed().lineCounter;
  }

  private parsed(): { doc: Document.Parsed; lineCounter: LineCounter } {
    if (!this.tree) {
      const lineCounter = new LineCounter();
      const doc = parseDocuments(this.text, lineCounter)[0];
      if (!doc) throw new Error("Locator: the text no longer parses into a document");
      this.tree = { doc, lineCounter };
    }
    return this.tree;
  }

  /**
   * Position of the value at `path` (or of its key with target "key"). When the path does not exist
   * completely (a missing field) this is the position of the deepest part that does.
   */
  at(path: readonly PathSegment[], target: "key" | "value" = "value"): Position {
    let node: unknown = this.doc.contents;
    let key: Node | undefined;
    let deepest: Node | undefined = isNode(node) ? node : undefined;
    for (const seg of path) {
      node = this.resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return this.pos(key ?? deepest);
        key = isNode(pair.key) ? pair.key : undefined;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item === undefined) return this.pos(key ?? deepest);
        key = undefined;
        node = item;
      } else {
        return this.pos(key ?? deepest);
      }
      if (isNode(node)) deepest = node;
    }
    if (target === "key" && key) return this.pos(key);
    // `field:` with nothing after it has an empty value node; the key is the useful place then.
    if (isNode(node) && !isCollection(node) && isScalar(node) && node.value === null && key)
      return this.pos(key);
    return this.pos(isNode(node) ? node : (key ?? deepest));
  }

  private resolve(node: unknown): unknown {
    let n = node;
    for (let i = 0; i < 64 && isAlias(n); i++) n = n.resolve(this.doc);
    return n;
  }

  private pos(node: Node | undefined): Position {
    const offset = node?.range?.[0];
    if (offset === undefined) return START;
    const p = this.lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  }
}

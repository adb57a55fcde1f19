/**
 * A small YAML writer for exported files, so they read like the hand-written samples in tenants/:
 * block mappings and sequences, short lists of scalars and small mappings in flow style
 * (`tags: ["9.*", latest]`, `passwordFrom: { env: NAME }`), plain scalars where YAML 1.2 reads them
 * back as the same string, double quotes elsewhere, and comments before any entry. A general YAML
 * library would lose the comments and the sample's style; what this writes is checked by reading it
 * back (test/unit/export).
 */

export type Node = string | number | boolean | YamlMap | YamlSeq;

export interface Entry {
  key: string;
  value: Node;
  /** Comment lines before the entry (without `#`). */
  comments?: string[];
  /** A comment at the end of the entry's line (scalars and flow values only). */
  trailing?: string;
}

export interface Item {
  value: Node;
  comments?: string[];
  /** A comment at the end of the item's line (scalars and flow values only). */
  trailing?: string;
}

export class YamlMap {
  readonly entries: Entry[] = [];
  /** Written `{ k: v, ... }` when it fits on the line. */
  flow = false;
  add(key: string, value: Node | undefined, extra: { comments?: string[]; trailing?: string } = {}): this {
    if (value !== undefined) this.entries.push({ key, value, ...extra });
    return this;
  }
}

export class YamlSeq {
  readonly items: Item[] = [];
  push(value: Node, comments?: string[], trailing?: string): this {
    this.items.push({
      value,
      ...(comments?.length ? { comments } : {}),
      ...(trailing ? { trailing } : {}),
    });
    return this;
  }
  get length(): number {
    return this.items.length;
  }
}

export const map = (): YamlMap => new YamlMap();
export const flowMap = (): YamlMap => {
  const m = new YamlMap();
  m.flow = true;
  return m;
};
export const seq = (values: readonly Node[] = []): YamlSeq => {
  const s = new YamlSeq();
  for (const v of values) s.push(v);
  return s;
};

/** Strings YAML 1.2 (core schema) or 1.1 readers would take for something else. */
const SPECIAL =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[0-9]{4}-[0-9]{2}-[0-9]{2}.*|[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$/;

/** The characters a plain scalar may hold here (a conservative subset of what YAML allows). */
const PLAIN_BLOCK = /^[A-Za-z0-9_./][A-Za-z0-9 _.,/@+()=%:'-]*$/;
const PLAIN_FLOW = /^[A-Za-z0-9_./][A-Za-z0-9 _./@+()=%:'-]*$/;

/** A scalar as YAML text: plain when that reads back as the same string, else double-quoted. */
export function scalar(v: string | number | boolean, inFlow = false): string {
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const plain =
    v.length > 0 &&
    v === v.trim() &&
    (inFlow ? PLAIN_FLOW : PLAIN_BLOCK).test(v) &&
    !/:(?: |$)/.test(v) &&
    !/ #/.test(v) &&
    !/ {2}/.test(v) &&
    !SPECIAL.test(v);
  // A JSON string is a valid YAML double-quoted scalar with the same value.
  return plain ? v : JSON.stringify(v);
}

const MAX_WIDTH = 110;

function flowText(node: Node): string | undefined {
  if (node instanceof YamlSeq) {
    const parts = node.items.map((i) => (i.comments?.length || i.trailing ? undefined : flowText(i.value)));
    if (parts.some((p) => p === undefined)) return undefined;
    return `[${parts.join(", ")}]`;
  }
  if (node instanceof YamlMap) {
    const parts = node.entries.map((e) => {
      if (e.comments?.length || e.trailing) return undefined;
      const v = flowText(e.value);
      return v === undefined ? undefined : `${e.key}: ${v}`;
    });
    if (parts.some((p) => p === undefined)) return undefined;
    return `{ ${parts.join(", ")} }`;
  }
  return scalar(node, true);
}

/** Sequences of scalars, and maps marked flow, go on one line when they fit. */
function inline(node: Node, prefixWidth: number): string | undefined {
  if (typeof node !== "object") return scalar(node);
  if (node instanceof YamlSeq) {
    if (node.length === 0) return "[]";
    if (node.items.some((i) => typeof i.value === "object")) return undefined;
  } else if (!node.flow) {
    if (node.entries.length === 0) return "{}";
    return undefined;
  }
  const text = flowText(node);
  return text !== undefined && prefixWidth + text.length <= MAX_WIDTH ? text : undefined;
}

function comment(out: string[], indent: string, lines: readonly string[] | undefined): void {
  for (const l of lines ?? []) out.push(l === "" ? `${indent}#` : `${indent}# ${l}`);
}

function writeMap(out: string[], m: YamlMap, indent: string, firstPrefix?: string): void {
  m.entries.forEach((e, i) => {
    const lead = i === 0 && firstPrefix !== undefined ? firstPrefix : indent;
    if (i === 0 && firstPrefix !== undefined && e.comments?.length) {
      // A comment cannot sit between "- " and the first key: put it above the item.
      comment(out, firstPrefix.replace(/- $/, ""), e.comments);
    } else comment(out, indent, e.comments);
    const head = `${lead}${e.key}:`;
    const value = inline(e.value, head.length + 1);
    const trailing = e.trailing ? `  # ${e.trailing}` : "";
    if (value !== undefined) {
      out.push(`${head} ${value}${trailing}`);
    } else {
      out.push(`${head}${trailing}`);
      writeBlock(out, e.value as YamlMap | YamlSeq, `${indent}  `);
    }
  });
}

function writeSeq(out: string[], s: YamlSeq, indent: string): void {
  for (const item of s.items) {
    comment(out, indent, item.comments);
    const v = item.value;
    if (v instanceof YamlMap && !v.flow && v.entries.length > 0) {
      writeMap(out, v, `${indent}  `, `${indent}- `);
    } else {
      const text = inline(v, indent.length + 2);
      if (text !== undefined) out.push(`${indent}- ${text}${item.trailing ? `  # ${item.trailing}` : ""}`);
      else {
        out.push(`${indent}-`);
        writeBlock(out, v as YamlMap | YamlSeq, `${indent}  `);
      }
    }
  }
}

function writeBlock(out: string[], node: YamlMap | YamlSeq, indent: string): void {
  if (node instanceof YamlMap) writeMap(out, node, indent);
  else writeSeq(out, node, indent);
}

/** The document's text: header comment lines, then the mapping. */
export function stringify(doc: YamlMap, header: readonly string[] = []): string {
  const out: string[] = [];
  comment(out, "", header);
  writeMap(out, doc, "");
  return `${out.join("\n")}\n`;
}

/**
 * The fast path of stage 1: tenant and registry files read with js-yaml (about 80 µs for a tenant
 * file, where the `yaml` package with positions takes 1–2 ms). The `yaml` package stays the
 * reference: every text this path declines, and every text with an error, is parsed by it (yaml.ts),
 * which reports the problem at its line and column. The one rule of this module: **when it returns a
 * value, the `yaml` package (YAML 1.2, unique keys, merge keys off, alias limit 100) accepts the same
 * text without error or warning and produces an equal value.** test/unit/tenant/fast-yaml.test.ts
 * checks it on the samples, the fixtures, the bad-tenant corpus and generated, line-built and mutated
 * documents.
 *
 * js-yaml refuses by itself what the reference refuses in the files we read: duplicate keys (also
 * `1:` beside `01:`), several documents, undefined aliases, bad indentation of block collections, bad
 * escapes. What it reads differently, or accepts where the reference does not, is declined here:
 *
 * - scalars resolve by the YAML 1.2 core schema as the `yaml` package applies it (SCALARS): `yes`, `on`
 *   and `2027-01-31` stay strings; js-yaml's own CORE schema would read `0b1`, `-0x1F` and `1_000` as
 *   numbers and `+.5` as a string;
 * - tags and directives (`%YAML 1.1` makes `yes` a boolean in the reference), anchors and aliases (the
 *   reference limits alias expansion by rules of its own: seven chained single aliases exceed it);
 * - keys that are not plain strings: collections (`[a]: 1` is the key `a` for js-yaml, `[ a ]` for the
 *   reference), explicit keys (`? a`), null keys (`~: 1` is `null` for js-yaml, `""` for the reference),
 *   and lines over 1024 characters (YAML's limit for an implicit key, which js-yaml does not enforce);
 * - flow collections and quoted or plain scalars over several lines (js-yaml accepts continuation lines
 *   the reference finds too little indented), block scalars with an indentation indicator or a line of
 *   only spaces, tabs in indentation, comments glued to a quote or bracket (`[1]#c`), content after
 *   `---`, a lone CR;
 * - an empty sequence entry (`-` alone): js-yaml 4.3 reads the next, less indented entry into the same
 *   sequence (`- - \n- b` gives `[[null, "b"]]`).
 *
 * Each check may also decline harmless text (a `*` after a space in a description): that costs a
 * millisecond on the reference path, never a wrong value.
 */
import { load, Schema, type State, Type } from "js-yaml";

/** YAML 1.2 core schema scalars, with the `yaml` package's patterns (yaml/dist/schema/core/*.js). */
const SCALARS = [
  new Type("tag:yaml.org,2002:null", {
    kind: "scalar",
    resolve: (s: string) => /^(?:~|[Nn]ull|NULL)$/.test(s),
    construct: () => null,
  }),
  new Type("tag:yaml.org,2002:bool", {
    kind: "scalar",
    resolve: (s: string) => /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
    construct: (s: string) => s[0] === "t" || s[0] === "T",
  }),
  new Type("tag:yaml.org,2002:int", {
    kind: "scalar",
    resolve: (s: string) => /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(s),
    construct: (s: string) =>
      s.startsWith("0o")
        ? parseInt(s.slice(2), 8)
        : s.startsWith("0x")
          ? parseInt(s.slice(2), 16)
          : parseInt(s, 10),
  }),
  new Type("tag:yaml.org,2002:float", {
    kind: "scalar",
    resolve: (s: string) =>
      /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/.test(
        s,
      ),
    construct: (s: string) =>
      /nan$/i.test(s) ? Number.NaN : /inf$/i.test(s) ? (s[0] === "-" ? -Infinity : Infinity) : parseFloat(s),
  }),
];

/**
 * Only implicit scalar types and no explicit ones: every `!!tag` is an "unknown tag" to js-yaml, so
 * tagged files go to the reference. Mappings and sequences need no type; without a merge type `<<`
 * is an ordinary key, as in the reference with merge keys off.
 */
const SCHEMA = new Schema({ implicit: SCALARS });

/** Characters that only matter where a node or a line starts. */
const SPECIAL = /[\r%!&*?#\]}]/g;
const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
/** Where a node can start: the start of the text, after white space, `[`, `{`, `,` (or `:` in flow). */
const nodeMayStart = (c: string | undefined) =>
  c === undefined || isSpace(c) || c === "[" || c === "{" || c === ",";

/**
 * Whether the text has a directive, a tag, an anchor or alias, an explicit key, a flow collection used
 * as a key, a comment glued to a quote or bracket, or a CR outside CRLF: one pass over the few
 * characters that can start those.
 */
function hasDeclinedSyntax(text: string): boolean {
  for (const m of text.matchAll(SPECIAL)) {
    const i = m.index;
    const c = m[0];
    const prev = i === 0 ? undefined : text[i - 1];
    const next = text[i + 1];
    switch (c) {
      case "\r":
        if (next !== "\n") return true;
        break;
      case "%":
        if (prev === undefined || prev === "\n") return true;
        break;
      case "!":
      case "&":
      case "*":
        if (nodeMayStart(prev) || prev === ":") return true;
        break;
      case "?":
        if (nodeMayStart(prev) && (next === undefined || isSpace(next))) return true;
        break;
      case "#":
        // A comment right after a quote or bracket: an error for the reference, a comment for js-yaml.
        if (prev === '"' || prev === "'" || prev === "]" || prev === "}") return true;
        break;
      default: {
        // `]` or `}` followed by `:`, across white space and line breaks.
        let j = i + 1;
        while (isSpace(text[j])) j++;
        if (text[j] === ":") return true;
      }
    }
  }
  return false;
}

const isBlank = (c: string | undefined) =>
  c === undefined || c === " " || c === "\t" || c === "\r" || c === "\n";

/**
 * Whether a line is longer than 1024 characters (a loop: the regex /[^\n]{1025}/ costs 100 µs a file),
 * has a tab in its indentation (the reference refuses it in block scalars too), has content after
 * `---` or `...` (js-yaml reads `---#c` as a marker and a comment, the reference as a plain scalar), or
 * is a sequence entry with nothing but a comment after its `-`.
 */
function hasDeclinedLine(text: string): boolean {
  for (let at = 0; at < text.length; ) {
    const nl = text.indexOf("\n", at);
    const end = nl === -1 ? text.length : nl;
    if (end - at > 1024) return true;
    if (text.startsWith("---", at) || text.startsWith("...", at)) {
      if (text.slice(at + 3, end).trim() !== "") return true;
      at = end + 1;
      continue;
    }
    let i = at;
    while (text[i] === " ") i++;
    if (text[i] === "\t") return true;
    if (text[i] === "-") {
      // `-` entries, each followed by a blank, then nothing but a comment.
      while (text[i] === "-" && isBlank(text[i + 1])) {
        i++;
        while (i < end && (text[i] === " " || text[i] === "\t" || text[i] === "\r")) i++;
      }
      if (i === end || text[i] === "#") return true;
    }
    at = end + 1;
  }
  return false;
}

/** Whether a mapping anywhere in the value has the key "null" (js-yaml's name for a null key). */
function hasNullKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasNullKey);
  if (v === null || typeof v !== "object") return false;
  if (Object.hasOwn(v, "null")) return true;
  return Object.values(v).some(hasNullKey);
}

/** Offset of a node's first character: past white space, line breaks and comments (no tags or anchors here). */
function nodeStart(input: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = input.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23 /* # */) {
      while (i < to && input.charCodeAt(i) !== 0x0a) i++;
    } else break;
  }
  return i;
}

/** The document's value, or undefined when the text is for the reference parser. */
export function parseFastYaml(text: string): { value: unknown } | undefined {
  if (hasDeclinedLine(text) || hasDeclinedSyntax(text)) return undefined;
  const opened: number[] = [];
  let declined = false;
  // js-yaml reports the start and end of every node: a flow collection or a quoted or plain scalar
  // whose text holds a line break spans lines. A block scalar must have no indentation indicator
  // (`|2`) and no line of only spaces: the two read those lines differently (the reference refuses
  // leading ones more indented than the text). Block collections are left alone.
  const listener = (event: "open" | "close", state: State) => {
    if (event === "open") {
      opened.push(state.position);
      return;
    }
    const from = opened.pop() ?? 0;
    if (declined || (state.kind as string | null) === null) return;
    const start = nodeStart(state.input, from, state.position);
    const first = state.input[start];
    if (first === "|" || first === ">") {
      const block = state.input.slice(start, state.position);
      if (/[1-9]/.test(block.slice(1, 3)) || /\n +(?:\n|$)/.test(block)) declined = true;
      return;
    }
    if (state.kind !== "scalar" && first !== "[" && first !== "{") return;
    const nl = state.input.indexOf("\n", start);
    if (nl !== -1 && nl < state.position) declined = true;
  };
  let value: unknown;
  try {
    value = load(text, { schema: SCHEMA, listener });
  } catch {
    return undefined;
  }
  if (declined || value === null || typeof value !== "object" || hasNullKey(value)) return undefined;
  return { value };
}

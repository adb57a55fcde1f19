/**
 * A fast reader for the plain subset of YAML that tenant and registry files are written in: block
 * mappings and sequences indented with spaces, one-line flow collections (`[a, b]`, `{ env: X }`),
 * plain and quoted one-line scalars, comments. Parsing with the `yaml` package (with positions) was
 * 80 % of `quay-gitops validate` on 200 files; this reads the same files about ten times faster.
 *
 * It is only a fast path. Anything outside the subset — anchors, aliases, tags, block scalars,
 * multi-line scalars or flow collections, escapes in double quotes, quoted or numeric keys, tabs,
 * CR, directives, several documents, duplicate keys, numbers other than plain integers, any
 * irregular indentation — returns undefined, and the caller parses the file with the `yaml` package,
 * which also reports the errors (with positions). For every text it accepts, the value equals what
 * the `yaml` package produces (YAML 1.2 core schema): test/unit/tenant/simple-yaml.test.ts checks
 * that on the samples, the fixtures and generated documents.
 */

class Bail extends Error {}

const bail = (): never => {
  throw new Bail();
};

interface Line {
  indent: number;
  text: string;
}

/** A plain key: what the tenant format uses. Quoted, numeric or exotic keys go to the full parser. */
const KEY = /^([A-Za-z_$<][A-Za-z0-9_.$</-]*) *:(?: +|$)/;
const FLOW_KEY = /^[A-Za-z_$<][A-Za-z0-9_.$</-]*/;
/** Keys the core schema would not read as a string, and the one key JS objects treat specially. */
const NON_STRING_KEYS = new Set([
  "null",
  "Null",
  "NULL",
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
  "__proto__",
]);

/** The document's value, or undefined when the text is not in the simple subset. */
export function parseSimpleYaml(text: string): { value: unknown } | undefined {
  if (text.includes("\t") || text.includes("\r")) return undefined;
  try {
    const lines = toLines(text);
    if (lines.length === 0) return undefined;
    const parser = new Parser(lines);
    const first = lines[0]!;
    if (first.indent !== 0) return undefined;
    const value = parser.node(0);
    if (parser.i !== lines.length) return undefined;
    return { value };
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}

function toLines(text: string): Line[] {
  const out: Line[] = [];
  let seenContent = false;
  for (const raw of text.split("\n")) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    const body = raw.slice(indent).trimEnd();
    if (body === "" || body.startsWith("#")) continue;
    if (indent === 0 && (body.startsWith("---") || body.startsWith("...") || body.startsWith("%"))) {
      // One leading `---` (optionally with a comment) is an explicit document start; anything else
      // (a second document, an end marker, a directive) is the full parser's business.
      if (!seenContent && (body === "---" || /^--- +#/.test(body))) {
        seenContent = true;
        continue;
      }
      bail();
    }
    seenContent = true;
    out.push({ indent, text: body });
  }
  return out;
}

const isItem = (text: string) => text === "-" || text.startsWith("- ");

class Parser {
  i = 0;
  constructor(private readonly lines: Line[]) {}

  /** A block node whose lines start at exactly `indent`. */
  node(indent: number): unknown {
    const line = this.lines[this.i];
    if (!line || line.indent !== indent) return bail();
    if (line.text.startsWith("[") || line.text.startsWith("{")) {
      // A flow collection on its own line under its key (the formatter's style for long ones).
      this.i++;
      return inlineValue(line.text);
    }
    return isItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (
      let line = this.lines[this.i];
      line && line.indent === indent && isItem(line.text);
      line = this.lines[this.i]
    ) {
      const after = line.text.slice(1);
      const content = after.trimStart();
      const contentIndent = indent + 1 + (after.length - content.length);
      if (content === "" || content.startsWith("#")) {
        this.i++;
        const next = this.lines[this.i];
        out.push(next && next.indent > indent ? this.node(next.indent) : null);
      } else if (isItem(content)) {
        bail(); // `- - a`: nested compact sequences
      } else if (KEY.test(content)) {
        // `- name: x` starts a mapping whose keys line up with `name`.
        this.lines[this.i] = { indent: contentIndent, text: content };
        out.push(this.mapping(contentIndent));
      } else {
        out.push(inlineValue(content));
        this.i++;
      }
      this.noDeeper(indent);
    }
    return out;
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.lines[this.i]; line && line.indent === indent; line = this.lines[this.i]) {
      if (isItem(line.text)) bail();
      const m = KEY.exec(line.text);
      if (!m) return bail();
      const key = m[1]!;
      if (NON_STRING_KEYS.has(key) || Object.hasOwn(out, key)) bail();
      const rest = line.text.slice(m[0].length);
      this.i++;
      let value: unknown;
      if (rest === "" || rest.startsWith("#")) {
        const next = this.lines[this.i];
        if (next && next.indent > indent) value = this.node(next.indent);
        else if (next && next.indent === indent && isItem(next.text)) value = this.sequence(indent);
        else value = null;
      } else {
        value = inlineValue(rest);
      }
      this.noDeeper(indent);
      out[key] = value;
    }
    return out;
  }

  /** After a complete entry, a deeper line is a continuation (multi-line scalar) or an error. */
  private noDeeper(indent: number): void {
    const next = this.lines[this.i];
    if (next && next.indent > indent) bail();
  }
}

/** A value written on the rest of a line (block context), with an optional trailing comment. */
function inlineValue(rest: string): unknown {
  const c = rest[0];
  if (c === '"' || c === "'" || c === "[" || c === "{") {
    const [value, end] = flowNode(rest, 0);
    const after = rest.slice(end);
    if (after !== "" && !/^ +#/.test(after)) bail();
    return value;
  }
  const hash = rest.search(/ #/);
  const plain = (hash < 0 ? rest : rest.slice(0, hash)).trimEnd();
  if (plain.includes(": ") || plain.endsWith(":")) bail();
  return plainScalar(plain);
}

/** A node in flow context (or a quoted scalar anywhere) starting at `pos`: [value, end]. */
function flowNode(s: string, pos: number): [unknown, number] {
  const c = s[pos];
  if (c === '"') {
    const end = s.indexOf('"', pos + 1);
    if (end < 0) bail();
    const inner = s.slice(pos + 1, end);
    if (inner.includes("\\")) bail(); // escapes: the full parser
    return [inner, end + 1];
  }
  if (c === "'") {
    let out = "";
    let i = pos + 1;
    for (;;) {
      const q = s.indexOf("'", i);
      if (q < 0) bail();
      out += s.slice(i, q);
      if (s[q + 1] === "'") {
        out += "'";
        i = q + 2;
      } else return [out, q + 1];
    }
  }
  if (c === "[") {
    const out: unknown[] = [];
    let i = skip(s, pos + 1);
    if (s[i] === "]") return [out, i + 1];
    for (;;) {
      const [v, end] = flowNode(s, i);
      out.push(v);
      i = skip(s, end);
      if (s[i] === ",") {
        i = skip(s, i + 1);
        if (s[i] === "]") return [out, i + 1];
      } else if (s[i] === "]") return [out, i + 1];
      else bail();
    }
  }
  if (c === "{") {
    const out: Record<string, unknown> = {};
    let i = skip(s, pos + 1);
    if (s[i] === "}") return [out, i + 1];
    for (;;) {
      const m = FLOW_KEY.exec(s.slice(i));
      if (!m) return bail();
      const key = m[0];
      if (NON_STRING_KEYS.has(key) || Object.hasOwn(out, key)) bail();
      i = skip(s, i + key.length);
      if (s[i] !== ":" || s[i + 1] !== " ") bail();
      const [v, end] = flowNode(s, skip(s, i + 1));
      out[key] = v;
      i = skip(s, end);
      if (s[i] === ",") {
        i = skip(s, i + 1);
        if (s[i] === "}") return [out, i + 1];
      } else if (s[i] === "}") return [out, i + 1];
      else bail();
    }
  }
  // A plain scalar in flow context ends at , [ ] { }; `: ` or ` #` inside is the full parser's.
  let end = pos;
  while (end < s.length && !",[]{}".includes(s[end]!)) end++;
  const plain = s.slice(pos, end).trimEnd();
  if (plain === "" || plain.includes(": ") || plain.endsWith(":") || plain.includes(" #")) bail();
  return [plainScalar(plain), end];
}

function skip(s: string, pos: number): number {
  let i = pos;
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

/**
 * A plain scalar resolved as the YAML 1.2 core schema does. Only null, booleans and plain decimal
 * integers are turned into values here; every other form the core schema gives a meaning to
 * (floats, octal, hex, signs, leading zeros, .inf, .nan) goes to the full parser, as does a scalar
 * starting with an indicator character.
 */
function plainScalar(s: string): unknown {
  if (/^[&*!|>'"%@`#,[\]{}]/.test(s) || /^[-?:](?: |$)/.test(s)) bail();
  if (s === "~" || s === "null" || s === "Null" || s === "NULL") return null;
  if (s === "true" || s === "True" || s === "TRUE") return true;
  if (s === "false" || s === "False" || s === "FALSE") return false;
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(s)) return s === "-0" ? bail() : Number(s);
  if (/^[-+]?(?:[0-9]|\.[0-9]|\.(?:inf|Inf|INF|nan|NaN|NAN)$)/.test(s) || /^0[ox]/.test(s)) {
    // Numbers the core schema reads (or might read) in forms the fast path does not handle; a string
    // that merely starts with a digit (`9.*`, `1-*`, `4.16*`) is fine only when no numeric rule matches.
    if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(s)) bail();
    if (/^[-+]?[0-9]+$/.test(s) || /^0o[0-7]+$/.test(s) || /^0x[0-9a-fA-F]+$/.test(s)) bail();
    if (/^[-+]?\.(?:inf|Inf|INF)$/.test(s) || /^\.(?:nan|NaN|NAN)$/.test(s)) bail();
  }
  return s;
}

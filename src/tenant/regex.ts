/**
 * Whether Quay would compile a tag pattern. Quay compiles immutability patterns with Python's `regex`
 * module (data/model/immutability.py at v3.18.0); this judges with JavaScript's RegExp after turning
 * the Python-only forms patterns commonly use into JavaScript's: named groups `(?P<n>...)` and
 * `(?P=n)`, atomic groups `(?>...)`, and leading inline flags such as `(?i)`. Rarer differences
 * between the two engines are not modelled: a pattern only one of them accepts may be judged wrongly.
 * Pure.
 */
export function pythonRegexError(pattern: string): string | undefined {
  const js = pattern
    .replace(/^\(\?[aiLmsux]+\)/, "")
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?P=(\w+)\)/g, "\\k<$1>")
    .replace(/\(\?>/g, "(?:");
  try {
    new RegExp(js);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, "");
  }
}

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { VigilError } from '../errors.js';

/** A path into a parsed file: map keys and list indexes, e.g. `['rules', 1, 'alsoNotify', 0]`. */
export type SourcePath = ReadonlyArray<string | number>;

/** One problem in a configuration file, where a person can find it. */
export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** The path as it reads in the message, e.g. `rules[1].alsoNotify[0]`; empty for syntax errors. */
  path: string;
  message: string;
}

/**
 * A configuration file Vigil cannot use. The message lists every problem found, one per
 * line, as `file:line:col: path: problem`, so that an editor or CI log links straight to it.
 */
export class ConfigError extends VigilError {
  public constructor(
    public readonly problems: readonly ConfigProblem[],
    options?: ErrorOptions,
  ) {
    super(problems.map(formatProblem).join('\n'), options);
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** `['rules', 1, 'alsoNotify', 0]` → `rules[1].alsoNotify[0]`; keys that are not identifiers are quoted. */
export function formatPath(path: SourcePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/**
 * A YAML (or JSON: JSON is YAML) file parsed with positions kept, so that every later
 * check (schema, semantics) can point at the line and column of what it complains about.
 */
export class SourceFile {
  public readonly problems: ConfigProblem[] = [];

  private constructor(
    public readonly name: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Parses `text`. Syntax errors and duplicate keys are collected in `problems` (YAML
   * would otherwise keep the last of two equal keys, silently: a team defined twice is
   * one team with the second definition).
   */
  public static parse(text: string, name: string, describeDuplicate?: (path: SourcePath, key: string) => string | undefined): SourceFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    const file = new SourceFile(name, doc, lines);
    for (const error of doc.errors) {
      const { line, col } = lines.linePos(error.pos[0]);
      file.problems.push({ file: name, line, col, path: '', message: `YAML syntax error: ${error.message}` });
    }
    if (doc.errors.length === 0) file.findDuplicateKeys(doc.contents, [], describeDuplicate);
    return file;
  }

  /** The document as plain data (maps become objects, keys become strings). */
  public data(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /** Records a problem at `path`: the value there, or with `atKey` the key that names it. */
  public report(path: SourcePath, message: string, options: { atKey?: boolean } = {}): void {
    const { line, col } = this.position(path, options.atKey ?? false);
    this.problems.push({ file: this.name, line, col, path: formatPath(path), message });
  }

  /** The node at `path`, if the file has one there. */
  public node(path: SourcePath): Node | undefined {
    const found = this.resolve(path);
    return found.complete ? found.node : undefined;
  }

  /** The key node of the map entry at `path`, if the file has one there. */
  public keyNode(path: SourcePath): Node | undefined {
    const found = this.resolve(path);
    return found.complete ? found.key : undefined;
  }

  /** Throws a ConfigError listing every problem recorded, ordered by position. */
  public throwIfProblems(): void {
    if (this.problems.length === 0) return;
    const unique = new Map(this.problems.map((p) => [formatProblem(p), p]));
    const sorted = [...unique.values()].sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ConfigError(sorted);
  }

  private position(path: SourcePath, atKey: boolean): { line: number; col: number } {
    const found = this.resolve(path);
    const target = (found.complete && !atKey ? found.node : undefined) ?? found.key ?? found.node ?? this.doc.contents;
    const offset = target?.range?.[0] ?? 0;
    return this.lines.linePos(offset);
  }

  /**
   * Walks `path` as far as the file goes. `complete` says whether it got to the end;
   * `key` is the key node of the last map entry walked (where "missing x" and "unknown
   * property" point).
   */
  private resolve(path: SourcePath): { node: Node | undefined; key: Node | undefined; complete: boolean } {
    let node: Node | undefined = this.doc.contents ?? undefined;
    let key: Node | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => keyOf(p) === String(segment));
        if (!pair) return { node, key, complete: false };
        key = (pair.key as Node | null) ?? undefined;
        node = (pair.value as Node | null) ?? undefined;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = (node.items[segment] as Node | null) ?? undefined;
        key = undefined;
      } else {
        return { node, key, complete: false };
      }
    }
    return { node, key, complete: true };
  }

  private findDuplicateKeys(node: unknown, path: Array<string | number>, describe?: (path: SourcePath, key: string) => string | undefined): void {
    if (isMap(node)) {
      const first = new Map<string, Pair>();
      for (const pair of node.items) {
        const key = keyOf(pair);
        const seen = first.get(key);
        if (seen) {
          const keyNode = pair.key as Node;
          const { line, col } = this.lines.linePos(keyNode.range?.[0] ?? 0);
          const firstLine = this.lines.linePos((seen.key as Node).range?.[0] ?? 0).line;
          const what = describe?.(path, key) ?? `key "${key}"`;
          this.problems.push({
            file: this.name,
            line,
            col,
            path: formatPath([...path, key]),
            message: `${what} is defined twice (first at line ${firstLine}); YAML would silently keep only the last`,
          });
        } else {
          first.set(key, pair);
        }
        this.findDuplicateKeys(pair.value, [...path, key], describe);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => this.findDuplicateKeys(item, [...path, index], describe));
    }
  }
}

/** JSON-style rendering of a value in a message, clipped. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A tiny line writer for generated code: two-space indentation, JSDoc
 * blocks, and blocks that close themselves.
 *
 * @example
 * ```ts
 * const w = new CodeWriter();
 * w.block("function f(): void {", () => w.line("return;"));
 * w.toString(); // "function f(): void {\n  return;\n}\n"
 * ```
 */

/** Spaces per indentation level. */
const INDENT = "  ";

/** Collects lines of code. */
export class CodeWriter {
  private readonly lines: string[] = [];

  /** @param depth indentation level of the first line */
  constructor(private depth = 0) {}

  /** The current indentation as spaces. */
  get indent(): string {
    return INDENT.repeat(this.depth);
  }

  /** Writes one line (or several, for a text with newlines already indented relative to this one). */
  line(text = ""): this {
    for (const part of text.split("\n")) this.lines.push(part === "" ? "" : this.indent + part);
    return this;
  }

  /** Writes text exactly as given: its lines carry their own indentation. */
  raw(text: string): this {
    this.lines.push(...text.split("\n"));
    return this;
  }

  /** Writes a blank line, never two in a row and never first. */
  blank(): this {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== "") this.lines.push("");
    return this;
  }

  /** Writes `open`, the body one level deeper, then `close`. */
  block(open: string, body: () => void, close = "}"): this {
    this.line(open);
    this.indented(body);
    return this.line(close);
  }

  /** Runs `body` with its lines one level deeper. */
  indented(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** Writes a JSDoc comment (nothing when `doc` is undefined). */
  doc(doc: string | undefined): this {
    for (const line of docLines(doc)) this.line(line);
    return this;
  }

  toString(): string {
    return this.lines.map((line) => `${line}\n`).join("");
  }
}

/** The lines of a JSDoc comment: `/** text *\/` for one line, a block otherwise. */
export function docLines(doc: string | undefined): string[] {
  if (doc === undefined || doc.trim() === "") return [];
  // A doc can never close the comment it is written into.
  const lines = doc.replace(/\*\//g, "*\\/").split("\n");
  if (lines.length === 1) return [`/** ${lines[0]} */`];
  return ["/**", ...lines.map((line) => (line === "" ? " *" : ` * ${line}`)), " */"];
}

/**
 * JSDoc text carried from protocol files into generated code: the inner text
 * of a node's own (last) JSDoc, and the file's leading JSDoc.
 */
import { Node, type SourceFile } from "ts-morph";

/** The text of `node`'s JSDoc, without `/**`, `*\/` and leading `*`; `undefined` when it has none. */
export function docOf(node: Node): string | undefined {
  if (!Node.isJSDocable(node)) return undefined;
  const docs = node.getJsDocs();
  const last = docs[docs.length - 1];
  if (last === undefined) return undefined;
  // A file's leading doc, separated by a blank line, belongs to the file, not to the first declaration.
  if (docs.length === 1 && isFileDoc(node.getSourceFile(), last.getStart(), last.getEnd())) {
    return undefined;
  }
  return cleanDoc(last.getText());
}

/**
 * The file's leading JSDoc: a `/** ... *\/` before any code, followed by a
 * blank line or by an import (an import has no doc of its own).
 */
export function fileDocOf(file: SourceFile): string | undefined {
  const text = file.getFullText();
  const start = skipLineComments(text);
  if (!text.startsWith("/**", start)) return undefined;
  const end = text.indexOf("*/", start + 3);
  if (end < 0) return undefined;
  const beforeImport = Node.isImportDeclaration(file.getStatements()[0]) && /^\s*import\b/.test(text.slice(end + 2));
  if (!beforeImport && !isFileDoc(file, start, end + 2)) return undefined;
  return cleanDoc(text.slice(start, end + 2));
}

function isFileDoc(file: SourceFile, start: number, end: number): boolean {
  const text = file.getFullText();
  return start === skipLineComments(text) && /^[ \t]*\r?\n[ \t]*\r?\n/.test(text.slice(end));
}

/** Where the first thing that is not whitespace or a `//` comment starts. */
function skipLineComments(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (!text.startsWith("//", i)) return i;
    const newline = text.indexOf("\n", i);
    if (newline < 0) return text.length;
    i = newline + 1;
  }
}

/** `/** a\n * b *\/` -> `a\nb`, keeping blank lines and indentation inside code examples. */
export function cleanDoc(comment: string): string | undefined {
  const body = comment.replace(/^\/\*\*/, "").replace(/\*\/$/, "");
  const lines = body.split(/\r?\n/).map((line) => line.replace(/^\s*\* ?/, "").trimEnd());
  while (lines.length > 0 && lines[0].trim() === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  if (lines.length === 0) return undefined;
  lines[0] = lines[0].trimStart();
  return lines.join("\n");
}

/** True when a doc carries a `@deprecated` tag: the thing is being retired (see `repod breaking`). */
export function isDeprecated(doc: string | undefined): boolean {
  return doc !== undefined && /(^|\n)\s*@deprecated\b/.test(doc);
}

/**
 * What every part of the parse stage shares: the ts-morph project, the
 * working directory paths are made relative to, and the list of diagnostics
 * (collected, never thrown, so one run reports every problem).
 */
import path from "node:path";
import { type Node, Project, type SourceFile, ts } from "ts-morph";
import type { Diagnostic, DiagnosticCode } from "../diagnostics.ts";
import type { SourceLocation } from "../model.ts";

/** How the parse stage reads files. */
export interface ParseOptions {
  /**
   * Directory that paths in headers and diagnostics are relative to.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * File contents by path (relative to `cwd` or absolute). When given, files
   * are read from these only, in an in-memory file system (tests, tools);
   * otherwise from the disk.
   */
  readonly sources?: Readonly<Record<string, string>>;
}

/** The shared state of one parse run. */
export class ParseContext {
  readonly cwd: string;
  readonly project: Project;
  readonly diagnostics: Diagnostic[] = [];
  private readonly relativePaths = new Map<SourceFile, string>();

  constructor(options: ParseOptions = {}) {
    this.cwd = path.resolve(options.cwd ?? process.cwd());
    const inMemory = options.sources !== undefined;
    this.project = new Project({
      useInMemoryFileSystem: inMemory,
      skipAddingFilesFromTsConfig: true,
      skipFileDependencyResolution: true,
      skipLoadingLibFiles: true,
      compilerOptions: { allowImportingTsExtensions: true, noEmit: true },
    });
    for (const [file, text] of Object.entries(options.sources ?? {})) {
      this.project.createSourceFile(this.absolute(file), text, { overwrite: true });
    }
  }

  /** An absolute path for `file` (relative to the working directory). */
  absolute(file: string): string {
    return path.resolve(this.cwd, file);
  }

  /** The path of `file` relative to the working directory, with `/` separators. */
  relative(file: string): string {
    return path.relative(this.cwd, file).split(path.sep).join("/");
  }

  /** Loads a file (from memory or disk), or `undefined` when it does not exist. */
  load(absolutePath: string): SourceFile | undefined {
    return this.project.getSourceFile(absolutePath) ?? this.project.addSourceFileAtPathIfExists(absolutePath);
  }

  /** Where `node` starts (after its JSDoc). */
  locate(node: Node): SourceLocation {
    const file = node.getSourceFile();
    let relative = this.relativePaths.get(file);
    if (relative === undefined) {
      relative = this.relative(file.getFilePath());
      this.relativePaths.set(file, relative);
    }
    // TypeScript's own lookup uses the file's cached line starts (ts-morph's scans the text each time).
    const { line, character } = ts.getLineAndCharacterOfPosition(file.compilerNode, node.getStart());
    return { file: relative, line: line + 1, column: character + 1 };
  }

  /** Records a problem at `node`. */
  report(node: Node, code: DiagnosticCode, message: string): void {
    this.diagnostics.push({ ...this.locate(node), code, message });
  }

  /** Records a problem at a location. */
  reportAt(location: SourceLocation, code: DiagnosticCode, message: string): void {
    this.diagnostics.push({ ...location, code, message });
  }
}

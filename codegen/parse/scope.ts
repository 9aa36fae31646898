/**
 * Name resolution inside protocol files: what a type name written in a file
 * refers to, whether declared in that file or imported from another protocol
 * file (or `Int` from "repod"). Problems are reported where the name is used.
 */
import path from "node:path";
import { type ImportSpecifier, type InterfaceDeclaration, Node, type SourceFile, type TypeAliasDeclaration } from "ts-morph";
import { PROTOCOL_SUFFIX } from "../naming.ts";
import type { ParseContext } from "./context.ts";

/** A declaration that can become a named type. */
export type Declaration = InterfaceDeclaration | TypeAliasDeclaration;

/** The module the runtime is imported from; protocol files may import `Int` from it. */
export const RUNTIME_MODULE = "repod";

/** One name brought in by an `import` statement. */
export interface ImportBinding {
  readonly local: string;
  readonly imported: string;
  readonly module: string;
  readonly node: ImportSpecifier;
}

/** What a name refers to. */
export type Resolution = { readonly kind: "int" } | { readonly kind: "declaration"; readonly declaration: Declaration } | { readonly kind: "error" };

/** The top-level names of one file. */
export class FileScope {
  /** Every top-level declaration by name (interfaces, aliases, and the kinds that are refused). */
  readonly declarations = new Map<string, Node[]>();
  readonly imports = new Map<string, ImportBinding>();

  constructor(readonly file: SourceFile) {
    for (const statement of file.getStatements()) {
      if (Node.isImportDeclaration(statement)) {
        const module = statement.getModuleSpecifierValue();
        for (const specifier of statement.getNamedImports()) {
          const local = specifier.getAliasNode()?.getText() ?? specifier.getName();
          this.imports.set(local, { local, imported: specifier.getName(), module, node: specifier });
        }
        continue;
      }
      const name = declaredName(statement);
      if (name !== undefined) {
        const list = this.declarations.get(name) ?? [];
        list.push(statement);
        this.declarations.set(name, list);
      }
    }
  }
}

/** The name a top-level statement declares, if it declares one. */
export function declaredName(statement: Node): string | undefined {
  if (
    Node.isInterfaceDeclaration(statement) ||
    Node.isTypeAliasDeclaration(statement) ||
    Node.isEnumDeclaration(statement) ||
    Node.isClassDeclaration(statement) ||
    Node.isFunctionDeclaration(statement) ||
    Node.isModuleDeclaration(statement)
  ) {
    return statement.getName();
  }
  return undefined;
}

/** Resolves type names across protocol files, caching each file's scope. */
export class Resolver {
  private readonly scopes = new Map<SourceFile, FileScope>();

  constructor(private readonly ctx: ParseContext) {}

  /** The scope of `file`. */
  scopeOf(file: SourceFile): FileScope {
    let scope = this.scopes.get(file);
    if (scope === undefined) {
      scope = new FileScope(file);
      this.scopes.set(file, scope);
    }
    return scope;
  }

  /**
   * What `name`, written at `at` in `file`, refers to, or `undefined` when the
   * file neither declares nor imports it. Problems with a found name are reported.
   */
  resolve(file: SourceFile, name: string, at: Node): Resolution | undefined {
    const scope = this.scopeOf(file);
    const declared = scope.declarations.get(name);
    if (declared !== undefined) return this.declaration(declared[0], at);
    const binding = scope.imports.get(name);
    if (binding !== undefined) return this.resolveImport(binding);
    return undefined;
  }

  /** Checks one import and finds what it names; reports what is wrong at the import. */
  resolveImport(binding: ImportBinding): Resolution {
    const { module, imported, node } = binding;
    if (module === RUNTIME_MODULE) {
      if (imported === "Int") return { kind: "int" };
      this.ctx.report(
        node,
        "BAD_IMPORT",
        `only \`Int\` can be imported from "${RUNTIME_MODULE}" into a protocol file; declare \`${imported}\` in this file or import it from another protocol file`,
      );
      return { kind: "error" };
    }
    const target = this.importedFile(node.getSourceFile(), module);
    if (target === undefined) {
      this.ctx.report(node, "BAD_IMPORT", badModuleMessage(module, imported));
      return { kind: "error" };
    }
    const found = this.scopeOf(target).declarations.get(imported)?.[0];
    if (found === undefined || !isExported(found)) {
      const relative = this.ctx.relative(target.getFilePath());
      this.ctx.report(
        node,
        "BAD_IMPORT",
        found === undefined
          ? `${relative} declares no type \`${imported}\`: import a type it declares`
          : `\`${imported}\` is not exported from ${relative}: write \`export\` before its declaration`,
      );
      return { kind: "error" };
    }
    return this.declaration(found, node);
  }

  /** The protocol file a module specifier names, or `undefined` when it is not one that exists. */
  importedFile(from: SourceFile, module: string): SourceFile | undefined {
    if (!module.startsWith(".") || !module.endsWith(PROTOCOL_SUFFIX)) return undefined;
    return this.ctx.load(path.resolve(path.dirname(from.getFilePath()), module));
  }

  private declaration(node: Node, at: Node): Resolution {
    if (Node.isInterfaceDeclaration(node) || Node.isTypeAliasDeclaration(node)) {
      return { kind: "declaration", declaration: node };
    }
    const name = declaredName(node) ?? node.getText();
    this.ctx.report(at, "UNSUPPORTED_TYPE", notATypeMessage(node, name));
    return { kind: "error" };
  }
}

function isExported(node: Node): boolean {
  return Node.isExportable(node) && node.isExported();
}

function badModuleMessage(module: string, name: string): string {
  if (module.startsWith(".") && module.endsWith(PROTOCOL_SUFFIX)) {
    return `cannot find the protocol file "${module}"`;
  }
  if (module.startsWith(".")) {
    return `types can be imported only from protocol files: write import type { ${name} } from "${module.replace(/(\.protocol)?(\.[jt]s)?$/, "")}${PROTOCOL_SUFFIX}"`;
  }
  return `protocol files import only from other protocol files ("./name${PROTOCOL_SUFFIX}") and \`Int\` from "${RUNTIME_MODULE}": declare \`${name}\` in this file`;
}

/** Why a name that is declared, but not as an interface or type alias, is not a type of the protocol. */
export function notATypeMessage(node: Node, name: string): string {
  if (Node.isEnumDeclaration(node)) {
    return `\`${name}\` is an enum, which a protocol file cannot use: write a union of literals, e.g. type ${name} = "a" | "b"`;
  }
  if (Node.isClassDeclaration(node)) {
    return `\`${name}\` is a class, which a protocol file cannot use: declare an interface with the fields to send`;
  }
  return `\`${name}\` is not a type: declare an interface or a type alias`;
}

/**
 * Reads one protocol file into a {@link ProtocolModel}: checks every
 * top-level statement, turns `ClientMessages` / `ServerMessages` into
 * messages, and every interface or type alias (declared, or reached through
 * an import) into a named type.
 */
import { Node, type SourceFile, type TypeElementTypes } from "ts-morph";
import type { Direction, MessageModel, NamedTypeModel, ProtocolModel } from "../model.ts";
import { isReservedAction, PROTOCOL_NAME_PATTERN, protocolNameOf, publicNames, RESERVED_ACTIONS } from "../naming.ts";
import { actionFieldMessage, checkModel, objectOf } from "./checks.ts";
import type { ParseContext } from "./context.ts";
import { docOf, fileDocOf, isDeprecated } from "./docs.ts";
import { requests } from "./requests.ts";
import { type Declaration, declaredName, type Resolver, RUNTIME_MODULE } from "./scope.ts";
import { TypeConverter } from "./type-node.ts";
import { TypeTable } from "./type-table.ts";

/** The interfaces that declare messages, by direction. */
const DIRECTION_INTERFACES: Readonly<Record<Direction, string>> = {
  client: "ClientMessages",
  server: "ServerMessages",
};

/** The interfaces that declare requests (method signatures), by the side that sends them. */
const REQUEST_INTERFACES: Readonly<Record<Direction, string>> = {
  client: "ClientRequests",
  server: "ServerRequests",
};

/** Global names generated code relies on; a protocol type may not shadow them. */
const GLOBALS_USED: readonly string[] = ["Array", "ReadonlyArray", "Record", "Uint8Array", "Object", "JSON", "Number", "String", "Promise"];

/** Parses `file` (a root: a file to generate); `undefined` when it has problems (all reported). */
export function parseProtocolFile(ctx: ParseContext, resolver: Resolver, file: SourceFile): ProtocolModel | undefined {
  const before = ctx.diagnostics.length;
  const source = ctx.relative(file.getFilePath());
  const name = protocolNameOf(source);
  if (!PROTOCOL_NAME_PATTERN.test(name)) {
    ctx.reportAt(
      { file: source, line: 1, column: 1 },
      "INVALID_NAME",
      `the protocol name \`${name}\` (from the file name) must start with a letter and hold only letters, digits, _ and -: rename the file`,
    );
  }

  const generatedNames = Object.values(publicNames(name));
  const reserved = new Set([...generatedNames, ...GLOBALS_USED]);
  const table = new TypeTable(reserved);
  const converter = new TypeConverter(ctx, resolver, table);
  const directions: Partial<Record<Direction, Declaration>> = {};
  const asks: Partial<Record<Direction, Declaration>> = {};
  const declarations: Declaration[] = [];

  checkStatements(ctx, resolver, file, (declaration) => {
    const declared = declaration.getName();
    const direction = (Object.keys(DIRECTION_INTERFACES) as Direction[]).find((d) => DIRECTION_INTERFACES[d] === declared);
    if (direction !== undefined) {
      directions[direction] = declaration;
      return;
    }
    const asker = (Object.keys(REQUEST_INTERFACES) as Direction[]).find((d) => REQUEST_INTERFACES[d] === declared);
    if (asker !== undefined) {
      asks[asker] = declaration;
      return;
    }
    declarations.push(declaration);
    if (table.claim(declaration, declared) !== undefined) {
      ctx.report(
        declaration.getNameNode(),
        "NAME_CLASH",
        GLOBALS_USED.includes(declared)
          ? `\`${declared}\` is a built-in the generated file uses: rename the type`
          : `\`${declared}\` is a name the generated file declares itself (${generatedNames.join(", ")}): rename the type`,
      );
    }
  });

  const client = directions.client === undefined ? [] : messages(ctx, converter, directions.client, true);
  const server = directions.server === undefined ? [] : messages(ctx, converter, directions.server);
  const clientRequests = asks.client === undefined ? [] : requests(ctx, converter, asks.client, reservedActionMessage);
  const serverRequests = asks.server === undefined ? [] : requests(ctx, converter, asks.server, reservedActionMessage);
  for (const declaration of declarations) converter.declarationType(declaration);

  // Converting a type may name further (imported) types: convert until none is left.
  const types: NamedTypeModel[] = [];
  for (let i = 0; i < table.order.length; i++) {
    const model = converter.namedType(table.order[i]);
    if (model !== undefined) types.push(model);
  }
  const auth = authOf(ctx, declarations, types, directions.client !== undefined || directions.server !== undefined);
  const session = sessionOf(ctx, declarations, types, directions.client !== undefined || directions.server !== undefined);
  const fileDoc = fileDocOf(file);
  const model: ProtocolModel = {
    name,
    source,
    ...(fileDoc === undefined ? {} : { doc: fileDoc }),
    hasMessages: [directions.client, directions.server, asks.client, asks.server].some((d) => d !== undefined),
    client,
    server,
    clientRequests,
    serverRequests,
    types,
    ...(auth === undefined ? {} : { auth }),
    ...(session === undefined ? {} : { session }),
  };
  // Also when something failed already: the model then holds what did convert, and more problems are found.
  checkModel(ctx, model);
  return ctx.diagnostics.length > before ? undefined : model;
}

/** Checks every top-level statement; hands each interface / type alias to `onDeclaration`. */
function checkStatements(ctx: ParseContext, resolver: Resolver, file: SourceFile, onDeclaration: (declaration: Declaration) => void): void {
  const seen = new Set<string>();
  for (const statement of file.getStatements()) {
    if (Node.isImportDeclaration(statement)) {
      checkImport(ctx, resolver, statement);
      continue;
    }
    if (Node.isInterfaceDeclaration(statement) || Node.isTypeAliasDeclaration(statement)) {
      const name = statement.getName();
      if (seen.has(name)) {
        ctx.report(statement.getNameNode(), "DUPLICATE", `\`${name}\` is declared twice: declare it once (interfaces are not merged in protocol files)`);
        continue;
      }
      seen.add(name);
      onDeclaration(statement);
      continue;
    }
    if (Node.isEmptyStatement(statement)) continue;
    ctx.report(statement, "UNSUPPORTED_STATEMENT", statementAdvice(statement));
  }
}

function checkImport(ctx: ParseContext, resolver: Resolver, statement: Node): void {
  if (!Node.isImportDeclaration(statement)) return;
  const module = statement.getModuleSpecifierValue();
  if (statement.getDefaultImport() !== undefined || statement.getNamespaceImport() !== undefined || statement.getNamedImports().length === 0) {
    const example = module === RUNTIME_MODULE ? `import type { Int } from "${RUNTIME_MODULE}"` : `import type { Name } from "${module}"`;
    ctx.report(statement, "BAD_IMPORT", `import types by name: write ${example}`);
    return;
  }
  const scope = resolver.scopeOf(statement.getSourceFile());
  for (const specifier of statement.getNamedImports()) {
    const local = specifier.getAliasNode()?.getText() ?? specifier.getName();
    const binding = scope.imports.get(local);
    if (binding !== undefined) resolver.resolveImport(binding);
  }
}

/** Converts the properties of `ClientMessages` / `ServerMessages` into messages. */
function messages(ctx: ParseContext, converter: TypeConverter, declaration: Declaration, limited = false): MessageModel[] {
  const name = declaration.getName();
  let members: readonly TypeElementTypes[];
  if (declaration.getTypeParameters().length > 0) {
    ctx.report(declaration.getNameNode(), "BAD_MESSAGE", `\`${name}\` cannot be generic: declare one property per action`);
    return [];
  }
  if (Node.isInterfaceDeclaration(declaration)) {
    if (declaration.getExtends().length > 0) {
      ctx.report(declaration.getNameNode(), "BAD_MESSAGE", `\`${name}\` cannot extend other interfaces: declare every action in it`);
    }
    members = declaration.getMembers();
  } else {
    const typeNode = declaration.getTypeNodeOrThrow();
    if (!Node.isTypeLiteral(typeNode)) {
      ctx.report(typeNode, "BAD_MESSAGE", `\`${name}\` must be an object type with one property per action: write interface ${name} { action: { field: T } }`);
      return [];
    }
    members = typeNode.getMembers();
  }

  const result: MessageModel[] = [];
  const seen = new Set<string>();
  for (const member of members) {
    if (!Node.isPropertySignature(member)) {
      ctx.report(member, "BAD_MESSAGE", `\`${name}\` holds one property per action: write \`action: { field: T }\``);
      continue;
    }
    const nameNode = member.getNameNode();
    const action = converter.propertyName(nameNode, "action");
    const typeNode = member.getTypeNode();
    const body = typeNode === undefined ? undefined : converter.type(typeNode);
    if (Node.isTypeLiteral(typeNode)) {
      // Reported here, not from the model, so it is found even when another field failed.
      const field = typeNode.getProperty("action");
      if (field !== undefined) ctx.report(field.getNameNode(), "RESERVED_FIELD", actionFieldMessage(action ?? member.getName()));
    }
    if (action === undefined) continue;
    if (isReservedAction(action)) {
      ctx.report(nameNode, "RESERVED_ACTION", reservedActionMessage(action));
      continue;
    }
    if (seen.has(action)) {
      ctx.report(nameNode, "DUPLICATE", `the action \`${action}\` is declared twice in \`${name}\`: keep one`);
      continue;
    }
    seen.add(action);
    if (member.hasQuestionToken()) {
      ctx.report(nameNode, "BAD_MESSAGE", `a message cannot be optional: write \`${action}: { ... }\` without ?`);
      continue;
    }
    if (typeNode === undefined || body === undefined) {
      if (typeNode === undefined) ctx.report(member, "BAD_MESSAGE", `write the fields of \`${action}\`: \`${action}: { field: T }\``);
      continue;
    }
    if (body.kind !== "object" && body.kind !== "ref") {
      ctx.report(typeNode, "BAD_MESSAGE", `a message's type is an object type of its fields: write \`${action}: { field: T }\` (or {} for none)`);
      continue;
    }
    const doc = docOf(member);
    const rateLimit = rateLimitOf(ctx, member, limited);
    result.push({
      action,
      body,
      ...(doc === undefined ? {} : { doc }),
      ...(isDeprecated(doc) ? { deprecated: true } : {}),
      ...(rateLimit === undefined ? {} : { rateLimit }),
      location: ctx.locate(nameNode),
    });
  }
  return result;
}

/** The name of the type a protocol file declares for what a client presents to join. */
export const AUTH_TYPE = "Auth";

/** The file's `Auth` declaration, checked: an object type, in a file with messages. */
function authOf(ctx: ParseContext, declarations: readonly Declaration[], types: readonly NamedTypeModel[], hasMessages: boolean): ProtocolModel["auth"] {
  const declaration = declarations.find((d) => d.getName() === AUTH_TYPE);
  if (declaration === undefined) return undefined;
  const location = ctx.locate(declaration.getNameNode());
  if (!hasMessages) {
    ctx.report(
      declaration.getNameNode(),
      "BAD_AUTH",
      "`Auth` is what a client presents to join a server: declare it in the protocol file with ClientMessages / ServerMessages, not in a types-only file",
    );
    return undefined;
  }
  if (declaration.getTypeParameters().length > 0) {
    ctx.report(declaration.getNameNode(), "BAD_AUTH", "`Auth` cannot be generic: declare its fields, e.g. export interface Auth { token: string }");
    return undefined;
  }
  const model = types.find((t) => t.name === AUTH_TYPE);
  if (model === undefined) return undefined; // it did not convert: reported where it failed
  const byName = new Map(types.map((t) => [t.name, t]));
  if (objectOf(model.type, byName, new Set()) === undefined) {
    ctx.report(
      declaration.getNameNode(),
      "BAD_AUTH",
      "`Auth` must be an object type of the fields a client presents: write export interface Auth { token: string }",
    );
    return undefined;
  }
  return { type: { kind: "ref", name: AUTH_TYPE }, location };
}

/** The name of the type a protocol file declares for the game's own state of one player's session. */
export const SESSION_TYPE = "Session";

/** The file's `Session` declaration, checked like `Auth`: an object type, in a file with messages. */
function sessionOf(ctx: ParseContext, declarations: readonly Declaration[], types: readonly NamedTypeModel[], hasMessages: boolean): ProtocolModel["session"] {
  const declaration = declarations.find((d) => d.getName() === SESSION_TYPE);
  if (declaration === undefined) return undefined;
  const location = ctx.locate(declaration.getNameNode());
  if (!hasMessages) {
    ctx.report(
      declaration.getNameNode(),
      "BAD_SESSION",
      "`Session` is the game's state of one player that moves with the session: declare it in the protocol file with ClientMessages / ServerMessages, not in a types-only file",
    );
    return undefined;
  }
  if (declaration.getTypeParameters().length > 0) {
    ctx.report(declaration.getNameNode(), "BAD_SESSION", "`Session` cannot be generic: declare its fields, e.g. export interface Session { score: Int }");
    return undefined;
  }
  const model = types.find((t) => t.name === SESSION_TYPE);
  if (model === undefined) return undefined; // it did not convert: reported where it failed
  const byName = new Map(types.map((t) => [t.name, t]));
  if (objectOf(model.type, byName, new Set()) === undefined) {
    ctx.report(
      declaration.getNameNode(),
      "BAD_SESSION",
      "`Session` must be an object type of the game's per-player state: write export interface Session { score: Int }",
    );
    return undefined;
  }
  return { type: { kind: "ref", name: SESSION_TYPE }, location };
}

const RATE_LIMIT = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute)(?:\s+burst\s+(\d+))?$/;

/** A message's `@rateLimit <n>/s [burst <m>]` tag. */
function rateLimitOf(ctx: ParseContext, member: Node, limited: boolean): MessageModel["rateLimit"] {
  if (!Node.isJSDocable(member)) return undefined;
  const tags = member
    .getJsDocs()
    .flatMap((doc) => doc.getTags())
    .filter((tag) => tag.getTagName() === "rateLimit");
  if (tags.length === 0) return undefined;
  const tag = tags[tags.length - 1]!;
  if (!limited) {
    ctx.report(tag, "BAD_TAG", "@rateLimit limits what clients send: put it on a message of ClientMessages");
    return undefined;
  }
  const text = (tag.getCommentText() ?? "").trim();
  const match = RATE_LIMIT.exec(text);
  const count = match ? Number(match[1]) : NaN;
  const burst = match?.[3] === undefined ? Math.max(1, Math.ceil(count)) : Number(match[3]);
  if (match === null || !(count > 0) || !(burst >= 1)) {
    ctx.report(tag, "BAD_TAG", `\`@rateLimit ${text}\` is not a rate: write @rateLimit 5/s, @rateLimit 5/s burst 10 or @rateLimit 30/min`);
    return undefined;
  }
  const perSecond = match[2]!.startsWith("m") ? count / 60 : count;
  return { perSecond, burst, location: ctx.locate(tag) };
}

function reservedActionMessage(action: string): string {
  if (action.startsWith("_")) {
    return `actions starting with _ are reserved for repod's control frames: rename \`${action}\` (e.g. ${action.replace(/^_+/, "") || "my_action"})`;
  }
  return `\`${action}\` is reserved by repod for its own events (${RESERVED_ACTIONS.join(", ")}); choose another action name`;
}

function statementAdvice(statement: Node): string {
  const name = declaredName(statement);
  if (Node.isEnumDeclaration(statement)) {
    return `enums are not supported: write a union of literals, e.g. export type ${name} = "a" | "b"`;
  }
  if (Node.isClassDeclaration(statement)) {
    return `classes are not supported in a protocol file: declare an interface with the fields to send`;
  }
  if (Node.isFunctionDeclaration(statement)) {
    return "a protocol file holds types only, never code: remove the function";
  }
  if (Node.isExportDeclaration(statement) || Node.isExportAssignment(statement)) {
    return "re-exports are not supported: import the types where they are used";
  }
  return "a protocol file holds types only (interfaces, type aliases, imports of types): remove this statement";
}

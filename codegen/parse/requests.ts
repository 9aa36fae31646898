/**
 * Reads `ClientRequests` / `ServerRequests`: one method signature per
 * request, its parameter the request's fields and its return type the reply.
 *
 * ```ts
 * export interface ClientRequests {
 *   /** Take a seat in a room. *\/
 *   join(data: { room: string }): { seat: Int };
 *   ping(): null;
 * }
 * ```
 * gives `{ action: "join", body: { kind: "object", ... }, reply: { kind: "object", ... } }`
 * and `{ action: "ping", body: { kind: "object", fields: [] }, reply: { kind: "null" } }`.
 */
import { Node, SyntaxKind, type TypeElementTypes } from "ts-morph";
import type { RequestModel } from "../model.ts";
import { isReservedAction } from "../naming.ts";
import { REQUEST_ID_FIELD, requestFieldMessage } from "./checks.ts";
import type { ParseContext } from "./context.ts";
import { docOf, isDeprecated } from "./docs.ts";
import type { Declaration } from "./scope.ts";
import type { TypeConverter } from "./type-node.ts";

/** Converts the method signatures of `ClientRequests` / `ServerRequests` into requests. */
export function requests(
  ctx: ParseContext,
  converter: TypeConverter,
  declaration: Declaration,
  reservedActionMessage: (action: string) => string,
): RequestModel[] {
  const name = declaration.getName();
  const example = `write interface ${name} { join(data: { room: string }): { seat: Int } }`;
  if (declaration.getTypeParameters().length > 0) {
    ctx.report(declaration.getNameNode(), "BAD_REQUEST", `\`${name}\` cannot be generic: declare one method per request`);
    return [];
  }
  let members: readonly TypeElementTypes[];
  if (Node.isInterfaceDeclaration(declaration)) {
    if (declaration.getExtends().length > 0) {
      ctx.report(declaration.getNameNode(), "BAD_REQUEST", `\`${name}\` cannot extend other interfaces: declare every request in it`);
    }
    members = declaration.getMembers();
  } else {
    const typeNode = declaration.getTypeNodeOrThrow();
    if (!Node.isTypeLiteral(typeNode)) {
      ctx.report(typeNode, "BAD_REQUEST", `\`${name}\` must be an object type with one method per request: ${example}`);
      return [];
    }
    members = typeNode.getMembers();
  }

  const result: RequestModel[] = [];
  const seen = new Set<string>();
  for (const member of members) {
    if (Node.isPropertySignature(member)) {
      const shown = member.getName();
      ctx.report(
        member.getNameNode(),
        "BAD_REQUEST",
        `\`${name}\` holds one method per request, its parameter the request's fields and its return type the reply: write \`${shown}(data: { field: T }): Reply\``,
      );
      continue;
    }
    if (!Node.isMethodSignature(member)) {
      ctx.report(member, "BAD_REQUEST", `\`${name}\` holds one method per request: ${example}`);
      continue;
    }
    const nameNode = member.getNameNode();
    const action = converter.propertyName(nameNode, "action");
    const body = requestBody(ctx, converter, member, action ?? member.getName());
    const reply = replyType(ctx, converter, member, action ?? member.getName());
    if (action === undefined) continue;
    if (isReservedAction(action)) {
      ctx.report(nameNode, "RESERVED_ACTION", reservedActionMessage(action));
      continue;
    }
    if (seen.has(action)) {
      ctx.report(nameNode, "DUPLICATE", `the request \`${action}\` is declared twice in \`${name}\`: keep one`);
      continue;
    }
    seen.add(action);
    if (member.hasQuestionToken()) {
      ctx.report(nameNode, "BAD_REQUEST", `a request cannot be optional: write \`${action}(data: { ... }): Reply\` without ?`);
      continue;
    }
    if (body === undefined || reply === undefined) continue;
    const doc = docOf(member);
    result.push({
      action,
      body,
      reply,
      ...(doc === undefined ? {} : { doc }),
      ...(isDeprecated(doc) ? { deprecated: true as const } : {}),
      location: ctx.locate(nameNode),
    });
  }
  return result;
}

/** The method's one parameter, an object type of the request's fields; none means no fields. */
function requestBody(ctx: ParseContext, converter: TypeConverter, member: Node, action: string): RequestModel["body"] | undefined {
  if (!Node.isMethodSignature(member)) return undefined;
  if (member.getTypeParameters().length > 0) {
    ctx.report(member.getNameNode(), "BAD_REQUEST", `a request cannot be generic: write \`${action}(data: { field: T }): Reply\` with concrete types`);
    return undefined;
  }
  const parameters = member.getParameters();
  if (parameters.length === 0) return { kind: "object", fields: [] };
  if (parameters.length > 1) {
    ctx.report(parameters[1]!, "BAD_REQUEST", `a request takes one parameter, an object of its fields: write \`${action}(data: { a: T; b: U }): Reply\``);
    return undefined;
  }
  const parameter = parameters[0]!;
  if (parameter.hasQuestionToken() || parameter.getInitializer() !== undefined || parameter.isRestParameter()) {
    ctx.report(
      parameter,
      "BAD_REQUEST",
      `a request's parameter is its fields, never optional: write \`${action}(data: { field?: T }): Reply\` for optional fields`,
    );
    return undefined;
  }
  const typeNode = parameter.getTypeNode();
  if (typeNode === undefined) {
    ctx.report(parameter, "BAD_REQUEST", `write the fields of \`${action}\`: \`${action}(data: { field: T }): Reply\``);
    return undefined;
  }
  const body = converter.type(typeNode);
  if (body === undefined) return undefined;
  if (body.kind !== "object" && body.kind !== "ref") {
    ctx.report(typeNode, "BAD_REQUEST", `a request's parameter is an object type of its fields: write \`${action}(data: { field: T }): Reply\``);
    return undefined;
  }
  if (Node.isTypeLiteral(typeNode)) {
    for (const field of [typeNode.getProperty("action"), typeNode.getProperty(REQUEST_ID_FIELD)]) {
      if (field !== undefined) ctx.report(field.getNameNode(), "RESERVED_FIELD", requestFieldMessage(field.getName(), action));
    }
  }
  return body;
}

/** The method's return type: the reply, any field type; `void` and `Promise<T>` get advice. */
function replyType(ctx: ParseContext, converter: TypeConverter, member: Node, action: string): RequestModel["reply"] | undefined {
  if (!Node.isMethodSignature(member)) return undefined;
  const typeNode = member.getReturnTypeNode();
  if (typeNode === undefined) {
    ctx.report(
      member.getNameNode(),
      "BAD_REQUEST",
      `write the reply type of \`${action}\`: \`${action}(data: { ... }): { field: T }\` (null for a reply without content)`,
    );
    return undefined;
  }
  if (typeNode.getKind() === SyntaxKind.VoidKeyword || typeNode.getKind() === SyntaxKind.UndefinedKeyword) {
    ctx.report(typeNode, "BAD_REQUEST", `every request is answered: write the reply type, or null for a reply without content`);
    return undefined;
  }
  if (Node.isTypeReference(typeNode) && typeNode.getTypeName().getText() === "Promise") {
    const inner = typeNode.getTypeArguments()[0]?.getText() ?? "T";
    ctx.report(typeNode, "BAD_REQUEST", `write the reply type itself (\`${inner}\`): the handler may return it or a promise of it`);
    return undefined;
  }
  return converter.type(typeNode);
}

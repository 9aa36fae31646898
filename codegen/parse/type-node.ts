/**
 * Turns ts-morph type nodes of a protocol file into model field types,
 * reporting every unsupported construct at its own position with what to
 * write instead. A construct that fails gives `undefined`; its siblings are
 * still converted so one run finds every problem.
 *
 * @example
 * ```ts
 * // pos: [x: number, y: number] | null
 * { kind: "union", members: [
 *   { kind: "tuple", readonly: false, elements: [
 *     { label: "x", type: { kind: "number" } }, { label: "y", type: { kind: "number" } }] },
 *   { kind: "null" }] }
 * ```
 */
import { Node, type SourceFile, SyntaxKind, type TypeElementTypes, type TypeNode } from "ts-morph";
import { typeKey } from "../fingerprint.ts";
import type { FieldModel, FieldType, NamedTypeModel, ObjectType, TupleElement } from "../model.ts";
import { NAME_PATTERN } from "../naming.ts";
import { BUILT_IN_ADVICE, KEYWORD_ADVICE, memberAdvice, SUPPORTED_TYPES, tupleAdvice } from "./advice.ts";
import type { ParseContext } from "./context.ts";
import { docOf, isDeprecated } from "./docs.ts";
import type { Declaration, Resolver } from "./scope.ts";
import type { TypeTable } from "./type-table.ts";

/** Converts type nodes and declarations for the named types of one generated file. */
export class TypeConverter {
  /** Converted declarations (and those being converted: `null`), so each is converted once. */
  private readonly converted = new Map<Declaration, FieldType | null | undefined>();

  constructor(
    private readonly ctx: ParseContext,
    private readonly resolver: Resolver,
    private readonly table: TypeTable,
  ) {}

  /** Converts a type node. */
  type(node: TypeNode): FieldType | undefined {
    const kind = node.getKind();
    switch (kind) {
      case SyntaxKind.StringKeyword:
        return { kind: "string" };
      case SyntaxKind.NumberKeyword:
        return { kind: "number" };
      case SyntaxKind.BooleanKeyword:
        return { kind: "boolean" };
      case SyntaxKind.NullKeyword:
        return { kind: "null" };
    }
    const advice = KEYWORD_ADVICE.get(kind);
    if (advice !== undefined) return this.refuse(node, advice);
    if (Node.isParenthesizedTypeNode(node)) return this.type(node.getTypeNode());
    if (Node.isLiteralTypeNode(node)) return this.literal(node);
    if (Node.isArrayTypeNode(node)) return this.array(node.getElementTypeNode(), false);
    if (Node.isTupleTypeNode(node)) return this.tuple(node, false);
    if (Node.isTypeOperatorTypeNode(node)) return this.typeOperator(node);
    if (Node.isUnionTypeNode(node)) return this.union(node.getTypeNodes());
    if (Node.isTypeLiteral(node)) return this.object(node.getMembers());
    if (Node.isTypeReference(node)) return this.reference(node);
    if (Node.isFunctionTypeNode(node) || Node.isConstructorTypeNode(node)) {
      return this.refuse(node, "functions cannot be sent over the network: send data (fields) that describe what to do");
    }
    if (Node.isIntersectionTypeNode(node)) {
      return this.refuse(node, "intersections are not supported: write one object type, or an interface that extends the others");
    }
    if (node.getKind() === SyntaxKind.TemplateLiteralType) {
      return this.refuse(node, "template literal types are not supported: write string, or a union of string literals");
    }
    return this.refuse(node, `\`${shortText(node)}\` is not supported in a protocol file: write the type out (${SUPPORTED_TYPES})`);
  }

  /** The type a declaration stands for (an interface's fields, an alias's type), converted once. */
  declarationType(declaration: Declaration): FieldType | undefined {
    if (this.converted.has(declaration)) return this.converted.get(declaration) ?? undefined;
    this.converted.set(declaration, null);
    let type: FieldType | undefined;
    if (declaration.getTypeParameters().length > 0) {
      this.refuse(
        declaration.getNameNode(),
        `generic types are not supported: declare a concrete ${Node.isInterfaceDeclaration(declaration) ? "interface" : "type"} for each use`,
      );
    } else if (Node.isInterfaceDeclaration(declaration)) {
      type = this.interfaceObject(declaration, new Set());
    } else {
      type = this.type(declaration.getTypeNodeOrThrow());
    }
    this.converted.set(declaration, type);
    return type;
  }

  /** The model of a named declaration (its name given by the type table). */
  namedType(declaration: Declaration): NamedTypeModel | undefined {
    const type = this.declarationType(declaration);
    const name = this.table.nameOf(declaration);
    if (type === undefined || name === undefined) return undefined;
    const doc = docOf(declaration);
    return {
      name,
      declaration: Node.isInterfaceDeclaration(declaration) ? "interface" : "alias",
      type,
      ...(doc === undefined ? {} : { doc }),
      location: this.ctx.locate(declaration.getNameNode()),
    };
  }

  /** Converts the members of an object type: properties only. */
  object(members: readonly TypeElementTypes[]): ObjectType | undefined {
    const fields = this.fields(members);
    return fields === undefined ? undefined : { kind: "object", fields };
  }

  private fields(members: readonly TypeElementTypes[]): FieldModel[] | undefined {
    const fields: FieldModel[] = [];
    const seen = new Set<string>();
    let ok = true;
    for (const member of members) {
      if (!Node.isPropertySignature(member)) {
        ok = false;
        this.refuse(member, memberAdvice(member));
        continue;
      }
      const name = this.propertyName(member.getNameNode(), "field");
      const typeNode = member.getTypeNode();
      if (typeNode === undefined) {
        this.refuse(member, `\`${member.getName()}\` has no type: write \`${member.getName()}: T\``);
        ok = false;
        continue;
      }
      const type = this.type(typeNode);
      if (name === undefined || type === undefined) {
        ok = false;
        continue;
      }
      if (name === "__proto__") {
        this.ctx.report(
          member.getNameNode(),
          "RESERVED_FIELD",
          "`__proto__` cannot be a field: JavaScript objects treat it as their prototype; rename the field",
        );
        ok = false;
        continue;
      }
      if (seen.has(name)) {
        this.ctx.report(member.getNameNode(), "DUPLICATE", `the field \`${name}\` is declared twice: keep one`);
        ok = false;
        continue;
      }
      seen.add(name);
      const doc = docOf(member);
      fields.push({
        name,
        type,
        optional: member.hasQuestionToken(),
        readonly: member.isReadonly(),
        ...(doc === undefined ? {} : { doc }),
        ...(isDeprecated(doc) ? { deprecated: true as const } : {}),
        location: this.ctx.locate(member.getNameNode()),
      });
    }
    return ok ? fields : undefined;
  }

  /**
   * The text of a property name if it is a valid action or field name
   * (an identifier, or a string literal holding one); reports it otherwise.
   */
  propertyName(nameNode: Node, what: "field" | "action"): string | undefined {
    let name: string | undefined;
    if (Node.isIdentifier(nameNode)) name = nameNode.getText();
    else if (Node.isStringLiteral(nameNode) || Node.isNoSubstitutionTemplateLiteral(nameNode)) name = nameNode.getLiteralValue();
    if (name === undefined || !NAME_PATTERN.test(name)) {
      const shown = name ?? nameNode.getText();
      const suggestion = shown.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^(?=[0-9])/, "_");
      const why = what === "action" ? "handlers are named Network_<action>, so an action" : "a field";
      this.ctx.report(
        nameNode,
        "INVALID_NAME",
        `\`${shown}\` is not a valid ${what} name: ${why} must be letters, digits and _, not starting with a digit (e.g. ${suggestion})`,
      );
      return undefined;
    }
    return name;
  }

  private literal(node: TypeNode): FieldType | undefined {
    if (!Node.isLiteralTypeNode(node)) return undefined;
    const literal = node.getLiteral();
    if (Node.isStringLiteral(literal) || Node.isNoSubstitutionTemplateLiteral(literal)) {
      return { kind: "literal", value: literal.getLiteralValue() };
    }
    if (Node.isNumericLiteral(literal)) return { kind: "literal", value: literal.getLiteralValue() };
    if (Node.isTrueLiteral(literal)) return { kind: "literal", value: true };
    if (Node.isFalseLiteral(literal)) return { kind: "literal", value: false };
    if (Node.isNullLiteral(literal)) return { kind: "null" };
    if (Node.isPrefixUnaryExpression(literal) && literal.getOperatorToken() === SyntaxKind.MinusToken && Node.isNumericLiteral(literal.getOperand())) {
      return { kind: "literal", value: -Number(literal.getOperand().getText()) };
    }
    return this.refuse(node, `the literal \`${node.getText()}\` is not supported: write a string, number or boolean literal`);
  }

  private array(element: TypeNode, readonly: boolean): FieldType | undefined {
    const type = this.type(element);
    return type === undefined ? undefined : { kind: "array", element: type, readonly };
  }

  private tuple(node: TypeNode, readonly: boolean): FieldType | undefined {
    if (!Node.isTupleTypeNode(node)) return undefined;
    const elements: TupleElement[] = [];
    let ok = true;
    for (const element of node.getElements()) {
      let label: string | undefined;
      let typeNode: TypeNode = element;
      if (Node.isNamedTupleMember(element)) {
        if (element.hasQuestionToken() || element.getDotDotDotToken() !== undefined) {
          ok = false;
          this.refuse(element, tupleAdvice(element.hasQuestionToken() ? "optional" : "rest"));
          continue;
        }
        label = element.getName();
        typeNode = element.getTypeNode();
      } else if (element.getKind() === SyntaxKind.OptionalType || element.getKind() === SyntaxKind.RestType) {
        ok = false;
        this.refuse(element, tupleAdvice(element.getKind() === SyntaxKind.OptionalType ? "optional" : "rest"));
        continue;
      }
      const type = this.type(typeNode);
      if (type === undefined) ok = false;
      else elements.push(label === undefined ? { type } : { type, label });
    }
    return ok ? { kind: "tuple", elements, readonly } : undefined;
  }

  private typeOperator(node: TypeNode): FieldType | undefined {
    if (!Node.isTypeOperatorTypeNode(node)) return undefined;
    const inner = node.getTypeNode();
    if (node.getOperator() === SyntaxKind.ReadonlyKeyword) {
      if (Node.isArrayTypeNode(inner)) return this.array(inner.getElementTypeNode(), true);
      if (Node.isTupleTypeNode(inner)) return this.tuple(inner, true);
    }
    return this.refuse(node, `\`${shortText(node)}\` is not supported in a protocol file: write the type out (${SUPPORTED_TYPES})`);
  }

  private union(nodes: readonly TypeNode[]): FieldType | undefined {
    const members: FieldType[] = [];
    const seen = new Set<string>();
    let ok = true;
    for (const node of nodes) {
      const type = this.type(node);
      if (type === undefined) {
        ok = false;
        continue;
      }
      for (const member of type.kind === "union" ? type.members : [type]) {
        const key = typeKey(member);
        if (!seen.has(key)) {
          seen.add(key);
          members.push(member);
        }
      }
    }
    if (!ok) return undefined;
    return members.length === 1 ? members[0] : { kind: "union", members };
  }

  private reference(node: TypeNode): FieldType | undefined {
    if (!Node.isTypeReference(node)) return undefined;
    const nameNode = node.getTypeName();
    const name = nameNode.getText();
    const args = node.getTypeArguments();
    if (!Node.isIdentifier(nameNode)) {
      return this.refuse(node, `qualified names like \`${name}\` are not supported: import the type by its name`);
    }
    const resolved = this.resolver.resolve(node.getSourceFile(), name, nameNode);
    if (resolved !== undefined) {
      if (resolved.kind === "error") return undefined;
      if (args.length > 0) {
        return this.refuse(node, `generic types are not supported: declare a concrete type instead of \`${shortText(node)}\``);
      }
      if (resolved.kind === "int") return { kind: "int" };
      return this.named(resolved.declaration, name, nameNode);
    }
    return this.builtIn(node, name, args);
  }

  private builtIn(node: TypeNode, name: string, args: readonly TypeNode[]): FieldType | undefined {
    switch (name) {
      case "Array":
      case "ReadonlyArray":
        if (args.length !== 1) return this.refuse(node, `write ${name}<T> with the element type`);
        return this.array(args[0], name === "ReadonlyArray");
      case "Record": {
        if (args.length !== 2) return this.refuse(node, "write Record<string, T> with the value type");
        if (args[0].getKind() !== SyntaxKind.StringKeyword) {
          this.refuse(args[0], "map keys arrive as strings: write Record<string, T>");
          this.type(args[1]);
          return undefined;
        }
        const value = this.type(args[1]);
        return value === undefined ? undefined : { kind: "record", value };
      }
      case "Uint8Array":
        if (args.length > 0) return this.refuse(node, "write Uint8Array without type arguments");
        return { kind: "bytes" };
      case "Int":
        return this.refuse(node, '`Int` must be imported: write import type { Int } from "repod"');
    }
    // Own keys only: `toString` is not advice.
    const advice = Object.hasOwn(BUILT_IN_ADVICE, name) ? BUILT_IN_ADVICE[name] : undefined;
    if (advice !== undefined) return this.refuse(node, advice);
    this.ctx.report(
      node,
      "UNKNOWN_TYPE",
      `unknown type \`${name}\`: declare it in this file or import it with import type { ${name} } from "./other.protocol.ts"`,
    );
    return undefined;
  }

  /** A reference to a declaration: gives it a name in the generated file and converts it later. */
  private named(declaration: Declaration, preferred: string, at: Node): FieldType | undefined {
    const clash = this.table.claim(declaration, preferred);
    if (clash !== undefined) {
      const where =
        "reserved" in clash
          ? "the generated file declares a name of its own"
          : `${this.ctx.relative(clash.owner.getSourceFile().getFilePath())} declares another \`${preferred}\``;
      this.ctx.report(
        at,
        "NAME_CLASH",
        `\`${preferred}\` clashes: ${where}; import it under another name (import type { ${preferred} as Other${preferred} } ...) or rename it`,
      );
      return undefined;
    }
    return { kind: "ref", name: this.table.nameOf(declaration) ?? preferred };
  }

  /** An interface's fields with those of the interfaces it extends (own fields last, so they win). */
  private interfaceObject(declaration: Declaration, visiting: Set<Declaration>): ObjectType | undefined {
    if (visiting.has(declaration)) {
      return this.refuse(declaration.getNameNode(), "an interface cannot extend itself");
    }
    visiting.add(declaration);
    const byName = new Map<string, FieldModel>();
    let ok = true;
    if (Node.isInterfaceDeclaration(declaration)) {
      for (const base of declaration.getExtends()) {
        const fields = this.baseFields(base.getExpression(), base.getTypeArguments().length > 0, declaration.getSourceFile(), visiting);
        if (fields === undefined) ok = false;
        else for (const field of fields) byName.set(field.name, field);
      }
      const own = this.fields(declaration.getMembers());
      if (own === undefined) ok = false;
      else for (const field of own) byName.set(field.name, field);
    }
    visiting.delete(declaration);
    return ok ? { kind: "object", fields: [...byName.values()] } : undefined;
  }

  private baseFields(expression: Node, generic: boolean, file: SourceFile, visiting: Set<Declaration>): readonly FieldModel[] | undefined {
    const name = expression.getText();
    const resolved = Node.isIdentifier(expression) ? this.resolver.resolve(file, name, expression) : undefined;
    if (resolved === undefined || resolved.kind !== "declaration" || generic) {
      if (resolved?.kind !== "error") {
        this.refuse(expression, `an interface can extend only interfaces or object type aliases of protocol files, not \`${name}\``);
      }
      return undefined;
    }
    const base = resolved.declaration;
    if (Node.isInterfaceDeclaration(base)) return this.interfaceObject(base, visiting)?.fields;
    const typeNode = base.getTypeNodeOrThrow();
    if (Node.isTypeLiteral(typeNode)) return this.fields(typeNode.getMembers());
    this.refuse(expression, `\`${name}\` is not an object type: an interface can extend only object types`);
    return undefined;
  }

  private refuse(node: Node, message: string): undefined {
    this.ctx.report(node, "UNSUPPORTED_TYPE", message);
    return undefined;
  }
}

/** A node's text, on one line and cut to a readable length. */
function shortText(node: Node): string {
  const text = node.getText().replace(/\s+/g, " ");
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Emits the validators: one straight-line function per message, one per
 * named type that needs a function of its own (objects, arrays, recursion),
 * and the two small helpers they share. Nothing is interpreted at run time:
 * every check is written out.
 *
 * Input: `message: { text: string }` (client). Output:
 * ```ts
 * function validateClientMessage(data: Record<string, unknown>): string | undefined {
 *   const v1 = data["text"];
 *   if (typeof v1 !== "string") return `text: expected string, got ${describeValue(v1)}`;
 *   return undefined;
 * }
 * ```
 * A function for a named type returns errors relative to the value it checks
 * (`.x: expected number, got string`, `: expected object, got null`); its
 * caller prefixes its own path, so paths are only built when a check fails.
 */
import type { Direction, FieldModel, FieldType, MessageModel, ObjectType, RequestModel } from "../model.ts";
import { pascalCase } from "../naming.ts";
import { objectOf } from "../parse/checks.ts";
import type { EmitContext } from "./context.ts";
import { CATEGORIES, type Category, categories, expected, expectsLiteral, isSimple, literalValues, resolve } from "./type-analysis.ts";
import { type HelperKind, helperText } from "./validator-helpers.ts";
import { CodeWriter } from "./writer.ts";

/** Names of Object.prototype members: a field with one of these names is read only when it is the object's own. */
const PROTOTYPE_NAMES = new Set([
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

/**
 * The validator function of each action, by direction (requests are among
 * them: a request is checked like a message), and of each request's reply,
 * by the direction of the request.
 */
export interface ValidatorNames {
  readonly client: ReadonlyMap<string, string>;
  readonly server: ReadonlyMap<string, string>;
  readonly replies: Record<Direction, ReadonlyMap<string, string>>;
  /** The validator of the credential (`Auth`), when the protocol declares one. */
  readonly auth?: string;
  /** The validator of the game's per-player state (`Session`), when the protocol declares one. */
  readonly session?: string;
}

/** Writes every validator of the protocol into `w`; returns their names for the descriptor. */
export function emitValidators(ctx: EmitContext, w: CodeWriter): ValidatorNames {
  const emitter = new ValidatorEmitter(ctx);
  const names: ValidatorNames = {
    client: emitter.messages("client", [...ctx.model.client, ...ctx.model.clientRequests]),
    server: emitter.messages("server", [...ctx.model.server, ...ctx.model.serverRequests]),
    replies: {
      client: emitter.replies("client", ctx.model.clientRequests),
      server: emitter.replies("server", ctx.model.serverRequests),
    },
    ...(ctx.model.auth === undefined ? {} : { auth: emitter.auth(ctx.model.auth.type) }),
    ...(ctx.model.session === undefined ? {} : { session: emitter.session(ctx.model.session.type) }),
  };
  emitter.finish();
  for (const fn of emitter.functions) {
    w.blank();
    w.line(fn.trimEnd());
  }
  return names;
}

/** A path in an error message, as the inside of a template literal: `players[${i1}].x`. */
class Path {
  constructor(
    readonly text: string,
    /** At a message's top level the first field has no leading dot. */
    private readonly messageRoot: boolean,
  ) {}

  field(name: string): Path {
    return new Path(this.text === "" && this.messageRoot ? name : `${this.text}.${name}`, false);
  }

  /** An element: `index` is a number or an expression (`i1`). */
  index(index: number | string): Path {
    return new Path(`${this.text}[${typeof index === "number" ? index : `\${${index}}`}]`, false);
  }

  key(variable: string): Path {
    return new Path(`${this.text}[\${JSON.stringify(${variable})}]`, false);
  }
}

/** The body of one generated function: its lines and its local variable counter. */
class FunctionBody {
  readonly w = new CodeWriter(1);
  private counter = 0;

  /** A fresh local name: `v1`, `i2`, ... */
  local(prefix: string): string {
    this.counter++;
    return `${prefix}${this.counter}`;
  }
}

class ValidatorEmitter {
  readonly functions: string[] = [];
  /** Functions of named types, by type name. */
  private readonly checkers = new Map<string, string>();
  private readonly pending: string[] = [];
  private readonly helperNames = new Map<HelperKind, string>();

  constructor(private readonly ctx: EmitContext) {}

  /**
   * Emits one validator per request's reply, checking the `_reply` frame's
   * `reply` key (`reply.seat: expected integer, got number`); returns action -> function name.
   */
  replies(direction: Direction, requests: readonly RequestModel[]): Map<string, string> {
    const names = new Map<string, string>();
    for (const request of requests) {
      const name = this.ctx.unique(`validate${pascalCase(direction)}${pascalCase(request.action)}Reply`);
      names.set(request.action, name);
      const field: FieldModel = { name: "reply", type: request.reply, optional: false, readonly: false, location: request.location };
      const fn = new FunctionBody();
      this.fields(fn, { kind: "object", fields: [field] }, "data", new Path("", true));
      fn.w.line("return undefined;");
      const to = direction === "client" ? "a client's" : "the server's";
      this.functions.push(
        `/** Checks the reply to ${to} \`${request.action}\` request. */\n` +
          `function ${name}(data: Record<string, unknown>): string | undefined {\n${fn.w}}\n`,
      );
    }
    return names;
  }

  /** Emits one validator per message (or request); returns action -> function name. */
  messages(direction: Direction, messages: readonly (MessageModel | RequestModel)[]): Map<string, string> {
    const names = new Map<string, string>();
    for (const message of messages) {
      const name = this.ctx.unique(`validate${pascalCase(direction)}${pascalCase(message.action)}`);
      names.set(message.action, name);
      const body = objectOf(message.body, this.ctx.types, new Set()) ?? { kind: "object", fields: [] };
      const fn = new FunctionBody();
      this.fields(fn, body, "data", new Path("", true));
      fn.w.line("return undefined;");
      const param = body.fields.length === 0 ? "_data" : "data";
      const from = direction === "client" ? "a client's" : "the server's";
      this.functions.push(
        `/** Checks ${from} \`${message.action}\` message. */\n` + `function ${name}(${param}: Record<string, unknown>): string | undefined {\n${fn.w}}\n`,
      );
    }
    return names;
  }

  /** Emits the validator of the credential a client presents (`Auth`); returns its name. */
  auth(type: FieldType): string {
    const name = this.ctx.unique("validateAuth");
    const body = objectOf(type, this.ctx.types, new Set()) ?? { kind: "object", fields: [] };
    const fn = new FunctionBody();
    this.fields(fn, body, "data", new Path("", true));
    fn.w.line("return undefined;");
    const param = body.fields.length === 0 ? "_data" : "data";
    this.functions.push(
      "/** Checks the credential a client presents to join (`Auth`). */\n" +
        `function ${name}(${param}: Record<string, unknown>): string | undefined {\n${fn.w}}\n`,
    );
    return name;
  }

  /** Emits the validator of the game's per-player state (`Session`), checked when a session moves in; returns its name. */
  session(type: FieldType): string {
    const name = this.ctx.unique("validateSession");
    const body = objectOf(type, this.ctx.types, new Set()) ?? { kind: "object", fields: [] };
    const fn = new FunctionBody();
    this.fields(fn, body, "data", new Path("", true));
    fn.w.line("return undefined;");
    const param = body.fields.length === 0 ? "_data" : "data";
    this.functions.push(
      "/** Checks the game's state of one player (`Session`) as another server saved it. */\n" +
        `function ${name}(${param}: Record<string, unknown>): string | undefined {\n${fn.w}}\n`,
    );
    return name;
  }

  /** Emits the functions of named types requested so far (which may request more), then the helpers. */
  finish(): void {
    for (let i = 0; i < this.pending.length; i++) {
      const typeName = this.pending[i];
      const type = this.ctx.types.get(typeName);
      if (type !== undefined) this.pushChecker(this.checkers.get(typeName) ?? typeName, type.type, `the type \`${typeName}\``);
    }
    for (const [kind, name] of this.helperNames) {
      this.functions.push(helperText(kind, name, this.ctx.runtime("describeValue")));
    }
  }

  private pushChecker(name: string, type: FieldType, what: string): void {
    const fn = new FunctionBody();
    this.check(fn, type, "value", new Path("", false));
    fn.w.line("return undefined;");
    this.functions.push(
      `/** Checks a value of ${what}; errors are relative to it (\`.x: ...\`, \`[2]: ...\`). */\n` +
        `function ${name}(value: unknown): string | undefined {\n${fn.w}}\n`,
    );
  }

  /** The function checking named type `name`, emitted once. */
  private checker(name: string): string {
    let fn = this.checkers.get(name);
    if (fn === undefined) {
      fn = this.ctx.unique(`check${name}`);
      this.checkers.set(name, fn);
      this.pending.push(name);
    }
    return fn;
  }

  /** A function checking one member of a union that no single expression checks. */
  private memberChecker(type: FieldType): string {
    if (type.kind === "ref") return this.checker(type.name);
    const name = this.ctx.unique("checkUnionMember");
    this.pushChecker(name, type, "one member of a union");
    return name;
  }

  /** Checks each field of an object, but `known` (a tag field already checked by a union). */
  private fields(fn: FunctionBody, type: ObjectType, value: string, path: Path, known?: string): void {
    for (const field of type.fields) {
      if (field.name !== known) this.field(fn, field, value, path.field(field.name));
    }
  }

  private field(fn: FunctionBody, field: FieldModel, object: string, path: Path): void {
    const v = fn.local("v");
    fn.w.line(`const ${v} = ${read(object, field.name)};`);
    if (!field.optional) {
      this.check(fn, field.type, v, path);
    } else if (isSimple(field.type, this.ctx.types)) {
      fn.w.line(`if (${v} !== undefined && ${this.fail(field.type, v)}) return ${this.error(path, field.type, v)};`);
    } else {
      fn.w.block(`if (${v} !== undefined) {`, () => this.check(fn, field.type, v, path));
    }
  }

  /** Writes statements that return an error string when `value` is not of `type`. */
  private check(fn: FunctionBody, type: FieldType, value: string, path: Path, kindChecked = false): void {
    const { w } = fn;
    if (isSimple(type, this.ctx.types)) {
      w.line(`if (${this.fail(type, value)}) return ${this.error(path, type, value)};`);
      return;
    }
    switch (type.kind) {
      case "array": {
        if (!kindChecked) w.line(`if (!Array.isArray(${value})) return ${this.error(path, type, value)};`);
        const i = fn.local("i");
        const element = fn.local("v");
        w.block(`for (let ${i} = 0; ${i} < ${value}.length; ${i}++) {`, () => {
          w.line(`const ${element} = ${value}[${i}];`);
          this.check(fn, type.element, element, path.index(i));
        });
        return;
      }
      case "tuple": {
        const n = type.elements.length;
        if (!kindChecked) w.line(`if (!Array.isArray(${value})) return ${this.error(path, type, value)};`);
        w.line(`if (${value}.length !== ${n}) return \`${path.text}: expected tuple of ${n}, got array of \${${value}.length}\`;`);
        type.elements.forEach((element, index) => {
          const v = fn.local("v");
          w.line(`const ${v} = ${value}[${index}];`);
          this.check(fn, element.type, v, path.index(index));
        });
        return;
      }
      case "object":
        if (!kindChecked) w.line(`if (!${this.helper("isRecord")}(${value})) return ${this.error(path, type, value)};`);
        this.fields(fn, type, value, path);
        return;
      case "record": {
        if (!kindChecked) w.line(`if (!${this.helper("isRecord")}(${value})) return ${this.error(path, type, value)};`);
        const k = fn.local("k");
        w.block(`for (const ${k} of Object.keys(${value})) {`, () => {
          const v = fn.local("v");
          w.line(`const ${v} = ${value}[${k}];`);
          this.check(fn, type.value, v, path.key(k));
        });
        return;
      }
      case "ref": {
        const e = fn.local("e");
        w.line(`const ${e} = ${this.checker(type.name)}(${value});`);
        w.line(`if (${e} !== undefined) return \`${path.text}\${${e}}\`;`);
        return;
      }
      case "union":
        this.union(fn, type, type.members, value, path);
        return;
      default:
        return;
    }
  }

  /**
   * A union with members no single expression checks: members checked by an
   * expression first, then one branch per kind of value (array, object, ...)
   * holding the members of that kind.
   */
  private union(fn: FunctionBody, union: FieldType, members: readonly FieldType[], value: string, path: Path): void {
    const { w } = fn;
    const types = this.ctx.types;
    const simple = members.filter((m) => isSimple(m, types));
    const complex = members.filter((m) => !isSimple(m, types));
    const branches = CATEGORIES.map((category) => ({
      category,
      members: complex.filter((m) => categories(m, types).has(category)),
    })).filter((b) => b.members.length > 0);

    const body = () => {
      branches.forEach((branch, n) => {
        const open = `${n === 0 ? "if" : "} else if"} (${this.categoryTest(branch.category, value)}) {`;
        w.line(open);
        w.indented(() => this.branch(fn, branch.category, branch.members, value, path));
      });
      w.line("} else {");
      w.indented(() => w.line(`return ${this.error(path, union, value)};`));
      w.line("}");
    };
    if (simple.length === 0) body();
    else w.block(`if (${simple.map((m) => this.fail(m, value)).join(" && ")}) {`, body);
  }

  /** The members of a union that a value of one kind may be. */
  private branch(fn: FunctionBody, category: Category, members: readonly FieldType[], value: string, path: Path): void {
    const { w } = fn;
    if (members.length === 1) {
      const member = members[0];
      const own = member.kind === "array" || member.kind === "tuple" ? "array" : member.kind === "object" || member.kind === "record" ? "object" : undefined;
      this.check(fn, member, value, path, own === category);
      return;
    }
    if (category === "object" && this.discriminated(fn, members, value, path)) return;
    // No field tells the members apart: try each, and report all when none matches.
    const errors = members.map((member) => {
      const e = fn.local("e");
      return { e, fn: this.memberChecker(member) };
    });
    const tryFrom = (index: number): void => {
      const { e, fn: checker } = errors[index];
      w.line(`const ${e} = ${checker}(${value});`);
      if (index === errors.length - 1) {
        const all = errors.map((x) => `\${${x.e}}`).join("; ");
        w.line(`if (${e} !== undefined) return \`${path.text}: matches no member of the union (${all})\`;`);
      } else {
        w.block(`if (${e} !== undefined) {`, () => tryFrom(index + 1));
      }
    };
    tryFrom(0);
  }

  /**
   * Object members told apart by a field that holds different literals in
   * each (`kind: "circle"` / `kind: "rect"`): checks only the member the value names.
   */
  private discriminated(fn: FunctionBody, members: readonly FieldType[], value: string, path: Path): boolean {
    const types = this.ctx.types;
    const objects = members.map((m) => objectOf(m, types, new Set()));
    if (objects.some((o) => o === undefined)) return false;
    const shapes = objects as ObjectType[];
    const tag = shapes[0].fields.find((candidate) => {
      const seen = new Set<string>();
      return shapes.every((shape) => {
        const field = shape.fields.find((f) => f.name === candidate.name);
        const values = field === undefined || field.optional ? undefined : literalValues(field.type, types);
        if (values === undefined) return false;
        const keys = values.map((v) => JSON.stringify(v));
        if (keys.some((k) => seen.has(k))) return false;
        keys.forEach((k) => seen.add(k));
        return true;
      });
    });
    if (tag === undefined) return false;
    const { w } = fn;
    const d = fn.local("d");
    w.line(`const ${d} = ${read(value, tag.name)};`);
    members.forEach((member, n) => {
      const field = shapes[n].fields.find((f) => f.name === tag.name);
      const values = literalValues(field?.type ?? { kind: "null" }, types) ?? [];
      const test = values.map((v) => `${d} === ${JSON.stringify(v)}`).join(" || ");
      w.line(`${n === 0 ? "if" : "} else if"} (${test}) {`);
      w.indented(() => {
        if (member.kind === "ref") this.check(fn, member, value, path);
        else this.fields(fn, shapes[n], value, path, tag.name);
      });
    });
    const all = members.flatMap((_, n) => literalValues(shapes[n].fields.find((f) => f.name === tag.name)?.type ?? { kind: "null" }, types) ?? []);
    const tagType: FieldType = { kind: "union", members: all.map((v) => ({ kind: "literal", value: v })) };
    w.line("} else {");
    w.indented(() => w.line(`return ${this.error(path.field(tag.name), tagType, d)};`));
    w.line("}");
    return true;
  }

  /** An expression that is true when `value` is NOT of the simple type `type`. */
  private fail(type: FieldType, value: string): string {
    const resolved = resolve(type, this.ctx.types);
    switch (resolved.kind) {
      case "string":
      case "number":
      case "boolean":
        return `typeof ${value} !== "${resolved.kind}"`;
      case "int":
        return `!Number.isInteger(${value})`;
      case "null":
        return `${value} !== null`;
      case "bytes":
        return `!(${value} instanceof Uint8Array)`;
      case "literal":
        return `${value} !== ${JSON.stringify(resolved.value)}`;
      case "union":
        return resolved.members.map((m) => this.fail(m, value)).join(" && ");
      default:
        throw new Error(`not a simple type: ${resolved.kind}`);
    }
  }

  private categoryTest(category: Category, value: string): string {
    switch (category) {
      case "array":
        return `Array.isArray(${value})`;
      case "object":
        return `${this.helper("isRecord")}(${value})`;
      case "null":
        return `${value} === null`;
      case "bytes":
        return `${value} instanceof Uint8Array`;
      default:
        return `typeof ${value} === "${category}"`;
    }
  }

  /** The template literal of the error "`path`: expected `type`, got ...". */
  private error(path: Path, type: FieldType, value: string): string {
    const got = expectsLiteral(type, this.ctx.types) ? `${this.helper("describeLiteral")}(${value})` : `${this.ctx.runtime("describeValue")}(${value})`;
    return `\`${path.text}: expected ${escapeTemplate(expected(type, this.ctx.types))}, got \${${got}}\``;
  }

  /** The name of a shared helper function, emitted once when first used. */
  private helper(kind: HelperKind): string {
    let name = this.helperNames.get(kind);
    if (name === undefined) {
      name = this.ctx.unique(kind);
      this.helperNames.set(kind, name);
    }
    return name;
  }
}

/** Reads a field of a checked object; a name Object.prototype also has is read only when it is the object's own. */
function read(object: string, name: string): string {
  const key = JSON.stringify(name);
  return PROTOTYPE_NAMES.has(name) ? `Object.prototype.hasOwnProperty.call(${object}, ${key}) ? ${object}[${key}] : undefined` : `${object}[${key}]`;
}

/** Escapes text for the static part of a template literal. */
function escapeTemplate(text: string): string {
  return text.replace(/[\\`]/g, "\\$&").replace(/\$\{/g, "\\${");
}

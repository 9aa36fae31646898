/**
 * What every emitter of one generated file shares: the model, its public
 * names, the named types by name, and the file's symbol table (runtime
 * imports, taken names), so no two things in the file get one name.
 *
 * @example
 * ```ts
 * const ctx = new EmitContext(model);
 * ctx.runtime("Channel");       // "Channel", or "RepodChannel" when the protocol declares a Channel type
 * ctx.unique("validateClientMove"); // "validateClientMove", then "validateClientMove2"
 * ```
 */
import type { NamedTypeModel, ProtocolModel } from "../model.ts";
import { type PublicNames, publicNames } from "../naming.ts";

/** What generated files import from the runtime package, and whether it is a type. */
export const RUNTIME_EXPORTS = {
  Channel: "value",
  ConnectionListener: "value",
  Server: "value",
  describeValue: "value",
  Int: "type",
  ProtocolDescriptor: "type",
  RequestOptions: "type",
} as const;

/** A name generated code imports from the runtime. */
export type RuntimeExport = keyof typeof RUNTIME_EXPORTS;

/** The package generated files import the runtime from (resolves in this repo through the "repod-source" condition). */
export const RUNTIME_PACKAGE = "repod";

/** The shared state of the emitters of one file. */
export class EmitContext {
  readonly names: PublicNames;
  /** Named types by their name in the generated file. */
  readonly types: ReadonlyMap<string, NamedTypeModel>;
  private readonly taken = new Set<string>();
  private readonly imports = new Map<RuntimeExport, string>();

  constructor(readonly model: ProtocolModel) {
    this.names = publicNames(model.name);
    this.types = new Map(model.types.map((t) => [t.name, t]));
    for (const name of [...this.types.keys(), ...Object.values(this.names)]) this.taken.add(name);
  }

  /** The local name of a runtime export (recording that the file imports it). */
  runtime(name: RuntimeExport): string {
    let local = this.imports.get(name);
    if (local === undefined) {
      local = this.taken.has(name) ? this.unique(`Repod${name[0].toUpperCase()}${name.slice(1)}`) : name;
      this.taken.add(local);
      this.imports.set(name, local);
    }
    return local;
  }

  /** A name no other top-level thing of the file has: `preferred`, else `preferred2`, `preferred3`, ... */
  unique(preferred: string): string {
    let name = preferred;
    for (let n = 2; this.taken.has(name); n++) name = `${preferred}${n}`;
    this.taken.add(name);
    return name;
  }

  /** The `import` statement for what the emitters used (none when nothing was). */
  importStatement(): string | undefined {
    const specifiers = (Object.keys(RUNTIME_EXPORTS) as RuntimeExport[])
      .filter((name) => this.imports.has(name))
      .map((name) => {
        const local = this.imports.get(name);
        const alias = local === name ? name : `${name} as ${local}`;
        return RUNTIME_EXPORTS[name] === "type" ? `type ${alias}` : alias;
      });
    if (specifiers.length === 0) return undefined;
    return `import { ${specifiers.join(", ")} } from "${RUNTIME_PACKAGE}";`;
  }
}

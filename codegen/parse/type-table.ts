/**
 * The named types of one generated file: which declaration gets which name.
 * A file's own declarations keep their names; an imported type takes the name
 * it is imported under; a type reached through another file keeps the name
 * that file uses. Two different declarations may not end up with one name.
 */
import type { Declaration } from "./scope.ts";

/** Why a name could not be given. */
export type Clash = { readonly reserved: true } | { readonly owner: Declaration };

/** Names of the named types of one generated file, in the order they were given. */
export class TypeTable {
  private readonly names = new Map<Declaration, string>();
  private readonly owners = new Map<string, Declaration>();
  /** Named declarations, in the order they were named: the order of `ProtocolModel.types`. */
  readonly order: Declaration[] = [];

  /** @param reserved names the generated file declares itself (`ChatChannel`, ...). */
  constructor(private readonly reserved: ReadonlySet<string>) {}

  /** The name `declaration` has in the generated file, if it has one yet. */
  nameOf(declaration: Declaration): string | undefined {
    return this.names.get(declaration);
  }

  /** Gives `declaration` the name `name`, or says what holds it already. */
  claim(declaration: Declaration, name: string): Clash | undefined {
    if (this.names.has(declaration)) return undefined;
    if (this.reserved.has(name)) return { reserved: true };
    const owner = this.owners.get(name);
    if (owner !== undefined) return { owner };
    this.names.set(declaration, name);
    this.owners.set(name, declaration);
    this.order.push(declaration);
    return undefined;
  }
}

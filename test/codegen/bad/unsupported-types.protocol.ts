export interface ServerMessages {
  state: {
    a: any;
    b: unknown;
    c: () => void;
    d: Date;
    e: Map<string, number>;
    f: { x: number } & { y: number };
    g: bigint;
    h: undefined;
    i: object;
    j: { [key: string]: number };
    k: { run(): void };
    l: [number, string?];
    m: [number, ...string[]];
    n: Record<number, string>;
    o: keyof { x: number };
    p: typeof globalThis;
    q: `id-${string}`;
    r: never;
    s: symbol;
    t: Promise<string>;
    u: Partial<{ x: number }>;
    v: Set<string>;
    w: Buffer;
    x: string | void;
  };
}

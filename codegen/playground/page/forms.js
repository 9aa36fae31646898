// Forms built from a protocol's model (codegen/model.ts): one widget per
// field type. Each widget is { node, read() }: read() gives the value typed
// so far (undefined for an optional field left out). Nothing is checked
// here — the generated validators do that before anything is sent.

/** Makes an element: el("input", { type: "number" }, …children). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A field type as the protocol file writes it: `string[]`, `"red" | "blue"`, `Record<string, Int>`. */
export function printType(type) {
  switch (type.kind) {
    case "string":
    case "number":
    case "boolean":
    case "null":
      return type.kind;
    case "int":
      return "Int";
    case "bytes":
      return "Uint8Array";
    case "literal":
      return JSON.stringify(type.value);
    case "array": {
      const inner = printType(type.element);
      return `${type.readonly ? "readonly " : ""}${type.element.kind === "union" ? `(${inner})` : inner}[]`;
    }
    case "tuple":
      return `[${type.elements.map((e) => (e.label ? `${e.label}: ` : "") + printType(e.type)).join(", ")}]`;
    case "object":
      return `{ ${type.fields.map((f) => `${f.name}${f.optional ? "?" : ""}: ${printType(f.type)}`).join("; ")} }`;
    case "record":
      return `Record<string, ${printType(type.value)}>`;
    case "union":
      return type.members.map(printType).join(" | ");
    case "ref":
      return type.name;
    default:
      return "unknown";
  }
}

function hexToBytes(text) {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) return clean; // a string: the validator says so
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** What the type of a number input gives: the number typed, or the text itself when it is not one (the validator says so). */
function numberOf(input) {
  const text = input.value.trim();
  if (text === "") return undefined;
  const n = Number(text);
  return Number.isNaN(n) ? text : n;
}

/**
 * The widget of one type. `ctx.types` maps a named type's name to its model;
 * `path` names the field (for labels and test selectors).
 */
export function widget(type, ctx, path) {
  if (ctx.depth > 24) return { node: el("span", { class: "muted" }, "(too deep)"), read: () => undefined };
  const inner = { ...ctx, depth: ctx.depth + 1 };
  switch (type.kind) {
    case "string": {
      const input = el("input", { type: "text", "data-field": path });
      return { node: input, read: () => input.value };
    }
    case "number":
    case "int": {
      const input = el("input", { type: "text", inputmode: "decimal", "data-field": path, placeholder: type.kind === "int" ? "integer" : "number" });
      return { node: input, read: () => numberOf(input) };
    }
    case "boolean": {
      const input = el("input", { type: "checkbox", "data-field": path });
      return { node: input, read: () => input.checked };
    }
    case "null":
      return { node: el("span", { class: "muted" }, "null"), read: () => null };
    case "bytes": {
      const input = el("input", { type: "text", "data-field": path, placeholder: "hex bytes, e.g. 0a ff" });
      return { node: input, read: () => hexToBytes(input.value) };
    }
    case "literal":
      return { node: el("code", {}, JSON.stringify(type.value)), read: () => type.value };
    case "ref": {
      const named = ctx.types.get(type.name);
      if (!named) return { node: el("span", { class: "error" }, `unknown type ${type.name}`), read: () => undefined };
      return widget(named.type, inner, path);
    }
    case "object":
      return objectWidget(type.fields, inner, path);
    case "union":
      return unionWidget(type, inner, path);
    case "array":
      return listWidget(type.element, inner, path);
    case "tuple": {
      const parts = type.elements.map((e, i) => ({ label: e.label ?? `[${i}]`, w: widget(e.type, inner, `${path}[${i}]`) }));
      return {
        node: el(
          "div",
          { class: "nested" },
          parts.map((p) => el("div", { class: "field" }, el("label", {}, p.label), p.w.node)),
        ),
        read: () => parts.map((p) => p.w.read()),
      };
    }
    case "record":
      return recordWidget(type.value, inner, path);
    default:
      return { node: el("span", {}, "?"), read: () => undefined };
  }
}

/** The fields of an object (or of a message): optional ones have an "include" box. */
export function objectWidget(fields, ctx, path) {
  const parts = fields.map((field) => {
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    const w = widget(field.type, ctx, fieldPath);
    let include = null;
    if (field.optional) {
      include = el("input", { type: "checkbox", title: "include this optional field", "data-include": fieldPath });
      const sync = () => w.node.classList.toggle("left-out", !include.checked);
      include.addEventListener("change", sync);
      sync();
    }
    const label = el("label", { title: field.doc ?? "" }, field.name, field.optional ? "?" : "", el("span", { class: "type" }, `: ${printType(field.type)}`));
    return { field, w, include, node: el("div", { class: "field" }, label, include, w.node) };
  });
  return {
    node: el(
      "div",
      { class: path ? "nested" : "fields" },
      parts.map((p) => p.node),
    ),
    read: () => {
      const value = {};
      for (const p of parts) {
        if (p.include && !p.include.checked) continue;
        value[p.field.name] = p.w.read();
      }
      return value;
    },
  };
}

/** A union: all literals make a choice list; otherwise choose a member, then fill it in. */
function unionWidget(type, ctx, path) {
  if (type.members.every((m) => m.kind === "literal")) {
    const select = el(
      "select",
      { "data-field": path },
      type.members.map((m, i) => el("option", { value: String(i) }, JSON.stringify(m.value))),
    );
    return { node: select, read: () => type.members[Number(select.value)].value };
  }
  const select = el(
    "select",
    { "data-choice": path },
    type.members.map((m, i) => el("option", { value: String(i) }, printType(m))),
  );
  const holder = el("span", { class: "choice" });
  let current = null;
  const show = () => {
    current = widget(type.members[Number(select.value)], ctx, path);
    holder.replaceChildren(current.node);
  };
  select.addEventListener("change", show);
  show();
  return { node: el("span", {}, select, holder), read: () => current.read() };
}

/** An array: items you add and remove. */
function listWidget(element, ctx, path) {
  const items = [];
  const list = el("ol", { class: "items", start: "0" });
  const add = () => {
    const w = widget(element, ctx, `${path}[${items.length}]`);
    const entry = { w };
    const remove = el(
      "button",
      {
        type: "button",
        class: "small",
        title: "remove",
        onclick: () => {
          items.splice(items.indexOf(entry), 1);
          entry.node.remove();
        },
      },
      "✕",
    );
    entry.node = el("li", {}, w.node, remove);
    items.push(entry);
    list.append(entry.node);
  };
  return {
    node: el("div", { class: "nested" }, list, el("button", { type: "button", class: "small", "data-add": path, onclick: add }, "+ add")),
    read: () => items.map((entry) => entry.w.read()),
  };
}

/** A record: keys and values you add and remove. */
function recordWidget(valueType, ctx, path) {
  const rows = [];
  const list = el("div", {});
  const add = () => {
    const key = el("input", { type: "text", class: "key", placeholder: "key", "data-key": `${path}{${rows.length}}` });
    const w = widget(valueType, ctx, `${path}{${rows.length}}`);
    const row = { key, w };
    row.node = el(
      "div",
      { class: "field" },
      key,
      " → ",
      w.node,
      el(
        "button",
        {
          type: "button",
          class: "small",
          onclick: () => {
            rows.splice(rows.indexOf(row), 1);
            row.node.remove();
          },
        },
        "✕",
      ),
    );
    rows.push(row);
    list.append(row.node);
  };
  return {
    node: el("div", { class: "nested" }, list, el("button", { type: "button", class: "small", "data-add": path, onclick: add }, "+ add")),
    read: () => Object.fromEntries(rows.map((row) => [row.key.value, row.w.read()])),
  };
}

/** A decoded value shown against its declared type: each field with its type from the protocol. */
export function showTyped(value, type, ctx) {
  if (type && type.kind === "ref") type = ctx.types.get(type.name)?.type ?? null;
  if (type && type.kind === "object" && value && typeof value === "object" && !Array.isArray(value)) {
    const declared = new Map(type.fields.map((f) => [f.name, f]));
    return el(
      "ul",
      { class: "payload" },
      Object.entries(value).map(([key, v]) => {
        const field = declared.get(key);
        return el("li", {}, `${key}: `, show(v), " ", el("span", { class: "type" }, field ? printType(field.type) : "(not declared)"));
      }),
    );
  }
  return show(value);
}

function show(value) {
  if (value instanceof Uint8Array) return el("code", {}, [...value].map((b) => b.toString(16).padStart(2, "0")).join(" "));
  return el(
    "code",
    {},
    JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? `<${v.length} bytes>` : v)),
  );
}

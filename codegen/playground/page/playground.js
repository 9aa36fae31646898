// The playground's page: plain JavaScript, no build. It loads the protocols
// the playground serves (their model, and their generated validators as a
// module), then plays clients of them over WebSocket, one per tab.

import { el, objectWidget, printType, showTyped } from "./forms.js";
import { decode, encode } from "./msgpack.js";

const $ = (id) => document.getElementById(id);
let session;
const protocols = new Map(); // name -> { model, descriptor, types }
let clientCount = 0;

async function load() {
  session = await (await fetch("session.json")).json();
  for (const entry of session.protocols) {
    const module = await import(entry.module);
    const descriptor = Object.values(module).find((v) => v && typeof v === "object" && typeof v.fingerprint === "string" && v.client && v.server);
    const types = new Map(entry.model.types.map((t) => [t.name, t]));
    protocols.set(entry.name, { model: entry.model, descriptor, types });
    $("protocol").append(el("option", { value: entry.name }, entry.name));
  }
  $("target").value = session.connect;
  const showFingerprint = () => {
    const p = protocols.get($("protocol").value);
    $("fingerprint").textContent = `${p.model.source} · fingerprint ${p.descriptor.fingerprint}`;
  };
  $("protocol").addEventListener("change", showFingerprint);
  showFingerprint();
  $("new-client").addEventListener("click", () => newClient());
  newClient();
}

/** The socket for a target: ws://… directly; host:port through the playground's TCP bridge. */
function openSocket(target) {
  if (/^wss?:\/\//i.test(target)) return new WebSocket(target);
  const url = new URL(`tcp?to=${encodeURIComponent(target)}`, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return new WebSocket(url);
}

function newClient() {
  const protocol = protocols.get($("protocol").value);
  const n = ++clientCount;
  const name = `client ${n}`;
  const panel = el("section", { class: "client", "data-client": String(n) });
  const tab = el("button", { type: "button", "data-tab": String(n), onclick: () => select() }, `${name} · ${protocol.model.name}`);
  const select = () => {
    for (const node of document.querySelectorAll(".client, nav button")) node.classList.remove("active");
    panel.classList.add("active");
    tab.classList.add("active");
  };
  $("tabs").insertBefore(tab, $("new-client"));
  $("clients").append(panel);

  const status = el("span", { class: "badge" }, "connecting");
  const who = el("span", { class: "muted" });
  const log = el("ol", { class: "log" });
  let socket = null;
  const ctx = { types: protocol.types, depth: 0 };
  const bodyOf = (m) => (m.body.kind === "ref" ? protocol.types.get(m.body.name)?.type : m.body);

  const entry = (dir, action, ...children) => {
    log.prepend(
      el(
        "li",
        { "data-dir": dir, "data-action": action },
        el("span", { class: `dir-${dir}` }, dir === "in" ? "← " : dir === "out" ? "→ " : "· "),
        `${new Date().toISOString().slice(11, 23)} `,
        ...children,
      ),
    );
  };

  const connect = () => {
    const target = $("target").value.trim();
    socket = openSocket(target);
    socket.binaryType = "arraybuffer";
    status.textContent = "connecting";
    status.className = "badge";
    socket.onopen = () => entry("event", "open", `socket open to ${target}`);
    socket.onmessage = (event) => {
      if (typeof event.data === "string") {
        entry("event", "text", el("span", { class: "error" }, "a text message: repod sends binary msgpack"));
        return;
      }
      let message;
      try {
        message = decode(new Uint8Array(event.data));
      } catch (error) {
        entry("in", "?", el("span", { class: "error" }, `not msgpack: ${error.message}`));
        return;
      }
      received(message);
    };
    socket.onclose = (event) => {
      status.textContent = "closed";
      status.className = "badge bad";
      entry("event", "close", `closed${event.code ? ` (${event.code}${event.reason ? `: ${event.reason}` : ""})` : ""}`);
      connectButton.textContent = "connect";
    };
    connectButton.textContent = "disconnect";
  };

  const received = (message) => {
    const action = message && typeof message === "object" ? message.action : undefined;
    if (typeof action !== "string") {
      entry("in", "?", el("span", { class: "error" }, "not a message (no string action)"), " ", showTyped(message, null, ctx));
      return;
    }
    if (action === "connected") {
      const same = message.fingerprint === undefined || message.fingerprint === protocol.descriptor.fingerprint;
      status.textContent = same ? "connected" : "protocol differs";
      status.className = `badge ${same ? "ok" : "warn"}`;
      who.textContent = ` as ${message.id ?? "?"}`;
      entry(
        "event",
        "connected",
        `connected as ${message.id ?? "?"}`,
        message.protocol !== undefined ? ` · server protocol ${message.protocol} (${message.fingerprint})` : " · untyped server",
        same ? "" : el("span", { class: "error" }, ` — this page plays ${protocol.model.name} (${protocol.descriptor.fingerprint})`),
      );
      return;
    }
    if (action.startsWith("_")) return; // the runtime's control frames
    const model = protocol.model.server.find((m) => m.action === action);
    const validate = protocol.descriptor.server[action];
    const problem = validate ? validate(message) : "not declared by the protocol";
    const { action: _, ...fields } = message;
    entry(
      "in",
      action,
      el("b", {}, action),
      " ",
      el("span", { class: "type" }, `${pascal(protocol.model.name)}ServerMessages["${action}"]`),
      " ",
      problem === undefined ? el("span", { class: "badge ok" }, "valid") : el("span", { class: "badge bad", "data-problem": problem }, problem),
      showTyped(fields, model ? bodyOf(model) : null, ctx),
    );
  };

  const connectButton = el("button", { type: "button", onclick: () => (socket && socket.readyState <= 1 ? socket.close() : connect()) }, "disconnect");

  const forms = protocol.model.client.map((m) =>
    messageForm(m, protocol, ctx, bodyOf(m), (message) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return "not connected";
      socket.send(encode(message));
      const { action: _, ...fields } = message;
      entry(
        "out",
        message.action,
        el("b", {}, message.action),
        " ",
        el("span", { class: "type" }, `${pascal(protocol.model.name)}ClientMessages["${message.action}"]`),
        showTyped(fields, bodyOf(m), ctx),
      );
      return undefined;
    }),
  );

  panel.append(
    el(
      "div",
      { class: "column" },
      el("div", { class: "status" }, status, who, " ", connectButton),
      el("h2", {}, "Send"),
      forms.length ? forms : el("p", { class: "muted" }, "this protocol declares no client messages"),
    ),
    el("div", { class: "column" }, el("h2", {}, "Log"), log),
  );
  select();
  connect();
}

/** One message's form: fields from its type, or its JSON; checked by the generated validator before sending. */
function messageForm(message, protocol, ctx, body, send) {
  const fields = objectWidget(body?.fields ?? [], ctx, "");
  const json = el("textarea", { rows: "4", "data-json": message.action, hidden: true });
  const asJson = el("input", { type: "checkbox", "data-as-json": message.action });
  asJson.addEventListener("change", () => {
    if (asJson.checked) json.value = JSON.stringify(fields.read(), null, 1);
    json.hidden = !asJson.checked;
    fields.node.hidden = asJson.checked;
  });
  const problem = el("p", { class: "problem", "data-problem-of": message.action });
  const form = el(
    "form",
    { "data-action": message.action },
    el("h3", {}, message.action, el("span", { class: "type" }, `  ${printType(body ?? { kind: "object", fields: [] })}`)),
    message.doc ? el("p", { class: "doc" }, message.doc) : null,
    fields.node,
    json,
    el("div", { class: "field" }, el("button", { type: "submit" }, "send"), el("label", {}, asJson, " edit as JSON")),
    problem,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let value;
    if (asJson.checked) {
      try {
        value = JSON.parse(json.value);
      } catch (error) {
        problem.textContent = `not JSON: ${error.message}`;
        return;
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        problem.textContent = "not JSON of an object";
        return;
      }
    } else value = fields.read();
    // The action first on the wire, and the form's own (a field named action in the JSON cannot replace it).
    const outgoing = { action: message.action, ...value };
    outgoing.action = message.action;
    const validate = protocol.descriptor.client[message.action];
    const refused = validate ? validate(outgoing) : undefined;
    if (refused !== undefined) {
      problem.textContent = refused;
      return;
    }
    problem.textContent = send(outgoing) ?? "";
  });
  return form;
}

/** PascalCase of a protocol's name, as the generated file names its types: lag_time → LagTime. */
function pascal(name) {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}

load().catch((error) => {
  $("fatal").textContent = `the playground could not start: ${error.message}`;
});

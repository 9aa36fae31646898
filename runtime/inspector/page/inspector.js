// The inspector's page: plain JavaScript, no build. It presents the token over
// a WebSocket to /live, then draws each snapshot the server sends. Everything
// that came from clients is put in the page as text, never as HTML.

const $ = (id) => document.getElementById(id);

/** Makes an element: el("td", { class: "num" }, "12"). */
function el(tag, attrs = {}, ...children) {
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

function row(cells, attrs = {}) {
  return el(
    "tr",
    attrs,
    cells.map((cell) => (cell instanceof Node && cell.tagName === "TD" ? cell : el("td", {}, cell))),
  );
}

function head(names) {
  return el(
    "tr",
    {},
    names.map((name) => el("th", {}, name)),
  );
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function duration(ms) {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** PascalCase of a protocol's name, as the generated file names its types: lag_time → LagTime. */
function pascal(name) {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}

// ---- connection -----------------------------------------------------------------

let socket = null;
let last = null;
const history = []; // { t, in, out } per update, for the chart
const log = []; // the last 300 entries
const HISTORY = 120;
const WINDOW_S = 10;

function tokenFromUrl() {
  const hash = new URLSearchParams(location.hash.slice(1));
  return hash.get("token") ?? sessionStorage.getItem("repod-inspector-token") ?? "";
}

function setStatus(text, kind) {
  const status = $("status");
  status.textContent = text;
  status.className = `badge ${kind ?? ""}`;
}

function showLogin(error) {
  $("main").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = error ?? "";
}

function connect(token) {
  if (!token) {
    showLogin();
    setStatus("token required", "warn");
    return;
  }
  const url = new URL("live", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(url);
  setStatus("connecting…");
  socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "snapshot") {
      sessionStorage.setItem("repod-inspector-token", token);
      $("login").hidden = true;
      $("main").hidden = false;
      setStatus("live", "ok");
      draw(message);
    } else if (message.type === "done" || message.type === "refused") {
      const result = $("command-result");
      const what = `${message.request.type} ${message.request.id ?? ""}${message.request.group ? ` (${message.request.group})` : ""}`;
      result.textContent = message.type === "done" ? `done: ${what}` : `refused: ${what}: ${message.reason}`;
      result.className = `small ${message.type === "done" ? "" : "error"}`;
      result.dataset.result = message.type;
    }
  };
  socket.onclose = (event) => {
    if (event.code === 4401) {
      sessionStorage.removeItem("repod-inspector-token");
      showLogin(`refused: ${event.reason}`);
      setStatus("token refused", "bad");
      return;
    }
    setStatus("disconnected — retrying", "bad");
    setTimeout(() => connect(token), 2000);
  };
}

function request(command) {
  socket?.send(JSON.stringify(command));
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  connect($("token").value);
});

// ---- drawing ----------------------------------------------------------------------

function draw(snapshot) {
  last = snapshot;
  const server = snapshot.server;
  $("server-line").textContent = [
    `server ${server.id}`,
    server.protocol ? `protocol ${server.protocol.name} (${server.protocol.fingerprint})` : "untyped",
    server.tcp && `tcp ${server.tcp}`,
    server.websocket && `websocket ${server.websocket}`,
    `up ${duration(server.uptimeMs)}`,
    server.readOnly && "read-only",
  ]
    .filter(Boolean)
    .join(" · ");
  drawTotals(snapshot);
  drawChannels(snapshot);
  drawGroups(snapshot);
  drawErrors(snapshot);
  drawCluster(snapshot);
  const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  history.push({ t: snapshot.t, in: sum(snapshot.rates.in), out: sum(snapshot.rates.out), rates: snapshot.rates, intervalMs: snapshot.intervalMs });
  if (history.length > HISTORY) history.shift();
  drawChart();
  if (!$("pause").checked && snapshot.log.length > 0) {
    log.push(...snapshot.log);
    if (log.length > 300) log.splice(0, log.length - 300);
    drawLog();
  }
}

function drawTotals(snapshot) {
  const { totals, groups } = snapshot;
  $("totals").replaceChildren(
    el("h2", {}, "Now"),
    el(
      "table",
      {},
      row(["channels", el("td", { class: "num", "data-testid": "total-channels" }, totals.channels)]),
      row(["connected", el("td", { class: "num" }, totals.connected)]),
      row(["suspended", el("td", { class: "num" }, totals.channels - totals.connected)]),
      row(["groups", el("td", { class: "num" }, groups.length)]),
    ),
  );
}

function drawChannels(snapshot) {
  const table = $("channels");
  const rows = [head(["id", "server", "address", "transport", "state", "groups", "presence", "in", "out", "rtt", ""])];
  for (const c of snapshot.channels) {
    const groupInput = el("input", { class: "group", placeholder: "group", "aria-label": `group for ${c.id}` });
    const actions = [
      el("button", { class: "small", "data-action": "close", onclick: () => request({ type: "close", id: c.id }) }, "close"),
      groupInput,
      el("button", { class: "small", "data-action": "join", onclick: () => request({ type: "join", id: c.id, group: groupInput.value }) }, "join"),
      el("button", { class: "small", "data-action": "leave", onclick: () => request({ type: "leave", id: c.id, group: groupInput.value }) }, "leave"),
    ];
    rows.push(
      row(
        [
          c.id,
          el(
            "td",
            { title: c.server === snapshot.server.id ? "this server" : "another server of the cluster" },
            c.server === snapshot.server.id ? "this one" : c.server,
          ),
          c.address,
          c.transport || "—",
          el("td", {}, el("span", { class: `badge ${c.connected ? "ok" : "warn"}` }, c.connected ? "connected" : "suspended")),
          c.groups.join(", "),
          el("td", { class: "presence", title: c.presence === null ? "" : JSON.stringify(c.presence) }, c.presence === null ? "" : JSON.stringify(c.presence)),
          el("td", { class: "num" }, `${c.in.messages} · ${bytes(c.in.bytes)}`),
          el("td", { class: "num" }, `${c.out.messages} · ${bytes(c.out.bytes)}`),
          el("td", { class: "num rtt" }, c.rtt === null ? "—" : `${c.rtt} ms`),
          el("td", {}, actions),
        ],
        { "data-channel": c.id, "data-server": c.server },
      ),
    );
  }
  // Keep what is being typed in a group box across updates.
  const focused = document.activeElement?.closest?.("tr")?.dataset.channel;
  const typed = focused && document.activeElement.value;
  table.replaceChildren(...rows);
  if (focused) {
    const input = table.querySelector(`tr[data-channel="${CSS.escape(focused)}"] input.group`);
    if (input) {
      input.value = typed;
      input.focus();
    }
  }
  const { totals } = snapshot;
  $("channels-note").textContent = totals.listed < totals.channels ? `(first ${totals.listed} of ${totals.channels})` : `(${totals.channels})`;
  const select = $("filter-channel");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "all"), ...snapshot.channels.map((c) => el("option", { value: c.id }, c.id)));
  select.value = chosen;
}

function drawGroups(snapshot) {
  $("groups").replaceChildren(
    head(["group", "members"]),
    ...snapshot.groups.map((g) => row([g.name, el("td", { class: "num", "data-group": g.name }, g.size)])),
  );
}

function drawErrors(snapshot) {
  const entries = Object.entries(snapshot.errors);
  $("errors").replaceChildren(
    head(["code", "count"]),
    ...(entries.length ? entries.map(([code, n]) => row([code, el("td", { class: "num" }, n)])) : [row([el("td", { class: "muted" }, "none")])]),
  );
}

function drawCluster(snapshot) {
  const cluster = snapshot.cluster;
  if (cluster.error) {
    $("cluster").replaceChildren(el("p", { class: "error" }, `the adapter cannot tell: ${cluster.error}`));
    return;
  }
  $("cluster").replaceChildren(
    el(
      "table",
      {},
      head(["server", "channels", "groups", "inspector"]),
      cluster.servers.map((s) =>
        row([
          s.id === snapshot.server.id ? `${s.id} (this one)` : s.id,
          el("td", { class: "num" }, s.channels),
          Object.entries(s.groups)
            .map(([g, n]) => `${g} ${n}`)
            .join(", "),
          el("td", { "data-inspector": s.id }, s.inspector ? "yes" : "none: its channels are counted, not listed"),
        ]),
      ),
    ),
    el("p", { class: "muted small" }, `${cluster.total} members in all`),
    cluster.askError ? el("p", { class: "error small" }, `the other servers could not be asked: ${cluster.askError}`) : "",
  );
}

function drawChart() {
  const svg = $("chart");
  const W = 600,
    H = 120;
  const perSecond = (h, key) => (h[key] * 1000) / h.intervalMs;
  const max = Math.max(1, ...history.map((h) => Math.max(perSecond(h, "in"), perSecond(h, "out"))));
  const line = (key) => history.map((h, i) => `${(i / (HISTORY - 1)) * W},${H - 4 - (perSecond(h, key) / max) * (H - 12)}`).join(" ");
  const ns = "http://www.w3.org/2000/svg";
  const poly = (points, color) => {
    const p = document.createElementNS(ns, "polyline");
    p.setAttribute("points", points);
    p.setAttribute("fill", "none");
    p.setAttribute("stroke", color);
    p.setAttribute("stroke-width", "2");
    p.setAttribute("vector-effect", "non-scaling-stroke");
    return p;
  };
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", "4");
  label.setAttribute("y", "12");
  label.setAttribute("font-size", "10");
  label.setAttribute("fill", "#8a90a0");
  label.textContent = `${max.toFixed(0)}/s`;
  svg.replaceChildren(label, poly(line("in"), "#1f6fb2"), poly(line("out"), "#7d3cb5"));
  const now = history.at(-1);
  $("legend").replaceChildren(
    el("span", { class: "dir-in" }, `■ in ${now ? perSecond(now, "in").toFixed(1) : 0}/s`),
    "  ",
    el("span", { class: "dir-out" }, `■ out ${now ? perSecond(now, "out").toFixed(1) : 0}/s`),
    `  (per action: the last ${WINDOW_S} s)`,
  );
  // Per action, over the last WINDOW_S seconds: a burst stays readable after it ends.
  const actions = new Map();
  let span = 0;
  for (let i = history.length - 1; i >= 0 && span < WINDOW_S * 1000; i--) {
    const h = history[i];
    span += h.intervalMs;
    for (const [dir, counts] of [
      ["in", h.rates.in],
      ["out", h.rates.out],
    ]) {
      for (const [action, n] of Object.entries(counts)) actions.set(`${dir} ${action}`, (actions.get(`${dir} ${action}`) ?? 0) + n);
    }
  }
  $("actions").replaceChildren(
    head(["direction", "action", "messages", "per second"]),
    ...[...actions].sort().map(([key, n]) => {
      const [dir, action] = key.split(" ");
      return row(
        [
          el("td", { class: `dir-${dir}` }, dir === "in" ? "client → server" : "server → client"),
          action,
          el("td", { class: "num" }, n),
          el("td", { class: "num" }, ((n * 1000) / Math.max(span, 1)).toFixed(1)),
        ],
        { "data-rate": key },
      );
    }),
  );
  for (const [id, key] of [
    ["filter-action", "action"],
    ["filter-server", "server"],
  ]) {
    const select = $(id);
    const chosen = select.value;
    const known = new Set([...select.options].map((o) => o.value));
    for (const entry of log) {
      const value = entry[key];
      if (typeof value !== "string" || known.has(value)) continue;
      known.add(value);
      select.append(el("option", { value }, value));
    }
    select.value = chosen;
  }
}

/**
 * A logged message as the server described it against the protocol file:
 * each field as `name: value Type`, nested; notes (an undeclared field, a
 * value of another kind) after it.
 */
function declared(view) {
  const items = (view.children ?? []).map((child) =>
    el(
      "li",
      {},
      child.name === undefined ? "" : `${child.name}: `,
      child.value === undefined ? "" : `${child.value} `,
      child.type ? el("span", { class: "type" }, child.type) : "",
      child.note ? el("span", { class: "note" }, ` ${child.note}`) : "",
      child.children ? declared(child) : "",
    ),
  );
  return el("ul", { class: "payload" }, items);
}

function drawLog() {
  const channel = $("filter-channel").value;
  const action = $("filter-action").value;
  const server = $("filter-server").value;
  const here = last?.server.id;
  const protocol = last?.server.protocol;
  const shown = log
    .filter((e) => (!channel || e.channel === channel) && (!action || e.action === action) && (!server || e.server === server))
    .slice(-100)
    .reverse();
  $("log").replaceChildren(
    ...shown.map((e) => {
      const typeName = protocol ? `${pascal(protocol.name)}${e.dir === "in" ? "Client" : "Server"}Messages["${e.action}"]` : e.action;
      const verdict =
        e.check === "ok"
          ? el("span", { class: "badge ok" }, "valid")
          : el("span", { class: `badge ${e.check === "undeclared" ? "warn" : "bad"}`, title: e.check }, e.check);
      return el(
        "li",
        { "data-dir": e.dir, "data-action": e.action, "data-channel": e.channel, "data-server": e.server ?? "" },
        el("span", { class: `dir-${e.dir}` }, e.dir === "in" ? "→ " : "← "),
        `${new Date(e.t).toISOString().slice(11, 23)} `,
        e.server && e.server !== here ? el("span", { class: "server", title: "another server of the cluster" }, `${e.server} `) : "",
        `${e.channel} `,
        el("b", {}, e.action),
        " ",
        el("span", { class: "type" }, typeName),
        ` ${e.bytes} B `,
        e.copies > 1 ? `to ${e.copies} channels ` : "",
        verdict,
        e.view.type ? el("span", { class: "type" }, ` ${e.view.type}`) : "",
        e.view.value === undefined ? "" : ` ${e.view.value}`,
        declared(e.view),
      );
    }),
  );
}

$("filter-channel").addEventListener("change", drawLog);
$("filter-action").addEventListener("change", drawLog);
$("filter-server").addEventListener("change", drawLog);

connect(tokenFromUrl());

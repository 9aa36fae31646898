/**
 * Tag in the browser: a TagListener pumped by requestAnimationFrame. On
 * connecting it asks to join (a request: the answer is who I am and the
 * arena). Then it sends only which way the player pushes (when it changes); it draws
 * what the server says, easing between the last two states so that 30
 * states a second look smooth at any frame rate.
 */
import type { ConnectedEvent, DisconnectedEvent, ErrorEvent, RepodError } from "repod";
import { type Arena, type Axis, type TagServerMessages as In, type PlayerState, TagListener } from "../../generated/tag.ts";

const canvas = document.getElementById("arena") as HTMLCanvasElement;
const context = canvas.getContext("2d")!;
const status = document.getElementById("status")!;
const name = new URLSearchParams(location.search).get("name") ?? `runner ${Math.floor(Math.random() * 900 + 100)}`;

type State = In["state"];

class TagClient extends TagListener {
  you = "";
  arena: Arena | null = null;
  /** The last two states, to ease between them. */
  previous: State | null = null;
  current: State | null = null;
  receivedAt = 0;
  tags: In["tagged"][] = [];

  Network_connected(_data: ConnectedEvent): void {
    void this.join();
  }
  async join(): Promise<void> {
    try {
      const { you, arena } = await this.request("join", { name });
      this.you = you;
      this.arena = arena;
      canvas.width = arena.width;
      canvas.height = arena.height;
    } catch (error) {
      status.textContent = `could not join: ${(error as RepodError).message}`;
    }
  }
  Network_state(data: State): void {
    this.previous = this.current;
    this.current = data;
    this.receivedAt = performance.now();
  }
  Network_tagged(data: In["tagged"]): void {
    this.tags.push(data);
  }
  Network_error(data: ErrorEvent): void {
    status.textContent = `error: ${data.message}`;
  }
  Network_disconnected(_data: DisconnectedEvent): void {
    status.textContent = "disconnected — reload to play again";
  }

  /** My player in the latest state. */
  me(): PlayerState | undefined {
    return this.current?.players.find((p) => p.id === this.you);
  }
}

const client = new TagClient();
(window as unknown as { tag: TagClient }).tag = client;
void client.connect(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);

// ---- input: keys (or a held pointer) give a direction, sent when it changes ----------

const held = new Set<string>();
const KEYS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  KeyA: [-1, 0],
  ArrowRight: [1, 0],
  KeyD: [1, 0],
  ArrowUp: [0, -1],
  KeyW: [0, -1],
  ArrowDown: [0, 1],
  KeyS: [0, 1],
};
let pointer: { x: number; y: number } | null = null;
let sent = "0,0";

addEventListener("keydown", (event) => {
  if (event.code in KEYS) {
    held.add(event.code);
    event.preventDefault();
  }
});
addEventListener("keyup", (event) => held.delete(event.code));
addEventListener("blur", () => held.clear());
const aim = (event: PointerEvent): void => {
  const box = canvas.getBoundingClientRect();
  pointer = { x: ((event.clientX - box.left) / box.width) * canvas.width, y: ((event.clientY - box.top) / box.height) * canvas.height };
};
canvas.addEventListener("pointerdown", (event) => {
  canvas.setPointerCapture(event.pointerId);
  aim(event);
});
canvas.addEventListener("pointermove", (event) => {
  if (pointer) aim(event);
});
canvas.addEventListener("pointerup", () => (pointer = null));

function axis(value: number): Axis {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

function direction(): [Axis, Axis] {
  let dx = 0;
  let dy = 0;
  for (const code of held) {
    dx += KEYS[code]![0];
    dy += KEYS[code]![1];
  }
  const me = client.me();
  if (pointer && me && dx === 0 && dy === 0) {
    // Toward the pointer, with a dead zone so the runner stops under it.
    const [ax, ay] = [pointer.x - me.x, pointer.y - me.y];
    const dead = 12;
    dx = Math.abs(ax) > dead && Math.abs(ax) > Math.abs(ay) / 2.4 ? ax : 0;
    dy = Math.abs(ay) > dead && Math.abs(ay) > Math.abs(ax) / 2.4 ? ay : 0;
  }
  return [axis(dx), axis(dy)];
}

function sendInput(): void {
  if (!client.you) return;
  const [dx, dy] = direction();
  const now = `${dx},${dy}`;
  if (now === sent) return;
  sent = now;
  client.send({ action: "input", dx, dy });
}

// ---- drawing ----------------------------------------------------------------------------

function render(): void {
  const arena = client.arena;
  const state = client.current;
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!arena || !state) return;
  context.fillStyle = "#4a5670";
  for (const o of arena.obstacles) context.fillRect(o.x, o.y, o.w, o.h);
  const ease = Math.min(1, (performance.now() - client.receivedAt) / (1000 / 30));
  const before = new Map(client.previous?.players.map((p) => [p.id, p]) ?? []);
  const r = arena.playerRadius;
  context.textAlign = "center";
  context.font = "16px system-ui, sans-serif";
  for (const player of state.players) {
    const from = before.get(player.id) ?? player;
    const x = from.x + (player.x - from.x) * ease;
    const y = from.y + (player.y - from.y) * ease;
    context.beginPath();
    context.arc(x, y, r, 0, Math.PI * 2);
    context.fillStyle = player.id === state.it ? "#e5484d" : "#46a758";
    context.fill();
    if (player.id === client.you) {
      context.lineWidth = 4;
      context.strokeStyle = "#ffffff";
      context.stroke();
    }
    context.fillStyle = "#e8e8e8";
    // Kept inside the canvas, even for a runner along a wall.
    const labelX = Math.min(canvas.width - 70, Math.max(70, x));
    context.fillText(`${player.name} · ${player.tags}`, labelX, y < 2 * r + 20 ? y + r + 20 : y - r - 8);
  }
  const it = state.players.find((p) => p.id === state.it);
  status.textContent = `${state.players.length} running · ${it ? (it.id === client.you ? "you are it!" : `${it.name} is it`) : ""}`;
}

function frame(): void {
  client.pump();
  sendInput();
  render();
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

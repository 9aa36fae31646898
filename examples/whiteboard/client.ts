/**
 * The whiteboard in the browser: a WhiteboardListener pumped by
 * requestAnimationFrame. Pointer moves are gathered and sent once per frame
 * as one `extend`; what is on the canvas is what the server said, so every
 * window shows the same board.
 */
import type { ConnectedEvent, DisconnectedEvent, ErrorEvent } from "repod";
import { type WhiteboardServerMessages as In, type Point, type Stroke, WhiteboardListener } from "../../generated/whiteboard.ts";

const canvas = document.getElementById("board") as HTMLCanvasElement;
const context = canvas.getContext("2d")!;
const colorInput = document.getElementById("color") as HTMLInputElement;
const widthInput = document.getElementById("width") as HTMLInputElement;
const nameInput = document.getElementById("name") as HTMLInputElement;
const status = document.getElementById("status")!;

class WhiteboardClient extends WhiteboardListener {
  /** Every stroke on the board, by id, in drawing order. */
  readonly strokes = new Map<string, Stroke>();
  /** Ids of the strokes whose author lifted the pen. */
  readonly finished = new Set<string>();
  you = "";
  online = 0;
  connected = false;

  Network_connected(_data: ConnectedEvent): void {
    this.connected = true;
  }
  Network_board(data: In["board"]): void {
    this.you = data.you;
    canvas.width = data.width;
    canvas.height = data.height;
    this.strokes.clear();
    for (const stroke of data.strokes) this.strokes.set(stroke.id, stroke);
    redraw(this.strokes);
    this.showStatus();
  }
  Network_begun(data: In["begun"]): void {
    const { id, color, width, author, at } = data;
    const stroke: Stroke = { id, color, width, author, points: [at] };
    this.strokes.set(id, stroke);
    drawSegment(stroke, 0);
  }
  Network_extended(data: In["extended"]): void {
    const stroke = this.strokes.get(data.id);
    if (!stroke) return;
    const from = stroke.points.length - 1;
    stroke.points.push(...data.points);
    drawSegment(stroke, from);
  }
  Network_ended(data: In["ended"]): void {
    this.finished.add(data.id);
  }
  Network_cleared(_data: In["cleared"]): void {
    this.strokes.clear();
    redraw(this.strokes);
  }
  Network_online(data: In["online"]): void {
    this.online = data.count;
    this.showStatus();
  }
  Network_error(data: ErrorEvent): void {
    status.textContent = `error: ${data.message}`;
  }
  Network_disconnected(_data: DisconnectedEvent): void {
    this.connected = false;
    status.textContent = "disconnected — reload to draw again";
  }

  private showStatus(): void {
    status.textContent = `${this.online} online`;
  }
}

/** Draws `stroke` from its point `from` to its end. */
function drawSegment(stroke: Stroke, from: number): void {
  const points = stroke.points;
  context.strokeStyle = stroke.color;
  context.fillStyle = stroke.color;
  context.lineWidth = stroke.width;
  context.lineCap = "round";
  context.lineJoin = "round";
  if (points.length === 1) {
    context.beginPath();
    context.arc(points[0]!.x, points[0]!.y, stroke.width / 2, 0, Math.PI * 2);
    context.fill();
    return;
  }
  context.beginPath();
  context.moveTo(points[Math.max(0, from)]!.x, points[Math.max(0, from)]!.y);
  for (let i = Math.max(1, from + 1); i < points.length; i++) context.lineTo(points[i]!.x, points[i]!.y);
  context.stroke();
}

function redraw(strokes: Map<string, Stroke>): void {
  context.clearRect(0, 0, canvas.width, canvas.height);
  for (const stroke of strokes.values()) drawSegment(stroke, 0);
}

const client = new WhiteboardClient();
(window as unknown as { whiteboard: WhiteboardClient }).whiteboard = client;
void client.connect(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);

// ---- input: points gathered per frame ---------------------------------------------

let pending: Point[] = [];
let drawing = false;

function boardPoint(event: PointerEvent): Point {
  const box = canvas.getBoundingClientRect();
  return { x: ((event.clientX - box.left) / box.width) * canvas.width, y: ((event.clientY - box.top) / box.height) * canvas.height };
}

canvas.addEventListener("pointerdown", (event) => {
  if (!client.connected) return;
  canvas.setPointerCapture(event.pointerId);
  drawing = true;
  pending = [];
  client.send({ action: "begin", color: colorInput.value, width: Number(widthInput.value), at: boardPoint(event) });
});
canvas.addEventListener("pointermove", (event) => {
  if (drawing) pending.push(boardPoint(event));
});
const finish = (): void => {
  if (!drawing) return;
  drawing = false;
  flush();
  client.send({ action: "end" });
};
canvas.addEventListener("pointerup", finish);
canvas.addEventListener("pointercancel", finish);
document.getElementById("clear")!.addEventListener("click", () => client.send({ action: "clear" }));
nameInput.addEventListener("change", () => client.send({ action: "name", name: nameInput.value }));

function flush(): void {
  if (pending.length === 0) return;
  client.send({ action: "extend", points: pending });
  pending = [];
}

// ---- the game loop --------------------------------------------------------------------

function frame(): void {
  flush();
  client.pump();
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

/**
 * Pong in the browser: the same PongListener as the terminal client, over
 * WebSocket, pumped by requestAnimationFrame and drawn on a canvas.
 */
import type { DisconnectedEvent, ErrorEvent } from "repod";
import { type PongServerMessages as In, PongListener } from "../../generated/pong.ts";

const canvas = document.getElementById("field") as HTMLCanvasElement;
const context = canvas.getContext("2d")!;
const status = document.getElementById("status")!;
const PADDLE_INSET = 30;
const PADDLE_WIDTH = 10;
const BALL_RADIUS = 8;

class BrowserPong extends PongListener {
  slot = -1;
  paddleHeight = 100;
  state: In["state"] | null = null;
  text = "connecting…";

  Network_welcome(data: In["welcome"]): void {
    this.slot = data.slot;
    this.paddleHeight = data.paddleHeight;
    canvas.width = data.width;
    canvas.height = data.height;
    this.text = `you are ${data.slot === 0 ? "left" : "right"}; first to ${data.winScore}`;
  }
  Network_full(data: In["full"]): void {
    this.text = `server full: ${data.text}`;
  }
  Network_waiting(data: In["waiting"]): void {
    this.text = data.text;
  }
  Network_start(_data: In["start"]): void {
    this.text = `playing on the ${this.slot === 0 ? "left" : "right"}`;
  }
  Network_state(data: In["state"]): void {
    this.state = data;
  }
  Network_scored(data: In["scored"]): void {
    this.text = `${data.slot === this.slot ? "you score" : "they score"}: ${data.score.join(" - ")}`;
  }
  Network_game_over(data: In["game_over"]): void {
    this.text = `game over: you ${data.winner === this.slot ? "win" : "lose"} ${data.score.join(" - ")} (rematch in 3 s)`;
  }
  Network_pong(_data: In["pong"]): void {}
  Network_error(data: ErrorEvent): void {
    this.text = `error ${data.code}: ${data.message}`;
  }
  Network_disconnected(_data: DisconnectedEvent): void {
    this.text = "disconnected — reload to play again";
  }
}

const pong = new BrowserPong();
(window as unknown as { pong: BrowserPong }).pong = pong;
void pong.connect(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);

// ---- input ------------------------------------------------------------------------------

const held = new Set<string>();
const UP = new Set(["KeyW", "ArrowUp"]);
const DOWN = new Set(["KeyS", "ArrowDown"]);
let touchY: number | null = null;
let sent: -1 | 0 | 1 = 0;

addEventListener("keydown", (event) => {
  if (UP.has(event.code) || DOWN.has(event.code)) {
    held.add(event.code);
    event.preventDefault();
  }
});
addEventListener("keyup", (event) => held.delete(event.code));
addEventListener("blur", () => held.clear());
canvas.addEventListener("pointerdown", (event) => {
  canvas.setPointerCapture(event.pointerId);
  touchY = fieldY(event);
});
canvas.addEventListener("pointermove", (event) => {
  if (touchY !== null) touchY = fieldY(event);
});
canvas.addEventListener("pointerup", () => (touchY = null));

function fieldY(event: PointerEvent): number {
  const box = canvas.getBoundingClientRect();
  return ((event.clientY - box.top) / box.height) * canvas.height;
}

function direction(): -1 | 0 | 1 {
  const up = [...held].some((code) => UP.has(code));
  const down = [...held].some((code) => DOWN.has(code));
  if (up !== down) return up ? -1 : 1;
  const paddle = pong.state && pong.slot >= 0 ? pong.state.paddles[pong.slot as 0 | 1] : null;
  if (touchY !== null && paddle !== null && Math.abs(touchY - paddle) > 10) return touchY < paddle ? -1 : 1;
  return 0;
}

// ---- the game loop ----------------------------------------------------------------------

function render(): void {
  context.fillStyle = "#000";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#333";
  for (let y = 0; y < canvas.height; y += 30) context.fillRect(canvas.width / 2 - 2, y, 4, 15);
  const state = pong.state;
  if (state) {
    context.font = "48px ui-monospace, monospace";
    context.textAlign = "center";
    context.fillStyle = "#666";
    context.fillText(String(state.score[0]), canvas.width / 4, 60);
    context.fillText(String(state.score[1]), (3 * canvas.width) / 4, 60);
    state.paddles.forEach((y, slot) => {
      context.fillStyle = slot === pong.slot ? "#4cc2ff" : "#eee";
      const x = slot === 0 ? PADDLE_INSET - PADDLE_WIDTH : canvas.width - PADDLE_INSET;
      context.fillRect(x, y - pong.paddleHeight / 2, PADDLE_WIDTH, pong.paddleHeight);
    });
    context.fillStyle = "#fff";
    context.beginPath();
    context.arc(state.ball.x, state.ball.y, BALL_RADIUS, 0, Math.PI * 2);
    context.fill();
  }
  status.textContent = pong.text;
}

function frame(): void {
  pong.pump();
  const dir = direction();
  if (dir !== sent && pong.slot >= 0) {
    sent = dir;
    pong.send({ action: "input", dir });
  }
  render();
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

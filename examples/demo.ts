/**
 * The main job: regenerates the SDKs from protocol/, starts the pong server
 * on a free port, and lets two bots play a match to 5 while printing the
 * play-by-play. Exits 0 when the match is over.
 *
 *   npm run demo
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)}s`.padStart(6);

console.log("repod demo: two bots play pong over TCP on 127.0.0.1\n");
const generated = execFileSync(process.execPath, ["bin/repod.js", "generate", "protocol", "--out", "generated"], { cwd: root, encoding: "utf8" });
console.log(`generated the SDKs: ${generated.trim().split("\n").pop()}`);

// Imported after generation, so that the classes come from the fresh SDK.
const { PongArena } = await import("./pong/server.ts");
const { PongBot } = await import("./pong/bot.ts");
const { FIELD } = await import("./pong/game.ts");

const server = new PongArena({ port: 0 });
await server.start();
const { host, port } = server.address;
console.log(`pong server listening on ${host}:${port}, ${FIELD.ticksPerSecond} ticks/s, first to ${FIELD.winScore}\n`);

const say = (text: string): void => console.log(`${elapsed()}  ${text}`);
const bots = [new PongBot("Ada", say), new PongBot("Grace", say)];
const name = (slot: number): string => bots.find((b) => b.slot === slot)?.name ?? `slot ${slot}`;

// The play-by-play comes from Ada's view of the match.
const [ada] = bots as [InstanceType<typeof PongBot>, InstanceType<typeof PongBot>];
ada.Network_start = () => say("both players are here: the match begins");
ada.Network_scored = (data) => say(`${name(data.slot)} scores! ${name(0)} ${data.score[0]} - ${data.score[1]} ${name(1)}`);

for (const bot of bots) await bot.connect(host, port);
const loop = setInterval(() => bots.forEach((bot) => bot.pump()), 1000 / 60);
const deadline = setTimeout(() => {
  console.error("the match did not finish within 90 s");
  process.exit(1);
}, 90_000);

await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    if (ada.over) {
      clearInterval(check);
      resolve();
    }
  }, 20);
});

const over = ada.over!;
const state = ada.state!;
say(`game over: ${name(over.winner)} wins ${Math.max(...over.score)}-${Math.min(...over.score)} after ${state.tick} ticks`);
for (const bot of bots) bot.close();
await new Promise((r) => setTimeout(r, 100));
bots.forEach((bot) => bot.pump());
clearInterval(loop);
clearTimeout(deadline);
await server.stop();

const rtts = bots.flatMap((b) => b.rtts);
const mean = rtts.reduce((a, b) => a + b, 0) / Math.max(1, rtts.length);
const sent = bots.reduce((n, b) => n + b.sent, 0);
const received = bots.reduce((n, b) => n + b.received, 0);
console.log(`
winner:             ${name(over.winner)} (${over.score[over.winner]}-${over.score[over.winner === 0 ? 1 : 0]})
match length:       ${(state.tick / FIELD.ticksPerSecond).toFixed(1)} s of play, ${state.tick} ticks
messages exchanged: ${sent} sent by the bots, ${received} received (state, events)
round trip (mean):  ${mean.toFixed(3)} ms over ${rtts.length} pings, as the 60 Hz game loop sees it`);

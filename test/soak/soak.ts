/**
 * `npm run soak -- --connections N --seconds S [--room R] [--rate L] [--lifetime T]`
 *
 * N players connect to a chat server in another process, join rooms of R,
 * say L lines a second each, and leave after about T seconds, each replaced
 * by a newcomer: churn, for S seconds after the first N are connected. Then
 * everyone leaves. Prints lines and deliveries per second, latency
 * percentiles, the server's resident memory and open file descriptors at
 * start, peak and end, and a last line `lost: N`.
 *
 * Exits non-zero when a line was lost, duplicated or reordered, a player was
 * dropped, a channel was left behind, or the server did not give back what
 * the players took:
 * - file descriptors: back to at most the start + 4;
 * - memory: what V8 still holds after a full GC (heap plus buffers) back to
 *   at most the start + 16 MiB: a leak of even 300 bytes per connection
 *   over a 10,000-player run shows. Resident memory is printed too, but not
 *   judged: the allocator keeps freed pages for reuse, so it falls only
 *   partly after a peak, leak or no leak.
 *
 * The process raises its own file limit (`ulimit -n`) to what N players
 * need and runs the server with the same.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { isMain, numberOptions } from "../../examples/args.ts";
import { spawnTs } from "../helpers/ts-child.ts";
import { LatencyHistogram, SoakPlayer, type SoakTally } from "./soak-client.ts";
import type { SoakServerStats } from "./soak-server.ts";

export interface SoakOptions {
  /** Players connected at once. @default 1000 */
  connections?: number;
  /** Seconds of churn after the first `connections` players are in. @default 30 */
  seconds?: number;
  /** Players per room; each line goes to the whole room. @default 10 */
  room?: number;
  /** Lines each player says per second. @default 0.1 */
  rate?: number;
  /** Mean seconds a player stays (uniform between a third and five thirds of it). @default 30, at most `seconds` */
  lifetime?: number;
  /** Connections being opened at once. @default 200 */
  concurrentConnects?: number;
  /** How long a line may take to come back before it counts as lost. @default 10000 */
  patienceMs?: number;
  /** Makes the server drop every 100th line, to prove the soak notices. @default none */
  sabotage?: "drop";
  /** Where progress and the summary go. @default console.log */
  print?: (line: string) => void;
}

export interface SoakResult {
  connections: number;
  seconds: number;
  rampSeconds: number;
  /** Players who joined during the whole run, the first N included. */
  players: number;
  said: number;
  delivered: number;
  saidPerSecond: number;
  deliveredPerSecond: number;
  latency: { p50: number; p99: number; max: number };
  server: {
    start: SoakServerStats;
    end: SoakServerStats;
  };
  loadGenerator: { rssStart: number; rssEnd: number; fdsStart: number; fdsEnd: number };
  lost: number;
  disorder: number;
  dropped: number;
  connectFailures: number;
  /** Players greeted by the server. */
  greeted: number;
  /** Players that left while still connecting, when the run ended. */
  abandoned: number;
  /** Failed attempts to connect that were retried. */
  retried: number;
  errors: Record<string, number>;
  failures: string[];
  ok: boolean;
}

const MiB = 1024 * 1024;
const TICK_MS = 10;
/** What the server may still hold after every player left and a full GC, beyond what it held at start. */
const MAX_HELD_GROWTH = 16 * MiB;

export async function soak(options: SoakOptions = {}): Promise<SoakResult> {
  const connections = options.connections ?? 1000;
  const seconds = options.seconds ?? 30;
  const roomSize = options.room ?? 10;
  const rate = options.rate ?? 0.1;
  const lifetimeMs = Math.min(options.lifetime ?? 30, seconds) * 1000;
  const concurrentConnects = options.concurrentConnects ?? 200;
  const patienceMs = options.patienceMs ?? 10_000;
  const print = options.print ?? ((line: string) => console.log(line));
  const failures: string[] = [];
  const rooms = Math.max(1, Math.ceil(connections / roomSize));

  print(
    `soak: ${connections} connections, ${seconds} s of churn, rooms of ${roomSize}, ${rate} lines/s per player, stays ${(lifetimeMs / 3000).toFixed(1)}–${((lifetimeMs * 5) / 3000).toFixed(1)} s`,
  );
  const server = spawnTs("test/soak/soak-server.ts", {
    nodeFlags: ["--expose-gc"],
    fileLimit: fileLimitFor(connections),
    env: { SOAK_SABOTAGE: options.sabotage ?? "" },
  });
  let stopping = false;
  void server.exited.then((code) => {
    if (!stopping) failures.unshift(`the server process died (exit ${code}):\n${server.stderr().trim().split("\n").slice(-20).join("\n")}`);
  });
  const { port } = await server.next<{ type: "ready"; port: number }>("ready");
  const stats = (gc = false): Promise<SoakServerStats> => server.request<SoakServerStats>({ type: "stats", gc }, "stats", 30_000);
  const start = await stats(true);
  const rssStart = process.memoryUsage.rss();
  const fdsStart = openFds();

  const tally: SoakTally = {
    said: 0,
    delivered: 0,
    lost: 0,
    disorder: 0,
    dropped: 0,
    connectFailures: 0,
    greeted: 0,
    abandoned: 0,
    retried: 0,
    errors: {},
    latency: new LatencyHistogram(),
    recent: new LatencyHistogram(),
  };
  const players = new Set<SoakPlayer>();
  let joined = 0;
  let connecting = 0;
  let phase: "ramp" | "churn" | "leaving" = "ramp";
  const meanGap = 1000 / rate;

  const stayMax = (lifetimeMs * 5) / 3;
  const newPlayer = (now: number): void => {
    // A third to five thirds of the mean stay.
    const stay = lifetimeMs / 3 + (stayMax - lifetimeMs / 3) * Math.random();
    const player = new SoakPlayer(tally, `room-${Math.floor(Math.random() * rooms)}`, now + stay);
    player.nextLineAt = now + Math.random() * meanGap;
    players.add(player);
    joined++;
    connecting++;
    void player.connect("127.0.0.1", port).finally(() => connecting--);
  };

  let churnStarted = 0;
  let rampSeconds = 0;
  const began = performance.now();
  let lastReport = began;
  let saidAtChurn = 0;
  let deliveredAtChurn = 0;
  let saidAtEnd = 0;
  let deliveredAtEnd = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const tick = (): void => {
    const now = performance.now();
    let chatting = 0;
    for (const player of players) {
      player.pump();
      switch (player.state) {
        case "chatting":
          chatting++;
          if (phase === "leaving" || (phase === "churn" && now >= player.leaveAt)) player.leave(now, patienceMs);
          else if (now >= player.nextLineAt) {
            player.say(now);
            player.nextLineAt = now + meanGap * (0.5 + Math.random());
          }
          break;
        case "leaving":
          if (player.outstanding === 0 || now >= player.leaveDeadline) player.finish();
          break;
        case "connecting":
          if (phase === "leaving") player.leave(now, patienceMs);
          break;
        case "gone":
          break;
      }
      if (player.state === "gone") players.delete(player);
    }
    if (phase === "ramp" && chatting >= connections) {
      phase = "churn";
      churnStarted = now;
      rampSeconds = (now - began) / 1000;
      saidAtChurn = tally.said;
      deliveredAtChurn = tally.delivered;
      tally.latency = new LatencyHistogram(); // latency under churn, not while thousands connect at once
      // The first wave leaves at times spread over a whole stay, so that churn is steady from the start.
      for (const player of players) player.leaveAt = now + Math.random() * stayMax;
      print(`  ramp: ${connections} players in after ${rampSeconds.toFixed(1)} s`);
    }
    if (phase !== "leaving") {
      while (players.size < connections && connecting < concurrentConnects) newPlayer(now);
    }
    if (phase === "churn" && now - churnStarted >= seconds * 1000) {
      phase = "leaving";
      saidAtEnd = tally.said;
      deliveredAtEnd = tally.delivered;
    }
    if (phase === "ramp" && now - began > 120_000 + connections * 10) {
      failures.push(`only ${chatting} of ${connections} players got in within ${((now - began) / 1000).toFixed(0)} s`);
      phase = "leaving";
    }
    if (now - lastReport >= 10_000) {
      lastReport = now;
      const recent = tally.recent;
      tally.recent = new LatencyHistogram();
      const ownDelay = `${(loopDelay.percentile(99) / 1e6).toFixed(0)}/${(loopDelay.max / 1e6).toFixed(0)}`;
      loopDelay.reset();
      void stats().then(
        (s) =>
          print(
            `  ${((now - began) / 1000).toFixed(0)} s: ${phase}, ${players.size} players (${joined} so far), ${tally.said} lines, ${tally.delivered} deliveries; ` +
              `last 10 s: latency p99 ${recent.quantile(0.99).toFixed(1)} ms, loop delay p99/max server ${s.loopDelayP99.toFixed(0)}/${s.loopDelayMax.toFixed(0)} ms, players ${ownDelay} ms; ` +
              `server rss ${mib(s.rss)}, ${s.fds} fds`,
          ),
        () => {},
      );
    }
    if (phase === "leaving" && players.size === 0) done();
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const loop = setInterval(tick, TICK_MS);
  await finished;
  clearInterval(loop);
  const churnSeconds = Math.max(0.001, (performance.now() - churnStarted) / 1000);

  // Every player has left: the server must let go of every channel, descriptor and byte.
  let end: SoakServerStats = await stats();
  for (const until = performance.now() + patienceMs; end.channels > 0 && performance.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    end = await stats();
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // let closed sockets' handles go
  end = await stats(true);
  const loadGenerator = { rssStart, rssEnd: process.memoryUsage.rss(), fdsStart, fdsEnd: openFds() };

  stopping = true;
  server.process.send({ type: "stop" });
  await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  server.process.kill();

  const said = (saidAtEnd || tally.said) - saidAtChurn;
  const delivered = (deliveredAtEnd || tally.delivered) - deliveredAtChurn;
  const measured = Math.min(seconds, churnSeconds);
  if (tally.lost > 0) failures.push(`${tally.lost} lines never came back to their sender`);
  if (tally.disorder > 0) failures.push(`${tally.disorder} lines came twice or out of order`);
  if (tally.dropped > 0) failures.push(`${tally.dropped} players were disconnected without leaving`);
  if (end.channels > 0) failures.push(`${end.channels} channels still open after every player left`);
  if (end.fds > start.fds + 4) failures.push(`the server holds ${end.fds} file descriptors, ${start.fds} at start`);
  const held = (stats: SoakServerStats): number => stats.heapUsed + stats.external;
  if (held(end) > held(start) + MAX_HELD_GROWTH) {
    failures.push(`the server still holds ${mib(held(end))} after GC (heap and buffers), ${mib(held(start))} at start`);
  }
  const result: SoakResult = {
    connections,
    seconds: measured,
    rampSeconds,
    players: joined,
    said,
    delivered,
    saidPerSecond: said / measured,
    deliveredPerSecond: delivered / measured,
    latency: { p50: tally.latency.quantile(0.5), p99: tally.latency.quantile(0.99), max: tally.latency.max },
    server: { start, end },
    loadGenerator,
    lost: tally.lost,
    disorder: tally.disorder,
    dropped: tally.dropped,
    connectFailures: tally.connectFailures,
    greeted: tally.greeted,
    abandoned: tally.abandoned,
    retried: tally.retried,
    errors: tally.errors,
    failures,
    ok: failures.length === 0,
  };
  report(result, print);
  return result;
}

function report(r: SoakResult, print: (line: string) => void): void {
  const s = r.server;
  const errors = (e: Record<string, number>): string =>
    Object.entries(e)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  print(
    `players: ${r.connections} at once, ${r.players} in all (${r.rampSeconds.toFixed(1)} s to get the first ${r.connections} in), ${r.greeted} greeted, ${r.connectFailures} failed connects, ${r.abandoned} still connecting at the end, ${r.retried} attempts retried`,
  );
  print(
    `messages: ${r.saidPerSecond.toFixed(0)} lines/s in, ${r.deliveredPerSecond.toFixed(0)} deliveries/s out (${r.said} lines, ${r.delivered} deliveries in ${r.seconds.toFixed(0)} s of churn)`,
  );
  print(
    `latency (send() to the receiver's pump(), game loop every ${TICK_MS} ms): p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, max ${r.latency.max.toFixed(1)} ms`,
  );
  print(`server rss: ${mib(s.start.rss)} at start, ${mib(s.end.peakRss)} peak, ${mib(s.end.rss)} at end`);
  print(
    `server heap + buffers after GC: ${mib(s.start.heapUsed + s.start.external)} at start, ${mib(s.end.heapUsed + s.end.external)} at end (limit: start + ${mib(MAX_HELD_GROWTH)})`,
  );
  print(`server open fds: ${s.start.fds} at start, ${s.end.peakFds} peak, ${s.end.fds} at end`);
  print(
    `load generator: rss ${mib(r.loadGenerator.rssStart)} at start, ${mib(r.loadGenerator.rssEnd)} at end; open fds ${r.loadGenerator.fdsStart} at start, ${r.loadGenerator.fdsEnd} at end`,
  );
  print(
    `server: ${s.end.accepted} connections accepted, ${s.end.said} lines, ${s.end.delivered} deliveries written, errors: ${errors(s.end.errors)}; players' errors: ${errors(r.errors)}`,
  );
  print(`disorder: ${r.disorder}, dropped: ${r.dropped}, channels left: ${s.end.channels}`);
  for (const failure of r.failures) print(`FAILED: ${failure}`);
  print(`lost: ${r.lost}`);
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** File descriptors a process wants for `connections` sockets, with room for the ones closing; at most the hard limit. */
function fileLimitFor(connections: number): number {
  return Math.min(fileLimits().hard, Math.max(1024, Math.ceil(connections * 1.25) + 512));
}

/** The soft and hard limits of open files of this process. */
function fileLimits(): { soft: number; hard: number } {
  const out = execFileSync("prlimit", ["--pid", String(process.pid), "--nofile", "--raw", "--noheadings", "--output=SOFT,HARD"], { encoding: "utf8" });
  const [soft, hard] = out
    .trim()
    .split(/\s+/)
    .map((v) => (v === "unlimited" ? Infinity : Number(v)));
  return { soft: soft!, hard: hard! };
}

if (isMain(import.meta.url)) {
  const options: SoakOptions = numberOptions(
    { connections: "connections", seconds: "seconds", room: "room", rate: "rate", lifetime: "lifetime" },
    "usage: npm run soak -- [--connections N] [--seconds S] [--room R] [--rate L] [--lifetime T]",
  );
  const connections = options.connections ?? 1000;
  const wanted = fileLimitFor(connections);
  if (wanted < connections + 256) {
    console.error(
      `soak: ${connections} connections need about ${connections + 256} open files; the hard limit is ${wanted} (raise it, e.g. in /etc/security/limits.conf)`,
    );
    process.exit(2);
  }
  if (fileLimits().soft < wanted) {
    // Node cannot raise its own limit: run again under a shell that does.
    const self = fileURLToPath(import.meta.url);
    const rerun = spawnSync("bash", ["-c", `ulimit -Sn ${wanted} && exec "$0" "$@"`, process.execPath, ...process.execArgv, self, ...process.argv.slice(2)], {
      stdio: "inherit",
    });
    process.exit(rerun.status ?? 1);
  }
  const result = await soak(options);
  process.exit(result.ok ? 0 : 1);
}

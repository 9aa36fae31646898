/**
 * `npm run fuzz -- --seconds N [--seed S] [--connections C] [--cases K]`
 *
 * Throws random and mutated frames at a live server (a child process: an
 * untyped echo server and a typed one on the generated kitchen-sink
 * protocol, validators on) over many connections while a well-behaved client checks that it is still
 * served, then prints what happened and ends with `crashes: N, lost: N`.
 * Exits non-zero on a crash, a hang, a lost or disordered message, a
 * connection dropped although its framing was intact, an oversized frame
 * not refused, a leaked channel, or memory that grew out of bounds.
 *
 * What is checked, case by case (see cases.ts):
 * - a case whose framing is intact is followed by a probe echo on the same
 *   connection, which must come back (the connection survives bad input);
 * - a frame claiming more than maxFrameBytes must get its connection closed;
 * - anything else may cost the attacker its connection, and nothing more;
 * - throughout, the well-behaved client's echoes must each come back exactly
 *   once, in order, and never stall for 5 s.
 *
 * A run is replayed case for case with the same `--seed` (network timing
 * still varies).
 */

import { isMain, numberOptions } from "../../examples/args.ts";
import { spawnTs, type TsChild } from "../helpers/ts-child.ts";
import { CASE_WEIGHTS, type CaseKind, type Dialect, type FuzzCase, makeCase } from "./cases.ts";
import { FuzzPeer } from "./fuzz-peer.ts";
import { Random } from "./random.ts";
import type { TargetStats } from "./target.ts";
import { Watchdog } from "./watchdog.ts";

export interface FuzzOptions {
  /** Stop generating cases after this long. @default 30 (when `cases` is not given either) */
  seconds?: number;
  /** Stop after this many cases. @default unlimited */
  cases?: number;
  /** Seed of the case generator. @default random */
  seed?: number;
  /** Hostile connections at once. @default 16 */
  connections?: number;
  /** The target's maxFrameBytes. @default 1048576 */
  maxFrameBytes?: number;
  /** Connections opened at the start that announce a maxFrameBytes frame, send one byte and stall. @default 200 */
  stalledClaims?: number;
  /** How long an answer may take before it counts as lost, or the server as hung. @default 5000 */
  patienceMs?: number;
  /** Makes the target misbehave, to prove the fuzzer notices: "drop" loses echoes, "crash" kills it. @default none */
  sabotage?: "drop" | "crash";
  /** Where progress and the summary go. @default console.log */
  print?: (line: string) => void;
}

export interface FuzzResult {
  seed: number;
  seconds: number;
  cases: number;
  byKind: Record<string, number>;
  /** Hostile connections opened. */
  connections: number;
  /** Intact-framing cases whose probe came back / were sent. */
  probes: { sent: number; answered: number };
  /** Frames over maxFrameBytes whose connection was closed / were sent. */
  oversized: { sent: number; closed: number };
  watchdog: { sent: number; back: number; duplicates: number; outOfOrder: number; stalls: number };
  /** Errors the target's channels reported, by code. */
  errors: Record<string, number>;
  target: { rssStart: number; rssPeak: number; rssEnd: number; accepted: number; dispatched: number; channelsLeft: number };
  claims: { connections: number; rssGrowth: number; arrayBuffersGrowth: number };
  crashes: number;
  lost: number;
  /** Every failure, in words (the first 50). */
  failures: string[];
  ok: boolean;
}

const MiB = 1024 * 1024;
/** The target's resident memory may grow at most this much over a run. */
const MAX_RSS_GROWTH = 512 * MiB;
/** Resident memory a connection that stalls mid-frame may cost the target (it has sent 5 bytes). */
const MAX_RSS_PER_STALLED_CLAIM = 64 * 1024;

export async function fuzz(options: FuzzOptions = {}): Promise<FuzzResult> {
  const seed = options.seed ?? (Math.random() * 0x1_0000_0000) >>> 0;
  const seconds = options.seconds ?? (options.cases === undefined ? 30 : Infinity);
  const maxCases = options.cases ?? Infinity;
  const lanes = options.connections ?? 16;
  const maxFrameBytes = options.maxFrameBytes ?? 1024 * 1024;
  const patienceMs = options.patienceMs ?? 5000;
  const print = options.print ?? ((line: string) => console.log(line));
  const rng = new Random(seed);
  const failures: string[] = [];
  const fail = (what: string): void => void (failures.length < 50 && failures.push(what));
  const byKind = Object.fromEntries(Object.keys(CASE_WEIGHTS).map((k) => [k, 0])) as Record<CaseKind, number>;
  let cases = 0;
  let connections = 0;
  const probes = { sent: 0, answered: 0 };
  const oversized = { sent: 0, closed: 0 };
  let crashes = 0;
  let lostProbes = 0;

  print(`fuzz: seed ${seed}, ${Number.isFinite(seconds) ? `${seconds} s` : `${maxCases} cases`}, ${lanes} hostile connections, maxFrameBytes ${maxFrameBytes}`);
  const target: TsChild = spawnTs("test/fuzz/target.ts", {
    env: { FUZZ_MAX_FRAME_BYTES: String(maxFrameBytes), FUZZ_SABOTAGE: options.sabotage ?? "" },
    echoStderr: options.sabotage === undefined,
  });
  let stopping = false;
  let aborted = false;
  void target.exited.then((code) => {
    if (stopping) return;
    crashes++;
    aborted = true;
    // First in the report: the connections it dropped on its way out are consequences.
    failures.unshift(`the server process died (exit ${code}); its last words:\n${target.stderr().trim().split("\n").slice(-20).join("\n")}`);
  });
  const { port, typedPort } = await target.next<{ type: "ready"; port: number; typedPort: number }>("ready");
  const stats = (): Promise<TargetStats> => target.request<TargetStats>({ type: "stats" }, "stats", patienceMs * 2);
  const start = await stats();

  // 1. Frames announced at maxFrameBytes that never come: memory must follow the bytes received, not the claims.
  const claimCount = options.stalledClaims ?? 200;
  const stalled: FuzzPeer[] = [];
  for (let i = 0; i < claimCount; i++) {
    const peer = await FuzzPeer.connect(port);
    await peer.greeting;
    const claim = new Uint8Array([0, 0, 0, 0, 0x81]);
    new DataView(claim.buffer).setUint32(0, maxFrameBytes);
    await peer.writeChunked(claim, rng);
    stalled.push(peer);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const withClaims = await stats();
  for (const peer of stalled) peer.destroy();
  const claims = {
    connections: claimCount,
    rssGrowth: withClaims.rss - start.rss,
    arrayBuffersGrowth: withClaims.arrayBuffers - start.arrayBuffers,
  };
  if (claims.rssGrowth > claimCount * MAX_RSS_PER_STALLED_CLAIM) {
    fail(`${claimCount} connections stalled mid-frame made the server's resident memory grow by ${mib(claims.rssGrowth)}`);
  }

  // 2. The well-behaved client.
  const watchdog = new Watchdog(patienceMs);
  await watchdog.connect("127.0.0.1", port);
  watchdog.start();

  // 3. The hostile connections.
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const nextCase = (dialect: Dialect): FuzzCase | null => {
    if (aborted || cases >= maxCases || performance.now() >= deadline) return null;
    cases++;
    const made = makeCase(rng, maxFrameBytes, dialect);
    byKind[made.kind]++;
    return made;
  };
  let probeSeq = 0;
  const describe = (c: FuzzCase): string =>
    `case ${c.kind} (${c.bytes.length} bytes: ${Buffer.from(c.bytes.subarray(0, 48)).toString("hex")}${c.bytes.length > 48 ? "…" : ""})`;

  const lane = async (index: number): Promise<void> => {
    const chunking = new Random(seed ^ (index * 0x9e3779b9));
    // Every other lane attacks the typed server, whose validators see each message first.
    const dialect: Dialect = index % 2 === 1 ? "typed" : "untyped";
    const lanePort = dialect === "typed" ? typedPort : port;
    const probeMessage = dialect === "typed" ? (n: number) => ({ action: "store", key: "probe", value: n }) : undefined;
    let peer: FuzzPeer | null = null;
    let unchecked = 0; // cases left to write on a connection whose framing is lost
    while (!aborted) {
      if (peer === null || peer.isClosed) {
        try {
          peer = await FuzzPeer.connect(lanePort);
        } catch (error) {
          if (!aborted) fail(`could not connect: ${String(error)}`);
          return;
        }
        connections++;
        unchecked = 0;
      }
      const c = nextCase(dialect);
      if (c === null) break;
      await peer.writeChunked(c.bytes, chunking);
      if (unchecked > 0) {
        if (--unchecked === 0) peer = hangUp(peer);
        continue;
      }
      if (c.oversized) {
        oversized.sent++;
        if (await peer.waitClosed(patienceMs)) oversized.closed++;
        else fail(`the server kept a connection open after ${describe(c)}`);
        peer = hangUp(peer);
        continue;
      }
      if (c.intact) {
        probes.sent++;
        const outcome = await peer.probe(++probeSeq, patienceMs, probeMessage);
        if (outcome === "answered") probes.answered++;
        else if (outcome === "timeout") {
          lostProbes++;
          fail(`no answer within ${patienceMs} ms to a probe sent after ${describe(c)}`);
        } else if (!c.control) fail(`the server closed a connection whose framing was intact, after ${describe(c)}`);
        continue;
      }
      // Framing is lost: write a few more cases blind, or stall a moment, then hang up.
      unchecked = chunking.int(4);
      if (unchecked === 0) {
        if (chunking.chance(0.3)) await new Promise((resolve) => setTimeout(resolve, chunking.int(50)));
        peer = hangUp(peer);
      }
    }
    peer?.destroy();
  };

  const reporter = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    print(
      `  ${elapsed.toFixed(0)} s: ${cases} cases, ${connections} connections, ${probes.answered}/${probes.sent} probes answered, watchdog ${watchdog.back}/${watchdog.sent}`,
    );
  }, 10_000);
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  clearInterval(reporter);
  const elapsed = (performance.now() - started) / 1000;

  // 4. Let the watchdog's last echoes come back, then leave; every channel must go.
  watchdog.stopSending();
  const drainUntil = performance.now() + patienceMs;
  while (watchdog.outstanding > 0 && !aborted && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 5));
  watchdog.stop();
  let end: TargetStats | undefined;
  if (!aborted) {
    const leaveUntil = performance.now() + patienceMs;
    do {
      await new Promise((resolve) => setTimeout(resolve, 20));
      end = await stats();
    } while (end.channels > 0 && performance.now() < leaveUntil);
  }
  const lostEchoes = watchdog.sent - watchdog.back;
  if (lostEchoes > 0) fail(`${lostEchoes} of the well-behaved client's ${watchdog.sent} echoes never came back`);
  if (watchdog.duplicates > 0) fail(`${watchdog.duplicates} echoes came back twice`);
  if (watchdog.outOfOrder > 0) fail(`${watchdog.outOfOrder} echoes came back out of order`);
  if (watchdog.stalls > 0) fail(`the server left the well-behaved client unanswered for ${patienceMs} ms, ${watchdog.stalls} times`);
  if (watchdog.disconnected) fail(`the well-behaved client was disconnected (${watchdog.errors.join("; ") || "no error given"})`);
  for (const error of watchdog.errors) fail(`the well-behaved client got an error: ${error}`);
  if (end && end.channels > 0) fail(`${end.channels} channels were still open ${patienceMs} ms after every client left`);
  if (end && end.peakRss - start.rss > MAX_RSS_GROWTH)
    fail(`the server's resident memory grew by ${mib(end.peakRss - start.rss)} (limit ${mib(MAX_RSS_GROWTH)})`);

  stopping = true;
  if (!aborted) {
    target.process.send({ type: "stop" });
    await Promise.race([target.exited, new Promise((resolve) => setTimeout(resolve, patienceMs))]);
  }
  target.process.kill();

  crashes += watchdog.stalls;
  const lost = lostEchoes + lostProbes;
  const result: FuzzResult = {
    seed,
    seconds: elapsed,
    cases,
    byKind,
    connections,
    probes,
    oversized,
    watchdog: { sent: watchdog.sent, back: watchdog.back, duplicates: watchdog.duplicates, outOfOrder: watchdog.outOfOrder, stalls: watchdog.stalls },
    errors: end?.errors ?? {},
    target: {
      rssStart: start.rss,
      rssPeak: end?.peakRss ?? 0,
      rssEnd: end?.rss ?? 0,
      accepted: end?.accepted ?? 0,
      dispatched: end?.dispatched ?? 0,
      channelsLeft: end?.channels ?? -1,
    },
    claims,
    crashes,
    lost,
    failures,
    ok: failures.length === 0 && crashes === 0 && lost === 0,
  };
  report(result, print);
  return result;
}

function hangUp(peer: FuzzPeer): null {
  peer.destroy();
  return null;
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function report(r: FuzzResult, print: (line: string) => void): void {
  const kinds = Object.entries(r.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const errors =
    Object.entries(r.errors)
      .sort(([, a], [, b]) => b - a)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  print(`cases: ${r.cases} in ${r.seconds.toFixed(1)} s (${(r.cases / r.seconds).toFixed(0)}/s) over ${r.connections} connections: ${kinds}`);
  print(`intact framing: ${r.probes.answered}/${r.probes.sent} connections still answered after the case`);
  print(`over maxFrameBytes: ${r.oversized.closed}/${r.oversized.sent} connections closed`);
  print(
    `well-behaved client: ${r.watchdog.back}/${r.watchdog.sent} echoes back exactly once, ${r.watchdog.outOfOrder} out of order, ${r.watchdog.duplicates} duplicated, ${r.watchdog.stalls} stalls`,
  );
  print(`server errors by code: ${errors}`);
  print(`untyped server: ${r.target.accepted} connections accepted; both: ${r.target.dispatched} messages dispatched, ${r.target.channelsLeft} channels left`);
  print(`server memory: rss ${mib(r.target.rssStart)} at start, ${mib(r.target.rssPeak)} peak, ${mib(r.target.rssEnd)} at end`);
  print(
    `stalled frame claims: ${r.claims.connections} connections announcing maxFrameBytes: rss ${sign(r.claims.rssGrowth)}, ArrayBuffers ${sign(r.claims.arrayBuffersGrowth)}`,
  );
  for (const failure of r.failures) print(`FAILED: ${failure}`);
  print(`seed: ${r.seed}`);
  print(`crashes: ${r.crashes}, lost: ${r.lost}`);
}

function sign(bytes: number): string {
  return `${bytes >= 0 ? "+" : "-"}${mib(Math.abs(bytes))}`;
}

if (isMain(import.meta.url)) {
  const options: FuzzOptions = numberOptions(
    { seconds: "seconds", cases: "cases", seed: "seed", connections: "connections", "max-frame-bytes": "maxFrameBytes", "stalled-claims": "stalledClaims" },
    "usage: npm run fuzz -- [--seconds N] [--cases N] [--seed N] [--connections N] [--max-frame-bytes N] [--stalled-claims N]",
    { allowZero: true },
  );
  const result = await fuzz(options);
  process.exit(result.ok ? 0 : 1);
}

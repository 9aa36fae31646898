/**
 * What every benchmarked server process does besides serving: tell the
 * runner its port, force a garbage collection and report its memory when
 * asked (the memory scenario), and stop when told or when the runner goes.
 *
 * IPC messages (runner → server): `{type: "gc"}`, `{type: "cpu"}`, `{type: "stop"}`.
 * (server → runner): `{type: "ready", port}`, `{type: "memory", rss, heapUsed, external}`,
 * `{type: "cpu", micros}` (CPU time used so far, user + system).
 */
export function serveBench(port: number, stop: () => Promise<void>): void {
  const send = (message: object): void => void process.send?.(message);
  let stopping = false;
  const exit = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await stop();
    // Let `--cpu-prof` write its profile: process.exit() runs the same hooks as a normal exit.
    process.exit(0);
  };
  process.on("message", (message: { type?: string }) => {
    if (message.type === "gc") {
      const gc = (globalThis as { gc?: () => void }).gc;
      // Twice: the first pass may only queue weak callbacks and finalizers.
      gc?.();
      gc?.();
      const { rss, heapUsed, external } = process.memoryUsage();
      send({ type: "memory", rss, heapUsed, external });
    } else if (message.type === "cpu") {
      const { user, system } = process.cpuUsage();
      send({ type: "cpu", micros: user + system });
    } else if (message.type === "stop") {
      void exit();
    }
  });
  process.on("disconnect", () => void exit());
  send({ type: "ready", port });
}

/**
 * Logging: silent by default. Pass `logger` to a Server or client to get one
 * structured event per connect, disconnect and error.
 *
 * @example
 * ```ts
 * new Server({ channelClass: Game, logger: jsonLogger() }); // one JSON line per event on stderr
 * ```
 */

/** One thing that happened, flat enough for any log pipeline. */
export interface LogEvent {
  /** What happened: `listen`, `connect`, `disconnect`, `error`, `stop`, `resume`, `reconnect`, … */
  event: string;
  /** Channel id, where the event concerns one. */
  id?: string;
  /** `host:port` of the peer. */
  remote?: string;
  /** Error code, for `error` events. */
  code?: string;
  message?: string;
  [key: string]: unknown;
}

/** Receives log events. */
export type Logger = (event: LogEvent) => void;

/** A logger that writes each event as one JSON line (with an ISO time) to `stream` (stderr by default). */
export function jsonLogger(stream: { write(line: string): unknown } = process.stderr): Logger {
  return (event) => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  };
}

/** The default: logs nothing. */
export const silentLogger: Logger = () => {};

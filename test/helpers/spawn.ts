/**
 * Runs a TypeScript script of this repository in its own process (through
 * tsx, with the `repod-source` condition), collecting its output lines.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PATIENCE_MS, waitFor } from "./wait.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export class Script {
  readonly lines: string[] = [];
  exitCode: number | null = null;
  exited = false;
  private readonly child: ChildProcess;

  constructor(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, ["--conditions=repod-source", "--import", "tsx", script, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buffered = "";
    const collect = (chunk: Buffer): void => {
      buffered += chunk.toString("utf8");
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      this.lines.push(...parts);
    };
    this.child.stdout!.on("data", collect);
    this.child.stderr!.on("data", collect);
    this.child.on("exit", (code) => {
      if (buffered) this.lines.push(buffered);
      this.exitCode = code;
      this.exited = true;
    });
  }

  /** Waits for a line matching `pattern`; returns its match. */
  async line(pattern: RegExp, timeoutMs = PATIENCE_MS): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await waitFor(
      () => this.lines.some((l) => (match = l.match(pattern)) !== null) || this.exited,
      `a line matching ${pattern} (output so far:\n${this.lines.join("\n")})`,
      timeoutMs,
    );
    if (!match) throw new Error(`exited (${this.exitCode}) without a line matching ${pattern}:\n${this.lines.join("\n")}`);
    return match;
  }

  /** The port from a "listening on host:port" line. */
  async port(timeoutMs = PATIENCE_MS): Promise<number> {
    const match = await this.line(/listening on [^\s]+:(\d+)/, timeoutMs);
    return Number(match[1]);
  }

  async exit(timeoutMs = PATIENCE_MS): Promise<number | null> {
    await waitFor(() => this.exited, `the script to exit (output:\n${this.lines.join("\n")})`, timeoutMs);
    return this.exitCode;
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (!this.exited) this.child.kill(signal);
  }
}

/**
 * Debian's Chromium driven by playwright-core, for the browser tests:
 * headless, no sandbox (CI runs as root), a fresh profile each launch, and
 * nothing that reaches beyond 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { PATIENCE_MS } from "./wait.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** Where screenshots go for people to look at (git-ignored). */
export const ARTIFACTS = new URL("../.artifacts/", import.meta.url).pathname;

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A running browser with a fresh profile; `close()` removes the profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** Opens `url` in a new page; page errors and console errors are collected in `errors`. */
  open(url: string): Promise<Page>;
  /** Everything the pages threw or logged as an error. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "repod-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 900, height: 640 },
    timeout: 30_000,
  });
  const errors: string[] = [];
  return {
    context,
    errors,
    async open(url) {
      const page = await context.newPage();
      page.on("pageerror", (error) => errors.push(`${url}: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`${url}: ${message.text()}`);
      });
      await page.goto(url, { timeout: PATIENCE_MS });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of `page` as `test/.artifacts/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

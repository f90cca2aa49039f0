import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';

const CHROMIUM = process.env['RECOUP_CHROMIUM'] ?? '/usr/bin/chromium';

/** Debian's headless Chromium, driven by playwright-core (no browser download). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `dashboard tests need Chromium at ${CHROMIUM}: apt-get install chromium (or set RECOUP_CHROMIUM); .ci/run installs it`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machine has no network beyond loopback: Chromium's own background traffic only produces errors.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Evaluated over the DevTools protocol, which the page's CSP (script-src 'self') does not apply to.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A violation axe-core found, as much as a failing test needs to say. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: readonly string[];
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page and returns its serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  // Judge the page at rest: a hover colour under the pointer left by the last click is not what people read.
  await page.mouse.move(0, 0);
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // This runs in the page, where axe-core has just defined a global.
    const page = globalThis as unknown as {
      axe: { run: (...args: unknown[]) => Promise<unknown> };
      document: unknown;
    };
    const result = (await page.axe.run(page.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    })) as {
      violations: {
        id: string;
        impact: string;
        help: string;
        nodes: { target: string[]; failureSummary?: string }[];
      }[];
    };
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
      }));
  });
}

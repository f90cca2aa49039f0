import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROLES } from '../../src/api/auth/permissions.ts';
import type { Role } from '../../src/store/schema/api.ts';
import { generatePopulation } from '../../src/simulate/population.ts';
import { runSimulation } from '../../src/simulate/runner.ts';
import { type ApiWorld, PASSWORD, createApiWorld } from './api.ts';
import { launchChromium } from './browser.ts';

export const SIMULATION_START = Date.UTC(2026, 0, 5);
export const SIMULATED_DAYS = 30;

/** A served dashboard on a simulated business, and a browser to look at it with. */
export interface DashboardWorld {
  readonly api: ApiWorld;
  readonly baseUrl: string;
  readonly browser: Browser;
  /** A fresh browser context signed in as `role` through the login page. */
  signedIn(role: Role): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * Runs a small synthetic business through the real engine (as `recoup demo` does), serves the API and the built
 * dashboard on a real port, and launches Chromium. The world's clock stands at the simulation's end.
 */
export async function createDashboardWorld(customers = 150): Promise<DashboardWorld> {
  const api = await createApiWorld(SIMULATION_START);
  const population = generatePopulation({
    seed: 7,
    customers,
    start: SIMULATION_START,
    days: SIMULATED_DAYS,
  });
  await runSimulation(api.world.runtime, population, { days: SIMULATED_DAYS, start: SIMULATION_START });
  // The sessions made at the start expired during the simulated month.
  for (const role of ROLES) await api.signIn(role);
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const browser = await launchChromium();
  return {
    api,
    baseUrl,
    browser,
    async signedIn(role) {
      const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1360, height: 900 } });
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByLabel('Email').fill(`${role}@example.com`);
      await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('signed-in-as').waitFor();
      return { context, page };
    },
    async close() {
      await browser.close();
      await api.close();
    },
  };
}

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; `npx playwright install` cannot download browsers here, and CI installs this one. */
export const CHROMIUM_PATH = process.env.HANDOFF_CHROMIUM ?? '/usr/bin/chromium';

/** The flags every Chromium here runs with (also the bench's bare DevTools client). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. Install it (Debian: apt-get install chromium) ` +
        'or point HANDOFF_CHROMIUM at a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
}

/** Where end-to-end tests save what a person should look at (screenshots); not committed. */
export function artifact(name: string): string {
  const folder = join(import.meta.dirname, '..', 'artifacts');
  mkdirSync(folder, { recursive: true });
  return join(folder, name);
}

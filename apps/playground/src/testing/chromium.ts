import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; `npx playwright install` cannot download a browser on the machines this runs on. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags from `../shared/ENVIRONMENT.md` (beside the repository) for a headless run without a GPU or network chatter. */
export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGL on SwiftShader (software): without it Chromium refuses a software WebGL context.
  '--enable-unsafe-swiftshader',
  // WebGPU on Linux: Chromium keeps it behind this flag. Without a GPU (and with --disable-gpu) it then offers
  // SwiftShader's Vulkan, bundled with Debian's chromium package, as a fallback adapter ("google", "swiftshader").
  '--enable-unsafe-webgpu',
];

/** A headless Chromium with a fresh profile, and a way to close both. */
export interface HeadlessChromium {
  context: BrowserContext;
  downloads: string;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'gan-playground-profile-'));
  const downloads = mkdtempSync(join(tmpdir(), 'gan-playground-downloads-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    acceptDownloads: true,
    downloadsPath: downloads,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    downloads,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

export type { Browser };

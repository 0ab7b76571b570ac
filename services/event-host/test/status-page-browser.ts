// The status page in headless Chromium (the machine's own build, through playwright-core): a browser on a
// throwaway profile, and what the page draws read back as data.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium, 1280 × 800, on a new temporary profile (returned: screenshots may go there). */
export async function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'eh-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return { browser, profile };
}

/** Every chart (`svg[data-chart]`) by name: its point count and, per line, its series and point heights. */
export async function readCharts(page: Page) {
  const charts = await page.evaluate(() =>
    [...document.querySelectorAll('svg[data-chart]')].map((svg) => {
      const lines = [...svg.querySelectorAll('polyline')].map((p) => ({
        series: p.getAttribute('data-series'),
        // y of each point; the baseline (value 0) is at 164 in the 180-high view box.
        ys: (p.getAttribute('points') ?? '').split(' ').map((xy) => Number(xy.split(',')[1])),
      }));
      return {
        chart: svg.getAttribute('data-chart'),
        points: Number(svg.getAttribute('data-points')),
        lines,
      };
    }),
  );
  const byName: Record<string, (typeof charts)[number]> = Object.fromEntries(charts.map((c) => [c.chart, c]));
  return byName;
}

/** The cells of a status page table's rows (its header row left out). */
export function tableCells(page: Page, table: string): Promise<string[][]> {
  return page.$$eval(`${table} tr`, (trs) =>
    trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
}

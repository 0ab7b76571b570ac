// Rewrites packages/plugin-api/api-report.md from the sources: `npm run api-report`.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { computeApiReport, REPORT_FILE, ROOT, renderApiReport } from './api-report.js';

writeFileSync(REPORT_FILE, renderApiReport(computeApiReport()));
console.log(`wrote ${relative(ROOT, REPORT_FILE)}`);

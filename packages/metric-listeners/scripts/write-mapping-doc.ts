// Writes docs/metric-mapping.md from the listeners' declarations:
//   npm run docs:mapping -w @engagement/metric-listeners
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { plugins } from '../src/index.js';
import { renderMappingDoc } from '../src/mapping/render-mapping-doc.js';

const target = fileURLToPath(new URL('../../../docs/metric-mapping.md', import.meta.url));
writeFileSync(target, renderMappingDoc(plugins));
console.log(`wrote ${target}`);

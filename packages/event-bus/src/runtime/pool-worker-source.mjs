// Pool thread entry when the package runs from its TypeScript sources (tests, `npm start`): Node does not
// carry tsx's loader into worker threads, so the thread registers it before loading the real entry.
import { register } from 'tsx/esm/api';

register();
const { default: processBatch, decodeMetricRecords, applyMetricRecords } = await import('./pool-worker.ts');
export default processBatch;
export { applyMetricRecords, decodeMetricRecords };

/** The persistent queue of entity ids whose search documents need fresh metrics. */
export { SearchQueue, type TakenIds } from './search-queue.js';

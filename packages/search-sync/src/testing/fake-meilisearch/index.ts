/** An HTTP fake of the Meilisearch endpoints search-sync uses, with real state, tasks and errors. */
export { compileFilter } from './document-filter.js';
export { defaultSettings, type FakeDocument, FakeIndex, type FakeSettings } from './fake-index.js';
export {
  FakeMeilisearch,
  type FakeMeilisearchOptions,
  type RecordedRequest,
} from './fake-meilisearch.js';
export { type FakeTask, FakeTaskQueue, type TaskStatus } from './fake-tasks.js';
export { MeiliError, type MeiliErrorBody, type MeiliErrorType, meiliErrors } from './meili-error.js';

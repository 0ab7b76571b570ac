/**
 * @engagement/search-sync/testing: an HTTP fake of Meilisearch for tests on machines where no server can
 * run. Start it with `FakeMeilisearch.start({ apiKey })`, point the official client (or search-sync) at
 * `fake.host`, and read back `fake.documents(uid)`, `fake.tasks` and `fake.requests`.
 */
export * from './fake-meilisearch/index.js';

// Child of fake-process.ts: starts the Meilisearch fake, prints `{"host": …}` and serves until stdin ends.
import { FakeMeilisearch } from '../src/testing/index.js';

const fake = await FakeMeilisearch.start(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify({ host: fake.host })}\n`);
process.stdin.resume();
process.stdin.once('end', async () => {
  await fake.close();
  process.exit(0);
});

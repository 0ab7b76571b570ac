// A plugin with a start, for the tests that show where starts run: its listener emits, as the metric value,
// how many times the start ran in the listener's own thread (module state is per thread).
import { defineListener, definePlugin, onStart } from '@engagement/plugin-api';

export const startsInThisThread = { starts: 0, stops: 0 };

export const startedPlugin = definePlugin({
  id: 'started',
  owner: '@team/platform',
  listeners: [
    defineListener({
      id: 'started.starts-seen',
      tables: ['ImageReaction'],
      canHandle: (e) => e.table === 'ImageReaction',
      handle(_e, { metrics }) {
        const metricValue = startsInThisThread.starts;
        metrics.add({ entityType: 'Image', entityId: 1, userId: 1, metricType: 'startsSeen', metricValue });
      },
    }),
  ],
  start: onStart({}, () => {
    startsInThisThread.starts++;
    return () => void startsInThisThread.stops++;
  }),
});

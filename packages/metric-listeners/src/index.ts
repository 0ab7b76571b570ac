/** Metric listener plugins, one per owning team; the host loads them by package name. */
export { imageMetricsPlugin } from './image/index.js';

import { imageMetricsPlugin } from './image/index.js';

/** Every plugin of this package, for hosts that load the package whole. */
export const plugins = [imageMetricsPlugin];

import { cacheWatermarkKey } from '@engagement/event-bus/sinks/redis';
import type { HostConfig } from '../config/host-config.js';

/** The cache sink's watermark hash for this deployment (as the event bus pipeline names it). */
export function watermarkKeyOf(config: Pick<HostConfig, 'cacheScope'>): string {
  return cacheWatermarkKey(config.cacheScope);
}

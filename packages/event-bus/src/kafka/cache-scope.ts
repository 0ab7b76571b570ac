/**
 * The cache sink's watermark hash of a cache scope (`eventbus:cache:watermarks:<scope>`, or without a scope
 * the sink's default), as the pipeline names it; hosts and tools that read or repair the watermarks use it too.
 */
export function cacheWatermarkKey(cacheScope?: string): string {
  return `eventbus:cache:watermarks${cacheScope ? `:${cacheScope}` : ''}`;
}

import type { RowReader } from '@engagement/plugin-api';

/**
 * Whether a ResourceReview counts in any metric: moderation takes a review out by setting `exclude` or
 * `tosViolation`, and flipping either back puts it in again (updates move the difference).
 */
export function countsAsReview(r: RowReader): boolean {
  return !r.bool('exclude') && !r.bool('tosViolation');
}

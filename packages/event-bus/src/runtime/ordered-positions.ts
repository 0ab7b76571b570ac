/**
 * What the re-send filter knows about one source partition of an ordered source (Debezium): the highest
 * source position its changes reached so far, and the changes seen at exactly that position. Immutable:
 * every step returns a new value, so the value after each record can be kept with that record's offset.
 */
export interface PartitionPositions {
  /** The highest `sourcePosition` seen in the partition; null before the first one. */
  readonly max: string | null;
  /**
   * Ids of the changes seen at `max`. Several distinct changes share one WAL position (the delete and create
   * of a primary-key update, the rows of one COPY batch), so "not above `max`" alone is not a re-send.
   */
  readonly atMax: readonly string[];
}

/** Nothing known yet: every change is new until positions are seen. */
export const NO_POSITIONS: PartitionPositions = { max: null, atMax: [] };

/** Ids at `max` kept in commit metadata: 64 change ids (~38 bytes each in JSON) and the rest fit 4096. */
export const MAX_IDS_IN_METADATA = 64;
/** Below the broker's `offset.metadata.max.bytes` (4096 by default), which refuses a larger commit. */
const MAX_METADATA_LENGTH = 3_500;

/**
 * Decides one change of the partition, in partition order: a re-send when its position is below the
 * highest seen, or equal to it and the change was already seen there. A change without a position is never
 * a re-send and moves nothing.
 */
export function nextPositions(
  state: PartitionPositions,
  position: string | null,
  changeId: string,
): { resend: boolean; state: PartitionPositions } {
  if (position === null) return { resend: false, state };
  if (state.max === null || position > state.max) {
    return { resend: false, state: { max: position, atMax: [changeId] } };
  }
  if (position === state.max && !state.atMax.includes(changeId)) {
    return { resend: false, state: { max: position, atMax: [...state.atMax, changeId] } };
  }
  return { resend: true, state };
}

/**
 * The positions as Kafka commit metadata for the offset they cover, committed atomically with it; null when
 * there is nothing to keep. The offset is repeated inside so positions are never paired with another offset
 * (a tool that resets offsets and copies metadata). At most the latest `MAX_IDS_IN_METADATA` ids at `max`
 * are kept: a copy of an older one, re-sent right after a reload, would pass (only a COPY batch or a
 * multi-row WAL record puts that many changes at one position).
 */
export function encodePositions(offset: string, positions: PartitionPositions): string | null {
  if (positions.max === null) return null;
  const atMax = positions.atMax.slice(-MAX_IDS_IN_METADATA);
  for (;;) {
    const metadata = JSON.stringify({ resends: 1, offset, max: positions.max, atMax });
    // Longer ids (another decoder's) drop the oldest first: a commit the broker refuses would stall.
    if (metadata.length <= MAX_METADATA_LENGTH || atMax.length === 0) return metadata;
    atMax.shift();
  }
}

/**
 * The positions committed with `offset`, or none when the metadata is absent (committed by another tool, or
 * before this filter existed), malformed, or written for another offset.
 */
export function decodePositions(metadata: string | null | undefined, offset: string): PartitionPositions {
  if (!metadata) return NO_POSITIONS;
  let value: unknown;
  try {
    value = JSON.parse(metadata);
  } catch {
    return NO_POSITIONS;
  }
  const v = value as { resends?: unknown; offset?: unknown; max?: unknown; atMax?: unknown };
  if (v?.resends !== 1 || v.offset !== offset || typeof v.max !== 'string' || !Array.isArray(v.atMax)) {
    return NO_POSITIONS;
  }
  const atMax = v.atMax.filter((id): id is string => typeof id === 'string');
  return { max: v.max, atMax };
}

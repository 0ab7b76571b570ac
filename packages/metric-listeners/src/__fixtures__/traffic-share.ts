import type { FakeChange } from '@engagement/event-bus/testing';
import type { TrafficWorld } from './traffic-world.js';

/** A source row as traffic makes it. */
export type TrafficRow = Record<string, unknown>;

/** What a share of the traffic draws from: the world, its ids, and seeded picks (popular ones first). */
export interface TrafficDraw {
  readonly world: TrafficWorld;
  /** The world's ids when traffic started; new images join `images` at the front (popular for a while). */
  readonly ids: {
    images: number[];
    versions: number[];
    models: number[];
    threads: number[];
    collections: number[];
  };
  rand(): number;
  /** One of `items`, skewed towards the first (a few parents get most of the traffic). */
  skewed<T>(items: readonly T[]): T;
  user(): number;
  /** A creation time within the 30 days before `now`. */
  at(): number;
  /** A fresh row id. */
  nextId(): number;
  /** A fresh image id, far above real ids: a new image is known only from its own change. */
  nextImageId(): number;
}

/**
 * One source table's share of the traffic: mostly new rows; some earlier ones deleted, or, with
 * `update`, changed in place (a reaction's kind, a comment hidden, a tag toggled).
 */
export interface RowShare {
  table: string;
  row(d: TrafficDraw): TrafficRow;
  update?(row: TrafficRow, d: TrafficDraw): TrafficRow;
}

/** A share whose change is made by hand: ClickHouse rows, an image that also joins the world. */
export interface EmitShare {
  emit(d: TrafficDraw): FakeChange;
}

export type TrafficShare = RowShare | EmitShare;

/**
 * The random source of sample traffic. Unseeded it is `Math.random`; `seedRandom(seed)` makes every pick
 * of a run reproducible (mulberry32), so a failing realistic run can be replayed with its printed seed.
 */
let next: () => number = Math.random;

export function seedRandom(seed: number): void {
  next = seededRandom(seed);
}

/** A reproducible source of numbers in [0, 1) of its own (mulberry32), apart from the shared one. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A number in [0, 1) from the current source. */
export const random = (): number => next();

export const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

import { describe, expect, it } from 'vitest';
import { newClusterId } from './kafka.js';

describe('newClusterId', () => {
  it('gives 22-character base64url ids that never begin with a dash', () => {
    // One in 64 random ids would begin with '-'; 2,000 draws miss one by chance with p < 1e-13.
    const ids = Array.from({ length: 2_000 }, newClusterId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

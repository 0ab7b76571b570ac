import { describe, expect, it } from 'vitest';
import { distinctTouches, parseTouchMember, touchMember } from './metric-touch.js';

describe('touch members', () => {
  it('name the entity, and the metrics sorted when some are named', () => {
    expect(touchMember({ entityId: 7 })).toBe('7');
    expect(touchMember({ entityId: 7, metrics: ['b', 'a', 'b'] })).toBe('7:a,b');
    expect(parseTouchMember('7')).toEqual({ entityId: 7 });
    expect(parseTouchMember('7:a,b')).toEqual({ entityId: 7, metrics: ['a', 'b'] });
  });

  it('repeated touches of one flush collapse', () => {
    const touches = distinctTouches([
      { entityType: 'Post', entityId: 1 },
      { entityType: 'Post', entityId: 1 },
      { entityType: 'Model', entityId: 1 },
      { entityType: 'Post', entityId: 1, metrics: ['likeCount'] },
    ]);
    expect(touches).toHaveLength(3);
  });
});

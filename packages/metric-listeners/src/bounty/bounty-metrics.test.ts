import { expectRowLifecycle, fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { expectTipCounted, itCountsEachReactionKind } from '../__fixtures__/expect-tips-and-reactions.js';
import { commentRow } from '../__fixtures__/source-rows.js';
import { bountyBenefactors } from './bounty-benefactors.listener.js';
import { bountyComments } from './bounty-comments.listener.js';
import { bountyEngagements } from './bounty-engagements.listener.js';
import { bountyEntries } from './bounty-entries.listener.js';
import { bountyEntryReactions } from './bounty-entry-reactions.listener.js';
import { bountyEntryTips } from './bounty-entry-tips.listener.js';

describe('bounty.engagements (favoriteCount, trackCount)', () => {
  const engagements = fakeEvent.postgres('BountyEngagement');
  const favorite = { userId: 3, bountyId: 60, type: 'Favorite', createdAt: CREATED_AT };

  it.each([
    ['Favorite', 'favoriteCount'],
    ['Track', 'trackCount'],
  ])(
    'a %s counts as %s through its life, and follows the engagement to another bounty',
    async (type, metric) => {
      await expectRowLifecycle({
        listeners: bountyEngagements,
        changes: engagements,
        row: { ...favorite, type },
        counts: { [`Bounty:60:${metric}`]: 1 },
        move: { column: 'bountyId', to: 61, entityType: 'Bounty' },
      });
    },
  );
});

describe('bounty.entries (entryCount)', () => {
  const entries = fakeEvent.postgres('BountyEntry');
  const entry = {
    id: 80,
    bountyId: 60,
    userId: 3,
    description: null,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
  };

  it('counts an entry through its life, and follows it to another bounty', async () => {
    await expectRowLifecycle({
      listeners: bountyEntries,
      changes: entries,
      row: entry,
      counts: { 'Bounty:60:entryCount': 1 },
      unchanged: { description: 'my entry', updatedAt: CREATED_AT + 60_000 },
      move: { column: 'bountyId', to: 61, entityType: 'Bounty' },
    });
  });
});

describe('bounty.benefactors (Bounty benefactorCount, unitAmountCount; BountyEntry unitAmountCount)', () => {
  const benefactors = fakeEvent.postgres('BountyBenefactor');
  const backer = {
    bountyId: 60,
    userId: 3,
    unitAmount: 500,
    awardedToId: null,
    awardedAt: null,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
  };
  const edited = { updatedAt: CREATED_AT + 60_000 };

  it('a benefactor adds one backer and their amount to the bounty through its life, and follows a move', async () => {
    await expectRowLifecycle({
      listeners: bountyBenefactors,
      changes: benefactors,
      row: backer,
      counts: { 'Bounty:60:benefactorCount': 1, 'Bounty:60:unitAmountCount': 500 },
      unchanged: edited,
      move: { column: 'bountyId', to: 61, entityType: 'Bounty' },
    });
  });

  it('an awarded benefactor counts its amount for the entry too, and the amount follows a new award', async () => {
    await expectRowLifecycle({
      listeners: bountyBenefactors,
      changes: benefactors,
      row: { ...backer, awardedToId: 80, awardedAt: CREATED_AT + 1000 },
      counts: {
        'Bounty:60:benefactorCount': 1,
        'Bounty:60:unitAmountCount': 500,
        'BountyEntry:80:unitAmountCount': 500,
      },
      unchanged: edited,
      move: { column: 'awardedToId', to: 81, entityType: 'BountyEntry' },
    });
  });

  it('awarding an entry (update) adds the amount to that entry only', async () => {
    const awarded = { ...backer, awardedToId: 80, awardedAt: CREATED_AT + 1000 };
    expect(netTotals(await runListener(bountyBenefactors, benefactors.updated(backer, awarded)))).toEqual({
      'BountyEntry:80:unitAmountCount': 500,
    });
  });

  it('changing the amount of an awarded benefactor moves the difference for bounty and entry', async () => {
    const awarded = { ...backer, awardedToId: 80 };
    const out = await runListener(
      bountyBenefactors,
      benefactors.updated(awarded, { ...awarded, unitAmount: 800 }),
    );
    expect(netTotals(out)).toEqual({
      'Bounty:60:unitAmountCount': 300,
      'BountyEntry:80:unitAmountCount': 300,
    });
  });
});

describe('bounty.comments (commentCount)', () => {
  const comments = fakeEvent.postgres('CommentV2');
  const comment = commentRow(103);

  it('counts a comment on the bounty thread through its life, and follows it to another bounty', async () => {
    await expectRowLifecycle({
      listeners: bountyComments,
      changes: comments,
      row: comment,
      counts: { 'Bounty:60:commentCount': 1 },
      unchanged: { content: 'edited', updatedAt: CREATED_AT + 60_000 },
      // Thread 108 is bounty 61's.
      move: { column: 'threadId', to: 108, entityType: 'Bounty', entityIds: { from: 60, to: 61 } },
      deps: worldLookups(),
    });
  });
});

describe('bounty.entry-reactions (likeCount … heartCount of the entry)', () => {
  const reactions = fakeEvent.postgres('BountyEntryReaction');
  const heart = { id: 1, bountyEntryId: 80, userId: 3, reaction: 'Heart', createdAt: CREATED_AT };

  itCountsEachReactionKind(bountyEntryReactions, reactions, heart, {
    column: 'bountyEntryId',
    entity: 'BountyEntry',
  });

  it('a kind change moves the difference', async () => {
    const out = await runListener(
      bountyEntryReactions,
      reactions.updated(heart, { ...heart, reaction: 'Like' }),
    );
    expect(netTotals(out)).toEqual({ 'BountyEntry:80:heartCount': -1, 'BountyEntry:80:likeCount': 1 });
  });
});

describe('bounty.entry-tips (tippedCount, tippedAmountCount)', () => {
  it('counts a tip and its amount for the entry through its life, and follows it to another entry', async () => {
    await expectTipCounted(bountyEntryTips, 'BountyEntry', 80, 7);
  });
});

import { expectRowLifecycle, fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { expectTipCounted, itCountsEachReactionKind } from '../__fixtures__/expect-tips-and-reactions.js';
import { collectionItemRow, commentRow } from '../__fixtures__/source-rows.js';
import { articleCollections } from './article-collections.listener.js';
import { articleComments } from './article-comments.listener.js';
import { articleEngagements } from './article-engagements.listener.js';
import { articleReactions } from './article-reactions.listener.js';
import { articleTips } from './article-tips.listener.js';

describe('article.reactions (likeCount … heartCount)', () => {
  const reactions = fakeEvent.postgres('ArticleReaction');
  const like = { id: 1, articleId: 50, userId: 3, reaction: 'Like', createdAt: CREATED_AT };

  itCountsEachReactionKind(articleReactions, reactions, like, { column: 'articleId', entity: 'Article' });

  it('a kind change moves the difference', async () => {
    const out = await runListener(articleReactions, reactions.updated(like, { ...like, reaction: 'Cry' }));
    expect(netTotals(out)).toEqual({ 'Article:50:likeCount': -1, 'Article:50:cryCount': 1 });
  });
});

describe('article.comments (commentCount)', () => {
  const comments = fakeEvent.postgres('CommentV2');
  const comment = commentRow(102);

  it('counts a comment on the article thread through its life, and follows it to another article', async () => {
    await expectRowLifecycle({
      listeners: articleComments,
      changes: comments,
      row: comment,
      counts: { 'Article:50:commentCount': 1 },
      unchanged: { content: 'edited', updatedAt: CREATED_AT + 60_000 },
      // Thread 107 is article 51's.
      move: { column: 'threadId', to: 107, entityType: 'Article', entityIds: { from: 50, to: 51 } },
      deps: worldLookups(),
    });
  });
});

describe('article.collections (favoriteCount, collectedCount)', () => {
  const items = fakeEvent.postgres('CollectionItem');
  const item = collectionItemRow(41, { articleId: 50 });

  it.each([
    ['a bookmark is a favorite', 41, 'favoriteCount'],
    ['an ordinary item is collected', 40, 'collectedCount'],
  ] as const)(
    '%s through its life, and follows the item to another article',
    async (_, collectionId, metric) => {
      await expectRowLifecycle({
        listeners: articleCollections,
        changes: items,
        row: { ...item, collectionId },
        counts: { [`Article:50:${metric}`]: 1 },
        unchanged: { note: 'to read', updatedAt: CREATED_AT + 60_000 },
        move: { column: 'articleId', to: 51, entityType: 'Article' },
        deps: worldLookups(),
      });
    },
  );
});

describe('article.engagements (hideCount)', () => {
  const engagements = fakeEvent.postgres('ArticleEngagement');
  const hide = { userId: 3, articleId: 50, type: 'Hide', createdAt: CREATED_AT };

  it('a Hide counts through its life, and follows the engagement to another article', async () => {
    await expectRowLifecycle({
      listeners: articleEngagements,
      changes: engagements,
      row: hide,
      counts: { 'Article:50:hideCount': 1 },
      move: { column: 'articleId', to: 51, entityType: 'Article' },
    });
  });

  it('a Favorite engagement counts nothing here', async () => {
    expect(await runListener(articleEngagements, engagements.created({ ...hide, type: 'Favorite' }))).toEqual(
      [],
    );
  });

  it('switching Hide → Favorite (update) takes the hide back', async () => {
    const out = await runListener(
      articleEngagements,
      engagements.updated(hide, { ...hide, type: 'Favorite' }),
    );
    expect(netTotals(out)).toEqual({ 'Article:50:hideCount': -1 });
  });
});

describe('article.tips (tippedCount, tippedAmountCount)', () => {
  it('counts a tip and its amount through its life, and follows it to another article', async () => {
    await expectTipCounted(articleTips, 'Article', 50, 25);
  });
});

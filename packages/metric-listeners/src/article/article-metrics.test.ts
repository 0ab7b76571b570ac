import { fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT } from '../__fixtures__/app-world.js';
import { expectCreateAndDelete } from '../__fixtures__/expect-moves.js';
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

  it('counts comments on the article thread; delete takes back', async () => {
    await expectCreateAndDelete(articleComments, comments, comment, { 'Article:50:commentCount': 1 });
  });
});

describe('article.collections (favoriteCount, collectedCount)', () => {
  const items = fakeEvent.postgres('CollectionItem');
  const item = collectionItemRow(41, { articleId: 50 });

  it('a bookmark is a favorite and an ordinary item is collected; deletes take back', async () => {
    await expectCreateAndDelete(articleCollections, items, item, { 'Article:50:favoriteCount': 1 });
    const collected = { ...item, collectionId: 40 };
    await expectCreateAndDelete(articleCollections, items, collected, { 'Article:50:collectedCount': 1 });
  });
});

describe('article.engagements (hideCount)', () => {
  const engagements = fakeEvent.postgres('ArticleEngagement');
  const hide = { userId: 3, articleId: 50, type: 'Hide', createdAt: CREATED_AT };

  it('a Hide counts; delete takes back; a Favorite engagement counts nothing here', async () => {
    await expectCreateAndDelete(articleEngagements, engagements, hide, { 'Article:50:hideCount': 1 });
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

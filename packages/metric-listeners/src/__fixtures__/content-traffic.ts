// What creators add, as Postgres rows: images, model versions, tags on content, resources, bounty backers.

import { fakeEvent } from '@engagement/event-bus/testing';
import type { EmitShare, RowShare, TrafficDraw } from './traffic-share.js';

/** Tags on one kind of content; a table with a `disabled` flag keeps removed tags as rows, so new ones unset it. */
const tagsOn = (
  table: string,
  column: string,
  ids: (d: TrafficDraw) => readonly number[],
  disabledFlag: boolean,
): RowShare => ({
  table,
  row: (d) => ({
    [column]: d.skewed(ids(d)),
    tagId: d.skewed(d.world.tags),
    ...(disabledFlag ? { disabled: false } : {}),
    createdAt: d.at(),
  }),
});

/** New images, posted: they join the world and are the popular ones for a while. */
export const newImages: EmitShare = {
  emit(d) {
    const id = d.nextImageId();
    const row = { id, userId: d.user(), postId: d.skewed(d.world.posts), createdAt: d.at() };
    d.world.images.set(id, { postId: row.postId, userId: row.userId });
    d.ids.images.unshift(id); // new images are the popular ones for a while
    return fakeEvent.postgres('Image').created(row);
  },
};

/** Tags on images; a later update toggles `disabled`. */
export const tagsOnImages: RowShare = {
  ...tagsOn('TagsOnImage', 'imageId', (d) => d.ids.images, true),
  update: (r) => ({ ...r, disabled: !r.disabled }),
};

/** Tags on posts. */
export const tagsOnPosts = tagsOn('TagsOnPost', 'postId', (d) => d.world.posts, true);

/** Tags on models. */
export const tagsOnModels = tagsOn('TagsOnModels', 'modelId', (d) => d.ids.models, false);

/** Bounty backers; a later update awards an entry. */
export const bountyBenefactors: RowShare = {
  table: 'BountyBenefactor',
  row: (d) => ({
    bountyId: d.skewed(d.world.bounties),
    userId: d.user(),
    unitAmount: 100 * (1 + Math.floor(d.rand() * 10)),
    awardedToId: null,
    createdAt: d.at(),
  }),
  update: (r, d) => ({ ...r, awardedToId: d.skewed(d.world.entries) }),
};

/** Versions an image was made with. */
export const imageResources: RowShare = {
  table: 'ImageResource',
  row: (d) => ({
    imageId: d.skewed(d.ids.images),
    modelVersionId: d.skewed(d.ids.versions),
    detected: true,
    createdAt: d.at(),
  }),
};

/** New model versions, which join the world; a later update (un)publishes one. */
export const modelVersions: RowShare = {
  table: 'ModelVersion',
  row(d) {
    const id = d.nextId();
    const modelId = d.skewed(d.ids.models);
    d.world.versions.set(id, { modelId });
    return { id, modelId, name: 'v', status: 'Published', createdAt: d.at() };
  },
  update: (r) => ({ ...r, status: r.status === 'Published' ? 'Unpublished' : 'Published' }),
};

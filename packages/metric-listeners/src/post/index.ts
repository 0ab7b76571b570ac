import { definePlugin } from '@engagement/plugin-api';
import { postCollections } from './post-collections.listener.js';
import { postComments } from './post-comments.listener.js';
import { postImageMoves } from './post-image-moves.listener.js';
import { postReactions } from './post-reactions.listener.js';

/** PostMetric, owned by the posts team. */
export const postMetricsPlugin = definePlugin({
  id: 'post-metrics',
  owner: '@team/posts',
  listeners: [postReactions, postImageMoves, postComments, postCollections],
});

import { threadCommentsListener } from '../counting/thread-comments.js';

/** CommentV2 rows on a bounty's thread → the bounty's commentCount. */
export const bountyComments = threadCommentsListener('bounty.comments', 'Bounty');

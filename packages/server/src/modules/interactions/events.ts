// Domain events of the interactions module. Each is published after its transaction commits and
// only when something changed (a repeated like publishes nothing), so a subscriber that rewards
// or notifies never needs to de-duplicate. Gamification and messaging subscribe; this module
// knows neither.

/** The subject an interaction was about, by the host's own ids. */
export type SubjectRef = { kind: string; id: string; authorId: string | null };

type Base = { appId: string; userId: string; at: Date };
type CommentBase = Base & { commentId: string; subject: SubjectRef };

export type TriplePart = 'like' | 'coin' | 'favourite' | 'follow_author' | 'follow_subject';

declare module '../../events.ts' {
  interface DomainEvents {
    'interaction.liked': Base & { subject: SubjectRef };
    'interaction.unliked': Base & { subject: SubjectRef };
    'interaction.favourited': Base & { subject: SubjectRef; folderIds: string[] };
    'interaction.unfavourited': Base & { subject: SubjectRef };
    'interaction.shared': Base & { subject: SubjectRef; channel: string; shareId: string };
    'interaction.followed': Base & ({ target: 'user'; followeeId: string } | { target: 'subject'; subject: SubjectRef });
    'interaction.unfollowed': Base & ({ target: 'user'; followeeId: string } | { target: 'subject'; subject: SubjectRef });
    /** 投币: `coins` given now, `total` the user's coins on the subject so far (points of settings.coins.point_type). */
    'interaction.coined': Base & { subject: SubjectRef; coins: number; total: number; pointType: string };
    /** 一键三连: once per user and subject (the first call); `parts` lists what that call newly did. */
    'interaction.triple': Base & { subject: SubjectRef; parts: TriplePart[] };
    'comment.created': CommentBase & { rootId: string | null; parentId: string | null; official: 'author' | 'operator' | null; body: string };
    /** A reply, addressed to the author of the comment replied to. */
    'comment.replied': CommentBase & { rootId: string; parentId: string; replyToUserId: string; body: string };
    /** One per user mentioned (@) in a new or edited comment. */
    'comment.mentioned': CommentBase & { mentionedUserId: string };
    'comment.edited': CommentBase;
    /** userId is the comment's author. */
    'comment.deleted': CommentBase & { by: 'author' | 'subject_author' | 'operator' };
    'comment.liked': CommentBase & { commentAuthorId: string };
    'comment.unliked': CommentBase & { commentAuthorId: string };
    /** userId is the comment's author. */
    'comment.pinned': CommentBase & { pinned: boolean };
    /** 精彩点评, chosen by an operator or by the app's rule (likes within a day); userId is the comment's author. */
    'comment.featured': CommentBase & { by: 'operator' | 'rule' };
    'comment.reported': CommentBase & { reason: string; openReports: number };
    /** A moderation outcome: a moderator's decision, or an automatic hide at the report threshold. */
    /** userId is the comment's author. */
    'comment.moderated': CommentBase & { action: 'approve' | 'hide' | 'delete'; auto: boolean };
  }
}

export {};

// The inbox: likes of one's photos, comments under them, mentions, new
// followers, follow requests and accepted requests, newest first, a page at
// a time. Opening it marks everything shown read and clears the bell.

import { h, avatar, visuallyHidden } from '../dom.js';
import { t, tParts } from '../i18n.js';
import { request, query, enc } from '../api.js';
import { navigate } from '../router.js';
import { moreButton, timeAgo, withLinks, refreshNotificationsBadge, clearNotificationsBadge, isAbort, report } from '../ui.js';

const PAGE_SIZE = 20;

// SENTENCES is the message of each kind of notification.
const SENTENCES = {
  KIND_LIKE: 'notifications.like',
  KIND_COMMENT: 'notifications.comment',
  KIND_MENTION: 'notifications.mention',
  KIND_FOLLOW: 'notifications.follow',
  KIND_FOLLOW_REQUEST: 'notifications.followRequest',
  KIND_REQUEST_ACCEPTED: 'notifications.requestAccepted',
};

// notificationsView shows /notifications.
export function notificationsView({ signal }) {
  const list = h('ul', { class: 'notifications', testid: 'notifications' });
  let marked = false;
  const node = h('section', { class: 'page narrow' },
    h('h1', null, t('notifications.title')),
    moreButton({
      list,
      signal,
      load: async (pageToken) => {
        const page = await request('GET', `/v1/notifications${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
        return { items: page.notifications || [], nextPageToken: page.nextPageToken };
      },
      renderItem: (n) => (SENTENCES[n.kind] ? notificationItem(n) : null),
      onEmpty: () => list.append(h('li', { class: 'muted empty', testid: 'notifications-empty' }, t('notifications.empty'))),
      onPage: (page) => {
        if (marked) return;
        marked = true;
        markRead(page.items[0], signal);
      },
      moreLabel: t('notifications.more'),
      moreTestid: 'notifications-more',
    }));
  return { title: t('notifications.title'), node };
}

// markRead marks read everything up to the newest notification shown, then
// asks the bell to count again.
async function markRead(newest, signal) {
  if (!newest) {
    clearNotificationsBadge();
    return;
  }
  try {
    await request('POST', '/v1/notifications:markRead', { body: { upToTime: newest.createTime }, signal });
    clearNotificationsBadge();
    refreshNotificationsBadge();
  } catch (err) {
    if (!isAbort(err)) report(err);
  }
}

function notificationItem(n) {
  const actor = n.actor || {};
  const profile = `/u/${enc(actor.username || '')}`;
  const name = h('a', { class: 'username', testid: 'notification-actor', href: profile }, actor.username);
  const excerpt = h('span', { class: 'notification-text', testid: 'notification-text' }, withLinks(n.text));
  const photo = `/p/${enc(n.imageId || '')}`;
  return h('li', {
    class: n.unread ? 'notification unread' : 'notification', testid: 'notification',
    dataset: { notificationId: n.notificationId, kind: n.kind, unread: String(Boolean(n.unread)) },
  },
  h('a', { class: 'notification-avatar', href: profile, tabIndex: -1, 'aria-hidden': 'true' }, avatar(actor, 'md')),
  h('div', { class: 'notification-body' },
    n.unread ? visuallyHidden(`${t('notifications.unread')}: `) : null,
    h('p', { class: 'notification-sentence', testid: 'notification-sentence' }, tParts(SENTENCES[n.kind], { name, text: excerpt })),
    h('p', { class: 'notification-meta' },
      timeAgo(n.createTime, 'notification-time'),
      n.kind === 'KIND_FOLLOW_REQUEST'
        ? h('a', { class: 'notification-requests', testid: 'notification-requests', href: '/requests' }, t('notifications.seeRequests'))
        : null)),
  n.imageId && n.thumbUrl
    ? h('a', {
      class: 'notification-thumb', testid: 'notification-thumb', href: photo,
      onclick: (e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(photo, { state: { overlay: true } });
      },
    }, h('img', { src: n.thumbUrl, alt: t('notifications.photo'), width: 44, height: 44, loading: 'lazy', decoding: 'async' }))
    : null);
}

// The timeline: photos of the people one follows, newest first, loaded as
// the page scrolls; suggestions of whom to follow while it is empty.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { request, query, enc } from '../api.js';
import { navigate, rerender } from '../router.js';
import { pager, loadNextPage, hasNextPage, reactions, timeAgo, userLink, photoAlt, withLinks, followButton, errorMessage, isAbort } from '../ui.js';
import { offerPhotoList, photoListChanged } from '../viewer.js';
import { commentsSection } from '../comments.js';

const PAGE_SIZE = 10;

// timelineView is the home screen of a logged-in person.
export function timelineView({ signal }) {
  const list = h('div', { class: 'feed' });
  const node = h('section', { class: 'page timeline', testid: 'timeline' },
    h('h1', { class: 'visually-hidden' }, t('feed.title')));
  // The photos shown, in order, for the viewer to walk.
  const photos = [];
  const feed = pager({
    list,
    signal,
    load: async (pageToken) => {
      const page = await request('GET', `/v1/feed${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
      return { ...page, items: page.items || [] };
    },
    renderItem: (item) => {
      const card = feedCard(item, signal);
      photos.push({ el: card, image: item.image, owner: ownerOf(item) });
      queueMicrotask(photoListChanged);
      return card;
    },
    onEmpty: (page) => replace(list, emptyTimeline(page.emptyReason, signal)),
    endText: t('feed.end'),
  });
  node.append(feed);
  offerPhotoList({
    entries: () => photos.filter((p) => p.el.isConnected),
    hasMore: () => hasNextPage(feed),
    more: () => loadNextPage(feed),
  }, signal);
  return { title: t('feed.title'), node };
}

function ownerOf(item) {
  return { username: item.ownerUsername || item.image.ownerUsername, fullName: item.ownerFullName, avatarUrl: item.ownerAvatarUrl };
}

// feedCard is one photo of the timeline.
function feedCard(item, signal) {
  const image = item.image;
  const owner = ownerOf(item);
  const alt = photoAlt(image, owner.fullName || owner.username);
  const href = `/p/${enc(image.imageId)}`;
  const open = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href, { state: { overlay: true, image, owner } });
  };
  return h('article', { class: 'card', testid: 'feed-item', dataset: { imageId: image.imageId } },
    h('header', { class: 'card-header' }, userLink(owner), timeAgo(image.createTime)),
    h('a', { class: 'photo-link', href, onclick: open, 'aria-label': t('photo.open', { name: owner.fullName || owner.username }) },
      h('img', {
        class: 'photo', testid: 'feed-image', src: image.displayUrl, alt, loading: 'lazy', decoding: 'async',
        width: image.displayWidth || null, height: image.displayHeight || null, dataset: { role: 'photo' },
      })),
    h('div', { class: 'card-body' },
      reactions(image),
      caption(owner.username, image.caption),
      commentsSection(image, { viewAll: { href, onclick: open }, signal })));
}

function caption(username, text) {
  const p = h('p', { class: 'caption' },
    h('a', { class: 'username', href: `/u/${enc(username)}` }, username), ' ',
    h('span', { testid: 'caption' }, withLinks(text)));
  p.hidden = !text;
  return p;
}

// emptyTimeline welcomes a person whose timeline is empty and suggests whom
// to follow; after a follow, the timeline can be loaded again.
function emptyTimeline(reason, signal) {
  const followsNobody = reason !== 'EMPTY_REASON_NO_POSTS';
  const people = h('ul', { class: 'people suggestions' });
  const refresh = h('button', { type: 'button', class: 'btn btn-primary', testid: 'feed-refresh', hidden: true, onclick: () => rerender() },
    t('nav.home'));
  const box = h('div', { class: 'empty-state', testid: 'feed-empty', dataset: { reason: reason || '' } },
    h('h2', null, t(followsNobody ? 'feed.welcomeTitle' : 'feed.noPostsTitle')),
    h('p', { class: 'muted' }, t(followsNobody ? 'feed.welcomeText' : 'feed.noPostsText')),
    h('h3', null, t('feed.suggestions')),
    people,
    h('div', { class: 'row center' }, refresh, h('a', { class: 'btn btn-secondary', href: '/upload' }, t('feed.shareFirst'))));

  request('GET', '/v1/suggestions?pageSize=10', { signal })
    .then(({ users = [] }) => {
      if (users.length === 0) {
        replace(people, h('li', { class: 'muted' }, t('feed.noSuggestions')));
        return;
      }
      for (const user of users) {
        people.append(h('li', { class: 'person', testid: 'suggestion', dataset: { username: user.username } },
          userLink(user, 'md'),
          followButton(user.username, user.followState, {
            onChange: (state) => {
              if (state === 'FOLLOW_STATE_FOLLOWING') refresh.hidden = false;
            },
          })));
      }
    })
    .catch((err) => {
      if (!isAbort(err)) replace(people, h('li', { class: 'form-error', role: 'alert' }, errorMessage(err)));
    });
  return box;
}

// A person's profile: avatar, names, bio, website, counts, the follow button,
// a menu to mute or block them, and the grid of their photos (or word that
// the account is private). A person one blocked shows only their name and
// avatar, with a way to unblock them.

import { h, icon, avatar, replace } from '../dom.js';
import { t, formatNumber } from '../i18n.js';
import { request, query, enc, ApiError } from '../api.js';
import { session } from '../router.js';
import { IMAGE_DELETED, offerPhotoList, photoListChanged } from '../viewer.js';
import { pager, loadNextPage, hasNextPage, followButton, photoGridItem, errorMessage, isAbort, report } from '../ui.js';
import { confirmBlock, setBlocked, setMuted } from '../blocking.js';

const PAGE_SIZE = 24;

// profileView shows /u/{username}.
export function profileView({ params: [username], signal }) {
  const node = h('section', { class: 'page profile-page' },
    h('h1', { class: 'visually-hidden' }, username),
    h('p', { class: 'muted loading', role: 'status' }, t('loading')));
  const load = () => request('GET', `/v1/users/${enc(username)}`, { signal })
    .then(({ profile }) => replace(node, profileBody(profile, signal, load)))
    .catch((err) => {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 404) replace(node, notFound());
      else replace(node, h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)));
    });
  load();
  return { title: `@${username}`, node };
}

function profileBody(p, signal, reload) {
  const self = p.followState === 'FOLLOW_STATE_SELF' || (session.me && session.me.userId === p.userId);
  if (!self && p.blockedByYou) return blockedBody(p, reload);
  const base = `/u/${enc(p.username)}`;
  const count = (n, key, testid, href) => {
    const content = [h('strong', null, formatNumber(n)), ' ', t(key, { n: Number(n) || 0 })];
    return h('li', { testid }, href ? h('a', { href }, content) : content);
  };
  const mutedPill = h('span', { class: 'pill', testid: 'profile-muted', hidden: !p.mutedByYou }, t('profile.muted'));
  const action = self
    ? h('a', { class: 'btn btn-secondary', href: '/settings', testid: 'profile-edit' }, t('profile.edit'))
    : [
      followButton(p.username, p.followState, {
        followsYou: p.followsYou,
        onChange: () => reload(),
      }),
      profileMenu(p, mutedPill, reload, signal),
    ];
  const website = safeURL(p.website);
  let posts = count(p.postCount, 'profile.posts', 'profile-posts');
  document.addEventListener(IMAGE_DELETED, (e) => {
    if (e.detail.ownerId !== p.userId) return;
    p.postCount = Math.max(0, Number(p.postCount) - 1);
    const updated = count(p.postCount, 'profile.posts', 'profile-posts');
    posts.replaceWith(updated);
    posts = updated;
  }, { signal });
  const header = h('header', { class: 'profile-header', testid: 'profile', dataset: { username: p.username } },
    h('div', { class: 'profile-avatar', testid: 'profile-avatar' }, avatar(p, 'lg')),
    h('div', { class: 'profile-info' },
      h('div', { class: 'profile-title' },
        h('h1', { testid: 'profile-username' }, p.username),
        p.isPrivate ? h('span', { class: 'private-mark', title: t('profile.privateTitle') }, icon('lock')) : null,
        p.isProfessional ? h('span', { class: 'pill pro-badge', testid: 'profile-professional' }, t('profile.professional')) : null,
        action),
      h('ul', { class: 'counts' },
        posts,
        count(p.followerCount, 'profile.followers', 'profile-followers', p.canView ? `${base}/followers` : null),
        count(p.followingCount, 'profile.following', 'profile-following', p.canView ? `${base}/following` : null)),
      p.fullName ? h('p', { class: 'full-name-lg', testid: 'profile-fullname' }, p.fullName) : null,
      p.followsYou && !self ? h('p', { class: 'pill', testid: 'follows-you' }, t('follow.followsYou')) : null,
      self ? null : mutedPill,
      p.bio ? h('p', { class: 'bio', testid: 'profile-bio' }, p.bio) : null,
      website ? h('a', { class: 'website', testid: 'profile-website', href: website, rel: 'noopener noreferrer nofollow ugc', target: '_blank' }, displayURL(website)) : null));

  if (!p.canView) {
    return [header, h('div', { class: 'empty-state private', testid: 'profile-private' },
      icon('lock', 'icon icon-xl'),
      h('h2', null, t('profile.privateTitle')),
      h('p', { class: 'muted' }, t('profile.privateText')))];
  }
  const grid = h('ul', { class: 'grid', testid: 'profile-grid', 'aria-label': t('profile.photos') });
  const ownerSummary = { username: p.username, fullName: p.fullName, avatarUrl: p.avatarUrl };
  // The photos shown, in order, for the viewer to walk.
  const photos = [];
  const photoPager = pager({
    list: grid,
    signal,
    load: async (pageToken) => {
      const page = await request('GET', `/v1/users/${enc(p.username)}/images${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
      return { items: page.images || [], nextPageToken: page.nextPageToken };
    },
    renderItem: (image) => {
      const item = photoGridItem(image, ownerSummary);
      photos.push({ el: item, image, owner: ownerSummary });
      queueMicrotask(photoListChanged);
      return item;
    },
    onEmpty: () => grid.replaceWith(h('div', { class: 'empty-state', testid: 'profile-empty' },
      icon('image', 'icon icon-xl'),
      h('p', { class: 'muted' }, t('profile.noPosts')),
      self ? h('a', { class: 'btn btn-primary', href: '/upload' }, t('feed.shareFirst')) : null)),
  });
  offerPhotoList({
    entries: () => photos.filter((photo) => photo.el.isConnected),
    hasMore: () => hasNextPage(photoPager),
    more: () => loadNextPage(photoPager),
  }, signal);
  return [header, photoPager];
}

// profileMenu holds what one may do to someone else besides following:
// mute or unmute them, block them (after a confirmation). It closes on
// Escape and on a click elsewhere.
function profileMenu(p, mutedPill, reload, signal) {
  const mute = h('button', { type: 'button', class: 'menu-item', testid: 'profile-mute' });
  const showMute = () => {
    mute.textContent = t(p.mutedByYou ? 'blocks.unmute' : 'blocks.mute');
    mute.dataset.muted = String(Boolean(p.mutedByYou));
    mutedPill.hidden = !p.mutedByYou;
  };
  showMute();
  const block = h('button', { type: 'button', class: 'menu-item menu-danger', testid: 'profile-block' }, t('blocks.block'));
  const summary = h('summary', { class: 'icon-btn', testid: 'profile-menu', 'aria-label': t('profile.more'), title: t('profile.more') }, icon('more'));
  const menu = h('details', { class: 'menu' }, summary, h('div', { class: 'menu-items' }, mute, block));
  const close = () => {
    menu.open = false;
  };

  mute.addEventListener('click', async () => {
    mute.disabled = true;
    try {
      await setMuted(p.username, !p.mutedByYou);
      p.mutedByYou = !p.mutedByYou;
      showMute();
      close();
      summary.focus();
    } catch (err) {
      report(err);
    } finally {
      mute.disabled = false;
    }
  });
  block.addEventListener('click', async () => {
    close();
    if (!(await confirmBlock(p.username))) {
      summary.focus();
      return;
    }
    try {
      await setBlocked(p.username, true);
      reload();
    } catch (err) {
      report(err);
    }
  });
  menu.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !menu.open) return;
    e.preventDefault();
    close();
    summary.focus();
  });
  document.addEventListener('click', (e) => {
    if (menu.open && !menu.contains(e.target)) close();
  }, { signal });
  return menu;
}

// blockedBody is the profile of someone one blocked: the name and avatar
// only, and a way to unblock them.
function blockedBody(p, reload) {
  const unblock = h('button', { type: 'button', class: 'btn btn-primary', testid: 'profile-unblock' }, t('blocks.unblock'));
  unblock.addEventListener('click', async () => {
    unblock.disabled = true;
    try {
      await setBlocked(p.username, false);
      reload();
    } catch (err) {
      unblock.disabled = false;
      report(err);
    }
  });
  return h('header', { class: 'profile-header', testid: 'profile', dataset: { username: p.username, blocked: 'true' } },
    h('div', { class: 'profile-avatar', testid: 'profile-avatar' }, avatar(p, 'lg')),
    h('div', { class: 'profile-info' },
      h('div', { class: 'profile-title' },
        h('h1', { testid: 'profile-username' }, p.username),
        unblock),
      p.fullName ? h('p', { class: 'full-name-lg', testid: 'profile-fullname' }, p.fullName) : null,
      h('p', { class: 'muted', testid: 'profile-blocked' }, t('profile.blocked'))));
}

// safeURL returns a website that is an http(s) URL, or '' (a javascript:
// link must never become clickable).
function safeURL(raw) {
  if (!raw) return '';
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

function displayURL(href) {
  return href.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

function notFound() {
  return h('div', { class: 'empty-state', testid: 'not-found' },
    h('h1', null, t('notFound.title')),
    h('p', { class: 'muted' }, t('notFound.text')),
    h('a', { class: 'btn btn-primary', href: '/' }, t('notFound.home')));
}

// notFoundView is the screen for an address the app does not know.
export function notFoundView() {
  return { title: t('notFound.title'), node: h('section', { class: 'page narrow' }, notFound()) };
}

// Pieces shared by the screens: messages, form fields, follow buttons,
// reactions, times, and lists that load more as they scroll.

import { h, icon, avatar, visuallyHidden, replace } from './dom.js';
import { t, relativeTime, formatDateTime, formatNumber } from './i18n.js';
import { ApiError, NetworkError, request, enc } from './api.js';
import { session, navigate } from './router.js';

// toast announces a short message (polite live region, fades by itself).
export function toast(message, kind = 'info') {
  // Inside an open modal dialog, or the backdrop would cover it.
  const region = document.querySelector('dialog[open]') || document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}`, testid: 'toast' }, message);
  region.append(el);
  setTimeout(() => el.remove(), 5000);
}

// isAbort tells whether an error only means the screen was left.
export function isAbort(err) {
  return err && err.name === 'AbortError';
}

// errorMessage turns a failed call into words for people.
export function errorMessage(err) {
  if (err instanceof NetworkError) return t('err.network');
  if (err instanceof ApiError) {
    if (err.status === 429) {
      const s = err.retryAfterSeconds;
      return s ? t('err.tooMany', { s }) : t('err.tooManyLater');
    }
    if (err.status === 403) return t('err.forbidden');
    if (err.status === 503 || err.status === 504) return t('err.unavailable');
  }
  return t('err.generic');
}

// report shows a failure as a toast, unless it only means the screen was left
// or the session ended (then the login screen takes over).
export function report(err) {
  if (isAbort(err) || (err instanceof ApiError && err.status === 401)) return;
  toast(errorMessage(err), 'error');
}

// field builds a labelled input with a hint and a place for its error.
// opts: id, label, testid, hint, tag ('input' or 'textarea'), and input
// attributes (type, autocomplete, value, ...).
export function field({ id, label, testid, hint, tag = 'input', ...attrs }) {
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  const errorEl = h('p', { class: 'field-error', id: `${id}-error`, testid: `${testid}-error`, hidden: true });
  const input = h(tag, { id, name: id, testid, ...attrs });
  input.setAttribute('aria-describedby', [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field' }, h('label', { htmlFor: id }, label), input, hintEl, errorEl);
  return {
    wrap,
    input,
    setError(message) {
      errorEl.textContent = message || '';
      errorEl.hidden = !message;
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

// formError is the message at the top of a form (announced when it changes).
export function formError(testid) {
  const el = h('div', { class: 'form-error', role: 'alert', testid, hidden: true });
  return {
    el,
    set(message) {
      el.textContent = message || '';
      el.hidden = !message;
    },
  };
}

// showFieldErrors puts each error next to its field, focuses the first one
// and returns whether there was any. errors: field name → message.
export function showFieldErrors(fields, errors) {
  let first = null;
  for (const [name, f] of Object.entries(fields)) {
    f.setError(errors[name] || '');
    if (errors[name] && !first) first = f.input;
  }
  if (first) first.focus();
  return Boolean(first);
}

// timeAgo is a <time> saying how long ago, with the full date as a tooltip.
// key (optional) names a message that puts the time in a sentence
// ("Started {t}"). refreshTimes keeps what it says current.
export function timeAgo(iso, testid, key = '') {
  if (!iso) return null;
  return h('time', { datetime: iso, title: formatDateTime(iso), class: 'muted', testid, dataset: { relative: key } },
    relativeText(iso, key));
}

function relativeText(iso, key) {
  const ago = relativeTime(iso);
  return key ? t(key, { t: ago }) : ago;
}

// refreshTimes brings every time that timeAgo shows up to date (the app
// calls it every minute, so that "now" becomes "1 minute ago").
export function refreshTimes() {
  for (const el of document.querySelectorAll('time[data-relative]')) {
    el.textContent = relativeText(el.dateTime, el.dataset.relative);
  }
}

// MENTION_OR_TAG finds mentions and hashtags by the server's rules. A
// mention is an @ that no letter, digit or underscore (of any script)
// precedes, then a whole run of username characters of a username's length
// (4 to 30); only the first MAX_MENTIONS people a text names are
// mentioned. A hashtag is a # that no letter, digit, underscore or
// combining mark precedes, then a whole run of them of 1 to MAX_TAG_LENGTH
// characters; only the first MAX_TAGS tags of a text (told apart as the
// server folds them) are tags.
const MENTION_OR_TAG = /(?<![\p{L}\p{Nd}_])@([A-Za-z0-9_]+)|(?<![\p{L}\p{Nd}\p{M}_])#([\p{L}\p{Nd}\p{M}_]+)/gu;
const MAX_MENTIONS = 20;
const MAX_TAG_LENGTH = 100;
const MAX_TAGS = 30;

// TAG_NAME is what a tag may be made of, without its '#': a run of tag
// characters with at least one that is not a combining mark (marks alone
// fold to nothing).
const TAG_NAME = /^[\p{L}\p{Nd}\p{M}_]*[\p{L}\p{Nd}_][\p{L}\p{Nd}\p{M}_]*$/u;

// isTag tells whether name (without its '#') is a hashtag the server
// would recognise.
export function isTag(name) {
  return TAG_NAME.test(name) && Array.from(name).length <= MAX_TAG_LENGTH;
}

// foldTag is a tag as the server compares it: without accents, in lower
// case ("#Café" is #cafe).
function foldTag(name) {
  return name.normalize('NFKD').replace(/\p{Mn}/gu, '').normalize('NFC').toLowerCase();
}

// tagPath is the address of a tag's page.
export function tagPath(name) {
  return `/tags/${enc(name)}`;
}

// withLinks splits a caption or comment into text, links to the profiles
// it mentions and links to the pages of its hashtags, for h or append: the
// text stays text nodes.
export function withLinks(text) {
  const parts = [];
  const names = new Set();
  const tags = new Set();
  let last = 0;
  for (const m of (text || '').matchAll(MENTION_OR_TAG)) {
    const [whole, mention, tag] = m;
    let link = null;
    if (mention !== undefined) {
      if (mention.length < 4 || mention.length > 30) continue;
      const name = mention.toLowerCase();
      if (!names.has(name)) {
        if (names.size === MAX_MENTIONS) continue;
        names.add(name);
      }
      link = h('a', { class: 'mention', testid: 'mention', href: `/u/${enc(mention)}` }, whole);
    } else {
      if (!isTag(tag)) continue;
      const folded = foldTag(tag);
      if (!tags.has(folded)) {
        if (tags.size === MAX_TAGS) continue;
        tags.add(folded);
      }
      link = h('a', { class: 'tag', testid: 'tag', href: tagPath(tag) }, whole);
    }
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(link);
    last = m.index + whole.length;
  }
  if (last < (text || '').length) parts.push(text.slice(last));
  return parts;
}

// photoAlt is the text alternative of a photo: its caption, or who posted it.
export function photoAlt(image, ownerName) {
  return image.caption ? image.caption : t('photo.alt', { name: ownerName || image.ownerUsername });
}

// photoGridItem is a photo in a grid of thumbnails, opening the viewer over
// the grid. owner (a UserSummary-like object, or null when unknown) goes
// with it to the viewer.
export function photoGridItem(image, owner) {
  const href = `/p/${enc(image.imageId)}`;
  const ownerName = owner ? owner.fullName || owner.username : image.ownerUsername;
  return h('li', { class: 'grid-item', testid: 'grid-item', dataset: { imageId: image.imageId } },
    h('a', {
      href,
      onclick: (e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href, { state: { overlay: true, image, owner } });
      },
    }, h('img', {
      src: image.thumbUrl, alt: photoAlt(image, ownerName),
      loading: 'lazy', decoding: 'async', dataset: { role: 'photo' },
    })));
}

// userLink shows a person's avatar and name, linking to their profile.
export function userLink(user, size = 'sm') {
  return h('a', { class: 'user-link', href: `/u/${enc(user.username)}` },
    avatar(user, size),
    h('span', { class: 'user-names' },
      h('span', { class: 'username' }, user.username),
      user.fullName ? h('span', { class: 'full-name muted' }, user.fullName) : null));
}

const FOLLOW_LABEL = {
  FOLLOW_STATE_FOLLOWING: 'follow.following',
  FOLLOW_STATE_REQUESTED: 'follow.requested',
};

// followButton follows, unfollows or cancels a request in place. onChange
// gets the new state. Nothing is shown for oneself.
export function followButton(username, state, { followsYou = false, onChange } = {}) {
  if (state === 'FOLLOW_STATE_SELF') return null;
  const button = h('button', { type: 'button', testid: 'follow-button', dataset: { username } });
  const show = (s) => {
    state = s;
    const active = s === 'FOLLOW_STATE_FOLLOWING' || s === 'FOLLOW_STATE_REQUESTED';
    button.textContent = t(FOLLOW_LABEL[s] || (followsYou ? 'follow.followBack' : 'follow.follow'));
    button.className = active ? 'btn btn-secondary' : 'btn btn-primary';
    button.dataset.state = s;
    button.setAttribute('aria-pressed', String(active));
  };
  show(state || 'FOLLOW_STATE_NONE');
  button.addEventListener('click', async () => {
    const before = state;
    const following = before === 'FOLLOW_STATE_FOLLOWING' || before === 'FOLLOW_STATE_REQUESTED';
    button.disabled = true;
    try {
      const res = await request(following ? 'DELETE' : 'POST', `/v1/users/${enc(username)}/follow`);
      const next = res.followState || (following ? 'FOLLOW_STATE_NONE' : 'FOLLOW_STATE_FOLLOWING');
      show(next);
      if (next === 'FOLLOW_STATE_REQUESTED') toast(t('follow.requestSent', { u: username }));
      if (onChange) onChange(next, before);
    } catch (err) {
      show(before);
      report(err);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

// The reactions of each photo shown: its widgets (the timeline card and the
// viewer stay in step), what the server last said, and the changes in flight.
const reactionState = new Map();

function stateOf(imageId) {
  let state = reactionState.get(imageId);
  if (!state) {
    state = { widgets: new Set(), confirmed: null, pending: 0, seq: 0, applied: 0, failed: false };
    reactionState.set(imageId, state);
  }
  return state;
}

function sync(image) {
  const state = reactionState.get(image.imageId);
  if (!state) return;
  for (const w of state.widgets) {
    if (!w.el.isConnected) state.widgets.delete(w);
    else w.render(image);
  }
}

// reactions shows like and dislike toggles with their counts. A click shows
// its effect at once; when the server refuses it, the photo goes back to what
// the server last said (not to what an earlier click, still unanswered,
// showed). The widget is aria-busy while changes are being saved.
export function reactions(image) {
  const likeCount = h('span', { class: 'count', testid: 'like-count' });
  const dislikeCount = h('span', { class: 'count', testid: 'dislike-count' });
  const likeLabel = visuallyHidden(t('react.like'));
  const dislikeLabel = visuallyHidden(t('react.dislike'));
  const like = h('button', { type: 'button', class: 'react react-like', testid: 'like-button' }, icon('heart'), likeLabel);
  const dislike = h('button', { type: 'button', class: 'react react-dislike', testid: 'dislike-button' }, icon('thumbDown'), dislikeLabel);
  const el = h('div', { class: 'reactions', dataset: { imageId: image.imageId } },
    h('span', { class: 'reaction' }, like, likeCount),
    h('span', { class: 'reaction' }, dislike, dislikeCount));
  const state = stateOf(image.imageId);
  // Fresh data from the server is the truth, unless a change is in flight.
  if (state.pending === 0) state.confirmed = pickReactions(image);
  let current = { ...image };

  const widget = {
    el,
    render(img) {
      current = { ...current, ...pickReactions(img) };
      el.setAttribute('aria-busy', String(state.pending > 0));
      like.setAttribute('aria-pressed', String(Boolean(current.likedByMe)));
      dislike.setAttribute('aria-pressed', String(Boolean(current.dislikedByMe)));
      likeCount.textContent = formatNumber(current.likeCount);
      dislikeCount.textContent = formatNumber(current.dislikeCount);
      likeCount.title = t('react.likes', { n: Number(current.likeCount) || 0 });
      dislikeCount.title = t('react.dislikes', { n: Number(current.dislikeCount) || 0 });
    },
  };
  widget.render(image);
  state.widgets.add(widget);

  const toggle = async (kind) => {
    const before = pickReactions(current);
    const optimistic = { ...before };
    const on = kind === 'like' ? !before.likedByMe : !before.dislikedByMe;
    const n = (v) => Number(v) || 0;
    if (kind === 'like') {
      optimistic.likedByMe = on;
      optimistic.likeCount = n(before.likeCount) + (on ? 1 : -1);
      if (on && before.dislikedByMe) {
        optimistic.dislikedByMe = false;
        optimistic.dislikeCount = n(before.dislikeCount) - 1;
      }
    } else {
      optimistic.dislikedByMe = on;
      optimistic.dislikeCount = n(before.dislikeCount) + (on ? 1 : -1);
      if (on && before.likedByMe) {
        optimistic.likedByMe = false;
        optimistic.likeCount = n(before.likeCount) - 1;
      }
    }
    const mine = ++state.seq;
    state.pending++;
    sync({ imageId: image.imageId, ...optimistic });
    try {
      const res = await request(on ? 'PUT' : 'DELETE', `/v1/images/${enc(image.imageId)}/${kind}`);
      // The answer to the latest change that succeeded is the truth.
      if (mine > state.applied) {
        state.applied = mine;
        state.confirmed = res.image ? pickReactions(res.image) : optimistic;
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) state.failed = true;
    } finally {
      state.pending--;
      // When every change has its answer, show what the server holds, and
      // say once if a change was lost.
      if (state.pending === 0) {
        sync({ imageId: image.imageId, ...state.confirmed });
        if (state.failed) {
          state.failed = false;
          toast(t('react.failed'), 'error');
        }
      }
    }
  };
  like.addEventListener('click', () => toggle('like'));
  dislike.addEventListener('click', () => toggle('dislike'));
  return el;
}

function pickReactions(img) {
  return {
    likedByMe: Boolean(img.likedByMe),
    dislikedByMe: Boolean(img.dislikedByMe),
    likeCount: Number(img.likeCount) || 0,
    dislikeCount: Number(img.dislikeCount) || 0,
  };
}

// The pagers on screen and how to ask each for its next page (loadNextPage).
const pagers = new WeakMap();

// pager fills a list page by page while its end scrolls into view.
// load(pageToken) resolves to { items, nextPageToken }; renderItem(item)
// returns a node (or null) appended to list. onEmpty runs when the very first
// page is empty; endText (optional) closes a finished list. Stops when signal
// aborts.
export function pager({ list, load, renderItem, onEmpty, endText, signal }) {
  const status = h('div', { class: 'pager-status', testid: 'pager-status' });
  const sentinel = h('div', { class: 'sentinel', testid: 'pager-sentinel', 'aria-hidden': 'true' });
  const el = h('div', { class: 'pager' }, list, status, sentinel);
  let token = '';
  let first = true;
  let inflight = null;
  let done = false;

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) more();
  }, { rootMargin: '800px 0px' });
  signal.addEventListener('abort', () => observer.disconnect());

  // more loads the next page, or joins the load in flight.
  function more() {
    if (!inflight) inflight = loadPage().finally(() => { inflight = null; });
    return inflight;
  }

  async function loadPage() {
    if (done || signal.aborted) return;
    replace(status, h('p', { class: 'muted loading', role: 'status' }, t('loading')));
    try {
      const page = await load(token);
      if (signal.aborted) return;
      const items = page.items || [];
      for (const item of items) append(renderItem(item));
      token = page.nextPageToken || '';
      done = !token;
      replace(status);
      if (first && items.length === 0 && onEmpty) onEmpty(page);
      else if (done && endText) replace(status, h('p', { class: 'muted end', testid: 'list-end' }, endText));
      first = false;
    } catch (err) {
      if (isAbort(err)) return;
      replace(status,
        h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => more() }, t('retry')));
      return;
    }
    if (done) {
      observer.disconnect();
    } else {
      // The observer only reports changes: if the sentinel is still in view
      // after this page, ask for the next one now.
      observer.unobserve(sentinel);
      observer.observe(sentinel);
    }
  }

  function append(node) {
    if (node) list.append(node);
  }

  observer.observe(sentinel);
  pagers.set(el, { more, hasMore: () => !done });
  return el;
}

// loadNextPage asks the pager el for its next page; it resolves to whether
// more pages remain after it.
export async function loadNextPage(el) {
  const p = pagers.get(el);
  if (!p || !p.hasMore()) return false;
  await p.more();
  return p.hasMore();
}

// hasNextPage tells whether the pager el has pages it has not loaded.
export function hasNextPage(el) {
  const p = pagers.get(el);
  return Boolean(p && p.hasMore());
}

// moreButton fills a list page by page, each after a click on its "load
// more" button (moreLabel, moreTestid). load, renderItem, onEmpty and signal
// are as for pager; onPage(page) runs after each page is shown. It returns
// the list followed by its status and button.
export function moreButton({ list, load, renderItem, onEmpty, onPage, moreLabel, moreTestid, signal }) {
  const status = h('div', { class: 'pager-status' });
  const button = h('button', { type: 'button', class: 'btn btn-secondary', testid: moreTestid, hidden: true }, moreLabel);
  const el = h('div', { class: 'pager' }, list, status, h('div', { class: 'row center' }, button));
  let token = '';
  let first = true;

  async function more() {
    button.disabled = true;
    replace(status, h('p', { class: 'muted loading', role: 'status' }, t('loading')));
    try {
      const page = await load(token);
      if (signal.aborted) return;
      const items = page.items || [];
      for (const item of items) {
        const node = renderItem(item);
        if (node) list.append(node);
      }
      token = page.nextPageToken || '';
      replace(status);
      button.textContent = moreLabel;
      button.hidden = !token;
      if (first && items.length === 0 && onEmpty) onEmpty(page);
      first = false;
      if (onPage) onPage(page);
    } catch (err) {
      if (isAbort(err)) return;
      replace(status, h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)));
      button.textContent = first ? t('retry') : moreLabel;
      button.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener('click', () => more());
  more();
  return el;
}

// refreshRequestsBadge shows in the navigation how many follow requests wait
// for an answer.
export async function refreshRequestsBadge() {
  try {
    const res = await request('GET', '/v1/me/follow-requests?pageSize=1');
    const n = Number(res.totalCount ?? (res.users || []).length) || 0;
    const badge = document.getElementById('requests-badge');
    if (!badge) return;
    badge.hidden = n === 0;
    badge.dataset.count = String(n);
    replace(badge, formatNumber(n), visuallyHidden(` ${t('nav.requestsCount', { n })}`));
  } catch (err) {
    if (!isAbort(err) && !(err instanceof ApiError)) report(err);
  }
}

// UNREAD_POLL_MS is how often the app asks how many notifications are
// unread while it is open.
const UNREAD_POLL_MS = 30 * 1000;

// The unread count last heard (0 until then) and whose it is.
const unread = { count: 0, userId: null, watching: false };

// notificationsBadge is the bell's badge, showing the unread count last
// heard; refreshNotificationsBadge brings it up to date.
export function notificationsBadge() {
  const badge = h('span', { class: 'badge', testid: 'notifications-badge', id: 'notifications-badge' });
  paintUnread(badge);
  return badge;
}

function paintUnread(badge) {
  const n = unread.count;
  badge.hidden = n === 0;
  badge.dataset.count = String(n);
  // The server counts up to 100; "99+" says "a hundred or more".
  replace(badge, n > 99 ? '99+' : formatNumber(n), visuallyHidden(` ${t('nav.notificationsCount', { n })}`));
}

// refreshNotificationsBadge asks how many notifications are unread and
// shows it on the bell.
export async function refreshNotificationsBadge() {
  if (!session.me) return;
  const userId = session.me.userId;
  try {
    const res = await request('GET', '/v1/notifications:unreadCount');
    if (!session.me || session.me.userId !== userId) return;
    unread.count = Number(res.unreadCount) || 0;
    unread.userId = userId;
    const badge = document.getElementById('notifications-badge');
    if (badge) paintUnread(badge);
  } catch (err) {
    if (!isAbort(err) && !(err instanceof ApiError)) report(err);
  }
}

// clearNotificationsBadge hides the bell's badge at once (the inbox was
// opened and marked read).
export function clearNotificationsBadge() {
  unread.count = 0;
  const badge = document.getElementById('notifications-badge');
  if (badge) paintUnread(badge);
}

// watchNotifications keeps the bell current for the logged-in person: it
// asks at once when they are new to it, then every 30 seconds while the
// page is visible, and whenever the window gets the focus back or the page
// becomes visible again.
export function watchNotifications() {
  if (!session.me) return;
  if (unread.userId !== session.me.userId) {
    unread.count = 0;
    unread.userId = session.me.userId;
    refreshNotificationsBadge();
  }
  if (unread.watching) return;
  unread.watching = true;
  setInterval(() => {
    if (document.visibilityState === 'visible') refreshNotificationsBadge();
  }, UNREAD_POLL_MS);
  window.addEventListener('focus', () => refreshNotificationsBadge());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refreshNotificationsBadge();
  });
}

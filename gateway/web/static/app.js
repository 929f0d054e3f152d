// FotoGal's web app: plain JavaScript modules, no build step, talking only to
// the /v1 API of the gateway that serves it.
//
// Routes (history.pushState; the gateway serves index.html for all of them):
//   /                         timeline (or the login screen when logged out)
//   /login, /register         log in, create an account (?next=/path after login)
//   /upload                   new photo
//   /u/{username}             profile; /u/{username}/followers, /following
//   /tags/{tag}               the photos of a hashtag (the tag without '#')
//   /explore                  recent public photos of accounts one does not
//                             follow, best ranked first
//   /p/{imageId}              a photo in the viewer dialog (over the screen it
//                             was opened from, or over its owner's profile)
//   /settings                 edit profile, profile photo, password; blocked
//                             and muted accounts
//   /requests                 follow requests received
//   /notifications            the inbox: likes, comments, mentions, follows
//   /sessions                 one's sessions
//
// Stable hooks for browser tests (data-testid unless marked #id):
//   layout     nav, nav-home, nav-explore, nav-upload, nav-requests,
//              requests-badge (data-count), nav-notifications,
//              notifications-badge (data-count; "99+" above 99),
//              nav-profile, nav-settings, nav-sessions, logout, lang-select,
//              toast, #main
//   search     search-input (#search-input, the combobox), search-popup,
//              search-results (the listbox), search-result (data-username;
//              aria-selected on the one ↑/↓ highlight), search-status (no
//              one found, or an error)
//   login      login-form, login-email, login-password, login-submit,
//              login-error, login-email-error, login-password-error
//   register   register-form, register-email, register-fullname,
//              register-username, register-password, register-submit,
//              register-error, register-<field>-error
//   timeline   timeline, feed-item (data-image-id), feed-image, caption,
//              like-button / dislike-button (aria-pressed), like-count,
//              dislike-count (in .reactions, aria-busy while a reaction
//              is being saved), feed-empty (data-reason), suggestion
//              (data-username), follow-button (data-state, data-username),
//              feed-refresh, list-end, pager-status, mention and tag (links
//              in a caption or comment), plus the comment hooks below
//   comments   comments (data-image-id), comment-count, comments-view-all,
//              comment-list, comment (data-comment-id), comment-author,
//              comment-text, comment-delete, comments-more, comment-form,
//              comment-input, comment-submit, comment-error, comments-off
//   inbox      notifications, notification (data-kind, data-unread,
//              data-notification-id), notification-actor,
//              notification-text, notification-time, notification-thumb,
//              notification-requests, notifications-more,
//              notifications-empty
//   upload     upload-form, upload-drop, upload-file (#upload-file),
//              upload-preview, upload-caption, upload-submit, upload-cancel,
//              upload-progress, upload-status, upload-error
//   profile    profile (data-username), profile-avatar, profile-username,
//              profile-fullname, profile-bio, profile-website, profile-posts,
//              profile-followers, profile-following, follows-you,
//              profile-edit, profile-private, profile-grid, grid-item
//              (data-image-id), profile-empty, not-found, profile-menu (the
//              menu's button), profile-mute (data-muted), profile-muted,
//              profile-block, block-dialog, block-confirm, block-cancel;
//              blocked: profile (data-blocked), profile-blocked,
//              profile-unblock
//   tag        tag-title, tag-grid, grid-item (data-image-id), tag-empty
//   explore    explore-title, explore-grid, grid-item (data-image-id),
//              explore-empty
//   people     people-list, person (data-username), remove-follower
//   requests   requests, request-item (data-username), request-accept,
//              request-reject, requests-empty
//   settings   settings-form, settings-email, settings-fullname,
//              settings-bio, settings-website, settings-gender,
//              settings-private, settings-save, settings-saved,
//              settings-<field>-error, avatar-image, avatar-file,
//              avatar-error, avatar-progress, password-form, password-old,
//              password-new, password-confirm, password-submit,
//              password-error, password-done, password-<field>-error,
//              blocked-list, blocked-account (data-username),
//              unblock-button, blocked-list-empty, blocked-list-more,
//              muted-list, muted-account (data-username), unmute-button,
//              muted-list-empty, muted-list-more
//   sessions   sessions, session-item (data-session-id, data-current),
//              session-revoke
//   viewer     viewer (the <dialog>), viewer-image, viewer-caption,
//              viewer-close, viewer-edit-caption, viewer-caption-input,
//              viewer-caption-save, viewer-delete, viewer-delete-confirm,
//              viewer-toggle-comments (data-disabled), viewer-prev,
//              viewer-next, plus the reaction and comment hooks above

import { h, icon, replace } from './js/dom.js';
import { t, language, setLanguage, LANGUAGES } from './js/i18n.js';
import { request, setUnauthenticatedHandler, ApiError } from './js/api.js';
import { session, onNavigate, navigate, rerender } from './js/router.js';
import {
  errorMessage, isAbort, report, refreshRequestsBadge, notificationsBadge, watchNotifications, refreshTimes,
} from './js/ui.js';
import { loginView, registerView } from './js/views/auth.js';
import { timelineView } from './js/views/timeline.js';
import { uploadView } from './js/views/upload.js';
import { profileView, notFoundView } from './js/views/profile.js';
import { peopleView } from './js/views/people.js';
import { requestsView } from './js/views/requests.js';
import { settingsView } from './js/views/settings.js';
import { sessionsView } from './js/views/sessions.js';
import { notificationsView } from './js/views/notifications.js';
import { tagView } from './js/views/tag.js';
import { exploreView } from './js/views/explore.js';
import { openViewer, closeViewer, viewerIsOpen } from './js/viewer.js';
import { searchBox } from './js/search.js';

const ROUTES = [
  { pattern: /^\/$/, view: timelineView },
  { pattern: /^\/login$/, view: loginView, public: true },
  { pattern: /^\/register$/, view: registerView, public: true },
  { pattern: /^\/upload$/, view: uploadView },
  { pattern: /^\/u\/([^/]+)$/, view: profileView },
  { pattern: /^\/u\/([^/]+)\/followers$/, view: (ctx) => peopleView(ctx, 'followers') },
  { pattern: /^\/u\/([^/]+)\/following$/, view: (ctx) => peopleView(ctx, 'following') },
  { pattern: /^\/tags\/([^/]+)$/, view: tagView },
  { pattern: /^\/explore$/, view: exploreView },
  { pattern: /^\/settings$/, view: settingsView },
  { pattern: /^\/requests$/, view: requestsView },
  { pattern: /^\/sessions$/, view: sessionsView },
  { pattern: /^\/notifications$/, view: notificationsView },
];

// RELATIVE_TIMES_MS is how often the times shown ("3 minutes ago") are
// brought up to date.
const RELATIVE_TIMES_MS = 60 * 1000;

const PHOTO_ROUTE = /^\/p\/([^/]+)$/;

const main = document.getElementById('main');
const header = document.getElementById('header');

// What the main area shows: its path and the controller that aborts its
// pending calls and observers when it is replaced.
let mounted = { path: null, controller: null };

function matchRoute(path) {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    try {
      return { route, params: m.slice(1).map(decodeURIComponent) };
    } catch {
      return null; // A malformed escape names nothing the app knows.
    }
  }
  return null;
}

function mount(path, view, params, { push }) {
  if (mounted.controller) mounted.controller.abort();
  const controller = new AbortController();
  mounted = { path, controller };
  const { title, node } = view({ params, signal: controller.signal });
  document.title = title ? `${title} · FotoGal` : 'FotoGal';
  replace(main, node);
  if (push) {
    window.scrollTo(0, 0);
    const heading = main.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }
}

function render({ push = false, force = false } = {}) {
  let path = location.pathname;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (!session.me && !isPublic(path)) {
    const next = path === '/' ? '' : `?next=${encodeURIComponent(path + location.search)}`;
    history.replaceState(null, '', `/login${next}`);
    path = '/login';
  } else if (session.me && isPublic(path)) {
    history.replaceState(null, '', '/');
    path = '/';
  }
  const photo = PHOTO_ROUTE.exec(path);
  if (!photo && viewerIsOpen()) closeViewer();
  renderHeader();
  if (session.me) {
    refreshRequestsBadge();
    watchNotifications();
  }

  if (photo) {
    if (force && mounted.path) remountBackground();
    showPhoto(photo[1], { push });
    return;
  }
  if (!force && path === mounted.path) return;
  const m = matchRoute(path);
  if (m) mount(path, m.route.view, m.params, { push });
  else mount(path, notFoundView, [], { push });
}

// remountBackground draws the screen under the viewer again (after a
// language switch).
function remountBackground() {
  const m = matchRoute(mounted.path);
  if (m) mount(mounted.path, m.route.view, m.params, { push: false });
}

function isPublic(path) {
  const m = matchRoute(path);
  return Boolean(m && m.route.public);
}

// showPhoto opens the viewer over the current screen when the photo was
// opened from inside the app, or over its owner's profile on a direct visit.
async function showPhoto(segment, { push }) {
  let imageId;
  try {
    imageId = decodeURIComponent(segment);
  } catch {
    mount(location.pathname, notFoundView, [], { push });
    return;
  }
  const overlay = history.state && history.state.overlay && mounted.path && !PHOTO_ROUTE.test(mounted.path);
  if (overlay) {
    openViewer(imageId, { image: history.state.image, owner: history.state.owner, onClose: () => history.back() });
    return;
  }
  try {
    const { image } = await request('GET', `/v1/images/${encodeURIComponent(imageId)}`);
    const ownerPath = `/u/${encodeURIComponent(image.ownerUsername)}`;
    if (mounted.path !== ownerPath) mount(ownerPath, profileView, [image.ownerUsername], { push });
    openViewer(imageId, { image, fresh: true, onClose: () => navigate(ownerPath, { replace: true }) });
  } catch (err) {
    if (isAbort(err) || (err instanceof ApiError && err.status === 401)) return;
    if (err instanceof ApiError && (err.status === 404 || err.status === 400)) {
      mount(location.pathname, notFoundView, [], { push });
    } else {
      report(err);
    }
  }
}

// Header: the brand, the search box and the main navigation when logged in,
// the language.
function renderHeader() {
  document.querySelector('.skip-link').textContent = t('skip');
  const brand = h('a', { class: 'brand', href: '/' }, icon('camera', 'icon brand-icon'), h('span', null, 'FotoGal'));
  const lang = h('select', {
    id: 'lang-select', testid: 'lang-select', class: 'lang-select', 'aria-label': t('lang.label'),
    onchange: (e) => {
      setLanguage(e.target.value);
      rerender();
    },
  }, LANGUAGES.map(({ code, name }) => h('option', { value: code, selected: code === language(), lang: code }, name)));
  replace(header, brand, session.me ? searchBox() : null, session.me ? nav() : null, lang);
}

function nav() {
  const me = session.me;
  const path = location.pathname;
  const item = (href, iconName, label, testid, extra) => h('li', null,
    h('a', {
      href, testid, class: 'nav-link', title: label,
      'aria-current': path === href ? 'page' : null,
    }, icon(iconName), h('span', { class: 'nav-label' }, label), extra));
  const badge = h('span', { class: 'badge', testid: 'requests-badge', id: 'requests-badge', hidden: true });
  return h('nav', { class: 'main-nav', 'aria-label': t('nav.main'), testid: 'nav' },
    h('ul', null,
      item('/', 'home', t('nav.home'), 'nav-home'),
      item('/explore', 'compass', t('nav.explore'), 'nav-explore'),
      item('/upload', 'plus', t('nav.upload'), 'nav-upload'),
      item('/requests', 'requests', t('nav.requests'), 'nav-requests', badge),
      item('/notifications', 'bell', t('nav.notifications'), 'nav-notifications', notificationsBadge()),
      item(`/u/${encodeURIComponent(me.username)}`, 'user', t('nav.profile'), 'nav-profile'),
      item('/settings', 'settings', t('nav.settings'), 'nav-settings'),
      item('/sessions', 'sessions', t('nav.sessions'), 'nav-sessions'),
      h('li', null, h('button', {
        type: 'button', class: 'nav-link', testid: 'logout', title: t('nav.logout'), onclick: logout,
      }, icon('logout'), h('span', { class: 'nav-label' }, t('nav.logout'))))));
}

async function logout() {
  try {
    await request('DELETE', '/v1/sessions/current', { keepSession: true });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      report(err);
      return;
    }
  }
  session.me = null;
  navigate('/login');
}

// Links inside the app navigate without reloading the page; a link to a
// place in the page (the skip link) moves the focus there.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.getAttribute('href').startsWith('#')) {
    const target = document.getElementById(a.hash.slice(1));
    if (target) {
      e.preventDefault();
      target.focus();
    }
    return;
  }
  if (a.pathname.startsWith('/v1/')) return;
  e.preventDefault();
  if (a.pathname + a.search !== location.pathname + location.search) navigate(a.pathname + a.search);
});

window.addEventListener('popstate', () => render());

setUnauthenticatedHandler(() => {
  if (!session.me) return;
  session.me = null;
  render({ force: true });
});

onNavigate(render);

setInterval(refreshTimes, RELATIVE_TIMES_MS);

async function boot() {
  setLanguage(language());
  try {
    const res = await request('GET', '/v1/me', { keepSession: true });
    session.me = res.user || null;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      renderHeader();
      replace(main, h('section', { class: 'page narrow' },
        h('h1', null, 'FotoGal'),
        h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)),
        h('button', { type: 'button', class: 'btn btn-primary', onclick: () => boot() }, t('retry'))));
      return;
    }
    session.me = null;
  }
  render({ force: true });
}

boot();

// Followers and following lists of a person, with follow buttons in place
// and, on one's own followers, a way to remove a follower.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { request, query, enc, ApiError } from '../api.js';
import { session } from '../router.js';
import { pager, userLink, followButton, toast, report } from '../ui.js';

const PAGE_SIZE = 30;

// peopleView shows /u/{username}/followers or /u/{username}/following.
export function peopleView({ params: [username], signal }, which) {
  const own = session.me && session.me.username.toLowerCase() === username.toLowerCase();
  const list = h('ul', { class: 'people', testid: 'people-list' });
  const title = t(which === 'followers' ? 'people.followers' : 'people.following');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const node = h('section', { class: 'page narrow' },
    h('h1', null, title),
    h('p', { class: 'muted' }, h('a', { href: `/u/${enc(username)}` }, `@${username}`)),
    error,
    pager({
      list,
      signal,
      load: async (pageToken) => {
        try {
          const page = await request('GET', `/v1/users/${enc(username)}/${which}${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
          return { items: page.users || [], nextPageToken: page.nextPageToken };
        } catch (err) {
          if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
            error.textContent = err.status === 403 ? t('profile.privateTitle') : t('notFound.title');
            error.hidden = false;
            return { items: [], nextPageToken: '' };
          }
          throw err;
        }
      },
      renderItem: (user) => person(user, own && which === 'followers'),
      onEmpty: () => {
        if (error.hidden) list.append(h('li', { class: 'muted' }, t('people.empty')));
      },
    }));
  return { title, node };
}

function person(user, removable) {
  const li = h('li', { class: 'person', testid: 'person', dataset: { username: user.username } });
  let remove = null;
  if (removable) {
    remove = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'remove-follower' }, t('people.remove'));
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        await request('DELETE', `/v1/me/followers/${enc(user.username)}`);
        li.remove();
        toast(t('people.removed', { u: user.username }));
      } catch (err) {
        remove.disabled = false;
        report(err);
      }
    });
  }
  li.append(userLink(user, 'md'), h('div', { class: 'row' }, followButton(user.username, user.followState), remove));
  return li;
}

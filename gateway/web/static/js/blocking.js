// Blocking and muting: the calls, the confirmation a block asks for first,
// and the lists of blocked and muted people in the settings.
//
// Blocking ends the follows between two people, both ways, and makes each
// to the other as a stranger to a private account. Muting only takes a
// person's photos out of one's timeline.

import { h } from './dom.js';
import { t } from './i18n.js';
import { request, query, enc } from './api.js';
import { moreButton, userLink, toast, report } from './ui.js';

const PAGE_SIZE = 20;

// setBlocked blocks (on) or unblocks a person and says so.
export async function setBlocked(username, on) {
  await request(on ? 'PUT' : 'DELETE', `/v1/me/blocks/${enc(username)}`);
  toast(t(on ? 'blocks.blocked' : 'blocks.unblocked', { u: username }));
}

// setMuted mutes (on) or unmutes a person and says so.
export async function setMuted(username, on) {
  await request(on ? 'PUT' : 'DELETE', `/v1/me/mutes/${enc(username)}`);
  toast(t(on ? 'blocks.muted' : 'blocks.unmuted', { u: username }));
}

// confirmBlock asks, in a modal dialog, whether to block username and
// says what a block does. It resolves to whether the person confirmed.
export function confirmBlock(username) {
  const confirm = h('button', { type: 'submit', class: 'btn btn-danger', value: 'block', testid: 'block-confirm' }, t('blocks.block'));
  const cancel = h('button', { type: 'submit', class: 'btn btn-secondary', value: 'cancel', testid: 'block-cancel' }, t('blocks.cancel'));
  const dialog = h('dialog', { class: 'confirm-dialog', testid: 'block-dialog', 'aria-labelledby': 'block-dialog-title', 'aria-describedby': 'block-dialog-text' },
    h('form', { method: 'dialog', class: 'stack' },
      h('h2', { id: 'block-dialog-title' }, t('blocks.confirmTitle', { u: username })),
      h('p', { id: 'block-dialog-text' }, t('blocks.confirmText', { u: username })),
      h('div', { class: 'row' }, confirm, cancel)));
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'block');
    });
    dialog.showModal();
    cancel.focus();
  });
}

// LISTS are the two lists the settings show: their route, messages and
// hooks for tests.
const LISTS = {
  blocks: {
    path: '/v1/me/blocks',
    empty: 'settings.blockedEmpty',
    undo: 'blocks.unblock',
    item: 'blocked-account',
    list: 'blocked-list',
    button: 'unblock-button',
    set: (username) => setBlocked(username, false),
  },
  mutes: {
    path: '/v1/me/mutes',
    empty: 'settings.mutedEmpty',
    undo: 'blocks.unmute',
    item: 'muted-account',
    list: 'muted-list',
    button: 'unmute-button',
    set: (username) => setMuted(username, false),
  },
};

// peopleList shows the people one blocked (which 'blocks') or muted
// ('mutes'), most recent first, page by page, each with a button that
// lifts the block or the mute.
export function peopleList(which, signal) {
  const spec = LISTS[which];
  const list = h('ul', { class: 'people', testid: spec.list });
  const empty = h('p', { class: 'muted', testid: `${spec.list}-empty`, hidden: true }, t(spec.empty));
  const showEmpty = () => {
    empty.hidden = list.children.length > 0;
  };
  const renderItem = (user) => {
    const undo = h('button', { type: 'button', class: 'btn btn-secondary', testid: spec.button }, t(spec.undo));
    const li = h('li', { class: 'person', testid: spec.item, dataset: { username: user.username } },
      userLink(user, 'md'), h('div', { class: 'row' }, undo));
    undo.addEventListener('click', async () => {
      undo.disabled = true;
      try {
        await spec.set(user.username);
        li.remove();
        showEmpty();
      } catch (err) {
        undo.disabled = false;
        report(err);
      }
    });
    return li;
  };
  const pages = moreButton({
    list,
    signal,
    load: async (pageToken) => {
      const page = await request('GET', `${spec.path}${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
      return { items: page.users || [], nextPageToken: page.nextPageToken };
    },
    renderItem,
    onEmpty: showEmpty,
    moreLabel: t('settings.more'),
    moreTestid: `${spec.list}-more`,
  });
  return h('div', null, empty, pages);
}

// Comments under a photo: how many there are, the latest two (in the viewer,
// all of them on request, oldest first, page by page), a field to add one
// and a delete control on those the caller may delete. Every section showing
// the same photo (its timeline card, the viewer over it) stays in step
// through the COMMENTS_CHANGED event.

import { h, icon, avatar, replace, visuallyHidden } from './dom.js';
import { t } from './i18n.js';
import { request, query, enc, ApiError } from './api.js';
import { timeAgo, withLinks, moreButton, toast, report, errorMessage, isAbort } from './ui.js';

// COMMENT_MAX is the longest comment the server takes.
const COMMENT_MAX = 2200;

// LATEST is how many comments a section shows until all are asked for;
// ALL_PAGE_SIZE how many each page of "view all" brings.
const LATEST = 2;
const ALL_PAGE_SIZE = 50;

// COMMENTS_CHANGED is the document event announcing that a photo's comments
// changed (detail: imageId, and commentCount or commentsDisabled, and the
// section that changed them).
export const COMMENTS_CHANGED = 'fotogal:comments-changed';

// The gRPC code of FailedPrecondition: the photo takes no more comments.
const FAILED_PRECONDITION = 9;

// commentsSection shows a photo's comments. In the timeline, viewAll (a
// link: href and onclick) opens the photo for the rest; in the viewer
// (viewAll unset) a button loads them all here. Stops when signal aborts.
export function commentsSection(image, { viewAll, signal }) {
  const state = {
    count: Number(image.commentCount) || 0,
    disabled: Boolean(image.commentsDisabled),
    showingAll: false,
  };
  const countEl = h('p', { class: 'comment-count muted', testid: 'comment-count' });
  let list = h('ul', { class: 'comment-list', testid: 'comment-list', 'aria-label': t('comments.label') });
  const listBox = h('div', { class: 'comment-list-box' }, list);
  const viewAllEl = viewAll
    ? h('a', { class: 'comments-view-all muted', testid: 'comments-view-all', href: viewAll.href, onclick: viewAll.onclick })
    : h('button', { type: 'button', class: 'link-button comments-view-all', testid: 'comments-view-all', onclick: () => showAll() });
  const section = h('section', {
    class: 'comments', testid: 'comments', dataset: { imageId: image.imageId }, 'aria-label': t('comments.label'),
  }, countEl, viewAllEl, listBox);

  const shown = () => list.querySelectorAll('[data-testid="comment"]').length;

  function paint() {
    countEl.textContent = t('comments.count', { n: state.count });
    countEl.hidden = state.count === 0;
    viewAllEl.textContent = t('comments.viewAll', { n: state.count });
    viewAllEl.hidden = state.showingAll || state.count <= Math.max(LATEST, shown());
    form.setDisabled(state.disabled);
  }

  function item(comment) {
    return commentItem(comment, async (li, button) => {
      button.disabled = true;
      try {
        await request('DELETE', `/v1/images/${enc(image.imageId)}/comments/${enc(comment.commentId)}`, { signal });
        li.remove();
        changeCount(-1);
        toast(t('comments.deleted'));
        if (!state.showingAll) loadLatest();
      } catch (err) {
        button.disabled = false;
        report(err);
      }
    });
  }

  // add shows a comment once, at the end (the newest is the last).
  function add(comment) {
    if (list.querySelector(`[data-comment-id="${CSS.escape(comment.commentId)}"]`)) return;
    list.append(item(comment));
  }

  function changeCount(delta) {
    state.count = Math.max(0, state.count + delta);
    paint();
    announce({ commentCount: state.count });
  }

  function announce(change) {
    document.dispatchEvent(new CustomEvent(COMMENTS_CHANGED, { detail: { imageId: image.imageId, from: section, ...change } }));
  }

  async function loadLatest() {
    if (state.count === 0) {
      replace(list);
      paint();
      return;
    }
    try {
      const page = await request('GET', `/v1/images/${enc(image.imageId)}/comments${query({ pageSize: LATEST, newestFirst: true })}`, { signal });
      if (state.showingAll) return;
      replace(list, (page.comments || []).slice().reverse().map(item));
      paint();
    } catch (err) {
      if (!isAbort(err)) replace(list, h('li', { class: 'form-error', role: 'alert' }, errorMessage(err)));
    }
  }

  function showAll() {
    state.showingAll = true;
    const all = h('ul', { class: 'comment-list', testid: 'comment-list', 'aria-label': t('comments.label') });
    replace(listBox, moreButton({
      list: all,
      signal,
      load: async (pageToken) => {
        const page = await request('GET', `/v1/images/${enc(image.imageId)}/comments${query({ pageSize: ALL_PAGE_SIZE, pageToken })}`, { signal });
        return { items: page.comments || [], nextPageToken: page.nextPageToken };
      },
      renderItem: (comment) => (all.querySelector(`[data-comment-id="${CSS.escape(comment.commentId)}"]`) ? null : item(comment)),
      moreLabel: t('comments.more'),
      moreTestid: 'comments-more',
    }));
    list = all;
    paint();
    all.tabIndex = -1;
    all.focus();
  }

  const form = commentForm(image, signal, {
    onAdded(comment) {
      add(comment);
      changeCount(1);
    },
    onDisabled() {
      state.disabled = true;
      paint();
      announce({ commentsDisabled: true });
    },
  });
  section.append(form.el);

  document.addEventListener(COMMENTS_CHANGED, (e) => {
    const change = e.detail;
    if (change.imageId !== image.imageId || change.from === section || !section.isConnected) return;
    if ('commentsDisabled' in change) state.disabled = change.commentsDisabled;
    if ('commentCount' in change) {
      state.count = change.commentCount;
      if (!state.showingAll) {
        loadLatest();
        return;
      }
    }
    paint();
  }, { signal });

  paint();
  loadLatest();
  return section;
}

// setCommentsDisabled tells every section showing the photo that its owner
// turned comments off (or on again).
export function setCommentsDisabled(imageId, disabled) {
  document.dispatchEvent(new CustomEvent(COMMENTS_CHANGED, { detail: { imageId, commentsDisabled: disabled } }));
}

function commentItem(comment, onDelete) {
  const author = { username: comment.authorUsername, avatarUrl: comment.authorAvatarUrl };
  const li = h('li', { class: 'comment', testid: 'comment', dataset: { commentId: comment.commentId } },
    h('a', { class: 'comment-avatar', href: `/u/${enc(author.username)}`, tabIndex: -1, 'aria-hidden': 'true' }, avatar(author, 'xs')),
    h('p', { class: 'comment-body' },
      h('a', { class: 'username', testid: 'comment-author', href: `/u/${enc(author.username)}` }, author.username), ' ',
      h('span', { class: 'comment-text', testid: 'comment-text' }, withLinks(comment.text)), ' ',
      timeAgo(comment.createTime)));
  if (comment.canDelete) {
    const button = h('button', {
      type: 'button', class: 'icon-btn comment-delete', testid: 'comment-delete', title: t('comments.delete'),
    }, icon('close'), visuallyHidden(t('comments.delete')));
    button.addEventListener('click', () => onDelete(li, button));
    li.append(button);
  }
  return li;
}

// commentForm is the field to add a comment: Enter posts it, Shift+Enter
// starts a new line. Errors show under it.
function commentForm(image, signal, { onAdded, onDisabled }) {
  const id = `comment-input-${image.imageId}-${Math.random().toString(36).slice(2, 8)}`;
  const input = h('textarea', {
    id, testid: 'comment-input', class: 'comment-input', rows: 1, maxlength: COMMENT_MAX,
    placeholder: t('comments.placeholder'), 'aria-describedby': `${id}-error ${id}-off`,
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'comment-submit' }, t('comments.submit'));
  const error = h('p', { class: 'field-error', id: `${id}-error`, testid: 'comment-error', role: 'alert', hidden: true });
  const off = h('p', { class: 'muted small', id: `${id}-off`, testid: 'comments-off', hidden: true }, t('comments.off'));
  const showError = (message) => {
    error.textContent = message || '';
    error.hidden = !message;
  };
  const el = h('form', { class: 'comment-form', testid: 'comment-form' },
    h('label', { class: 'visually-hidden', htmlFor: id }, t('comments.inputLabel')),
    h('div', { class: 'comment-row' }, input, submit),
    error, off);

  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    el.requestSubmit();
  });
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value;
    if (!text.trim() || submit.disabled) return;
    submit.disabled = true;
    showError('');
    try {
      const res = await request('POST', `/v1/images/${enc(image.imageId)}/comments`, { body: { text }, signal });
      input.value = '';
      onAdded(res.comment);
    } catch (err) {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 400 && err.code === FAILED_PRECONDITION) {
        onDisabled();
      } else if (err instanceof ApiError && err.status === 400) {
        showError(t('comments.invalid', { n: COMMENT_MAX }));
      } else if (err instanceof ApiError && err.status === 404) {
        showError(t('viewer.notFound'));
      } else if (!(err instanceof ApiError && err.status === 401)) {
        showError(errorMessage(err));
      }
    } finally {
      submit.disabled = input.disabled;
    }
  });

  return {
    el,
    setDisabled(disabled) {
      input.disabled = disabled;
      submit.disabled = disabled;
      off.hidden = !disabled;
      if (disabled) showError('');
    },
  };
}

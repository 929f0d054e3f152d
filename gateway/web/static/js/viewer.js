// The photo viewer: a modal <dialog> with the display size, the caption, the
// reactions, the comments, for the owner editing the caption, turning
// comments off and deleting the photo, and buttons (and the arrow keys) to
// walk the photos of the screen it was opened from.

import { h, icon, replace } from './dom.js';
import { t } from './i18n.js';
import { request, enc, ApiError } from './api.js';
import { session } from './router.js';
import { reactions, timeAgo, userLink, photoAlt, withLinks, toast, report, errorMessage, isAbort } from './ui.js';
import { commentsSection, setCommentsDisabled } from './comments.js';

const CAPTION_MAX = 2200;

// IMAGE_DELETED is the document event announcing that the viewer deleted a
// photo (detail: the image), for screens that count photos.
export const IMAGE_DELETED = 'fotogal:image-deleted';

let dialog = null;
let onClose = null;
let controller = null;
// The photo shown, and the previous and next buttons.
let shown = { imageId: null, prev: null, next: null };
// The photos of the screen under the viewer (see offerPhotoList), and
// whether a step to another one is under way.
let photoList = null;
let walking = false;

function ensureDialog() {
  if (dialog) return dialog;
  dialog = h('dialog', { class: 'viewer', testid: 'viewer', 'aria-labelledby': 'viewer-title' });
  // The close event comes a moment after the dialog closed: by then it may
  // show another photo already.
  dialog.addEventListener('close', () => {
    if (dialog.open) return;
    if (controller) controller.abort();
    replace(dialog);
    shown = { imageId: null, prev: null, next: null };
    const fn = onClose;
    onClose = null;
    if (fn) fn();
  });
  // A click on the backdrop (the dialog element itself, outside its content)
  // closes it, as Esc does.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  // ← and → walk the photos, unless they move the caret in a field.
  document.addEventListener('keydown', (e) => {
    if (!viewerIsOpen() || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    if (e.target instanceof Element && e.target.closest('input, textarea, select, [contenteditable]')) return;
    e.preventDefault();
    walk(e.key === 'ArrowLeft' ? -1 : 1);
  });
  document.body.append(dialog);
  return dialog;
}

// viewerIsOpen tells whether the viewer is showing.
export function viewerIsOpen() {
  return Boolean(dialog && dialog.open);
}

// closeViewer closes the viewer without running its onClose (the app is
// already going elsewhere).
export function closeViewer() {
  if (!viewerIsOpen()) return;
  onClose = null;
  dialog.close();
}

// offerPhotoList makes list the photos the viewer walks while the screen
// showing them is up (until signal aborts). list.entries() returns the
// photos in order as { image, owner }; list.hasMore() tells whether pages
// remain and list.more() loads the next one. The screen calls
// photoListChanged when it shows more photos.
export function offerPhotoList(list, signal) {
  photoList = list;
  signal.addEventListener('abort', () => {
    if (photoList === list) photoList = null;
  });
}

// photoListChanged shows or hides the previous and next buttons again, now
// that the photos under the viewer changed.
export function photoListChanged() {
  if (viewerIsOpen()) updateNav();
}

function position() {
  const entries = photoList ? photoList.entries() : [];
  return { entries, index: entries.findIndex((e) => e.image.imageId === shown.imageId) };
}

function updateNav() {
  if (!shown.prev) return;
  const { entries, index } = position();
  shown.prev.hidden = index <= 0;
  shown.next.hidden = index < 0 || (index >= entries.length - 1 && !photoList.hasMore());
}

// walk shows the photo delta steps away in the list under the viewer,
// loading its next page when needed. The address follows, in place of the
// current one: closing still goes back to the list.
async function walk(delta) {
  if (walking || !photoList) return;
  const from = shown.imageId;
  let { entries, index } = position();
  if (index < 0 || index + delta < 0) return;
  walking = true;
  try {
    if (index + delta >= entries.length) {
      if (!photoList.hasMore()) return;
      await photoList.more();
      if (!viewerIsOpen() || shown.imageId !== from) return;
      ({ entries, index } = position());
      if (index < 0 || index + delta >= entries.length) {
        updateNav();
        return;
      }
    }
    const { image, owner } = entries[index + delta];
    const state = history.state && history.state.overlay ? { ...history.state, image, owner } : history.state;
    history.replaceState(state, '', `/p/${enc(image.imageId)}`);
    openViewer(image.imageId, { image, owner, onClose, focus: delta < 0 ? 'prev' : 'next' });
  } catch (err) {
    report(err);
  } finally {
    walking = false;
  }
}

// openViewer shows a photo. image and owner (a UserSummary-like object) are
// shown at once when known; the photo is then fetched afresh, unless fresh
// says the caller has just fetched it (then only a missing owner is asked
// for, and the photo is shown once, with it: a second rendering would swap
// the buttons under a click). onClose runs when the person closes the
// viewer. focus ('prev' or 'next') puts the focus on that button, after a
// step with it.
export function openViewer(imageId, { image, owner, fresh = false, onClose: whenClosed, focus } = {}) {
  const d = ensureDialog();
  if (controller) controller.abort();
  controller = new AbortController();
  const signal = controller.signal;
  onClose = whenClosed;
  const closeButton = h('button', {
    type: 'button', class: 'icon-btn viewer-close', testid: 'viewer-close',
    'aria-label': t('viewer.close'), title: t('viewer.close'), onclick: () => d.close(),
  }, icon('close'));
  const navButton = (delta, testid, label, iconName) => h('button', {
    type: 'button', class: `icon-btn viewer-nav ${testid}`, testid, hidden: true,
    'aria-label': label, title: label, onclick: () => walk(delta),
  }, icon(iconName));
  const prev = navButton(-1, 'viewer-prev', t('viewer.previous'), 'chevronLeft');
  const next = navButton(1, 'viewer-next', t('viewer.next'), 'chevronRight');
  shown = { imageId, prev, next };
  const body = h('div', { class: 'viewer-body' });
  replace(d, closeButton, h('h2', { id: 'viewer-title', class: 'visually-hidden' }, t('viewer.label')), body, prev, next);
  if (!d.open) d.showModal();
  updateNav();
  if (focus) {
    const wanted = focus === 'prev' ? prev : next;
    const other = focus === 'prev' ? next : prev;
    (!wanted.hidden ? wanted : !other.hidden ? other : closeButton).focus();
  }

  if (fresh && image) {
    if (owner) {
      fill(body, image, owner, signal);
      return;
    }
    replace(body, h('p', { class: 'muted loading viewer-loading', role: 'status' }, t('loading')));
    ownerOf(image, signal)
      .then((o) => { if (!signal.aborted) fill(body, image, o, signal); })
      .catch((err) => { if (!isAbort(err)) report(err); });
    return;
  }
  if (image) fill(body, image, owner, signal);
  else replace(body, h('p', { class: 'muted loading viewer-loading', role: 'status' }, t('loading')));

  request('GET', `/v1/images/${enc(imageId)}`, { signal })
    .then(async (res) => {
      if (!owner || owner.username !== res.image.ownerUsername) owner = await ownerOf(res.image, signal);
      if (!signal.aborted) fill(body, res.image, owner, signal);
    })
    .catch((err) => {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(body, h('p', { class: 'viewer-missing', role: 'alert' }, t('viewer.notFound')));
      } else if (!image) {
        replace(body, h('p', { class: 'form-error', role: 'alert' }, errorMessage(err)));
      } else {
        report(err);
      }
    });
}

async function ownerOf(image, signal) {
  try {
    const { profile } = await request('GET', `/v1/users/${enc(image.ownerUsername)}`, { signal });
    return profile;
  } catch (err) {
    if (isAbort(err)) throw err;
    return { username: image.ownerUsername };
  }
}

function fill(body, image, owner, signal) {
  owner = owner || { username: image.ownerUsername };
  const mine = session.me && image.ownerId === session.me.userId;
  const caption = h('p', { class: 'caption viewer-caption', testid: 'viewer-caption' }, withLinks(image.caption));
  caption.hidden = !image.caption;
  const img = h('img', {
    class: 'viewer-image', testid: 'viewer-image', src: image.displayUrl,
    width: image.displayWidth || null, height: image.displayHeight || null,
    alt: photoAlt(image, owner.fullName || owner.username), decoding: 'async',
  });
  const side = h('div', { class: 'viewer-side' },
    h('div', { class: 'viewer-owner' }, userLink(owner)),
    caption,
    timeAgo(image.createTime),
    reactions(image),
    comments(body, image, signal),
    mine ? ownerTools(image, caption, signal) : null);
  replace(body, h('figure', { class: 'viewer-figure' }, img), side);
}

// comments keeps the comments already shown for this photo when the fresh
// copy of it says the same (a comment being typed is not lost).
function comments(body, image, signal) {
  const existing = body.querySelector('[data-testid="comments"]');
  if (existing && existing.dataset.imageId === image.imageId &&
    existing.dataset.count === String(Number(image.commentCount) || 0) &&
    existing.dataset.disabled === String(Boolean(image.commentsDisabled))) {
    return existing;
  }
  const section = commentsSection(image, { signal });
  section.dataset.count = String(Number(image.commentCount) || 0);
  section.dataset.disabled = String(Boolean(image.commentsDisabled));
  return section;
}

function ownerTools(image, caption, signal) {
  const tools = h('div', { class: 'viewer-tools' });
  const editButton = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'viewer-edit-caption' }, t('viewer.editCaption'));
  const deleteButton = h('button', { type: 'button', class: 'btn btn-danger', testid: 'viewer-delete' }, t('viewer.delete'));
  const commentsButton = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'viewer-toggle-comments' });
  const showCommentsButton = () => {
    commentsButton.textContent = t(image.commentsDisabled ? 'comments.turnOn' : 'comments.turnOff');
    commentsButton.dataset.disabled = String(Boolean(image.commentsDisabled));
  };
  showCommentsButton();
  const actions = h('div', { class: 'row' }, editButton, commentsButton, deleteButton);

  commentsButton.addEventListener('click', async () => {
    const wanted = !image.commentsDisabled;
    commentsButton.disabled = true;
    try {
      const res = await request('PATCH', `/v1/images/${enc(image.imageId)}`, { body: { commentsDisabled: wanted }, signal });
      image.commentsDisabled = Boolean(res.image ? res.image.commentsDisabled : wanted);
      showCommentsButton();
      setCommentsDisabled(image.imageId, image.commentsDisabled);
      toast(t(image.commentsDisabled ? 'comments.turnedOff' : 'comments.turnedOn'));
    } catch (err) {
      if (!isAbort(err)) report(err);
    } finally {
      commentsButton.disabled = false;
    }
  });

  editButton.addEventListener('click', () => {
    const input = h('textarea', {
      id: 'viewer-caption-input', testid: 'viewer-caption-input', maxlength: CAPTION_MAX, rows: 4, value: image.caption || '',
    });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'viewer-caption-save' }, t('viewer.save'));
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => { replace(tools, actions); editButton.focus(); } }, t('viewer.cancel'));
    const form = h('form', {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        error.hidden = true;
        try {
          const res = await request('PATCH', `/v1/images/${enc(image.imageId)}`, { body: { caption: input.value }, signal });
          image.caption = (res.image && res.image.caption) ?? input.value;
          replace(caption, withLinks(image.caption));
          caption.hidden = !image.caption;
          updateCaptionElsewhere(image);
          replace(tools, actions);
          editButton.focus();
          toast(t('viewer.captionSaved'));
        } catch (err) {
          if (isAbort(err)) return;
          error.textContent = err instanceof ApiError && err.status === 400 ? t('err.tooLong', { n: CAPTION_MAX }) : errorMessage(err);
          error.hidden = false;
        } finally {
          save.disabled = false;
        }
      },
    }, h('label', { htmlFor: 'viewer-caption-input' }, t('upload.caption')), input, error, h('div', { class: 'row' }, save, cancel));
    replace(tools, form);
    input.focus();
  });

  deleteButton.addEventListener('click', () => {
    const confirm = h('button', { type: 'button', class: 'btn btn-danger', testid: 'viewer-delete-confirm' }, t('viewer.confirm'));
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => { replace(tools, actions); deleteButton.focus(); } }, t('viewer.cancel'));
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      try {
        await request('DELETE', `/v1/images/${enc(image.imageId)}`, { signal });
        for (const el of document.querySelectorAll(`#main [data-image-id="${CSS.escape(image.imageId)}"]`)) {
          el.remove();
        }
        document.dispatchEvent(new CustomEvent(IMAGE_DELETED, { detail: image }));
        toast(t('viewer.deleted'));
        dialog.close();
      } catch (err) {
        confirm.disabled = false;
        report(err);
      }
    });
    replace(tools, h('div', { class: 'confirm', role: 'group', 'aria-label': t('viewer.delete') },
      h('p', null, t('viewer.confirmDelete')), h('div', { class: 'row' }, confirm, cancel)));
    cancel.focus();
  });

  replace(tools, actions);
  return tools;
}

// updateCaptionElsewhere shows a new caption on the screen under the viewer.
function updateCaptionElsewhere(image) {
  for (const el of document.querySelectorAll(`#main [data-image-id="${CSS.escape(image.imageId)}"]`)) {
    const text = el.querySelector('[data-testid="caption"]');
    if (text) {
      replace(text, withLinks(image.caption));
      text.closest('.caption').hidden = !image.caption;
    }
    const img = el.querySelector('img[data-role="photo"]');
    if (img) img.alt = photoAlt(image);
  }
}

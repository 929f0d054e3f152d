// The photo viewer: a modal <dialog> with the display size, the caption, the
// reactions, and for the owner editing the caption and deleting the photo.

import { h, icon, replace } from './dom.js';
import { t } from './i18n.js';
import { request, enc, ApiError } from './api.js';
import { session } from './router.js';
import { reactions, timeAgo, userLink, photoAlt, toast, report, errorMessage, isAbort } from './ui.js';

const CAPTION_MAX = 2200;

// IMAGE_DELETED is the document event announcing that the viewer deleted a
// photo (detail: the image), for screens that count photos.
export const IMAGE_DELETED = 'fotogal:image-deleted';

let dialog = null;
let onClose = null;
let controller = null;
// closing tells the close handler that the app (not the person) closed it.
let closing = false;

function ensureDialog() {
  if (dialog) return dialog;
  dialog = h('dialog', { class: 'viewer', testid: 'viewer', 'aria-labelledby': 'viewer-title' });
  dialog.addEventListener('close', () => {
    if (controller) controller.abort();
    replace(dialog);
    const fn = onClose;
    onClose = null;
    if (!closing && fn) fn();
  });
  // A click on the backdrop (the dialog element itself, outside its content)
  // closes it, as Esc does.
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
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
  closing = true;
  dialog.close();
  closing = false;
}

// openViewer shows a photo. image and owner (a UserSummary-like object) are
// shown at once when known; the photo is then fetched afresh. onClose runs
// when the person closes the viewer.
export function openViewer(imageId, { image, owner, onClose: whenClosed } = {}) {
  const d = ensureDialog();
  if (controller) controller.abort();
  controller = new AbortController();
  const signal = controller.signal;
  onClose = whenClosed;
  const closeButton = h('button', {
    type: 'button', class: 'icon-btn viewer-close', testid: 'viewer-close',
    'aria-label': t('viewer.close'), title: t('viewer.close'), onclick: () => d.close(),
  }, icon('close'));
  const body = h('div', { class: 'viewer-body' });
  replace(d, closeButton, h('h2', { id: 'viewer-title', class: 'visually-hidden' }, t('viewer.label')), body);
  if (!d.open) d.showModal();

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
  const caption = h('p', { class: 'caption viewer-caption', testid: 'viewer-caption' }, image.caption || '');
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
    mine ? ownerTools(image, caption, signal) : null);
  replace(body, h('figure', { class: 'viewer-figure' }, img), side);
}

function ownerTools(image, caption, signal) {
  const tools = h('div', { class: 'viewer-tools' });
  const editButton = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'viewer-edit-caption' }, t('viewer.editCaption'));
  const deleteButton = h('button', { type: 'button', class: 'btn btn-danger', testid: 'viewer-delete' }, t('viewer.delete'));
  const actions = h('div', { class: 'row' }, editButton, deleteButton);

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
          caption.textContent = image.caption;
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
      text.textContent = image.caption;
      text.closest('.caption').hidden = !image.caption;
    }
    const img = el.querySelector('img[data-role="photo"]');
    if (img) img.alt = photoAlt(image);
  }
}

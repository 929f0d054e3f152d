// A hashtag's page: "#tag" and a grid of the photos whose caption carries
// it (those the caller may see), newest first, loaded as the page scrolls.
// The viewer opened from the grid walks its photos.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { request, query, enc } from '../api.js';
import { offerPhotoList, photoListChanged } from '../viewer.js';
import { pager, loadNextPage, hasNextPage, photoGridItem, isTag } from '../ui.js';
import { notFoundView } from './profile.js';

const PAGE_SIZE = 24;

// tagView shows /tags/{tag} (the tag without its '#', in any case).
export function tagView({ params: [raw], signal }) {
  const name = raw.startsWith('#') ? raw.slice(1) : raw;
  if (!isTag(name)) return notFoundView();
  const title = `#${name}`;
  const grid = h('ul', { class: 'grid', testid: 'tag-grid', 'aria-label': t('tag.photos', { tag: title }) });
  // The photos shown, in order, for the viewer to walk. Their owners are
  // not known here: the viewer looks them up.
  const photos = [];
  const photoPager = pager({
    list: grid,
    signal,
    load: async (pageToken) => {
      const page = await request('GET', `/v1/tags/${enc(name)}/images${query({ pageSize: PAGE_SIZE, pageToken })}`, { signal });
      return { items: page.images || [], nextPageToken: page.nextPageToken };
    },
    renderItem: (image) => {
      const item = photoGridItem(image, null);
      photos.push({ el: item, image, owner: null });
      queueMicrotask(photoListChanged);
      return item;
    },
    onEmpty: () => grid.replaceWith(h('div', { class: 'empty-state', testid: 'tag-empty' },
      icon('image', 'icon icon-xl'),
      h('p', { class: 'muted' }, t('tag.empty', { tag: title })))),
  });
  offerPhotoList({
    entries: () => photos.filter((photo) => photo.el.isConnected),
    hasMore: () => hasNextPage(photoPager),
    more: () => loadNextPage(photoPager),
  }, signal);
  const node = h('section', { class: 'page tag-page' },
    h('h1', { class: 'tag-title', testid: 'tag-title' }, title),
    photoPager);
  return { title, node };
}

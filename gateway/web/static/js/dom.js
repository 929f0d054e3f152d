// DOM building blocks. Every piece of text that came from a person goes
// into the page as a text node (never through innerHTML), so a caption like
// <img src=x onerror=alert(1)> shows as those characters.

const SVG_NS = 'http://www.w3.org/2000/svg';

// h creates an element. props: class, testid (data-testid), dataset,
// on<event> handlers, DOM properties for value/checked/disabled/hidden and
// the like, every other key as an attribute (null, undefined and false are
// left out). children: nodes, strings (as text), arrays, and null/false
// (skipped).
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') {
      el.className = value;
    } else if (key === 'testid') {
      el.dataset.testid = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

const PROPERTIES = new Set([
  'value', 'checked', 'disabled', 'hidden', 'required', 'multiple',
  'selected', 'readOnly', 'htmlFor', 'tabIndex', 'loading', 'decoding',
]);

// append adds children (see h) to a node.
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// replace swaps all of a node's children for new ones.
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// Icons are drawn with strokes on a 24×24 grid: [element, attributes] pairs.
const ICONS = {
  home: [['path', { d: 'M3 11.5 12 4l9 7.5M5.5 9.5V20h4.5v-6h4v6h4.5V9.5' }]],
  plus: [['rect', { x: 3, y: 3, width: 18, height: 18, rx: 5 }], ['path', { d: 'M12 8v8M8 12h8' }]],
  heart: [['path', { d: 'M12 20s-7.5-4.6-9.2-9.3C1.7 7.4 3.9 4.5 7 4.5c2.1 0 3.6 1.2 5 3 1.4-1.8 2.9-3 5-3 3.1 0 5.3 2.9 4.2 6.2C19.5 15.4 12 20 12 20z' }]],
  thumbDown: [['path', { d: 'M9.5 15H5.3a2 2 0 0 1-2-2.3l1.3-7.5A2 2 0 0 1 6.6 3.5H16v10l-3.6 7a2 2 0 0 1-2.9-1.8zM16 3.5h3a1.5 1.5 0 0 1 1.5 1.5v7a1.5 1.5 0 0 1-1.5 1.5h-3' }]],
  user: [['circle', { cx: 12, cy: 8, r: 4 }], ['path', { d: 'M4 20.5c.8-3.8 4-5.5 8-5.5s7.2 1.7 8 5.5' }]],
  requests: [['circle', { cx: 9, cy: 8, r: 4 }], ['path', { d: 'M2 20.5c.7-3.6 3.4-5.5 7-5.5s6.3 1.9 7 5.5M19 8v6M16 11h6' }]],
  settings: [['path', { d: 'M4 7h9M17 7h3M4 17h3M11 17h9' }], ['circle', { cx: 15, cy: 7, r: 2 }], ['circle', { cx: 9, cy: 17, r: 2 }]],
  sessions: [['rect', { x: 2.5, y: 4, width: 19, height: 12.5, rx: 2 }], ['path', { d: 'M8 20.5h8M12 16.5v4' }]],
  logout: [['path', { d: 'M9.5 20.5H5.5a2 2 0 0 1-2-2v-13a2 2 0 0 1 2-2h4M16 16.5l4.5-4.5L16 7.5M20.5 12H9.5' }]],
  lock: [['rect', { x: 5, y: 10.5, width: 14, height: 10, rx: 2 }], ['path', { d: 'M8 10.5V7.5a4 4 0 0 1 8 0v3' }]],
  close: [['path', { d: 'M6 6l12 12M18 6 6 18' }]],
  camera: [['rect', { x: 2.5, y: 6.5, width: 19, height: 14, rx: 3 }], ['path', { d: 'M8.5 6.5 10 3.5h4l1.5 3' }], ['circle', { cx: 12, cy: 13.5, r: 4 }]],
  upload: [['path', { d: 'M12 15.5V4M7 8.5 12 3.5l5 5M4 15v3.5A2.5 2.5 0 0 0 6.5 21h11a2.5 2.5 0 0 0 2.5-2.5V15' }]],
  image: [['rect', { x: 3, y: 3, width: 18, height: 18, rx: 3 }], ['circle', { cx: 9, cy: 9, r: 2 }], ['path', { d: 'M21 15.5l-5-5L5 21' }]],
  bell: [['path', { d: 'M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15zM10 20.5a2.2 2.2 0 0 0 4 0' }]],
  comment: [['path', { d: 'M20.5 11.5a8 8 0 0 1-11.6 7.2L3.5 20.5l1.8-4.9A8 8 0 1 1 20.5 11.5z' }]],
  chevronLeft: [['path', { d: 'M15 5l-7 7 7 7' }]],
  chevronRight: [['path', { d: 'M9 5l7 7-7 7' }]],
  more: [['circle', { cx: 5, cy: 12, r: 1.2 }], ['circle', { cx: 12, cy: 12, r: 1.2 }], ['circle', { cx: 19, cy: 12, r: 1.2 }]],
  compass: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M15.5 8.5 13.4 13.4 8.5 15.5 10.6 10.6z' }]],
  search: [['circle', { cx: 10.5, cy: 10.5, r: 6.5 }], ['path', { d: 'M15.5 15.5 20.5 20.5' }]],
};

// icon returns a decorative SVG icon (hidden from assistive technology: the
// control around it carries the label).
export function icon(name, className = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [tag, attrs] of ICONS[name]) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) shape.setAttribute(k, String(v));
    svg.append(shape);
  }
  return svg;
}

// avatar shows a person's avatar, or their initial on a colour derived from
// the username when they have none.
export function avatar(user, size = 'sm') {
  const name = user.fullName || user.username || '?';
  if (user.avatarUrl) {
    const px = AVATAR_PX[size];
    return h('img', {
      class: `avatar avatar-${size}`, src: user.avatarUrl, alt: '',
      width: px, height: px, loading: 'lazy', decoding: 'async',
    });
  }
  const el = h('span', { class: `avatar avatar-${size} avatar-initial`, 'aria-hidden': 'true' },
    Array.from(name.trim())[0]?.toUpperCase() || '?');
  el.style.backgroundColor = `hsl(${hue(user.username || name)} 55% 42%)`;
  return el;
}

const AVATAR_PX = { xs: 24, sm: 32, md: 44, lg: 96 };

function hue(s) {
  let n = 0;
  for (const ch of s) n = (n * 31 + ch.codePointAt(0)) % 360;
  return n;
}

// visuallyHidden wraps text that screen readers read but the eye does not see.
export function visuallyHidden(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

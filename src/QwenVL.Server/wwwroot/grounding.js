// Grounding output of Qwen-VL answers -> boxes and points drawn over the image they refer to.
// Reads Qwen2-VL tokens (<|object_ref_start|>label<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>,
// 0-1000 relative) and Qwen2.5-VL JSON (bbox_2d / point_2d in pixels of the RESIZED image).
// It does not guess which image a box belongs to: the caller passes the image (the last one sent).

const PAIR = /\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)/g;
const TOKEN_BOX = /(?:<\|object_ref_start\|>([\s\S]*?)<\|object_ref_end\|>\s*)?<\|box_start\|>([\s\S]*?)<\|box_end\|>/g;
// Same shape with the special tokens stripped by a server that skips them: "label(x1,y1),(x2,y2)".
const BARE_BOX = /([^\n()[\]{}.,;:]{1,40})?\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*,\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/g;
const OBJECT = /\{[^{}]*\}/g;
const HUES = [0, 215, 130, 32, 280, 185, 330, 55];

/** Items in an answer: {type:'box'|'point', label, space:'rel1000'|'resized', x1,y1,x2,y2 | x,y}. */
export function parseGrounding(text) {
  const items = [];
  for (const m of text.matchAll(TOKEN_BOX)) {
    const points = [...m[2].matchAll(PAIR)].map(p => [Number(p[1]), Number(p[2])]);
    for (let i = 0; i + 1 < points.length; i += 2) {
      items.push(box((m[1] ?? '').trim(), 'rel1000', [...points[i], ...points[i + 1]]));
    }
  }
  for (const m of text.matchAll(OBJECT)) {
    const item = parseJsonItem(m[0]);
    if (item) items.push(item);
  }
  if (items.length === 0) {
    for (const m of text.matchAll(BARE_BOX)) {
      items.push(box((m[1] ?? '').trim(), 'rel1000', m.slice(2, 6).map(Number)));
    }
  }
  return items;
}

// One {"bbox_2d": [...], "label": "..."} object; tolerant of truncated or slightly broken JSON
// (a stopped answer often ends mid-array), so fields are read by pattern when JSON.parse fails.
function parseJsonItem(source) {
  let obj = null;
  try { obj = JSON.parse(source); } catch { obj = null; }
  const numbers = key => {
    if (obj && Array.isArray(obj[key])) return obj[key].map(Number);
    const m = source.match(new RegExp(`"${key}"\\s*:\\s*\\[([^\\]]*)\\]`));
    return m ? m[1].split(',').map(s => Number(s.trim())) : null;
  };
  let label = obj && obj.label != null ? String(obj.label) : (source.match(/"label"\s*:\s*"((?:[^"\\]|\\.)*)"/)?.[1] ?? '');
  const bbox = numbers('bbox_2d');
  if (bbox && bbox.length === 4 && bbox.every(Number.isFinite)) return box(label, 'resized', bbox);
  const point = numbers('point_2d');
  if (point && point.length === 2 && point.every(Number.isFinite)) return { type: 'point', label, space: 'resized', x: point[0], y: point[1] };
  return null;
}

/** Items from the server's x_qwenvl_annotations (original-image pixels); preferred over parsing the text. */
export function fromAnnotations(a) {
  return [
    ...(a.boxes ?? []).map(b => box(b.label ?? '', 'original', b.bbox)),
    ...(a.points ?? []).map(p => ({ type: 'point', label: p.label ?? '', space: 'original', x: p.point[0], y: p.point[1] })),
  ];
}

function box(label, space, [x1, y1, x2, y2]) {
  return { type: 'box', label, space, x1: Math.min(x1, x2), y1: Math.min(y1, y2), x2: Math.max(x1, x2), y2: Math.max(y1, y2) };
}

// Python's round(): halves go to the even neighbour, as in the reference smart_resize.
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Qwen's smart_resize: the size the model saw, used when the server does not report it. */
export function smartResize(width, height, factor = 28, minPixels = 56 * 56, maxPixels = 12845056) {
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil(height * beta / factor) * factor;
    w = Math.ceil(width * beta / factor) * factor;
  }
  return { width: w, height: h };
}

const clamp01 = v => Math.min(1, Math.max(0, v));

/** Fractions (0-1 of the displayed image) of an item, given the resized size the model saw. */
export function toFractions(item, resized, original) {
  const frame = item.space === 'original' ? original : resized;
  const fx = v => clamp01(item.space === 'rel1000' ? v / 1000 : v / frame.width);
  const fy = v => clamp01(item.space === 'rel1000' ? v / 1000 : v / frame.height);
  return item.type === 'box'
    ? { left: fx(item.x1), top: fy(item.y1), width: fx(item.x2) - fx(item.x1), height: fy(item.y2) - fy(item.y1) }
    : { left: fx(item.x), top: fy(item.y) };
}

/**
 * A figure with the image and one absolutely positioned element per item (percentages, so the
 * overlay follows the image at any displayed size). image: {src, width, height, resized?}.
 */
export function renderOverlay(image, items) {
  const resized = image.resized ?? smartResize(image.width, image.height);
  const figure = document.createElement('figure');
  figure.className = 'grounding';
  const stage = document.createElement('div');
  stage.className = 'stage';
  const img = document.createElement('img');
  img.src = image.src;
  img.alt = 'Image with detected regions';
  stage.append(img);
  items.forEach((item, i) => {
    const f = toFractions(item, resized, image);
    const el = document.createElement('div');
    el.className = item.type === 'box' ? 'box' : 'point';
    el.style.setProperty('--hue', String(HUES[i % HUES.length]));
    el.style.left = `${f.left * 100}%`;
    el.style.top = `${f.top * 100}%`;
    if (item.type === 'box') {
      el.style.width = `${f.width * 100}%`;
      el.style.height = `${f.height * 100}%`;
    }
    el.dataset.label = item.label;
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', `${item.label || item.type} ${item.type}`);
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = item.label || `#${i + 1}`;
    el.append(tag);
    stage.append(el);
  });
  const caption = document.createElement('figcaption');
  const boxes = items.filter(i => i.type === 'box').length;
  const points = items.length - boxes;
  caption.textContent = [boxes && `${boxes} box${boxes > 1 ? 'es' : ''}`, points && `${points} point${points > 1 ? 's' : ''}`]
    .filter(Boolean).join(', ') + ` on ${image.width}×${image.height} (model saw ${resized.width}×${resized.height})`;
  figure.append(stage, caption);
  return figure;
}

// The chat page's behaviour: images in (file picker, paste, drag-and-drop), a multi-turn history
// sent whole on each turn, the answer streamed into the log with a Stop button, stats from the final
// usage chunk, and grounding boxes drawn over the last image. No framework, no build step, no CDN.
import { listModels, streamChat, ApiError } from './chat-api.js';
import { parseGrounding, fromAnnotations, renderOverlay, smartResize } from './grounding.js';

const $ = id => document.getElementById(id);
const ui = {
  log: $('log'), form: $('composer'), prompt: $('prompt'), file: $('file'), previews: $('previews'),
  send: $('send'), stop: $('stop'), model: $('model'), status: $('status'), newChat: $('new-chat'),
  maxTokens: $('max-tokens'), temperature: $('temperature'), apiKey: $('api-key'),
};
const history = [];   // OpenAI-format messages, resent whole each turn (the server is stateless)
const images = [];    // every image sent so far, in prompt order: {src, width, height, name}
let pending = [];     // images attached to the message being written
let controller = null;

function setStatus(text) { ui.status.textContent = text; }

// --- images in -------------------------------------------------------------------------------
function readImage(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`cannot read ${file.name}`));
    reader.onload = () => {
      const img = new Image();
      img.onload = () => resolve({ src: reader.result, width: img.naturalWidth, height: img.naturalHeight, name: file.name || 'pasted image' });
      img.onerror = () => reject(new Error(`${file.name || 'the file'} is not an image this browser can read`));
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  });
}

async function addFiles(files) {
  for (const file of [...files].filter(f => f.type.startsWith('image/'))) {
    try { pending.push(await readImage(file)); } catch (e) { setStatus(e.message); }
  }
  renderPreviews();
}

function renderPreviews() {
  ui.previews.replaceChildren(...pending.map((image, i) => {
    const item = document.createElement('div');
    item.className = 'preview';
    const img = document.createElement('img');
    img.src = image.src;
    img.alt = `Attached image ${i + 1}: ${image.name}`;
    const size = document.createElement('span');
    size.textContent = `${image.width}×${image.height}`;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '×';
    remove.setAttribute('aria-label', `Remove image ${i + 1}`);
    remove.onclick = () => { pending.splice(i, 1); renderPreviews(); };
    item.append(img, size, remove);
    return item;
  }));
}

ui.file.addEventListener('change', () => { addFiles(ui.file.files); ui.file.value = ''; });
document.addEventListener('paste', e => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (files.some(f => f.type.startsWith('image/'))) { e.preventDefault(); addFiles(files); }
});
document.addEventListener('dragover', e => { e.preventDefault(); document.body.classList.add('dragging'); });
document.addEventListener('dragleave', e => { if (!e.relatedTarget) document.body.classList.remove('dragging'); });
document.addEventListener('drop', e => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  addFiles(e.dataTransfer?.files ?? []);
});

// --- the log ---------------------------------------------------------------------------------
function bubble(role) {
  const el = document.createElement('article');
  el.className = `msg ${role}`;
  el.setAttribute('aria-label', role === 'user' ? 'You' : 'Assistant');
  ui.log.append(el);
  return el;
}

function renderUser(text, sent) {
  const el = bubble('user');
  if (sent.length) {
    const strip = document.createElement('div');
    strip.className = 'images';
    for (const image of sent) {
      const fig = document.createElement('figure');
      const img = document.createElement('img');
      img.src = image.src;
      img.alt = image.name;
      const info = document.createElement('figcaption');
      info.className = 'img-info';
      info.dataset.index = String(images.indexOf(image));
      info.textContent = `${image.width}×${image.height}`;
      fig.append(img, info);
      strip.append(fig);
    }
    el.append(strip);
  }
  const p = document.createElement('div');
  p.className = 'text';
  p.textContent = text;
  el.append(p);
  return el;
}

// Per-image facts: the server's x_qwenvl.images when it sends them, else smart_resize defaults.
function imageFacts(usage, ext) {
  const reported = ext?.images ?? [];
  const total = usage?.prompt_tokens_details?.image_tokens;
  return images.map((image, i) => {
    const r = reported[i];
    if (r) return { resized: { width: r.resized_width, height: r.resized_height }, tokens: r.tokens, exact: true };
    const resized = smartResize(image.width, image.height);
    const estimate = (resized.width * resized.height) / (28 * 28);
    // A lone image's count is the server's total; when it agrees with the estimate, so does the size.
    const confirmed = images.length === 1 && Number.isFinite(total);
    return { resized, tokens: confirmed ? total : estimate, exact: confirmed && total === estimate };
  });
}

function showStats(el, usage, ext, times) {
  const facts = imageFacts(usage, ext);
  facts.forEach((f, i) => {
    for (const caption of document.querySelectorAll(`.img-info[data-index="${i}"]`)) {
      const image = images[i];
      caption.textContent = `${image.width}×${image.height} → ${f.resized.width}×${f.resized.height} · ${f.exact ? '' : '≈'}${f.tokens} tokens`;
    }
  });
  const completion = usage?.completion_tokens ?? times.pieces;
  const ttft = ext?.ttft_ms ?? (times.first ? times.first - times.start : null);
  const decodeS = times.first && times.end > times.first ? (times.end - times.first) / 1000 : 0;
  const rate = ext?.tokens_per_s ?? (completion > 1 && decodeS > 0 ? (completion - 1) / decodeS : null);
  const parts = [];
  if (ttft != null) parts.push(`TTFT ${Math.round(ttft)} ms`);
  if (rate != null) parts.push(`${rate.toFixed(1)} tok/s`);
  if (usage) {
    const imageTokens = facts.every(f => f.exact) && facts.length ? facts.reduce((s, f) => s + f.tokens, 0) : usage.prompt_tokens_details?.image_tokens;
    parts.push(`${usage.prompt_tokens} prompt${imageTokens != null ? ` (${imageTokens} image)` : ''} + ${usage.completion_tokens} completion tokens`);
  }
  const stats = document.createElement('p');
  stats.className = 'stats';
  stats.textContent = parts.join(' · ');
  el.append(stats);
  return facts;
}

// The server's x_qwenvl_annotations (original pixels, with the image they refer to) win over parsing the text.
function drawGrounding(el, text, facts, annotations) {
  const items = annotations ? fromAnnotations(annotations) : parseGrounding(text);
  const last = annotations && images[annotations.image_index] ? annotations.image_index : images.length - 1;
  if (!items.length || last < 0) return;
  // Above the stats line, right under the answer it illustrates.
  el.insertBefore(renderOverlay({ ...images[last], resized: facts?.[last]?.resized }, items), el.querySelector('.stats'));
}

// --- sending ---------------------------------------------------------------------------------
async function send() {
  const text = ui.prompt.value.trim();
  if (controller || (!text && pending.length === 0)) return;
  const sent = pending;
  pending = [];
  renderPreviews();
  ui.prompt.value = '';
  images.push(...sent);
  const content = [...sent.map(i => ({ type: 'image_url', image_url: { url: i.src } })), ...(text ? [{ type: 'text', text }] : [])];
  history.push({ role: 'user', content });
  renderUser(text, sent);

  const el = bubble('assistant');
  const out = document.createElement('div');
  out.className = 'text streaming';
  el.append(out);
  el.setAttribute('aria-busy', 'true');
  controller = new AbortController();
  ui.stop.hidden = false;
  ui.send.disabled = true;
  setStatus('Generating…');
  const times = { start: performance.now(), first: 0, end: 0, pieces: 0 };
  let answer = '', usage = null, ext = null, finish = null, failed = false, annotations = null;
  try {
    const request = { model: ui.model.value || undefined, messages: history, max_tokens: Number(ui.maxTokens.value) || undefined };
    if (ui.temperature.value !== '') request.temperature = Number(ui.temperature.value);
    for await (const chunk of streamChat(request, { signal: controller.signal, apiKey: ui.apiKey.value })) {
      const choice = chunk.choices?.[0];
      const piece = choice?.delta?.content ?? '';
      if (piece) {
        if (!times.first) times.first = performance.now();
        times.pieces++;
        answer += piece;
        out.textContent = answer;
        ui.log.scrollTop = ui.log.scrollHeight;
      }
      finish = choice?.finish_reason ?? finish;
      annotations = choice?.delta?.x_qwenvl_annotations ?? annotations;
      usage = chunk.usage ?? usage;
      ext = chunk.x_qwenvl ?? chunk.usage?.x_qwenvl ?? ext;
    }
    setStatus(finish === 'length' ? 'Stopped at the token limit.' : '');
  } catch (e) {
    if (e.name === 'AbortError') {
      finish = 'stopped';
      setStatus('Stopped.');
    } else {
      failed = true;
      const err = document.createElement('p');
      err.className = 'error';
      err.setAttribute('role', 'alert');
      err.textContent = e instanceof ApiError ? e.message : `Request failed: ${e.message}`;
      el.append(err);
      setStatus('');
    }
  }
  times.end = performance.now();
  out.classList.remove('streaming');
  el.removeAttribute('aria-busy');
  if (finish === 'stopped') el.classList.add('stopped');
  if (failed && !answer) {
    history.pop();                          // the turn never happened: don't resend it
    images.splice(images.length - sent.length, sent.length);
  } else {
    history.push({ role: 'assistant', content: answer });
    const facts = showStats(el, usage, ext, times);
    drawGrounding(el, answer, facts, annotations);
  }
  controller = null;
  ui.stop.hidden = true;
  ui.send.disabled = false;
  ui.prompt.focus();
}

ui.form.addEventListener('submit', e => { e.preventDefault(); send(); });
ui.prompt.addEventListener('keydown', e => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
});
ui.stop.addEventListener('click', () => controller?.abort());
ui.newChat.addEventListener('click', () => {
  controller?.abort();
  history.length = 0;
  images.length = 0;
  ui.log.replaceChildren();
  setStatus('');
});

async function loadModels() {
  try {
    const ids = await listModels(ui.apiKey.value);
    const current = ui.model.value;
    ui.model.replaceChildren(...ids.map(id => new Option(id, id, false, id === current)));
    setStatus(ids.length ? '' : 'The server lists no models.');
  } catch (e) {
    setStatus(`Cannot list models: ${e.message}`);
  }
}
ui.apiKey.addEventListener('change', loadModels);
loadModels();

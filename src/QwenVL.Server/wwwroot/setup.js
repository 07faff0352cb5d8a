// Setup banner of the chat page: while `qwenvl serve` has no model ready (first run downloading the
// default model, or offline), it polls GET /setup every 2 s and says what is happening and how to get a
// model. It reloads the page once a model becomes ready; it never starts or stops a download itself.
const box = document.getElementById('setup');
const size = n => n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : `${Math.round(n / 2 ** 20)} MB`;
const HELP = [
  ['Download it where the hub is reachable:', 'qwenvl pull Qwen/Qwen2.5-VL-3B-Instruct   (or add --source modelscope)'],
  ['Use a mirror:', 'HF_ENDPOINT=https://your-mirror qwenvl serve'],
  ['Or serve a checkpoint folder you copied here:', 'qwenvl serve --model /path/to/Qwen2.5-VL-3B-Instruct'],
];
let waited = false;

function line(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

function render(s) {
  const parts = [line('strong', s.phase === 'downloading' ? `Downloading ${s.model ?? 'the model'}` :
    s.phase === 'loading' ? `Loading ${s.model ?? 'the model'}` : 'No model is ready'), line('p', s.message)];
  if (s.phase === 'downloading' && s.bytes_total > 0) {
    const bar = document.createElement('progress');
    bar.max = s.bytes_total;
    bar.value = s.bytes_done;
    bar.style.width = '100%';
    parts.push(bar, line('p', `${size(s.bytes_done)} of ${size(s.bytes_total)}; the chat works once it is loaded.`));
  }
  if (s.phase === 'failed' || s.phase === 'none') {
    const list = document.createElement('ul');
    for (const [what, cmd] of HELP) {
      const item = line('li', `${what} `);
      item.append(line('code', cmd));
      list.append(item);
    }
    parts.push(list);
  }
  box.replaceChildren(...parts);
}

async function poll() {
  let s;
  try {
    const r = await fetch('setup');
    if (!r.ok) return;
    s = await r.json();
  } catch {
    setTimeout(poll, 5000);
    return;
  }
  if (s.phase === 'ready') {
    box.hidden = true;
    if (waited) location.reload();
    return;
  }
  waited = true;
  box.hidden = false;
  render(s);
  if (s.phase === 'downloading' || s.phase === 'loading') setTimeout(poll, 2000);
}
poll();

// The page's only network code: GET /v1/models and POST /v1/chat/completions with stream: true,
// read as OpenAI server-sent events (data: {...} chunks, data: [DONE]). Same origin only; it does
// not retry, and it never talks to any other host (the page works offline).

export class ApiError extends Error {}

function headers(apiKey) {
  const h = { 'Content-Type': 'application/json' };
  if (apiKey) h.Authorization = `Bearer ${apiKey}`;
  return h;
}

async function errorOf(response) {
  let message = `HTTP ${response.status}`;
  try {
    const body = await response.json();
    message = body?.error?.message ?? body?.message ?? message;
  } catch { /* not JSON: keep the status */ }
  return new ApiError(message);
}

/** Model ids served by this process. */
export async function listModels(apiKey) {
  const response = await fetch('v1/models', { headers: headers(apiKey) });
  if (!response.ok) throw await errorOf(response);
  const body = await response.json();
  return (body.data ?? []).map(m => m.id);
}

/** Yields each parsed chunk of a streamed chat completion; aborts with signal. */
export async function* streamChat(request, { signal, apiKey }) {
  const response = await fetch('v1/chat/completions', {
    method: 'POST', headers: headers(apiKey), signal,
    body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok) throw await errorOf(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // Events end with a blank line; keep the unfinished tail for the next read.
    const events = buffer.split(/\r?\n\r?\n/);
    buffer = events.pop();
    for (const event of events) {
      const data = event.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.slice(5).replace(/^ /, '')).join('\n');
      if (!data) continue;
      if (data === '[DONE]') return;
      let chunk;
      try { chunk = JSON.parse(data); } catch { throw new ApiError('the server sent a malformed stream chunk'); }
      if (chunk.error) throw new ApiError(chunk.error.message ?? 'the server reported an error');
      yield chunk;
    }
  }
}

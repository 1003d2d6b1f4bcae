// A local stand-in for the Anthropic Messages API (POST /v1/messages), speaking the real wire
// protocol: the headers a client must send (x-api-key, anthropic-version), the request body's
// required fields, the JSON error shape with its error types, and for `stream: true` the server-sent
// event sequence message_start → content_block_start → content_block_delta… → content_block_stop →
// message_delta → message_stop. Replies are scripted; every request is recorded, so a test can ask
// what reached "Anthropic". Mounted behind api.anthropic.com by the gateway's upstream override map.
import type http from 'node:http';

export interface FakeAnthropic {
  /** The tlsUpstream handler. */
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;
  /** Every /v1/messages request, with the key it carried and whether it was accepted. */
  calls: Array<{ apiKey: string | undefined; accepted: boolean; model: string | undefined; stream: boolean }>;
}

export function fakeAnthropic(opts: { apiKey: string; reply: (prompt: string) => string }): FakeAnthropic {
  const calls: FakeAnthropic['calls'] = [];
  const error = (res: http.ServerResponse, status: number, type: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${calls.length}` });
    res.end(JSON.stringify({ type: 'error', error: { type, message } }));
  };
  const handler: FakeAnthropic['handler'] = (req, res, raw) => {
    const url = new URL(req.url ?? '/', 'https://api.anthropic.com');
    if (req.method !== 'POST' || url.pathname !== '/v1/messages')
      return error(res, 404, 'not_found_error', `${req.method} ${url.pathname} is not served by this fake`);
    const apiKey = req.headers['x-api-key'] as string | undefined;
    let body: { model?: string; max_tokens?: number; messages?: unknown[]; stream?: boolean };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      return error(res, 400, 'invalid_request_error', 'the body is not JSON');
    }
    const accepted = apiKey === opts.apiKey;
    calls.push({ apiKey, accepted, model: body.model, stream: body.stream === true });
    if (!accepted) return error(res, 401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version'])
      return error(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!body.model || typeof body.max_tokens !== 'number' || !Array.isArray(body.messages))
      return error(res, 400, 'invalid_request_error', 'model, max_tokens and messages are required');
    const text = opts.reply(lastUserText(body.messages));
    const message = {
      id: `msg_fake_${calls.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [] as unknown[],
      stop_reason: null as string | null,
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 1 },
    };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...message, content: [{ type: 'text', text }], stop_reason: 'end_turn' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (type: string, data: object) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    send('message_start', { message });
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    // Two deltas, so the client has to join a streamed answer.
    const half = Math.ceil(text.length / 2);
    for (const part of [text.slice(0, half), text.slice(half)])
      send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: part } });
    send('content_block_stop', { index: 0 });
    send('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 6 },
    });
    send('message_stop', {});
    res.end();
  };
  return { handler, calls };
}

/** The text of the last user turn (content as a string or as text blocks). */
function lastUserText(messages: unknown[]): string {
  const last = [...messages].reverse().find((m) => (m as { role?: string }).role === 'user') as
    { content?: unknown } | undefined;
  const c = last?.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c))
    return c
      .map((b) => ((b as { type?: string }).type === 'text' ? String((b as { text?: unknown }).text) : ''))
      .join('\n');
  return '';
}

import type { ServerType } from '@hono/node-server';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '@handoff/core';
import { SECURITY_HEADERS } from './security-headers.ts';

const ANSWERS: Record<string, [number, string, ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'Request headers are too large.',
  ],
  HPE_URI_TOO_LONG: [414, 'URI Too Long', 'uri_too_long', 'The URL is too long.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'bad_request', 'The request took too long to arrive.'],
};
const MALFORMED: [number, string, ErrorCode, string] = [
  400,
  'Bad Request',
  'bad_request',
  'Malformed HTTP request.',
];

/**
 * Answers what Node's HTTP parser refuses before the app sees it (headers over the size limit,
 * a malformed request line, a request that never finishes) with the same JSON error shape and
 * security headers as every other answer, instead of Node's bare status line.
 *
 * @example
 * answerClientErrorsAsJson(server);
 */
export function answerClientErrorsAsJson(server: ServerType): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing to answer on a connection the client already dropped.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message] = (err.code && ANSWERS[err.code]) || MALFORMED;
    const body = JSON.stringify({ error: { code, message } });
    const headers = {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
    };
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head}\r\n${body}`);
  });
}

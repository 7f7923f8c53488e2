// A CSV response: streamed row by row (a large export never sits whole in memory), as an attachment,
// with the number of data rows in `X-Total-Rows` when it is known up front so a client can show
// progress as the rows arrive.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CSV_BOM, csvRow, type CsvValue } from '../lib/csv.ts';

/** The OpenAPI response of a CSV route. */
export const CsvOut = z.string().describe('text/csv (UTF-8 with BOM, CRLF rows, a header row first). `X-Total-Rows` gives the number of data rows when known.');

export function sendCsv(reply: FastifyReply, o: { filename: string; header: readonly string[]; rows: Iterable<readonly CsvValue[]> | AsyncIterable<readonly CsvValue[]>; total?: number }) {
  async function* lines() {
    yield CSV_BOM + csvRow(o.header);
    let batch = '';
    for await (const r of o.rows) {
      batch += csvRow(r);
      if (batch.length > 64_000) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${o.filename.replace(/[^A-Za-z0-9_.-]/g, '_')}"`);
  if (o.total !== undefined) reply.header('x-total-rows', String(o.total));
  return reply.send(Readable.from(lines()));
}

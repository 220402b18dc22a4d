// Node's latin1 codecs called directly. Buffer#toString and Buffer#write reach the same
// natives through an encoding switch and argument checks that cost as much as copying a
// short key; @types/node does not declare them.
export type Latin1Buffer = Buffer & {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
};

/** buf.toString('latin1', start, end), without the dispatch. */
export function latin1Slice(buf: Buffer, start: number, end: number): string {
  return (buf as Latin1Buffer).latin1Slice(start, end);
}

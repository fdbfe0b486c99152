// package.json pins file-type (pulled in by @nestjs/common) to a release that supports Node 20;
// this checks that what uses it, Nest's FileTypeValidator, still detects types from the bytes.
import { FileTypeValidator } from '@nestjs/common';
import { describe, expect, it } from 'vitest';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5e8f0c10000000049454e44ae426082', 'hex');

describe('file-type as pinned for Node 20', () => {
  it("lets Nest's FileTypeValidator tell a PNG from its bytes, whatever the declared type", async () => {
    const validator = new FileTypeValidator({ fileType: 'image/png' });
    const file = (buffer: Buffer, mimetype: string) => ({ buffer, mimetype, size: buffer.length, originalname: 'x', fieldname: 'f', encoding: '7bit' });
    expect(await validator.isValid(file(PNG, 'text/plain') as never)).toBe(true);
    expect(await validator.isValid(file(Buffer.from('just text, not an image'), 'image/png') as never)).toBe(false);
  });
});

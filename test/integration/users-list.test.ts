/**
 * ListUsers over gRPC: ascending id order, opaque page tokens, page sizes.
 * This file's database holds only the users created here, so every listing
 * can be compared with the full set.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { byCodePoints, expectViolations, newUser } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api } = await startTestService();

/** Every id, sorted as the API promises: ascending code points (MongoDB's binary order). */
let allIds: string[] = [];

/** Follows next_page_token to the end; returns the pages' ids. */
async function listAll(pageSize: number): Promise<string[][]> {
  const pages: string[][] = [];
  let pageToken = '';
  for (;;) {
    const page = await api.listUsers({ pageSize, pageToken });
    pages.push(page.users.map((u) => u.id));
    if (page.nextPageToken === '') return pages;
    expect(pages.length, 'pagination does not end').toBeLessThan(1000);
    pageToken = page.nextPageToken;
  }
}

beforeAll(async () => {
  // Mixed case, digits that sort as text, and characters beyond ASCII, where
  // UTF-16 order (JavaScript's) and UTF-8 byte order (MongoDB's) differ.
  const special = ['B', 'a', 'Z-1', 'user-10', 'user-9', 'é', 'ｆ', '😀', '日本', 'user 1', 'x_'];
  const generated = Array.from({ length: 109 }, (_, i) => `u${String(i).padStart(3, '0')}`);
  const ids = [...special, ...generated];
  for (const userId of ids) await api.identifyUser(newUser({ userId }));
  allIds = [...ids].sort(byCodePoints);
});

describe('ListUsers', () => {
  it('returns 50 users by default, in ascending id order, and every user once across pages', async () => {
    const pages = await listAll(0);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual(allIds);
  });

  it('pages of 7 together hold every user exactly once, in order', async () => {
    const pages = await listAll(7);
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(pages.flat()).toEqual(allIds);
    expect(pages).toHaveLength(Math.ceil(allIds.length / 7));
  });

  it('ends with an empty next_page_token when the last page is exactly full', async () => {
    const pages = await listAll(allIds.length / 8);
    expect(pages).toHaveLength(8);
    expect(pages.flat()).toEqual(allIds);
  });

  it('accepts page_size 1000 and returns everything on one page', async () => {
    const page = await api.listUsers({ pageSize: 1000 });
    expect(page.users.map((u) => u.id)).toEqual(allIds);
    expect(page.nextPageToken).toBe('');
  });

  it('returns whole users, as GetUser does', async () => {
    const page = await api.listUsers({ pageSize: 1 });
    const [first] = page.users;
    expect(first?.id).toBe(allIds[0]);
    expect(await api.getUser({ userId: allIds[0] ?? '' })).toEqual({ user: first });
    expect(page.nextPageToken).not.toBe('');
  });

  it('rejects page_size 1001 and negative sizes (field page_size)', async () => {
    for (const pageSize of [1001, -1, -2147483648]) {
      await expectViolations(api.listUsers({ pageSize }), [{ field: 'page_size', reason: 'OUT_OF_RANGE' }]);
    }
  });

  it('rejects a page_token it did not issue (field page_token)', async () => {
    const forged = Buffer.from(JSON.stringify({ v: 99, after: 'u001' })).toString('base64url');
    for (const pageToken of ['garbage!!', 'bm90IGpzb24', forged, 'A'.repeat(5000)]) {
      await expectViolations(api.listUsers({ pageToken }), [{ field: 'page_token', reason: 'INVALID_TOKEN' }]);
    }
  });

  it('reports a bad page_size and a bad page_token together', async () => {
    await expectViolations(api.listUsers({ pageSize: 5000, pageToken: '%%%' }), [
      { field: 'page_size', reason: 'OUT_OF_RANGE' },
      { field: 'page_token', reason: 'INVALID_TOKEN' },
    ]);
  });

  it('resumes after the last user of a page even when that user is deleted meanwhile', async () => {
    const first = await api.listUsers({ pageSize: 3 });
    const lastId = first.users.at(-1)?.id ?? '';
    const extra = newUser({ userId: lastId });
    await api.deleteUser({ userId: lastId });
    try {
      const next = await api.listUsers({ pageSize: 3, pageToken: first.nextPageToken });
      expect(next.users.map((u) => u.id)).toEqual(allIds.slice(3, 6));
    } finally {
      await api.identifyUser(extra);
    }
  });
});

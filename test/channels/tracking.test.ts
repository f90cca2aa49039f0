import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addEmailTracking, isWebUrl, messageTracking } from '../../src/channels/email/tracking.ts';
import { Keyring } from '../../src/security/keyring.ts';
import { TrackingSigner } from '../../src/security/tracking-tokens.ts';

const oldKey = { id: 'k-old', material: randomBytes(32) };
const newKey = { id: 'k-new', material: randomBytes(32) };
const signer = new TrackingSigner(new Keyring([oldKey], 'test'));

describe('tracking tokens', () => {
  it('name the message and verify only with the same purpose, message and URL', () => {
    const open = signer.openToken('msg_1');
    expect(open).toMatch(/^msg_1\.[A-Za-z0-9_-]{22}$/);
    expect(signer.verifyOpen(open)).toBe('msg_1');
    const click = signer.clickToken('msg_1', 'https://pay.example.com/cas_1');
    expect(signer.verifyClick(click, 'https://pay.example.com/cas_1')).toBe('msg_1');
    expect(signer.verifyClick(click, 'https://pay.example.com/cas_2')).toBeNull();
    expect(signer.verifyClick(open, 'https://pay.example.com/cas_1')).toBeNull();
    expect(signer.verifyOpen(click)).toBeNull();
    // Another message id with the same signature is not a token.
    expect(signer.verifyOpen(open.replace('msg_1', 'msg_2'))).toBeNull();
    expect(signer.verifyOpen(`${open}x`)).toBeNull();
    expect(signer.verifyOpen('garbage')).toBeNull();
  });

  it('are signed with the active key and still accepted after a rotation while the old key is kept', () => {
    const rotated = new TrackingSigner(new Keyring([newKey, oldKey], 'test'));
    const old = signer.openToken('msg_1');
    expect(rotated.openToken('msg_1')).not.toBe(old);
    expect(rotated.verifyOpen(old)).toBe('msg_1');
    expect(signer.verifyOpen(rotated.openToken('msg_1'))).toBeNull();
    const removed = new TrackingSigner(new Keyring([newKey], 'test'));
    expect(removed.verifyOpen(old)).toBeNull();
  });
});

describe('email tracking', () => {
  const tracking = messageTracking('https://t.example.com/', 'msg_1', signer, [
    'https://pay.example.com/unsub',
  ]);
  const html = [
    '<!DOCTYPE html><html><body>',
    '<p><a href="https://pay.example.com/cas_1?a=1&amp;b=2" style="color:#fff">Pay</a></p>',
    "<p><a class='x' href='http://example.com/help'>Help</a> <A HREF=https://example.com/bare>bare</A></p>",
    '<p><a href="mailto:billing@example.com">mail us</a> <a href="#top">top</a></p>',
    '<p><a title="a > b" href="https://example.com/quoted">quoted</a></p>',
    '<p><a href="https://pay.example.com/unsub">Unsubscribe</a></p>',
    '</body></html>',
  ].join('\n');
  const tracked = addEmailTracking(html, tracking);
  const hrefs = [...tracked.matchAll(/href\s*=\s*"([^"]*)"|HREF="([^"]*)"/g)].map((m) =>
    (m[1] ?? m[2]!).replace(/&amp;/g, '&'),
  );

  it('sends every http(s) link through a click redirect to exactly the URL the reader would have reached', () => {
    const redirected = hrefs.filter((h) => h.startsWith('https://t.example.com/t/c/'));
    const destinations = redirected.map((h) => new URL(h).searchParams.get('u'));
    expect(destinations).toEqual([
      'https://pay.example.com/cas_1?a=1&b=2',
      'http://example.com/help',
      'https://example.com/bare',
      'https://example.com/quoted',
    ]);
    for (const href of redirected) {
      const url = new URL(href);
      const token = url.pathname.slice('/t/c/'.length);
      expect(signer.verifyClick(token, url.searchParams.get('u')!)).toBe('msg_1');
    }
    expect(tracked).toContain('style="color:#fff">Pay</a>');
  });

  it('leaves mailto:, fragment and unsubscribe links alone and puts the pixel before </body>', () => {
    expect(hrefs).toContain('mailto:billing@example.com');
    expect(hrefs).toContain('#top');
    expect(hrefs).toContain('https://pay.example.com/unsub');
    const pixel = `<img src="https://t.example.com/t/o/${signer.openToken('msg_1')}" width="1" height="1" alt=""`;
    expect(tracked).toContain(pixel);
    expect(tracked.indexOf(pixel)).toBeLessThan(tracked.indexOf('</body>'));
    expect(tracked.match(/<img /g)).toHaveLength(1);
    expect(addEmailTracking('<p>no body tag</p>', tracking)).toMatch(/^<p>no body tag<\/p>\n<img src=/);
  });

  it('redirects only to absolute http and https URLs', () => {
    expect(isWebUrl('https://example.com/x')).toBe(true);
    expect(isWebUrl('HTTP://example.com')).toBe(true);
    for (const bad of [
      'javascript:alert(1)',
      '//example.com',
      '/relative',
      'https://',
      'https://a b.com',
      'ftp://x',
    ]) {
      expect(isWebUrl(bad), bad).toBe(false);
    }
  });
});

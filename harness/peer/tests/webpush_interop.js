// Interop direction 1 (issue 6): an independent Web Push implementation judges a push the
// reference peer sent. npm http_ece 1.2.0 decrypts the body with the user agent's key; node's
// own crypto verifies the VAPID JWT (ES256) with the key in k= and compares k= with the key the
// peer published over GETMETADATA.
//
// usage: node webpush_interop.js NODE_MODULES_DIR < request.json
// request: {headers: [[name, value]...], body: base64url, ua_private: base64url scalar,
//           auth: base64url, vapid_pem: SPKI PEM, audience: origin}
// prints one JSON object; decrypt or parse failures are reported in it, never thrown.
'use strict';
const path = require('path');
const crypto = require('crypto');
const ece = require(path.join(process.argv[2], 'http_ece'));

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const out = {};
  try {
    const req = JSON.parse(input);
    const header = (name) => {
      for (const [k, v] of req.headers) if (k.toLowerCase() === name) return v;
      return undefined;
    };
    out.content_encoding = header('content-encoding') ?? null;
    out.ttl = header('ttl') ?? null;

    try {
      const ua = crypto.createECDH('prime256v1');
      ua.setPrivateKey(Buffer.from(req.ua_private, 'base64url'));
      const plain = ece.decrypt(Buffer.from(req.body, 'base64url'),
                                {version: 'aes128gcm', privateKey: ua, authSecret: req.auth});
      out.plaintext = plain.toString('utf8');
    } catch (e) {
      out.decrypt_error = String(e && e.message || e);
    }

    const auth = header('authorization') || '';
    const m = /^vapid\s+(.*)$/is.exec(auth);
    if (!m) throw new Error('Authorization is not "vapid ...": ' + auth);
    const params = {};
    for (const part of m[1].split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    const [h, p, sig] = params.t.split('.');
    out.jwt_header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    out.claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    const k = Buffer.from(params.k, 'base64url');
    if (k.length !== 65 || k[0] !== 4) throw new Error('k= is not an uncompressed P-256 point');
    const jwk = {kty: 'EC', crv: 'P-256', x: k.subarray(1, 33).toString('base64url'),
                 y: k.subarray(33).toString('base64url')};
    const key = crypto.createPublicKey({key: jwk, format: 'jwk'});
    out.signature_ok = crypto.verify('sha256', Buffer.from(h + '.' + p),
                                     {key, dsaEncoding: 'ieee-p1363'},
                                     Buffer.from(sig, 'base64url'));
    const published = crypto.createPublicKey(req.vapid_pem).export({format: 'jwk'});
    out.k_is_published_key = published.x === jwk.x && published.y === jwk.y;
    out.aud_matches = out.claims.aud === req.audience;
  } catch (e) {
    out.error = String(e && e.message || e);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});

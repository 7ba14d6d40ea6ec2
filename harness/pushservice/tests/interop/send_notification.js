// Interop direction 2: npm web-push (an independent implementation) sends a push to coitest's
// endpoint. Usage: node send_notification.js NODE_MODULES_DIR < request.json
// request: {endpoint, p256dh, auth, payload, vapid_public, vapid_private, subject, ttl}
// prints:  {"status": N} (whatever the endpoint answered) or {"error": "..."}
'use strict';
const path = require('path');
const webpush = require(path.join(process.argv[2], 'web-push'));

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  try {
    const r = JSON.parse(input);
    const subscription = { endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth } };
    const options = {
      vapidDetails: { subject: r.subject, publicKey: r.vapid_public, privateKey: r.vapid_private },
      TTL: r.ttl,
      contentEncoding: 'aes128gcm',
      timeout: 10000,
    };
    try {
      const res = await webpush.sendNotification(subscription, r.payload, options);
      process.stdout.write(JSON.stringify({ status: res.statusCode }));
    } catch (e) {
      // WebPushError: the endpoint answered with an error status; anything else is a failure.
      if (e && typeof e.statusCode === 'number') {
        process.stdout.write(JSON.stringify({ status: e.statusCode }));
      } else {
        process.stdout.write(JSON.stringify({ error: String(e && e.message ? e.message : e) }));
      }
    }
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e) }));
  }
});

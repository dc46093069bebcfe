#!/usr/bin/env python3
"""live.py NETNS URL DB CHROMIUM: drive headless Chromium over the DevTools protocol
(--remote-debugging-pipe: no port opened) to check what only a running page shows:
a finding planted after the page loaded appears without a reload, as text; and the
Acknowledge button works through the page (fetch POST, same origin) and reaches the
database through the collector. Prints "ok -" lines; exit 1 on any failure."""
import fcntl, json, os, sqlite3, subprocess, sys, tempfile, time

ns, url, db, chromium = sys.argv[1:5]
HOSTILE = ('<img src=x onerror=alert(9)><script>alert(8)</script>\u202egnp\x1b[2J'
           '.live.evil.test')
# as the page must show it: the bidi override and the escape byte as visible escapes
SHOWN = ('<img src=x onerror=alert(9)><script>alert(8)</script>\\u202egnp\\x1b[2J'
         '.live.evil.test')
failed = 0


def check(name, cond, detail=''):
    global failed
    print(('ok - ' if cond else 'not ok - ') + 'live: ' + name + ('' if cond else '  ' + str(detail)))
    failed |= not cond


class CDP:
    def __init__(self):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # the child needs them as fds 3 and 4: move the ends it gets above that range
        # first, or one dup2 below could overwrite the other
        moved = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_r, from_w)]
        os.close(to_r)
        os.close(from_w)
        to_r, from_w = moved
        home = tempfile.mkdtemp(prefix='oca-chromium-')

        def fds():
            # dup2 onto itself keeps close-on-exec: clear it either way
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        self.p = subprocess.Popen(
            ['ip', 'netns', 'exec', ns, chromium, '--headless', '--no-sandbox', '--disable-gpu',
             '--disable-quic', '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
             '--user-data-dir=' + home, '--remote-debugging-pipe', 'about:blank'],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=dict(os.environ, HOME=home))
        os.close(to_r)
        os.close(from_w)
        self.buf = b''
        self.n = 0
        self.events = []

    def _read(self):
        while b'\0' not in self.buf:
            chunk = os.read(self.from_r, 65536)
            if not chunk:
                raise RuntimeError('chromium closed the pipe')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.n += 1
        m = {'id': self.n, 'method': method, 'params': params or {}}
        if session:
            m['sessionId'] = session
        os.write(self.to_w, json.dumps(m).encode() + b'\0')
        while True:
            r = self._read()
            if r.get('id') == self.n:
                if 'error' in r:
                    raise RuntimeError('%s: %s' % (method, r['error']))
                return r.get('result', {})
            self.events.append(r)

    def wait_event(self, name, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            for e in self.events:
                if e.get('method') == name:
                    self.events.remove(e)
                    return e
            self.events.append(self._read())
        raise RuntimeError('no ' + name)

    def close(self):
        self.p.kill()
        self.p.wait()


def main():
    c = CDP()
    try:
        tid = c.call('Target.createTarget', {'url': 'about:blank'})['targetId']
        s = c.call('Target.attachToTarget', {'targetId': tid, 'flatten': True})['sessionId']
        c.call('Emulation.setDeviceMetricsOverride', {'width': 1400, 'height': 1100,
               'deviceScaleFactor': 1, 'mobile': False}, session=s)
        c.call('Page.enable', session=s)
        c.call('Runtime.enable', session=s)
        c.call('Page.navigate', {'url': url}, session=s)
        c.wait_event('Page.loadEventFired')

        def js(expr):
            r = c.call('Runtime.evaluate', {'expression': expr, 'returnByValue': True,
                                            'awaitPromise': True}, session=s)
            return r.get('result', {}).get('value')

        rows0 = js("document.querySelectorAll('#findings tbody tr').length")
        check('overview loaded with its findings', rows0 == 4, rows0)
        # plant a new hostile finding now, as the collector would
        con = sqlite3.connect(db, timeout=5)
        now = int(time.time() * 1e6)
        cur = con.execute("INSERT INTO findings(kind, key, domain, count, first_us, last_us, "
                          "watch_day, detail) VALUES('unexpected-domain', 'live', ?, 1, ?, ?, 3, ?)",
                          (HOSTILE, now, now, 'a query for ' + HOSTILE))
        new_id = cur.lastrowid
        con.commit()
        seen = None
        for _ in range(40):
            time.sleep(0.25)
            seen = js("(function(){var r=document.getElementById('finding-%d');"
                      "return r ? [r.querySelector('.name').textContent,"
                      " r.querySelectorAll('img,script').length,"
                      " document.getElementById('open-count').textContent] : null})()" % new_id)
            if seen:
                break
        check('new finding appeared without a reload', seen is not None)
        if seen:
            check('its name is text, control and bidi characters visible', seen[0] == SHOWN, seen[0])
            check('no element came from its name', seen[1] == 0, seen[1])
            check('open count went up', seen[2] == '4', seen[2])
        check('nothing the VM named ran', js("document.title") == 'Overview · oc-audit' and
              js("typeof window.__pwned") == 'undefined')

        # acknowledge through the page
        js("document.querySelector('#finding-%d form.ack button').click()" % new_id)
        acked = None
        for _ in range(40):
            time.sleep(0.25)
            acked = con.execute("SELECT acked_us FROM findings WHERE id = ?", (new_id,)).fetchone()[0]
            if acked:
                break
        check('Acknowledge in the page reached the database', acked is not None)
        state = js("document.getElementById('finding-%d').className + '|' + "
                   "document.getElementById('open-count').textContent" % new_id)
        check('row marked acknowledged in place', state == 'acked|3', state)
        check('still on the overview (no navigation)', js("location.pathname") == '/')
        shot = c.call('Page.captureScreenshot', {'format': 'png'}, session=s)
        if len(sys.argv) > 5:
            import base64
            open(sys.argv[5], 'wb').write(base64.b64decode(shot['data']))
        con.close()
    except Exception as e:      # a protocol failure is a test failure, with its reason
        check('browser session', False, e)
    finally:
        c.close()
    sys.exit(1 if failed else 0)


main()

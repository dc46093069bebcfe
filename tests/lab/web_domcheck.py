#!/usr/bin/env python3
"""domcheck.py DOM.html PAGE: check a page as Chromium rendered it (--dump-dom) holds
every hostile name the VM sent as text only. Prints TAP-style "ok -" lines; exit 1 if any
check failed. PAGE is overview, dns, connections or finding."""
import sys
from html.parser import HTMLParser

LONG = ('abc.' * 63)[:250] + 'x.com'
HOSTILE = {
    'overview': ['<script>alert(1)</script>.evil.test', '"><img src=x onerror=alert(2)>.evil.test',
                 LONG, 'a DNS query for "<script>alert(1)</script>.evil.test", outside the expected set'],
    'dns': ['<script>alert(1)</script>.evil.test', '"><img src=x onerror=alert(2)>.evil.test',
            'ctl\\x01\\x1b[31m\\x07bell.evil.test', LONG, '"</td><script>alert(3)</script> (60s)'],
    'connections': ['<script>alert(1)</script>.evil.test'],
    'finding': ['<script>alert(1)</script>.evil.test', '<img src=x onerror=alert(4)>'],
}


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []          # (tag, attrs)
        self.texts = []
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)


def main():
    path, page = sys.argv[1], sys.argv[2]
    html = open(path, encoding='utf-8', errors='replace').read()
    d = Dom()
    d.feed(html)
    text = ''.join(d.texts)
    failed = 0

    def check(name, cond, detail=''):
        nonlocal failed
        print(('ok - ' if cond else 'not ok - ') + page + ': ' + name +
              ('' if cond else '  ' + detail))
        failed |= not cond

    scripts = [a.get('src') for t, a in d.tags if t == 'script']
    check('the only script is app.js', scripts == ['/assets/app.js'], repr(scripts))
    imgs = [a.get('src') for t, a in d.tags if t == 'img']
    check('no image but the icon', all(s == '/assets/icon.svg' for s in imgs), repr(imgs))
    handlers = [(t, k) for t, a in d.tags for k in a if k.lower().startswith('on')]
    check('no event handler attribute anywhere', not handlers, repr(handlers))
    for t, a in d.tags:
        for k, v in a.items():
            if v and 'javascript:' in v.lower():
                check('no javascript: URL', False, '%s %s' % (t, k))
    # the page's own forms, by class: ack, filters (and the ack note), expect this
    OUR_FORMS = {'ack', 'filters', 'expect'}
    bad = [t for t, a in d.tags if t in ('iframe', 'object', 'embed', 'base', 'form') and
           not (t == 'form' and set((a.get('class') or '').split()) & OUR_FORMS) or
           (t == 'meta' and 'http-equiv' in a)]
    check('no element the VM could have named', not bad, repr(bad))
    check('page rendered', len(d.tags) > 50, str(len(d.tags)))
    for h in HOSTILE[page]:
        check('holds as text: %r' % h[:48], h in text)
    if page == 'overview':
        rects = [a for t, a in d.tags if t == 'rect']
        check('timeline drawn by the page', len(rects) >= 20, str(len(rects)))
        titles = ''.join(text)
        check('timeline draws the bytes sent', any(t == 'path' and a.get('class') == 'up'
                                                   for t, a in d.tags))
        check('... on their own scale', 'bytes sent / hour (own scale, max 50.0 MiB)' in text)
        check('timeline marks a finding', 'unexpected-domain: <script>alert(1)</script>.evil.test at ' in titles)
        check('live findings polled', 'live' in text and 'checked' in text)
    sys.exit(1 if failed else 0)


main()

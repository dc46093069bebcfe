/* oc-audit dashboard: the timeline, findings that appear without a reload, and
 * acknowledge without leaving the page. Everything the VM sent is put into the page
 * with textContent or SVG attributes set to numbers: never innerHTML, never a string
 * built into markup. The server-rendered tables work without this file. */
'use strict';

(function () {
	var SVGNS = 'http://www.w3.org/2000/svg';

	/* As the server shows them: control characters and bidi controls (which would
	 * reorder what the operator reads) become visible escapes. */
	function visible(s) {
		return String(s)
			.replace(/[\u0000-\u001f\u007f]/g, function (c) {
				return '\\x' + ('0' + c.charCodeAt(0).toString(16)).slice(-2);
			})
			.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, function (c) {
				return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4);
			});
	}

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined && text !== null) e.textContent = visible(text);
		return e;
	}

	function svg(tag, attrs) {
		var e = document.createElementNS(SVGNS, tag);
		for (var k in attrs) e.setAttribute(k, String(attrs[k]));
		return e;
	}

	function getJSON(url) {
		return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
			.then(function (r) {
				if (!r.ok) throw new Error('HTTP ' + r.status);
				return r.json();
			});
	}

	function shortTime(iso) {
		return typeof iso === 'string' && iso.length === 20 ?
			iso.slice(5, 10) + ' ' + iso.slice(11, 19) : String(iso);
	}

	/* ---------------------------------------------------------- timeline */
	function drawTimeline(box, data) {
		var cov = data.coverage || {}, lanes = Object.keys(cov);
		var LANE = 16, CH = 200;   /* the chart's height; under it a lane per sensor */
		var W = 1000, H = CH + (lanes.length ? 8 + LANE * lanes.length : 0), L = 56, R = 8,
			T = 18, B = 26 + H - CH;
		var hours = data.hours || [], finds = data.findings || [];
		var until = Date.parse(data.until) / 1000, since = Date.parse(data.since) / 1000;
		var span = Math.max(3600, until - since);
		var maxC = 1, maxD = 1, maxU = 0, i;

		for (i = 0; i < hours.length; i++) {
			maxC = Math.max(maxC, hours[i][1]);
			maxD = Math.max(maxD, hours[i][2]);
			maxU = Math.max(maxU, hours[i][5] || 0);
		}
		var x = function (t) { return L + (W - L - R) * (t - since) / span; };
		var bw = Math.max(1, (W - L - R) * 3600 / span - 1);
		var yC = function (v) { return H - B - (H - B - T) * v / maxC; };
		var yD = function (v) { return H - B - (H - B - T) * v / maxD; };
		/* bytes sent (the capture's): what an upload to an expected name shows as */
		var yU = function (v) { return H - B - (H - B - T) * v / (maxU || 1); };
		var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img',
			'aria-label': 'connections, DNS queries and bytes sent per hour' });

		/* day lines and labels (UTC midnight) */
		var day0 = Math.ceil(since / 86400) * 86400;
		for (var d = day0; d < until; d += 86400) {
			s.appendChild(svg('line', { x1: x(d), x2: x(d), y1: T, y2: H - B, 'class': 'day' }));
			if (x(d) > W - R - 36) continue;   /* no room for a label */
			var lab = svg('text', { x: x(d) + 3, y: CH - 8 });
			lab.textContent = new Date(d * 1000).toISOString().slice(5, 10);
			s.appendChild(lab);
		}
		s.appendChild(svg('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, 'class': 'axis' }));
		var top = svg('text', { x: L - 6, y: T + 4, 'text-anchor': 'end' });
		top.textContent = maxC.toLocaleString('en-US');
		s.appendChild(top);
		var zero = svg('text', { x: L - 6, y: H - B, 'text-anchor': 'end' });
		zero.textContent = '0';
		s.appendChild(zero);

		var path = '', upPath = '';
		for (i = 0; i < hours.length; i++) {
			var h = hours[i], hx = x(h[0]);
			if (h[1] > 0) {
				var r = svg('rect', { x: hx, y: yC(h[1]), width: bw, height: H - B - yC(h[1]),
					'class': 'bar' });
				var tt = svg('title', {});
				tt.textContent = new Date(h[0] * 1000).toISOString().slice(0, 13) + ':00Z  ' +
					h[1] + ' connections, ' + h[2] + ' DNS queries' +
					(h[5] || h[6] ? ', ' + units(h[5]) + ' sent, ' + units(h[6]) + ' received' : '');
				r.appendChild(tt);
				s.appendChild(r);
			}
			path += (path ? 'L' : 'M') + (hx + bw / 2).toFixed(1) + ' ' + yD(h[2]).toFixed(1);
			upPath += (upPath ? 'L' : 'M') + (hx + bw / 2).toFixed(1) + ' ' +
				yU(h[5] || 0).toFixed(1);
			if (h[4] > 0)
				s.appendChild(svg('rect', { x: hx, y: H - B + 2, width: Math.max(bw, 3), height: 4,
					'class': 'lost' }));
		}
		if (path) s.appendChild(svg('path', { d: path, 'class': 'dns' }));
		if (maxU) s.appendChild(svg('path', { d: upPath, 'class': 'up' }));
		drawCoverage(s, cov, lanes, x, { L: L, W: W, R: R, T: T, top: CH + 8, lane: LANE,
			since: since, until: until });
		for (i = 0; i < finds.length; i++) {
			var f = finds[i], fx = x(Date.parse(f.first_seen) / 1000);
			var m = svg('path', { d: 'M' + (fx - 5) + ' ' + (T - 12) + 'L' + (fx + 5) + ' ' +
				(T - 12) + 'L' + fx + ' ' + (T - 3) + 'Z', 'class': 'finding' });
			var ft = svg('title', {});
			ft.textContent = visible(f.kind + ': ' + (f.domain || f.ip || '') + ' at ' + f.first_seen);
			m.appendChild(ft);
			s.appendChild(m);
		}
		box.textContent = '';
		box.appendChild(s);
		var lg = el('div', 'legend');
		[['l-conn', 'connections / hour (left scale)'], ['l-dns', 'DNS queries / hour (own scale, max ' + maxD.toLocaleString('en-US') + ')']].concat(
		 maxU ? [['l-up', 'bytes sent / hour (own scale, max ' + units(maxU) + ')']] : [],
		 [['l-find', 'new finding'], ['l-lost', 'events lost']]).concat(lanes.length ? [
		 ['gap-off', 'blind: collector not running'],
		 ['gap-down', 'blind: sensor down, rule missing or not configured'],
		 ['gap-loss', 'blind: loss burst']] : []).forEach(function (p) {
			var span = el('span');
			span.appendChild(el('i', p[0]));
			span.appendChild(document.createTextNode(p[1]));
			lg.appendChild(span);
		});
		box.appendChild(lg);
	}

	/* The report's blind stretches (its "coverage", the same rows `oc-audit report`
	 * lists): a lane per sensor under the chart, and the collector's stops shaded over
	 * the chart itself, since no sensor saw anything then. As htmlcov.c's gap_class. */
	function gapClass(reason) {
		return reason === 'not-running' ? 'gap-off' : reason === 'loss' ? 'gap-loss' : 'gap-down';
	}

	var LABELS = { nflog: 'NFLOG', dns: 'DNS', capture: 'Capture' };

	function drawCoverage(s, cov, lanes, x, g) {
		var span = function (a, b) {
			var f = Math.max(g.since, Date.parse(a) / 1000), t = Math.min(g.until, Date.parse(b) / 1000);
			return t > f ? [x(f), Math.max(2, x(t) - x(f))] : null;
		};
		lanes.forEach(function (name, i) {
			var c = cov[name] || {}, y = g.top + i * g.lane, gaps = c.gaps || [];
			var lab = svg('text', { x: g.L - 6, y: y + g.lane - 5, 'text-anchor': 'end' });
			lab.textContent = LABELS[name] || visible(name);
			s.appendChild(lab);
			var bg = svg('rect', { x: g.L, y: y + 1, width: g.W - g.L - g.R, height: g.lane - 3,
				'class': c.configured ? 'lane-on' : 'lane-off' });
			var bt = svg('title', {});
			bt.textContent = visible((LABELS[name] || name) + ': ' + (c.configured ?
				'watched, except where marked' : 'not configured: nothing of it is watched'));
			bg.appendChild(bt);
			s.appendChild(bg);
			if (!c.configured) {
				var nc = svg('text', { x: g.L + 6, y: y + g.lane - 5, 'class': 'lane-note' });
				nc.textContent = 'not configured';
				s.appendChild(nc);
			}
			gaps.forEach(function (b) {
				var sp = span(b.from, b.to);
				if (!sp) return;
				var cls = gapClass(b.reason);
				var r = svg('rect', { x: sp[0], y: y + 1, width: sp[1], height: g.lane - 3,
					'class': cls });
				var t = svg('title', {});
				t.textContent = visible((LABELS[name] || name) + ' blind ' + shortTime(b.from) +
					' .. ' + shortTime(b.to) + ': ' + b.reason + ': ' + b.detail);
				r.appendChild(t);
				s.appendChild(r);
				if (cls === 'gap-off' && i === 0)   /* once: every sensor was off */
					s.insertBefore(svg('rect', { x: sp[0], y: g.T, width: sp[1],
						height: g.top - 8 - 26 - g.T, 'class': 'gap-band' }), s.firstChild);
			});
		});
	}

	/* ---------------------------------------------------------- findings */
	// bytes as the report writes them (common/units.c): 812 B, 1.5 KiB, 52.4 MiB
	function units(n) {
		var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
		while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
		return i ? n.toFixed(1) + ' ' + u[i] : n + ' B';
	}

	function destNode(f) {
		var frag = document.createDocumentFragment();
		if (f.domain) {
			frag.appendChild(el('span', 'name', f.domain));
			frag.appendChild(document.createTextNode(' '));
		}
		if (f.domain && !f.ip) return frag;
		var a = (f.ip || '-') + (f.port ? ':' + f.port : '') + (f.proto ? '/' + f.proto : '');
		frag.appendChild(el('span', 'addr', a));
		return frag;
	}

	function ackForm(id) {
		var form = el('form', 'ack');
		form.method = 'post';
		form.action = '/api/findings/' + Number(id) + '/ack?from=overview';
		form.appendChild(el('button', null, 'Acknowledge'));
		return form;
	}

	function findingRow(f) {
		var id = Number(f.id);
		var critical = f.severity === 'critical';
		var tr = el('tr', (f.acked ? 'acked' : 'fresh') + (critical ? ' critical' : ''));
		tr.id = 'finding-' + id;
		tr.dataset.id = String(id);
		var k = el('td');
		k.appendChild(el('span', 'kind', f.kind));
		if (f.blocked === true) {   /* as html.c's BLOCKED_BADGE */
			k.appendChild(document.createTextNode(' '));
			var bb = el('span', 'badge blocked', 'blocked');
			bb.title = 'enforce mode dropped these attempts: they were seen, not carried';
			k.appendChild(bb);
		}
		if (critical) k.appendChild(el('div', 'sev', 'most serious: bait was used'));
		tr.appendChild(k);
		var d = el('td'), a = el('a');
		a.href = '/findings/' + id;
		a.appendChild(destNode(f));
		d.appendChild(a);
		d.appendChild(el('div', 'detail', f.detail));
		tr.appendChild(d);
		tr.appendChild(el('td', 'n', f.count));
		[f.first_seen, f.last_seen].forEach(function (t) {
			var td = el('td', 't'), tm = el('time', null, shortTime(t));
			tm.setAttribute('datetime', String(t));
			td.appendChild(tm);
			tr.appendChild(td);
		});
		var st = el('td', 'st');
		if (f.acked) st.textContent = 'acknowledged';
		else st.appendChild(ackForm(id));
		tr.appendChild(st);
		return tr;
	}

	function setOpen(delta) {
		var b = document.getElementById('open-count');
		if (b) b.textContent = String(Math.max(0, Number(b.textContent) + delta));
	}

	function onAck(ev) {
		var form = ev.target;
		if (!form.classList || !form.classList.contains('ack')) return;
		ev.preventDefault();
		var btn = form.querySelector('button');
		if (btn) btn.disabled = true;
		fetch(form.action.replace(/\?.*$/, ''), { method: 'POST', credentials: 'same-origin' })
			.then(function (r) {
				if (r.status !== 200 && r.status !== 202) throw new Error('HTTP ' + r.status);
				var tr = form.closest('tr');
				var cell = form.parentNode;
				cell.textContent = 'acknowledged';
				if (tr) tr.className = 'acked';
				/* the card counts the rows html.c marked: its window's, not expected now */
				if (tr && tr.dataset.open === '1') {
					delete tr.dataset.open;
					setOpen(-1);
				}
			})
			.catch(function (e) {
				if (btn) { btn.disabled = false; btn.textContent = 'Retry (' + e.message + ')'; }
			});
	}

	function pollFindings() {
		var marker = document.getElementById('last-finding');
		var tbody = document.querySelector('#findings tbody');
		var live = document.getElementById('live');
		if (!marker || !tbody) return;
		var after = Number(marker.dataset.id) || 0;
		getJSON('/api/findings?since=3650d&limit=100' + (after ? '&after=' + after : ''))
			.then(function (data) {
				var items = (data.items || []).slice().reverse();
				items.forEach(function (f) {
					if (Number(f.id) <= after || document.getElementById('finding-' + Number(f.id)))
						return;
					var row = findingRow(f);
					/* new, so in the card's window while the watch runs; counted
					 * as the verdict counts (report_finding_counts): not a sensor's */
					var card = document.getElementById('open-count');
					if (!f.acked && f.kind !== 'sensor' && card && card.dataset.live === '1') {
						row.dataset.open = '1';
						setOpen(1);
					}
					tbody.insertBefore(row, tbody.firstChild);
				});
				if (items.length) {
					var none = document.getElementById('no-findings');
					if (none) none.hidden = true;
				}
				marker.dataset.id = String(Math.max(after, Number(data.last_id) || 0));
				if (live) live.textContent = '● live · checked ' + new Date().toISOString().slice(11, 19) + 'Z';
			})
			.catch(function () {
				if (live) live.textContent = '○ not updating (server unreachable)';
			});
	}

	document.addEventListener('DOMContentLoaded', function () {
		var tl = document.getElementById('timeline');
		if (tl) {
			getJSON(tl.dataset.src).then(function (d) { drawTimeline(tl, d); })
				.catch(function (e) { tl.textContent = 'timeline unavailable: ' + e.message; });
		}
		document.addEventListener('submit', onAck);
		if (document.body.dataset.page === 'overview') {
			pollFindings();
			setInterval(pollFindings, 5000);
		}
	});
})();

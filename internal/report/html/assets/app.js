/* trailsleuth HTML report.
 *
 * Renders every section from the JSON report embedded once in the page's
 * application/json script element #case-data. Values from the case only
 * ever reach the page as text (textContent, text nodes, attribute values set
 * through the DOM), never as markup, so an event field holding HTML shows as
 * that HTML's text.
 *
 * When everything is drawn, <html data-ready="true"> is set (tests wait for
 * it); on failure data-ready="error" and the error is shown on the page.
 */
(function () {
  'use strict';

  // ---- constants --------------------------------------------------------

  // ATT&CK enterprise tactics in kill-chain order, with a colour each.
  var TACTICS = [
    ['Reconnaissance', '#6b6ecf'], ['Resource Development', '#9c9ede'],
    ['Initial Access', '#9467bd'], ['Execution', '#8c564b'],
    ['Persistence', '#e377c2'], ['Privilege Escalation', '#ff7f0e'],
    ['Defense Evasion', '#bcbd22'], ['Credential Access', '#17becf'],
    ['Discovery', '#1f77b4'], ['Lateral Movement', '#637939'],
    ['Collection', '#2ca02c'], ['Command and Control', '#843c39'],
    ['Exfiltration', '#d6616b'], ['Impact', '#7b4173']
  ];
  var UNMAPPED = '(unmapped)';
  var DENIED_COLOR = '#d62728';
  var ROW_H = 28; // px, matches --row in style.css
  var DETAIL_LINE = 18; // px, line height of the detail <pre>
  var PAGE = 100; // table rows shown before "show more"
  var PRINT_ROWS = 3000; // timeline rows printed at most
  var ZERO_TIME = '0001-01-01T00:00:00Z';

  // ---- DOM helpers ------------------------------------------------------

  // h builds an element. Strings among the children become text nodes;
  // props: class, text, title, on<event>, data-*, and other attributes.
  function h(tag, props) {
    var e = document.createElement(tag);
    setProps(e, props);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  var SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, props) {
    var e = document.createElementNS(SVGNS, tag);
    setProps(e, props);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function setProps(e, props) {
    if (!props) return;
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.setAttribute('class', v);
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    });
  }
  function append(parent, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(parent, x); }); return; }
    parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // ---- formatting -------------------------------------------------------

  function list(v) { return Array.isArray(v) ? v : []; }
  function isZero(t) { return !t || t === ZERO_TIME; }
  // fmtTime shows an RFC 3339 UTC time as "2025-03-11 02:13:47".
  function fmtTime(t) {
    if (isZero(t)) return '—';
    return String(t).replace('T', ' ').replace(/(\.\d+)?Z$/, '');
  }
  function fmtClock(ms) { return new Date(ms).toISOString().slice(11, 19); }
  function fmtMs(ms) { return new Date(ms).toISOString().slice(0, 19).replace('T', ' '); }
  function fmtInt(n) { return Number(n || 0).toLocaleString('en-US'); }
  function fmtBytes(n) {
    if (!n) return '';
    var u = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0, v = n;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i ? v.toFixed(1) : String(v)) + ' ' + u[i];
  }
  // shortARN keeps the resource part of an ARN: "user/ci-deploy".
  function shortARN(arn) {
    if (!arn) return '';
    var m = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:(.*)$/.exec(arn);
    return m ? m[1] : arn;
  }
  function arnAccount(arn) {
    var m = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn || '');
    return m ? m[1] : '';
  }
  function shortSource(src) { return String(src || '').replace(/\.amazonaws\.com$/, ''); }
  // isDenied mirrors internal/analyze.isDenied: the call was refused.
  function isDenied(code) { return /accessdenied|unauthorized|forbidden/i.test(code || ''); }
  // tacticName gives the display name of a tactic however the analysis spells
  // it ("defense-evasion" in the JSON report, "Defense Evasion" too).
  function tacticName(t) {
    if (!t) return UNMAPPED;
    return tacticByKey[tacticKey(t)] || t;
  }
  function tacticKey(t) { return String(t).toLowerCase().replace(/[\s_]+/g, '-'); }
  var tacticByKey = {};
  TACTICS.forEach(function (t) { tacticByKey[tacticKey(t[0])] = t[0]; });

  var tacticColor = {};
  TACTICS.forEach(function (t) { tacticColor[t[0]] = t[1]; });
  tacticColor[UNMAPPED] = '#999999';
  var extraGreys = ['#7f7f7f', '#aaaaaa', '#5f5f5f', '#c7c7c7'];
  function colorOf(tactic) {
    if (!tacticColor[tactic]) tacticColor[tactic] = extraGreys[Object.keys(tacticColor).length % extraGreys.length];
    return tacticColor[tactic];
  }
  function tacticOrder(names) {
    var known = TACTICS.map(function (t) { return t[0]; });
    return names.slice().sort(function (a, b) {
      var ia = known.indexOf(a), ib = known.indexOf(b);
      if (ia < 0) ia = a === UNMAPPED ? 999 : 500;
      if (ib < 0) ib = b === UNMAPPED ? 999 : 500;
      return ia - ib || (a < b ? -1 : a > b ? 1 : 0);
    });
  }

  // ---- the case ---------------------------------------------------------

  var C = JSON.parse(document.getElementById('case-data').textContent);
  var A = list(C.actions);
  var N = A.length;
  var actTime = new Float64Array(N);
  var actDenied = new Uint8Array(N);
  var byEventID = new Map();
  for (var i = 0; i < N; i++) {
    actTime[i] = Date.parse(A[i].event_time);
    actDenied[i] = isDenied(A[i].error_code) ? 1 : 0;
    if (A[i].event_id) byEventID.set(A[i].event_id, i);
  }
  var sessionByNumber = new Map();
  list(C.sessions).forEach(function (se) { sessionByNumber.set(se.number, se); });
  // findingsOf maps an event id to the titles of the detections that hit it.
  var findingsOf = new Map();
  list(C.findings).forEach(function (f) {
    list(f.event_ids).forEach(function (id) {
      if (!byEventID.has(id)) return;
      var l = findingsOf.get(id);
      if (!l) findingsOf.set(id, l = []);
      l.push(f.title + ' (' + f.level + ')');
    });
  });

  // ---- timeline state ---------------------------------------------------

  // filter holds every active criterion; chips are the ones set from other
  // sections (chart bar, chain node, findings links).
  var filter = { text: '', tactic: '', source: '', ip: '', error: '', chips: [] };
  var shown = new Int32Array(0); // indices of the actions that pass the filter
  var collapsed = new Set(); // session numbers folded away
  var expanded = new Set(); // action indices opened to their fields
  var hay = null; // lower-case searchable text per action, built on first use
  var tl = {}; // timeline elements

  function haystack(i) {
    if (!hay) hay = new Array(N);
    var v = hay[i];
    if (v === undefined) {
      var a = A[i];
      v = hay[i] = [a.event_time, a.event_id, a.event_name, a.event_source, a.principal_arn, a.access_key_id,
        a.source_ip, a.aws_region, a.error_code, a.user_agent, a.tactic, a.technique, a.resource].join('\n').toLowerCase();
    }
    return v;
  }

  function passes(i) {
    var a = A[i];
    if (filter.tactic && tacticName(a.tactic) !== filter.tactic) return false;
    if (filter.source && a.event_source !== filter.source) return false;
    if (filter.ip && a.source_ip !== filter.ip) return false;
    if (filter.error) {
      if (filter.error === '*any') { if (!a.error_code) return false; }
      else if (filter.error === '*denied') { if (!actDenied[i]) return false; }
      else if (filter.error === '*none') { if (a.error_code) return false; }
      else if (a.error_code !== filter.error) return false;
    }
    for (var c = 0; c < filter.chips.length; c++) if (!filter.chips[c].test(i)) return false;
    if (filter.text && haystack(i).indexOf(filter.text) < 0) return false;
    return true;
  }

  function applyFilter() {
    var out = new Int32Array(N), n = 0;
    for (var i = 0; i < N; i++) if (passes(i)) out[n++] = i;
    shown = out.subarray(0, n);
    renderChips();
    buildRows();
    tl.box.scrollTop = 0;
    renderRows();
    tl.count.textContent = 'Showing ' + fmtInt(n) + ' of ' + fmtInt(N) + ' events' +
      (n ? ' in ' + fmtInt(countSessions()) + (countSessions() === 1 ? ' session' : ' sessions') : '') + '.';
    tl.box.setAttribute('data-shown', String(n));
  }

  // addChip filters the timeline by a criterion set elsewhere in the page
  // and brings the timeline into view.
  function addChip(kind, label, test, attrs) {
    filter.chips = filter.chips.filter(function (c) { return c.kind !== kind; });
    filter.chips.push({ kind: kind, label: label, test: test, attrs: attrs || {} });
    applyFilter();
    var sec = document.getElementById('timeline');
    if (sec && sec.scrollIntoView) sec.scrollIntoView({ block: 'start' });
  }
  function eventsChip(label, ids) {
    var set = new Set(ids);
    addChip('events', label, function (i) { return set.has(A[i].event_id); });
  }
  function indexChip(label, indices) {
    var set = new Set(indices);
    addChip('events', label, function (i) { return set.has(i); });
  }

  function renderChips() {
    clear(tl.chips);
    filter.chips.forEach(function (c) {
      tl.chips.appendChild(h('span', Object.assign({ class: 'chip', 'data-kind': c.kind }, c.attrs), c.label,
        h('button', { type: 'button', title: 'Remove this filter', 'aria-label': 'Remove filter', onclick: function () {
          filter.chips = filter.chips.filter(function (x) { return x !== c; });
          applyFilter();
        } }, '×')));
    });
  }

  // Rows of the virtual list: kind 0 session header, 1 event, 2 event detail.
  var rowKind = new Uint8Array(0), rowRef = new Int32Array(0), rowTop = new Float64Array(1), rowCount = 0;
  var sessionShown = new Map();
  function countSessions() { return sessionShown.size; }

  function detailText(i) {
    var a = A[i];
    var lines = JSON.stringify(a, null, 2);
    var extra = [];
    var f = findingsOf.get(a.event_id);
    if (f) extra.push('Detections: ' + f.join('; '));
    extra.push('The raw CloudTrail record is in the case database: trailsleuth query "select raw from events where event_id = \'' +
      String(a.event_id).replace(/'/g, "''") + '\'"');
    return lines + '\n' + extra.join('\n');
  }
  function detailHeight(i) {
    return detailText(i).split('\n').length * DETAIL_LINE + 12 + 16;
  }

  function buildRows() {
    sessionShown = new Map();
    for (var k = 0; k < shown.length; k++) {
      var sn = A[shown[k]].session;
      sessionShown.set(sn, (sessionShown.get(sn) || 0) + 1);
    }
    var cap = shown.length + sessionShown.size + expanded.size + 1;
    rowKind = new Uint8Array(cap); rowRef = new Int32Array(cap); rowTop = new Float64Array(cap + 1);
    var n = 0, top = 0, last = null;
    for (var j = 0; j < shown.length; j++) {
      var i = shown[j], sn2 = A[i].session;
      if (sn2 !== last) {
        last = sn2;
        rowKind[n] = 0; rowRef[n] = i; rowTop[n] = top; top += ROW_H; n++;
      }
      if (collapsed.has(sn2)) continue;
      rowKind[n] = 1; rowRef[n] = i; rowTop[n] = top; top += ROW_H; n++;
      if (expanded.has(i)) { rowKind[n] = 2; rowRef[n] = i; rowTop[n] = top; top += detailHeight(i); n++; }
    }
    rowTop[n] = top;
    rowCount = n;
    tl.inner.style.height = top + 'px';
    // A short list takes only its own height; a long one a screenful.
    tl.box.style.height = Math.max(ROW_H * 3, Math.min(top + 2, Math.round(window.innerHeight * 0.7))) + 'px';
  }

  // firstRow finds the last row starting at or above y (binary search).
  function firstRow(y) {
    var lo = 0, hi = rowCount - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (rowTop[mid] <= y) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function renderRows() {
    var box = tl.box, inner = tl.inner;
    clear(inner);
    if (rowCount === 0) {
      inner.appendChild(h('div', { class: 'tl-row sess' }, h('span'), h('span', { class: 'muted' },
        N ? 'No event matches the filters.' : 'No suspicious events.')));
      tl.box.setAttribute('data-rendered', '0');
      return;
    }
    var y0 = box.scrollTop - 200, y1 = box.scrollTop + box.clientHeight + 200;
    var frag = document.createDocumentFragment(), n = 0;
    for (var r = firstRow(Math.max(0, y0)); r < rowCount && rowTop[r] < y1; r++, n++) {
      frag.appendChild(renderRow(r));
    }
    inner.appendChild(frag);
    box.setAttribute('data-rendered', String(n));
    box.setAttribute('data-first', String(firstRow(box.scrollTop)));
  }

  function cell(text, cls, title) {
    return h('span', { class: cls, title: title === undefined ? text : title }, text);
  }

  function renderRow(r) {
    var i = rowRef[r], a = A[i], top = rowTop[r] + 'px';
    if (rowKind[r] === 0) {
      var se = sessionByNumber.get(a.session) || { number: a.session, start: a.event_time, end: a.event_time, event_count: 0, source_ips: [], access_key_ids: [], denied: 0 };
      var open = !collapsed.has(a.session);
      var label = 'Session ' + se.number + ' · ' + fmtTime(se.start) + ' → ' + fmtTime(se.end) + ' · ' +
        fmtInt(sessionShown.get(a.session)) + ' of ' + fmtInt(se.event_count) + ' events' +
        (se.denied ? ' · ' + fmtInt(se.denied) + ' denied' : '') +
        ' · keys ' + list(se.access_key_ids).join(', ') + ' · IPs ' + list(se.source_ips).join(', ');
      var srow = h('div', { class: 'tl-row sess', role: 'button', tabindex: '0', 'aria-expanded': String(open), 'data-session': se.number },
        h('span', null, open ? '▾' : '▸'), cell(label, 'wrap'));
      srow.style.top = top;
      srow.addEventListener('click', function () { toggle(collapsed, a.session); });
      srow.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(collapsed, a.session); } });
      return srow;
    }
    if (rowKind[r] === 2) {
      var d = h('div', { class: 'tl-detail', 'data-event': a.event_id }, h('pre', { text: detailText(i) }));
      d.style.top = top;
      d.style.height = (rowTop[r + 1] - rowTop[r]) + 'px';
      return d;
    }
    var tac = tacticName(a.tactic);
    var row = h('div', {
      class: 'tl-row' + (actDenied[i] ? ' is-denied' : ''), role: 'button', tabindex: '0',
      'aria-expanded': String(expanded.has(i)), 'data-index': i
    },
      h('span', null, expanded.has(i) ? '−' : '+'),
      cell(fmtTime(a.event_time), 'mono'),
      h('span', { class: 'ev', title: a.event_name + (a.resource ? ' ' + a.resource : '') },
        h('span', { class: 'tac', style: 'background:' + colorOf(tac) }), a.event_name),
      cell(shortSource(a.event_source), '', a.event_source),
      cell(shortARN(a.principal_arn), '', a.principal_arn),
      cell(a.access_key_id, 'mono'),
      cell(a.source_ip, 'mono'),
      cell(a.aws_region, ''),
      cell(a.tactic ? tac : '', '', a.technique || a.tactic),
      cell(a.error_code, actDenied[i] ? 'denied' : ''));
    row.style.top = top;
    row.addEventListener('click', function () { toggle(expanded, i); });
    row.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(expanded, i); } });
    return row;
  }

  function toggle(set, key) {
    if (set.has(key)) set.delete(key); else set.add(key);
    var keep = tl.box.scrollTop;
    buildRows();
    tl.box.scrollTop = keep;
    renderRows();
  }

  // ---- sections ---------------------------------------------------------

  function section(id, title, intro) {
    var sec = h('section', { id: id }, h('h2', null, title));
    if (intro) sec.appendChild(h('p', { class: 'muted' }, intro));
    document.getElementById('report').appendChild(sec);
    document.getElementById('toc').appendChild(h('a', { href: '#' + id }, title));
    return sec;
  }

  // table renders rows PAGE at a time: cols are [header, cell(row) → node|string, class].
  function table(rows, cols, empty) {
    if (!rows.length) return h('p', { class: 'muted' }, empty || 'None.');
    var tbody = h('tbody');
    var wrap = h('div', null, h('table', { class: 'grid' },
      h('thead', null, h('tr', null, cols.map(function (c) { return h('th', { class: c[2] || null }, c[0]); }))), tbody));
    var done = 0;
    var more = h('button', { type: 'button', class: 'more' });
    function page() {
      var end = Math.min(rows.length, done + PAGE);
      for (; done < end; done++) {
        var r = rows[done];
        tbody.appendChild(h('tr', null, cols.map(function (c) { return h('td', { class: c[2] || null }, c[1](r)); })));
      }
      if (done < rows.length) {
        more.textContent = 'Show ' + fmtInt(Math.min(PAGE, rows.length - done)) + ' more (' + fmtInt(rows.length - done) + ' not shown)';
        if (!more.parentNode) wrap.appendChild(more);
      } else if (more.parentNode) more.parentNode.removeChild(more);
    }
    more.addEventListener('click', page);
    page();
    // Printing shows every row: the print is the complete record.
    window.addEventListener('beforeprint', function () { while (done < rows.length) page(); });
    return wrap;
  }

  // linkEvents is a "n events" button that filters the timeline to indices.
  function linkEvents(label, indices) {
    var n = indices.length;
    return h('button', {
      type: 'button', class: 'link', disabled: n === 0,
      title: n ? 'Show these events in the timeline' : 'None of these events is among the attacker actions',
      onclick: function () { indexChip(label, indices); }
    }, n === 1 ? '1 event' : fmtInt(n) + ' events');
  }
  function indicesOf(ids) {
    var out = [];
    list(ids).forEach(function (id) { var i = byEventID.get(id); if (i !== undefined) out.push(i); });
    return out;
  }
  function indicesWhere(pred) {
    var out = [];
    for (var i = 0; i < N; i++) if (pred(A[i])) out.push(i);
    return out;
  }

  function renderHeader() {
    document.title = (C.report_id || 'Forensic report') + ' — trailsleuth';
    var hd = document.getElementById('top');
    var tf = C.timeframe || {};
    var sc = C.scope || {};
    var indicators = [].concat(list(sc.access_key_ids), list(sc.principals), list(sc.ips));
    hd.appendChild(h('h1', null, 'Forensic Report: ', h('span', { id: 'report-id' }, C.report_id || '')));
    if (list(C.summary).length) {
      hd.appendChild(h('section', { id: 'summary', class: 'summary' }, h('h2', null, 'Summary'),
        h('ul', null, list(C.summary).map(function (x) { return h('li', null, x); }))));
    }
    hd.appendChild(h('dl', { class: 'meta' },
      h('dt', null, 'Accounts'), h('dd', { class: 'mono' }, list(C.accounts).join(', ') || '—'),
      h('dt', null, 'Regions'), h('dd', null, list(C.regions).join(', ') || '—'),
      h('dt', null, 'Timeframe'), h('dd', null, fmtTime(tf.start) + ' to ' + fmtTime(tf.end) + ' UTC' +
        (tf.of === 'evidence' ? ' (the evidence: no attacker activity found)' : tf.of === 'window' ? ' (the window asked for: no attacker activity found)' : '')),
      h('dt', null, 'Started from'), h('dd', null, sc.mode === 'triage' ? 'triage (no indicator given)' : (indicators.join(', ') || sc.mode || '—')),
      h('dt', null, 'Generated'), h('dd', null, fmtTime(C.generated_at) + ' UTC by ' + ((C.tool || {}).name || 'trailsleuth') + ' ' + ((C.tool || {}).version || ''))));
    var kpis = [
      ['compromised_credentials', list(C.compromised_credentials).length, 'Compromised credentials', '#credentials'],
      ['suspicious_event_count', C.suspicious_event_count || 0, 'Suspicious events', '#timeline'],
      ['source_ips', list(C.source_ips).length, 'Source IPs', '#source-ips'],
      ['persistence', list(C.persistence).length, 'Persistence items', '#persistence'],
      ['data_accessed', list(C.data_accessed).length, 'Data accessed', '#data-accessed']
    ];
    hd.appendChild(h('div', { class: 'kpis' }, kpis.map(function (k) {
      return h('a', { class: 'kpi', href: k[3], 'data-kpi': k[0], 'data-count': k[1], style: 'text-decoration:none;color:inherit' },
        h('span', { class: 'n' }, fmtInt(k[1])), h('span', { class: 'l' }, k[2]));
    })));
    if (list(C.notes).length) {
      hd.appendChild(h('div', { class: 'notes', role: 'note' }, h('strong', null, 'Read before concluding'),
        list(C.notes).map(function (n) { return h('p', { class: 'wrap' }, n); })));
    }
  }

  // ---- activity chart ---------------------------------------------------

  var STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];
  var chart = null, buckets = null;

  function computeBuckets() {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < N; i++) if (actTime[i] > 0) { if (actTime[i] < lo) lo = actTime[i]; if (actTime[i] > hi) hi = actTime[i]; }
    if (lo === Infinity) return null;
    var step = STEPS[STEPS.length - 1];
    for (var k = 0; k < STEPS.length; k++) if ((hi - lo) / 1000 / STEPS[k] <= 90) { step = STEPS[k]; break; }
    var stepMs = step * 1000, start = Math.floor(lo / stepMs) * stepMs;
    var nb = Math.floor((hi - start) / stepMs) + 1;
    var counts = {}, denied = new Float64Array(nb), total = new Float64Array(nb);
    for (var j = 0; j < N; j++) {
      if (!(actTime[j] > 0)) continue;
      var b = Math.floor((actTime[j] - start) / stepMs);
      total[b]++;
      if (actDenied[j]) { denied[b]++; continue; }
      var t = tacticName(A[j].tactic);
      (counts[t] || (counts[t] = new Float64Array(nb)))[b]++;
    }
    return { start: start, stepMs: stepMs, n: nb, counts: counts, denied: denied, total: total, tactics: tacticOrder(Object.keys(counts)) };
  }

  function hatch(color) {
    var c = document.createElement('canvas');
    c.width = c.height = 8;
    var g = c.getContext('2d');
    g.strokeStyle = color; g.lineWidth = 2.5;
    g.beginPath(); g.moveTo(-2, 10); g.lineTo(10, -2); g.moveTo(-2, 2); g.lineTo(2, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.stroke();
    return g.createPattern(c, 'repeat');
  }

  function drawChart() {
    var box = document.getElementById('chart');
    if (chart) { chart.destroy(); chart = null; }
    clear(box);
    if (!buckets) { box.appendChild(h('p', { class: 'muted' }, 'No timed events to chart.')); return; }
    if (typeof uPlot !== 'function') { box.appendChild(h('p', { class: 'muted' }, 'The chart library did not load.')); return; }
    var b = buckets;
    var xs = new Float64Array(b.n);
    for (var i = 0; i < b.n; i++) xs[i] = (b.start + (i + 0.5) * b.stepMs) / 1000;
    // Stack: tactics in kill-chain order, denied calls on top. Each series
    // holds the running sum; the tallest is drawn first so lower ones cover it.
    var layers = b.tactics.map(function (t) { return { label: t, raw: b.counts[t], color: colorOf(t) }; });
    if (b.denied.some(function (v) { return v > 0; })) layers.push({ label: 'Denied (any tactic)', raw: b.denied, color: DENIED_COLOR, denied: true });
    var sums = [], acc = new Float64Array(b.n);
    layers.forEach(function (l) {
      var next = new Float64Array(b.n);
      for (var k = 0; k < b.n; k++) next[k] = acc[k] + l.raw[k];
      sums.push(next); acc = next;
    });
    var order = layers.map(function (_, k) { return k; }).reverse();
    var fg = cssVar('--fg') || '#222', grid = cssVar('--grid') || '#ddd', muted = cssVar('--muted') || '#666';
    var bars = uPlot.paths.bars({ size: [0.92, Infinity], gap: 1 });
    var series = [{ label: 'UTC', value: function (u, v) { return v == null ? '—' : fmtMs(v * 1000 - b.stepMs / 2) + '–' + fmtClock(v * 1000 + b.stepMs / 2); } }];
    order.forEach(function (k) {
      var l = layers[k];
      series.push({
        label: l.label, stroke: l.color, width: l.denied ? 1 : 0, paths: bars, points: { show: false },
        fill: l.denied ? function () { return hatch(DENIED_COLOR); } : l.color,
        value: function (u, v, si, idx) { return idx == null ? '—' : fmtInt(l.raw[idx]); }
      });
    });
    // Empty denied segments would still be outlined: leave them out (null).
    var data = [xs].concat(order.map(function (k) {
      if (!layers[k].denied) return sums[k];
      return Array.prototype.map.call(sums[k], function (v, j) { return layers[k].raw[j] ? v : null; });
    }));
    var axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    var width = Math.max(320, box.clientWidth || document.getElementById('report').clientWidth || 900);
    chart = new uPlot({
      width: width, height: 260,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: { x: { time: true, range: function () { return [b.start / 1000, (b.start + b.n * b.stepMs) / 1000]; } }, y: { range: function (u, mn, mx) { return [0, Math.max(1, mx) * 1.08]; } } },
      axes: [Object.assign({}, axis, { label: 'UTC', labelSize: 20, size: 54, values: axisTimes }), Object.assign({}, axis, { label: 'events per ' + stepName(b.stepMs), labelSize: 24, size: 56 })],
      legend: { live: true },
      hooks: { draw: [markPeak] },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      series: series
    }, data, box);
    box.style.color = fg;
    var over = box.querySelector('.u-over');
    over.style.cursor = 'pointer';
    over.addEventListener('click', function (e) {
      var x = chart.posToVal(e.clientX - over.getBoundingClientRect().left, 'x') * 1000;
      var k = Math.floor((x - b.start) / b.stepMs);
      if (k < 0 || k >= b.n || b.total[k] === 0) return;
      var from = b.start + k * b.stepMs, to = from + b.stepMs;
      addChip('time', 'Time ' + fmtMs(from) + ' – ' + fmtClock(to) + ' UTC', function (j) { return actTime[j] >= from && actTime[j] < to; },
        { 'data-from': from, 'data-to': to });
    });
    box.setAttribute('data-buckets', String(b.n));
  }

  // markPeak records where the tallest bar is drawn, in CSS pixels inside
  // .u-over, and its count: the browser test clicks it.
  function markPeak(u) {
    var b = buckets, box = document.getElementById('chart'), peak = 0;
    for (var p = 1; p < b.n; p++) if (b.total[p] > b.total[peak]) peak = p;
    box.setAttribute('data-peak-x', String(Math.round(u.valToPos((b.start + (peak + 0.5) * b.stepMs) / 1000, 'x'))));
    box.setAttribute('data-peak-count', String(b.total[peak]));
  }
  // axisTimes labels the time axis in UTC, 24-hour, with the date where it
  // changes (and on the first tick).
  function axisTimes(u, splits) {
    var prev = '';
    var span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
    return splits.map(function (v) {
      var iso = new Date(v * 1000).toISOString(), day = iso.slice(0, 10), hm = iso.slice(11, 16);
      var label = span > 4 * 86400 ? day : (day !== prev ? hm + '\n' + day : hm);
      prev = day;
      return label;
    });
  }
  function stepName(ms) {
    var sec = ms / 1000;
    if (sec % 86400 === 0) return sec === 86400 ? 'day' : (sec / 86400) + ' days';
    if (sec % 3600 === 0) return sec === 3600 ? 'hour' : (sec / 3600) + ' hours';
    return sec === 60 ? 'minute' : (sec / 60) + ' minutes';
  }

  function renderActivity() {
    var sec = section('activity', 'Activity over time',
      'Events of the compromised credentials per time bucket, stacked by ATT&CK tactic; denied calls are the hatched red part. Click a bar to show its events in the timeline.');
    sec.appendChild(h('div', { id: 'chart' }));
    buckets = computeBuckets();
    drawChart();
    var redraw = 0;
    window.addEventListener('resize', function () {
      cancelAnimationFrame(redraw);
      redraw = requestAnimationFrame(function () {
        var box = document.getElementById('chart');
        if (chart && box.clientWidth) chart.setSize({ width: Math.max(320, box.clientWidth), height: 260 });
      });
    });
    // Paper is narrower than a screen: draw the chart to fit it while printing.
    window.addEventListener('beforeprint', function () { if (chart) chart.setSize({ width: 680, height: 220 }); });
    window.addEventListener('afterprint', function () {
      var box = document.getElementById('chart');
      if (chart) chart.setSize({ width: Math.max(320, box.clientWidth), height: 260 });
    });
    var mq = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
    if (mq && mq.addEventListener) mq.addEventListener('change', drawChart);
  }

  // ---- credential chain -------------------------------------------------

  function renderChain() {
    var sec = section('chain', 'Credential chain',
      'From the first compromised credential to everything obtained with it. Edges give the call, its time (UTC) and source IP. Click a credential to show its events in the timeline.');
    var creds = list(C.compromised_credentials), edges = list(C.credential_chain);
    var nodes = new Map();
    function node(id) {
      var n = nodes.get(id);
      if (!n) nodes.set(id, n = { id: id, cred: null, ins: [], outs: [], depth: -1, row: 0 });
      return n;
    }
    creds.forEach(function (c) { node(c.access_key_id).cred = c; });
    edges.forEach(function (e) { var f = node(e.from), t = node(e.to); f.outs.push({ e: e, n: t }); t.ins.push({ e: e, n: f }); });
    if (!nodes.size) { sec.appendChild(h('p', { class: 'muted' }, 'No compromised credential.')); return; }
    // Layers by breadth-first depth from the nodes nothing leads to; nodes on
    // a cycle only get the depth they are first reached at.
    var all = Array.from(nodes.values()), queue = [];
    all.forEach(function (n) { if (!n.ins.length) { n.depth = 0; queue.push(n); } });
    if (!queue.length) { all[0].depth = 0; queue.push(all[0]); }
    for (var q = 0; q < queue.length; q++) {
      queue[q].outs.forEach(function (o) { if (o.n.depth < 0) { o.n.depth = queue[q].depth + 1; queue.push(o.n); } });
      if (q === queue.length - 1) {
        var rest = all.filter(function (n) { return n.depth < 0; });
        if (rest.length) { rest[0].depth = 0; queue.push(rest[0]); }
      }
    }
    var cols = [];
    queue.forEach(function (n) { (cols[n.depth] || (cols[n.depth] = [])).push(n); });
    // Order each column by its parents' rows, so edges cross less.
    cols.forEach(function (col, d) {
      if (d > 0) {
        col.forEach(function (n) {
          var ps = n.ins.filter(function (x) { return x.n.depth < d; });
          n.key = ps.length ? ps.reduce(function (s2, x) { return s2 + x.n.row; }, 0) / ps.length : 1e9;
        });
        col.sort(function (a, b) { return a.key - b.key; });
      }
      col.forEach(function (n, r) { n.row = r; });
    });
    var W = 290, H = 62, GX = 210, GY = 26, PAD = 16;
    var maxRows = Math.max.apply(null, cols.map(function (c) { return c.length; }));
    var width = PAD * 2 + cols.length * W + (cols.length - 1) * GX;
    var height = PAD * 2 + maxRows * H + (maxRows - 1) * GY;
    cols.forEach(function (col, d) {
      var off = (maxRows - col.length) * (H + GY) / 2;
      col.forEach(function (n) { n.x = PAD + d * (W + GX); n.y = PAD + off + n.row * (H + GY); });
    });
    var svg = s('svg', { class: 'chain', width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'Credential chain graph' });
    svg.appendChild(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
      s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }))));
    var labelsAt = new Map();
    edges.forEach(function (e) {
      var f = nodes.get(e.from), t = nodes.get(e.to);
      var x1 = f.x + W, y1 = f.y + H / 2, x2 = t.x, y2 = t.y + H / 2;
      if (t.depth <= f.depth) { x1 = f.x + W / 2; y1 = f.y + H; x2 = t.x + W / 2; y2 = t.y + H; } // back edge on a cycle
      var mx = (x1 + x2) / 2;
      var tip = e.how + ' at ' + fmtTime(e.event_time) + ' UTC from ' + (e.source_ip || '?') + (e.account ? ', account ' + e.account : '') + ' (event ' + e.event_id + ')';
      var g = s('g', { class: 'edge-g', 'data-from': e.from, 'data-to': e.to }, s('title', null, tip),
        s('path', { class: 'edge', d: 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2, 'marker-end': 'url(#arrow)' }));
      // Labels sit just left of the arrow head, stacked when several arrive at one node.
      var k = labelsAt.get(e.to) || 0;
      labelsAt.set(e.to, k + 1);
      var ly = y2 - 22 - k * 26, lx = x2 - GX + 14;
      g.appendChild(s('text', { class: 'el', x: lx, y: ly }, s('tspan', { 'font-weight': '600' }, e.how)));
      g.appendChild(s('text', { class: 'el', x: lx, y: ly + 12 }, fmtTime(e.event_time).slice(5) + ' · ' + (e.source_ip || '?')));
      svg.appendChild(g);
    });
    nodes.forEach(function (n) {
      var c = n.cred || {};
      var seed = n.cred && (!c.derived_from || c.how === 'given');
      var key = n.id.indexOf('console:') === 0 ? 'console ' + shortARN(n.id.slice(8)) : n.id;
      var acct = arnAccount(c.principal_arn);
      var sub = (acct ? acct + ' · ' : '') + shortARN(c.principal_arn || '');
      var third = n.cred ? (c.how || '') + ' · ' + fmtInt(c.event_count) + ' events' : 'not itself compromised';
      var g = s('g', { class: 'node' + (seed ? ' seed' : ''), 'data-node': n.id, transform: 'translate(' + n.x + ',' + n.y + ')', tabindex: '0', role: 'button' },
        s('title', null, n.id + (c.principal_arn ? '\n' + c.principal_arn : '') + (c.reason ? '\n' + c.reason : '') +
          (n.cred ? '\nfirst seen ' + fmtTime(c.first_seen) + ', last seen ' + fmtTime(c.last_seen) : '')),
        s('rect', { width: W, height: H, rx: 6 }),
        s('text', { class: 'k', x: 10, y: 19 }, clip(key, 34)),
        s('text', { x: 10, y: 37 }, clip(sub, 40)),
        s('text', { class: 's', x: 10, y: 54 }, clip(third, 44)));
      var go = function () {
        addChip('key', 'Credential ' + n.id, function (i) { return A[i].access_key_id === n.id; });
      };
      g.addEventListener('click', go);
      g.addEventListener('keydown', function (e) { if (e.key === 'Enter') go(); });
      svg.appendChild(g);
    });
    sec.appendChild(h('div', { class: 'chain-wrap' }, svg));
  }
  function clip(t, n) { t = String(t || ''); return t.length > n ? t.slice(0, n - 1) + '…' : t; }

  // ---- timeline ---------------------------------------------------------

  function options(sel, label, values, fmt) {
    clear(sel);
    sel.appendChild(h('option', { value: '' }, label));
    values.forEach(function (v) { sel.appendChild(h('option', { value: v[0] }, fmt ? fmt(v) : v[0] + ' (' + fmtInt(v[1]) + ')')); });
  }
  function tally(key) {
    var m = new Map();
    for (var i = 0; i < N; i++) { var v = key(A[i], i); m.set(v, (m.get(v) || 0) + 1); }
    return Array.from(m.entries());
  }

  function renderTimeline() {
    var sec = section('timeline', 'Timeline',
      'The attacker\'s actions in time order, grouped into sessions (a gap of over 30 minutes starts a new one). Click a session to fold it, an event to see all its fields.');
    var text = h('input', { type: 'search', id: 'tl-text', placeholder: 'Filter: any text (event, key, IP, ARN, user agent, resource…)', 'aria-label': 'Filter the timeline by text' });
    var tac = h('select', { id: 'tl-tactic', 'aria-label': 'Tactic' });
    var src = h('select', { id: 'tl-source', 'aria-label': 'Event source' });
    var ip = h('select', { id: 'tl-ip', 'aria-label': 'Source IP' });
    var err = h('select', { id: 'tl-error', 'aria-label': 'Error' });
    var tacs = tally(function (a) { return tacticName(a.tactic); });
    var order = tacticOrder(tacs.map(function (t) { return t[0]; }));
    tacs.sort(function (a, b) { return order.indexOf(a[0]) - order.indexOf(b[0]); });
    options(tac, 'All tactics', tacs);
    options(src, 'All event sources', tally(function (a) { return a.event_source; }).sort(byCount));
    options(ip, 'All source IPs', tally(function (a) { return a.source_ip; }).sort(byCount));
    var errs = tally(function (a) { return a.error_code; }).filter(function (e) { return e[0]; }).sort(byCount);
    options(err, 'Errors or not', errs);
    var denied = 0, anyErr = 0;
    for (var i = 0; i < N; i++) { denied += actDenied[i]; if (A[i].error_code) anyErr++; }
    [['*any', 'Any error (' + fmtInt(anyErr) + ')'], ['*denied', 'Denied (' + fmtInt(denied) + ')'], ['*none', 'No error (' + fmtInt(N - anyErr) + ')']].reverse().forEach(function (o) {
      err.insertBefore(h('option', { value: o[0] }, o[1]), err.options[1] || null);
    });
    function onChange() {
      filter.text = text.value.trim().toLowerCase();
      filter.tactic = tac.value; filter.source = src.value; filter.ip = ip.value; filter.error = err.value;
      applyFilter();
    }
    text.addEventListener('input', onChange);
    [tac, src, ip, err].forEach(function (x) { x.addEventListener('change', onChange); });
    var reset = h('button', { type: 'button', id: 'tl-reset', onclick: function () {
      text.value = ''; tac.value = ''; src.value = ''; ip.value = ''; err.value = ''; filter.chips = []; onChange();
    } }, 'Clear filters');
    var foldAll = h('button', { type: 'button', onclick: function () {
      if (collapsed.size) collapsed.clear(); else sessionShown.forEach(function (_, k) { collapsed.add(k); });
      buildRows(); renderRows();
    } }, 'Fold/unfold sessions');
    sec.appendChild(h('div', { class: 'filters' }, text, tac, src, ip, err, reset, foldAll));
    tl.chips = h('div', { class: 'chips', 'aria-live': 'polite' });
    tl.count = h('p', { class: 'tl-count muted', 'aria-live': 'polite' });
    tl.inner = h('div', { class: 'tl-inner' });
    tl.box = h('div', { class: 'tl', id: 'tl', tabindex: '0' }, tl.inner);
    var head = h('div', { class: 'tl-head' }, ['', 'Time (UTC)', 'Event', 'Source', 'Principal', 'Access key', 'Source IP', 'Region', 'Tactic', 'Error'].map(function (t) { return h('span', null, t); }));
    sec.appendChild(tl.chips);
    sec.appendChild(tl.count);
    sec.appendChild(h('div', { class: 'tl-scroll-x' }, head, tl.box));
    sec.appendChild(h('div', { id: 'print-timeline' }));
    var pending = 0;
    tl.box.addEventListener('scroll', function () {
      if (pending) return;
      pending = requestAnimationFrame(function () { pending = 0; renderRows(); });
    });
    applyFilter();
  }
  function byCount(a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); }

  // A virtual list prints only what is on screen: print a plain table of the
  // filtered events instead (up to PRINT_ROWS; the JSON report has them all).
  function printTimeline() {
    var box = document.getElementById('print-timeline');
    clear(box);
    var active = filter.chips.map(function (c) { return c.label; });
    if (filter.text) active.push('text "' + filter.text + '"');
    [['tactic', filter.tactic], ['event source', filter.source], ['IP', filter.ip], ['error', filter.error]].forEach(function (f) {
      if (f[1]) active.push(f[0] + ' ' + f[1].replace(/^\*/, ''));
    });
    box.appendChild(h('p', { class: 'muted' }, fmtInt(shown.length) + ' of ' + fmtInt(N) + ' events' +
      (active.length ? ', filtered by ' + active.join('; ') : '') + '.'));
    var n = Math.min(shown.length, PRINT_ROWS);
    var rows = [];
    for (var k = 0; k < n; k++) rows.push(A[shown[k]]);
    var tbody = h('tbody', null, rows.map(function (a) {
      return h('tr', null, h('td', { class: 'mono' }, fmtTime(a.event_time)), h('td', null, a.event_name), h('td', null, shortSource(a.event_source)),
        h('td', { class: 'wrap' }, shortARN(a.principal_arn)), h('td', { class: 'mono' }, a.access_key_id), h('td', { class: 'mono' }, a.source_ip),
        h('td', null, a.tactic ? tacticName(a.tactic) : ''), h('td', { class: isDenied(a.error_code) ? 'denied' : '' }, a.error_code));
    }));
    box.appendChild(h('table', { class: 'grid' }, h('thead', null, h('tr', null,
      ['Time (UTC)', 'Event', 'Source', 'Principal', 'Access key', 'Source IP', 'Tactic', 'Error'].map(function (t) { return h('th', null, t); }))), tbody));
    if (shown.length > n) box.appendChild(h('p', { class: 'muted' }, fmtInt(shown.length - n) + ' more events are not printed; the JSON report has them all.'));
  }

  // ---- findings, remediation, evidence ----------------------------------

  function renderCredentials() {
    var sec = section('credentials', 'Compromised credentials', 'Revoke these. Each was given, or obtained with another compromised credential.');
    sec.appendChild(table(list(C.compromised_credentials), [
      ['Access key / session', function (c) { return h('span', { class: 'mono wrap' }, c.access_key_id); }],
      ['Principal', function (c) { return h('span', { class: 'wrap' }, c.principal_arn); }],
      ['Obtained', function (c) { return [c.how, c.derived_from ? h('div', { class: 'muted mono' }, 'from ' + c.derived_from) : null, h('div', { class: 'muted' }, c.reason), novelty(c)]; }],
      ['First – last seen (UTC)', function (c) { return fmtTime(c.first_seen) + ' – ' + fmtTime(c.last_seen); }],
      ['Events', function (c) {
        return linkEvents('Credential ' + c.access_key_id, indicesWhere(function (a) { return a.access_key_id === c.access_key_id; }));
      }, 'num']
    ], 'No compromised credential was found.'));
    if (list(C.related_identities).length) {
      sec.appendChild(h('h3', null, 'Related identities'));
      sec.appendChild(h('p', { class: 'muted' }, 'Other identities that acted from the attacker\'s addresses. Their events there are in the timeline only when their own activity showed signs too (counted); sharing an address alone is never enough.'));
      sec.appendChild(table(list(C.related_identities), [
        ['Principal', function (r) { return h('span', { class: 'wrap' }, r.principal_arn); }],
        ['Access keys', function (r) { return h('span', { class: 'mono wrap' }, list(r.access_key_ids).join(', ')); }],
        ['Source IPs', function (r) { return h('span', { class: 'mono wrap' }, list(r.source_ips).join(', ')); }],
        ['Events', function (r) { return fmtInt(r.event_count); }, 'num'],
        ['Counted', function (r) { return r.counted ? 'yes' : 'no'; }],
        ['Why', function (r) { return r.reason; }]
      ]));
    }
  }

  // novelty lists what a credential did that its baseline had not shown
  // (fields present when the analysis computed a baseline).
  function novelty(c) {
    var parts = [['new source IPs', c.new_source_ips], ['new user agents', c.new_user_agents], ['new APIs', c.new_apis],
      ['new regions', c.new_regions], ['new countries', c.new_countries], ['new networks', c.new_asns]]
      .filter(function (p) { return list(p[1]).length; });
    var b = c.baseline;
    if (!parts.length && !b) return null;
    return h('details', null, h('summary', null, 'Compared with its baseline'),
      b && !b.until ? h('p', { class: 'muted' }, 'No baseline: ' + (b.note || 'no earlier use')) : null,
      b && b.until ? h('p', { class: 'muted' }, 'Baseline until ' + fmtTime(b.until) + ': ' + fmtInt(b.events) + ' events, ' + fmtInt(b.api_count) + ' APIs, from ' +
        (list(b.source_ips).join(', ') || 'no address') + (list(b.regions).length ? ' in ' + list(b.regions).join(', ') : '')) : null,
      h('ul', null, parts.map(function (p) { return h('li', { class: 'wrap' }, p[0] + ': ' + list(p[1]).join(', ')); })));
  }

  function renderSourceIPs() {
    var sec = section('source-ips', 'Source IPs', 'Addresses the compromised credentials were used from. Block them and search other logs for them.');
    sec.appendChild(table(list(C.source_ips), [
      ['IP', function (r) { return h('span', { class: 'mono' }, r.ip); }],
      ['Events', function (r) { return linkEvents('IP ' + r.ip, indicesWhere(function (a) { return a.source_ip === r.ip; })); }, 'num'],
      ['First – last seen (UTC)', function (r) { return fmtTime(r.first_seen) + ' – ' + fmtTime(r.last_seen); }],
      ['Where', function (r) {
        return [r.country || '', r.asn ? h('div', { class: 'muted' }, 'AS' + r.asn + (r.as_org ? ' ' + r.as_org : '')) : null, r.aws ? h('div', { class: 'muted' }, r.aws) : null,
          r.new_to_organization ? h('div', { class: 'denied wrap' }, 'new to the whole evidence (first seen ' + fmtTime(r.account_first_seen) + ')') :
            r.new_to_account ? h('div', { class: 'denied wrap' }, 'new to the account (first seen ' + fmtTime(r.account_first_seen) + ')') :
              r.account_first_seen ? h('div', { class: 'muted' }, 'seen in the account before: ' + fmtInt(r.prior_events) + ' events since ' + fmtTime(r.account_first_seen)) : null,
          r.new_network ? h('div', { class: 'denied' }, 'new network for the account') : null,
          list(r.new_for).length ? h('div', { class: 'denied wrap' }, 'new for ' + list(r.new_for).join(', ')) : null];
      }],
      ['User agents', function (r) { return h('ul', { class: 'wrap' }, list(r.user_agents).map(function (u) { return h('li', { class: 'mono' }, u); })); }]
    ], 'No source IP.'));
  }

  function renderFindings() {
    var sec = section('findings', 'Findings');
    sec.appendChild(h('h3', { id: 'detections' }, 'Detections'));
    var rank = { critical: 0, high: 1, medium: 2, low: 3, informational: 4 };
    var fs = list(C.findings).slice().sort(function (a, b) { return (rank[a.level] === undefined ? 9 : rank[a.level]) - (rank[b.level] === undefined ? 9 : rank[b.level]); });
    sec.appendChild(table(fs, [
      ['Level', function (f) { return h('span', { class: 'badge lvl-' + String(f.level).toLowerCase() }, f.level); }],
      ['Rule', function (f) {
        return [h('strong', null, f.title), f.correlation ? h('span', { class: 'badge' }, 'correlation') : null,
          h('div', { class: 'muted mono wrap' }, f.source),
          (f.description || f.remediation) ? h('details', null, h('summary', null, 'Description and response'),
            h('p', { style: 'white-space:pre-wrap' }, f.description || ''), f.remediation ? h('p', { style: 'white-space:pre-wrap' }, f.remediation) : null) : null];
      }],
      ['ATT&CK', function (f) { return [list(f.tactics).join(', '), h('div', { class: 'mono muted' }, list(f.techniques).join(', '))]; }],
      ['First – last (UTC)', function (f) { return fmtTime(f.first_seen) + ' – ' + fmtTime(f.last_seen); }],
      ['Matched', function (f) {
        var idx = indicesOf(f.event_ids);
        return [fmtInt(f.count) + ' matched', h('div', null, linkEvents('Detection ' + f.title, idx), idx.length < list(f.event_ids).length ? h('span', { class: 'muted' }, ' in the timeline') : null)];
      }, 'num']
    ], 'No detection rule matched.'));

    sec.appendChild(h('h3', { id: 'persistence' }, 'Persistence'));
    sec.appendChild(h('p', { class: 'muted' }, 'What the attacker left behind to keep access: remove it.'));
    sec.appendChild(table(list(C.persistence), [
      ['Kind', function (p) { return p.kind; }],
      ['Resource', function (p) { return h('span', { class: 'wrap' }, p.resource); }],
      ['Created (UTC)', function (p) { return [fmtTime(p.event_time), h('div', { class: 'muted' }, p.event_name)]; }],
      ['By', function (p) { return h('span', { class: 'wrap' }, shortARN(p.created_by)); }],
      ['Removed', function (p) { return p.removed ? h('span', { class: 'removed' }, 'yes' + (p.removed_at ? ', ' + fmtTime(p.removed_at) : '')) : h('span', { class: 'denied' }, 'no'); }],
      ['Event', function (p) { return linkEvents(p.kind + ' ' + p.resource, indicesOf([p.event_id])); }, 'num']
    ], 'No persistence was found.'));

    sec.appendChild(h('h3', { id: 'data-accessed' }, 'Data accessed'));
    sec.appendChild(h('p', { class: 'muted' }, 'Data read, listed or copied: the input to a breach assessment.'));
    var das = list(C.data_accessed);
    var totalBytes = das.reduce(function (t, d) { return t + (d.bytes || 0); }, 0);
    if (totalBytes) sec.appendChild(h('p', null, fmtInt(das.length) + ' targets, ' + fmtBytes(totalBytes) + ' where the events give sizes.'));
    sec.appendChild(table(das, [
      ['Resource', function (d) { return h('span', { class: 'mono wrap' }, d.resource || '(account)'); }],
      ['Kind', function (d) {
        // An access seen in a log other than CloudTrail says which, with the HTTP statuses.
        var src = d.source ? h('div', { class: 'muted' }, d.source + (list(d.http_status).length ? ', HTTP ' + list(d.http_status).join(',') : '')) : null;
        return [d.kind, h('div', { class: 'muted' }, d.event_name), src];
      }],
      ['Calls', function (d) { return fmtInt(d.count) + (d.denied ? ' (' + fmtInt(d.denied) + ' denied)' : ''); }, 'num'],
      ['Bytes', function (d) { return fmtBytes(d.bytes); }, 'num'],
      ['First – last (UTC)', function (d) { return fmtTime(d.first_seen) + ' – ' + fmtTime(d.last_seen); }],
      ['Events', function (d) {
        return linkEvents(d.event_name + ' ' + (d.resource || '(account)'), indicesWhere(function (a) { return a.event_name === d.event_name && (a.resource || '') === (d.resource || ''); }));
      }, 'num']
    ], 'No data access was found.'));

    if (list(C.network_flows).length) {
      sec.appendChild(h('h3', { id: 'network-flows' }, 'Network flows (VPC flow logs)'));
      sec.appendChild(h('p', { class: 'muted' }, 'Flow log records to and from the attacker\'s addresses, summed per flow.'));
      sec.appendChild(table(list(C.network_flows), [
        ['Source', function (f) { return h('span', { class: 'mono' }, f.srcaddr); }],
        ['Destination', function (f) { return [h('span', { class: 'mono' }, f.dstaddr), h('div', { class: 'muted' }, 'port ' + f.dstport + ', protocol ' + f.protocol)]; }],
        ['Action', function (f) { return h('span', { class: f.action === 'REJECT' ? 'denied' : '' }, f.action + ' (' + f.direction + ')'); }],
        ['Packets', function (f) { return fmtInt(f.packets); }, 'num'],
        ['Bytes', function (f) { return fmtBytes(f.bytes); }, 'num'],
        ['First – last (UTC)', function (f) { return fmtTime(f.first) + ' – ' + fmtTime(f.last); }]
      ], ''));
    }

    sec.appendChild(h('h3', { id: 'defense-evasion' }, 'Defense evasion'));
    sec.appendChild(h('p', { class: 'muted' }, 'Actions against logging and detection: where the record may have gaps.'));
    sec.appendChild(table(list(C.defense_evasion), [
      ['Time (UTC)', function (a) { return fmtTime(a.event_time); }],
      ['Event', function (a) { return [a.event_name, h('div', { class: 'muted' }, a.event_source)]; }],
      ['Resource', function (a) { return h('span', { class: 'wrap' }, a.resource || ''); }],
      ['Credential', function (a) { return [h('span', { class: 'mono' }, a.access_key_id), h('div', { class: 'muted mono' }, a.source_ip)]; }],
      ['Outcome', function (a) { return a.error_code ? h('span', { class: isDenied(a.error_code) ? 'denied' : '' }, a.error_code) : 'succeeded'; }],
      ['Event', function (a) { return linkEvents(a.event_name + ' ' + fmtTime(a.event_time), indicesOf([a.event_id])); }, 'num']
    ], 'No action against logging or detection was found.'));

    if (list(C.console_actions).length) {
      sec.appendChild(h('h3', { id: 'console-actions' }, 'Console activity'));
      sec.appendChild(h('p', { class: 'muted' }, 'Console page loads: the API calls one click in the AWS console made, grouped.'));
      sec.appendChild(table(list(C.console_actions), [
        ['Time (UTC)', function (g) { return fmtTime(g.start); }],
        ['Principal', function (g) { return [h('span', { class: 'wrap' }, shortARN(g.principal_arn)), h('div', { class: 'muted mono' }, g.source_ip)]; }],
        ['Services', function (g) { return h('span', { class: 'wrap' }, list(g.services).join(', ')); }],
        ['Calls', function (g) { return h('span', { class: 'wrap' }, list(g.event_names).join(', ')); }],
        ['Denied', function (g) { return g.denied ? h('span', { class: 'denied' }, fmtInt(g.denied)) : ''; }, 'num'],
        ['Events', function (g) { return linkEvents('Console page load ' + g.group, indicesOf(g.event_ids)); }, 'num']
      ]));
    }

    sec.appendChild(h('h3', { id: 'changes' }, 'Changes'));
    sec.appendChild(h('p', { class: 'muted' }, 'Writes by the compromised credentials, by service and resource: what to inspect and roll back.'));
    sec.appendChild(table(list(C.changes), [
      ['Service', function (c) { return c.service; }],
      ['Resource', function (c) { return h('span', { class: 'wrap' }, c.resource); }],
      ['Calls', function (c) { return h('span', { class: 'wrap' }, list(c.event_names).join(', ')); }],
      ['Count', function (c) { return fmtInt(c.count) + (c.denied ? ' (' + fmtInt(c.denied) + ' denied)' : ''); }, 'num'],
      ['Events', function (c) {
        var names = new Set(list(c.event_names));
        return linkEvents(c.service + ' ' + c.resource, indicesWhere(function (a) { return (a.resource || '') === c.resource && names.has(a.event_name); }));
      }, 'num']
    ], 'No change was found.'));
  }

  function copyButton(textOf) {
    var b = h('button', { type: 'button', class: 'copy', title: 'Copy to the clipboard' }, 'Copy');
    b.addEventListener('click', function () {
      var text = textOf();
      var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
      // file:// pages may not get the async clipboard; fall back to a hidden textarea.
      var fallback = function () {
        var ta = h('textarea', { style: 'position:fixed;left:-9999px;top:0' });
        ta.value = text;
        document.body.appendChild(ta);
        ta.select();
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        if (ok) done(); else b.textContent = 'Copy failed: select the text';
        document.body.removeChild(ta);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    });
    return b;
  }

  // renderTriage ranks the identities below the findings: verdict, score
  // and the first reason; the others fold away.
  function renderTriage() {
    if (!list(C.triage).length) return;
    var sec = section('triage', 'Triage', 'No indicator was given: identities ranked by what the evidence against them means; every one with evidence of an attacker was investigated.');
    sec.appendChild(table(list(C.triage), [
      ['Identity', function (r) { return h('span', { class: 'wrap' }, r.principal_arn); }],
      ['Verdict', function (r) { return r.verdict + (r.investigated ? ' (investigated)' : ''); }],
      ['Score', function (r) {
        return h('span', { title: list(r.parts).map(function (p) { return p.kind + ' ' + p.points + ': ' + p.detail; }).join('\n') }, String(r.score));
      }],
      ['Addresses', function (r) { return h('span', { class: 'mono wrap' }, list(r.addresses).join(', ')); }],
      ['Reasons', function (r) {
        var all = list(r.reasons).concat(list(r.benign).map(function (b) { return 'left out, benign context: ' + b; }));
        if (all.length < 2) return all[0] || '';
        return h('details', null, h('summary', null, all[0]), h('ul', null, all.slice(1).map(function (x) { return h('li', null, x); })));
      }]
    ]));
  }

  function renderRemediation() {
    var sec = section('remediation', 'Remediation', 'Steps to take, in order — contain, eradicate, recover — by credential or resource, each with the command that does it. Review each command before running it.');
    var steps = list(C.remediation);
    if (!steps.length) { sec.appendChild(h('p', { class: 'muted' }, 'No remediation step.')); return; }
    var cmds = steps.filter(function (r) { return r.command; }).map(function (r) { return r.command; });
    if (cmds.length) sec.appendChild(h('p', null, copyButton(function () { return cmds.join('\n'); }), ' all ' + fmtInt(cmds.length) + ' commands'));
    var titles = { contain: 'Contain — cut the attacker off now', eradicate: 'Eradicate — remove what the attacker left', recover: 'Recover — restore, rotate and assess' };
    var phase = null, target = null, ol = null;
    steps.forEach(function (r, i) {
      if (r.phase !== phase || !ol) {
        phase = r.phase; target = null;
        if (phase) sec.appendChild(h('h3', null, titles[phase] || phase));
      }
      if (r.target !== target || !ol) {
        target = r.target;
        if (target) sec.appendChild(h('h4', { class: 'mono' }, target));
        ol = sec.appendChild(h('ol', { class: 'remediation', start: String(i + 1) }));
      }
      ol.appendChild(h('li', null, h('span', null, r.action), r.command ? h('div', { class: 'cmd' }, h('pre', null, h('code', null, r.command)), copyButton(function () { return r.command; })) : null));
    });
  }

  function renderCoverage() {
    var cv = C.coverage;
    if (!cv) return;
    var sec = section('coverage', 'Coverage and gaps', 'What the evidence can and cannot show. Read this before concluding that something did not happen.');
    var st = list(cv.statements);
    if (st.length) sec.appendChild(h('ul', { class: 'statements' }, st.map(function (s) { return h('li', null, s); })));
    sec.appendChild(h('p', { class: 'muted' }, 'Accounts: ' + (list(cv.accounts).join(', ') || '—') + ' · regions: ' + (list(cv.regions).join(', ') || '—') +
      ' · days: ' + fmtInt(list(cv.days).length)));
    sec.appendChild(table(list(cv.gaps), [
      ['Kind', function (g) { return g.kind; }],
      ['Start (UTC)', function (g) { return fmtTime(g.start); }],
      ['End (UTC)', function (g) { return fmtTime(g.end) + (g.open_ended ? ' (open)' : ''); }],
      ['Account', function (g) { return g.account; }],
      ['Region', function (g) { return g.region || 'all'; }],
      ['Detail', function (g) { return h('span', { class: 'wrap' }, g.detail || ''); }]
    ], 'No gap found.'));
  }

  function renderCompliance() {
    var items = list(C.compliance);
    if (!items.length) return;
    var sec = section('compliance', 'Compliance mapping', 'Controls each finding type is evidence about (a mapping, not an audit opinion).');
    sec.appendChild(table(items, [
      ['Finding', function (x) { return x.title; }],
      ['N', function (x) { return fmtInt(x.count); }, 'num'],
      ['SOC 2', function (x) { return list((x.controls || {}).soc2).join(' '); }],
      ['ISO 27001', function (x) { return list((x.controls || {}).iso27001).join(' '); }],
      ['NIST 800-53', function (x) { return list((x.controls || {}).nist_800_53).join(' '); }],
      ['NIST CSF', function (x) { return list((x.controls || {}).nist_csf).join(' '); }],
      ['Why', function (x) { return h('span', { class: 'wrap' }, x.why || ''); }]
    ]));
  }

  function renderEvidence() {
    var sec = section('evidence', 'Evidence', 'What the findings stand on. Check an input with: sha256sum FILE.');
    var ev = C.evidence || {}, tool = C.tool || {};
    var srcs = list(ev.sources);
    var valid = srcs.filter(function (x) { return x.validated === true; }).length;
    var invalid = srcs.filter(function (x) { return x.validated === false; }).length;
    var unchecked = srcs.length - valid - invalid;
    sec.appendChild(h('dl', { class: 'meta', style: 'display:grid;grid-template-columns:max-content 1fr;gap:2px 16px' },
      h('dt', { class: 'muted' }, 'Tool'), h('dd', { style: 'margin:0' }, (tool.name || '') + ' ' + (tool.version || '')),
      h('dt', { class: 'muted' }, 'Command line'), h('dd', { style: 'margin:0' }, h('div', { class: 'cmd' }, h('pre', null, h('code', { id: 'command-line' }, tool.command_line || '')), copyButton(function () { return tool.command_line || ''; }))),
      h('dt', { class: 'muted' }, 'Generated'), h('dd', { style: 'margin:0' }, fmtTime(C.generated_at) + ' UTC'),
      h('dt', { class: 'muted' }, 'Case database'), h('dd', { class: 'mono', style: 'margin:0' }, ev.database || '—'),
      list(ev.enrichment).length ? [h('dt', { class: 'muted' }, 'IP databases'), h('dd', { class: 'wrap', style: 'margin:0' }, list(ev.enrichment).join('; '))] : null,
      h('dt', { class: 'muted' }, 'Events in the case'), h('dd', { style: 'margin:0' }, fmtInt(ev.total_events)),
      ev.integrity && ev.integrity.summary ? [h('dt', { class: 'muted' }, 'Integrity'), h('dd', { class: 'wrap', style: 'margin:0' }, ev.integrity.summary)] : null,
      ev.case_state ? [h('dt', { class: 'muted' }, 'Case state'), h('dd', { class: 'mono wrap', style: 'margin:0' }, 'audit entry ' + ev.case_state.audit_seq + ' · ' + ev.case_state.audit_hash)] : null,
      h('dt', { class: 'muted' }, 'Input files'), h('dd', { style: 'margin:0' }, fmtInt(srcs.length) +
        (srcs.length ? ' · digest validation: ' + fmtInt(valid) + ' valid, ' + fmtInt(invalid) + ' failed, ' + fmtInt(unchecked) + ' not checked' : '')),
      ev.originals_in_place ? [h('dt', { class: 'muted' }, 'Original events'), h('dd', { class: 'wrap', style: 'margin:0' }, fmtInt(ev.originals_in_place.events) + ' read from their ' +
        fmtInt(ev.originals_in_place.files) + ' input files in place (ingest --originals in-place): the files must stay at their paths, unchanged')] : null));
    sec.appendChild(table(srcs, [
      ['Path', function (x) { return h('span', { class: 'mono wrap' }, x.path); }],
      ['SHA-256', function (x) { return h('span', { class: 'mono wrap' }, x.sha256); }],
      ['Events', function (x) { return fmtInt(x.events); }, 'num'],
      ['Status', function (x) { return x.status; }],
      ['Digest', function (x) { return x.validated === true ? h('span', { class: 'removed' }, 'valid') : x.validated === false ? h('span', { class: 'denied' }, 'FAILED') : h('span', { class: 'muted' }, 'not checked'); }]
    ], 'No input file is recorded.'));
    var conf = list(ev.conflicts);
    if (conf.length) {
      var copyText = function (c) {
        return (c.path || '') + ' #' + c.position + ' (' + (c.validation || 'not validated') + ') ' + (c.source_ip || '-') +
          (list(c.differs).length ? ' · differs in ' + list(c.differs).join(', ') : '');
      };
      sec.appendChild(h('h3', { id: 'conflicts' }, 'Conflicting copies (' + fmtInt(ev.conflict_total || conf.length) + ')'));
      sec.appendChild(h('p', { class: 'muted' }, 'Events delivered in copies that disagree (same eventID, name and time): the copy the analysis used, the copies set aside, and why.'));
      sec.appendChild(table(conf, [
        ['Time', function (x) { return x.event_time ? fmtTime(x.event_time) : 'unknown'; }],
        ['Event', function (x) { return h('span', { class: 'mono wrap' }, x.event_name + ' ' + x.event_id); }],
        ['Copy used', function (x) { return h('span', { class: 'mono wrap' }, copyText(x.used || {})); }],
        ['Set aside', function (x) { return h('span', { class: 'mono wrap' }, list(x.set_aside).map(copyText).join('; ')); }],
        ['Why', function (x) { return h('span', { class: 'wrap' }, x.why || ''); }]
      ], ''));
    }
  }

  function renderFooter() {
    var tool = C.tool || {};
    document.getElementById('foot').appendChild(h('p', null,
      'Generated by ' + (tool.name || 'trailsleuth') + ' ' + (tool.version || '') + ' at ' + fmtTime(C.generated_at) +
      ' UTC. This page shows the JSON report embedded in it (script#case-data); the JSON report is the canonical record.'));
  }

  // ---- main -------------------------------------------------------------

  try {
    renderHeader();
    renderActivity();
    renderChain();
    renderTimeline();
    renderCredentials();
    renderSourceIPs();
    renderFindings();
    renderTriage();
    renderRemediation();
    renderCoverage();
    renderCompliance();
    renderEvidence();
    renderFooter();
    window.addEventListener('beforeprint', printTimeline);
    document.documentElement.setAttribute('data-ready', 'true');
  } catch (err) {
    document.documentElement.setAttribute('data-ready', 'error');
    document.body.insertBefore(h('pre', { class: 'notes', role: 'alert' }, 'The report could not be drawn: ' + (err && err.stack || err)), document.body.firstChild);
    throw err;
  }
})();

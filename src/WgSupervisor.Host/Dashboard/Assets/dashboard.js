// WgSupervisor dashboard: the tunnel table follows /api/stream (server-sent events); a click on a row opens
// the tunnel's timeline (/events), a chart of its handshake age (/samples) and the operator's buttons.
// Plain JavaScript, no framework, no build step. Every element is built with createElement/textContent,
// never innerHTML, so nothing the API returns can become markup.
'use strict';

(() => {
  const TOKEN_KEY = 'wgsupervisor.adminToken';
  const EVENTS_PAGE = 1000;      // the API's default page of /events
  const EVENTS_KEPT = 500;       // the timeline shows the newest ones
  const SAMPLES_REFRESH_MS = 5000;
  const SVG = 'http://www.w3.org/2000/svg';

  const tunnels = new Map();     // name -> the tunnel as the API shows it
  const rows = new Map();        // name -> its <tr>
  const staleAfter = new Map();  // name -> seconds, from /api/config (for the chart's threshold line)
  let serverOffsetMs = 0;        // the supervisor's clock minus this browser's, so ages tick right on a skewed client
  let selected = null;           // the open detail view: { name, events, lastSeq, samples, ... }
  let wantedSelection = location.hash.startsWith('#tunnel=') ? decodeURIComponent(location.hash.slice(8)) : null;
  let retryDelayMs = 1000;

  const $ = (id) => document.getElementById(id);

  function el(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined) continue;
      if (key === 'class') element.className = value;
      else if (key === 'text') element.textContent = value;
      else if (key.startsWith('data-')) element.dataset[key.slice(5).replace(/-(.)/g, (_, c) => c.toUpperCase())] = value;
      else element.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) element.append(child);
    return element;
  }

  function svg(tag, attributes, text) {
    const element = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
    if (text !== undefined) element.textContent = text;
    return element;
  }

  // ---- Time and numbers --------------------------------------------------------------------------

  const serverNow = () => Date.now() + serverOffsetMs;

  function learnServerClock(tunnel) {
    if (!tunnel.latestHandshake || tunnel.handshakeAgeSeconds === null || tunnel.handshakeAgeSeconds === undefined) return;
    const offset = Date.parse(tunnel.latestHandshake) + tunnel.handshakeAgeSeconds * 1000 - Date.now();
    // The API rounds ages to 0.1 s: ignore that jitter, or ages would step backwards now and then.
    if (Math.abs(offset - serverOffsetMs) > 1000) serverOffsetMs = offset;
  }

  function handshakeAge(tunnel) {
    return tunnel.latestHandshake ? Math.max(0, (serverNow() - Date.parse(tunnel.latestHandshake)) / 1000) : null;
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const pad = (n) => String(n).padStart(2, '0');
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor(s / 60) % 60)} m`;
    return `${Math.floor(s / 86400)} d ${Math.floor(s / 3600) % 24} h`;
  }

  /** Outcomes come as "Succeeded" in events and "succeeded" on tunnels: one spelling for the page, "verify-timed-out". */
  const outcomeName = (outcome) => (outcome || '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

  /** Axis labels: "0", "45s", "2m", "1h30m". */
  function shortDuration(seconds) {
    if (seconds < 60) return seconds === 0 ? '0' : `${seconds}s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
    return `${Math.floor(seconds / 3600)}h${Math.floor(seconds / 60) % 60 ? `${Math.floor(seconds / 60) % 60}m` : ''}`;
  }

  const since = (iso) => (serverNow() - Date.parse(iso)) / 1000;
  const ago = (iso) => `${duration(since(iso))} ago`;

  function clock(iso) {
    const date = new Date(iso);
    const time = date.toLocaleTimeString([], { hour12: false });
    return date.toDateString() === new Date().toDateString() ? time : `${date.toISOString().slice(0, 10)} ${time}`;
  }

  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = n, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
  }

  // ---- The table ---------------------------------------------------------------------------------

  const COLUMNS = ['name', 'state', 'handshake', 'site', 'node', 'repair', 'restarts', 'reason'];

  function rowFor(name) {
    let tr = rows.get(name);
    if (tr) return tr;
    tr = el('tr', { 'data-tunnel': name, tabindex: '0' });
    for (const column of COLUMNS) {
      const numeric = column === 'handshake' || column === 'restarts';
      tr.append(el('td', { 'data-field': column, class: numeric ? 'num' : column }));
    }
    tr.addEventListener('click', () => select(name));
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') select(name); });
    const after = [...rows.keys()].filter((other) => other.localeCompare(name, undefined, { numeric: true }) > 0)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))[0];
    $('tunnel-rows').insertBefore(tr, after ? rows.get(after) : null);
    rows.set(name, tr);
    return tr;
  }

  const cell = (tr, field) => tr.querySelector(`td[data-field="${field}"]`);

  function renderRow(tunnel) {
    const tr = rowFor(tunnel.name);
    tr.dataset.state = tunnel.state;
    cell(tr, 'name').textContent = tunnel.name;
    cell(tr, 'name').title = `${tunnel.interface} in ${tunnel.namespace || 'the host namespace'}`;
    cell(tr, 'site').textContent = tunnel.site || '—';
    cell(tr, 'node').textContent = tunnel.node;
    cell(tr, 'restarts').textContent = String(tunnel.restartCount);
    // The diagnosis says more than the reason while a tunnel is unhealthy ("site lost its session"): it leads the cell.
    const reason = cell(tr, 'reason');
    reason.replaceChildren(tunnel.diagnosis || tunnel.reason || '');
    reason.title = [diagnosisText(tunnel), tunnel.reason, ...(tunnel.warnings || [])].filter(Boolean).join('\n');
    if (tunnel.warnings && tunnel.warnings.length > 0) {
      reason.prepend(el('span', { class: 'warn', text: `⚠ ${tunnel.warnings.length} ` }));
    }
    renderTicking(tunnel, tr);
  }

  /** The cells that change with the clock alone: handshake age, the state's deadline, the last repair's "ago". */
  function renderTicking(tunnel, tr) {
    const age = handshakeAge(tunnel);
    const handshake = cell(tr, 'handshake');
    handshake.textContent = age === null ? 'never' : duration(age);
    handshake.title = tunnel.latestHandshake ? `latest handshake ${clock(tunnel.latestHandshake)}` : 'no handshake seen';
    const limit = staleAfter.get(tunnel.name);
    handshake.classList.toggle('warn', age === null || (limit !== undefined && age > limit));

    const state = cell(tr, 'state');
    const badge = el('span', { class: 'badge', 'data-state': tunnel.state, text: tunnel.state });
    state.replaceChildren(badge);
    const until = deadlineOf(tunnel);
    if (until) state.append(el('span', { class: 'muted', text: ` ${until}` }));
    if (tunnel.stateSince) state.title = `${tunnel.state} since ${clock(tunnel.stateSince)}`;

    const repair = cell(tr, 'repair');
    if (tunnel.currentRepair) {
      repair.textContent = `${tunnel.currentRepair.rung} · running ${duration(since(tunnel.currentRepair.at))}`;
    } else if (tunnel.lastRepair) {
      repair.textContent = `${tunnel.lastRepair.rung} · ${outcomeName(tunnel.lastRepair.outcome)} · ${ago(tunnel.lastRepair.at)}`;
      repair.title = tunnel.lastRepair.detail || '';
    } else {
      repair.textContent = '—';
    }
  }

  /** "site lost its session (session-lost)", the cause alone, or null. */
  function diagnosisText(tunnel) {
    if (tunnel.diagnosis && tunnel.cause) return `${tunnel.diagnosis} (${tunnel.cause})`;
    return tunnel.diagnosis || tunnel.cause || null;
  }

  function deadlineOf(tunnel) {
    if (tunnel.state === 'backoff' && tunnel.backoffUntil) return `${duration(-since(tunnel.backoffUntil))} left`;
    if (tunnel.state === 'quarantined' && tunnel.quarantinedUntil) return `until ${clock(tunnel.quarantinedUntil)}`;
    return null;
  }

  function renderSummary() {
    const counts = new Map();
    for (const tunnel of tunnels.values()) counts.set(tunnel.state, (counts.get(tunnel.state) || 0) + 1);
    const badges = [el('span', { class: 'muted', text: `${tunnels.size} tunnel${tunnels.size === 1 ? '' : 's'}` })];
    for (const state of ['healthy', 'stale', 'restarting', 'backoff', 'held', 'quarantined', 'paused', 'unknown']) {
      if (counts.has(state)) badges.push(el('span', { class: 'badge', 'data-state': state, text: `${counts.get(state)} ${state}` }));
    }
    $('summary').replaceChildren(...badges);
    $('empty').hidden = tunnels.size > 0;
  }

  function removeTunnel(name) {
    tunnels.delete(name);
    rows.get(name)?.remove();
    rows.delete(name);
    if (selected && selected.name === name) closeDetail();
  }

  // ---- The stream --------------------------------------------------------------------------------

  function setConnection(state, text) {
    $('connection').dataset.connection = state;
    $('connection').textContent = text;
    document.body.dataset.connection = state;
  }

  function connect() {
    const source = new EventSource('/api/stream');
    source.addEventListener('open', () => {
      retryDelayMs = 1000;
      setConnection('live', 'live');
      pruneRetired();
    });
    source.addEventListener('tunnel', (e) => onTunnel(JSON.parse(e.data)));
    source.addEventListener('error', () => {
      setConnection('reconnecting', 'reconnecting…');
      // The browser retries by itself unless the answer was not a stream at all (e.g. a proxy's error page).
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, retryDelayMs);
        retryDelayMs = Math.min(retryDelayMs * 2, 30000);
      }
    });
  }

  function onTunnel(tunnel) {
    const previous = tunnels.get(tunnel.name);
    tunnels.set(tunnel.name, tunnel);
    learnServerClock(tunnel);
    renderRow(tunnel);
    renderSummary();
    if (!selected && wantedSelection === tunnel.name) select(tunnel.name);
    if (selected && selected.name === tunnel.name) {
      renderDetail(tunnel);
      if (!previous || historySignature(previous) !== historySignature(tunnel)) refreshEvents(selected);
      if (Date.now() - selected.samplesLoadedAt > SAMPLES_REFRESH_MS) refreshSamples(selected);
    }
  }

  /** What changes when the journal got a new event: then the timeline is read again. */
  const historySignature = (t) => [t.state, t.stateSince, t.restartCount, t.currentRepair?.at, t.lastRepair?.at, t.diagnosis].join('|');

  /** The stream starts with every tunnel but never says one is gone: after a reconnect, drop what the list no longer has. */
  async function pruneRetired() {
    try {
      const list = await getJson('/api/tunnels');
      const names = new Set(list.map((t) => t.name));
      for (const name of [...tunnels.keys()]) if (!names.has(name)) removeTunnel(name);
      if (list.length === 0) $('empty').textContent = 'No tunnels are supervised here.';
      renderSummary();
    } catch {
      // The stream's own retry reports the trouble.
    }
  }

  async function getJson(path) {
    // Same-origin credentials: off loopback, the Basic credentials the browser asked for when it loaded the page go along.
    const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.json();
  }

  async function loadConfig() {
    try {
      const config = await getJson('/api/config');
      for (const t of config.tunnels || []) staleAfter.set(t.name, t.staleAfterSeconds);
    } catch {
      // Only the threshold line and the age colouring need it.
    }
  }

  // ---- The detail panel --------------------------------------------------------------------------

  function select(name) {
    if (selected && selected.name === name) return;
    selected = { name, events: [], lastSeq: 0, samples: [], samplesLoadedAt: 0, eventsLoading: null, eventsAgain: false };
    wantedSelection = null;
    history.replaceState(null, '', `#tunnel=${encodeURIComponent(name)}`);
    for (const [other, tr] of rows) tr.setAttribute('aria-selected', String(other === name));
    const detail = $('detail');
    detail.hidden = false;
    detail.dataset.tunnel = name;
    document.querySelector('.layout').classList.add('with-detail');
    $('detail-name').textContent = name;
    message(null, '');
    $('timeline').replaceChildren();
    $('chart').replaceChildren(el('p', { class: 'muted', text: 'loading…' }));
    renderDetail(tunnels.get(name));
    refreshEvents(selected);
    refreshSamples(selected);
  }

  function closeDetail() {
    selected = null;
    history.replaceState(null, '', location.pathname);
    for (const tr of rows.values()) tr.setAttribute('aria-selected', 'false');
    $('detail').hidden = true;
    delete $('detail').dataset.tunnel;
    document.querySelector('.layout').classList.remove('with-detail');
  }

  function renderDetail(tunnel) {
    if (!tunnel) return;
    const badge = $('detail-state');
    badge.dataset.state = tunnel.state;
    badge.textContent = tunnel.state;
    $('detail').dataset.state = tunnel.state;
    document.querySelector('[data-action="pause"]').disabled = tunnel.state === 'paused';
    document.querySelector('[data-action="resume"]').disabled = tunnel.state !== 'paused';
    document.querySelector('[data-action="release"]').disabled = tunnel.state !== 'quarantined';

    const facts = [
      ['state since', tunnel.stateSince && `${clock(tunnel.stateSince)} (${ago(tunnel.stateSince)})`],
      ['reason', tunnel.reason],
      ['diagnosis', diagnosisText(tunnel)],
      ['episode since', tunnel.episodeStartedAt && `${clock(tunnel.episodeStartedAt)} (${ago(tunnel.episodeStartedAt)})`],
      ['verdict', tunnel.verdict],
      ['interface', `${tunnel.interface} in ${tunnel.namespace || 'the host namespace'}${tunnel.interfacePresent ? '' : ' (missing)'}`],
      ['peer', tunnel.peerPublicKey],
      ['endpoint', tunnel.endpoint],
      ['handshake', tunnel.latestHandshake ? clock(tunnel.latestHandshake) : 'never'],
      ['traffic', `rx ${bytes(tunnel.rxBytes)} · tx ${bytes(tunnel.txBytes)}`],
      ['observed', tunnel.observedAt && clock(tunnel.observedAt)],
      ['repair', tunnel.currentRepair && `${tunnel.currentRepair.rung} since ${clock(tunnel.currentRepair.at)}`],
      ['last repair', tunnel.lastRepair && `${tunnel.lastRepair.rung} ${outcomeName(tunnel.lastRepair.outcome)} at ${clock(tunnel.lastRepair.at)}` +
        ` in ${tunnel.lastRepair.durationSeconds?.toFixed(1)} s${tunnel.lastRepair.detail ? ` — ${tunnel.lastRepair.detail}` : ''}`],
      ['backoff until', tunnel.state === 'backoff' && tunnel.backoffUntil && clock(tunnel.backoffUntil)],
      ['quarantined until', tunnel.quarantinedUntil && clock(tunnel.quarantinedUntil)],
      ['probe', tunnel.probe && `${tunnel.probe.target}: ${tunnel.probe.lastSucceeded === null ? 'no answer yet'
        : tunnel.probe.lastSucceeded ? 'answering' : `${tunnel.probe.consecutiveFailures} failures${tunnel.probe.lastError ? ` (${tunnel.probe.lastError})` : ''}`}`],
      ['warnings', tunnel.warnings && tunnel.warnings.length > 0 && tunnel.warnings.join('; ')],
    ];
    $('detail-facts').replaceChildren(...facts.filter(([, value]) => value)
      .flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: String(value) })]));
  }

  /** Reads the events after the last one seen, page by page; one read at a time per view. */
  async function refreshEvents(view) {
    if (view.eventsLoading) { view.eventsAgain = true; return; }
    view.eventsLoading = (async () => {
      try {
        do {
          view.eventsAgain = false;
          for (;;) {
            const page = await getJson(`/api/tunnels/${encodeURIComponent(view.name)}/events?after=${view.lastSeq}&limit=${EVENTS_PAGE}`);
            if (page.length > 0) view.lastSeq = page[page.length - 1].seq;
            view.events = view.events.concat(page).slice(-EVENTS_KEPT);
            if (page.length < EVENTS_PAGE) break;
          }
        } while (view.eventsAgain);
        if (view === selected) { renderTimeline(view); renderChart(view); }
      } catch (error) {
        if (view === selected) $('timeline').replaceChildren(el('li', { class: 'muted', text: `history not readable: ${error.message}` }));
      } finally {
        view.eventsLoading = null;
      }
    })();
  }

  async function refreshSamples(view) {
    view.samplesLoadedAt = Date.now();
    try {
      view.samples = await getJson(`/api/tunnels/${encodeURIComponent(view.name)}/samples`);
      if (view === selected) renderChart(view);
    } catch (error) {
      if (view === selected) $('chart').replaceChildren(el('p', { class: 'muted', text: `samples not readable: ${error.message}` }));
    }
  }

  function describe(e) {
    const by = (who) => (who ? ` by ${who}` : '');
    switch (e.type) {
      case 'healthy': return e.reason || '';
      case 'stale': return `${e.reason}${e.detail ? `: ${e.detail}` : ''}${e.requestedBy ? ` (requested${by(e.requestedBy)})` : ''}`;
      case 'repair-started': return `${e.rung}, attempt ${e.attempt}${e.requestedBy ? `, requested${by(e.requestedBy)}` : ''}` +
        `${e.diagnosis ? ` — ${e.diagnosis}` : ''}${e.cause ? ` (${e.cause})` : ''}`;
      case 'held': return `no repair: ${e.diagnosis}${e.cause ? ` (${e.cause})` : ''}`;
      case 'repair-finished': return `${e.rung} ${outcomeName(e.outcome)} in ${(e.durationMs / 1000).toFixed(1)} s${e.detail ? ` — ${e.detail}` : ''}`;
      case 'backoff': return `until ${clock(e.until)} after ${e.failedAttempts} failed attempt${e.failedAttempts === 1 ? '' : 's'}`;
      case 'history-gap': return `${e.droppedEvents} events lost (journal unavailable since ${clock(e.since)})`;
      case 'paused': return `${by(e.by).trim()}${e.reason ? `: ${e.reason}` : ''}`;
      case 'resumed': return by(e.by).trim();
      case 'quarantined': return `${e.reason}${e.until ? ` until ${clock(e.until)}` : ''}`;
      case 'released': return `${by(e.by).trim()}${e.reason ? `: ${e.reason}` : ''}${e.resetBudget ? ' (repair budget reset)' : ''}`;
      default: {
        const { seq, type, at, ...rest } = e;
        return JSON.stringify(rest);
      }
    }
  }

  function renderTimeline(view) {
    const items = view.events.slice().reverse().map((e) => el('li', { 'data-type': e.type, 'data-seq': String(e.seq) },
      el('time', { datetime: e.at, title: e.at, text: clock(e.at) }),
      el('span', null, el('span', { class: 'badge', 'data-type': e.type, 'data-outcome': e.outcome && outcomeName(e.outcome), text: e.type })),
      el('span', { class: 'what', text: describe(e) })));
    $('timeline').replaceChildren(...(items.length > 0 ? items : [el('li', { class: 'muted', text: 'no events yet' })]));
  }

  // ---- The chart: handshake age over the recent samples, repairs as vertical markers ---------------

  /** The smallest tick step, in seconds, such that four steps cover the value. */
  function tickStep(value) {
    const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
    return steps.find((step) => step * 4 >= value) ?? Math.ceil(value / 4 / 86400) * 86400;
  }

  function renderChart(view) {
    const samples = view.samples;
    if (samples.length < 2) {
      $('chart').replaceChildren(el('p', { class: 'muted', text: 'not enough observations yet' }));
      return;
    }
    const width = 560, height = 170, left = 38, right = 10, top = 10, bottom = 34;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const t0 = Date.parse(samples[0].at), t1 = Math.max(Date.parse(samples[samples.length - 1].at), t0 + 1000);
    const threshold = staleAfter.get(view.name);
    const maxAge = Math.max(0, ...samples.map((s) => s.handshakeAgeSeconds ?? 0), threshold ?? 0);
    const step = tickStep(maxAge * 1.05), yMax = step * 4;
    const x = (t) => left + ((t - t0) / (t1 - t0)) * plotWidth;
    const y = (v) => top + (1 - v / yMax) * plotHeight;

    const chart = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `handshake age of ${view.name}`,
      'data-samples': String(samples.length),
    });
    for (let v = 0; v <= yMax; v += step) {
      chart.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      chart.append(svg('text', { class: 'label', x: left - 4, y: y(v) + 3, 'text-anchor': 'end' }, shortDuration(v)));
    }
    for (const [t, anchor] of [[t0, 'start'], [(t0 + t1) / 2, 'middle'], [t1, 'end']]) {
      chart.append(svg('text', { class: 'label', x: x(t), y: height - 4, 'text-anchor': anchor }, clock(new Date(t).toISOString())));
    }
    if (threshold !== undefined) {
      chart.append(svg('line', { class: 'threshold', x1: left, x2: width - right, y1: y(threshold), y2: y(threshold) }));
      chart.append(svg('text', { class: 'label', x: left + 4, y: y(threshold) - 3 }, `stale after ${duration(threshold)}`));
    }

    // A strip under the plot coloured by the state at each sample.
    const stripY = top + plotHeight + 4;
    samples.forEach((s, i) => {
      const from = x(Date.parse(s.at));
      const to = i + 1 < samples.length ? x(Date.parse(samples[i + 1].at)) : from + 2;
      chart.append(svg('rect', { class: `strip-${s.state}`, x: from, y: stripY, width: Math.max(1, to - from + 0.5), height: 5 }));
    });

    // The age line, broken where there was no handshake at all.
    let path = '', pen = 'M';
    for (const s of samples) {
      if (s.handshakeAgeSeconds === null || s.handshakeAgeSeconds === undefined) { pen = 'M'; continue; }
      path += `${pen}${x(Date.parse(s.at)).toFixed(1)},${y(s.handshakeAgeSeconds).toFixed(1)} `;
      pen = 'L';
    }
    if (path) chart.append(svg('path', { class: 'age', d: path.trim() }));

    let markers = 0;
    for (const e of view.events) {
      if (e.type !== 'repair-started' && e.type !== 'repair-finished') continue;
      const t = Date.parse(e.at);
      if (t < t0 || t > t1) continue;
      const finished = e.type === 'repair-finished';
      const line = svg('line', {
        class: finished ? `marker-finish${outcomeName(e.outcome) === 'succeeded' ? '' : ' failed'}` : 'marker-start',
        x1: x(t), x2: x(t), y1: top, y2: top + plotHeight, 'data-type': e.type,
      });
      line.append(svg('title', {}, `${clock(e.at)} ${e.type}: ${describe(e)}`));
      chart.append(line);
      markers++;
    }
    chart.setAttribute('data-markers', String(markers));
    $('chart').replaceChildren(chart);
  }

  // ---- Operator commands and the admin token -----------------------------------------------------

  function message(outcome, text) {
    const target = $('action-message');
    if (outcome) target.dataset.outcome = outcome; else delete target.dataset.outcome;
    target.textContent = text;
  }

  let tokenAnswer = null;  // resolves the pending askToken()

  function askToken() {
    const stored = sessionStorage.getItem(TOKEN_KEY);
    if (stored) return Promise.resolve(stored);
    return new Promise((resolve) => {
      tokenAnswer = resolve;
      $('token-input').value = '';
      $('token-dialog').showModal();
      $('token-input').focus();
    });
  }

  function answerToken(token) {
    const resolve = tokenAnswer;
    tokenAnswer = null;
    if ($('token-dialog').open) $('token-dialog').close();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    showForgetButton();
    if (resolve) resolve(token);
  }

  const showForgetButton = () => { $('forget-token').hidden = !sessionStorage.getItem(TOKEN_KEY); };

  async function command(action) {
    const view = selected;
    if (!view) return;
    const token = await askToken();
    if (!token) return;
    message('pending', `${action}: sending…`);
    const reason = $('pause-reason').value.trim();
    const withBody = action === 'pause' && reason.length > 0;
    try {
      const response = await fetch(`/api/tunnels/${encodeURIComponent(view.name)}/${action}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(withBody ? { 'Content-Type': 'application/json' } : {}) },
        body: withBody ? JSON.stringify({ reason }) : null,
      });
      const answer = await response.json().catch(() => ({}));
      // 401: a wrong token; 403: the read token, which may not change anything. Either way, ask again next time.
      if (response.status === 401 || response.status === 403) {
        sessionStorage.removeItem(TOKEN_KEY);
        showForgetButton();
      }
      if (view !== selected) return;
      if (response.ok) message('accepted', `${action}: ${answer.detail || 'accepted'}`);
      else message('error', `${action}: ${response.status} ${answer.title || response.statusText}${answer.detail ? ` — ${answer.detail}` : ''}`);
    } catch (error) {
      if (view === selected) message('error', `${action}: the supervisor did not answer (${error.message})`);
    }
  }

  // ---- Start -------------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    for (const button of document.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => command(button.dataset.action));
    }
    $('detail-close').addEventListener('click', closeDetail);
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const token = $('token-input').value.trim();
      if (token) answerToken(token);
    });
    $('token-cancel').addEventListener('click', () => answerToken(null));
    $('token-dialog').addEventListener('close', () => { if (tokenAnswer) answerToken(null); });
    $('forget-token').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); showForgetButton(); });
    showForgetButton();

    setConnection('connecting', 'connecting…');
    loadConfig().finally(connect);
    setInterval(() => {
      for (const tunnel of tunnels.values()) renderTicking(tunnel, rows.get(tunnel.name));
      if (selected) renderDetail(tunnels.get(selected.name));
    }, 1000);
  });
})();

// WgSupervisor dashboard: the tunnel table follows /api/stream (server-sent events); a click on a row opens
// the tunnel's timeline (/events), a chart of its handshake age (/samples) and the operator's buttons.
// The Fleet tab shows the same tunnels as one tile per site, and the last hour of repairs from /api/events.
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
    scheduleSiteGrid();
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
    scheduleSiteGrid();
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

  // ---- The fleet view: sites as tiles, the last hour of repairs on one timeline, time to repair per site ----

  const HOUR_MS = 3600 * 1000;
  const FLEET_REFRESH_MS = 15000;     // the history is read again this often while the view is open
  const FLEET_PAGES_PER_REFRESH = 10; // at most this many pages of /api/events per refresh; the rest follows next time
  const FLEET_EVENTS_KEPT = 100000;   // a bound on memory for a very busy hour
  const NO_SITE = '(no site)';
  /** Worst first: a site's tile takes the first of these that any of its tunnels is in. */
  const STATE_ORDER = ['node-down', 'quarantined', 'backoff', 'held', 'restarting', 'stale', 'paused', 'unknown', 'standby', 'healthy'];
  const severity = (state) => { const i = STATE_ORDER.indexOf(state); return i < 0 ? STATE_ORDER.indexOf('unknown') : i; };

  const fleet = {
    events: [],           // /api/events of the last hour, in journal order
    after: 0,             // the journal offset read up to
    loading: false,
    complete: false,      // false while more pages wait (a very busy hour is read over several refreshes)
    rangeSeconds: 3600,   // the timeline's visible range (the data is always the last hour)
    gridPending: false,
  };

  const siteOf = (tunnel) => tunnel.site || NO_SITE;
  const fleetVisible = () => !$('fleet-view').hidden;

  function showView(view) {
    const isFleet = view === 'fleet';
    $('fleet-view').hidden = !isFleet;
    $('tunnels-view').hidden = isFleet;
    for (const tab of document.querySelectorAll('[data-view]')) tab.setAttribute('aria-selected', String(tab.dataset.view === view));
    document.body.dataset.view = view;
    if (isFleet) {
      if (selected) closeDetail();
      history.replaceState(null, '', '#fleet');
      renderSiteGrid();
      renderFleetHistory();
      refreshFleetHistory();
    } else if (location.hash === '#fleet') {
      history.replaceState(null, '', location.pathname);
    }
  }

  /** The stream changes tiles often (a thousand tunnels): draw at most every 250 ms. */
  function scheduleSiteGrid() {
    if (fleet.gridPending || !fleetVisible()) return;
    fleet.gridPending = true;
    setTimeout(() => { fleet.gridPending = false; renderSiteGrid(); }, 250);
  }

  function sitesOf(list) {
    const sites = new Map();
    for (const tunnel of list) {
      const site = siteOf(tunnel);
      if (!sites.has(site)) sites.set(site, []);
      sites.get(site).push(tunnel);
    }
    return [...sites.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
  }

  const siteTiles = new Map();  // site -> { tile, worst, signature }: tiles are updated in place, so focus and clicks survive updates

  function renderSiteGrid() {
    if (!fleetVisible()) return;
    const sites = sitesOf(tunnels.values());
    const present = new Set(sites.map(([site]) => site));
    for (const [site, entry] of siteTiles) if (!present.has(site)) { entry.tile.remove(); siteTiles.delete(site); }
    let previous = null;
    for (const [site, members] of sites) {
      const entry = siteTiles.get(site) || createTile(site);
      updateTile(entry, members);
      // Keep the grid in site order: a new site goes where it belongs.
      const wanted = previous ? previous.nextSibling : $('site-grid').firstChild;
      if (wanted !== entry.tile) $('site-grid').insertBefore(entry.tile, wanted);
      previous = entry.tile;
    }
    $('site-grid-empty').hidden = sites.length > 0;
    $('site-grid-empty').textContent = $('empty').textContent;
  }

  function createTile(site) {
    const entry = { site, worst: null, signature: null };
    entry.tile = el('div', { class: 'tile', role: 'button', tabindex: '0', 'data-site': site },
      el('div', { class: 'tile-head' },
        el('span', { class: 'tile-name', text: site }),
        el('span', { class: 'badge', 'data-field': 'state' })),
      el('div', { class: 'tile-counts', 'data-field': 'counts' }),
      el('div', { class: 'tile-cause', 'data-field': 'cause' }),
      el('div', { class: 'tile-cells', 'aria-hidden': 'true' }));
    const open = () => { if (!entry.worst) return; const name = entry.worst; showView('tunnels'); select(name); };
    entry.tile.addEventListener('click', open);
    entry.tile.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
    siteTiles.set(site, entry);
    return entry;
  }

  function updateTile(entry, members) {
    members.sort((a, b) => severity(a.state) - severity(b.state) || a.name.localeCompare(b.name, undefined, { numeric: true }));
    const worst = members[0];
    const counts = new Map();
    for (const t of members) counts.set(t.state, (counts.get(t.state) || 0) + 1);
    const countText = [...counts.entries()].sort(([a], [b]) => severity(a) - severity(b)).map(([state, n]) => `${n} ${state}`).join(' · ');
    const held = members.filter((t) => t.state === 'held');
    const heldText = held.length === 0 ? ''
      : `held: ${[...new Set(held.map((t) => diagnosisText(t) || t.reason || 'cause not named'))].join('; ')}`;
    const signature = [worst.name, countText, heldText, ...members.map((t) => `${t.name}=${t.state}`)].join('|');
    entry.worst = worst.name;
    if (signature === entry.signature) return;
    entry.signature = signature;
    const { tile } = entry;
    tile.dataset.state = worst.state;
    tile.title = `${entry.site}: worst is ${worst.name} (${worst.state}) — click to open it`;
    const badge = tile.querySelector('[data-field="state"]');
    badge.dataset.state = worst.state;
    badge.textContent = worst.state;
    tile.querySelector('[data-field="counts"]').textContent = `${members.length} tunnel${members.length === 1 ? '' : 's'}: ${countText}`;
    const cause = tile.querySelector('[data-field="cause"]');
    cause.textContent = heldText;
    cause.hidden = !heldText;
    tile.querySelector('.tile-cells').replaceChildren(...members.slice(0, 200).map((t) =>
      el('span', { class: 'cell', 'data-state': t.state, title: `${t.name}: ${t.state}` })));
  }

  /** Reads the events of the last hour after the offset already read: a bounded number of pages each time. */
  async function refreshFleetHistory() {
    if (fleet.loading) return;
    fleet.loading = true;
    try {
      const since = new Date(serverNow() - HOUR_MS).toISOString();
      let after = fleet.after, more = true;
      for (let page = 0; page < FLEET_PAGES_PER_REFRESH && more; page++) {
        const answer = await getJson(`/api/events?since=${encodeURIComponent(since)}&after=${after}&limit=${EVENTS_PAGE}`);
        for (const e of answer.events) fleet.events.push(e);
        if (answer.events.length > 0) after = answer.events[answer.events.length - 1].offset;
        more = answer.next !== null && answer.next !== undefined;
        if (more) after = answer.next;
      }
      fleet.after = after;
      fleet.complete = !more;
      pruneFleetEvents();
      $('fleet-history-status').textContent = fleet.complete ? '' : 'reading the rest of the hour…';
      delete $('fleet-history-status').dataset.error;
    } catch (error) {
      $('fleet-history-status').textContent = `history not readable: ${error.message}`;
      $('fleet-history-status').dataset.error = 'true';
    } finally {
      fleet.loading = false;
    }
    renderFleetHistory();
    if (!fleet.complete && fleetVisible()) setTimeout(refreshFleetHistory, 500);
  }

  function pruneFleetEvents() {
    const start = serverNow() - HOUR_MS;
    const first = fleet.events.findIndex((e) => Date.parse(e.at) >= start);
    fleet.events = first < 0 ? [] : fleet.events.slice(first);
    if (fleet.events.length > FLEET_EVENTS_KEPT) fleet.events = fleet.events.slice(-FLEET_EVENTS_KEPT);
  }

  const tunnelKey = (e) => `${e.node}/${e.tunnel}`;

  /** Events do not carry the site: it comes from the tunnel as the stream shows it (a retired tunnel's is no longer known). */
  function siteOfEvent(e) {
    const tunnel = tunnels.get(e.tunnel);
    return tunnel ? siteOf(tunnel) : NO_SITE;
  }

  /**
   * From the events of the hour: every repair (started → finished, or still running), every held spell (held → the next event
   * of that tunnel), and every repaired episode (first stale → healthy again, with at least one finished repair in between).
   */
  function fleetHistory(windowStart, now) {
    const repairs = [], helds = [], episodes = [];
    const open = new Map();  // tunnel key -> { repair, held, episodeStart, repaired }
    for (const e of fleet.events) {
      const t = Date.parse(e.at);
      if (t < windowStart) continue;
      const key = tunnelKey(e);
      let o = open.get(key);
      if (!o) open.set(key, o = { repair: null, held: null, episodeStart: null, repaired: false });
      if (o.held && e.type !== 'held') { o.held.end = t; o.held = null; }
      switch (e.type) {
        case 'repair-started':
          o.repair = { site: siteOfEvent(e), tunnel: e.tunnel, rung: e.rung, attempt: e.attempt, start: t, end: null, outcome: 'running' };
          repairs.push(o.repair);
          break;
        case 'repair-finished':
          if (o.repair) { o.repair.end = t; o.repair.outcome = outcomeName(e.outcome); o.repair.detail = e.detail; o.repair = null; }
          if (o.episodeStart !== null) o.repaired = true;
          break;
        case 'held':
          if (!o.held) helds.push(o.held = { site: siteOfEvent(e), tunnel: e.tunnel, start: t, end: null, cause: e.diagnosis || e.cause });
          break;
        case 'stale':
          if (o.episodeStart === null) { o.episodeStart = t; o.repaired = false; }
          break;
        case 'healthy':
          if (o.episodeStart !== null && o.repaired) episodes.push({ site: siteOfEvent(e), tunnel: e.tunnel, ms: t - o.episodeStart });
          o.episodeStart = null;
          o.repaired = false;
          break;
        default:
          break;
      }
    }
    for (const spell of [...repairs, ...helds]) if (spell.end === null) spell.end = Math.max(now, spell.start);
    return { repairs, helds, episodes };
  }

  function renderFleetHistory() {
    if (!fleetVisible()) return;
    const now = serverNow();
    const windowStart = now - HOUR_MS;
    const history = fleetHistory(windowStart, now);
    renderFleetTimeline(history, now, windowStart);
    renderTimeToRepair(history.episodes);
  }

  /** Bars that overlap on screen go to the next track of the lane (at most a few; more share the last). */
  function packTracks(spells, x, maxTracks) {
    const ends = [];
    for (const spell of spells.sort((a, b) => a.start - b.start)) {
      const from = x(spell.start);
      let track = ends.findIndex((end) => end < from);
      if (track < 0) track = ends.length < maxTracks ? ends.length : maxTracks - 1;
      ends[track] = Math.max(x(spell.end), from + 2) + 1;
      spell.track = track;
    }
    return Math.max(1, ends.length);
  }

  function renderFleetTimeline({ repairs, helds }, now, windowStart) {
    const rangeMs = fleet.rangeSeconds * 1000;
    const t0 = now - rangeMs, t1 = now;
    const sites = new Set([...sitesOf(tunnels.values()).map(([site]) => site), ...repairs.map((r) => r.site), ...helds.map((h) => h.site)]);
    const siteNames = [...sites].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const width = 1100, left = 120, right = 14, top = 6, trackHeight = 9, laneGap = 8, axisHeight = 22;
    const plotWidth = width - left - right;
    const x = (t) => left + ((Math.min(Math.max(t, t0), t1) - t0) / rangeMs) * plotWidth;
    const visible = (spell) => spell.end >= t0 && spell.start <= t1;

    const lanes = siteNames.map((site) => {
      const bars = repairs.filter((r) => r.site === site && visible(r));
      return { site, bars, held: helds.filter((h) => h.site === site && visible(h)), tracks: packTracks(bars, x, 4) };
    });
    let y = top;
    for (const lane of lanes) { lane.y = y; lane.height = lane.tracks * trackHeight + 4; y += lane.height + laneGap; }
    const height = y + axisHeight;

    const chart = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `repairs across the fleet in the last ${shortDuration(fleet.rangeSeconds)}`,
      'data-window-start': new Date(windowStart).toISOString(), 'data-through-offset': String(fleet.after),
      'data-complete': String(fleet.complete), 'data-repairs': String(repairs.length),
    });
    // Failed repairs are hatched, not only red: the outcome must not rest on colour alone.
    const defs = svg('defs');
    const hatch = svg('pattern', { id: 'fleet-hatch', width: 4, height: 4, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    hatch.append(svg('rect', { class: 'hatch-bg', width: 4, height: 4 }), svg('line', { class: 'hatch-line', x1: 0, y1: 0, x2: 0, y2: 4 }));
    defs.append(hatch);
    chart.append(defs);
    // Lane backgrounds first, then the time grid over them, then each lane's spells.
    for (const lane of lanes) chart.append(svg('rect', { class: 'lane-bg', x: left, y: lane.y, width: plotWidth, height: lane.height }));
    const step = [60, 120, 300, 600, 900].find((s) => (fleet.rangeSeconds / s) <= 8) * 1000;
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      chart.append(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: top, y2: y - laneGap / 2 }));
      // The label nearest the right end would run into "now".
      if (x(t1) - x(t) > 45) chart.append(svg('text', { class: 'label', x: x(t), y: height - 6, 'text-anchor': 'middle' }, new Date(t).toTimeString().slice(0, 5)));
    }
    chart.append(svg('line', { class: 'now', x1: x(t1), x2: x(t1), y1: top - 4, y2: y - laneGap / 2 }));
    chart.append(svg('text', { class: 'label', x: x(t1), y: height - 6, 'text-anchor': 'end' }, 'now'));

    for (const lane of lanes) {
      const group = svg('g', { class: 'lane', 'data-site': lane.site, 'data-repairs': String(lane.bars.length) });
      group.append(svg('text', { class: 'lane-label', x: left - 8, y: lane.y + lane.height / 2 + 4, 'text-anchor': 'end' },
        `${lane.site} (${lane.bars.length})`));
      for (const h of lane.held) {
        const band = svg('rect', { class: 'held', x: x(h.start), y: lane.y, width: Math.max(2, x(h.end) - x(h.start)), height: lane.height });
        band.append(svg('title', {}, `${h.tunnel} held ${clock(new Date(h.start).toISOString())}–${clock(new Date(h.end).toISOString())}: ${h.cause || ''}`));
        group.append(band);
      }
      for (const r of lane.bars) {
        const bar = svg('rect', {
          class: `repair outcome-${r.outcome}`, 'data-tunnel': r.tunnel, 'data-outcome': r.outcome,
          x: x(r.start), y: lane.y + 2 + r.track * trackHeight, width: Math.max(2, x(r.end) - x(r.start)), height: trackHeight - 2, rx: 1,
        });
        bar.append(svg('title', {}, `${r.tunnel}: ${r.rung}${r.attempt ? `, attempt ${r.attempt}` : ''} ${r.outcome}, ` +
          `${clock(new Date(r.start).toISOString())}, ${((r.end - r.start) / 1000).toFixed(1)} s${r.detail ? ` — ${r.detail}` : ''}`));
        group.append(bar);
      }
      chart.append(group);
    }
    const summary = repairs.length === 0 ? 'no repairs in the last hour'
      : `${repairs.length} repair${repairs.length === 1 ? '' : 's'} in the last hour: ` +
        ['succeeded', 'running'].concat([...new Set(repairs.map((r) => r.outcome))].filter((o) => o !== 'succeeded' && o !== 'running'))
          .map((o) => [o, repairs.filter((r) => r.outcome === o).length]).filter(([, n]) => n > 0).map(([o, n]) => `${n} ${o}`).join(' · ');
    $('fleet-timeline').replaceChildren(chart, el('p', { class: 'hint', 'data-field': 'repair-summary', text: summary }));
    $('fleet-timeline-range').textContent = fleet.rangeSeconds === 3600 ? 'in the last hour' : `in the last ${shortDuration(fleet.rangeSeconds)}`;
  }

  function median(sorted) {
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  function renderTimeToRepair(episodes) {
    const siteNames = sitesOf(tunnels.values()).map(([site]) => site);
    for (const e of episodes) if (!siteNames.includes(e.site)) siteNames.push(e.site);
    const rows = siteNames.map((site) => {
      const ms = episodes.filter((e) => e.site === site).map((e) => e.ms).sort((a, b) => a - b);
      return { site, count: ms.length, median: ms.length ? median(ms) : null, worst: ms.length ? ms[ms.length - 1] : null };
    });
    const scale = Math.max(1000, ...rows.map((r) => r.worst ?? 0));
    const seconds = (ms) => (ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : duration(ms / 1000));
    const items = rows.map((r) => {
      const row = el('div', { class: 'ttr-row', 'data-site': r.site, 'data-episodes': String(r.count) },
        el('span', { class: 'ttr-site', text: r.site }));
      if (r.count === 0) {
        row.append(el('span', { class: 'ttr-bar muted' }, el('span', { text: 'no repaired episode in the last hour' })), el('span', { class: 'ttr-text' }));
        return row;
      }
      row.dataset.medianMs = String(Math.round(r.median));
      row.dataset.worstMs = String(Math.round(r.worst));
      const track = el('span', { class: 'ttr-bar' });
      const chart = svg('svg', { viewBox: '0 0 400 14', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
      chart.append(svg('line', { class: 'ttr-worst', x1: 0, x2: (r.worst / scale) * 400, y1: 7, y2: 7 }));
      chart.append(svg('line', { class: 'ttr-worst-end', x1: (r.worst / scale) * 400 - 1, x2: (r.worst / scale) * 400 - 1, y1: 2, y2: 12 }));
      chart.append(svg('rect', { class: 'ttr-median', x: 0, y: 3, width: Math.max(2, (r.median / scale) * 400), height: 8 }));
      track.append(chart);
      row.append(track, el('span', { class: 'ttr-text', 'data-field': 'ttr',
        text: `median ${seconds(r.median)} · worst ${seconds(r.worst)} · ${r.count} episode${r.count === 1 ? '' : 's'}` }));
      return row;
    });
    $('fleet-ttr').replaceChildren(...(items.length > 0 ? items : [el('p', { class: 'muted', text: 'no sites yet' })]));
  }

  function setRange(seconds) {
    fleet.rangeSeconds = seconds;
    for (const button of document.querySelectorAll('[data-range]')) button.setAttribute('aria-pressed', String(Number(button.dataset.range) === seconds));
    renderFleetHistory();
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

    for (const tab of document.querySelectorAll('[data-view]')) tab.addEventListener('click', () => showView(tab.dataset.view));
    for (const button of document.querySelectorAll('[data-range]')) button.addEventListener('click', () => setRange(Number(button.dataset.range)));
    if (location.hash === '#fleet') showView('fleet');
    setInterval(() => { if (fleetVisible()) refreshFleetHistory(); }, FLEET_REFRESH_MS);
    // The timeline's "now" moves: redraw it now and then between reads.
    setInterval(() => { if (fleetVisible() && !fleet.loading) renderFleetHistory(); }, 5000);

    setConnection('connecting', 'connecting…');
    loadConfig().finally(connect);
    setInterval(() => {
      for (const tunnel of tunnels.values()) renderTicking(tunnel, rows.get(tunnel.name));
      if (selected) renderDetail(tunnels.get(selected.name));
    }, 1000);
  });
})();

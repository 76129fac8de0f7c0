() => {
  // Delegated on the document (the chatbot re-renders its messages): [n] markers, copy, regenerate, drawer.
  if (window.__paHandlers) return;
  window.__paHandlers = true;
  let nonce = 0;
  const send = (id, value) => {
    const box = document.querySelector(`#${id} textarea, #${id} input`);
    if (!box) return;
    nonce += 1;
    box.value = value + '#' + nonce;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const narrow = () => window.matchMedia('(max-width: 768px)').matches;
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* fall back below */ }
    const area = document.createElement('textarea');
    area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    const done = document.execCommand('copy'); area.remove(); return done;
  };
  document.addEventListener('click', (event) => {
    const target = event.target && event.target.closest ? event.target : null;
    if (!target) return;
    const cite = target.closest('.pa-cite');
    if (cite && cite.value) {
      event.preventDefault(); event.stopPropagation();
      document.querySelectorAll('.pa-cite.pa-active').forEach((el) => el.classList.remove('pa-active'));
      cite.classList.add('pa-active');
      const col = document.querySelector('#pa-panel-col');
      if (col && narrow()) col.classList.add('pa-open');
      send('pa-pick', cite.value);
      return;
    }
    if (target.closest('.pa-drawer-close')) { document.querySelector('#pa-panel-col')?.classList.remove('pa-open'); return; }
    const copyButton = target.closest('.pa-copy-btn');
    if (copyButton) {
      event.preventDefault(); event.stopPropagation();
      const source = copyButton.closest('.pa-actions')?.querySelector('.pa-md');
      copy(source ? source.textContent : '').then((ok) => {
        copyButton.textContent = ok ? '已复制' : '复制失败';
        setTimeout(() => { copyButton.textContent = '复制'; }, 1500);
      });
      return;
    }
    const regen = target.closest('.pa-regen');
    if (regen) { event.preventDefault(); event.stopPropagation(); send('pa-action', 'regen:' + regen.value); }
  }, true);
  // the quote scrolled into view in the panel; 全文 scrolled to its highlight when opened
  const center = (container, el) => {
    if (!container || !el) return;
    const top = el.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
    container.scrollTop = Math.max(0, top - container.clientHeight / 3);
  };
  const showQuote = () => {
    const panel = document.querySelector('#pa-panel');
    if (panel) center(panel, panel.querySelector('mark.pa-quote'));
  };
  document.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!details || !details.classList || !details.classList.contains('pa-full') || !details.open) return;
    center(details.querySelector('.pa-article'), details.querySelector('mark.pa-quote-full'));
  }, true);
  const watch = () => {
    const panel = document.querySelector('#pa-panel');
    if (!panel) { setTimeout(watch, 300); return; }
    new MutationObserver(showQuote).observe(panel, { childList: true, subtree: true });
  };
  watch();
  // Gradio's status tracker writes "processing |", "queue: 1/3 |" and "from cache" in English whatever the
  // language (hard-coded in its statustracker, not in its translations), and the chatbot's waiting dots say
  // "Loading content" to a screen reader: said in Chinese, only inside those widgets (never in corpus text)
  const STATUS_ZH = [[/^processing \|/, '处理中 |'], [/^queue: /, '排队中 '], [/^from cache$/, '来自缓存'],
    [/^used cache$/, '使用了缓存'], [/^Loading content$/, '正在生成回答']];
  const inTracker = (node) => node.parentElement && node.parentElement.closest('.progress-text, [role="status"]');
  const say = (node) => {
    if (node.nodeType !== Node.TEXT_NODE || !inTracker(node)) return;
    const text = node.nodeValue.trim();
    for (const [english, chinese] of STATUS_ZH) {
      if (english.test(text)) { node.nodeValue = node.nodeValue.replace(english, chinese); return; }
    }
  };
  const sayAll = (root) => {
    if (root.nodeType === Node.TEXT_NODE) { say(root); return; }
    if (!root.querySelectorAll) return;
    root.querySelectorAll('[aria-label="Loading response"]').forEach((el) => el.setAttribute('aria-label', '正在生成回答'));
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) say(n);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') say(r.target);
      else r.addedNodes.forEach(sayAll);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  sayAll(document.body);
  // Gradio's own words (upload box, buttons) in Chinese whatever the browser's language
  try {
    const core = performance.getEntriesByType('resource').map((r) => r.name).find((u) => /\/assets\/core-[^/]*\.js$/.test(u));
    if (core) import(core).then((m) => { if (m.changeLocale) m.changeLocale('zh-CN'); }).catch(() => {});
  } catch (e) { /* keep the browser's language */ }
}

// console.mjs [--screenshots DIR] - reflekt's web console in headless
// Chromium, driven by playwright-core; run by check-console.sh, which has
// enrolled lena (consultant kari, manager per), ola (consultant siv,
// manager per) and jonas (consultant kari), stored their answers, and
// started reflekt on REFLEKT_BASE.
//
// Environment: REFLEKT (the binary), REFLEKT_DB, REFLEKT_HTTP_LISTEN (so
// `reflekt console-link` makes links to this daemon), REFLEKT_BASE,
// REFLEKT_PLAYWRIGHT (the folder playwright-core is installed in),
// REFLEKT_CHROMIUM, REFLEKT_WORK (a scratch folder), REFLEKT_ANSWER (one
// of lena's answers).
//
// Checked: sign-in by link (the GET shows Continue and spends nothing, the
// POST signs in; the session cookie is HttpOnly and SameSite=Strict); the
// consultant's leaders, a leader's timeline (and its audit row), the
// digest as printed and as a PDF; the manager's cadence, previewed and then
// saved; an .ics import; what must be refused (answer text for a manager,
// another consultant's leader, a used or expired link, a POST without or
// with a wrong CSRF token); a phone's width; signing out.  Each check
// prints "ok - NAME" or "not ok - NAME: why".  With --screenshots, PNGs of
// the main pages, in English, 1000 px wide, go into DIR.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const env = process.env;
const base = env.REFLEKT_BASE;
const work = env.REFLEKT_WORK;
const answer = env.REFLEKT_ANSWER;
const require = createRequire(path.join(env.REFLEKT_PLAYWRIGHT, 'package.json'));
const { chromium } = require('playwright-core');

const shotsAt = process.argv.indexOf('--screenshots');
const shots = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const WIDTH = 1000;
const HEIGHT = 760;
const CADENCE = 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=10;BYMINUTE=0';

let passed = 0;
let failed = 0;

function oneLine(s) {
  return String(s).split('\n').filter((l) => l.trim() !== '')[0] || String(s);
}

// check NAME FN: FN passes unless it throws; why is the error's message.
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
    return true;
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${oneLine(e && e.message ? e.message : e)}`);
    return false;
  }
}

function must(cond, why) {
  if (!cond) throw new Error(why);
}

// Text as a reader sees it: runs of white space as one space.
function squash(s) {
  return String(s).replace(/\s+/g, ' ').trim();
}

function cli(...args) {
  const r = spawnSync(env.REFLEKT, args, { encoding: 'utf8', env });
  if (r.error) throw r.error;
  return r;
}

function sql(query) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', env.REFLEKT_DB, query], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`sqlite3: ${oneLine(r.stderr)}`);
  return r.stdout.trim();
}

// A one-time sign-in link, the first line `reflekt console-link` prints.
function link(name) {
  const r = cli('console-link', name);
  const url = r.stdout.split('\n')[0];
  must(r.status === 0, `reflekt console-link ${name} failed: ${oneLine(r.stderr)}`);
  must(url.startsWith(`${base}/console/login?t=`), `not a link to this console: ${url}`);
  return url;
}

// The link's row in web_link is found by the token's SHA-256.
function linkHash(url) {
  const t = new URL(url).searchParams.get('t');
  return createHash('sha256').update(t).digest('hex').toUpperCase();
}

function linkUsedAt(url) {
  return sql(`SELECT used_at FROM web_link WHERE hash = X'${linkHash(url)}'`);
}

// lena's NEXT QUESTION in `reflekt leader list`: "YYYY-MM-DD HH:MM".
function nextQuestion(handle) {
  const r = cli('leader', 'list');
  const row = r.stdout.split('\n').find((l) => l.startsWith(`${handle} `));
  must(row, `${handle} is not in reflekt leader list`);
  const m = row.match(/(\d{4}-\d\d-\d\d) (\d\d:\d\d)/);
  must(m, `no next question in: ${squash(row)}`);
  return { date: m[1], time: m[2], text: `${m[1]} ${m[2]}` };
}

function cadenceOf(handle) {
  return sql(
    `SELECT e.cadence FROM engagement e JOIN person p ON p.id = e.leader_id
     WHERE p.name = '${handle}'`,
  );
}

function sessionCount(handle) {
  return Number(
    sql(
      `SELECT count(*) FROM session s JOIN engagement e ON e.id = s.engagement_id
       JOIN person p ON p.id = e.leader_id WHERE p.name = '${handle}'`,
    ),
  );
}

// A browser context of its own (its own cookies), the console in English:
// ?lang=en once sets the language cookie.
async function englishContext(browser, viewport = { width: WIDTH, height: HEIGHT }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const r = await page.goto(`${base}/console/login?lang=en`);
  must(r.status() === 200, `the sign-in page answered ${r.status()}`);
  return { ctx, page };
}

// Submit by clicking SELECTOR; the response the page ends on.
async function submit(page, selector) {
  const [resp] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return resp;
}

// Open a link and press Continue; the response the page ends on.
async function useLink(page, url) {
  const r = await page.goto(url);
  must(r.status() === 200, `the link's page answered ${r.status()}`);
  return submit(page, '#continue');
}

async function signIn(browser, name) {
  const { ctx, page } = await englishContext(browser);
  const r = await useLink(page, link(name));
  must(r.status() === 200, `Continue answered ${r.status()}`);
  must(page.url() === `${base}/console/leaders`, `Continue led to ${page.url()}`);
  return { ctx, page };
}

async function hasSession(ctx) {
  return (await ctx.cookies(base + '/console/')).some((c) => c.name === 'reflekt');
}

async function leaderNames(page) {
  return page.$$eval('#leaders tbody tr td:first-child', (tds) =>
    tds.map((td) => td.textContent.trim()),
  );
}

async function mainText(page) {
  return squash(await page.locator('main').innerText());
}

async function shot(page, name, height = HEIGHT) {
  if (!shots) return;
  await page.setViewportSize({ width: WIDTH, height });
  await page.screenshot({ path: path.join(shots, `console-${name}.png`) });
  await page.setViewportSize({ width: WIDTH, height: HEIGHT });
}

// An .ics with two of lena's sessions and one meeting that is not hers.
function writeIcs(file) {
  const day = (n) => {
    const d = new Date(Date.now() + n * 86400000);
    return d.toISOString().slice(0, 10).replace(/-/g, '');
  };
  const vevent = (uid, n, hhmm, summary) =>
    [
      'BEGIN:VEVENT',
      `UID:${uid}@calendar.example.org`,
      `DTSTAMP:${day(0)}T080000Z`,
      `DTSTART;TZID=Europe/Oslo:${day(n)}T${hhmm}00`,
      `DTEND;TZID=Europe/Oslo:${day(n)}T${String(Number(hhmm.slice(0, 2)) + 1).padStart(2, '0')}${hhmm.slice(2)}00`,
      `SUMMARY:${summary}`,
      'END:VEVENT',
    ].join('\r\n');
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//reflekt tests//console.mjs//EN',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Oslo',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'TZNAME:CEST',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'TZNAME:CET',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
    vevent('coaching-lena-1', 30, '1300', 'Coaching: lena'),
    vevent('coaching-lena-2', 58, '1300', 'Coaching: lena – oppfølging'),
    vevent('team-lunch', 31, '1130', 'Team lunch'),
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  fs.writeFileSync(file, ics);
}

// ---------------------------------------------------------------------------

// os.tmpdir() is where Playwright makes the browser's fresh, empty profile
// for this run (and removes it after): inside the test's scratch folder.
process.env.TMPDIR = work;
const browser = await chromium.launch({
  executablePath: env.REFLEKT_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

try {
  // ---- 1. sign in by link (kari, the consultant) ----------------------------
  const { ctx: kariCtx, page } = await englishContext(browser);
  let kariLink = '';
  await check('reflekt console-link kari makes a link to this console', () => {
    kariLink = link('kari');
  });
  await check('the link opens a page with a Continue button', async () => {
    const r = await page.goto(kariLink);
    must(r.status() === 200, `status ${r.status()}`);
    must(await page.locator('#continue').isVisible(), 'no #continue');
    await shot(page, 'signin', 520);
  });
  await check('opening the link (twice) does not spend it', async () => {
    await page.reload();
    must(await page.locator('#continue').isVisible(), 'no #continue the second time');
    const used = linkUsedAt(kariLink);
    must(used === '0', `web_link.used_at is ${used}`);
  });
  await check('Continue signs kari in and lands on /console/leaders', async () => {
    const r = await submit(page, '#continue');
    must(r.status() === 200, `status ${r.status()}`);
    must(page.url() === `${base}/console/leaders`, `landed on ${page.url()}`);
  });
  await check('and spends the link', () => {
    const used = linkUsedAt(kariLink);
    must(used !== '0' && used !== '', `web_link.used_at is "${used}"`);
  });
  await check('#leaders lists lena (and jonas), not ola', async () => {
    const names = await leaderNames(page);
    must(names.includes('lena'), `leaders: ${names.join(', ')}`);
    must(names.includes('jonas'), `leaders: ${names.join(', ')}`);
    must(!names.includes('ola'), `leaders: ${names.join(', ')}`);
  });
  let kariCookie = null;
  await check('the session cookie "reflekt" is HttpOnly and SameSite=Strict', async () => {
    kariCookie = (await kariCtx.cookies(base + '/console/')).find((c) => c.name === 'reflekt');
    must(kariCookie, 'no cookie named reflekt');
    must(kariCookie.httpOnly, 'not HttpOnly');
    must(kariCookie.sameSite === 'Strict', `SameSite=${kariCookie.sameSite}`);
    must(kariCookie.path === '/console/', `Path=${kariCookie.path}`);
  });
  await shot(page, 'leaders', 380);

  // ---- 2. a leader's timeline ----------------------------------------------
  await check("clicking lena opens her timeline, with her answer", async () => {
    await Promise.all([
      page.waitForNavigation(),
      page.locator('#leaders a', { hasText: /^lena$/ }).click(),
    ]);
    must(page.url() === `${base}/console/leader/lena`, `landed on ${page.url()}`);
    const text = await mainText(page);
    must(text.includes(squash(answer)), 'the answer is not on the page');
  });
  await check('the timeline shows the commitment, its follow-up, the score and the skip', async () => {
    const tags = await page.$$eval('main .tag', (ts) => ts.map((t) => t.textContent.trim()));
    for (const want of ['commitment', 'follow-up', 'skipped', 'scale', 'answered']) {
      must(tags.includes(want), `no "${want}" tag among: ${[...new Set(tags)].join(', ')}`);
    }
    must((await mainText(page)).includes('Score: 3 / 5'), 'no "Score: 3 / 5"');
  });
  await shot(page, 'timeline');
  await check('reflekt audit lists the read: web-timeline by web:kari', () => {
    const r = cli('audit');
    must(r.status === 0, `reflekt audit failed: ${oneLine(r.stderr)}`);
    must(
      r.stdout.split('\n').some((l) => /\sweb:kari\s+web-timeline\s+lena(\s|$)/.test(l)),
      'no such row',
    );
  });

  // ---- 3. the digest, on screen, printed and as a PDF ----------------------
  await check('the digest shows the answer and the commitment', async () => {
    const r = await page.goto(`${base}/console/leader/lena/digest`);
    must(r.status() === 200, `status ${r.status()}`);
    const text = await mainText(page);
    must(text.includes(squash(answer)), 'the answer is not on the page');
    must(text.includes('Commitments and how they went'), 'no commitments');
  });
  await shot(page, 'digest');
  await check('printed, the digest hides the header, tabs and forms and shows the answer', async () => {
    await page.emulateMedia({ media: 'print' });
    // Hidden: display none on the element itself or on one around it.
    const shown = await page.evaluate(() => {
      const hidden = (e) =>
        e !== null && (getComputedStyle(e).display === 'none' || hidden(e.parentElement));
      return ['header', 'header nav', 'footer', '.tabs', 'form', '.noprint']
        .flatMap((sel) => [...document.querySelectorAll(sel)].map((e) => [sel, e]))
        .filter(([, e]) => !hidden(e))
        .map(([sel]) => sel);
    });
    must(shown.length === 0, `still shown: ${[...new Set(shown)].join(', ')}`);
    const quote = page.locator('blockquote', { hasText: answer.slice(0, 40) }).first();
    must(await quote.isVisible(), 'the answer is hidden');
  });
  await check('and it prints to a PDF', async () => {
    const file = path.join(work, 'digest.pdf');
    const pdf = await page.pdf({ path: file, format: 'A4' });
    must(pdf.subarray(0, 5).toString() === '%PDF-', 'not a PDF');
    must(pdf.length > 2000, `only ${pdf.length} bytes`);
    await page.emulateMedia({ media: 'screen' });
  });

  // ---- 4. per, the manager, changes lena's cadence ---------------------------
  let per = null;
  await check('per signs in with a link of his own and sees lena and ola', async () => {
    per = await signIn(browser, 'per');
    const names = await leaderNames(per.page);
    must(names.includes('lena') && names.includes('ola'), `leaders: ${names.join(', ')}`);
    must(!names.includes('jonas'), `leaders: ${names.join(', ')}`);
  });
  if (per) {
    const pp = per.page;
    const before = { cadence: cadenceOf('lena'), next: nextQuestion('lena').text };
    await check('Preview: every other week, Thursday 10:00 gives five Thursdays at 10:00', async () => {
      const r = await pp.goto(`${base}/console/leader/lena/settings`);
      must(r.status() === 200, `status ${r.status()}`);
      await pp.selectOption('#every', '2');
      await pp.selectOption('#day', '3');
      await pp.fill('#at', '10:00');
      const p = await submit(pp, '#do-preview');
      must(p.status() === 200, `status ${p.status()}`);
      const times = await pp.$$eval('#preview li', (lis) => lis.map((li) => li.textContent));
      must(times.length === 5, `${times.length} times: ${times.join(' | ')}`);
      for (const t of times) {
        must(t.includes('10:00') && t.includes('Thursday'), `not a Thursday at 10:00: ${t}`);
      }
      must(new Set(times).size === 5, `the same time twice: ${times.join(' | ')}`);
    });
    await shot(pp, 'settings');
    await check('nothing is saved by the preview', () => {
      must(cadenceOf('lena') === before.cadence, `cadence is now ${cadenceOf('lena')}`);
      const next = nextQuestion('lena').text;
      must(next === before.next, `leader list: next question ${next}, was ${before.next}`);
    });
    await check('Save: the page says it was saved', async () => {
      const r = await submit(pp, '#do-save');
      must(r.status() === 200, `status ${r.status()}`);
      must(pp.url().endsWith('/console/leader/lena/settings?saved=1'), `landed on ${pp.url()}`);
      const note = squash(await pp.locator('[role=status]').innerText());
      must(note === 'Saved.', `it says "${note}"`);
    });
    await check(`the engagement's cadence is ${CADENCE}`, () => {
      const c = cadenceOf('lena');
      must(c === CADENCE, `it is ${c}`);
    });
    await check('reflekt leader list: the next question is on a Thursday at 10:00', () => {
      const n = nextQuestion('lena');
      const wday = new Date(`${n.date}T12:00:00Z`).getUTCDay();
      must(wday === 4 && n.time === '10:00', `it is ${n.text}`);
    });
    await check('reflekt audit lists web-settings by web:per', () => {
      must(/\sweb:per\s+web-settings\s+lena\s/.test(cli('audit').stdout), 'no such row');
    });
  }

  // ---- 5. an .ics imported by kari -------------------------------------------
  await check('an .ics import adds the two sessions with lena in the title', async () => {
    const file = path.join(work, 'sessions.ics');
    writeIcs(file);
    const r = await page.goto(`${base}/console/leader/lena/sessions`);
    must(r.status() === 200, `status ${r.status()}`);
    const tag = page.locator('.tag', { hasText: 'from the calendar' });
    must((await tag.count()) === 0, 'calendar sessions before the import');
    await page.setInputFiles('#ics', file);
    await page.fill('#match', 'lena');
    const p = await submit(page, 'form:has(#ics) button');
    if (p.status() !== 200) {
      const why = await page.locator('.msg.err').allInnerTexts();
      throw new Error(`the import answered ${p.status()}: ${squash(why.join(' '))}`);
    }
    must(page.url().endsWith('/sessions?saved=1'), `landed on ${page.url()}`);
    must((await tag.count()) === 2, `${await tag.count()} sessions from the calendar`);
    const text = await mainText(page);
    must(!text.includes('Team lunch'), 'the team lunch came in too');
  });
  if (shots) {
    // The past session with its private note open, and the ones to come.
    await page.goto(`${base}/console/leader/lena/sessions`);
    await page.locator('main details summary').first().click();
    await shot(page, 'sessions', 1120);
  }

  // ---- 6. what must be refused ---------------------------------------------
  const lenaAnswers = sql(
    `SELECT r.body FROM response r JOIN delivery d ON d.id = r.delivery_id
     JOIN engagement e ON e.id = d.engagement_id JOIN person p ON p.id = e.leader_id
     WHERE p.name = 'lena'`,
  )
    .split('\n')
    .filter((s) => s.length > 20)
    .map((s) => squash(s).slice(0, 40));
  if (per) {
    const pp = per.page;
    await check("per opening lena's page sees participation, not what she wrote", async () => {
      must(lenaAnswers.length >= 4, `only ${lenaAnswers.length} answers in the database`);
      const r = await pp.goto(`${base}/console/leader/lena`);
      must(r.status() === 200, `status ${r.status()}`);
      must(pp.url() === `${base}/console/leader/lena/participation`, `landed on ${pp.url()}`);
      const html = squash(await pp.content());
      for (const a of lenaAnswers) must(!html.includes(a), `the page shows "${a}"`);
    });
    await check("per opening lena's digest is refused with 403", async () => {
      const r = await pp.goto(`${base}/console/leader/lena/digest`);
      must(r.status() === 403, `status ${r.status()}`);
      const html = squash(await pp.content());
      for (const a of lenaAnswers) must(!html.includes(a), `the page shows "${a}"`);
    });
  }
  await check("kari opening ola (siv's leader) is refused with 403", async () => {
    const r = await page.goto(`${base}/console/leader/ola`);
    must(r.status() === 403, `status ${r.status()}`);
    must(!(await mainText(page)).includes('Sara og Ahmed'), "ola's answer is shown");
  });
  await check('a link used once is refused the second time', async () => {
    const url = link('kari');
    const first = await englishContext(browser);
    const r1 = await useLink(first.page, url);
    must(r1.status() === 200 && (await hasSession(first.ctx)), 'the first use did not sign in');
    await first.ctx.close();
    const second = await englishContext(browser);
    const r2 = await useLink(second.page, url);
    must(r2.status() === 403, `status ${r2.status()}`);
    const text = await mainText(second.page);
    must(text.includes('used already or has expired'), `it says: ${text.slice(0, 120)}`);
    must(!(await hasSession(second.ctx)), 'a session cookie was set');
    await second.page.goto(`${base}/console/leaders`);
    must(second.page.url().startsWith(`${base}/console/login`), `${second.page.url()} was shown`);
    await second.ctx.close();
  });
  await check('an expired link is refused', async () => {
    const url = link('kari');
    sql(`UPDATE web_link SET expires_at = 1 WHERE hash = X'${linkHash(url)}'`);
    const c = await englishContext(browser);
    const r = await useLink(c.page, url);
    must(r.status() === 403, `status ${r.status()}`);
    const text = await mainText(c.page);
    must(text.includes('used already or has expired'), `it says: ${text.slice(0, 120)}`);
    must(!(await hasSession(c.ctx)), 'a session cookie was set');
    await c.ctx.close();
  });
  const sessionsUrl = `${base}/console/leader/lena/sessions`;
  const addForm = {
    do: 'add',
    date: new Date(Date.now() + 44 * 86400000).toISOString().slice(0, 10),
    time: '14:00',
  };
  const refusedPost = async (form) => {
    const n = sessionCount('lena');
    const r = await kariCtx.request.post(sessionsUrl, { form, maxRedirects: 0 });
    must(r.status() === 403, `status ${r.status()}`);
    must((await r.text()).includes('security token'), 'refused, but not for its token');
    must(sessionCount('lena') === n, 'a session was added');
  };
  await check('a POST without the CSRF token is refused with 403, nothing added', () =>
    refusedPost(addForm),
  );
  await check('a POST with a wrong CSRF token is refused with 403, nothing added', () =>
    refusedPost({ ...addForm, csrf: 'A'.repeat(43) }),
  );
  await check("the same POST with the page's token adds the session", async () => {
    await page.goto(sessionsUrl);
    const csrf = await page.inputValue('input[name=csrf] >> nth=0');
    const n = sessionCount('lena');
    const r = await kariCtx.request.post(sessionsUrl, {
      form: { ...addForm, csrf },
      maxRedirects: 0,
    });
    must(r.status() === 303, `status ${r.status()}`);
    must(sessionCount('lena') === n + 1, 'no session added');
  });

  // ---- 7. on a phone --------------------------------------------------------
  await check('on a 390 px wide phone the pages need no sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await phone.addCookies(await kariCtx.cookies(base + '/console/'));
    const p = await phone.newPage();
    for (const where of ['/console/leaders', '/console/leader/lena']) {
      const r = await p.goto(base + where);
      must(r.status() === 200 && p.url() === base + where, `${where}: ${r.status()} ${p.url()}`);
      const w = await p.evaluate(() => document.documentElement.scrollWidth);
      must(w <= 390, `${where} is ${w} px wide`);
    }
    await phone.close();
  });

  // ---- 8. signing out -------------------------------------------------------
  await check('Sign out ends the session', async () => {
    await page.goto(`${base}/console/leaders`);
    const r = await submit(page, 'header form button');
    must(r.status() === 200, `status ${r.status()}`);
    must((await page.locator('h1').innerText()) === 'Signed out', 'no "Signed out"');
    must(!(await hasSession(kariCtx)), 'the cookie is still there');
  });
  await check('/console/leaders then goes to the sign-in page', async () => {
    await page.goto(`${base}/console/leaders`);
    must(page.url().startsWith(`${base}/console/login`), `${page.url()} was shown`);
    must((await page.locator('h1').innerText()) === 'Sign in', 'not the sign-in page');
  });
  await check('the old session cookie no longer works', async () => {
    must(kariCookie, 'no cookie was kept');
    const old = await browser.newContext();
    await old.addCookies([kariCookie]);
    const p = await old.newPage();
    await p.goto(`${base}/console/leaders`);
    must(p.url().startsWith(`${base}/console/login`), `${p.url()} was shown`);
    await old.close();
  });
} catch (e) {
  failed++;
  console.log(`not ok - the browser session ran to its end: ${oneLine(e.message)}`);
} finally {
  await browser.close();
}
console.log(`# console.mjs: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
